"""Group classes: capacity that is never exceeded and a waitlist that is fair.

A class, its members' places and its waitlist tickets share one partition (`keys.group_class_pk`):
- the class item holds `capacity`, `bookedCount`, `waitlistCount`, the ticket sequence and the policies;
- one place per member (`keys.class_booking`): booked, waitlisted, offered, or a terminal state;
- one ticket per waiting member (`keys.waitlist_entry`), in SK order: first in, first out by a server sequence.

Every change of a count and of a place is one transaction with conditions, so 40 members racing for 10 places
and 5 waitlist places leave exactly 10 booked and 5 waitlisted. A freed place passes to the head of the waitlist
in the same transaction as the cancellation (nobody can take it in between), until the promotion cut-off:
`startsAt - waitlist.closeMinutes`, which is never later than the end of the free-cancel window, so a promoted
member can always leave for free. Leaving a waitlist is always free. In `offer` mode the head gets
`offerMinutes` to accept instead; an offer that runs out passes on when the class is next read or changed.
A member may say how late they still want to be promoted (`promoteUntilMinutes`); a waiting member past that is
skipped but keeps their place. Trainer and studio cancellations never penalise anyone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from shared import clock
from shared.db import keys
from shared.db.repository import Action, ConditionFailed, TransactionConflict, TransactionFailed, get_repository
from shared.errors import AppError, invalid, not_found

BOOKED, WAITLISTED, OFFERED = "booked", "waitlisted", "offered"
CANCELLED, LATE_CANCELLED, LEFT_WAITLIST = "cancelled", "late_cancelled", "left_waitlist"
OFFER_EXPIRED, CANCELLED_BY_STUDIO = "offer_expired", "cancelled_by_studio"
ATTENDED, NO_SHOW = "attended", "no_show"
HOLDS_A_PLACE = (BOOKED, OFFERED)
REJOINABLE = (CANCELLED, LATE_CANCELLED, LEFT_WAITLIST, OFFER_EXPIRED)
SCHEDULED, CLASS_CANCELLED = "scheduled", "cancelled"
HEAD_SCAN = 25  # waiting members looked at to find the first one still eligible for promotion
JOIN_OPENS_MINUTES, JOIN_CLOSES_MINUTES = 10, 15  # live-video room: from 10 min before start to 15 after the end
ATTEMPTS = 4

DEFAULT_WAITLIST = {"enabled": True, "capacity": 10, "mode": "auto", "closeMinutes": 720, "offerMinutes": 15}
DEFAULT_WINDOW = {"opensMinutes": 14 * 24 * 60, "closesMinutes": 0}
DEFAULT_POLICY = {"freeCancelMinutes": 720, "lateCancelUntilMinutes": 0,
                  "lateCancelPenalty": {"type": "fee", "amount": 5.0, "currency": "GBP"}}


def _refused(code: str, message: str, **details: Any) -> AppError:
    return AppError(code, message, details or None)


# --- the schedule ---------------------------------------------------------------------------------------------
def create_class(client_id: str, *, trainer_id: int, name: str, starts_at: int, duration: int, time_zone: str,
                 capacity: int, waitlist: dict[str, Any] | None = None, booking_window: dict[str, Any] | None = None,
                 cancellation_policy: dict[str, Any] | None = None, mode: str = "in_person",
                 category: str | None = None, description: str = "") -> dict[str, Any]:
    """Schedule a class. The promotion cut-off is raised to the free-cancel window when it is shorter."""
    ZoneInfo(time_zone)  # a real IANA zone, or ZoneInfoNotFoundError for the caller to name
    repo = get_repository()
    class_id = repo.next_id("group_class")
    policy = {**DEFAULT_POLICY, **(cancellation_policy or {})}
    waiting = {**DEFAULT_WAITLIST, **(waitlist or {})}
    waiting["closeMinutes"] = max(int(waiting["closeMinutes"]), int(policy["freeCancelMinutes"]))
    item = {
        **keys.group_class(client_id, class_id), "id": class_id, "clientId": client_id, "trainerId": trainer_id,
        "name": name, "description": description, "category": category, "mode": mode,
        "startsAt": int(starts_at), "duration": int(duration), "timeZone": time_zone, "capacity": int(capacity),
        "bookedCount": 0, "waitlistCount": 0, "waitlistSeq": 0, "offeredCount": 0, "status": SCHEDULED,
        "waitlist": waiting, "bookingWindow": {**DEFAULT_WINDOW, **(booking_window or {})},
        "cancellationPolicy": policy, "createdAt": clock.iso(),
        "GSI1PK": keys.group_class_index(client_id), "GSI1SK": f"{int(starts_at):012d}#{class_id:08d}",
    }
    repo.put(item, condition="attribute_not_exists(PK)")
    return item


def require_trainer(client_id: str, trainer_id: int) -> None:
    """A class needs a coach of the same client (404 naming trainerId otherwise)."""
    if get_repository().get(keys.coach(client_id, trainer_id)) is None:
        raise AppError("NOT_FOUND", "Trainer not found", [{"field": "trainerId", "reason": "not a trainer here"}])


def get_class(client_id: str, class_id: int, *, consistent: bool = False) -> dict[str, Any]:
    item = get_repository().get(keys.group_class(client_id, class_id), consistent=consistent)
    if item is None:
        raise not_found("Group class")
    return item


def class_with_place(client_id: str, class_id: int, user_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The class (its run-out offers settled) and the member's place in it, if any."""
    item = settle_offers(client_id, get_class(client_id, class_id))
    return item, get_repository().get(keys.class_booking(client_id, class_id, user_id))


