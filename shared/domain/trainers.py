"""Trainers: the client's coaches (same ids as onboarding's) with a time zone, services and a weekly schedule.

Storage: the coach item of the catalog (keys.coach) keeps the profile, plus `timeZone` and `servicesFrom`
(kept by the writes here) so that the list reads the cached coaches alone. The schedule and the services live in
the trainer's own partition (keys.trainer_pk): one Query reads them both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import Action, get_repository
from shared.domain import catalog, scheduling
from shared.errors import AppError, not_found

DEFAULT_ZONE = "Europe/London"
PENALTY_TYPES = ("none", "fee", "credit_forfeit")
MODES = ("video", "in_person")
MINOR_UNITS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3}  # ISO 4217 exponents other than 2 among likely ones


@dataclass(frozen=True)
class Trainer:
    """A coach with everything a booking needs: profile, schedule and services (one Query + the cache)."""
    profile: dict[str, Any]
    schedule_item: dict[str, Any]
    services: list[dict[str, Any]]
    guard: dict[str, Any] = field(default_factory=dict)

    @property
    def schedule_version(self) -> int:
        """The version of the schedule read (keys.trainer_schedule_guard holds the current one)."""
        return int(self.schedule_item.get("version") or 0)

    @property
    def id(self) -> int:
        return int(self.profile["id"])

    @property
    def active(self) -> bool:
        return bool(self.profile.get("active", True))

    @property
    def time_zone(self) -> str:
        return str(self.schedule_item.get("timeZone") or self.profile.get("timeZone") or DEFAULT_ZONE)

    def schedule(self) -> scheduling.Schedule:
        return schedule_of(self.schedule_item, self.time_zone)

    def service(self, service_id: int) -> dict[str, Any] | None:
        return next((s for s in self.services if int(s["id"]) == int(service_id)), None)

    def time_off(self) -> list[scheduling.Interval]:
        return [scheduling.Interval(int(clock.parse_iso(t["startsAt"])), int(clock.parse_iso(t["endsAt"])))
                for t in self.schedule_item.get("timeOff") or []]


# --- money --------------------------------------------------------------------------------------------------
def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def price_of(price_minor: int, currency: str) -> float:
    """The docs' decimal price (75.00 -> 75.0) from integer minor units, which are the truth."""
    exponent = minor_units(currency)
    return float((Decimal(price_minor) / (Decimal(10) ** exponent)).quantize(Decimal(1) / (Decimal(10) ** exponent),
                                                                            rounding=ROUND_HALF_UP))


# --- schedules ----------------------------------------------------------------------------------------------
def schedule_of(item: dict[str, Any], time_zone: str) -> scheduling.Schedule:
    weekly: dict[int, list[scheduling.Window]] = {}
    for rule in item.get("weekly") or []:
        weekly.setdefault(scheduling.DAYS.index(rule["day"]), []).append(_window(rule))
    overrides = {date.fromisoformat(o["date"]): tuple(_window(w) for w in o.get("windows") or [])
                 for o in item.get("overrides") or []}
    return scheduling.Schedule(time_zone, {d: tuple(sorted(w)) for d, w in weekly.items()}, overrides)


def _window(rule: dict[str, Any]) -> scheduling.Window:
    return scheduling.Window(scheduling.minutes(rule["start"]), scheduling.minutes(rule["end"], allow_end_of_day=True))


def slot_rules(service: dict[str, Any]) -> scheduling.SlotRules:
    return scheduling.SlotRules(
        duration=int(service["duration"]), interval=int(service.get("slotIntervalMinutes") or 0),
        buffer_before=int(service.get("bufferBeforeMinutes") or 0),
        buffer_after=int(service.get("bufferAfterMinutes") or 0),
        minimum_notice=int(service.get("minimumNoticeMinutes") or 0),
        horizon_days=int(service.get("bookingHorizonDays") or 60))


# --- reads --------------------------------------------------------------------------------------------------
def coaches(client_id: str) -> dict[int, dict[str, Any]]:
    """The client's coaches (the catalog's cache, at most 60 s stale)."""
    return catalog.people(client_id).coaches


def get(client_id: str, trainer_id: int, *, consistent: bool = False) -> Trainer:
    """A trainer of this client (404 for an id of another client or none): the cached coach plus one Query
    (`consistent` for writes that must start from the latest schedule)."""
    profile = coaches(client_id).get(int(trainer_id))
    if profile is None:
        raise not_found("Trainer")
    items = get_repository().query(keys.trainer_pk(client_id, trainer_id), consistent=consistent)
    schedule_item = next((i for i in items if i["SK"] == "SCHEDULE"), {})
    guard = next((i for i in items if i["SK"] == "GUARD"), {})
    services = sorted((i for i in items if i["SK"].startswith(keys.SERVICE_PREFIX)), key=lambda s: int(s["id"]))
    return Trainer(profile, schedule_item, services, guard)


