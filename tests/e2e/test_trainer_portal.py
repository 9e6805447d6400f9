"""The trainer portal over HTTP: the seeded trainer account (Priya Nair) sees her week, refuses a schedule that
would strand a confirmed booking unless she cancels it (no penalty for the member), marks sessions, joins calls."""
from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.e2e.test_bookings_flow import PRIYA, member, signed_in_again, slots
from tests.support.http import Api, fresh_source_ip


@pytest.fixture
def trainer(local_api, demo) -> Api:
    """Priya's own account (seeded with role trainer), signed in with a token of its own (tests move the clock,
    which logins' lockout buckets would not take kindly)."""
    from shared.auth import tokens
    from shared.db import keys
    from shared.db.repository import get_repository

    login = next(u for u in demo["trainerUsers"] if u["trainerId"] == PRIYA)
    client_id = demo["clients"]["studio"]["id"]
    user_id = get_repository().get(keys.email_claim(client_id, login["email"]))["userId"]
    api = Api(f"{local_api.base_url}/api/v1", fresh_source_ip(), demo["apiKeys"]["studio"],
              tokens.issue(user_id, client_id, "trainer")[0])
    api.user_id, api.client_id, api.role = user_id, client_id, "trainer"  # type: ignore[attr-defined]
    return api


def test_given_the_seeded_trainer_login_then_it_signs_in_with_the_trainer_role(local_api, demo):
    login = next(u for u in demo["trainerUsers"] if u["trainerId"] == PRIYA)
    api = Api(f"{local_api.base_url}/api/v1", fresh_source_ip(), demo["apiKeys"]["studio"])
    signed = api.post("/auth/login", {"email": login["email"], "password": login["password"]})
    assert signed.status == 200 and signed.data["user"]["role"] == "trainer"
    assert api.get("/trainer/me", token=signed.data["accessToken"]).data["trainer"]["id"] == PRIYA


@pytest.fixture
def studio(demo) -> dict[str, Any]:
    priya = next(t for t in demo["trainers"] if t["id"] == PRIYA)
    return {"key": demo["apiKeys"]["studio"], "clientId": demo["clients"]["studio"]["id"],
            "service": priya["services"][0]["id"]}


WEEKDAYS = [{"day": d, "start": "09:00", "end": "17:00"} for d in ("mon", "tue", "wed", "thu", "fri")]


def test_given_the_trainer_account_then_it_sees_its_profile_schedule_and_bookings(local_api, trainer, studio):
    me = trainer.get("/trainer/me")
    assert me.status == 200 and me.data["trainer"]["id"] == PRIYA and me.data["trainer"]["timeZone"] == "Europe/London"
    schedule = trainer.get("/trainer/schedule").data["schedule"]
    assert schedule["weekly"] == WEEKDAYS
    booker = member(local_api, studio["clientId"], studio["key"])
    slot = slots(booker, PRIYA, studio["service"])[6]
    booked = booker.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["service"], "slotId": slot["id"],
                                                     "notes": "Bring the kettlebell"}).data["booking"]
    upcoming = trainer.get("/trainer/bookings?limit=100").data["items"]
    assert booked["id"] in [b["id"] for b in upcoming]
    assert next(b for b in upcoming if b["id"] == booked["id"])["notes"] == "Bring the kettlebell"


def test_given_a_member_or_an_admin_then_the_portal_is_403(local_api, studio, demo):
    booker = member(local_api, studio["clientId"], studio["key"])
    assert booker.get("/trainer/me").status == 403
    admin = next(u for u in demo["users"] if u["role"] == "client_admin")
    api = Api(f"{local_api.base_url}/api/v1", fresh_source_ip(), studio["key"])
    api.token = api.post("/auth/login", {"email": admin["email"], "password": admin["password"]}).data["accessToken"]
    assert api.get("/trainer/bookings").code == "FORBIDDEN"


