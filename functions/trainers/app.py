"""Trainers (member side): list, profile, services, classes, availability, slot holds and booking."""
# No `from __future__ import annotations`: the body models must resolve when this file is loaded by path.
from typing import Any

from fastapi import Path, Query
from mangum import Mangum
from pydantic import Field

from shared.domain import bookings, catalog, group_classes, programmes, trainers
from shared.domain.clients import require_feature
from shared.domain.member_days import DATE_PATTERN, parse_date
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import UserCaller
from shared.http.envelope import Envelope, Instant, Number, View, field, optional
from shared.idempotency import IdempotentRoute
from shared.views import (BookingAnswer, DateOverride, GroupClassView, Pagination, ProgrammeView, ServiceView, SlotView,
                          WeeklyWindow)

app = create_app("trainers")
app.router.route_class = IdempotentRoute  # every POST here honours Idempotency-Key

TrainerId = Path(ge=1, le=99_999_999, description="The trainer's id (the coach's)")
FEATURE = "coach_connect"
UPCOMING_SHOWN = 10


# --- views ----------------------------------------------------------------------------------------------------
class Money(View):
    price: Number = field(75.0, "Decimal price, as the docs show it")
    priceMinor: int = field(7500, "The same in minor units (pence, cents): use this for arithmetic")
    currency: str = field("GBP", "ISO 4217")


class TrainerCard(View):
    id: int = field(5)
    name: str = field("Priya Nair")
    image: str | None = optional("https://cdn.studiostv.net/coaches/5.jpg")
    bio: str = field("Weight-loss coach", "At most 200 characters")
    specialties: list[str] = field(["weight_loss"])
    active: bool = field(True, "Inactive trainers are listed but cannot be booked")
    timeZone: str | None = optional("Europe/London", "The trainer's IANA zone")
    servicesFrom: Money | None = optional({"price": 45.0, "priceMinor": 4500, "currency": "GBP"},
                                          "The cheapest active service")
    nextAvailableAt: Instant | None = optional("2026-03-27T09:00:00Z", "The next bookable slot of any service in "
                                               "the next 14 days (null: none); up to a minute old")


class TrainerPage(View):
    items: list[TrainerCard]
    pagination: Pagination


class ClassRef(View):
    id: int = field(42)
    name: str = field("Morning Flow")
    duration: int | None = optional(30, "Minutes")
    intensity: str | None = optional("medium")
    thumbnailUrl: str | None = optional("https://cdn.studiostv.net/classes/42.jpg")


class TrainerClasses(View):
    recordedClasses: list[ClassRef]
    upcomingGroupClasses: list[GroupClassView] = field([], "The trainer's scheduled group classes in the range, "
                                                           "soonest first, with spotsLeft and your own status")


class TrainerDetail(TrainerCard):
    timeZone: str = field("Europe/London")
    services: list[ServiceView]
    classes: list[ClassRef] = field([], "Recorded classes of this trainer")
    upcomingGroupClasses: list[GroupClassView] = field([], f"The next {UPCOMING_SHOWN} group classes (14 days)")
    programmes: list[ProgrammeView] = field([], "The trainer's published programmes")


class TrainerAnswer(View):
    trainer: TrainerDetail


class ServicesAnswer(View):
    services: list[ServiceView]


class Availability(View):
    trainerId: int = field(5)
    serviceId: int = field(3)
    timeZone: str = field("Europe/London")
    duration: int = field(60)
    from_: str = Field(alias="from", serialization_alias="from", examples=["2026-03-27"])
    to: str = field("2026-03-30")
    weeklyAvailability: list[WeeklyWindow]
    overrides: list[DateOverride]
    slots: list[SlotView]
    generatedAt: Instant = field("2026-03-26T10:00:00Z")


class HoldAnswer(View):
    holdId: str = field("9f2c4e1a0b7d3c5e8f6a1b2c")
    trainerId: int = field(5)
    serviceId: int = field(3)
    slot: SlotView
    timeZone: str = field("Europe/London")
    expiresAt: Instant = field("2026-03-26T10:05:00Z", "Book with the holdId before this")


# --- requests -------------------------------------------------------------------------------------------------
class HoldBody(ApiModel):
    serviceId: int = Field(ge=1, le=99_999_999)
    slotId: int = Field(ge=1, le=2**40, description="A slot id from the availability")


class BookBody(ApiModel):
    serviceId: int = Field(ge=1, le=99_999_999)
    slotId: int = Field(ge=1, le=2**40, description="A slot id from the availability")
    notes: str | None = Field(None, max_length=1000)
    holdId: str | None = Field(None, pattern=r"^[0-9a-f]{24}$", description="A hold of this slot, from POST holds")