def classes_between(client_id: str, start: int, end: int) -> list[dict[str, Any]]:
    """The client's classes starting in [start, end), soonest first (one Query of the schedule index)."""
    return get_repository().query(keys.group_class_index(client_id), index="GSI1",
                                  sk_between=(f"{start:012d}#", f"{end:012d}#"))


MAX_SPAN_DAYS = 31


def span(first: date | None, last: date | None) -> tuple[int, int]:
    """[start, end) in epoch seconds of the UTC days first..last (default: today and the next 14 days)."""
    start = first or datetime.fromtimestamp(clock.now(), timezone.utc).date()
    end = last or start + timedelta(days=14)
    if end < start or (end - start).days > MAX_SPAN_DAYS:
        raise invalid("to", f"must be on or after from, at most {MAX_SPAN_DAYS} days later")
    return _midnight(start), _midnight(end + timedelta(days=1))


def _midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def trainer_upcoming(client_id: str, trainer_id: int, start: int, end: int) -> list[dict[str, Any]]:
    """A trainer's scheduled classes starting in [start, end) and not yet begun, soonest first (one Query of
    the schedule index)."""
    now = clock.now()
    return [c for c in classes_between(client_id, start, end)
            if int(c["trainerId"]) == trainer_id and c["status"] == SCHEDULED and int(c["startsAt"]) > now]


def member_places(client_id: str, user_id: str, start: int, end: int) -> dict[int, dict[str, Any]]:
    """The member's places in classes starting in [start, end), by class id (one Query)."""
    items = get_repository().query(keys.member_class_bookings_index(client_id, user_id), index="GSI2",
                                   sk_between=(f"{start:012d}#", f"{end:012d}#"))
    return {int(i["classId"]): i for i in items}


# --- the member's places among their bookings -------------------------------------------------------------------
HELD_PLACES = (BOOKED, WAITLISTED, OFFERED)  # an upcoming class the member is in or waiting for
TAKEN_PLACES = (BOOKED, ATTENDED, NO_SHOW)  # a class that started with the member in it
DROPPED_PLACES = (CANCELLED, LATE_CANCELLED, LEFT_WAITLIST, OFFER_EXPIRED, CANCELLED_BY_STUDIO)


def place_starts(place: dict[str, Any]) -> int:
    """The start (epoch seconds) of a place's class, from its index key."""
    return int(place["GSI2SK"].split("#", 1)[0])


def member_places_listed(client_id: str, user_id: str, status: str, now: int) -> list[dict[str, Any]]:
    """The member's places as the bookings list filters them (one Query of the member's index): upcoming
    (held places, soonest first), past (places in classes that started, latest first), cancelled (dropped
    places, latest first) or all (latest first)."""
    index, repo = keys.member_class_bookings_index(client_id, user_id), get_repository()
    if status == "upcoming":
        return [p for p in repo.query(index, index="GSI2", sk_between=(f"{now:012d}#", "~"))
                if p["status"] in HELD_PLACES]
    places = repo.query(index, index="GSI2", forward=False)
    if status == "past":
        return [p for p in places if p["status"] in TAKEN_PLACES and place_starts(p) < now]
    if status == "cancelled":
        return [p for p in places if p["status"] in DROPPED_PLACES]
    return places


def place_rows(client_id: str, places: list[dict[str, Any]], trainer_names: dict[int, str]) -> list[dict[str, Any]]:
    """The bookings list's rows for these places, in their order: one BatchGetItem of their classes, and a
    bounded Query for each waiting member's position."""
    wanted = {int(p["classId"]) for p in places}
    classes = {int(c["id"]): c for c in get_repository().get_many([keys.group_class(client_id, c) for c in wanted])}
    rows = []
    for place in places:
        item = classes[int(place["classId"])]
        scheduled_date, scheduled_time = local(int(item["startsAt"]), item["timeZone"])
        at = windows(item)
        position = (waitlist_position(client_id, int(item["id"]), int(place["ticket"]))
                    if place["status"] == WAITLISTED else None)
        trainer_id = int(item["trainerId"])
        rows.append({
            "id": booking_id(int(item["id"]), place["userId"]), "type": "group_class", "status": place["status"],
            "title": item["name"], "classId": int(item["id"]), "trainerId": trainer_id,
            "trainer": {"id": trainer_id, "name": trainer_names.get(trainer_id, "")},
            "scheduledDate": scheduled_date, "scheduledTime": scheduled_time, "timeZone": item["timeZone"],
            "startsAt": clock.iso(at["starts"]), "endsAt": clock.iso(at["ends"]), "duration": int(item["duration"]),
            "mode": item["mode"], "classStatus": item["status"], "waitlistPosition": position,
            "offerExpiresAt": clock.iso(int(place["offerExpiresAt"])) if place["status"] == OFFERED else None,
            "freeCancelUntil": clock.iso(at["freeCancelUntil"]), "penalty": _penalty(place.get("penalty")),
            "createdAt": place["createdAt"]})
    return rows


# --- answers ----------------------------------------------------------------------------------------------------
def local(epoch: int, time_zone: str) -> tuple[str, str]:
    moment = datetime.fromtimestamp(epoch, ZoneInfo(time_zone))
    return moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M")


