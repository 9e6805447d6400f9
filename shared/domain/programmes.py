"""Programmes (a trainer's multi-week template) and members' subscriptions to them.

A subscription is a small state machine: scheduled -> active <-> paused -> cancelled | completed. Its stored
state changes only by compare-and-set on a revision number, so two racing transitions leave one winner. What the
calendar does by itself (a start date arriving, a scheduled resume, the end date passing, a cancellation at the
period's end) is derived on read from the member's local date (`effective`), at the member's local midnight,
and written with the next transition. A pause freezes the programme's clock: the end date moves by the paused
days and the week does not advance. Pauses are limited per subscription (count and days); an open-ended pause
ends by itself when the allowance of days runs out. Asking for the state a subscription is already in answers it.

Templates are versioned: an edit makes a new version, and running subscriptions keep the one they started with.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared import clock
from shared.db import keys
from shared.db.repository import Action, ConditionFailed, TransactionFailed, get_repository
from shared.domain import clients, member_days
from shared.errors import AppError, not_found

SCHEDULED, ACTIVE, PAUSED, CANCELLED, COMPLETED = "scheduled", "active", "paused", "cancelled", "completed"
TERMINAL = (CANCELLED, COMPLETED)
DEFAULT_PAUSE_POLICY = {"maxPauses": 2, "maxPausedDays": 30}
MAX_START_DAYS_AHEAD = 90


def _conflict(current: str, message: str) -> AppError:
    return AppError("INVALID_STATE_TRANSITION", message, {"currentState": current})


# --- templates ------------------------------------------------------------------------------------------------
def create_programme(client_id: str, *, trainer_id: int, name: str, description: str, duration_weeks: int,
                     sessions_per_week: int, level: str, price: float, currency: str,
                     weeks: list[dict[str, Any]] | None = None,
                     pause_policy: dict[str, int] | None = None) -> dict[str, Any]:
    repo = get_repository()
    programme_id = repo.next_id("programme")
    body = {"id": programme_id, "clientId": client_id, "trainerId": trainer_id, "name": name,
            "description": description, "durationWeeks": duration_weeks, "sessionsPerWeek": sessions_per_week,
            "level": level, "price": price, "currency": currency, "weeks": weeks or [],
            "pausePolicy": {**DEFAULT_PAUSE_POLICY, **(pause_policy or {})}, "status": "published", "version": 1,
            "updatedAt": clock.iso()}
    repo.transact([
        Action.put({**keys.programme(client_id, programme_id), **body, "GSI1PK": keys.programme_index(client_id),
                    "GSI1SK": f"{name.lower()}#{programme_id:08d}"}, "attribute_not_exists(PK)"),
        Action.put({**keys.programme_version(client_id, programme_id, 1), **body}, "attribute_not_exists(PK)"),
    ])
    return body


def revise_programme(client_id: str, programme_id: int, changes: dict[str, Any],
                     expected_version: int | None = None) -> dict[str, Any]:
    """A new version of the template (running subscriptions keep theirs); CAS on the version number, the one
    the editor read when given (two editors of one version: one wins, the other is CONFLICT)."""
    repo = get_repository()
    current = get_programme(client_id, programme_id)
    if expected_version is not None and int(current["version"]) != expected_version:
        raise AppError("CONFLICT", "The programme changed meanwhile; read it again",
                       {"currentVersion": int(current["version"])})
    body = {k: v for k, v in current.items() if not k.startswith(("PK", "SK", "GSI"))}
    body.update(changes, version=int(current["version"]) + 1, updatedAt=clock.iso())
    try:
        repo.transact([
            Action.put({**keys.programme(client_id, programme_id), **body, "GSI1PK": current["GSI1PK"],
                        "GSI1SK": f"{body['name'].lower()}#{programme_id:08d}"}, "version = :v",
                       values={":v": int(current["version"])}),
            Action.put({**keys.programme_version(client_id, programme_id, body["version"]), **body},
                       "attribute_not_exists(PK)"),
        ])
    except TransactionFailed:
        raise AppError("CONFLICT", "The programme changed meanwhile; read it again",
                       {"currentVersion": int(get_programme(client_id, programme_id)["version"])}) from None
    return body


def get_programme(client_id: str, programme_id: int, version: int | None = None) -> dict[str, Any]:
    key = keys.programme_version(client_id, programme_id, version) if version else keys.programme(client_id,
                                                                                                   programme_id)
    item = get_repository().get(key)
    if item is None or (version is None and item.get("status") != "published"):
        raise not_found("Programme")
    return item


def list_programmes(client_id: str) -> list[dict[str, Any]]:
    return [p for p in get_repository().query(keys.programme_index(client_id), index="GSI1")
            if p.get("status") == "published"]


def programme_view(item: dict[str, Any], *, detail: bool = False) -> dict[str, Any]:
    answer = {"id": int(item["id"]), "name": item["name"], "description": item["description"],
              "trainerId": int(item["trainerId"]), "price": item["price"], "currency": item["currency"],
              "durationWeeks": int(item["durationWeeks"]), "sessionsPerWeek": int(item["sessionsPerWeek"]),
              "level": item["level"], "version": int(item["version"]),
              "pausePolicy": {k: int(v) for k, v in item["pausePolicy"].items()}}
    if detail:
        answer["weeks"] = item.get("weeks") or []
    return answer


# --- the state machine (pure) ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Subscription:
    id: str
    programme_id: int
    version: int
    status: str
    start: date
    end: date
    paused_at: date | None = None
    resume_on: date | None = None
    paused_days: int = 0
    pause_count: int = 0
    cancel_at: date | None = None
    max_pauses: int = DEFAULT_PAUSE_POLICY["maxPauses"]
    max_paused_days: int = DEFAULT_PAUSE_POLICY["maxPausedDays"]
    duration_weeks: int = 1


def _resume(sub: Subscription, on: date) -> Subscription:
    """Back to active on `on`: the paused days are added to the end date and to the days used."""
    days = max(0, (on - sub.paused_at).days) if sub.paused_at else 0
    return replace(sub, status=ACTIVE, paused_at=None, resume_on=None, paused_days=sub.paused_days + days,
                   end=sub.end + timedelta(days=days))


def auto_resume_on(sub: Subscription) -> date | None:
    """When a pause ends by itself: its resumeOn, or when the allowance of paused days runs out."""
    if sub.status != PAUSED or sub.paused_at is None:
        return None
    limit = sub.paused_at + timedelta(days=max(0, sub.max_paused_days - sub.paused_days))
    return min(sub.resume_on, limit) if sub.resume_on else limit


def effective(sub: Subscription, today: date) -> Subscription:
    """The subscription as the calendar has moved it by `today` (the member's local date)."""
    if sub.status == SCHEDULED and today >= sub.start:
        sub = replace(sub, status=ACTIVE)
    resume = auto_resume_on(sub)
    if resume is not None and today >= resume:
        sub = _resume(sub, resume)
    if sub.status == ACTIVE and sub.cancel_at and today >= sub.cancel_at:
        sub = replace(sub, status=CANCELLED)
    if sub.status == ACTIVE and today > sub.end:
        sub = replace(sub, status=COMPLETED)
    return sub


def current_week(sub: Subscription, today: date) -> int:
    """The programme week the member is in (0 before the start); frozen while paused."""
    if sub.status == SCHEDULED:
        return 0
    upto = sub.paused_at if sub.status == PAUSED and sub.paused_at else min(today, sub.end)
    return max(1, min(sub.duration_weeks, ((upto - sub.start).days - sub.paused_days) // 7 + 1))


def pause(sub: Subscription, today: date, resume_on: date | None) -> Subscription:
    if sub.status == PAUSED:
        return replace(sub, resume_on=resume_on) if resume_on else sub
    if sub.status != ACTIVE:
        raise _conflict(sub.status, f"A {sub.status} subscription cannot be paused")
    if sub.pause_count >= sub.max_pauses:
        raise AppError("PAUSE_LIMIT_REACHED", "This subscription has used all its pauses",
                       {"maxPauses": sub.max_pauses, "pauseCount": sub.pause_count})
    if resume_on is not None:
        if resume_on <= today:
            raise AppError("VALIDATION_ERROR", "Invalid request: resumeOn",
                           [{"field": "resumeOn", "reason": "must be after today in your time zone"}])
        if sub.paused_days + (resume_on - today).days > sub.max_paused_days:
            raise AppError("PAUSE_LIMIT_REACHED", "This pause is longer than the days left to pause",
                           {"maxPausedDays": sub.max_paused_days, "pausedDaysUsed": sub.paused_days})
    elif sub.paused_days >= sub.max_paused_days:
        raise AppError("PAUSE_LIMIT_REACHED", "No paused days are left",
                       {"maxPausedDays": sub.max_paused_days, "pausedDaysUsed": sub.paused_days})
    return replace(sub, status=PAUSED, paused_at=today, resume_on=resume_on, pause_count=sub.pause_count + 1)


def resume(sub: Subscription, today: date) -> Subscription:
    if sub.status == ACTIVE:
        return sub
    if sub.status != PAUSED:
        raise _conflict(sub.status, f"A {sub.status} subscription cannot be resumed")
    return _resume(sub, today)


def cancel(sub: Subscription, today: date, at_period_end: bool) -> Subscription:
    if sub.status == CANCELLED:
        return sub
    if sub.status == COMPLETED:
        raise _conflict(sub.status, "A completed subscription cannot be cancelled")
    if at_period_end and sub.status != SCHEDULED:
        return replace(sub, cancel_at=sub.end + timedelta(days=1))
    return replace(sub, status=CANCELLED, cancel_at=today)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def sessions_for(sub: Subscription, weeks: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """The template's sessions a subscription holds on the member's local `day`: none unless it is active that
    day (a paused programme's clock stands still, and so does its plan), else those of the week its clock shows
    on that weekday."""
    sub = effective(sub, day)
    if sub.status != ACTIVE or not sub.start <= day <= sub.end:
        return []
    week = current_week(sub, day)
    return [{"week": week, "day": s["day"], "name": s["name"], "description": s.get("description") or ""}
            for w in weeks if int(w["week"]) == week for s in w.get("sessions") or []
            if s["day"] == WEEKDAYS[day.weekday()]]


# --- storage ----------------------------------------------------------------------------------------------------
def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _from_item(item: dict[str, Any]) -> Subscription:
    return Subscription(id=item["id"], programme_id=int(item["programmeId"]), version=int(item["programmeVersion"]),
                        status=item["status"], start=date.fromisoformat(item["startDate"]),
                        end=date.fromisoformat(item["endDate"]), paused_at=_day(item.get("pausedAt")),
                        resume_on=_day(item.get("resumeOn")), paused_days=int(item.get("pausedDaysUsed", 0)),
                        pause_count=int(item.get("pauseCount", 0)), cancel_at=_day(item.get("cancelAt")),
                        max_pauses=int(item["pausePolicy"]["maxPauses"]),
                        max_paused_days=int(item["pausePolicy"]["maxPausedDays"]),
                        duration_weeks=int(item["durationWeeks"]))


def _fields(sub: Subscription) -> dict[str, Any]:
    def iso(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {"status": sub.status, "startDate": iso(sub.start), "endDate": iso(sub.end), "pausedAt": iso(sub.paused_at),
            "resumeOn": iso(sub.resume_on), "pausedDaysUsed": sub.paused_days, "pauseCount": sub.pause_count,
            "cancelAt": iso(sub.cancel_at)}


def member_today(client_id: str, user_id: str) -> tuple[date, str]:
    """The member's local date and zone, as their daily plan counts days (member_days: settings.timeZone, else
    the studio's, else UTC)."""
    user = get_repository().get(keys.user(client_id, user_id)) or {}
    zone = member_days.zone_name(user, clients.get_client(client_id))
    try:
        tz = member_days.zone(zone)
    except AppError:
        zone, tz = "UTC", ZoneInfo("UTC")
    return datetime.fromtimestamp(clock.now(), tz).date(), zone


def subscription_view(item: dict[str, Any], today: date) -> dict[str, Any]:
    sub = effective(_from_item(item), today)
    resumes = auto_resume_on(sub)
    return {"id": sub.id, "programmeId": sub.programme_id, "programmeVersion": sub.version,
            "programmeName": item.get("programmeName"), "currentWeek": current_week(sub, today),
            "pauseAllowance": {"maxPauses": sub.max_pauses, "maxPausedDays": sub.max_paused_days},
            "resumesOn": resumes.isoformat() if resumes else None,
            **_fields(sub)}


def get_subscription(client_id: str, user_id: str, subscription_id: str) -> dict[str, Any]:
    item = get_repository().get(keys.programme_subscription(client_id, user_id, subscription_id), consistent=True)
    if item is None:
        raise not_found("Programme subscription")
    return item


def my_subscriptions(client_id: str, user_id: str) -> list[dict[str, Any]]:
    today, _ = member_today(client_id, user_id)
    items = get_repository().query(keys.user_pk(client_id, user_id), sk_prefix=keys.PROGRAMME_SUBSCRIPTION_PREFIX)
    return [subscription_view(i, today) for i in items]


def sessions_on(client_id: str, user_id: str, day: date) -> tuple[list[dict[str, Any]], bool]:
    """The member's programme sessions on their local `day` (one Query of their subscriptions, one GetItem of the
    template version of each active one), and whether a paused programme left that day empty."""
    items = get_repository().query(keys.user_pk(client_id, user_id), sk_prefix=keys.PROGRAMME_SUBSCRIPTION_PREFIX)
    found: list[dict[str, Any]] = []
    paused = False
    for item in items:
        sub = _from_item(item)
        state = effective(sub, day).status
        paused = paused or state == PAUSED
        if state != ACTIVE:
            continue
        weeks = get_programme(client_id, sub.programme_id, sub.version).get("weeks") or []
        found += [{"subscriptionId": sub.id, "programmeId": sub.programme_id,
                   "programmeName": item.get("programmeName") or "", **session}
                  for session in sessions_for(sub, weeks, day)]
    return found, paused


def subscribe(client_id: str, user_id: str, programme_id: int, start: date | None) -> tuple[int, dict[str, Any]]:
    """(201, new subscription), or (200, the live one) when the member already follows the programme."""
    repo = get_repository()
    programme = get_programme(client_id, programme_id)
    today, zone = member_today(client_id, user_id)
    start = start or today
    if not today <= start <= today + timedelta(days=MAX_START_DAYS_AHEAD):
        raise AppError("VALIDATION_ERROR", "Invalid request: startDate", [
            {"field": "startDate", "reason": f"must be between today ({today}) and {MAX_START_DAYS_AHEAD} days ahead "
                                             f"in your time zone ({zone})"}])
    enrolment = keys.programme_enrolment(client_id, user_id, programme_id)
    for _ in range(3):
        subscription_id = f"ps_{secrets.token_hex(10)}"
        sub = Subscription(id=subscription_id, programme_id=programme_id, version=int(programme["version"]),
                           status=SCHEDULED if start > today else ACTIVE, start=start,
                           end=start + timedelta(days=7 * int(programme["durationWeeks"]) - 1))
        item = {**keys.programme_subscription(client_id, user_id, subscription_id), "id": subscription_id,
                "userId": user_id, "programmeId": programme_id, "programmeVersion": int(programme["version"]),
                "programmeName": programme["name"], "durationWeeks": int(programme["durationWeeks"]),
                "pausePolicy": programme["pausePolicy"], "timeZone": zone, "rev": 0, "createdAt": clock.iso(),
                **_fields(sub)}
        try:
            repo.transact([Action.put({**enrolment, "subscriptionId": subscription_id}, "attribute_not_exists(PK)"),
                           Action.put(item, "attribute_not_exists(PK)")])
            return 201, {"subscription": subscription_view(item, today), "alreadySubscribed": False}
        except TransactionFailed:
            live = repo.get(enrolment, consistent=True)
            existing = repo.get(keys.programme_subscription(client_id, user_id, live["subscriptionId"]),
                                consistent=True) if live else None
            if existing and effective(_from_item(existing), today).status not in TERMINAL:
                return 200, {"subscription": subscription_view(existing, today), "alreadySubscribed": True}
            if live:  # the old subscription has ended: free the programme for this one
                try:
                    repo.delete(enrolment, condition="subscriptionId = :old", values={":old": live["subscriptionId"]})
                except ConditionFailed:
                    pass
    raise AppError("CONFLICT", "The subscription changed meanwhile; try again")


def _planned(client_id: str, user_id: str, subscription_id: str, action: str, resume_on: date | None,
             at_period_end: bool) -> tuple[dict[str, Any], date, Subscription]:
    """(stored item, the member's today, the subscription after `action`), nothing written; the rules refuse
    what the state machine does not allow."""
    item = get_subscription(client_id, user_id, subscription_id)
    today, _ = member_today(client_id, user_id)
    now_state = effective(_from_item(item), today)
    if action == "pause":
        after = pause(now_state, today, resume_on)
    elif action == "resume":
        after = resume(now_state, today)
    else:
        after = cancel(now_state, today, at_period_end)
    return item, today, after


def preview(client_id: str, user_id: str, subscription_id: str, action: str, *, resume_on: date | None = None,
            at_period_end: bool = False) -> dict[str, Any]:
    """What `transition` would do, without doing it: `{before, after, rev}` (views, and the stored revision the
    preview was made from, which a later `transition(expected_rev=...)` insists on)."""
    item, today, after = _planned(client_id, user_id, subscription_id, action, resume_on, at_period_end)
    return {"before": subscription_view(item, today), "after": subscription_view({**item, **_fields(after)}, today),
            "rev": int(item["rev"])}


def transition(client_id: str, user_id: str, subscription_id: str, action: str, *,
               resume_on: date | None = None, at_period_end: bool = False,
               expected_rev: int | None = None) -> dict[str, Any]:
    """pause | resume | cancel, by compare-and-set on the stored revision (the one read now, or
    `expected_rev`: the subscription must not have changed since a preview)."""
    repo = get_repository()
    item, today, after = _planned(client_id, user_id, subscription_id, action, resume_on, at_period_end)
    if expected_rev is not None and int(item["rev"]) != expected_rev:
        raise AppError("CONFLICT", "The subscription changed meanwhile; read it again",
                       {"reason": "changed", "currentState": item["status"]})
    fields = _fields(after)
    names = {f"#{k}": k for k in fields}
    sets = ", ".join(f"#{k} = :{k}" for k in fields)
    actions = [Action.update({"PK": item["PK"], "SK": item["SK"]}, f"SET {sets}, rev = :next, updatedAt = :t",
                             "rev = :rev", names=names,
                             values={**{f":{k}": v for k, v in fields.items()}, ":rev": int(item["rev"]),
                                     ":next": int(item["rev"]) + 1, ":t": clock.iso()})]
    if after.status in TERMINAL:
        actions.append(Action.delete(keys.programme_enrolment(client_id, user_id, after.programme_id),
                                     "attribute_not_exists(PK) OR subscriptionId = :sid",
                                     values={":sid": subscription_id}))
    try:
        repo.transact(actions)
    except TransactionFailed:
        raise AppError("CONFLICT", "The subscription changed meanwhile; read it again") from None
    return {"subscription": subscription_view({**item, **fields}, today)}
