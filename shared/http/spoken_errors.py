"""Errors the voice agent can speak: on its tool routes every error envelope also carries `say` (one short
sentence for the member) and `retryable` (whether the same call may succeed later unchanged).

The envelope stays the one of shared/errors.py (`success, error, code, details`); the two keys are added beside
it, so an app reading the usual envelope reads these answers too.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Coroutine

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shared.errors import AppError
from shared.idempotency import IdempotentRoute

RETRYABLE = frozenset({"RATE_LIMITED", "IDEMPOTENCY_IN_PROGRESS", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE",
                       "CONFLICT"})
SAYINGS: dict[str, str] = {
    "NOT_FOUND": "I couldn't find that.",
    "FORBIDDEN": "I'm not allowed to do that for you.",
    "FEATURE_DISABLED": "Your studio hasn't switched that on, so I can't do it here.",
    "TOOL_DISABLED": "Your studio has switched that off for me; you can still do it in the app.",
    "UNAUTHORIZED": "Your sign-in has ended; please sign in again in the app.",
    "TOKEN_EXPIRED": "Our session has timed out; please start a new conversation.",
    "CLIENT_SUSPENDED": "Your studio's account isn't active right now.",
    "SLOT_UNAVAILABLE": "That time isn't available any more.",
    "ALREADY_BOOKED": "You already have that booking, so nothing more is needed.",
    "OVERLAPPING_BOOKING": "You already have something booked at that time.",
    "BOOKING_NOT_CANCELLABLE": "That booking can't be cancelled any more.",
    "INVALID_STATE_TRANSITION": "That changed a moment ago; let me check it again.",
    "PROPOSAL_EXPIRED": "That offer has lapsed; shall I check the times again?",
    "PROPOSAL_STALE": "Something changed since I checked; let me look again before we go ahead.",
    "IDEMPOTENCY_IN_PROGRESS": "I'm still working on that; one moment.",
    "IDEMPOTENCY_KEY_REUSED": "That request clashed with an earlier one; let me try again.",
    "RATE_LIMITED": "Give me a moment before I try that again.",
    "CLASS_FULL": "That class is full.",
    "PAUSE_LIMIT_REACHED": "This programme has no pauses left, so I can't pause it.",
    "SERVICE_UNAVAILABLE": "The service is busy; I'll try again in a moment.",
    "INTERNAL_ERROR": "Something went wrong on our side; I'll try again in a moment.",
}
FIELD_NAMES = {"trainerId": "the trainer", "serviceId": "the service", "slotId": "the time", "date": "the date",
               "from": "the first date", "to": "the last date", "classId": "the class", "bookingId": "the booking",
               "maxDuration": "the free time", "goal": "the goal", "intensity": "the intensity",
               "amountMl": "the amount", "calories": "the calories", "durationMinutes": "the minutes",
               "mealType": "the meal", "name": "the name", "subscriptionId": "the programme", "resumeOn": "the resume date", "change": "the change",
               "Idempotency-Key": "the request's key"}


def say_for(code: str, details: Any) -> str:
    """One sentence for the member: what went wrong and, where it can, what to change."""
    if code == "VALIDATION_ERROR" and isinstance(details, list) and details:
        first = details[0]
        name = str(first.get("field") or "").split(".")[-1]
        return f"I couldn't use {FIELD_NAMES.get(name, name or 'that')}: {first.get('reason')}. Could you change it?"
    said = SAYINGS.get(code, "Sorry, I couldn't do that.")
    if code == "SLOT_UNAVAILABLE" and isinstance(details, dict) and details.get("alternatives"):
        times = [f"{a['date']} at {a['time']}" for a in details["alternatives"][:3]]
        zone = details.get("timeZone")
        said += f" The next free times are {', '.join(times)}" + (f" ({zone})." if zone else ".")
    if code in ("ALREADY_BOOKED", "OVERLAPPING_BOOKING") and isinstance(details, dict) and details.get("when"):
        said += f" It is on {details['when']}."
    return said


def spoken(response: Response) -> Response:
    """An error envelope with `say` and `retryable` added (other answers unchanged)."""
    if response.status_code < 400 or not response.headers.get("content-type", "").startswith("application/json"):
        return response
    try:
        body = json.loads(bytes(response.body))
    except (ValueError, AttributeError):
        return response
    if not isinstance(body, dict) or body.get("success") is not False:
        return response
    code = str(body.get("code") or "")
    body["say"] = say_for(code, body.get("details"))
    body["retryable"] = code in RETRYABLE
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
    return JSONResponse(body, status_code=response.status_code, headers=headers)


class SpokenRoute(IdempotentRoute):
    """A route of the agent's tools: POSTs honour Idempotency-Key (required of the agent), every error speaks."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def speaking(request: Request) -> Response:
            try:
                response = await handle(request)
            except (AppError, RequestValidationError) as error:
                response = await request.app.exception_handlers[type(error)](request, error)
            return spoken(response)

        return speaking