def windows(item: dict[str, Any]) -> dict[str, int]:
    """The class's instants (epoch seconds): booking opens/closes, free cancel until, promotion cut-off."""
    starts = int(item["startsAt"])
    window, policy, waiting = item["bookingWindow"], item["cancellationPolicy"], item["waitlist"]
    return {"opens": starts - int(window["opensMinutes"]) * 60, "closes": starts - int(window["closesMinutes"]) * 60,
            "freeCancelUntil": starts - int(policy["freeCancelMinutes"]) * 60,
            "lateCancelUntil": starts - int(policy["lateCancelUntilMinutes"]) * 60,
            "promoteUntil": starts - int(waiting["closeMinutes"]) * 60, "starts": starts,
            "ends": starts + int(item["duration"]) * 60}


def class_view(item: dict[str, Any], place: dict[str, Any] | None = None, *, detail: bool = False) -> dict[str, Any]:
    scheduled_date, scheduled_time = local(int(item["startsAt"]), item["timeZone"])
    at = windows(item)
    answer: dict[str, Any] = {
        "id": int(item["id"]), "name": item["name"], "trainerId": int(item["trainerId"]),
        "category": item.get("category"), "scheduledDate": scheduled_date, "scheduledTime": scheduled_time,
        "timeZone": item["timeZone"], "startsAt": clock.iso(at["starts"]), "duration": int(item["duration"]),
        "capacity": int(item["capacity"]), "spotsLeft": max(0, int(item["capacity"]) - int(item["bookedCount"])),
        "waitlist": {"enabled": bool(item["waitlist"]["enabled"]), "count": int(item["waitlistCount"]),
                     "capacity": int(item["waitlist"]["capacity"]), "mode": item["waitlist"]["mode"]},
        "bookingOpensAt": clock.iso(at["opens"]), "bookingClosesAt": clock.iso(at["closes"]),
        "status": item["status"], "mode": item["mode"],
        "myStatus": place["status"] if place else None,
    }
    if detail:
        policy = item["cancellationPolicy"]
        answer.update(description=item.get("description") or "", cancellationPolicy={
            "freeCancelMinutes": int(policy["freeCancelMinutes"]),
            "lateCancelUntilMinutes": int(policy["lateCancelUntilMinutes"]),
            "lateCancelPenalty": _penalty(policy["lateCancelPenalty"]),
            "freeCancelUntil": clock.iso(at["freeCancelUntil"]),
            "promotionStopsAt": clock.iso(at["promoteUntil"])})
    return answer


def _penalty(spec: dict[str, Any] | None) -> dict[str, Any]:
    if not spec or spec.get("type", "none") == "none":
        return {"type": "none", "amount": 0, "currency": None}
    return {"type": spec["type"], "amount": spec.get("amount", 0), "currency": spec.get("currency")}


def booking_id(class_id: int, user_id: str) -> str:
    return f"cb_{class_id}_{user_id}"


def parse_booking_id(value: str) -> tuple[int, str]:
    """(class id, user id) of a class booking id, or 404 for anything else."""
    prefix, _, rest = value.partition("_")
    class_part, _, user_id = rest.partition("_")
    if prefix != "cb" or not class_part.isdigit() or not user_id or len(class_part) > 8:
        raise not_found("Class booking")
    return int(class_part), user_id


def place_view(item: dict[str, Any], place: dict[str, Any], position: int | None = None) -> dict[str, Any]:
    return {
        "id": booking_id(int(item["id"]), place["userId"]), "classId": int(item["id"]), "status": place["status"],
        "position": position, "startsAt": clock.iso(int(item["startsAt"])), "className": item["name"],
        "offerExpiresAt": clock.iso(int(place["offerExpiresAt"])) if place.get("status") == OFFERED else None,
        "penalty": _penalty(place.get("penalty")), "updatedAt": place.get("updatedAt") or place.get("createdAt"),
    }


def waitlist_position(client_id: str, class_id: int, ticket: int) -> int:
    """1 + the waiting tickets ahead of this one (one Query, bounded by the waitlist's capacity)."""
    ahead = get_repository().query(keys.group_class_pk(client_id, class_id),
                                   sk_between=(keys.WAITLIST_PREFIX, keys.waitlist_entry(client_id, class_id,
                                                                                       ticket - 1)["SK"]))
    return len(ahead) + 1


# --- joining --------------------------------------------------------------------------------------------------
def _place_item(client_id: str, item: dict[str, Any], user_id: str, status: str, **extra: Any) -> dict[str, Any]:
    class_id = int(item["id"])
    return {**keys.class_booking(client_id, class_id, user_id), "classId": class_id, "userId": user_id,
            "status": status, "createdAt": clock.iso(), "updatedAt": clock.iso(),
            "GSI2PK": keys.member_class_bookings_index(client_id, user_id),
            "GSI2SK": f"{int(item['startsAt']):012d}#{class_id:08d}", **extra}


_FREE_SEAT = "#s = :scheduled AND bookedCount < #capacity"  # capacity is a reserved word
_NEW_PLACE = "attribute_not_exists(PK) OR #s IN (:c1, :c2, :c3, :c4)"
_REJOIN_VALUES = {":c1": REJOINABLE[0], ":c2": REJOINABLE[1], ":c3": REJOINABLE[2], ":c4": REJOINABLE[3]}


