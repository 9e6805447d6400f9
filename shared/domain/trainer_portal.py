"""The trainer's own side: a user account with role `trainer` linked to one trainer (the user item's
`trainerId`), their profile, weekly schedule (refused when it would strand confirmed bookings, unless the trainer
cancels those, which never penalises the member), their bookings and what they do with them."""
from __future__ import annotations

import secrets
from functools import partial
from typing import Any, Callable

from shared import clock
from shared.db import keys
from shared.db.repository import Action, ConditionFailed, TransactionConflict, TransactionFailed, get_repository
from shared.domain import bookings, catalog, scheduling, trainers
from shared.errors import AppError, not_found

HORIZON_SECONDS = 400 * 86400  # past any service's booking horizon


def link_user(client_id: str, user_id: str, trainer_id: int) -> None:
    """Make a user of the client the account of one of its trainers (provisioning: seed, admin tools)."""
    if int(trainer_id) not in trainers.coaches(client_id):
        raise not_found("Trainer")
    get_repository().transact([
        Action.update(keys.user(client_id, user_id), "SET trainerId = :t", "attribute_exists(PK)",
                      values={":t": int(trainer_id)}),
        Action.put({**keys.trainer_account(client_id, int(trainer_id)), "userId": user_id, "createdAt": clock.iso()},
                   "attribute_not_exists(PK)")])  # a trainer has one account (as an invitation's registration)


def trainer_of(client_id: str, user_id: str) -> trainers.Trainer:
    """The trainer this signed-in account is (403 when the account is linked to none of this client's)."""
    user = get_repository().get(keys.user(client_id, user_id)) or {}
    trainer_id = int(user.get("trainerId") or 0)
    if not trainer_id or trainer_id not in trainers.coaches(client_id):
        raise AppError("FORBIDDEN", "This account is not linked to a trainer")
    return trainers.get(client_id, trainer_id)


def profile(trainer: trainers.Trainer) -> dict[str, Any]:
    return {**trainers.card(trainer.profile), "timeZone": trainer.time_zone,
            "services": [trainers.service_view(s) for s in trainer.services]}


def schedule_view(trainer: trainers.Trainer) -> dict[str, Any]:
    item = trainer.schedule_item
    now = clock.now()
    return {"trainerId": trainer.id, "timeZone": trainer.time_zone, "weekly": trainers.weekly_view(item),
            "overrides": trainers.overrides_view(item),
            "timeOff": [time_off_view(t) for t in item.get("timeOff") or [] if clock.parse_iso(t["endsAt"]) > now],
            "updatedAt": item.get("updatedAt")}


def _upcoming(client_id: str, trainer: trainers.Trainer) -> list[dict[str, Any]]:
    """Confirmed bookings from now on (the trainer's calendar, GSI2; holds left out)."""
    now = int(clock.now())
    items = get_repository().query(keys.trainer_calendar_index(client_id, trainer.id), index="GSI2",
                                   sk_between=(clock.iso(now - bookings.LOOKBACK_SECONDS), clock.iso(now + HORIZON_SECONDS)))
    return [i for i in items if i.get("kind") == "booking" and i.get("status") == "confirmed"
            and int(i["endsAtEpoch"]) > now]


ScheduleFields = dict[str, Any]  # timeZone, weekly, overrides, timeOff: the schedule item's content
CHANGE_TRIES = 5


def _fields(item: dict[str, Any], time_zone: str) -> ScheduleFields:
    return {"timeZone": time_zone, "weekly": list(item.get("weekly") or []),
            "overrides": list(item.get("overrides") or []), "timeOff": list(item.get("timeOff") or [])}


def _stranded(upcoming: list[dict[str, Any]], fields: ScheduleFields) -> list[dict[str, Any]]:
    """The confirmed sessions a schedule would no longer hold: outside its windows, or inside its time off."""
    rules = trainers.schedule_of(fields, fields["timeZone"])
    off = scheduling.Busy(scheduling.Interval(int(clock.parse_iso(t["startsAt"])), int(clock.parse_iso(t["endsAt"])))
                          for t in fields["timeOff"])
    return [b for b in upcoming
            if not scheduling.covers(rules, int(b["startsAtEpoch"]), int(b["endsAtEpoch"]))
            or off.overlaps(int(b["startsAtEpoch"]), int(b["endsAtEpoch"]))]


