"""The partner portal's vouchers over HTTP: batches (idempotent, visible at once), lists with stable cursors,
revocation (and its race with a redemption), counters that add up, CSV export, bad input, roles and isolation."""
from __future__ import annotations

import csv
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support.http import Api, fresh_source_ip


class Portal(dict):
    """Two partners of FitCo Wellness of their own (so that their counters start at zero). `portal["mine_manager"]`
    signs in a new staff member of that role each time it is read: the per-user rate limit (20 in a burst)
    then never meets a test that makes many requests."""

    def __missing__(self, name: str) -> str:
        from shared.domain import partner_staff

        label, role = name.split("_")
        email = f"{label}-{role}-{uuid.uuid4().hex[:8]}@partners.example"
        partner_staff.create_staff(self["clientId"], self[f"{label}_partner"], email, "partner-staff-pass", role=role)
        login = Api(self["baseUrl"], fresh_source_ip()).post("/partner-auth/login",
                                                             {"email": email, "password": "partner-staff-pass"})
        assert login.status == 200, login.json
        return login.data["accessToken"]


@pytest.fixture(scope="module")
def portal(local_api, demo) -> Portal:
    from shared.domain import provisioning

    client_id = demo["clients"]["partner"]["id"]
    made = Portal(clientId=client_id, key=demo["apiKeys"]["partner"], baseUrl=f"{local_api.base_url}/api/v1")
    for label in ("mine", "other"):
        made[f"{label}_partner"] = provisioning.create_partner(client_id, f"Voucher Test {label} "
                                                               f"{uuid.uuid4().hex[:6]}")["id"]
    return made


def _api(local_api) -> Api:
    return Api(f"{local_api.base_url}/api/v1", fresh_source_ip())


def _create(api: Api, token: str, **body: Any) -> Any:
    return api.post("/partner/vouchers", body, token=token)


def _stats(api: Api, token: str, **query: str) -> dict[str, Any]:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    reply = api.get("/partner/vouchers/stats" + (f"?{suffix}" if suffix else ""), token=token)
    assert reply.status == 200, reply.json
    return reply.data


def _adds_up(stats: dict[str, Any]) -> None:
    assert stats["total"] == stats["active"] + stats["redeemed"] + stats["expired"] + stats["revoked"], stats


def _register(api: Api, key: str, code: str) -> Any:
    return api.post("/auth/register", {"email": f"redeem-{uuid.uuid4().hex[:10]}@example.com",
                                       "password": "securepassword", "voucherCode": code}, api_key=key)


def test_given_a_manager_when_generating_codes_then_they_arrive_as_one_batch_listed_and_counted(local_api, portal):
    api = _api(local_api)
    before = _stats(api, portal["mine_manager"])
    reply = _create(api, portal["mine_manager"], quantity=120, prefix="spring", expiresAt=_in(30 * 86400),
                    campaign="spring-flyer")
    assert reply.status == 201, reply.json
    batch = reply.data
    codes = [v["code"] for v in batch["vouchers"]]
    assert batch["count"] == 120 and len(set(codes)) == 120
    assert all(c.startswith("SPRING-") and v["status"] == "active" and v["batchId"] == batch["batchId"]
               for c, v in zip(codes, batch["vouchers"]))
    listed = api.get(f"/partner/vouchers?batchId={batch['batchId']}&limit=100", token=portal["mine_viewer"])
    assert listed.status == 200 and listed.data["pagination"]["total"] == 120
    after = _stats(api, portal["mine_manager"])
    assert after["total"] - before["total"] == 120 and after["active"] - before["active"] == 120
    assert _stats(api, portal["mine_manager"], batchId=batch["batchId"])["total"] == 120
    assert _stats(api, portal["mine_manager"], campaign="spring-flyer")["active"] >= 120
    one = api.get(f"/partner/vouchers/{codes[0]}", token=portal["mine_viewer"])
    assert one.status == 200 and one.data["voucher"]["campaign"] == "spring-flyer"


def test_given_an_idempotency_key_when_the_request_is_retried_then_the_same_batch_comes_back_once(local_api, portal):
    api = _api(local_api)
    before = _stats(api, portal["mine_manager"])["total"]
    key, manager = f"batch-{uuid.uuid4().hex}", portal["mine_manager"]  # keys are per caller: one manager
    first = api.post("/partner/vouchers", {"quantity": 30, "prefix": "RETRY"}, token=manager,
                     headers={"Idempotency-Key": key})
    again = api.post("/partner/vouchers", {"quantity": 30, "prefix": "RETRY"}, token=manager,
                     headers={"Idempotency-Key": key})
    assert first.status == again.status == 201
    assert again.header("Idempotency-Replayed") == "true"
    assert again.data["batchId"] == first.data["batchId"] and again.data["vouchers"] == first.data["vouchers"]
    assert _stats(api, portal["mine_manager"])["total"] == before + 30
    other_body = api.post("/partner/vouchers", {"quantity": 31, "prefix": "RETRY"}, token=manager,
                          headers={"Idempotency-Key": key})
    assert (other_body.status, other_body.code) == (422, "IDEMPOTENCY_KEY_REUSED")