def _check_joinable(item: dict[str, Any], now: int) -> None:
    at = windows(item)
    if item["status"] == CLASS_CANCELLED:
        raise _refused("CLASS_CANCELLED", "This class has been cancelled")
    if now < at["opens"]:
        raise _refused("OUTSIDE_BOOKING_WINDOW", "Booking for this class has not opened yet",
                       bookingOpensAt=clock.iso(at["opens"]))
    if now >= min(at["closes"], at["starts"]):
        raise _refused("OUTSIDE_BOOKING_WINDOW", "Booking for this class has closed",
                       bookingClosesAt=clock.iso(min(at["closes"], at["starts"])))


def _already(place: dict[str, Any] | None, item: dict[str, Any], client_id: str) -> AppError | None:
    if not place or place.get("status") in REJOINABLE:
        return None
    bid = booking_id(int(item["id"]), place["userId"])
    if place["status"] == WAITLISTED:
        position = waitlist_position(client_id, int(item["id"]), int(place["ticket"]))
        return _refused("ALREADY_ON_WAITLIST", "You are already on this class's waitlist", bookingId=bid,
                        position=position)
    return _refused("ALREADY_BOOKED", "You already have a place in this class", bookingId=bid)


def join_preview(client_id: str, user_id: str, class_id: int) -> dict[str, Any]:
    """The class as `join` would find it, after the same checks `join` makes before writing (cancelled, booking
    window, already in it, full without a waitlist): for a confirmation step before the join itself."""
    item = settle_offers(client_id, get_class(client_id, class_id, consistent=True))
    _check_joinable(item, int(clock.now()))
    refusal = _already(get_repository().get(keys.class_booking(client_id, class_id, user_id), consistent=True),
                       item, client_id)
    if refusal:
        raise refusal
    if int(item["bookedCount"]) >= int(item["capacity"]) and not item["waitlist"]["enabled"]:
        raise _refused("CLASS_FULL", "This class is full", waitlist=False)
    return item


def join(client_id: str, user_id: str, class_id: int, *, waitlist: bool = True,
         promote_until_minutes: int | None = None) -> tuple[int, dict[str, Any]]:
    """Book a place, or join the waitlist when the class is full: (201, answer). Races end in one transaction
    each; a lost race re-reads the class and tries again."""
    repo = get_repository()
    for _ in range(ATTEMPTS):
        item = settle_offers(client_id, get_class(client_id, class_id, consistent=True))
        now = int(clock.now())
        _check_joinable(item, now)
        place = repo.get(keys.class_booking(client_id, class_id, user_id), consistent=True)
        refusal = _already(place, item, client_id)
        if refusal:
            raise refusal
        if int(item["bookedCount"]) < int(item["capacity"]):
            outcome = _try_book(client_id, item, user_id)
        elif not item["waitlist"]["enabled"] or not waitlist:
            raise _refused("CLASS_FULL", "This class is full", waitlist=bool(item["waitlist"]["enabled"]))
        else:
            outcome = _try_waitlist(client_id, item, user_id, promote_until_minutes)
        if outcome is not None:
            fresh = get_class(client_id, class_id, consistent=True)
            return 201, {"classBooking": outcome, "spotsLeft": max(0, int(fresh["capacity"]) -
                                                                    int(fresh["bookedCount"]))}
    raise TransactionConflict()


def _try_book(client_id: str, item: dict[str, Any], user_id: str) -> dict[str, Any] | None:
    class_id = int(item["id"])
    place = _place_item(client_id, item, user_id, BOOKED)
    actions = {
        "class": Action.update(keys.group_class(client_id, class_id), "ADD bookedCount :one", _FREE_SEAT,
                               names={"#s": "status", "#capacity": "capacity"}, values={":one": 1, ":scheduled": SCHEDULED}),
        "place": Action.put(place, _NEW_PLACE, names={"#s": "status"}, values=_REJOIN_VALUES),
    }
    failing = _run(actions)
    if not failing:
        return place_view(item, place)
    if "place" in failing:
        raise _already(failing["place"], item, client_id) or TransactionConflict()
    return None  # the last seat went meanwhile: read again


def _try_waitlist(client_id: str, item: dict[str, Any], user_id: str,
                  promote_until_minutes: int | None) -> dict[str, Any] | None:
    repo = get_repository()
    class_id = int(item["id"])
    ticket = int(repo.update(keys.group_class(client_id, class_id), "ADD waitlistSeq :one",
                             values={":one": 1}, return_values="UPDATED_NEW")["waitlistSeq"])
    promote_until = int(item["startsAt"]) - promote_until_minutes * 60 if promote_until_minutes else None
    place = _place_item(client_id, item, user_id, WAITLISTED, ticket=ticket, promoteUntil=promote_until)
    actions = {
        "class": Action.update(keys.group_class(client_id, class_id), "ADD waitlistCount :one",
                               "#s = :scheduled AND bookedCount >= #capacity AND waitlistCount < :cap",
                               names={"#s": "status", "#capacity": "capacity"},
                               values={":one": 1, ":scheduled": SCHEDULED, ":cap": int(item["waitlist"]["capacity"])}),
        "ticket": Action.put({**keys.waitlist_entry(client_id, class_id, ticket), "userId": user_id,
                              "promoteUntil": promote_until}, "attribute_not_exists(PK)"),
        "place": Action.put(place, _NEW_PLACE, names={"#s": "status"}, values=_REJOIN_VALUES),
    }
    failing = _run(actions)
    if not failing:
        return place_view(item, place, waitlist_position(client_id, class_id, ticket))
    if "place" in failing:
        raise _already(failing["place"], item, client_id) or TransactionConflict()
    fresh = get_class(client_id, class_id, consistent=True)
    if fresh["status"] == SCHEDULED and int(fresh["bookedCount"]) >= int(fresh["capacity"]) \
            and int(fresh["waitlistCount"]) >= int(fresh["waitlist"]["capacity"]):
        raise _refused("WAITLIST_FULL", "This class and its waitlist are full")
    return None  # a seat opened or the class changed: read again


