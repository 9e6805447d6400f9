"""The partner portal's members and dashboard over HTTP: only members the partner brought, their credited
watch time, a deleted account gone at once, masked emails for viewers, and another partner's members unseen."""
from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest

from tests.support.http import Api, fresh_source_ip


def _api(local_api) -> Api:
    return Api(f"{local_api.base_url}/api/v1", fresh_source_ip())


def _staff_token(local_api, client_id: str, partner_id: str, role: str) -> str:
    from shared.domain import partner_staff

    email = f"members-{role}-{uuid.uuid4().hex[:8]}@partners.example"
    partner_staff.create_staff(client_id, partner_id, email, "partner-staff-pass", role=role)
    return _api(local_api).post("/partner-auth/login", {"email": email, "password": "partner-staff-pass"}).data[
        "accessToken"]


@pytest.fixture(scope="module")
def brought(local_api, demo) -> dict[str, Any]:
    """A partner of FitCo of its own with two members who registered with its codes; the first watched a class
    for three minutes of wall-clock time and completed it."""
    from shared import clock
    from shared.domain import partner_vouchers, provisioning

    client_id, key = demo["clients"]["partner"]["id"], demo["apiKeys"]["partner"]
    clock.advance(-3600)  # an hour ago: the watching lies inside today's 7-day window even just after midnight
    partner = provisioning.create_partner(client_id, f"Members Test {uuid.uuid4().hex[:6]}")
    other = provisioning.create_partner(client_id, f"Members Other {uuid.uuid4().hex[:6]}")
    batch = partner_vouchers.create_batch(client_id, partner["id"], "stf_test", quantity=2)
    codes = [v["code"] for v in batch["vouchers"]]
    other_code = partner_vouchers.create_batch(client_id, other["id"], "stf_test", quantity=1)["vouchers"][0]["code"]
    members = []
    for code in codes + [other_code]:
        email = f"brought-{uuid.uuid4().hex[:8]}@example.com"
        reply = _api(local_api).post("/auth/register", {"email": email, "password": "securepassword",
                                                        "name": "Brought Member", "voucherCode": code}, api_key=key)
        assert reply.status == 201, reply.json
        members.append({**reply.data, "email": email, "code": code})
    watcher = members[0]
    fitco_class = next(c for c in demo["classes"] if c["clientId"] == client_id and not c["isLive"])
    api = _api(local_api)
    started = api.post("/sessions/start", {"classId": fitco_class["id"], "deviceType": "tv"}, api_key=key,
                       token=watcher["accessToken"])
    assert started.status == 201, started.json
    session_id, total = started.data["session"]["id"], fitco_class["duration"] * 60
    for minute in (1, 2, 3):
        clock.advance(60)
        beat = api.post(f"/sessions/{session_id}/progress", {"progressSeconds": 60 * minute,
                                                            "totalDurationSeconds": total},
                        api_key=key, token=watcher["accessToken"])
        assert beat.status == 200, beat.json
    assert api.post(f"/sessions/{session_id}/complete", {}, api_key=key, token=watcher["accessToken"]).status == 200
    clock.advance(3600 - 180)  # back to the real time: later tests' rate buckets and tokens must not start ahead
    return {"clientId": client_id, "key": key, "partner": partner["id"], "other": other["id"], "members": members,
            "manager": _staff_token(local_api, client_id, partner["id"], "manager"),
            "viewer": _staff_token(local_api, client_id, partner["id"], "viewer"),
            "other_manager": _staff_token(local_api, client_id, other["id"], "manager")}


def test_given_members_brought_by_the_partner_then_the_list_shows_them_and_no_one_else(local_api, brought):
    listed = _api(local_api).get("/partner/members", token=brought["manager"])
    assert listed.status == 200, listed.json
    emails = {m["email"] for m in listed.data["items"]}
    assert emails == {brought["members"][0]["email"], brought["members"][1]["email"]}
    assert listed.data["pagination"]["total"] == 2
    watcher = next(m for m in listed.data["items"] if m["email"] == brought["members"][0]["email"])
    assert watcher["watchTimeMinutes"] == 3 and watcher["classesWatched"] == 1 and watcher["status"] == "active"
    assert watcher["voucherCode"] == brought["members"][0]["code"]
    searched = _api(local_api).get("/partner/members?search=BROUGHT-", token=brought["manager"]).data
    assert len(searched["items"]) == 2 and searched["pagination"]["total"] is None


def test_given_a_viewer_then_member_emails_are_masked(local_api, brought):
    listed = _api(local_api).get("/partner/members", token=brought["viewer"]).data["items"]
    assert listed and all("***@" in m["email"] for m in listed)
    assert all(m["email"] not in str(listed) for m in brought["members"])


def test_given_a_member_then_the_detail_has_their_sessions_and_another_partner_sees_404(local_api, brought):
    member_id = brought["members"][0]["user"]["id"]
    detail = _api(local_api).get(f"/partner/members/{member_id}", token=brought["manager"])
    assert detail.status == 200, detail.json
    assert detail.data["member"]["recentSessions"][0]["completed"] is True
    assert _api(local_api).get(f"/partner/members/{member_id}", token=brought["other_manager"]).status == 404
    foreign = brought["members"][2]["user"]["id"]  # the other partner's member
    assert _api(local_api).get(f"/partner/members/{foreign}", token=brought["manager"]).status == 404


def test_given_the_dashboard_then_it_counts_members_active_ones_and_credited_minutes(local_api, brought):
    board = _api(local_api).get("/partner/dashboard?period=7d", token=brought["viewer"])
    assert board.status == 200, board.json
    data = board.data
    assert (data["totalMembers"], data["activeMembers"], data["newMembers"]) == (2, 1, 2)
    assert data["totalWatchTimeMinutes"] == 3 and data["totalClassesWatched"] == 1
    assert data["trends"]["watchTimeChange"] == "n/a" and data["trends"]["watchTimeChangePct"] is None
    assert data["period"]["name"] == "7d" and data["period"]["from"].endswith("T00:00:00Z")
    bad = _api(local_api).get("/partner/dashboard?period=1y", token=brought["viewer"])
    assert (bad.status, bad.code) == (400, "VALIDATION_ERROR")


def test_given_a_member_deletes_their_account_then_they_are_gone_from_lists_exports_and_counts(local_api, brought):
    leaver = brought["members"][1]
    signed_in = _api(local_api).post("/auth/login", {"email": leaver["email"], "password": "securepassword"},
                                     api_key=brought["key"])  # the fixture's tokens were issued an hour ago
    gone = _api(local_api).delete("/users/me", api_key=brought["key"], token=signed_in.data["accessToken"])
    assert gone.status == 200, gone.json
    listed = _api(local_api).get("/partner/members", token=brought["manager"]).data
    assert leaver["email"] not in str(listed) and listed["pagination"]["total"] == 1
    assert _api(local_api).get(f"/partner/members/{leaver['user']['id']}", token=brought["manager"]).status == 404
    export = _api(local_api).get("/partner/members/export", token=brought["manager"])
    assert export.status == 200 and export.header("Content-Type").startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.raw.decode("utf-8"), newline="")))
    assert rows[0][:3] == ["memberId", "name", "email"] and len(rows) == 2
    assert rows[1][2] == brought["members"][0]["email"] and leaver["email"] not in export.raw.decode("utf-8")
    assert _api(local_api).get("/partner/dashboard", token=brought["manager"]).data["totalMembers"] == 1