def listing(client_id: str, *, search: str | None, active: bool | None, specialty: str | None) -> list[dict[str, Any]]:
    """Coaches matching the filters, by name. Reads nothing beyond the cached coaches."""
    wanted = catalog.fold(search) if search else ""
    found = []
    for coach in coaches(client_id).values():
        if active is not None and bool(coach.get("active", True)) != active:
            continue
        if specialty and specialty not in (coach.get("specialties") or []):
            continue
        if wanted and wanted not in catalog.fold(str(coach.get("name", ""))):
            continue
        found.append(coach)
    return sorted(found, key=lambda c: (catalog.fold(str(c.get("name", ""))), int(c["id"])))


# --- views --------------------------------------------------------------------------------------------------
def card(coach: dict[str, Any]) -> dict[str, Any]:
    bio = str(coach.get("bio") or "")
    return {"id": int(coach["id"]), "name": coach["name"], "image": coach.get("image"),
            "bio": bio if len(bio) <= 200 else bio[:199].rstrip() + "…",
            "specialties": list(coach.get("specialties") or []), "active": bool(coach.get("active", True)),
            "timeZone": coach.get("timeZone"), "servicesFrom": coach.get("servicesFrom")}


def policy_view(service: dict[str, Any]) -> dict[str, Any]:
    policy = service.get("cancellationPolicy") or {}
    penalty = policy.get("lateCancelPenalty") or {"type": "none", "amountMinor": 0}
    currency = str(service["currency"])
    return {"freeCancelMinutes": int(policy.get("freeCancelMinutes", 1440)),
            "lateCancelAllowed": bool(policy.get("lateCancelAllowed", True)),
            "lateCancelPenalty": {"type": penalty["type"], "amount": price_of(int(penalty.get("amountMinor", 0)), currency),
                                  "amountMinor": int(penalty.get("amountMinor", 0)), "currency": currency}}


def service_view(service: dict[str, Any]) -> dict[str, Any]:
    currency = str(service["currency"])
    return {"id": int(service["id"]), "trainerId": int(service["trainerId"]), "name": service["name"],
            "description": service.get("description", ""), "duration": int(service["duration"]),
            "price": price_of(int(service["priceMinor"]), currency), "priceMinor": int(service["priceMinor"]),
            "currency": currency, "mode": service.get("mode", "video"),
            "bufferBeforeMinutes": int(service.get("bufferBeforeMinutes") or 0),
            "bufferAfterMinutes": int(service.get("bufferAfterMinutes") or 0),
            "minimumNoticeMinutes": int(service.get("minimumNoticeMinutes") or 0),
            "bookingHorizonDays": int(service.get("bookingHorizonDays") or 60),
            "slotIntervalMinutes": int(service.get("slotIntervalMinutes") or service["duration"]),
            "cancellationPolicy": policy_view(service), "active": bool(service.get("active", True))}


def weekly_view(item: dict[str, Any]) -> list[dict[str, str]]:
    return sorted(({"day": r["day"], "start": r["start"], "end": r["end"]} for r in item.get("weekly") or []),
                  key=lambda r: (scheduling.DAYS.index(r["day"]), r["start"]))


def overrides_view(item: dict[str, Any], first: date | None = None, last: date | None = None) -> list[dict[str, Any]]:
    found = []
    for override in sorted(item.get("overrides") or [], key=lambda o: o["date"]):
        day = date.fromisoformat(override["date"])
        if (first and day < first) or (last and day > last):
            continue
        windows = [{"start": w["start"], "end": w["end"]} for w in override.get("windows") or []]
        found.append({"date": override["date"], "unavailable": not windows, "windows": windows})
    return found


# --- writes (the seed and the admin CLI; the trainer portal calls the same) ---------------------------------
def check_schedule(time_zone: str, weekly: list[dict[str, str]], overrides: list[dict[str, Any]]) -> None:
    """Refuse a schedule that cannot be expanded (zone, HH:MM, start < end, 5-minute grid, overlaps)."""
    scheduling.zone(time_zone)
    schedule = schedule_of({"weekly": weekly, "overrides": overrides}, time_zone)
    for day_windows in [*schedule.weekly.values(), *schedule.overrides.values()]:
        for earlier, later in zip(day_windows, day_windows[1:]):
            if later.start < earlier.end:
                raise scheduling.ScheduleError("weekly", "windows of one day overlap")


def checked_schedule(time_zone: str, weekly: list[dict[str, str]], overrides: list[dict[str, Any]]) -> None:
    """check_schedule, its refusal as a 400 naming the field."""
    try:
        check_schedule(time_zone, weekly, overrides)
    except scheduling.ScheduleError as bad:
        raise AppError("VALIDATION_ERROR", f"Invalid schedule: {bad.field}",
                       [{"field": bad.field, "reason": bad.reason}]) from None


def guard_condition(version: int) -> tuple[str, dict[str, Any]]:
    """The condition on keys.trainer_schedule_guard that the schedule is still the version read (`#v`)."""
    return ("#v = :v", {":v": version}) if version else ("attribute_not_exists(#v)", {})