def _run(actions: dict[str, Action]) -> dict[str, dict[str, Any] | None]:
    """Run named actions as one transaction: {} on success, else {name: old item} of each failed condition."""
    names = list(actions)
    try:
        get_repository().transact(list(actions.values()))
    except TransactionFailed as failed:
        return {names[i]: failed.old_items[i] if i < len(failed.old_items) else None
                for i, reason in enumerate(failed.reasons) if reason == "ConditionalCheckFailed"} or \
            {"unknown": None}
    return {}


# --- leaving and promotion ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quote:
    status: str
    penalty: dict[str, Any]


def quote(item: dict[str, Any], place: dict[str, Any], now: int) -> Quote:
    """What leaving now means: free, late (with the policy's penalty), or refused once the class started."""
    if place["status"] in (WAITLISTED,):
        return Quote(LEFT_WAITLIST, _penalty(None))
    at = windows(item)
    if place["status"] == OFFERED or now < at["freeCancelUntil"]:
        return Quote(CANCELLED, _penalty(None))
    if now < min(at["lateCancelUntil"], at["starts"]):
        return Quote(LATE_CANCELLED, _penalty(item["cancellationPolicy"].get("lateCancelPenalty")))
    raise _refused("BOOKING_NOT_CANCELLABLE", "This class has started; it can no longer be left",
                   reason="started")


def leave(client_id: str, user_id: str, class_id: int, *, dry_run: bool = False) -> dict[str, Any]:
    """Leave a class or its waitlist. A dry run quotes the outcome and changes nothing; leaving again answers
    the stored state."""
    repo = get_repository()
    for _ in range(ATTEMPTS):
        item = settle_offers(client_id, get_class(client_id, class_id, consistent=True))
        place = repo.get(keys.class_booking(client_id, class_id, user_id), consistent=True)
        if place is None:
            raise not_found("Class booking")
        if place["status"] not in (BOOKED, WAITLISTED, OFFERED):
            return {"classBooking": place_view(item, place), "penalty": _penalty(place.get("penalty")),
                    "dryRun": dry_run}
        now = int(clock.now())
        outcome = quote(item, place, now)
        if dry_run:
            return {"classBooking": {**place_view(item, place), "status": outcome.status},
                    "penalty": outcome.penalty, "dryRun": True}
        if _try_leave(client_id, item, place, outcome, now):
            left = repo.get(keys.class_booking(client_id, class_id, user_id), consistent=True) or place
            return {"classBooking": place_view(item, left), "penalty": outcome.penalty, "dryRun": False}
    raise TransactionConflict()


def _try_leave(client_id: str, item: dict[str, Any], place: dict[str, Any], outcome: Quote, now: int) -> bool:
    class_id, user_id = int(item["id"]), place["userId"]
    actions: dict[str, Action] = {"place": Action.update(
        keys.class_booking(client_id, class_id, user_id), "SET #s = :new, updatedAt = :t, penalty = :p",
        "#s = :old", names={"#s": "status"},
        values={":new": outcome.status, ":old": place["status"], ":t": clock.iso(now), ":p": outcome.penalty})}
    if place["status"] == WAITLISTED:
        actions["ticket"] = Action.delete(keys.waitlist_entry(client_id, class_id, int(place["ticket"])),
                                          "attribute_exists(PK)")
        actions["class"] = Action.update(keys.group_class(client_id, class_id), "ADD waitlistCount :minus",
                                         values={":minus": -1})
    else:
        released = "offeredCount" if place["status"] == OFFERED else None
        actions.update(_hand_over(client_id, item, now, released_offer=released is not None))
    return not _run(actions)


def _hand_over(client_id: str, item: dict[str, Any], now: int, *, released_offer: bool = False,
               exclude: str = "") -> dict[str, Action]:
    """The actions that pass one freed place on: to the first eligible waiting member (booked, or offered in
    offer mode) before the cut-off, else back to the class's free places."""
    class_key = keys.group_class(client_id, int(item["id"]))
    offer_delta = -1 if released_offer else 0
    heads = _eligible_heads(client_id, item, now, 1, exclude) if now < windows(item)["promoteUntil"] else []
    if not heads:
        return {"class": Action.update(class_key, "ADD bookedCount :minus, offeredCount :offers",
                                       values={":minus": -1, ":offers": offer_delta})}
    offer = item["waitlist"]["mode"] == "offer"
    return {**_promotion(client_id, item, heads[0], now, ""),
            "class": Action.update(class_key, "ADD waitlistCount :minus, offeredCount :offers",
                                   values={":minus": -1, ":offers": offer_delta + (1 if offer else 0)})}


