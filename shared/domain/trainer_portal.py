"""The trainer's own side: a user account with role `trainer` linked to one trainer (the user item's
`trainerId`), their profile, weekly schedule (refused when it would strand confirmed bookings, unless the trainer
cancels those, which never penalises the member), their bookings and what they do with them."""
from __future__ import annotations

from functools import partial
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import Action, ConditionFailed, get_repository
from shared.domain import bookings, scheduling, trainers
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
    return {"trainerId": trainer.id, "timeZone": trainer.time_zone, "weekly": trainers.weekly_view(item),
            "overrides": trainers.overrides_view(item), "updatedAt": item.get("updatedAt")}


def _upcoming(client_id: str, trainer: trainers.Trainer) -> list[dict[str, Any]]:
    """Confirmed bookings from now on (the trainer's calendar, GSI2; holds left out)."""
    now = int(clock.now())
    items = get_repository().query(keys.trainer_calendar_index(client_id, trainer.id), index="GSI2",
                                   sk_between=(clock.iso(now - bookings.LOOKBACK_SECONDS), clock.iso(now + HORIZON_SECONDS)))
    return [i for i in items if i.get("kind") == "booking" and i.get("status") == "confirmed"
            and int(i["endsAtEpoch"]) > now]


def put_schedule(client_id: str, trainer: trainers.Trainer, time_zone: str, weekly: list[dict[str, str]],
                 overrides: list[dict[str, Any]], cancel_affected: bool) -> dict[str, Any]:
    """Replace the weekly windows and overrides. Confirmed future bookings the new rules no longer offer are
    listed in a 409 SCHEDULE_CONFLICT, or cancelled by the trainer (no penalty) with `cancel_affected`."""
    try:
        trainers.check_schedule(time_zone, weekly, overrides)
    except scheduling.ScheduleError as bad:
        raise AppError("VALIDATION_ERROR", f"Invalid schedule: {bad.field}",
                       [{"field": bad.field, "reason": bad.reason}]) from None
    new_rules = trainers.schedule_of({"weekly": weekly, "overrides": overrides}, time_zone)
    stranded = []
    for booking in _upcoming(client_id, trainer):
        service = trainer.service(int(booking["serviceId"]))
        rules = trainers.slot_rules(service) if service else None
        if rules is None or scheduling.find(new_rules, rules, int(booking["startsAtEpoch"]) // 60) is None:
            stranded.append(booking)
    if stranded and not cancel_affected:
        raise AppError("SCHEDULE_CONFLICT", "Confirmed bookings fall outside the new schedule",
                       {"bookings": [{"id": b["id"], "startsAt": clock.iso(int(b["startsAtEpoch"])),
                                      "scheduledDate": b["scheduledDate"], "scheduledTime": b["scheduledTime"]}
                                     for b in stranded]})
    for booking in stranded:
        booking_id = str(booking["id"])
        bookings.cancel_booking(client_id, partial(_of_trainer, client_id, trainer.id, booking_id), False, "trainer")
    trainers.put_schedule(client_id, trainer.id, time_zone, weekly, overrides,
                          trainer.schedule_item.get("timeOff") or [])
    return {**schedule_view(trainers.get(client_id, trainer.id)),
            "cancelledBookings": [str(b["id"]) for b in stranded]}


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