def change_schedule(client_id: str, trainer_id: int, change: Callable[[ScheduleFields], ScheduleFields],
                    cancel_affected: bool) -> tuple[ScheduleFields, list[str]]:
    """Apply `change` to the latest schedule. Confirmed future sessions the new one would strand are listed in a
    409 SCHEDULE_CONFLICT, or, with `cancel_affected`, cancelled by the trainer (never a penalty for the member).

    No session is stranded by a race: the new schedule is written only if the guard still has the version read and
    no booking was made since (every booking moves the guard's `bookingSeq`); otherwise it starts again from the
    latest state. A booking derived from the old schedule fails its own guard condition and is derived again."""
    for attempt in range(CHANGE_TRIES):
        trainer = trainers.get(client_id, trainer_id, consistent=True)
        fields = change(_fields(trainer.schedule_item, trainer.time_zone))
        trainers.checked_schedule(fields["timeZone"], fields["weekly"], fields["overrides"])
        stranded = _stranded(_upcoming(client_id, trainer), fields)
        if stranded and not cancel_affected:
            raise AppError("SCHEDULE_CONFLICT", "Confirmed bookings fall outside the new schedule",
                           {"bookings": [{"id": b["id"], "startsAt": clock.iso(int(b["startsAtEpoch"])),
                                          "scheduledDate": b["scheduledDate"], "scheduledTime": b["scheduledTime"]}
                                         for b in stranded]})
        for booking in stranded:
            bookings.cancel_booking(client_id, partial(_of_trainer, client_id, trainer.id, str(booking["id"])), False,
                                    "trainer")
        _, actions = trainers.schedule_actions(client_id, trainer.id, fields, trainer.schedule_version,
                                               int(trainer.guard.get("bookingSeq") or 0))
        try:
            get_repository().transact(actions)
        except (TransactionFailed, TransactionConflict):
            if attempt == CHANGE_TRIES - 1:
                raise AppError("CONFLICT", "The schedule or its bookings changed meanwhile; try again") from None
            continue
        if fields["timeZone"] != trainer.time_zone:
            trainers.show_zone(client_id, trainer.id, fields["timeZone"])
        bookings.forget_next_available(client_id, trainer.id)
        return fields, [str(b["id"]) for b in stranded]
    raise AssertionError("unreachable")


def put_schedule(client_id: str, trainer: trainers.Trainer, time_zone: str, weekly: list[dict[str, str]],
                 overrides: list[dict[str, Any]], cancel_affected: bool) -> dict[str, Any]:
    """Replace the zone, the weekly windows and the overrides (time off stays)."""
    _, cancelled = change_schedule(client_id, trainer.id, lambda f: {**f, "timeZone": time_zone, "weekly": weekly,
                                                                     "overrides": overrides}, cancel_affected)
    return {**schedule_view(trainers.get(client_id, trainer.id, consistent=True)), "cancelledBookings": cancelled}


def _of_trainer(client_id: str, trainer_id: int, booking_id: str) -> dict[str, Any]:
    """A booking with this trainer; any other is 404."""
    item = get_repository().get(keys.booking(client_id, booking_id), consistent=True)
    if not item or int(item.get("trainerId") or 0) != trainer_id:
        raise not_found("Booking")
    return item


def trainer_view(item: dict[str, Any]) -> dict[str, Any]:
    """A booking as its trainer sees it: the member's notes included."""
    return bookings.view(item)


