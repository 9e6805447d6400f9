"""A trainer's page shows their upcoming group classes (with spotsLeft and my own status) and their programmes."""
from __future__ import annotations

import secrets
from typing import Any

from shared import clock as shared_clock
from shared.domain import group_classes as gc
from shared.domain import programmes
from tests.e2e.test_bookings_flow import member

HOUR = 3600


def _class(client_id: str, trainer_id: int, starts_in: int, capacity: int = 3) -> int:
    return int(gc.create_class(client_id, trainer_id=trainer_id, name=f"Trainer page {secrets.token_hex(3)}",
                               starts_at=int(shared_clock.now()) + starts_in, duration=30,
                               time_zone="Europe/London", capacity=capacity)["id"])


def _ids(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in rows]


def test_given_a_trainers_classes_and_programmes_then_their_pages_show_them_with_spots_left(local_api, demo):
    studio, key = demo["clients"]["studio"]["id"], demo["apiKeys"]["studio"]
    me = member(local_api, studio, key)
    # Given two upcoming classes of trainer 2 (I join one), one cancelled, and one of another trainer
    joined, open_class = _class(studio, 2, 2 * 24 * HOUR), _class(studio, 2, 3 * 24 * HOUR)
    cancelled, elsewhere = _class(studio, 2, 4 * 24 * HOUR), _class(studio, 3, 2 * 24 * HOUR)
    gc.cancel_class(studio, cancelled)
    assert me.post(f"/group-classes/{joined}/join", {}).status == 201
    plan = programmes.create_programme(studio, trainer_id=2, name=f"Trainer page plan {secrets.token_hex(2)}",
                                       description="Four weeks", duration_weeks=4, sessions_per_week=2,
                                       level="beginner", price=20.0, currency="GBP")

    # When I read the trainer's classes, Then the upcoming group classes come soonest first, with places left
    classes = me.get("/trainers/2/classes")
    assert classes.status == 200, classes.json
    listed = {int(c["id"]): c for c in classes.data["upcomingGroupClasses"]}
    assert joined in listed and open_class in listed
    assert cancelled not in listed and elsewhere not in listed
    assert _ids(classes.data["upcomingGroupClasses"]) == sorted(listed, key=lambda i: listed[i]["startsAt"])
    assert listed[joined]["spotsLeft"] == 2 and listed[joined]["myStatus"] == "booked"
    assert listed[open_class]["spotsLeft"] == 3 and listed[open_class]["myStatus"] is None
    # a range that holds only the later class
    later = me.get(f"/trainers/2/classes?from={listed[open_class]['startsAt'][:10]}"
                   f"&to={listed[open_class]['startsAt'][:10]}")
    assert open_class in _ids(later.data["upcomingGroupClasses"]) and joined not in _ids(later.data["upcomingGroupClasses"])
    too_long = me.get("/trainers/2/classes?from=2027-01-01&to=2027-03-01")
    assert too_long.status == 400 and too_long.json["details"][0]["field"] == "to"

    # When I read the trainer's profile, Then the same classes and the trainer's programmes are on it
    profile = me.get("/trainers/2").data["trainer"]
    assert joined in _ids(profile["upcomingGroupClasses"]) and cancelled not in _ids(profile["upcomingGroupClasses"])
    assert plan["id"] in _ids(profile["programmes"])
    assert all(p["trainerId"] == 2 for p in profile["programmes"])
    assert plan["id"] not in _ids(me.get("/trainers/3").data["trainer"]["programmes"])