def _promotion(client_id: str, item: dict[str, Any], head: dict[str, Any], now: int, tag: str) -> dict[str, Action]:
    """A waiting member's ticket turned into a place (booked, or offered in offer mode): their place changes
    only while it is still waiting, and their ticket goes. The class's counts are the caller's to change."""
    offer = item["waitlist"]["mode"] == "offer"
    expires = min(now + int(item["waitlist"]["offerMinutes"]) * 60, windows(item)["promoteUntil"])
    head_update = ("SET #s = :offered, offerExpiresAt = :exp, updatedAt = :t REMOVE ticket" if offer
                   else "SET #s = :booked, promotedAt = :t, updatedAt = :t REMOVE ticket")
    values: dict[str, Any] = {":waiting": WAITLISTED, ":t": clock.iso(now)}
    values.update({":offered": OFFERED, ":exp": expires} if offer else {":booked": BOOKED})
    return {
        f"head{tag}": Action.update(keys.class_booking(client_id, int(item["id"]), head["userId"]), head_update,
                                    "#s = :waiting", names={"#s": "status"}, values=values),
        f"headTicket{tag}": Action.delete({"PK": head["PK"], "SK": head["SK"]}, "attribute_exists(PK)"),
    }


def _eligible_heads(client_id: str, item: dict[str, Any], now: int, count: int,
                    exclude: str = "") -> list[dict[str, Any]]:
    """The first `count` waiting tickets whose members still want a place now (the others keep theirs); one
    Query bounded by `count` plus the skipped members looked past."""
    tickets = get_repository().query(keys.group_class_pk(client_id, int(item["id"])),
                                     sk_prefix=keys.WAITLIST_PREFIX, limit=count + HEAD_SCAN, consistent=True)
    return [t for t in tickets if t["userId"] != exclude
            and (t.get("promoteUntil") is None or now < int(t["promoteUntil"]))][:count]


def settle_offers(client_id: str, item: dict[str, Any]) -> dict[str, Any]:
    """Pass on offers that ran out (offer mode), lazily: whoever reads or changes the class settles them."""
    if int(item.get("offeredCount") or 0) <= 0:
        return item
    now = int(clock.now())
    repo = get_repository()
    places = repo.query(keys.group_class_pk(client_id, int(item["id"])), sk_prefix=keys.CLASS_MEMBER_PREFIX,
                        consistent=True, filter_expression="#s = :offered", names={"#s": "status"},
                        values={":offered": OFFERED})
    changed = False
    for place in places:
        if int(place["offerExpiresAt"]) > now:
            continue
        actions = {"place": Action.update({"PK": place["PK"], "SK": place["SK"]}, "SET #s = :expired, updatedAt = :t",
                                          "#s = :offered AND offerExpiresAt <= :now", names={"#s": "status"},
                                          values={":expired": OFFER_EXPIRED, ":offered": OFFERED, ":t": clock.iso(now),
                                                  ":now": now})}
        actions.update(_hand_over(client_id, item, now, released_offer=True, exclude=place["userId"]))
        changed = not _run(actions) or changed
    return get_class(client_id, int(item["id"]), consistent=True) if changed else item


def accept_offer(client_id: str, user_id: str, class_id: int) -> dict[str, Any]:
    item = settle_offers(client_id, get_class(client_id, class_id, consistent=True))
    place = get_repository().get(keys.class_booking(client_id, class_id, user_id), consistent=True)
    if place is None:
        raise not_found("Class booking")
    if place["status"] == BOOKED:
        return {"classBooking": place_view(item, place)}
    now = int(clock.now())
    if place["status"] != OFFERED or int(place["offerExpiresAt"]) <= now:
        raise _refused("OFFER_EXPIRED", "This offer has run out or was never made", status=place["status"])
    actions = {
        "place": Action.update({"PK": place["PK"], "SK": place["SK"]}, "SET #s = :booked, updatedAt = :t",
                               "#s = :offered AND offerExpiresAt > :now", names={"#s": "status"},
                               values={":booked": BOOKED, ":offered": OFFERED, ":t": clock.iso(now), ":now": now}),
        "class": Action.update(keys.group_class(client_id, class_id), "ADD offeredCount :minus",
                               values={":minus": -1}),
    }
    if _run(actions):
        raise _refused("OFFER_EXPIRED", "This offer has run out")
    return {"classBooking": place_view(item, {**place, "status": BOOKED})}


# --- the studio's side ----------------------------------------------------------------------------------------
def cancel_class(client_id: str, class_id: int) -> dict[str, Any]:
    """Cancel a class: every place (booked, offered, waiting) ends as cancelled_by_studio, with no penalty, and
    the waitlist is emptied. Cancelling again answers the cancelled class."""
    repo = get_repository()
    item = get_class(client_id, class_id, consistent=True)
    if item["status"] != CLASS_CANCELLED:
        repo.update(keys.group_class(client_id, class_id), "SET #s = :c, cancelledAt = :t", names={"#s": "status"},
                    values={":c": CLASS_CANCELLED, ":t": clock.iso()}, return_values="NONE")
    partition = repo.query(keys.group_class_pk(client_id, class_id), consistent=True)
    actions: list[Action] = []
    for entry in partition:
        if entry["SK"].startswith(keys.WAITLIST_PREFIX):
            actions.append(Action.delete({"PK": entry["PK"], "SK": entry["SK"]}))
        elif entry["SK"].startswith(keys.CLASS_MEMBER_PREFIX) and entry["status"] in (BOOKED, WAITLISTED, OFFERED):
            actions.append(Action.update({"PK": entry["PK"], "SK": entry["SK"]},
                                         "SET #s = :c, updatedAt = :t REMOVE ticket", names={"#s": "status"},
                                         values={":c": CANCELLED_BY_STUDIO, ":t": clock.iso()}))
    for start in range(0, len(actions), 100):
        repo.transact(actions[start:start + 100])
    repo.update(keys.group_class(client_id, class_id), "SET bookedCount = :z, waitlistCount = :z, offeredCount = :z",
                values={":z": 0}, return_values="NONE")
    return class_view(get_class(client_id, class_id, consistent=True), detail=True)