def list_bookings(client_id: str, trainer: trainers.Trainer, status: str, page: int, limit: int) -> dict[str, Any]:
    """Upcoming confirmed sessions (soonest first) or the calendar's past ones (newest first), from the
    trainer's calendar index over the relevant range only."""
    now = int(clock.now())
    repo = get_repository()
    index = keys.trainer_calendar_index(client_id, trainer.id)
    if status == "upcoming":
        items = _upcoming(client_id, trainer)
    else:
        items = [i for i in repo.query(index, index="GSI2", sk_between=("0", clock.iso(now)), forward=False)
                 if i.get("kind") == "booking" and int(i["endsAtEpoch"]) <= now]
    total = len(items)
    shown = items[(page - 1) * limit: page * limit]
    return {"items": [trainer_view(i) for i in shown],
            "pagination": {"page": page, "limit": limit, "total": total, "totalPages": -(-total // limit)}}


def cancel(client_id: str, trainer: trainers.Trainer, booking_id: str) -> dict[str, Any]:
    return bookings.cancel_booking(client_id, lambda: _of_trainer(client_id, trainer.id, booking_id), False, "trainer")


def mark(client_id: str, trainer: trainers.Trainer, booking_id: str, outcome: str) -> dict[str, Any]:
    """`completed` (once the session has ended) or `no_show` (once it has started): a confirmed booking only."""
    item = _of_trainer(client_id, trainer.id, booking_id)
    now = clock.now()
    if item["status"] == outcome:
        return bookings.view(item)
    if item["status"] != "confirmed":
        raise AppError("INVALID_STATE_TRANSITION", f"A {item['status']} booking cannot become {outcome}",
                       {"status": item["status"]})
    moment = int(item["endsAtEpoch"]) if outcome == "completed" else int(item["startsAtEpoch"])
    if now < moment:
        raise AppError("INVALID_STATE_TRANSITION", f"Too early: {outcome} is possible from {clock.iso(moment)}",
                       {"status": item["status"], "possibleFrom": clock.iso(moment)})
    try:
        stored = get_repository().update(keys.booking(client_id, booking_id), "SET #status = :to, markedAt = :at",
                                         condition="#status = :confirmed", names={"#status": "status"},
                                         values={":to": outcome, ":at": clock.iso(now), ":confirmed": "confirmed"})
    except ConditionFailed:
        raise AppError("INVALID_STATE_TRANSITION", "The booking changed meanwhile; read it again") from None
    return bookings.view(stored)


def join(client_id: str, trainer: trainers.Trainer, booking_id: str) -> dict[str, Any]:
    return bookings.join_call(client_id, _of_trainer(client_id, trainer.id, booking_id), f"trainer-{trainer.id}",
                              "trainer")


# --- the profile ----------------------------------------------------------------------------------------------
def update_profile(client_id: str, trainer: trainers.Trainer, changes: dict[str, Any], time_zone: str | None,
                   cancel_affected: bool) -> tuple[trainers.Trainer, list[str]]:
    """Change the trainer's own profile fields (`changes`: name, bio, image, specialties, active: what is sent).
    A new zone keeps the weekly rules as wall-clock times, so the sessions it would strand are refused or
    cancelled as for any schedule change; booked sessions keep their instants."""
    cancelled: list[str] = []
    if time_zone is not None and time_zone != trainer.time_zone:
        _, cancelled = change_schedule(client_id, trainer.id, lambda f: {**f, "timeZone": time_zone},
                                       cancel_affected)
    if changes:
        names = {f"#{name}": name for name in changes}
        values = {f":{name}": value for name, value in changes.items()}
        get_repository().update(keys.coach(client_id, trainer.id),
                                "SET " + ", ".join(f"#{name} = :{name}" for name in changes) + ", updatedAt = :at",
                                condition="attribute_exists(PK)", names=names, values={**values, ":at": clock.iso()})
        catalog.forget_cache()  # this container at once; others within the coach cache's 60 s
        bookings.forget_next_available(client_id, trainer.id)
    return trainers.get(client_id, trainer.id, consistent=True), cancelled


# --- services -------------------------------------------------------------------------------------------------
def _service_or_404(trainer: trainers.Trainer, service_id: int) -> dict[str, Any]:
    service = trainer.service(service_id)
    if service is None:
        raise not_found("Service")
    return service


def create_service(client_id: str, trainer: trainers.Trainer, name: str, **terms: Any) -> dict[str, Any]:
    service = trainers.create_service(client_id, trainer.id, name, **terms)
    bookings.forget_next_available(client_id, trainer.id)
    return service


def update_service(client_id: str, trainer: trainers.Trainer, service_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change what is sent. Booked sessions keep what they were booked with (time, price, policy); new bookings
    get the new terms. `active: false` archives, `true` offers it again."""
    merged = {**_service_or_404(trainer, service_id), **changes}
    try:
        scheduling.check_rules(trainers.slot_rules(merged))
    except scheduling.ScheduleError as bad:
        raise AppError("VALIDATION_ERROR", f"Invalid service: {bad.field}",
                       [{"field": bad.field, "reason": bad.reason}]) from None
    if changes:
        try:
            get_repository().update(
                keys.trainer_service(client_id, trainer.id, service_id),
                "SET " + ", ".join(f"#{name} = :{name}" for name in changes) + ", updatedAt = :at",
                condition="attribute_exists(PK)", names={f"#{name}": name for name in changes},
                values={**{f":{name}": value for name, value in changes.items()}, ":at": clock.iso()})
        except ConditionFailed:
            raise not_found("Service") from None
        trainers.refresh_services_from(client_id, trainer.id)
        bookings.forget_next_available(client_id, trainer.id)
    return trainers.service_view(merged)


def remove_service(client_id: str, trainer: trainers.Trainer, service_id: int) -> tuple[dict[str, Any], bool]:
    """Delete a service never booked; archive one that was (its bookings keep naming it). Race-free against a
    booking: the booking counts itself on the service only while it is active and exists, and the delete is
    conditioned on that count being zero, so either the booking lands first (and the service is archived) or
    the service is gone first (and the booking is refused). Returns (the service as it stands, deleted)."""
    service = _service_or_404(trainer, service_id)
    key = keys.trainer_service(client_id, trainer.id, service_id)
    repo = get_repository()
    deleted = True
    try:
        repo.delete(key, condition="attribute_exists(PK) AND (attribute_not_exists(bookingCount) OR bookingCount = :zero)",
                    values={":zero": 0})
    except ConditionFailed:
        deleted = False
        try:
            service = repo.update(key, "SET active = :false, archivedAt = :at", condition="attribute_exists(PK)",
                                  values={":false": False, ":at": clock.iso()})
        except ConditionFailed:
            raise not_found("Service") from None
    trainers.refresh_services_from(client_id, trainer.id)
    bookings.forget_next_available(client_id, trainer.id)
    return trainers.service_view({**service, "active": False}), deleted


# --- date overrides and time off ------------------------------------------------------------------------------
MAX_TIME_OFF = 100
MAX_TIME_OFF_DAYS = 366


def set_override(client_id: str, trainer: trainers.Trainer, day: str, windows: list[dict[str, str]],
                 cancel_affected: bool) -> tuple[dict[str, Any], list[str]]:
    """The windows of one local date instead of the weekly ones (none: unavailable that date)."""
    def change(fields: ScheduleFields) -> ScheduleFields:
        others = [o for o in fields["overrides"] if o["date"] != day]
        return {**fields, "overrides": sorted([*others, {"date": day, "windows": windows}], key=lambda o: o["date"])}

    fields, cancelled = change_schedule(client_id, trainer.id, change, cancel_affected)
    return next(o for o in trainers.overrides_view(fields) if o["date"] == day), cancelled


def remove_override(client_id: str, trainer: trainers.Trainer, day: str, cancel_affected: bool) -> list[str]:
    """Back to the weekly windows on that date (which may strand sessions the override allowed)."""
    def change(fields: ScheduleFields) -> ScheduleFields:
        if not any(o["date"] == day for o in fields["overrides"]):
            raise not_found("Override")
        return {**fields, "overrides": [o for o in fields["overrides"] if o["date"] != day]}

    return change_schedule(client_id, trainer.id, change, cancel_affected)[1]


def time_off_view(entry: dict[str, Any]) -> dict[str, Any]:
    return {"id": entry["id"], "startsAt": entry["startsAt"], "endsAt": entry["endsAt"],
            "reason": entry.get("reason") or ""}


def add_time_off(client_id: str, trainer: trainers.Trainer, starts: int, ends: int, reason: str,
                 cancel_affected: bool) -> tuple[dict[str, Any], list[str]]:
    """A stretch of real time (UTC instants) the trainer is away: no slot touches it."""
    if ends <= starts:
        raise AppError("VALIDATION_ERROR", "Invalid request: endsAt", [{"field": "endsAt", "reason": "must be after startsAt"}])
    if ends <= clock.now():
        raise AppError("VALIDATION_ERROR", "Invalid request: endsAt", [{"field": "endsAt", "reason": "must be in the future"}])
    if ends - starts > MAX_TIME_OFF_DAYS * 86400:
        raise AppError("VALIDATION_ERROR", "Invalid request: endsAt",
                       [{"field": "endsAt", "reason": f"at most {MAX_TIME_OFF_DAYS} days after startsAt"}])
    entry = {"id": secrets.token_hex(8), "startsAt": clock.iso(starts), "endsAt": clock.iso(ends), "reason": reason}

    def change(fields: ScheduleFields) -> ScheduleFields:
        now = clock.now()
        kept = [t for t in fields["timeOff"] if clock.parse_iso(t["endsAt"]) > now]  # past stretches leave
        if len(kept) >= MAX_TIME_OFF:
            raise AppError("VALIDATION_ERROR", "Invalid request: startsAt",
                           [{"field": "startsAt", "reason": f"at most {MAX_TIME_OFF} stretches of time off ahead"}])
        return {**fields, "timeOff": sorted([*kept, entry], key=lambda t: t["startsAt"])}

    _, cancelled = change_schedule(client_id, trainer.id, change, cancel_affected)
    return time_off_view(entry), cancelled


def remove_time_off(client_id: str, trainer: trainers.Trainer, entry_id: str) -> None:
    """Working again in that stretch: strands nothing, so never refused."""
    def change(fields: ScheduleFields) -> ScheduleFields:
        if not any(t.get("id") == entry_id for t in fields["timeOff"]):
            raise not_found("Time off")
        return {**fields, "timeOff": [t for t in fields["timeOff"] if t.get("id") != entry_id]}

    change_schedule(client_id, trainer.id, change, False)
