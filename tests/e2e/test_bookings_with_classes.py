"""My bookings list group-class places beside 1:1 sessions: one list merged by start, each row typed
(one_to_one or group_class), the same status filters and pagination, and a waiting member's position."""
from __future__ import annotations

import secrets
from typing import Any

from shared import clock as shared_clock
from shared.domain import group_classes as gc
from tests.e2e.test_bookings_flow import PRIYA, member, signed_in_again, slots

HOUR = 3600


def _class(client_id: str, starts_at: int, capacity: int = 5) -> int:
    return int(gc.create_class(client_id, trainer_id=PRIYA, name=f"Listed {secrets.token_hex(3)}", starts_at=starts_at,
                               duration=45, time_zone="Europe/London", capacity=capacity,
                               waitlist={"enabled": True, "capacity": 5})["id"])


def _join(me: Any, class_id: int) -> dict[str, Any]:
    reply = me.post(f"/group-classes/{class_id}/join", {})
    assert reply.status == 201, reply.json
    return dict(reply.data["classBooking"])


def test_given_sessions_and_class_places_then_my_bookings_list_both_by_start_with_their_type(local_api, demo, clock):
    studio, key = demo["clients"]["studio"]["id"], demo["apiKeys"]["studio"]
    me, rival = member(local_api, studio, key), member(local_api, studio, key)
    service = next(t for t in demo["trainers"] if t["id"] == PRIYA)["services"][0]["id"]
    slot = slots(me, PRIYA, service)[0]
    session = me.post(f"/trainers/{PRIYA}/book", {"serviceId": service, "slotId": slot["id"]})
    assert session.status == 201, session.json
    session_start = int(shared_clock.parse_iso(slot["startsAt"]))
    # Given a class before the session (booked), a full one after it (waiting, first in line), and one I left
    before, after, left = (_class(studio, session_start - 3 * HOUR), _class(studio, session_start + 24 * HOUR, 1),
                           _class(studio, session_start + 48 * HOUR))
    _join(me, before)
    _join(rival, after)
    assert _join(me, after)["status"] == "waitlisted"
    _join(me, left)
    assert me.post(f"/group-classes/{left}/leave", {}).data["classBooking"]["status"] == "cancelled"

    # When I list my upcoming bookings, Then both kinds come soonest first, each row saying what it is
    upcoming = me.get("/bookings")
    assert upcoming.status == 200, upcoming.json
    rows = upcoming.data["items"]
    assert [(r["type"], r.get("classId")) for r in rows] == [("group_class", before), ("one_to_one", None),
                                                             ("group_class", after)]
    assert rows[1]["id"] == session.data["booking"]["id"] and rows[1]["status"] == "confirmed"
    assert rows[0]["status"] == "booked" and rows[0]["trainer"] == {"id": PRIYA, "name": "Priya Nair"}
    assert rows[0]["waitlistPosition"] is None and rows[0]["timeZone"] == "Europe/London"
    assert rows[2]["status"] == "waitlisted" and rows[2]["waitlistPosition"] == 1
    assert upcoming.data["pagination"]["total"] == 3
    # the kind filter and the pages
    assert [r["type"] for r in me.get("/bookings?type=group_class").data["items"]] == ["group_class"] * 2
    assert [r["type"] for r in me.get("/bookings?type=one_to_one").data["items"]] == ["one_to_one"]
    second = me.get("/bookings?limit=1&page=2").data
    assert [r["type"] for r in second["items"]] == ["one_to_one"] and second["pagination"]["totalPages"] == 3
    # the cancelled filter shows the class I left, and nothing else
    cancelled = me.get("/bookings?status=cancelled").data["items"]
    assert [(r["classId"], r["status"]) for r in cancelled] == [(left, "cancelled")]
    assert me.get("/bookings?type=sessions").status == 400

    # When the first class has been held, Then it is in the past list, latest first, and no longer upcoming
    clock.advance(session_start - 2 * HOUR - int(shared_clock.now()))
    signed_in_again(me)
    past = me.get("/bookings?status=past").data["items"]
    assert [(r["type"], r.get("classId")) for r in past] == [("group_class", before)]
    assert [r.get("classId") for r in me.get("/bookings").data["items"]] == [None, after]


def test_given_another_members_places_then_my_list_shows_none_of_them(local_api, demo):
    studio, key = demo["clients"]["studio"]["id"], demo["apiKeys"]["studio"]
    owner, other = member(local_api, studio, key), member(local_api, studio, key)
    _join(owner, _class(studio, int(shared_clock.now()) + 2 * 24 * HOUR))
    assert other.get("/bookings?type=group_class&status=all").data["items"] == []