def roster(client_id: str, class_id: int) -> dict[str, Any]:
    """Booked and offered members, then the waitlist in its order (for the trainer)."""
    item = settle_offers(client_id, get_class(client_id, class_id, consistent=True))
    partition = get_repository().query(keys.group_class_pk(client_id, class_id), consistent=True)
    places = {p["userId"]: p for p in partition if p["SK"].startswith(keys.CLASS_MEMBER_PREFIX)}
    tickets = [t for t in partition if t["SK"].startswith(keys.WAITLIST_PREFIX)]
    booked = [place_view(item, p) for p in places.values() if p["status"] in HOLDS_A_PLACE + (ATTENDED, NO_SHOW)]
    waiting = [place_view(item, places[t["userId"]], n + 1) for n, t in enumerate(tickets) if t["userId"] in places]
    return {"class": class_view(item, detail=True), "booked": booked, "waitlist": waiting}


def _current_state(place: dict[str, Any], message: str) -> AppError:
    return _refused("INVALID_STATE_TRANSITION", message, currentState=place["status"])


def change_class(client_id: str, class_id: int, *, capacity: int | None = None, name: str | None = None,
                 description: str | None = None) -> dict[str, Any]:
    """Edit a scheduled class. A capacity below the places taken is refused (CAPACITY_BELOW_BOOKED); a higher
    one passes the new places to the head of the waitlist in the same transaction as the change (before the
    promotion cut-off), so no newcomer can take a place someone was waiting for."""
    item = get_class(client_id, class_id, consistent=True)
    if item["status"] == CLASS_CANCELLED:
        raise _refused("CLASS_CANCELLED", "This class has been cancelled")
    texts = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
    if texts:
        try:
            get_repository().update(keys.group_class(client_id, class_id),
                                    "SET " + ", ".join(f"#{k} = :{k}" for k in texts), condition="#s = :scheduled",
                                    names={"#s": "status", **{f"#{k}": k for k in texts}},
                                    values={":scheduled": SCHEDULED, **{f":{k}": v for k, v in texts.items()}},
                                    return_values="NONE")
        except ConditionFailed:
            raise _refused("CLASS_CANCELLED", "This class has been cancelled") from None
    if capacity is not None:
        _set_capacity(client_id, class_id, capacity)
    return class_view(get_class(client_id, class_id, consistent=True), detail=True)


MAX_PROMOTIONS_AT_ONCE = 45  # two actions each plus the class's own, within one transaction's 100 actions


def _set_capacity(client_id: str, class_id: int, capacity: int) -> None:
    """Move the capacity to `capacity` in steps of at most MAX_PROMOTIONS_AT_ONCE promotions, each step one
    transaction: the class's capacity and counts, and the promoted members' places and tickets."""
    lost_races = 0
    while lost_races < ATTEMPTS:
        item = settle_offers(client_id, get_class(client_id, class_id, consistent=True))
        if item["status"] == CLASS_CANCELLED:
            raise _refused("CLASS_CANCELLED", "This class has been cancelled")
        booked, current = int(item["bookedCount"]), int(item["capacity"])
        if capacity < booked:
            raise _refused("CAPACITY_BELOW_BOOKED", "More places are taken than this capacity allows",
                           bookedCount=booked, capacity=capacity)
        if capacity == current:
            return
        now = int(clock.now())
        wanted = min(capacity - booked, MAX_PROMOTIONS_AT_ONCE)
        heads = (_eligible_heads(client_id, item, now, wanted)
                 if capacity > current and int(item["waitlistCount"]) > 0 and now < windows(item)["promoteUntil"]
                 else [])
        step = booked + len(heads) if len(heads) == MAX_PROMOTIONS_AT_ONCE else capacity
        offers = len(heads) if item["waitlist"]["mode"] == "offer" else 0
        actions: dict[str, Action] = {"class": Action.update(
            keys.group_class(client_id, class_id),
            "SET #capacity = :new ADD bookedCount :k, waitlistCount :minus, offeredCount :offers",
            "#s = :scheduled AND #capacity = :old AND bookedCount <= :room",
            names={"#s": "status", "#capacity": "capacity"},
            values={":new": step, ":k": len(heads), ":minus": -len(heads), ":offers": offers,
                    ":scheduled": SCHEDULED, ":old": current, ":room": step - len(heads)})}
        for n, head in enumerate(heads):
            actions.update(_promotion(client_id, item, head, now, str(n)))
        if _run(actions):
            lost_races += 1  # a join, leave or another edit came first: read again
    raise TransactionConflict()


def _open_class_place(client_id: str, item: dict[str, Any], user_id: str) -> dict[str, Any]:
    """A member's place in a class staff act on: refused when the class is cancelled, 404 when there is none."""
    if item["status"] == CLASS_CANCELLED:
        raise _refused("CLASS_CANCELLED", "This class has been cancelled")
    place = get_repository().get(keys.class_booking(client_id, int(item["id"]), user_id), consistent=True)
    if place is None:
        raise not_found("Class booking")
    return place