# --- routes ---------------------------------------------------------------------------------------------------
@app.get(f"{API}/trainers", response_model=Envelope.of(TrainerPage), responses=errors("FEATURE_DISABLED"))
def list_trainers(caller: UserCaller, page: int = Query(1, ge=1, le=10_000), limit: int = Query(20, ge=1, le=100),
                  search: str | None = Query(None, min_length=1, max_length=100),
                  active: bool | None = Query(True, description="Default: active trainers only"),
                  specialty: str | None = Query(None, min_length=1, max_length=40)) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    found = trainers.listing(caller.client_id, search=search, active=active, specialty=specialty)
    shown, pagination = catalog.paginate(found, page, limit)
    return ok({"items": [{**trainers.card(c), "nextAvailableAt": bookings.next_available(caller.client_id, int(c["id"]))}
                         for c in shown], "pagination": pagination})


@app.get(f"{API}/trainers/{{id}}", response_model=Envelope.of(TrainerAnswer), responses=errors("FEATURE_DISABLED"))
def get_trainer(caller: UserCaller, id: int = TrainerId) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    trainer = trainers.get(caller.client_id, id)
    return ok({"trainer": {**trainers.card(trainer.profile), "timeZone": trainer.time_zone,
                           "nextAvailableAt": bookings.next_available(caller.client_id, id, trainer),
                           "services": [trainers.service_view(s) for s in trainer.services if s.get("active", True)],
                           "classes": _recorded_classes(caller.client_id, id)[:10],
                           "upcomingGroupClasses": _group_classes(caller, id, None, None)[:UPCOMING_SHOWN],
                           "programmes": [programmes.programme_view(p) for p in programmes.list_programmes(caller.client_id)
                                          if int(p["trainerId"]) == id]}})


@app.get(f"{API}/trainers/{{id}}/services", response_model=Envelope.of(ServicesAnswer),
         responses=errors("FEATURE_DISABLED"))
def get_services(caller: UserCaller, id: int = TrainerId) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    trainer = trainers.get(caller.client_id, id)
    return ok({"services": [trainers.service_view(s) for s in trainer.services if s.get("active", True)]})


def _recorded_classes(client_id: str, trainer_id: int) -> list[dict[str, Any]]:
    return [{"id": int(c["id"]), "name": c["name"], "duration": c.get("duration"), "intensity": c.get("intensity"),
             "thumbnailUrl": c.get("thumbnailUrl")}
            for c in catalog.trainer_classes(client_id, trainer_id)]


def _group_classes(caller: UserCaller, trainer_id: int, first: str | None, last: str | None) -> list[dict[str, Any]]:
    start, end = group_classes.span(parse_date(first, "from") if first else None,
                                    parse_date(last, "to") if last else None)
    places = group_classes.member_places(caller.client_id, caller.user_id, start, end)
    return [group_classes.class_view(c, places.get(int(c["id"])))
            for c in group_classes.trainer_upcoming(caller.client_id, trainer_id, start, end)]


@app.get(f"{API}/trainers/{{id}}/classes", response_model=Envelope.of(TrainerClasses),
         responses=errors("FEATURE_DISABLED"))
def get_classes(caller: UserCaller, id: int = TrainerId,
                from_: str | None = Query(None, alias="from", pattern=DATE_PATTERN,
                                          description="First day (UTC) of the group classes; default today"),
                to: str | None = Query(None, pattern=DATE_PATTERN,
                                       description="Last day (UTC); default from + 14; at most 31 days on")
                ) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    trainers.get(caller.client_id, id)
    return ok({"recordedClasses": _recorded_classes(caller.client_id, id),
               "upcomingGroupClasses": _group_classes(caller, id, from_, to)})


@app.get(f"{API}/trainers/{{id}}/availability", response_model=Envelope.of(Availability),
         responses=errors("FEATURE_DISABLED"))
def availability(caller: UserCaller, id: int = TrainerId,
                 serviceId: int | None = Query(None, ge=1, le=99_999_999,
                                               description="Required when the trainer has several services"),
                 from_: str | None = Query(None, alias="from", pattern=DATE_PATTERN,
                                           description="Local date (YYYY-MM-DD); default today in the trainer's zone"),
                 to: str | None = Query(None, pattern=DATE_PATTERN,
                                        description="Local date; default from + 6; the range spans at most 31 days")
                 ) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    first = parse_date(from_, "from") if from_ else None
    last = parse_date(to, "to") if to else None
    return ok(bookings.availability(caller.client_id, id, serviceId, first, last))


@app.post(f"{API}/trainers/{{id}}/holds", status_code=201, response_model=Envelope.of(HoldAnswer),
          responses=errors("FEATURE_DISABLED", "SLOT_UNAVAILABLE"))
def hold(body: HoldBody, caller: UserCaller, id: int = TrainerId) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    return ok(bookings.hold(caller.client_id, caller.user_id, id, body.serviceId, body.slotId))


@app.post(f"{API}/trainers/{{id}}/book", status_code=201, response_model=Envelope.of(BookingAnswer),
          responses=errors("FEATURE_DISABLED", "SLOT_UNAVAILABLE", "ALREADY_BOOKED", "OVERLAPPING_BOOKING",
                           "BOOKING_LIMIT_REACHED"))
def book(body: BookBody, caller: UserCaller, id: int = TrainerId) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    booking = bookings.book(caller.client_id, caller.user_id, id, body.serviceId, body.slotId, body.notes, body.holdId)
    return ok({"booking": booking})


handler = Mangum(app, lifespan="off")
