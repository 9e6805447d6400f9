"""Trainers and 1:1 bookings over HTTP against the local API: find a trainer, see slots in the trainer's zone,
hold, book, reschedule, cancel with a quoted penalty, join the call; and the refusals on the way."""
from __future__ import annotations

import base64
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.db import keys
from shared.db.repository import get_repository
from tests.support.http import Api, fresh_source_ip

PRIYA = 5  # the guide's coach 5: Europe/London, weekdays 09:00-17:00


@pytest.fixture(scope="module")
def studio(demo) -> dict[str, Any]:
    trainer = next(t for t in demo["trainers"] if t["id"] == PRIYA)
    return {"key": demo["apiKeys"]["studio"], "clientId": demo["clients"]["studio"]["id"], "trainer": trainer,
            "service": trainer["services"][0]["id"], "short": trainer["services"][1]["id"],
            "maya": next(t for t in demo["trainers"] if t["timeZone"] == "America/New_York")}


def member(local_api, client_id: str, key: str) -> Api:
    """A fresh member of the client, signed in, speaking from an address of its own."""
    from shared.auth import tokens
    from shared.domain import accounts

    user = accounts.create_member(client_id, f"booker-{uuid.uuid4().hex[:10]}@example.com", "booker-secret",
                                  name="Booker")
    api = Api(f"{local_api.base_url}/api/v1", fresh_source_ip(), key, tokens.issue(user["id"], client_id, "user")[0])
    api.user_id, api.client_id, api.role = user["id"], client_id, "user"  # type: ignore[attr-defined]
    return api


def signed_in_again(api: Api) -> None:
    """A fresh access token for the same account (after the clock moved past the old one's life)."""
    from shared.auth import tokens

    api.token = tokens.issue(api.user_id, api.client_id, api.role)[0]  # type: ignore[attr-defined]


def slots(api: Api, trainer: int, service: int, days: int = 14) -> list[dict[str, Any]]:
    from datetime import date, timedelta

    first = date.today() + timedelta(days=1)
    reply = api.get(f"/trainers/{trainer}/availability?serviceId={service}&from={first}&to={first + timedelta(days=days)}")
    assert reply.status == 200, reply.json
    return reply.data["slots"]


def test_given_a_member_when_they_find_hold_book_move_and_cancel_then_each_answer_says_what_happened(
        local_api, studio):
    me = member(local_api, studio["clientId"], studio["key"])
    # Given the trainer list and the trainer's profile
    listed = me.get("/trainers?search=priya").data["items"]
    assert [t["id"] for t in listed] == [PRIYA] and listed[0]["timeZone"] == "Europe/London"
    profile = me.get(f"/trainers/{PRIYA}").data["trainer"]
    assert {s["id"] for s in profile["services"]} == {studio["service"], studio["short"]}
    service = next(s for s in me.get(f"/trainers/{PRIYA}/services").data["services"] if s["id"] == studio["service"])
    assert service["price"] == 75.0 and service["priceMinor"] == 7500 and service["currency"] == "GBP"
    # When they read the availability: slots in the trainer's zone, on the hour from 09:00 to 16:00
    offered = slots(me, PRIYA, studio["service"])
    assert offered and all(s["time"] in [f"{h:02d}:00" for h in range(9, 17)] for s in offered)
    slot = offered[3]
    # And hold it, then book it with the hold
    held = me.post(f"/trainers/{PRIYA}/holds", {"serviceId": studio["service"], "slotId": slot["id"]})
    assert held.status == 201 and held.data["slot"] == slot
    assert slot["id"] not in [s["id"] for s in slots(member(local_api, studio["clientId"], studio["key"]),
                                                      PRIYA, studio["service"])]  # others are not offered it
    booked = me.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["service"], "slotId": slot["id"],
                                                 "holdId": held.data["holdId"], "notes": "Knee is fine now"})
    assert booked.status == 201, booked.json
    booking = booked.data["booking"]
    assert booking["status"] == "confirmed" and booking["timeZone"] == "Europe/London"
    assert (booking["scheduledDate"], booking["scheduledTime"], booking["startsAt"]) == \
        (slot["date"], slot["time"], slot["startsAt"])
    # Then it is in the member's upcoming list and detail, with its cancellation terms
    assert booking["id"] in [b["id"] for b in me.get("/bookings").data["items"]]
    detail = me.get(f"/bookings/{booking['id']}").data["booking"]
    assert detail["cancellation"]["cancellable"] is True and detail["notes"] == "Knee is fine now"
    # When they move it to a later slot of the same day or week
    later = next(s for s in slots(me, PRIYA, studio["service"]) if s["startsAt"] > slot["startsAt"])
    moved = me.post(f"/bookings/{booking['id']}/reschedule", {"slotId": later["id"]})
    assert moved.status == 200 and moved.data["booking"]["startsAt"] == later["startsAt"]
    assert moved.data["booking"]["rescheduleCount"] == 1 and moved.data["booking"]["id"] == booking["id"]
    # Then the old slot is free again for others, the new one is not
    others = [s["id"] for s in slots(member(local_api, studio["clientId"], studio["key"]), PRIYA, studio["service"])]
    assert slot["id"] in others and later["id"] not in others
    # When they ask for a quote, nothing changes; when they cancel, the slot is free again
    quote = me.post(f"/bookings/{booking['id']}/cancel", {"dryRun": True}).data["booking"]
    assert quote["dryRun"] is True and quote["status"] == "cancelled" and quote["penalty"]["type"] == "none"
    assert me.get(f"/bookings/{booking['id']}").data["booking"]["status"] == "confirmed"
    cancelled = me.post(f"/bookings/{booking['id']}/cancel", {})
    assert cancelled.status == 200 and cancelled.data["booking"]["status"] == "cancelled"
    again = me.post(f"/bookings/{booking['id']}/cancel", {})  # natural idempotency: the stored state
    assert again.status == 200 and again.data["booking"]["cancelledAt"] == cancelled.data["booking"]["cancelledAt"]
    assert later["id"] in [s["id"] for s in slots(me, PRIYA, studio["service"])]
    assert booking["id"] in [b["id"] for b in me.get("/bookings?status=cancelled").data["items"]]


