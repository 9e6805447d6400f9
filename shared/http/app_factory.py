"""The one FastAPI app factory: every function's app gets the same envelopes, errors, limits and logging."""
from __future__ import annotations

import sys

# FastAPI probes every route's annotations for pydantic.v1 models (only to refuse them), importing pydantic.v1
# to do so: ~17 ms of every cold start for a compatibility layer no code here uses. Marking it absent makes the
# probe's import fail fast, which FastAPI reads as "no v1 model".
sys.modules.setdefault("pydantic.v1", None)  # type: ignore[arg-type]

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared import metrics, ratelimit, snapstart
from shared.errors import STATUS_BY_CODE, AppError, error_body, success_body
from shared.http.caller import Caller
from shared.paths import API as API  # re-exported: every function builds its routes on it
from shared.logs import bind_invocation, logger
from shared.settings import get_settings

MAX_BODY_BYTES = 256 * 1024
MAX_FIELD_ERRORS = 20
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Retry-After,X-Request-Id",
}


def whole_numbers(value: Any) -> Any:
    """A whole float as the integer it is (28.0 -> 28), one level deep: a value, or the items of a list. JSON
    Schema counts 28.0 as an integer, and clients send it (Python's json.dumps(28.0)); 28.5 stays a float, so an
    integer field still refuses it. Nested request models apply this to their own fields in turn."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [int(item) if isinstance(item, float) and item.is_integer() else item for item in value]
    return value


class ApiModel(BaseModel):
    """Request bodies: strict types (no "28" for 28, no true for 1), unknown fields refused; a whole float is
    the integer it spells (28.0 is 28, 28.5 is refused where an integer is documented)."""
    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: whole_numbers(value) for key, value in data.items()}
        return data


def ok(data: Any) -> dict[str, Any]:
    return success_body(data)


def errors(*codes: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the error codes its handler may answer with beyond the common ones
    (authentication, validation, rate limits, server errors), which the OpenAPI builder adds by itself."""
    by_status: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        status = STATUS_BY_CODE[code]
        entry = by_status.setdefault(status, {"description": "Error", "x-error-codes": []})
        entry["x-error-codes"].append(code)
    return by_status


def error_response(error: AppError) -> JSONResponse:
    metrics.for_status(error.status)  # 429s and 5xx become CloudWatch metrics (shared/metrics.py)
    return JSONResponse(error_body(error.code, error.message, error.details), status_code=error.status,
                        headers={**CORS_HEADERS, **error.headers})


# The member types pydantic names in a union's error locations (`height.int`, `height.float`): not fields.
_UNION_TAGS = frozenset({"int", "float", "str", "bool", "bytes", "none", "decimal", "list", "dict"})


def _is_union_tag(part: object) -> bool:
    text = str(part)
    return text in _UNION_TAGS or "[" in text or text.startswith(("constrained-", "function-", "lax-", "json-"))


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """One entry per offending field, named by its dotted path (`profile.age`, `trainers.0.trainerId`)."""
    fields: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        location = [str(part) for i, part in enumerate(loc) if part not in ("body", "query", "path", "header")
                    and not (i > 0 and isinstance(part, str) and _is_union_tag(part))]
        reasons = fields.setdefault(".".join(location) or str((loc or ["body"])[0]), [])
        reason = str(err.get("msg", "invalid"))
        if reason not in reasons:
            reasons.append(reason)
    return [{"field": field, "reason": " or ".join(reasons)} for field, reasons in fields.items()]


async def _on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    if any(err.get("type") == "json_invalid" for err in exc.errors()):
        return error_response(AppError("INVALID_JSON", "The request body is not valid JSON"))
    fields = _field_errors(exc)
    shown = fields[:MAX_FIELD_ERRORS]  # 20,000 unknown keys fit in a body: the answer must not grow with them
    names = ", ".join(sorted({f["field"] for f in shown}))
    more = f" and {len(fields) - len(shown)} more" if len(fields) > len(shown) else ""
    return error_response(AppError("VALIDATION_ERROR", f"Invalid request: {names}{more}", shown))


async def _on_app_error(_: Request, exc: AppError) -> JSONResponse:
    return error_response(exc)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at this path (Starlette names only the first route's: one
    route per method here)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 404:
        return error_response(AppError("NOT_FOUND", "No such route"))
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        return error_response(AppError("METHOD_NOT_ALLOWED", "Method not allowed on this route",
                                       {"allowed": allowed}, headers={"Allow": ", ".join(allowed)}))
    if exc.status_code == 400:  # FastAPI could not decode the JSON body: nested too deeply, a number too long...
        return error_response(AppError("INVALID_JSON", "The request body could not be read as JSON",
                                       "Malformed, nested too deeply, or holding a number too long"))
    return error_response(AppError("BAD_REQUEST", str(exc.detail), status=exc.status_code))


def _check_body(request: Request) -> None:
    """Size, media type and encoding of a body, judged from the API Gateway event's own body (a header may be
    missing or wrong). A body that is not UTF-8 reaches the function with U+FFFD where its bytes were: it is
    refused rather than stored mangled. The size counts for every method (a GET may carry a body too)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise AppError("PAYLOAD_TOO_LARGE", f"The body may be at most {MAX_BODY_BYTES} bytes")
    event = request.scope.get("aws.event") or {}
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode("utf-8", "surrogatepass"))
    if size > MAX_BODY_BYTES:
        raise AppError("PAYLOAD_TOO_LARGE", f"The body may be at most {MAX_BODY_BYTES} bytes")
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if not body and (not length or not length.isdigit() or int(length) == 0):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json",
                       {"field": "Content-Type", "reason": f"got {content_type or 'none'}"})
    if not event.get("isBase64Encoded") and "\ufffd" in body:
        raise AppError("INVALID_JSON", "The request body is not valid UTF-8")


def create_app(group: str) -> FastAPI:
    """A FastAPI app for one endpoint group (one Lambda function)."""
    settings = get_settings()
    snapstart.prepare()  # runtime hooks, only under Lambda SnapStart
    app = FastAPI(title=f"sTvOS {group}", version=settings.version, docs_url=None, redoc_url=None,
                  openapi_url=None, redirect_slashes=False)  # a 307 would leave the envelope (and the API)
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(AppError, _on_app_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_error)  # type: ignore[arg-type]

    @app.middleware("http")
    async def envelope_limits_and_logging(request: Request, call_next: Any) -> Response:
        caller = Caller.from_event(request.scope.get("aws.event") or {})
        bind_invocation(request.scope.get("aws.event"), request.scope.get("aws.context"))  # ids, cold start
        logger.append_keys(clientId=caller.client_id or None, group=group)
        try:
            _check_body(request)
            limits = get_settings()
            if limits.rate_limits_enabled:
                scope = ratelimit.scope_for(caller.client_id, caller.user_id, caller.key_id, caller.source_ip)
                ratelimit.take(scope, limits.rate_per_minute, limits.rate_burst)
            response: Response = await call_next(request)
        except AppError as error:
            response = error_response(error)
        except Exception:  # noqa: BLE001 - the last line of defence: no stack trace leaves the function
            logger.exception("unhandled error")
            response = error_response(AppError("INTERNAL_ERROR", "Something went wrong on our side", status=500))
        for name, value in CORS_HEADERS.items():
            response.headers.setdefault(name, value)
        if caller.request_id:
            response.headers["X-Request-Id"] = caller.request_id
        return response

    return app


