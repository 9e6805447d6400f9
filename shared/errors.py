"""The one error type and the one place that renders envelopes.

Every layer (authorizer, gateway responses, validation, handlers, throttling) answers with
`{"success": false, "error", "code", "details"}`; this module is the only code that builds it.

`details` is always present, in one shape per kind: for VALIDATION_ERROR a list of `{field, reason}` (one entry
per offending field), for every other code an object (`{}` when there is nothing to add; `{field, reason}` for a
rule that refuses one field's value; `{retryAfter}` beside a Retry-After header).

A request the schema allows but a rule refuses (a time zone missing from the IANA database, a reset token that
is unknown) gets a code of its own, listed on its route, rather than VALIDATION_ERROR: a client can tell "fix
the request's shape" from "this value is refused".
"""
from __future__ import annotations

from typing import Any

STATUS_BY_CODE: dict[str, int] = {
    "VALIDATION_ERROR": 400, "INVALID_JSON": 400, "VOUCHER_REQUIRED": 400, "INVALID_VOUCHER": 400,
    "NO_DEFAULT_CLIENT": 400, "BAD_REQUEST": 400, "INVALID_INVITE": 400,
    "UNKNOWN_TIME_ZONE": 400, "INVALID_RESET_TOKEN": 400, "UNKNOWN_AGENT": 400, "DUPLICATE_TRAINER": 400,
    "PROGRESS_PAST_END": 400,
    "MISSING_API_KEY": 401, "INVALID_API_KEY": 401, "UNAUTHORIZED": 401, "TOKEN_EXPIRED": 401,
    "INVALID_CREDENTIALS": 401, "INVALID_REFRESH_TOKEN": 401,
    "FORBIDDEN": 403, "FEATURE_DISABLED": 403, "CLIENT_SUSPENDED": 403,
    "HUME_CONFIG_NOT_ASSIGNED": 403, "PREMIUM_REQUIRED": 403, "TOOL_DISABLED": 403,
    "NOT_FOUND": 404, "ONBOARDING_SESSION_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "USER_EXISTS": 409, "CONFLICT": 409, "SLOT_UNAVAILABLE": 409, "CLASS_FULL": 409,
    "CLIENT_SELECTION_REQUIRED": 409, "IDEMPOTENCY_IN_PROGRESS": 409, "PROPOSAL_EXPIRED": 409, "PROPOSAL_STALE": 409,
    "ALREADY_BOOKED": 409, "OVERLAPPING_BOOKING": 409, "BOOKING_NOT_CANCELLABLE": 409, "JOIN_WINDOW_CLOSED": 409,
    "INVALID_STATE_TRANSITION": 409, "SCHEDULE_CONFLICT": 409, "BOOKING_LIMIT_REACHED": 409,
    "CAPACITY_BELOW_BOOKED": 409,
    "VOUCHER_ALREADY_REDEEMED": 409, "VOUCHER_NOT_ACTIVE": 409,
    "WAITLIST_FULL": 409, "ALREADY_ON_WAITLIST": 409, "OUTSIDE_BOOKING_WINDOW": 409, "CLASS_CANCELLED": 409,
    "OFFER_EXPIRED": 409, "NOT_A_VIDEO_CLASS": 409, "PAUSE_LIMIT_REACHED": 409,
    "IDEMPOTENCY_KEY_REUSED": 422, "EXPORT_TOO_LARGE": 422,
    "PAYLOAD_TOO_LARGE": 413, "UNSUPPORTED_MEDIA_TYPE": 415,
    "RATE_LIMITED": 429,
    "INTERNAL_ERROR": 500, "SERVICE_UNAVAILABLE": 503,
}


class AppError(Exception):
    """An answer other than success: status, machine code, message, optional details and headers."""

    def __init__(self, code: str, message: str, details: Any = None, *, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.status = status or STATUS_BY_CODE.get(code, 400)
        self.headers = headers or {}


def not_found(what: str = "Resource") -> AppError:
    return AppError("NOT_FOUND", f"{what} not found")


def invalid(field: str, reason: str) -> AppError:
    """VALIDATION_ERROR naming one field, as request validation names them (for checks the schema cannot
    state, such as one field relative to another)."""
    return AppError("VALIDATION_ERROR", f"Invalid request: {field}", [{"field": field, "reason": reason}])


def refused(code: str, message: str, field: str, reason: str) -> AppError:
    """A rule's refusal of one field's value, under the rule's own code (see the module's note)."""
    return AppError(code, message, {"field": field, "reason": reason})


def rate_limited(retry_after: int, message: str = "Too many requests") -> AppError:
    wait = max(1, retry_after)
    return AppError("RATE_LIMITED", message, {"retryAfter": wait}, headers={"Retry-After": str(wait)})


def service_unavailable(retry_after: int = 1) -> AppError:
    wait = max(1, retry_after)
    return AppError("SERVICE_UNAVAILABLE", "The service is busy; try again shortly", {"retryAfter": wait},
                    headers={"Retry-After": str(wait)})


def uniform_details(code: str, details: Any) -> Any:
    """`details` in its kind's shape: a list of `{field, reason}` for VALIDATION_ERROR, else an object."""
    if code == "VALIDATION_ERROR":
        if details is None:
            return []
        if isinstance(details, dict):
            return [details]
        if isinstance(details, str):
            return [{"field": "", "reason": details}]
        return details
    if details is None:
        return {}
    if isinstance(details, str):
        return {"reason": details}
    if isinstance(details, list):
        return {"items": details}
    return details


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"success": False, "error": message, "code": code, "details": uniform_details(code, details)}


def success_body(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data}