def test_given_50_members_when_they_book_one_slot_at_once_then_exactly_one_201(local_api, studio):
    trainer = studio["maya"]  # New York, 45 minutes with 10-minute buffers on both sides
    service = trainer["services"][0]["id"]
    members = [member(local_api, studio["clientId"], studio["key"]) for _ in range(50)]
    slot = slots(members[0], trainer["id"], service)[5]
    barrier = threading.Barrier(len(members))

    def attempt(api: Api) -> Any:
        barrier.wait()
        return api.post(f"/trainers/{trainer['id']}/book", {"serviceId": service, "slotId": slot["id"]})

    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        replies = list(pool.map(attempt, members))
    statuses = sorted(r.status for r in replies)
    assert statuses.count(201) == 1, statuses
    losers = [r for r in replies if r.status != 201]
    assert all(r.status == 409 and r.code == "SLOT_UNAVAILABLE" for r in losers), \
        [(r.status, r.raw[:300], r.headers) for r in losers if r.status != 409][:2]
    assert all(r.json["details"]["reason"] == "taken" for r in losers)
    # And the trainer's time holds exactly one booking's locks (buffers included: 10 + 45 + 10 minutes)
    winner = next(r for r in replies if r.status == 201).data["booking"]
    locks = get_repository().query(f"{keys.trainer_pk(studio['clientId'], trainer['id'])}#BUSY", consistent=True)
    mine = [lock for lock in locks if lock["owner"] == f"booking:{winner['id']}"]
    assert len(mine) == 13 and len({lock["owner"] for lock in locks if lock["SK"] in {m["SK"] for m in mine}}) == 1


def test_given_a_booked_slot_when_the_member_books_it_again_then_already_booked_with_the_id(local_api, studio):
    me = member(local_api, studio["clientId"], studio["key"])
    slot = slots(me, PRIYA, studio["short"])[7]
    first = me.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["short"], "slotId": slot["id"]})
    assert first.status == 201
    again = me.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["short"], "slotId": slot["id"]})
    assert again.status == 409 and again.code == "ALREADY_BOOKED"
    assert again.json["details"]["bookingId"] == first.data["booking"]["id"]


def test_given_a_taken_slot_then_409_names_the_reason_and_the_next_free_slots(local_api, studio):
    first, second = (member(local_api, studio["clientId"], studio["key"]) for _ in range(2))
    offered = slots(first, PRIYA, studio["short"])
    assert first.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["short"], "slotId": offered[9]["id"]}).status == 201
    refused = second.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["short"], "slotId": offered[9]["id"]})
    assert refused.status == 409 and refused.json["details"]["reason"] == "taken"
    alternatives = refused.json["details"]["alternatives"]
    assert len(alternatives) == 3 and all(a["startsAt"] > offered[9]["startsAt"] for a in alternatives)
    assert second.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["short"],
                                                   "slotId": alternatives[0]["id"]}).status == 201


@pytest.mark.parametrize("case", ["in_past", "too_soon", "beyond_horizon", "outside_availability",
                                  "service_unavailable"])
