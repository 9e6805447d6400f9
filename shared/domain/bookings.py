"""One-to-one bookings: availability, holds, booking, cancelling with a quoted policy, rescheduling, joining.

No double booking, ever: a booking's transaction puts, with conditions, one lock item per 5-minute block of
the trainer's real time it holds (buffers included, keys.trainer_busy_block) and one per block of the member's own
time (keys.member_busy_block), together with the booking. The slot is re-derived from the rules at commit; the
list a member saw is never trusted. Holds take the trainer's blocks with an expiry (`until`), which the holder's
booking takes over and anyone may take once it has passed. Cancelling flips the status and deletes the blocks in
one transaction; rescheduling moves them in one transaction.

What holds a trainer's time is also on the booking (and hold) item in GSI2 (keys.trainer_calendar_index, by the
start of the held time); availability reads only the range it shows, so it costs the same whatever a trainer's
past holds. A cancelled booking leaves that index.
"""
from __future__ import annotations

import random
import secrets
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from shared import clock
from shared.db import keys
from shared.db.repository import Action, TransactionConflict, TransactionFailed, get_repository
from shared.domain import catalog, group_classes, scheduling, trainers
from shared.domain.trainers import Trainer
from shared.errors import AppError, not_found
from shared.settings import get_settings

HOLD_SECONDS = 300
JOIN_OPENS_MINUTES = 10
JOIN_CLOSES_MINUTES = 15
ALTERNATIVES = 3
BLOCK_SECONDS = scheduling.GRID_MINUTES * 60
LOOKBACK_SECONDS = (90 + 30 + 30) * 60  # the longest real time one booking can hold (duration + buffers)
CANCELLED = ("cancelled", "late_cancelled", "cancelled_by_trainer")
DEFAULT_UPCOMING_LIMIT = 10  # a client may set its own (`maxUpcomingBookings` on the client item)
NEXT_AVAILABLE_DAYS = 14  # how far nextAvailableAt looks
NEXT_AVAILABLE_SECONDS = 60  # and how long a container keeps it
ENDED = ("completed", "no_show")


# --- small helpers ------------------------------------------------------------------------------------------
def _new_id() -> str:
    return secrets.token_hex(12)


def _slot_view(slot: scheduling.Slot) -> dict[str, Any]:
    return {"id": slot.id, "date": slot.date.isoformat(), "time": slot.time, "startsAt": clock.iso(slot.starts_at),
            "endsAt": clock.iso(slot.ends_at)}


def _day_bounds(first: date, last: date) -> tuple[int, int]:
    """Instants surely covering the local dates `first` to `last` in any zone (offsets are within ±1 day)."""
    start = int(datetime(first.year, first.month, first.day, tzinfo=timezone.utc).timestamp()) - 86400
    end = int(datetime(last.year, last.month, last.day, tzinfo=timezone.utc).timestamp()) + 2 * 86400
    return start, end


