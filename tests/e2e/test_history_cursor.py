"""GET /sessions/history: `page` up to its bound, then an opaque cursor that reads only its own page."""
from __future__ import annotations

import base64
import json
import secrets

import pytest

from shared.auth import tokens
from shared.domain import viewing


def _member(api, demo):
    token, _ = tokens.issue(f"u-{secrets.token_hex(6)}", demo["clients"]["studio"]["id"], "user")
    return api.with_auth(demo["apiKeys"]["studio"], token)


@pytest.fixture
def seven_sessions(api, demo, clock):
    member = _member(api, demo)
    started = []
    for class_id in range(1, 8):
        started.append(member.post("/sessions/start", {"classId": class_id, "deviceType": "web"}).data["session"]["id"])
        clock.advance(1)
    return member, started[::-1]  # newest first


def test_given_sessions_when_following_next_cursor_then_every_session_once_newest_first(seven_sessions):
    member, newest_first = seven_sessions
    # When reading three at a time from the first page, then from each nextCursor
    seen, pages = [], []
    reply = member.get("/sessions/history?limit=3").data
    while True:
        pages.append(reply["pagination"]["page"])
        seen += [s["id"] for s in reply["items"]]
        if not reply["nextCursor"]:
            break
        reply = member.get(f"/sessions/history?limit=3&cursor={reply['nextCursor']}").data
    # Then every session comes once, in order, the page numbers count on, and the last page says so
    assert seen == newest_first
    assert pages == [1, 2, 3]
    assert reply["pagination"] == {"page": 3, "limit": 3, "total": 7, "totalPages": 3}


def test_given_page_numbers_then_they_agree_with_the_cursor(seven_sessions):
    member, newest_first = seven_sessions
    second = member.get("/sessions/history?limit=3&page=2").data
    assert [s["id"] for s in second["items"]] == newest_first[3:6]
    after_second = member.get(f"/sessions/history?limit=3&cursor={second['nextCursor']}").data
    assert [s["id"] for s in after_second["items"]] == newest_first[6:]
    assert after_second["nextCursor"] is None


def test_given_a_page_past_the_bound_then_400_naming_page(api, demo):
    reply = _member(api, demo).get(f"/sessions/history?page={viewing.MAX_HISTORY_PAGE + 1}&limit=100")
    assert reply.status == 400 and reply.code == "VALIDATION_ERROR"
    assert [d["field"] for d in reply.json["details"]] == ["page"]


def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "not-a-cursor", "%00%01", "e30", _b64([1, 2]), _b64({"after": "ses_x", "page": 2}),
    _b64({"after": "ses_" + "0" * 24, "page": 0}), _b64({"after": "ses_" + "0" * 24, "page": "2"}),
    _b64({"after": "ses_" + "0" * 24, "page": 2, "pk": "CLIENT#other"}), "A" * 600,
])
def test_given_a_bad_or_tampered_cursor_then_400_naming_cursor(api, demo, cursor):
    reply = _member(api, demo).get(f"/sessions/history?cursor={cursor}")
    assert reply.status == 400 and reply.code == "VALIDATION_ERROR"
    assert [d["field"] for d in reply.json["details"]] == ["cursor"]


def test_given_another_members_cursor_then_it_shows_only_the_callers_own_sessions(api, demo, clock):
    # Given a stranger's session, then a member's three newer ones
    stranger, owner = _member(api, demo), _member(api, demo)
    mine = stranger.post("/sessions/start", {"classId": 3, "deviceType": "web"}).data["session"]["id"]
    clock.advance(1)
    for class_id in (1, 2, 4):
        owner.post("/sessions/start", {"classId": class_id, "deviceType": "web"})
        clock.advance(1)
    cursor = owner.get("/sessions/history?limit=1").data["nextCursor"]
    # When the stranger replays the member's cursor
    shown = stranger.get(f"/sessions/history?cursor={cursor}").data
    # Then the position applies to the stranger's own partition only: their older session, nothing of the member
    assert [s["id"] for s in shown["items"]] == [mine]
