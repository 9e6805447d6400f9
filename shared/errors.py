"""The one error type and the one place that renders envelopes.

Every layer (authorizer, gateway responses, validation, handlers, throttling) answers with
`{"success": false, "error", "code", "details"}`; this module is the only code that builds it.
"""
from __future__ import annotations

from typing import Any

STATUS_BY_CODE: dict[str, int] = {
    "VALIDATION_ERROR": 400, "INVALID_JSON": 400, "VOUCHER_REQUIRED": 400, "INVALID_VOUCHER": 400,
    "NO_DEFAULT_CLIENT": 400, "BAD_REQUEST": 400,
    "MISSING_API_KEY": 401, "INVALID_API_KEY": 401, "UNAUTHORIZED": 401, "TOKEN_EXPIRED": 401,
    "INVALID_CREDENTIALS": 401, "INVALID_REFRESH_TOKEN": 401,
    "FORBIDDEN": 403, "FEATURE_DISABLED": 403, "CLIENT_SUSPENDED": 403,
    "HUME_CONFIG_NOT_ASSIGNED": 403,
    "NOT_FOUND": 404, "ONBOARDING_SESSION_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "USER_EXISTS": 409, "CONFLICT": 409, "SLOT_UNAVAILABLE": 409, "CLASS_FULL": 409,
    "CLIENT_SELECTION_REQUIRED": 409, "IDEMPOTENCY_IN_PROGRESS": 409,
    "ALREADY_BOOKED": 409, "OVERLAPPING_BOOKING": 409, "BOOKING_NOT_CANCELLABLE": 409, "JOIN_WINDOW_CLOSED": 409,
    "INVALID_STATE_TRANSITION": 409,
    "IDEMPOTENCY_KEY_REUSED": 422,
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


def rate_limited(retry_after: int) -> AppError:
    return AppError("RATE_LIMITED", "Too many requests", f"Retry after {retry_after} seconds",
                    headers={"Retry-After": str(max(1, retry_after))})


def service_unavailable(retry_after: int = 1) -> AppError:
    return AppError("SERVICE_UNAVAILABLE", "The service is busy; try again shortly",
                    headers={"Retry-After": str(max(1, retry_after))})


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "error": message, "code": code}
    if details is not None:
        body["details"] = details
    return body


def success_body(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data}