@pytest.mark.parametrize("body,field", [
    ({"quantity": 0}, "quantity"), ({"quantity": 501}, "quantity"), ({"quantity": "5"}, "quantity"),
    ({"quantity": 5, "prefix": "A"}, "prefix"), ({"quantity": 5, "prefix": "ABCDEFGHIJKLM"}, "prefix"),
    ({"quantity": 5, "prefix": "ZEN-1"}, "prefix"), ({"quantity": 5, "prefix": "ÄBC"}, "prefix"),
    ({"quantity": 5, "expiresAt": "2020-01-01T00:00:00Z"}, "expiresAt"),
    ({"quantity": 5, "expiresAt": "2999-01-01T00:00:00Z"}, "expiresAt"),
    ({"quantity": 5, "expiresAt": "next tuesday"}, "expiresAt"),
    ({"quantity": 5, "expiresAt": "2027-01-01T00:00:00"}, "expiresAt"),
])
def test_given_bad_input_when_generating_then_400_names_the_field_and_nothing_is_written(
        local_api, portal, body, field):
    api = _api(local_api)
    before = _stats(api, portal["mine_manager"])["total"]
    reply = _create(api, portal["mine_manager"], **body)
    assert (reply.status, reply.code) == (400, "VALIDATION_ERROR"), reply.json
    assert field in [d["field"] for d in reply.json["details"]]
    assert _stats(api, portal["mine_manager"])["total"] == before


def test_given_a_viewer_then_reads_work_and_every_write_is_403(local_api, portal):
    api = _api(local_api)
    code = _create(api, portal["mine_manager"], quantity=1).data["vouchers"][0]["code"]
    assert api.get("/partner/vouchers", token=portal["mine_viewer"]).status == 200
    created = _create(api, portal["mine_viewer"], quantity=1)
    revoked = api.delete(f"/partner/vouchers/{code}", token=portal["mine_viewer"])
    assert (created.status, created.code) == (revoked.status, revoked.code) == (403, "FORBIDDEN")
    assert api.get(f"/partner/vouchers/{code}", token=portal["mine_viewer"]).data["voucher"]["status"] == "active"


def test_given_another_partners_voucher_then_it_is_404_everywhere_and_unchanged(local_api, portal, demo):
    api = _api(local_api)
    code = _create(api, portal["mine_manager"], quantity=1).data["vouchers"][0]["code"]
    studio_code = next(v["code"] for v in demo["vouchers"] if v["clientId"] == demo["clients"]["studio"]["id"])
    for foreign in (code, studio_code, "NOPE-0000000000"):
        assert api.get(f"/partner/vouchers/{foreign}", token=portal["other_manager"]).status == 404
        assert api.delete(f"/partner/vouchers/{foreign}", token=portal["other_manager"]).status == 404
    listed = api.get(f"/partner/vouchers?search={code}", token=portal["other_manager"])
    assert listed.status == 200 and listed.data["items"] == []
    assert api.get(f"/partner/vouchers/{code}", token=portal["mine_viewer"]).data["voucher"]["status"] == "active"


def test_given_a_redeemed_an_expired_and_an_active_code_then_revocation_answers_409_409_200_and_stats_add_up(
        local_api, portal, clock):
    api = _api(local_api)
    soon = api.post("/partner/vouchers", {"quantity": 1, "expiresAt": _in(3600)}, token=portal["mine_manager"])
    assert soon.status == 201, soon.json
    batch = _create(api, portal["mine_manager"], quantity=3, prefix="MIX").data
    used, active, spare = (v["code"] for v in batch["vouchers"])
    registered = _register(api, portal["key"], used)
    assert registered.status == 201, registered.json
    member_id = registered.data["user"]["id"]
    shown = api.get(f"/partner/vouchers/{used}", token=portal["mine_viewer"]).data["voucher"]
    assert shown["status"] == "redeemed" and shown["redeemedBy"] == {"memberId": member_id}
    redeemed = api.delete(f"/partner/vouchers/{used}", token=portal["mine_manager"])
    assert (redeemed.status, redeemed.code) == (409, "VOUCHER_ALREADY_REDEEMED")
    revoked = api.delete(f"/partner/vouchers/{active}", token=portal["mine_manager"])
    assert revoked.status == 200 and revoked.data["voucher"]["status"] == "revoked"
    assert api.delete(f"/partner/vouchers/{active}", token=portal["mine_manager"]).status == 200  # idempotent
    assert _register(api, portal["key"], active).code == "INVALID_VOUCHER"
    clock.advance(3601)
    expired_code = soon.data["vouchers"][0]["code"]
    expired = api.delete(f"/partner/vouchers/{expired_code}", token=portal["mine_manager"])
    assert (expired.status, expired.code) == (409, "VOUCHER_NOT_ACTIVE")
    stats = _stats(api, portal["mine_manager"], batchId=batch["batchId"])
    assert (stats["total"], stats["active"], stats["redeemed"], stats["revoked"]) == (3, 1, 1, 1)
    assert stats["redemptionRate"] == 33.3 and stats["redemptionRateExcludingRevoked"] == 50.0
    everything = _stats(api, portal["mine_manager"])
    _adds_up(everything)
    assert everything["expired"] >= 1
    assert api.get(f"/partner/vouchers/{spare}", token=portal["mine_viewer"]).data["voucher"]["status"] == "active"
    expired_list = api.get("/partner/vouchers?status=expired", token=portal["mine_viewer"]).data
    assert expired_code in [v["code"] for v in expired_list["items"]]
    assert expired_list["pagination"]["total"] == everything["expired"]