def test_given_a_schedule_that_strands_a_booking_then_409_listing_it_unless_the_trainer_cancels_it(
        local_api, trainer, studio):
    booker = member(local_api, studio["clientId"], studio["key"])
    slot = slots(booker, PRIYA, studio["service"])[8]
    booked = booker.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["service"], "slotId": slot["id"]}).data["booking"]
    # When the trainer closes the booked date
    closed = {"timeZone": "Europe/London", "weekly": WEEKDAYS, "overrides": [{"date": slot["date"], "windows": []}]}
    refused = trainer.put("/trainer/schedule", closed)
    assert refused.status == 409 and refused.code == "SCHEDULE_CONFLICT"
    assert booked["id"] in [b["id"] for b in refused.json["details"]["bookings"]]
    assert trainer.get("/trainer/schedule").data["schedule"]["overrides"] == []  # nothing changed
    # Then with cancelAffected the booking is the trainer's cancellation, without a penalty for the member
    done = trainer.put("/trainer/schedule", {**closed, "cancelAffected": True})
    assert done.status == 200 and booked["id"] in done.data["schedule"]["cancelledBookings"]
    seen = booker.get(f"/bookings/{booked['id']}").data["booking"]
    assert seen["status"] == "cancelled_by_trainer" and seen["penalty"]["type"] == "none"
    assert slot["date"] not in {s["date"] for s in slots(booker, PRIYA, studio["service"])}
    # And reopening the day offers its slots again
    assert trainer.put("/trainer/schedule", {"timeZone": "Europe/London", "weekly": WEEKDAYS}).status == 200
    assert slot["id"] in [s["id"] for s in slots(booker, PRIYA, studio["service"])]


def test_given_bad_schedules_then_400_naming_the_field(trainer):
    for bad, field in (({"timeZone": "Mars/Base", "weekly": WEEKDAYS}, "timeZone"),
                       ({"timeZone": "Europe/London", "weekly": [{"day": "mon", "start": "10:00", "end": "09:00"}]},
                        "window"),
                       ({"timeZone": "Europe/London", "weekly": [{"day": "mon", "start": "09:03", "end": "10:00"}]},
                        "window"),
                       ({"timeZone": "Europe/London", "weekly": [{"day": "mon", "start": "09:00", "end": "12:00"},
                                                                 {"day": "mon", "start": "11:00", "end": "13:00"}]},
                        "weekly")):
        reply = trainer.put("/trainer/schedule", bad)
        assert reply.status == 400 and reply.json["details"][0]["field"] == field, reply.json


def test_given_another_trainers_booking_then_404(local_api, trainer, studio, demo):
    maya = next(t for t in demo["trainers"] if t["timeZone"] == "America/New_York")
    booker = member(local_api, studio["clientId"], studio["key"])
    slot = slots(booker, maya["id"], maya["services"][0]["id"])[2]
    booked = booker.post(f"/trainers/{maya['id']}/book", {"serviceId": maya["services"][0]["id"],
                                                          "slotId": slot["id"]}).data["booking"]
    for action in ("cancel", "complete", "no-show", "join"):
        assert trainer.post(f"/trainer/bookings/{booked['id']}/{action}", None).status == 404
    assert booker.get(f"/bookings/{booked['id']}").data["booking"]["status"] == "confirmed"


# Last: it moves the clock, and the trainer account's rate-limit bucket would then look drained to later tests.
def test_given_a_session_then_the_trainer_marks_it_only_when_the_time_has_come_and_joins_its_call(
        local_api, trainer, studio, clock, demo):
    booker = member(local_api, studio["clientId"], studio["key"])
    slot = slots(booker, PRIYA, studio["service"])[10]
    booked = booker.post(f"/trainers/{PRIYA}/book", {"serviceId": studio["service"], "slotId": slot["id"]}).data["booking"]
    early = trainer.post(f"/trainer/bookings/{booked['id']}/complete", None)
    assert early.status == 409 and early.code == "INVALID_STATE_TRANSITION"
    clock.advance(clock.parse_iso(booked["startsAt"]) - clock.now() - 120)
    signed_in_again(trainer)
    signed_in_again(booker)
    joined = trainer.post(f"/trainer/bookings/{booked['id']}/join", None)
    assert joined.status == 200 and joined.data["role"] == "trainer"
    member_side = booker.post(f"/bookings/{booked['id']}/join", None).data
    assert member_side["roomName"] == joined.data["roomName"] and member_side["identity"] != joined.data["identity"]
    payload = joined.data["token"].split(".")[1]
    assert json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["roomConfig"]["maxParticipants"] == 2
    clock.advance(3600 + 120)
    signed_in_again(trainer)
    done = trainer.post(f"/trainer/bookings/{booked['id']}/complete", None)
    assert done.status == 200 and done.data["booking"]["status"] == "completed"
    assert trainer.post(f"/trainer/bookings/{booked['id']}/no-show", None).code == "INVALID_STATE_TRANSITION"