def schedule_actions(client_id: str, trainer_id: int, fields: dict[str, Any], version: int,
                     booking_seq: int | None) -> tuple[dict[str, Any], list[Action]]:
    """The new schedule item (`fields`: timeZone, weekly, overrides, timeOff) as version + 1, and the guard's move
    to it, conditioned on the version read and, with `booking_seq`, on no booking having been made since."""
    item = {**keys.trainer_schedule(client_id, trainer_id), "trainerId": trainer_id, **fields, "version": version + 1,
            "updatedAt": clock.iso()}
    condition, values = guard_condition(version)
    if booking_seq is not None:
        condition += " AND " + ("bookingSeq = :seq" if booking_seq else "attribute_not_exists(bookingSeq)")
        values.update({":seq": booking_seq} if booking_seq else {})
    guard = Action.update(keys.trainer_schedule_guard(client_id, trainer_id), "SET #v = :next", condition,
                          names={"#v": "version"}, values={**values, ":next": version + 1})
    return item, [Action.put(item), guard]


def show_zone(client_id: str, trainer_id: int, time_zone: str) -> None:
    """The coach item carries the zone too, so that the list reads the cached coaches alone."""
    get_repository().update(keys.coach(client_id, trainer_id), "SET #tz = :tz", names={"#tz": "timeZone"},
                            values={":tz": time_zone}, condition="attribute_exists(PK)")
    catalog.forget_cache()


def put_schedule(client_id: str, trainer_id: int, time_zone: str, weekly: list[dict[str, str]],
                 overrides: list[dict[str, Any]] | None = None, time_off: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Provisioning's write (seed, admin tools): no check of existing bookings (the portal's changes make it)."""
    checked_schedule(time_zone, weekly, overrides or [])
    repo = get_repository()
    guard = repo.get(keys.trainer_schedule_guard(client_id, trainer_id), consistent=True) or {}
    item, actions = schedule_actions(client_id, trainer_id, {"timeZone": time_zone, "weekly": weekly,
                                                             "overrides": overrides or [], "timeOff": time_off or []},
                                     int(guard.get("version") or 0), None)
    repo.transact(actions)
    show_zone(client_id, trainer_id, time_zone)
    return item


def create_service(client_id: str, trainer_id: int, name: str, *, duration: int, price_minor: int, currency: str,
                   description: str = "", mode: str = "video", buffer_before: int = 0, buffer_after: int = 0,
                   minimum_notice: int = 120, horizon_days: int = 60, interval: int = 0,
                   free_cancel_minutes: int = 1440, late_cancel_allowed: bool = True,
                   late_penalty_type: str = "fee", late_penalty_minor: int | None = None) -> dict[str, Any]:
    rules = scheduling.SlotRules(duration, interval, buffer_before, buffer_after, minimum_notice, horizon_days)
    try:
        scheduling.check_rules(rules)
    except scheduling.ScheduleError as bad:
        raise AppError("VALIDATION_ERROR", f"Invalid service: {bad.field}",
                       [{"field": bad.field, "reason": bad.reason}]) from None
    if mode not in MODES or late_penalty_type not in PENALTY_TYPES or len(currency) != 3 or price_minor < 0:
        raise AppError("VALIDATION_ERROR", "Invalid service: mode, currency, price or penalty")
    repo = get_repository()
    service_id = repo.next_id("service")
    penalty_minor = price_minor // 2 if late_penalty_minor is None else late_penalty_minor
    item = {**keys.trainer_service(client_id, trainer_id, service_id), "id": service_id, "trainerId": trainer_id,
            "clientId": client_id, "name": name, "description": description, "duration": duration,
            "priceMinor": price_minor, "currency": currency.upper(), "mode": mode,
            "bufferBeforeMinutes": buffer_before, "bufferAfterMinutes": buffer_after,
            "minimumNoticeMinutes": minimum_notice, "bookingHorizonDays": horizon_days,
            "slotIntervalMinutes": interval or duration, "active": True, "createdAt": clock.iso(),
            "cancellationPolicy": {"freeCancelMinutes": free_cancel_minutes, "lateCancelAllowed": late_cancel_allowed,
                                   "lateCancelPenalty": {"type": late_penalty_type,
                                                         "amountMinor": 0 if late_penalty_type == "none" else penalty_minor}}}
    repo.put(item)
    refresh_services_from(client_id, trainer_id)
    return item


def refresh_services_from(client_id: str, trainer_id: int) -> None:
    """The cheapest active service on the coach item, for the list (written with every service change)."""
    repo = get_repository()
    services = [s for s in repo.query(keys.trainer_pk(client_id, trainer_id), sk_prefix=keys.SERVICE_PREFIX)
                if s.get("active", True)]
    cheapest = min(services, key=lambda s: int(s["priceMinor"]), default=None)
    value = {"price": price_of(int(cheapest["priceMinor"]), cheapest["currency"]),
             "priceMinor": int(cheapest["priceMinor"]), "currency": cheapest["currency"]} if cheapest else None
    repo.update(keys.coach(client_id, trainer_id), "SET servicesFrom = :from", values={":from": value},
                condition="attribute_exists(PK)")
    catalog.forget_cache()
