"""The voice agent's `programme_change` proposals: pause, resume or cancel one of the member's programme
subscriptions, through the same state machine as the app's routes (shared/domain/programmes.py).

Prepare previews the change (the rules refuse what the routes refuse: no pause left, a resume date not after
today, a completed subscription) and keeps the subscription's revision; confirm makes the change only from that
revision. If the subscription changed in between, the change is done anyway when the subscription already is
what the member agreed to (a confirm taken over after a crash, or the app made the same change), and otherwise
409 PROPOSAL_STALE says what it is now.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any

from shared import clock
from shared.domain import bookings, programmes
from shared.domain.agent_tools import spoken_date
from shared.domain.member_days import parse_date
from shared.errors import AppError

AGREED = ("status", "resumeOn", "cancelAt")  # what the member heard and agreed to
PROPOSAL_SECONDS = bookings.HOLD_SECONDS  # as long as any proposal of the agent lives


def _agreed(view: dict[str, Any]) -> dict[str, Any]:
    return {k: view.get(k) for k in AGREED}


def brief(view: dict[str, Any]) -> dict[str, Any]:
    """The subscription as the agent speaks of it."""
    return {k: view.get(k) for k in ("id", "programmeName", "status", "currentWeek", "endDate", "resumesOn",
                                     "cancelAt", "pauseCount", "pausedDaysUsed")}


def _day(value: str | None) -> str:
    return spoken_date(date.fromisoformat(value)) if value else ""


def _describe(change: str, before: dict[str, Any], after: dict[str, Any], today: date) -> tuple[str, str, str]:
    """(what, when, terms) of a change, in words."""
    name = str(after.get("programmeName") or "your programme")
    allowance = after["pauseAllowance"]
    if _agreed(before) == _agreed(after):
        return name, "", f"{name} is already {after['status']}: nothing changes"
    if change == "pause":
        until = f"until {_day(after['resumesOn'])}" if after.get("resumesOn") else "until you resume it"
        pauses = int(allowance["maxPauses"]) - int(after["pauseCount"])
        days = int(allowance["maxPausedDays"]) - int(after["pausedDaysUsed"])
        return (f"pause {name}", f"from {_day(after['pausedAt'])} {until}",
                f"your end date moves by the paused days; after this you have {pauses} "
                f"pause{'s' if pauses != 1 else ''} and {days} paused days left")
    if change == "resume":
        return f"resume {name}", f"from {spoken_date(today)}", f"it will end on {_day(after['endDate'])}"
    if after["status"] == programmes.CANCELLED:
        return f"cancel {name}", "now", "it stops today and cannot be undone"
    return (f"cancel {name}", f"at the end of its period ({_day(after['cancelAt'])})",
            f"it stays active until {_day(after['endDate'])}, then stops")


def _resume_on(params: dict[str, Any]) -> date | None:
    value = params.get("resumeOn")
    return parse_date(str(value), "resumeOn") if value else None


def prepare(client_id: str, user_id: str, params: dict[str, Any]) -> dict[str, Any]:
    subscription_id, change = str(params["subscriptionId"]), str(params["change"])
    resume_on = _resume_on(params)
    at_period_end = bool(params.get("atPeriodEnd"))
    seen = programmes.preview(client_id, user_id, subscription_id, change, resume_on=resume_on,
                              at_period_end=at_period_end)
    before, after = seen["before"], seen["after"]
    today, zone = programmes.member_today(client_id, user_id)
    what, when, terms = _describe(change, before, after, today)
    summary = {"what": what, "when": when, "startsAt": None, "timeZone": zone,
               "price": None, "priceMinor": None, "currency": None, "cancellationPolicy": terms, "penalty": None,
               "bookingId": None, "classId": None, "subscriptionId": subscription_id,
               "programmeChange": {"change": change, "before": brief(before), "after": brief(after)}}
    if _agreed(before) == _agreed(after):
        say = f"{terms}."
    else:
        ask = {"pause": "Shall I pause it?", "resume": "Shall I resume it?"}.get(change, "Go ahead?")
        say = f"{what[0].upper()}{what[1:]} {when}: {terms}. {ask}"
    return {"params": {"subscriptionId": subscription_id, "change": change,
                       "resumeOn": resume_on.isoformat() if resume_on else None, "atPeriodEnd": at_period_end},
            "expiresAtEpoch": int(clock.now()) + PROPOSAL_SECONDS, "summary": summary, "say": say,
            "expected": json.dumps({"rev": seen["rev"], "after": _agreed(after)}, sort_keys=True)}


def confirm(client_id: str, user_id: str, item: dict[str, Any]) -> dict[str, Any]:
    params, expected = item["params"], json.loads(item["expected"])
    subscription_id = str(params["subscriptionId"])
    try:
        done = programmes.transition(client_id, user_id, subscription_id, str(params["change"]),
                                     resume_on=_resume_on(params),
                                     at_period_end=bool(params.get("atPeriodEnd")),
                                     expected_rev=int(expected["rev"]))["subscription"]
    except AppError as refused:
        if refused.code != "CONFLICT":
            raise
        today, _ = programmes.member_today(client_id, user_id)
        done = programmes.subscription_view(programmes.get_subscription(client_id, user_id, subscription_id), today)
        if _agreed(done) != expected["after"]:
            raise AppError("PROPOSAL_STALE", "The subscription changed since the proposal",
                           {"proposalId": item["proposalId"],
                            "changed": {"before": expected["after"], "now": _agreed(done)}}) from None
    said = {"paused": "Paused", "active": "Resumed" if params["change"] == "resume" else "Done",
            "cancelled": "Cancelled"}.get(str(done["status"]), "Done")
    if params["change"] == "cancel" and done.get("cancelAt") and done["status"] != programmes.CANCELLED:
        said = f"Done: it ends after {_day(done['endDate'])}"
    return {"booking": None, "classBooking": None, "subscription": brief(done),
            "say": f"{said}: {done.get('programmeName') or 'your programme'}."}
