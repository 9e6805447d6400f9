"""The trainer runs their own offer from the portal: profile (PUT /trainer/me), services (create, edit, archive
once booked, delete when never booked), date overrides and time off (refused with the sessions they would strand,
unless the trainer cancels those, never at the member's cost). Each write that can race a booking is tested
racing one, counting the outcomes. Each test has a trainer of its own (a new coach with an account), so that
the seeded trainers stay as other tests expect them."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.db import keys
from shared.db.repository import get_repository
from tests.e2e.test_bookings_flow import member, slots
from tests.support.http import Api, fresh_source_ip

WEEKDAYS = [{"day": d, "start": "09:00", "end": "17:00"} for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]


@pytest.fixture
def coach(local_api, demo) -> dict[str, Any]:
    return _new_coach(local_api, demo)


def _new_coach(local_api, demo) -> dict[str, Any]:
    """A new trainer of the studio (every day 09:00-17:00 London, one 60-minute service, no notice) and its own
    signed-in trainer account."""
    from shared.auth import tokens
    from shared.domain import accounts, catalog, provisioning, trainer_portal, trainers

    client_id, key = demo["clients"]["studio"]["id"], demo["apiKeys"]["studio"]
    made = provisioning.create_coach(client_id, f"Coach {uuid.uuid4().hex[:6]}", specialties=["strength"],
                                     levels=["beginner"], bio="Strength coach")
    trainers.put_schedule(client_id, made["id"], "Europe/London", WEEKDAYS)
    service = trainers.create_service(client_id, made["id"], "Strength Hour", duration=60, price_minor=6000,
                                      currency="GBP", minimum_notice=0)
    account = accounts.create_member(client_id, f"coach-{uuid.uuid4().hex[:8]}@example.com", "coach-secret",
                                     name=made["name"], role="trainer")
    catalog.forget_cache()
    trainer_portal.link_user(client_id, account["id"], made["id"])
    api = Api(f"{local_api.base_url}/api/v1", fresh_source_ip(), key, tokens.issue(account["id"], client_id, "trainer")[0])
    return {"id": int(made["id"]), "service": int(service["id"]), "api": api, "clientId": client_id, "key": key}


def _book(booker: Api, coach: dict[str, Any], slot: dict[str, Any], service: int | None = None) -> Any:
    return booker.post(f"/trainers/{coach['id']}/book", {"serviceId": service or coach["service"], "slotId": slot["id"]})


def test_given_the_trainer_when_they_edit_their_profile_then_members_see_it_and_a_zone_change_guards_bookings(
        local_api, coach):
    trainer: Api = coach["api"]
    # When the trainer changes what a member reads about them
    changed = trainer.put("/trainer/me", {"bio": "Barbell basics, kindly taught", "specialties": ["strength", "endurance"],
                                          "image": "https://cdn.example/coach.jpg"})
    assert changed.status == 200, changed.json
    assert changed.data["trainer"]["bio"] == "Barbell basics, kindly taught" and changed.data["cancelledBookings"] == []
    booker = member(local_api, coach["clientId"], coach["key"])
    seen = booker.get(f"/trainers/{coach['id']}").data["trainer"]
    assert seen["bio"] == "Barbell basics, kindly taught" and seen["specialties"] == ["strength", "endurance"]
    assert seen["image"] == "https://cdn.example/coach.jpg"
    # Given a booked session at 09:00 London
    slot = next(s for s in slots(booker, coach["id"], coach["service"]) if s["time"] == "09:00")
    booked = _book(booker, coach, slot).data["booking"]
    # When the trainer moves to New York: 09:00-17:00 there no longer holds 09:00 London (04:00 or 05:00 there)
    moved = trainer.put("/trainer/me", {"timeZone": "America/New_York"})
    assert moved.status == 409 and moved.code == "SCHEDULE_CONFLICT"
    assert [b["id"] for b in moved.json["details"]["bookings"]] == [booked["id"]]
    assert trainer.get("/trainer/me").data["trainer"]["timeZone"] == "Europe/London"
    # And with cancelAffected the move is made, the session cancelled by the trainer at no cost to the member
    done = trainer.put("/trainer/me", {"timeZone": "America/New_York", "cancelAffected": True})
    assert done.status == 200 and done.data["cancelledBookings"] == [booked["id"]]
    assert done.data["trainer"]["timeZone"] == "America/New_York"
    after = booker.get(f"/bookings/{booked['id']}").data["booking"]
    assert after["status"] == "cancelled_by_trainer" and after["penalty"]["type"] == "none"
    first = slots(booker, coach["id"], coach["service"])[0]  # 09:00 on New York's wall clock: 13:00 or 14:00 UTC
    assert first["time"] == "09:00" and first["startsAt"][11:13] in ("13", "14")
    # And bad values are named
    for bad, field in (({"timeZone": "Mars/Base"}, "timeZone"), ({"specialties": ["juggling"]}, "specialties.0"),
                       ({"image": "http://plain.example/x.jpg"}, "image")):
        reply = trainer.put("/trainer/me", bad)
        assert reply.status == 400 and reply.json["details"][0]["field"] == field, reply.json


def test_given_the_trainer_when_they_run_their_services_then_booked_ones_are_archived_and_unbooked_ones_go(
        local_api, coach):
    trainer: Api = coach["api"]
    # When the trainer creates a service: members see it, priced as sent
    made = trainer.post("/trainer/services", {"name": "Mobility Half-hour", "duration": 30, "priceMinor": 2500,
                                              "currency": "EUR", "bufferAfterMinutes": 10})
    assert made.status == 201, made.json
    service = made.data["service"]
    assert service["price"] == 25.0 and service["currency"] == "EUR" and service["active"] is True
    booker = member(local_api, coach["clientId"], coach["key"])
    offered = booker.get(f"/trainers/{coach['id']}/services").data["services"]
    assert service["id"] in [s["id"] for s in offered]
    # And edits it: the next booking gets the new price
    edited = trainer.put(f"/trainer/services/{service['id']}", {"priceMinor": 3000, "name": "Mobility 30"})
    assert edited.status == 200 and edited.data["service"]["priceMinor"] == 3000
    assert edited.data["service"]["name"] == "Mobility 30" and edited.data["service"]["duration"] == 30
    slot = slots(booker, coach["id"], service["id"])[0]
    booked = _book(booker, coach, slot, service["id"]).data["booking"]
    assert booked["priceMinor"] == 3000
    # Then a booked service is archived, never deleted: no longer offered, its booking untouched
    removed = trainer.delete(f"/trainer/services/{service['id']}")
    assert removed.status == 200 and removed.data["archived"] is True and removed.data["deleted"] is False
    assert service["id"] not in [s["id"] for s in booker.get(f"/trainers/{coach['id']}/services").data["services"]]
    assert [s["active"] for s in trainer.get("/trainer/services").data["services"] if s["id"] == service["id"]] == [False]
    assert booker.get(f"/bookings/{booked['id']}").data["booking"]["status"] == "confirmed"
    refused = _book(booker, coach, slots(booker, coach["id"], coach["service"])[3], service["id"])
    assert refused.code == "SLOT_UNAVAILABLE" and refused.json["details"]["reason"] == "service_unavailable"
    # And it can be offered again
    assert trainer.put(f"/trainer/services/{service['id']}", {"active": True}).data["service"]["active"] is True
    # And a service never booked is deleted
    spare = trainer.post("/trainer/services", {"name": "Spare", "duration": 45, "priceMinor": 0, "currency": "GBP"})
    gone = trainer.delete(f"/trainer/services/{spare.data['service']['id']}")
    assert gone.data["deleted"] is True and trainer.delete(f"/trainer/services/{spare.data['service']['id']}").status == 404
    # And bad terms are named
    for bad, field in (({"duration": 95}, "duration"), ({"duration": 32}, "duration"),
                       ({"bufferBeforeMinutes": 35}, "bufferBeforeMinutes"), ({"currency": "gbp"}, "currency")):
        reply = trainer.put(f"/trainer/services/{coach['service']}", bad)
        assert reply.status == 400 and reply.json["details"][0]["field"] == field, reply.json


def test_given_a_service_deleted_while_it_is_booked_then_it_is_archived_or_the_booking_is_refused_never_both(
        local_api, coach):
    trainer: Api = coach["api"]
    outcomes = []
    for round_ in range(4):
        service = trainer.post("/trainer/services", {"name": f"Race {round_}", "duration": 30, "priceMinor": 1000,
                                                     "currency": "GBP"}).data["service"]
        booker = member(local_api, coach["clientId"], coach["key"])
        slot = slots(booker, coach["id"], service["id"])[round_ * 3]
        # When a booking and the deletion run at once
        with ThreadPoolExecutor(max_workers=2) as pool:
            booking = pool.submit(_book, booker, coach, slot, service["id"])
            removal = pool.submit(trainer.delete, f"/trainer/services/{service['id']}")
            booked, removed = booking.result(), removal.result()
        assert removed.status == 200, removed.json
        stored = get_repository().get(keys.trainer_service(coach["clientId"], coach["id"], service["id"]),
                                      consistent=True)
        # Then either the booking landed and the service is archived with it, or the service is gone and the
        # booking was refused: never a booking of a deleted service
        if booked.status == 201:
            assert removed.data["archived"] is True and stored["active"] is False and stored["bookingCount"] == 1
        else:
            assert booked.json["details"]["reason"] == "service_unavailable", booked.json
            assert removed.data["deleted"] is True and stored is None
        outcomes.append(booked.status)
    assert set(outcomes) <= {201, 409}


def test_given_overrides_then_they_replace_a_dates_windows_and_refuse_to_strand_a_booking(local_api, coach):
    trainer: Api = coach["api"]
    booker = member(local_api, coach["clientId"], coach["key"])
    offered = slots(booker, coach["id"], coach["service"])
    day = next(s["date"] for s in offered if s["date"] > offered[0]["date"])
    # When the trainer opens a date only in the evening: that date offers 18:00 and 19:00 alone
    evening = trainer.post("/trainer/schedule/overrides", {"date": day, "windows": [{"start": "18:00", "end": "20:00"}]})
    assert evening.status == 201 and evening.data["override"]["windows"] == [{"start": "18:00", "end": "20:00"}]
    assert [s["time"] for s in slots(booker, coach["id"], coach["service"]) if s["date"] == day] == ["18:00", "19:00"]
    booked = _book(booker, coach, next(s for s in slots(booker, coach["id"], coach["service"])
                                       if s["date"] == day)).data["booking"]
    # Then closing the date would strand the 18:00 session: 409 listing it, nothing changed
    closed = trainer.post("/trainer/schedule/overrides", {"date": day, "windows": []})
    assert closed.status == 409 and [b["id"] for b in closed.json["details"]["bookings"]] == [booked["id"]]
    # And so would going back to the weekly 09:00-17:00
    back = trainer.delete(f"/trainer/schedule/overrides/{day}")
    assert back.status == 409 and back.code == "SCHEDULE_CONFLICT"
    # And with cancelAffected the date closes and the session is the trainer's cancellation
    done = trainer.post("/trainer/schedule/overrides", {"date": day, "windows": [], "cancelAffected": True})
    assert done.status == 201 and done.data["cancelledBookings"] == [booked["id"]]
    assert done.data["override"] == {"date": day, "unavailable": True, "windows": []}
    assert booker.get(f"/bookings/{booked['id']}").data["booking"]["penalty"]["type"] == "none"
    assert day not in {s["date"] for s in slots(booker, coach["id"], coach["service"])}
    # And removing the override gives the date its weekly windows again
    assert trainer.delete(f"/trainer/schedule/overrides/{day}").status == 200
    assert "09:00" in [s["time"] for s in slots(booker, coach["id"], coach["service"]) if s["date"] == day]
    assert trainer.delete(f"/trainer/schedule/overrides/{day}").status == 404
    assert trainer.post("/trainer/schedule/overrides", {"date": day, "windows": [{"start": "10:00", "end": "09:00"}]}
                        ).status == 400


def test_given_time_off_then_no_slot_touches_it_and_it_refuses_to_strand_a_booking(local_api, coach):
    trainer: Api = coach["api"]
    booker = member(local_api, coach["clientId"], coach["key"])
    slot = slots(booker, coach["id"], coach["service"])[2]
    booked = _book(booker, coach, slot).data["booking"]
    away = {"startsAt": slot["startsAt"], "endsAt": slots(booker, coach["id"], coach["service"])[-1]["startsAt"],
            "reason": "Holidays"}
    # When the trainer takes time off over a booked session: 409 listing it
    refused = trainer.post("/trainer/time-off", away)
    assert refused.status == 409 and [b["id"] for b in refused.json["details"]["bookings"]] == [booked["id"]]
    assert trainer.get("/trainer/time-off").data["items"] == []
    # Then with cancelAffected it is taken, the session cancelled without a penalty, and nothing is offered inside
    taken = trainer.post("/trainer/time-off", {**away, "cancelAffected": True})
    assert taken.status == 201 and taken.data["cancelledBookings"] == [booked["id"]], taken.json
    assert booker.get(f"/bookings/{booked['id']}").data["booking"]["status"] == "cancelled_by_trainer"
    inside = [s for s in slots(booker, coach["id"], coach["service"])
              if away["startsAt"] <= s["startsAt"] < away["endsAt"] or away["startsAt"] < s["endsAt"] <= away["endsAt"]]
    assert inside == []
    listed = trainer.get("/trainer/time-off").data["items"]
    assert [t["id"] for t in listed] == [taken.data["timeOff"]["id"]] and listed[0]["reason"] == "Holidays"
    assert trainer.get("/trainer/schedule").data["schedule"]["timeOff"] == listed
    # And removing it offers the time again
    assert trainer.delete(f"/trainer/time-off/{listed[0]['id']}").status == 200
    assert slot["id"] in [s["id"] for s in slots(booker, coach["id"], coach["service"])]
    assert trainer.delete(f"/trainer/time-off/{listed[0]['id']}").status == 404
    backwards = trainer.post("/trainer/time-off", {"startsAt": away["endsAt"], "endsAt": away["startsAt"]})
    assert backwards.status == 400 and backwards.json["details"][0]["field"] == "endsAt"
    unreal = trainer.post("/trainer/time-off", {"startsAt": "2080-02-30T07:30:47Z", "endsAt": "2080-03-02T00:00:00Z"})
    assert unreal.status == 400 and unreal.json["details"][0]["field"] == "startsAt"  # a fuzz finding: was a 500
    too_long = trainer.post("/trainer/time-off", {"startsAt": "2030-01-01T00:00:00Z", "endsAt": "2031-06-01T00:00:00Z"})
    assert too_long.status == 400 and too_long.json["details"][0]["field"] == "endsAt"


def test_given_time_off_and_a_booking_inside_it_racing_then_never_both_succeed(local_api, coach):
    trainer: Api = coach["api"]
    results = []
    for round_ in range(5):
        booker = member(local_api, coach["clientId"], coach["key"])
        slot = slots(booker, coach["id"], coach["service"])[round_ * 4]
        stretch = {"startsAt": slot["startsAt"], "endsAt": slot["endsAt"]}
        # When the booking of a slot and time off over it run at once
        with ThreadPoolExecutor(max_workers=2) as pool:
            booking = pool.submit(_book, booker, coach, slot)
            away = pool.submit(trainer.post, "/trainer/time-off", stretch)
            booked, off = booking.result(), away.result()
        # Then exactly one of them wins: a booking inside time off is never left confirmed
        assert sorted([booked.status, off.status]) in ([201, 409], [409, 201]), (booked.json, off.json)
        if off.status == 409:
            assert off.json["details"]["bookings"][0]["id"] == booked.data["booking"]["id"]
        else:
            assert booked.json["details"]["reason"] == "taken"
            trainer.delete(f"/trainer/time-off/{off.data['timeOff']['id']}")
        results.append(booked.status)
    assert len(results) == 5


def test_given_another_trainer_then_their_services_and_time_off_are_404(local_api, coach, demo):
    other: Api = _new_coach(local_api, demo)["api"]
    assert other.put(f"/trainer/services/{coach['service']}", {"priceMinor": 1}).status == 404
    assert other.delete(f"/trainer/services/{coach['service']}").status == 404
    away = coach["api"].post("/trainer/time-off", {"startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-02T00:00:00Z"})
    assert other.delete(f"/trainer/time-off/{away.data['timeOff']['id']}").status == 404
    assert coach["api"].get("/trainer/services").data["services"][0]["priceMinor"] == 6000
    assert [t["id"] for t in coach["api"].get("/trainer/time-off").data["items"]] == [away.data["timeOff"]["id"]]


def test_given_a_member_at_the_limit_of_upcoming_sessions_then_409_until_one_is_cancelled(local_api, coach):
    booker = member(local_api, coach["clientId"], coach["key"])
    offered = slots(booker, coach["id"], coach["service"])
    made = [_book(booker, coach, slot) for slot in offered[:10:1]]
    assert [r.status for r in made] == [201] * 10, [r.json for r in made if r.status != 201]
    # When the member books an eleventh upcoming session: 409 naming the limit
    over = _book(booker, coach, offered[12])
    assert over.status == 409 and over.code == "BOOKING_LIMIT_REACHED" and over.json["details"]["limit"] == 10
    # Then cancelling one frees a place
    assert booker.post(f"/bookings/{made[0].data['booking']['id']}/cancel", {}).status == 200
    assert _book(booker, coach, offered[12]).status == 201
    assert _book(booker, coach, offered[13]).code == "BOOKING_LIMIT_REACHED"


def test_given_a_member_one_place_from_the_limit_when_four_bookings_race_then_exactly_one_lands(local_api, coach):
    booker = member(local_api, coach["clientId"], coach["key"])
    offered = slots(booker, coach["id"], coach["service"])
    assert all(_book(booker, coach, slot).status == 201 for slot in offered[:9])
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda slot: _book(booker, coach, slot), offered[10:14]))
    assert sorted(r.status for r in replies) == [201, 409, 409, 409], [r.json for r in replies]
    assert {r.code for r in replies if r.status == 409} == {"BOOKING_LIMIT_REACHED"}
    upcoming = booker.get("/bookings?status=upcoming&limit=100").data["items"]
    assert len([b for b in upcoming if b["trainerId"] == coach["id"]]) == 10


def test_given_trainers_then_the_list_and_profile_show_the_next_bookable_slot(local_api, coach):
    booker = member(local_api, coach["clientId"], coach["key"])
    listed = next(t for t in booker.get("/trainers?limit=100").data["items"] if t["id"] == coach["id"])
    offered_now = booker.get(f"/trainers/{coach['id']}/availability?serviceId={coach['service']}").data["slots"]
    assert listed["nextAvailableAt"] == offered_now[0]["startsAt"]
    # When that slot is booked, the next one is shown (this container forgets its figure at once)
    assert _book(booker, coach, offered_now[0]).status == 201
    detail = booker.get(f"/trainers/{coach['id']}").data["trainer"]
    assert detail["nextAvailableAt"] == offered_now[1]["startsAt"]
    # And a trainer not taking bookings has none
    assert coach["api"].put("/trainer/me", {"active": False}).status == 200
    assert booker.get(f"/trainers/{coach['id']}").data["trainer"]["nextAvailableAt"] is None