def promote(client_id: str, class_id: int, user_id: str, staff_id: str) -> dict[str, Any]:
    """A staff override: a waiting (or offered) member is booked now, out of order or after the cut-off, into
    a free place (a full class is CLASS_FULL: raise the capacity first). The place records who promoted it."""
    repo = get_repository()
    for _ in range(ATTEMPTS):
        item = settle_offers(client_id, get_class(client_id, class_id, consistent=True))
        place = _open_class_place(client_id, item, user_id)
        if place["status"] == BOOKED:
            return place_view(item, place)
        if place["status"] not in (WAITLISTED, OFFERED):
            raise _current_state(place, f"A place that is {place['status']} cannot be promoted")
        now = clock.iso()
        actions = {"place": Action.update(
            keys.class_booking(client_id, class_id, user_id),
            "SET #s = :booked, promotedAt = :t, promotedBy = :by, updatedAt = :t REMOVE ticket, offerExpiresAt",
            "#s = :old", names={"#s": "status"},
            values={":booked": BOOKED, ":t": now, ":by": staff_id, ":old": place["status"]})}
        class_key = keys.group_class(client_id, class_id)
        if place["status"] == WAITLISTED:
            actions["ticket"] = Action.delete(keys.waitlist_entry(client_id, class_id, int(place["ticket"])),
                                              "attribute_exists(PK)")
            actions["class"] = Action.update(class_key, "ADD bookedCount :one, waitlistCount :minus", _FREE_SEAT,
                                             names={"#s": "status", "#capacity": "capacity"},
                                             values={":one": 1, ":minus": -1, ":scheduled": SCHEDULED})
        else:  # an offered member already holds the place
            actions["class"] = Action.update(class_key, "ADD offeredCount :minus", values={":minus": -1})
        failing = _run(actions)
        if not failing:
            return place_view(item, repo.get(keys.class_booking(client_id, class_id, user_id), consistent=True)
                              or place)
        if "class" in failing:
            fresh = get_class(client_id, class_id, consistent=True)
            if fresh["status"] == SCHEDULED and int(fresh["bookedCount"]) >= int(fresh["capacity"]):
                raise _refused("CLASS_FULL", "This class is full: raise its capacity to promote someone",
                               capacity=int(fresh["capacity"]), bookedCount=int(fresh["bookedCount"]))
    raise TransactionConflict()


CHECK_IN_OPENS_MINUTES = 60


def mark_attendance(client_id: str, class_id: int, user_id: str, outcome: str, staff_id: str) -> dict[str, Any]:
    """Check a booked member in (from CHECK_IN_OPENS_MINUTES before the start) or mark them a no-show (once the
    class has started). Staff may correct one into the other; asking for the state a place is in answers it."""
    repo = get_repository()
    item = get_class(client_id, class_id, consistent=True)
    place = _open_class_place(client_id, item, user_id)
    if place["status"] == outcome:
        return place_view(item, place)
    if place["status"] not in (BOOKED, ATTENDED, NO_SHOW):
        raise _current_state(place, f"A place that is {place['status']} cannot be marked {outcome}")
    now, starts = int(clock.now()), int(item["startsAt"])
    opens = starts - CHECK_IN_OPENS_MINUTES * 60 if outcome == ATTENDED else starts
    if now < opens:
        raise _refused("INVALID_STATE_TRANSITION", f"A place can be marked {outcome} from {clock.iso(opens)}",
                       currentState=place["status"], reason="too_early", opensAt=clock.iso(opens))
    try:
        repo.update(keys.class_booking(client_id, class_id, user_id),
                    "SET #s = :new, markedBy = :by, markedAt = :t, updatedAt = :t", condition="#s = :old",
                    names={"#s": "status"},
                    values={":new": outcome, ":by": staff_id, ":t": clock.iso(now), ":old": place["status"]},
                    return_values="NONE")
    except ConditionFailed:
        fresh = repo.get(keys.class_booking(client_id, class_id, user_id), consistent=True) or place
        if fresh["status"] != outcome:
            raise _current_state(fresh, "This place changed meanwhile") from None
        return place_view(item, fresh)
    return place_view(item, {**place, "status": outcome})


def video_room(client_id: str, class_id: int, user_id: str) -> tuple[dict[str, Any], str]:
    """The class and its LiveKit room name for a booked member inside the join window, else a named 409/403."""
    item = get_class(client_id, class_id)
    if item["mode"] != "live_video":
        raise _refused("NOT_A_VIDEO_CLASS", "This class is held in person")
    place = get_repository().get(keys.class_booking(client_id, class_id, user_id))
    if not place or place["status"] != BOOKED:
        raise AppError("FORBIDDEN", "Only members booked into this class can join its video")
    at, now = windows(item), int(clock.now())
    opens, closes = at["starts"] - JOIN_OPENS_MINUTES * 60, at["ends"] + JOIN_CLOSES_MINUTES * 60
    if not opens <= now < closes:
        raise _refused("JOIN_WINDOW_CLOSED", "The class's video is not open now",
                       joinOpensAt=clock.iso(opens), joinClosesAt=clock.iso(closes))
    return item, f"{client_id}:class-{class_id:08d}"