def test_given_a_slot_that_cannot_be_booked_then_409_with_its_reason(local_api, studio, case):
    import time

    me = member(local_api, studio["clientId"], studio["key"])
    next_slot = slots(me, PRIYA, studio["service"])[0]
    now_minute = int(time.time()) // 60
    slot_id, service = {
        "in_past": (now_minute - 60 * 24 * 3, studio["service"]),
        "too_soon": (now_minute + 30 - now_minute % 5, studio["service"]),  # inside the 2-hour notice
        "beyond_horizon": (next_slot["id"] + 63 * 24 * 60, studio["service"]),  # nine weeks on: same weekday
        "outside_availability": (next_slot["id"] + 5, studio["service"]),  # 09:05: off the hourly grid
        "service_unavailable": (next_slot["id"], studio["maya"]["services"][0]["id"]),  # another trainer's
    }[case]
    refused = me.post(f"/trainers/{PRIYA}/book", {"serviceId": service, "slotId": slot_id})
    assert refused.status == 409 and refused.code == "SLOT_UNAVAILABLE", refused.json
    expected = {"in_past": ("in_past", "outside_availability"), "too_soon": ("too_soon", "outside_availability")}
    assert refused.json["details"]["reason"] in expected.get(case, (case,))


def test_given_bad_ranges_and_ids_then_named_400_and_404(local_api, studio, demo):
    me = member(local_api, studio["clientId"], studio["key"])
    too_long = me.get(f"/trainers/{PRIYA}/availability?serviceId={studio['service']}&from=2027-01-01&to=2027-02-15")
    assert too_long.status == 400 and too_long.json["details"][0]["field"] == "to"
    backwards = me.get(f"/trainers/{PRIYA}/availability?serviceId={studio['service']}&from=2027-01-10&to=2027-01-01")
    assert backwards.status == 400
    no_service = me.get(f"/trainers/{PRIYA}/availability")  # two services: which one?
    assert no_service.status == 400 and no_service.json["details"][0]["field"] == "serviceId"
    bad_date = me.get(f"/trainers/{PRIYA}/availability?serviceId={studio['service']}&from=2027-02-30")
    assert bad_date.status == 400 and bad_date.json["details"][0]["field"] == "from"
    assert me.get("/trainers/99999").status == 404
    fitco_trainer = next(t for t in demo["trainers"] if t["clientId"] != studio["clientId"])
    assert me.get(f"/trainers/{fitco_trainer['id']}").status == 404
    # another member's booking: 404, never 403
    owner = member(local_api, studio["clientId"], studio["key"])
    slot = slots(owner, PRIYA, studio["short"])[11]
    booking = owner.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["short"], "slotId": slot["id"]}).data["booking"]
    for reply in (me.get(f"/bookings/{booking['id']}"), me.post(f"/bookings/{booking['id']}/cancel", {}),
                  me.post(f"/bookings/{booking['id']}/join", None)):
        assert reply.status == 404 and reply.code == "NOT_FOUND"
    assert owner.get(f"/bookings/{booking['id']}").data["booking"]["status"] == "confirmed"


def test_given_the_late_window_then_the_quote_states_the_penalty_and_the_cancel_applies_it(local_api, studio, clock):
    me = member(local_api, studio["clientId"], studio["key"])
    slot = slots(me, PRIYA, studio["service"])[2]
    booking = me.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["service"], "slotId": slot["id"]}).data["booking"]
    # When the clock passes the free-cancel time (24 hours before the start)
    clock.advance(max(0.0, clock.parse_iso(booking["freeCancelUntil"]) - clock.now() + 60))
    signed_in_again(me)
    quote = me.post(f"/bookings/{booking['id']}/cancel", {"dryRun": True}).data["booking"]
    assert quote["status"] == "late_cancelled" and quote["penalty"] == {
        "type": "fee", "amount": 37.5, "amountMinor": 3750, "currency": "GBP"}
    assert me.post(f"/bookings/{booking['id']}/reschedule", {"slotId": slot["id"] + 60}).code == "BOOKING_NOT_CANCELLABLE"
    cancelled = me.post(f"/bookings/{booking['id']}/cancel", {}).data["booking"]
    assert cancelled["status"] == "late_cancelled" and cancelled["penalty"] == quote["penalty"]


def test_given_a_booking_then_the_call_opens_10_minutes_before_for_a_private_two_person_room(local_api, studio, clock):
    me = member(local_api, studio["clientId"], studio["key"])
    slot = slots(me, PRIYA, studio["service"])[4]
    booking = me.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["service"], "slotId": slot["id"]}).data["booking"]
    early = me.post(f"/bookings/{booking['id']}/join", None)
    assert early.status == 409 and early.code == "JOIN_WINDOW_CLOSED"
    assert early.json["details"]["joinOpensAt"] == booking["video"]["joinOpensAt"]
    clock.advance(clock.parse_iso(booking["startsAt"]) - clock.now() - 5 * 60)
    signed_in_again(me)
    joined = me.post(f"/bookings/{booking['id']}/join", None)
    assert joined.status == 200, joined.json
    payload = joined.data["token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["video"]["room"] == joined.data["roomName"] and claims["video"]["roomJoin"] is True
    assert claims["sub"] == joined.data["identity"] and booking["id"] in joined.data["roomName"]
    assert claims["roomConfig"]["maxParticipants"] == 2 and "agents" not in claims["roomConfig"]
    assert studio["clientId"] == joined.data["roomName"].split(":")[0]