def _in(seconds: int) -> str:
    from shared import clock

    return clock.iso(clock.now() + seconds)


def test_given_a_revocation_racing_a_registration_on_one_code_then_exactly_one_wins(local_api, portal):
    api = _api(local_api)
    for _ in range(3):
        code = _create(api, portal["mine_manager"], quantity=1).data["vouchers"][0]["code"]

        def revoke(_: int, code: str = code) -> int:
            return _api(local_api).delete(f"/partner/vouchers/{code}", token=portal["mine_manager"]).status

        def redeem(_: int, code: str = code) -> int:
            return _register(_api(local_api), portal["key"], code).status

        with ThreadPoolExecutor(6) as pool:
            revokes = [pool.submit(revoke, i) for i in range(3)]
            redeems = [pool.submit(redeem, i) for i in range(3)]
            revoke_statuses = [f.result() for f in revokes]
            redeem_statuses = [f.result() for f in redeems]
        registered = redeem_statuses.count(201)
        final = api.get(f"/partner/vouchers/{code}", token=portal["mine_viewer"]).data["voucher"]["status"]
        if final == "redeemed":
            assert registered == 1 and set(revoke_statuses) == {409}, (revoke_statuses, redeem_statuses)
        else:
            assert final == "revoked" and registered == 0 and 200 in revoke_statuses, (revoke_statuses,
                                                                                       redeem_statuses)
        _adds_up(_stats(api, portal["mine_manager"]))


def test_given_a_cursor_walk_while_codes_are_added_then_every_code_shows_exactly_once(local_api, portal):
    api = _api(local_api)
    batch = _create(api, portal["other_manager"], quantity=45, prefix="WALK").data
    expected = {v["code"] for v in batch["vouchers"]}
    seen: list[str] = []
    cursor = None
    while True:
        query = f"/partner/vouchers?batchId={batch['batchId']}&limit=10&sort=createdAt"
        page = api.get(query + (f"&cursor={cursor}" if cursor else ""), token=portal["other_viewer"]).data
        seen += [v["code"] for v in page["items"]]
        _create(api, portal["other_manager"], quantity=2, prefix="WALK")  # inserts between pages
        cursor = page["pagination"]["nextCursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 45 and set(seen) == expected
    searched = api.get("/partner/vouchers?search=walk&limit=100", token=portal["other_viewer"]).data
    assert searched["pagination"]["total"] is None and all(v["code"].startswith("WALK-") for v in searched["items"])
    bad = api.get("/partner/vouchers?cursor=bm90LWEtY3Vyc29y", token=portal["other_viewer"])
    assert (bad.status, bad.code) == (400, "VALIDATION_ERROR")


def test_given_an_export_then_it_is_a_safe_csv_of_the_partners_codes(local_api, portal):
    api = _api(local_api)
    batch = _create(api, portal["other_manager"], quantity=5, prefix="CSV", campaign="=HYPERLINK(\"x\")").data
    reply = api.get(f"/partner/vouchers/export?batchId={batch['batchId']}", token=portal["other_viewer"])
    assert reply.status == 200 and reply.header("Content-Type").startswith("text/csv")
    assert reply.header("Content-Disposition").startswith('attachment; filename="vouchers-')
    rows = list(csv.reader(io.StringIO(reply.raw.decode("utf-8"), newline="")))
    assert rows[0][:3] == ["code", "status", "batchId"] and len(rows) == 6
    assert {r[0] for r in rows[1:]} == {v["code"] for v in batch["vouchers"]}
    assert all(r[3] == "'=HYPERLINK(\"x\")" for r in rows[1:])  # the campaign cannot run as a formula
    mine = api.get("/partner/vouchers/export", token=portal["mine_viewer"]).raw.decode("utf-8")
    assert all(v["code"] not in mine for v in batch["vouchers"])