def blocks(start: int, end: int) -> list[int]:
    """The 5-minute blocks (epoch minutes) covering [start, end)."""
    first = start - start % BLOCK_SECONDS
    return [t // 60 for t in range(first, end, BLOCK_SECONDS)]


def busy(client_id: str, trainer: Trainer, start: int, end: int, *, ignore: str = "") -> scheduling.Busy:
    """What holds the trainer's time in [start, end): confirmed bookings and live holds (GSI2, one Query over
    that range alone), and time off. `ignore`: a booking or hold id that should not count (its own move)."""
    now = clock.now()
    items = get_repository().query(
        keys.trainer_calendar_index(client_id, trainer.id), index="GSI2",
        sk_between=(clock.iso(start - LOOKBACK_SECONDS), clock.iso(end) + "~"))
    held = [scheduling.Interval(int(i["busyFrom"]), int(i["busyUntil"])) for i in items
            if i.get("id") != ignore and (i.get("kind") != "hold" or int(i.get("expiresAtEpoch", 0)) > now)]
    return scheduling.Busy(held + trainer.time_off())


def _service_or_refuse(trainer: Trainer, service_id: int) -> dict[str, Any]:
    service = trainer.service(service_id)
    if service is None or not service.get("active", True):
        raise unavailable("service_unavailable", [])
    if not trainer.active:
        raise unavailable("trainer_inactive", [])
    return service


def unavailable(reason: str, alternatives: list[dict[str, Any]], **extra: Any) -> AppError:
    messages = {"taken": "That slot has just been taken", "in_past": "That slot is in the past",
                "too_soon": "That slot is inside the trainer's minimum notice",
                "beyond_horizon": "That slot is beyond the booking horizon",
                "outside_availability": "The trainer does not offer that slot",
                "trainer_inactive": "This trainer is not taking bookings",
                "service_unavailable": "This trainer does not offer that service",
                "hold_expired": "The hold has expired or is not yours"}
    return AppError("SLOT_UNAVAILABLE", messages.get(reason, "That slot is not available"),
                    {"reason": reason, "alternatives": alternatives, **extra})


def _alternatives(client_id: str, trainer: Trainer, rules: scheduling.SlotRules, after: int,
                  ignore: str = "") -> list[dict[str, Any]]:
    now = clock.now()
    start = max(int(now), after)
    taken = busy(client_id, trainer, start, start + 16 * 86400, ignore=ignore)
    return [_slot_view(s) for s in scheduling.next_free(trainer.schedule(), rules, after, now, taken, ALTERNATIVES)]


def _bookable_slot(client_id: str, trainer: Trainer, service: dict[str, Any], slot_id: int,
                   ignore: str = "") -> scheduling.Slot:
    """The slot re-derived from the rules, or 409 SLOT_UNAVAILABLE with the reason and the next free slots."""
    rules = trainers.slot_rules(service)
    slot = scheduling.find(trainer.schedule(), rules, slot_id)
    taken = busy(client_id, trainer, scheduling.slot_start(slot_id) - 86400, scheduling.slot_start(slot_id) + 86400,
                 ignore=ignore)
    blocked = scheduling.check(slot, rules, clock.now(), taken)
    if blocked is not None or slot is None:
        after = scheduling.slot_start(slot_id) if blocked and blocked.reason == "taken" else int(clock.now())
        raise unavailable(blocked.reason if blocked else "outside_availability",
                          _alternatives(client_id, trainer, rules, after, ignore))
    return slot


# --- availability ---------------------------------------------------------------------------------------------
def availability(client_id: str, trainer_id: int, service_id: int | None, first: date | None,
                 last: date | None) -> dict[str, Any]:
    trainer = trainers.get(client_id, trainer_id)
    active_services = [s for s in trainer.services if s.get("active", True)]
    service: dict[str, Any] | None
    if service_id is None:
        if len(active_services) != 1:
            raise AppError("VALIDATION_ERROR", "Invalid request: serviceId",
                           [{"field": "serviceId", "reason": f"required: this trainer offers {len(active_services)} services"}])
        service = active_services[0]
    else:
        service = trainer.service(service_id)
        if service is None or not service.get("active", True):
            raise AppError("VALIDATION_ERROR", "Invalid request: serviceId",
                           [{"field": "serviceId", "reason": "not a service of this trainer"}])
    today = scheduling.local_date(int(clock.now()), trainer.time_zone)
    first = first or today
    last = last or first + timedelta(days=6)
    if last < first:
        raise AppError("VALIDATION_ERROR", "Invalid request: to", [{"field": "to", "reason": "must not be before from"}])
    if (last - first).days + 1 > scheduling.MAX_RANGE_DAYS:
        raise AppError("VALIDATION_ERROR", "Invalid request: to",
                       [{"field": "to", "reason": f"the range may span at most {scheduling.MAX_RANGE_DAYS} days"}])
    rules = trainers.slot_rules(service)
    found: list[scheduling.Slot] = []
    if trainer.active:
        start, end = _day_bounds(first, last)
        found = scheduling.slots(trainer.schedule(), rules, first, last, clock.now(),
                                 busy(client_id, trainer, start, end))
    return {"trainerId": trainer.id, "serviceId": int(service["id"]), "timeZone": trainer.time_zone,
            "duration": rules.duration, "from": first.isoformat(), "to": last.isoformat(),
            "weeklyAvailability": trainers.weekly_view(trainer.schedule_item),
            "overrides": trainers.overrides_view(trainer.schedule_item, first, last),
            "slots": [_slot_view(s) for s in found], "generatedAt": clock.iso()}


_next: dict[tuple[str, int], tuple[float, str | None]] = {}


def next_available(client_id: str, trainer_id: int, trainer: Trainer | None = None) -> str | None:
    """The start of the trainer's next bookable slot, any active service, within NEXT_AVAILABLE_DAYS (None when
    there is none). Bounded: two Queries per trainer (partition, calendar over those days) when the container has
    not computed it in the last NEXT_AVAILABLE_SECONDS; its own bookings and schedule changes forget it at once."""
    now = clock.now()
    hit = _next.get((client_id, int(trainer_id)))
    if hit and now < hit[0] <= now + NEXT_AVAILABLE_SECONDS:
        return hit[1]
    trainer = trainer or trainers.get(client_id, trainer_id)
    services = [s for s in trainer.services if s.get("active", True)]
    found = None
    if trainer.active and services and trainer.schedule_item:
        first = scheduling.local_date(int(now), trainer.time_zone)
        last = first + timedelta(days=NEXT_AVAILABLE_DAYS - 1)
        taken = busy(client_id, trainer, *_day_bounds(first, last))
        starts = [slot.starts_at for service in services
                  for slot in scheduling.slots(trainer.schedule(), trainers.slot_rules(service), first, last, now, taken)[:1]]
        found = clock.iso(min(starts)) if starts else None
    _next[(client_id, int(trainer_id))] = (now + NEXT_AVAILABLE_SECONDS, found)
    return found


def forget_next_available(client_id: str, trainer_id: int) -> None:
    _next.pop((client_id, int(trainer_id)), None)


# --- holds ----------------------------------------------------------------------------------------------------
def _trainer_lock(client_id: str, trainer_id: int, minute: int, owner: str, until: int | None, ttl: int) -> Action:
    """Put one trainer block: free, or held by a hold that has expired, or by `owner`'s own hold."""
    item: dict[str, Any] = {**keys.trainer_busy_block(client_id, trainer_id, minute), "owner": owner, "ttl": ttl}
    if until is not None:
        item["until"] = until
    return Action.put(item, "attribute_not_exists(PK) OR #until <= :now OR #owner = :claim",
                      names={"#until": "until", "#owner": "owner"},
                      values={":now": int(clock.now()), ":claim": owner if until is None else "-"})


class ReadAgain(Exception):
    """What the write was derived from changed meanwhile (the trainer's schedule: the guard's version moved; or
    another booking of the member took the same booking place): read again and derive again."""


def _settled(attempt: Callable[[bool], dict[str, Any]], tries: int = 6) -> dict[str, Any]:
    """Run a booking write again when DynamoDB cancelled it for a concurrent transaction on the same items (the
    other one has committed or is about to), or when the schedule it was derived from has changed: the retry
    reads again (strongly consistent: `attempt(True)`), re-derives the slot and meets what the other wrote."""
    for remaining in range(tries - 1, -1, -1):
        try:
            return attempt(remaining < tries - 1)
        except (TransactionConflict, ReadAgain):
            if not remaining:
                raise TransactionConflict() from None
            time.sleep(random.uniform(0.01, 0.05))  # noqa: S311 - jitter, not a secret
    raise AssertionError("unreachable")


def _guard(client_id: str, trainer: Trainer) -> Action:
    """Every booking (and move) moves the trainer's guard: only while the schedule is the version it was derived
    from, and so that a schedule change that has not seen this booking cannot be written (trainer_portal)."""
    condition, values = trainers.guard_condition(trainer.schedule_version)
    return Action.update(keys.trainer_schedule_guard(client_id, trainer.id), "ADD bookingSeq :one", condition,
                         names={"#v": "version"}, values={**values, ":one": 1})


def upcoming_limit(client_id: str) -> int:
    from shared.domain import clients

    return int((clients.get_client(client_id) or {}).get("maxUpcomingBookings") or DEFAULT_UPCOMING_LIMIT)


def _booking_place(client_id: str, user_id: str, booking_id: str, starts_at: int, fresh: bool) -> tuple[int, Action]:
    """A free place among the member's `upcoming_limit` (one Query of their few place items), taken by a
    conditional put: absent, or held by a session that has started. None free: 409 BOOKING_LIMIT_REACHED."""
    limit = upcoming_limit(client_id)
    now = int(clock.now())
    held = {item["SK"]: item for item in get_repository().query(keys.user_pk(client_id, user_id),
                                                                sk_prefix=keys.BOOKING_TOKEN_PREFIX, consistent=fresh)}
    for place in range(limit):
        key = keys.member_booking_token(client_id, user_id, place)
        item = held.get(key["SK"])
        if item is None or int(item["startsAt"]) <= now:
            return place, Action.put({**key, "owner": f"booking:{booking_id}", "bookingId": booking_id,
                                      "startsAt": starts_at, "ttl": starts_at + 86400},
                                     "attribute_not_exists(PK) OR startsAt <= :now", values={":now": now})
    raise AppError("BOOKING_LIMIT_REACHED", f"You can have at most {limit} upcoming sessions booked",
                   {"limit": limit, "upcoming": limit})


def _service_booked(client_id: str, trainer: Trainer, service: dict[str, Any]) -> Action:
    """Count the booking on the service, only while it is offered: a service with bookings is archived, never
    deleted (trainer_portal.remove_service), and an archived or deleted one cannot be booked in a race."""
    return Action.update(keys.trainer_service(client_id, trainer.id, int(service["id"])), "ADD bookingCount :one",
                         "active = :true", values={":one": 1, ":true": True})


def hold(client_id: str, user_id: str, trainer_id: int, service_id: int, slot_id: int) -> dict[str, Any]:
    return _settled(lambda fresh: _hold(client_id, user_id, trainer_id, service_id, slot_id, fresh))


def _hold(client_id: str, user_id: str, trainer_id: int, service_id: int, slot_id: int, fresh: bool) -> dict[str, Any]:
    """Hold a slot for HOLD_SECONDS: nobody else is offered it; `book` with the holdId takes it over. A member
    has one live hold: a new one releases the previous."""
    repo = get_repository()
    trainer = trainers.get(client_id, trainer_id, consistent=fresh)
    service = _service_or_refuse(trainer, service_id)
    previous = repo.get(keys.member_hold(client_id, user_id), consistent=True)
    now = int(clock.now())
    live_previous = previous if previous and int(previous.get("expiresAtEpoch", 0)) > now else None
    slot = _bookable_slot(client_id, trainer, service, slot_id,
                          ignore=str(live_previous["holdId"]) if live_previous else "")
    rules = trainers.slot_rules(service)
    span = scheduling.widened(slot.starts_at, rules)
    hold_id = _new_id()
    expires = now + HOLD_SECONDS
    item: dict[str, Any] = {**keys.slot_hold(client_id, hold_id), "id": hold_id, "kind": "hold", "clientId": client_id,
            "userId": user_id, "trainerId": trainer.id, "serviceId": int(service["id"]), "slotId": slot.id,
            "busyFrom": span.start, "busyUntil": span.end, "expiresAtEpoch": expires, "ttl": expires + 3600,
            "blocks": blocks(span.start, span.end),
            "GSI2PK": keys.trainer_calendar_index(client_id, trainer.id), "GSI2SK": f"{clock.iso(span.start)}#{hold_id}"}
    actions = [Action.put(item, "attribute_not_exists(PK)")]
    new_blocks = set(item["blocks"])
    released: list[Action] = []
    if live_previous:  # release the previous hold's blocks (those the new one does not take again) and item
        old_trainer = int(live_previous["trainerId"])
        released.append(Action.delete(keys.slot_hold(client_id, str(live_previous["holdId"]))))
        for minute in live_previous.get("blocks") or []:
            if old_trainer != trainer.id or minute not in new_blocks:
                released.append(Action.delete(keys.trainer_busy_block(client_id, old_trainer, int(minute)),
                                              "#owner = :mine", names={"#owner": "owner"},
                                              values={":mine": f"hold:{live_previous['holdId']}"}))
    actions += released
    for minute in item["blocks"]:
        lock = _trainer_lock(client_id, trainer.id, minute, f"hold:{hold_id}", expires, expires + 3600)
        if live_previous and int(live_previous["trainerId"]) == trainer.id and minute in set(live_previous.get("blocks") or []):
            lock = Action.put(lock.key_or_item, "#owner = :old", names={"#owner": "owner"},
                              values={":old": f"hold:{live_previous['holdId']}"})
        actions.append(lock)
    ref = {**keys.member_hold(client_id, user_id), "holdId": hold_id, "trainerId": trainer.id,
           "blocks": item["blocks"], "expiresAtEpoch": expires, "ttl": expires + 3600}
    actions.append(Action.put(ref, "attribute_not_exists(PK) OR holdId = :old",
                              values={":old": str(previous["holdId"]) if previous else "-"}))
    try:
        repo.transact(actions)
    except TransactionFailed:
        raise unavailable("taken", _alternatives(client_id, trainer, rules, slot.starts_at)) from None
    return {"holdId": hold_id, "trainerId": trainer.id, "serviceId": int(service["id"]), "slot": _slot_view(slot),
            "timeZone": trainer.time_zone, "expiresAt": clock.iso(expires)}


# --- booking --------------------------------------------------------------------------------------------------
def book(client_id: str, user_id: str, trainer_id: int, service_id: int, slot_id: int, notes: str | None,
         hold_id: str | None = None) -> dict[str, Any]:
    """A confirmed booking of the slot (re-derived from the rules now), or 409 with why and what else is free."""
    return _settled(lambda fresh: _book(client_id, user_id, trainer_id, service_id, slot_id, notes, hold_id, fresh))


def _book(client_id: str, user_id: str, trainer_id: int, service_id: int, slot_id: int, notes: str | None,
          hold_id: str | None, fresh: bool) -> dict[str, Any]:
    repo = get_repository()
    trainer = trainers.get(client_id, trainer_id, consistent=fresh)
    service = _service_or_refuse(trainer, service_id)
    rules = trainers.slot_rules(service)
    now = int(clock.now())
    held = None
    if hold_id:
        held = repo.get(keys.slot_hold(client_id, hold_id), consistent=True)
        if not held or held.get("userId") != user_id or int(held.get("expiresAtEpoch", 0)) <= now or \
                int(held["trainerId"]) != trainer.id or int(held["serviceId"]) != int(service["id"]) or \
                int(held["slotId"]) != int(slot_id):
            raise unavailable("hold_expired", _alternatives(client_id, trainer, rules, now))
    try:
        slot = _bookable_slot(client_id, trainer, service, slot_id, ignore=hold_id or "")
    except AppError as refused:
        mine = _own_booking_at(client_id, user_id, trainer.id, scheduling.slot_start(slot_id))
        if mine and (refused.details or {}).get("reason") == "taken":
            raise AppError("ALREADY_BOOKED", "You have already booked this slot", {"bookingId": mine}) from None
        raise
    booking_id = _new_id()
    item = _booking_item(client_id, user_id, booking_id, trainer, service, slot, notes)
    place, take_place = _booking_place(client_id, user_id, booking_id, slot.starts_at, fresh)
    item["limitToken"] = place
    actions = [Action.put(item, "attribute_not_exists(PK)"), _guard(client_id, trainer),
               _service_booked(client_id, trainer, service), take_place]
    owner = f"booking:{booking_id}"
    ttl = int(item["busyUntil"]) + 86400
    claim = f"hold:{hold_id}" if hold_id else "-"
    trainer_blocks = blocks(int(item["busyFrom"]), int(item["busyUntil"]))
    for minute in trainer_blocks:
        actions.append(Action.put({**keys.trainer_busy_block(client_id, trainer.id, minute), "owner": owner, "ttl": ttl},
                                  "attribute_not_exists(PK) OR #until <= :now OR #owner = :claim",
                                  names={"#until": "until", "#owner": "owner"}, values={":now": now, ":claim": claim}))
    member_first = len(actions)
    for minute in blocks(slot.starts_at, slot.ends_at):
        actions.append(Action.put({**keys.member_busy_block(client_id, user_id, minute), "owner": owner,
                                   "bookingId": booking_id, "ttl": ttl}, "attribute_not_exists(PK)"))
    member_last = len(actions)
    if held:
        actions.append(Action.delete(keys.slot_hold(client_id, hold_id or ""), "userId = :me AND expiresAtEpoch > :now",
                                     values={":me": user_id, ":now": now}))
        actions.append(Action.delete(keys.member_hold(client_id, user_id), "holdId = :hold",
                                     values={":hold": hold_id or ""}))
    try:
        repo.transact(actions)
    except TransactionFailed as failed:
        if failed.reasons[1] == "ConditionalCheckFailed":
            raise ReadAgain() from None
        if failed.reasons[2] == "ConditionalCheckFailed":
            raise unavailable("service_unavailable", []) from None
        if failed.reasons[3] == "ConditionalCheckFailed":  # another booking of the member took that place
            raise ReadAgain() from None
        raise _booking_refusal(client_id, user_id, trainer, rules, slot, failed, member_first, member_last,
                               held is not None) from None
    forget_next_available(client_id, trainer.id)
    return view(item)


def _own_booking_at(client_id: str, user_id: str, trainer_id: int, starts_at: int) -> str | None:
    """The member's confirmed booking with this trainer starting at this instant (their own index, one Query)."""
    for item in get_repository().query(keys.member_bookings_index(client_id, user_id), index="GSI1",
                                       sk_prefix=f"{clock.iso(starts_at)}#"):
        if item["status"] == "confirmed" and int(item["trainerId"]) == trainer_id:
            return str(item["id"])
    return None


def _booking_refusal(client_id: str, user_id: str, trainer: Trainer, rules: scheduling.SlotRules,
                     slot: scheduling.Slot, failed: TransactionFailed, member_first: int, member_last: int,
                     had_hold: bool) -> AppError:
    for index in range(member_first, member_last):
        if failed.reasons[index] == "ConditionalCheckFailed":
            other_id = str((failed.old_items[index] or {}).get("bookingId") or "")
            other = get_repository().get(keys.booking(client_id, other_id)) if other_id else None
            if other and int(other["trainerId"]) == trainer.id and int(other["startsAtEpoch"]) == slot.starts_at:
                return AppError("ALREADY_BOOKED", "You have already booked this slot", {"bookingId": other_id})
            return AppError("OVERLAPPING_BOOKING", "You have another booking at that time", {"bookingId": other_id})
    if had_hold and failed.reasons[-2] == "ConditionalCheckFailed":
        return unavailable("hold_expired", _alternatives(client_id, trainer, rules, int(clock.now())))
    return unavailable("taken", _alternatives(client_id, trainer, rules, slot.starts_at))


def _booking_item(client_id: str, user_id: str, booking_id: str, trainer: Trainer, service: dict[str, Any],
                  slot: scheduling.Slot, notes: str | None) -> dict[str, Any]:
    rules = trainers.slot_rules(service)
    span = scheduling.widened(slot.starts_at, rules)
    return {
        **keys.booking(client_id, booking_id), "id": booking_id, "kind": "booking", "clientId": client_id,
        "userId": user_id, "trainerId": trainer.id, "trainerName": trainer.profile.get("name", ""),
        "serviceId": int(service["id"]), "serviceName": service["name"], "status": "confirmed",
        "startsAtEpoch": slot.starts_at, "endsAtEpoch": slot.ends_at, "busyFrom": span.start, "busyUntil": span.end,
        "timeZone": trainer.time_zone, "scheduledDate": slot.date.isoformat(), "scheduledTime": slot.time,
        "duration": rules.duration, "priceMinor": int(service["priceMinor"]), "currency": service["currency"],
        "notes": notes or "", "policy": trainers.policy_view(service), "rescheduleCount": 0,
        "createdAt": clock.iso(),
        "GSI1PK": keys.member_bookings_index(client_id, user_id), "GSI1SK": f"{clock.iso(slot.starts_at)}#{booking_id}",
        "GSI2PK": keys.trainer_calendar_index(client_id, trainer.id), "GSI2SK": f"{clock.iso(span.start)}#{booking_id}",
    }


# --- views ----------------------------------------------------------------------------------------------------
def _free_cancel_until(item: dict[str, Any]) -> int:
    return int(item["startsAtEpoch"]) - int(item["policy"]["freeCancelMinutes"]) * 60


def view(item: dict[str, Any]) -> dict[str, Any]:
    starts, ends = int(item["startsAtEpoch"]), int(item["endsAtEpoch"])
    currency = str(item["currency"])
    penalty = item.get("penalty")
    return {
        "id": item["id"], "type": "one_to_one", "status": item["status"],
        "trainerId": int(item["trainerId"]), "trainer": {"id": int(item["trainerId"]), "name": item.get("trainerName", "")},
        "userId": item["userId"], "serviceId": int(item["serviceId"]), "serviceName": item.get("serviceName", ""),
        "scheduledDate": item["scheduledDate"], "scheduledTime": item["scheduledTime"], "timeZone": item["timeZone"],
        "startsAt": clock.iso(starts), "endsAt": clock.iso(ends), "duration": int(item["duration"]),
        "price": trainers.price_of(int(item["priceMinor"]), currency), "priceMinor": int(item["priceMinor"]),
        "currency": currency, "notes": item.get("notes", ""), "freeCancelUntil": clock.iso(_free_cancel_until(item)),
        "video": {"joinOpensAt": clock.iso(starts - JOIN_OPENS_MINUTES * 60),
                  "joinClosesAt": clock.iso(ends + JOIN_CLOSES_MINUTES * 60)},
        "rescheduleCount": int(item.get("rescheduleCount", 0)), "cancelledAt": item.get("cancelledAt"),
        "cancelledBy": item.get("cancelledBy"), "penalty": penalty, "createdAt": item["createdAt"],
    }


def _owned(client_id: str, user_id: str, booking_id: str) -> dict[str, Any]:
    """The member's own booking; another member's or another client's is 404 (never 403)."""
    item = get_repository().get(keys.booking(client_id, booking_id), consistent=True)
    if not item or item.get("userId") != user_id:
        raise not_found("Booking")
    return item


def quote(item: dict[str, Any], now: float) -> dict[str, Any]:
    """What cancelling now would do: the status it leads to and the penalty; or why it cannot be done."""
    starts = int(item["startsAtEpoch"])
    policy = item["policy"]
    none = {"type": "none", "amount": 0, "amountMinor": 0, "currency": item["currency"]}
    if item["status"] in ENDED:
        return {"cancellable": False, "reason": "completed", "status": item["status"], "penalty": none}
    if item["status"] != "confirmed":
        return {"cancellable": False, "reason": "cancelled", "status": item["status"], "penalty": none}
    if now >= starts:
        return {"cancellable": False, "reason": "started", "status": item["status"], "penalty": none}
    if now < _free_cancel_until(item):
        return {"cancellable": True, "reason": None, "status": "cancelled", "penalty": none}
    if not policy.get("lateCancelAllowed", True):
        return {"cancellable": False, "reason": "late_cancel_disabled", "status": item["status"], "penalty": none}
    penalty = dict(policy["lateCancelPenalty"])
    if penalty["type"] == "none":
        penalty = none
    return {"cancellable": True, "reason": None, "status": "late_cancelled", "penalty": penalty}


def detail(item: dict[str, Any]) -> dict[str, Any]:
    found = quote(item, clock.now())
    return {**view(item), "cancellation": {"cancellable": found["cancellable"],
                                           "freeCancelUntil": clock.iso(_free_cancel_until(item)),
                                           "penaltyIfCancelledNow": found["penalty"] if found["cancellable"] else None}}


def get_booking(client_id: str, user_id: str, booking_id: str) -> dict[str, Any]:
    return detail(_owned(client_id, user_id, booking_id))


def list_bookings(client_id: str, user_id: str, status: str, page: int, limit: int,
                  kind: str = "one_to_one") -> dict[str, Any]:
    """The member's bookings of one kind (one_to_one, group_class) or both (all), merged by start: upcoming
    (soonest first) reads from now on only; past, cancelled and all read the member's history, latest first (one
    Query on each of the member's own indexes)."""
    now = clock.now()
    sessions = _member_sessions(client_id, user_id, status, clock.iso(now)) if kind != "group_class" else []
    places = (group_classes.member_places_listed(client_id, user_id, status, int(now))
              if kind != "one_to_one" else [])
    rows: list[tuple[int, dict[str, Any]]] = [(int(i["startsAtEpoch"]), i) for i in sessions]
    rows += [(group_classes.place_starts(p), p) for p in places]
    rows.sort(key=lambda row: row[0], reverse=status != "upcoming")
    total = len(rows)
    shown = [item for _, item in rows[(page - 1) * limit: page * limit]]
    shown_places = [i for i in shown if "classId" in i]
    names = {cid: c.get("name", "") for cid, c in catalog.people(client_id).coaches.items()} if shown_places else {}
    place_rows = iter(group_classes.place_rows(client_id, shown_places, names))
    return {"items": [next(place_rows) if "classId" in i else view(i) for i in shown],
            "pagination": {"page": page, "limit": limit, "total": total, "totalPages": -(-total // limit)}}


def _member_sessions(client_id: str, user_id: str, status: str, now_iso: str) -> list[dict[str, Any]]:
    index = keys.member_bookings_index(client_id, user_id)
    repo = get_repository()
    if status == "upcoming":
        return [i for i in repo.query(index, index="GSI1", sk_between=(now_iso, "~")) if i["status"] == "confirmed"]
    items = repo.query(index, index="GSI1", forward=False)
    if status == "past":
        return [i for i in items if i["status"] not in CANCELLED and i["GSI1SK"] < now_iso]
    if status == "cancelled":
        return [i for i in items if i["status"] in CANCELLED]
    return items


# --- cancel and reschedule ------------------------------------------------------------------------------------
def _release(client_id: str, item: dict[str, Any]) -> list[Action]:
    """Delete the booking's locks (only where it is still their owner)."""
    owner = {":mine": f"booking:{item['id']}"}
    names = {"#owner": "owner"}
    trainer_id, user_id = int(item["trainerId"]), str(item["userId"])
    found = [Action.delete(keys.trainer_busy_block(client_id, trainer_id, m), "attribute_not_exists(PK) OR #owner = :mine",
                           names=names, values=owner)
             for m in blocks(int(item["busyFrom"]), int(item["busyUntil"]))]
    found += [Action.delete(keys.member_busy_block(client_id, user_id, m), "attribute_not_exists(PK) OR #owner = :mine",
                            names=names, values=owner)
              for m in blocks(int(item["startsAtEpoch"]), int(item["endsAtEpoch"]))]
    if item.get("limitToken") is not None:  # the member's booking place is free again
        found.append(Action.delete(keys.member_booking_token(client_id, user_id, int(item["limitToken"])),
                                   "attribute_not_exists(PK) OR #owner = :mine", names=names, values=owner))
    return found


def cancel(client_id: str, user_id: str, booking_id: str, dry_run: bool) -> dict[str, Any]:
    """The member cancels under the booking's policy, decided by the server clock at commit. A dry run answers
    the same shape and changes nothing; cancelling a cancelled booking answers its stored state."""
    return cancel_booking(client_id, lambda: _owned(client_id, user_id, booking_id), dry_run, "member")


def cancel_booking(client_id: str, read: Callable[[], dict[str, Any]], dry_run: bool, by: str,
                   retry: bool = True) -> dict[str, Any]:
    """Cancel the booking `read` returns: as the member (the policy's penalty) or as the trainer (until the start,
    `cancelled_by_trainer`, never a penalty for the member)."""
    item = read()
    if item["status"] in CANCELLED:
        return {**view(item), "dryRun": dry_run}
    now = clock.now()
    found = quote(item, now)
    if by == "trainer" and (found["cancellable"] or found["reason"] == "late_cancel_disabled"):
        found = {**found, "cancellable": True, "status": "cancelled_by_trainer",
                 "penalty": {"type": "none", "amount": 0, "amountMinor": 0, "currency": item["currency"]}}
    if not found["cancellable"]:
        raise AppError("BOOKING_NOT_CANCELLABLE", "This booking can no longer be cancelled",
                       {"reason": found["reason"], "bookingId": item["id"]})
    cancelled = {**item, "status": found["status"], "cancelledAt": clock.iso(now), "cancelledBy": by,
                 "penalty": found["penalty"]}
    if dry_run:
        return {**view(cancelled), "dryRun": True}
    update = Action.update(keys.booking(client_id, item["id"]),
                           "SET #status = :status, cancelledAt = :at, cancelledBy = :by, penalty = :penalty "
                           "REMOVE GSI2PK, GSI2SK",
                           "#status = :confirmed AND startsAtEpoch = :starts",
                           names={"#status": "status"},
                           values={":status": found["status"], ":at": cancelled["cancelledAt"], ":by": by,
                                   ":penalty": found["penalty"], ":confirmed": "confirmed",
                                   ":starts": int(item["startsAtEpoch"])})
    try:
        get_repository().transact([update, *_release(client_id, item)])
    except TransactionFailed:  # moved or cancelled meanwhile: answer from what is stored now
        if not retry:
            raise AppError("INVALID_STATE_TRANSITION", "The booking changed meanwhile; read it again",
                           {"bookingId": item["id"]}) from None
        return cancel_booking(client_id, read, dry_run, by, retry=False)
    forget_next_available(client_id, int(item["trainerId"]))
    return {**view(cancelled), "dryRun": False}


def reschedule(client_id: str, user_id: str, booking_id: str, slot_id: int) -> dict[str, Any]:
    return _settled(lambda fresh: _reschedule(client_id, user_id, booking_id, slot_id, fresh))


def _reschedule(client_id: str, user_id: str, booking_id: str, slot_id: int, fresh: bool) -> dict[str, Any]:
    """Move a confirmed booking to another slot of the same service: the new locks and the release of the old
    ones in one transaction. Allowed until the free-cancel time (moving later is a late cancel)."""
    repo = get_repository()
    item = _owned(client_id, user_id, booking_id)
    now = clock.now()
    if item["status"] != "confirmed":
        raise AppError("INVALID_STATE_TRANSITION", "Only a confirmed booking can be moved",
                       {"status": item["status"], "bookingId": booking_id})
    if now >= _free_cancel_until(item):
        raise AppError("BOOKING_NOT_CANCELLABLE", "This booking can no longer be moved",
                       {"reason": "started" if now >= int(item["startsAtEpoch"]) else "late_window",
                        "bookingId": booking_id})
    if int(slot_id) == int(item["startsAtEpoch"]) // 60:
        return view(item)
    trainer = trainers.get(client_id, int(item["trainerId"]), consistent=fresh)
    service = _service_or_refuse(trainer, int(item["serviceId"]))
    slot = _bookable_slot(client_id, trainer, service, slot_id, ignore=booking_id)
    moved = _booking_item(client_id, user_id, booking_id, trainer, service, slot, item.get("notes"))
    owner = f"booking:{booking_id}"
    ttl = int(moved["busyUntil"]) + 86400
    names = {"#owner": "owner"}
    actions = [Action.update(
        keys.booking(client_id, booking_id),
        "SET startsAtEpoch = :s, endsAtEpoch = :e, busyFrom = :bf, busyUntil = :bu, scheduledDate = :d, "
        "scheduledTime = :t, #tz = :tz, GSI1SK = :g1, GSI2SK = :g2, rescheduleCount = rescheduleCount + :one",
        "#status = :confirmed AND startsAtEpoch = :old", names={"#status": "status", "#tz": "timeZone"},
        values={":s": moved["startsAtEpoch"], ":e": moved["endsAtEpoch"], ":bf": moved["busyFrom"],
                ":bu": moved["busyUntil"], ":d": moved["scheduledDate"], ":t": moved["scheduledTime"],
                ":tz": moved["timeZone"], ":g1": moved["GSI1SK"], ":g2": moved["GSI2SK"], ":one": 1,
                ":confirmed": "confirmed", ":old": int(item["startsAtEpoch"])}), _guard(client_id, trainer)]
    if item.get("limitToken") is not None:  # the booking place follows the session
        actions.append(Action.put({**keys.member_booking_token(client_id, user_id, int(item["limitToken"])),
                                   "owner": f"booking:{booking_id}", "bookingId": booking_id,
                                   "startsAt": int(moved["startsAtEpoch"]), "ttl": int(moved["startsAtEpoch"]) + 86400},
                                  "attribute_not_exists(PK) OR #owner = :mine", names={"#owner": "owner"},
                                  values={":mine": f"booking:{booking_id}"}))
    member_first = 0
    make_key: Callable[[int], dict[str, str]]
    for make_key, old_span, new_span, guarded in (
            (lambda m: keys.trainer_busy_block(client_id, trainer.id, m),
             (item["busyFrom"], item["busyUntil"]), (moved["busyFrom"], moved["busyUntil"]), True),
            (lambda m: keys.member_busy_block(client_id, user_id, m),
             (item["startsAtEpoch"], item["endsAtEpoch"]), (moved["startsAtEpoch"], moved["endsAtEpoch"]), False)):
        old, new = set(blocks(int(old_span[0]), int(old_span[1]))), set(blocks(int(new_span[0]), int(new_span[1])))
        actions += [Action.delete(make_key(m), "attribute_not_exists(PK) OR #owner = :mine", names=names,
                                  values={":mine": owner}) for m in sorted(old - new)]
        if not guarded:
            member_first = len(actions)
        for m in sorted(new - old):
            extra = {} if guarded else {"bookingId": booking_id}
            condition = "attribute_not_exists(PK) OR #until <= :now" if guarded else "attribute_not_exists(PK)"
            actions.append(Action.put({**make_key(m), "owner": owner, "ttl": ttl, **extra}, condition,
                                      names={"#until": "until"} if guarded else None,
                                      values={":now": int(now)} if guarded else None))
    try:
        repo.transact(actions)
    except TransactionFailed as failed:
        if failed.reasons[0] == "ConditionalCheckFailed":
            raise AppError("INVALID_STATE_TRANSITION", "The booking changed meanwhile; read it again",
                           {"bookingId": booking_id}) from None
        if failed.reasons[1] == "ConditionalCheckFailed":
            raise ReadAgain() from None
        raise _booking_refusal(client_id, user_id, trainer, trainers.slot_rules(service), slot, failed,
                               member_first, len(actions), False) from None
    stored = {**item, **{k: moved[k] for k in ("startsAtEpoch", "endsAtEpoch", "busyFrom", "busyUntil",
                                               "scheduledDate", "scheduledTime", "timeZone", "GSI1SK", "GSI2SK")},
              "rescheduleCount": int(item.get("rescheduleCount", 0)) + 1}
    return view(stored)


# --- joining the call -----------------------------------------------------------------------------------------
def join(client_id: str, user_id: str, booking_id: str) -> dict[str, Any]:
    """A LiveKit token for the booking's private two-person room, for its member, inside the join window."""
    return join_call(client_id, _owned(client_id, user_id, booking_id), f"member-{user_id}", "member")


def join_call(client_id: str, item: dict[str, Any], identity: str, role: str) -> dict[str, Any]:
    """The room token of one party (the member or the trainer) of a confirmed booking, inside its join window."""
    from shared.domain import voice

    if item["status"] != "confirmed":
        raise AppError("INVALID_STATE_TRANSITION", "This booking is not confirmed", {"status": item["status"]})
    opens = int(item["startsAtEpoch"]) - JOIN_OPENS_MINUTES * 60
    closes = int(item["endsAtEpoch"]) + JOIN_CLOSES_MINUTES * 60
    now = clock.now()
    if not opens <= now <= closes:
        raise AppError("JOIN_WINDOW_CLOSED", "The call can be joined from 10 minutes before the start",
                       {"joinOpensAt": clock.iso(opens), "joinClosesAt": clock.iso(closes)})
    room = voice.room_name(client_id, "session", str(item["id"]))
    token, expires = voice.room_token(identity, room, max_participants=2)
    return {"roomName": room, "token": token, "wsUrl": get_settings().livekit_url, "identity": identity, "role": role,
            "expiresAt": clock.iso(expires), "joinOpensAt": clock.iso(opens), "joinClosesAt": clock.iso(closes)}
