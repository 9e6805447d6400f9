"""One OpenAPI 3.1 document for the whole API, built from the functions' own FastAPI apps and template.yaml.

The apps give paths, parameters and request bodies; the template gives which authorizer guards each route (so
the security requirement and the 401 codes), and the builder adds the answers every route shares: validation,
payload and media-type errors where there is a body, 404 where an id is in the path, rate limits, server errors.
Route-specific errors come from each route's `responses=errors(...)`. `make openapi` writes docs/openapi.json.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from fastapi.openapi.utils import get_openapi

from local.loader import load_function
from local.guide_examples import REQUEST_EXAMPLES, RESPONSE_EXAMPLES
from local.template import ROOT, Route, documented_routes
from shared.paths import API

DOCUMENT = ROOT / "docs" / "openapi.json"
ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"
# What a route needs, from the weaker to the stronger: nothing (public), a key it may do without (the
# platform's defaults answer), a key, a key and a signed-in member. The template says which authorizer stands
# in front of a route; the route's own dependencies (shared/http/caller.py) say what its code then insists on.
PUBLIC, KEY_OPTIONAL, KEY, MEMBER = range(4)
AUTHORIZER_NEEDS = {None: PUBLIC, "OptionalAuthorizer": KEY_OPTIONAL, "KeyAuthorizer": KEY, "UserAuthorizer": MEMBER}
KEY_DEPENDENCIES = frozenset({"key_caller", "tenant"})
API_KEY, BEARER = {"ApiKey": []}, {"ApiKey": [], "Bearer": []}
OWN_SCHEMES = {"PartnerAuthorizer": [{"PartnerBearer": []}]}  # authorizers with a credential of their own
AUTH_CODES = {
    None: [],
    "KeyAuthorizer": ["UNAUTHORIZED", "INVALID_API_KEY"],
    "UserAuthorizer": ["UNAUTHORIZED", "INVALID_API_KEY", "TOKEN_EXPIRED"],
    "OptionalAuthorizer": ["MISSING_API_KEY", "UNAUTHORIZED", "INVALID_API_KEY", "TOKEN_EXPIRED"],
    "PartnerAuthorizer": ["UNAUTHORIZED", "INVALID_API_KEY", "TOKEN_EXPIRED"],
}
STATUS_TEXT = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
               405: "Method not allowed", 409: "Conflict", 413: "Payload too large", 415: "Unsupported media type",
               422: "Unprocessable request",
               429: "Rate limited", 500: "Internal error", 503: "Service unavailable"}
def _ref(method: str, path: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()


def _link(method: str, path: str, description: str, parameters: dict[str, str] | None = None,
          body: dict[str, Any] | None = None) -> dict[str, Any]:
    link: dict[str, Any] = {"operationRef": _ref(method, path), "description": description}
    if parameters:
        link["parameters"] = parameters
    if body:
        link["requestBody"] = body
    return link


# OpenAPI links: where the id a success answers with is used next (clients read them; schemathesis follows them
# in its stateful phase). (method, path of the answering route) -> {link name: link}
_SESSION_ID = "$response.body#/data/session/id"
_ONBOARDING_ID = "$response.body#/data/sessionId"
LINKS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", f"{API}/trainers/{{id}}/availability"): {
        "HoldSlot": _link("POST", f"{API}/trainers/{{id}}/holds", "Hold the first slot offered",
                          {"id": "$response.body#/data/trainerId"},
                          {"serviceId": "$response.body#/data/serviceId", "slotId": "$response.body#/data/slots/0/id"}),
        "BookSlot": _link("POST", f"{API}/trainers/{{id}}/book", "Book the first slot offered",
                          {"id": "$response.body#/data/trainerId"},
                          {"serviceId": "$response.body#/data/serviceId", "slotId": "$response.body#/data/slots/0/id"}),
    },
    ("POST", f"{API}/trainers/{{id}}/book"): {
        verb: _link(method, f"{API}/bookings/{{id}}{suffix}", text, {"id": "$response.body#/data/booking/id"})
        for verb, method, suffix, text in (("GetBooking", "GET", "", "The booking just made"),
                                           ("CancelBooking", "POST", "/cancel", "Cancel it (or quote with dryRun)"),
                                           ("RescheduleBooking", "POST", "/reschedule", "Move it to another slot"),
                                           ("JoinCall", "POST", "/join", "Join its call inside the join window"))
    },
    ("POST", f"{API}/trainer/services"): {
        "EditService": _link("PUT", f"{API}/trainer/services/{{id}}", "Change the service just made",
                             {"id": "$response.body#/data/service/id"}),
        "RemoveService": _link("DELETE", f"{API}/trainer/services/{{id}}", "Delete it (archived once booked)",
                               {"id": "$response.body#/data/service/id"}),
    },
    ("POST", f"{API}/trainer/time-off"): {
        "RemoveTimeOff": _link("DELETE", f"{API}/trainer/time-off/{{id}}", "Work again in that stretch",
                               {"id": "$response.body#/data/timeOff/id"}),
    },
    ("POST", f"{API}/trainer/schedule/overrides"): {
        "RemoveOverride": _link("DELETE", f"{API}/trainer/schedule/overrides/{{date}}",
                                "Give the date its weekly windows again", {"date": "$response.body#/data/override/date"}),
    },
    ("POST", f"{API}/sessions/start"): {
        "ReportProgress": _link("POST", f"{API}/sessions/{{id}}/progress", "Heartbeats of the session just started",
                                {"id": _SESSION_ID}),
        "Complete": _link("POST", f"{API}/sessions/{{id}}/complete", "Complete the session just started",
                          {"id": _SESSION_ID}),
    },
    ("GET", f"{API}/content/classes"): {
        "ClassDetail": _link("GET", f"{API}/content/classes/{{id}}", "The first class of the page",
                             {"id": "$response.body#/data/items/0/id"}),
        "StartSession": _link("POST", f"{API}/sessions/start", "Start watching the first class of the page",
                              body={"classId": "$response.body#/data/items/0/id", "deviceType": "mobile"}),
    },
    ("POST", f"{API}/onboarding/profile"): {
        "ResumeProfile": _link("GET", f"{API}/onboarding/profile/{{sessionId}}", "Read the session back",
                               {"sessionId": _ONBOARDING_ID}),
        "RecommendCoaches": _link("POST", f"{API}/onboarding/recommend-coaches", "Coaches for this profile",
                                  body={"sessionId": _ONBOARDING_ID}),
    },
    ("POST", f"{API}/onboarding/recommend-coaches"): {
        "SelectCoach": _link("POST", f"{API}/onboarding/select-coach", "Choose the best-ranked coach",
                             body={"sessionId": _ONBOARDING_ID, "coachId": "$response.body#/data/coaches/0/id"}),
    },
    ("POST", f"{API}/auth/register"): {
        "Refresh": _link("POST", f"{API}/auth/refresh", "Trade the new refresh token for a fresh pair",
                         body={"refreshToken": "$response.body#/data/refreshToken"}),
    },
    ("POST", f"{API}/auth/login"): {
        "Refresh": _link("POST", f"{API}/auth/refresh", "Trade the refresh token for a fresh pair",
                         body={"refreshToken": "$response.body#/data/refreshToken"}),
    },
    ("POST", f"{API}/auth/refresh"): {
        "RefreshAgain": _link("POST", f"{API}/auth/refresh", "Rotate again with the token just issued",
                              body={"refreshToken": "$response.body#/data/refreshToken"}),
    },
}

RETRY_AFTER = {"Retry-After": {"description": "Whole seconds until a request would pass",
                               "schema": {"type": "integer", "minimum": 1}}}

COMPONENTS: dict[str, Any] = {
    "securitySchemes": {
        "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                   "description": "Identifies the client (tenant). Scopes every request to that client's data."},
        "Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                   "description": "The member's access token (15 minutes), from register, login or refresh."},
        "PartnerBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                          "description": "A partner staff access token (15 minutes), from /partner-auth/login or "
                                         "refresh. An X-API-Key is optional; one that is sent must be the "
                                         "partner's client's."},
    },
    "schemas": {
        "ErrorEnvelope": {
            "type": "object", "required": ["success", "error", "code", "details"],
            "description": "Every error, from every layer. `details` has one shape per kind: for VALIDATION_ERROR "
                           "a list of FieldError (one per offending field); for every other code an object "
                           "(`{}` when there is nothing to add, `{field, reason}` when a rule refuses one field's "
                           "value, `{retryAfter}` beside a Retry-After header).",
            "properties": {
                "success": {"const": False},
                "error": {"type": "string", "description": "Human-readable description",
                          "examples": ["Invalid request: email"]},
                "code": {"type": "string", "description": "Machine-readable code", "examples": ["VALIDATION_ERROR"]},
                "details": {"anyOf": [{"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
                                      {"type": "object"}],
                            "examples": [[{"field": "email", "reason": "value is not a valid email address"}]]},
            },
        },
        "FieldError": {
            "type": "object", "required": ["field", "reason"],
            "properties": {"field": {"type": "string", "description": "The field's dotted path",
                                     "examples": ["profile.age"]},
                           "reason": {"type": "string", "description": "What is wrong with it",
                                      "examples": ["Input should be less than or equal to 100"]}},
        },
        "SuccessEnvelope": {
            "type": "object", "required": ["success", "data"],
            "properties": {"success": {"const": True}, "data": {}},
        },
    },
}


def _load_app(route_function: str, code_dir: Path) -> Any:
    return load_function(code_dir, f"stvos_functions.{route_function}").app


def _error_example(code: str, status: int) -> dict[str, Any]:
    from shared.errors import uniform_details

    details: Any = [{"field": "email", "reason": "value is not a valid email address"}] \
        if code == "VALIDATION_ERROR" else ({"retryAfter": 1} if status in (429, 503) else None)
    return {"success": False, "error": STATUS_TEXT.get(status, "Error"), "code": code,
            "details": uniform_details(code, details)}


def _error_response(status: int, codes: list[str]) -> dict[str, Any]:
    schema = {"allOf": [{"$ref": ENVELOPE_REF},
                        {"type": "object", "properties": {"code": {"enum": sorted(set(codes))}}}]}
    response: dict[str, Any] = {
        "description": f"{STATUS_TEXT.get(status, 'Error')}: {', '.join(sorted(set(codes)))}",
        "content": {"application/json": {"schema": schema,
                                         "example": _error_example(sorted(set(codes))[0], status)}},
    }
    if status in (429, 503):
        response["headers"] = copy.deepcopy(RETRY_AFTER)
    return response


def _common_codes(route: Route, operation: dict[str, Any]) -> list[str]:
    codes = list(AUTH_CODES[route.authorizer]) + ["RATE_LIMITED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"]
    if route.authorizer:
        codes += ["FORBIDDEN", "CLIENT_SUSPENDED"]  # an agent's credential off its routes; an inactive client
    parameters = operation.get("parameters", [])
    if "requestBody" in operation:
        codes += ["VALIDATION_ERROR", "INVALID_JSON", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"]
    elif parameters:
        codes.append("VALIDATION_ERROR")
    if any(p.get("in") == "path" for p in parameters):
        codes.append("NOT_FOUND")
    return codes


def needs(route: Route, app_route: Any) -> int:
    """PUBLIC, KEY_OPTIONAL, KEY or MEMBER: the stronger of the authorizer's and the code's requirement."""
    if route.authorizer is None:
        return PUBLIC
    if route.authorizer in OWN_SCHEMES:
        return MEMBER
    from shared.http.caller import dependency_names, needs_member

    code = MEMBER if needs_member(app_route.dependant) \
        else KEY if dependency_names(app_route.dependant) & KEY_DEPENDENCIES else KEY_OPTIONAL
    return max(AUTHORIZER_NEEDS[route.authorizer], code)


def security(route: Route, app_route: Any) -> list[dict[str, list[str]]]:
    """The OpenAPI security requirement: the alternatives a caller may present (a bearer is offered beside the
    key only where the authorizer reads it)."""
    if route.authorizer in OWN_SCHEMES:
        return copy.deepcopy(OWN_SCHEMES[route.authorizer])
    level = needs(route, app_route)
    reads_bearer = route.authorizer in ("OptionalAuthorizer", "UserAuthorizer")
    return {PUBLIC: [], KEY_OPTIONAL: [{}, API_KEY, BEARER],
            KEY: [API_KEY, BEARER] if reads_bearer else [API_KEY], MEMBER: [BEARER]}[level]


def operation_id(app_route: Any) -> str:
    """The handler's name in lowerCamelCase (`register_user` -> `registerUser`), or its `operation_id=`."""
    if getattr(app_route, "operation_id", None):
        return str(app_route.operation_id)
    first, *rest = app_route.endpoint.__name__.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _unique_operation_ids(paths: dict[str, dict[str, Any]]) -> None:
    """Two groups' handlers of the same name (`dashboard`) become `partnerDashboard` and `progressDashboard`."""
    operations = [op for methods in paths.values() for op in methods.values()]
    seen: dict[str, int] = {}
    for op in operations:
        seen[op["operationId"]] = seen.get(op["operationId"], 0) + 1
    for op in operations:
        if seen[op["operationId"]] > 1:
            op["operationId"] = op["tags"][0].replace("-", "") + op["operationId"][:1].upper() + op["operationId"][1:]


def _operation(route: Route, operation: dict[str, Any], app_route: Any) -> dict[str, Any]:
    from shared.errors import STATUS_BY_CODE

    operation = copy.deepcopy(operation)
    operation["operationId"] = operation_id(app_route)
    operation["security"] = security(route, app_route)
    operation["tags"] = [route.path.split("/")[3]]
    responses: dict[str, Any] = {}
    codes_by_status: dict[int, list[str]] = {}
    for code in _common_codes(route, operation):
        codes_by_status.setdefault(STATUS_BY_CODE[code], []).append(code)
    for status, answer in operation.get("responses", {}).items():
        declared = answer.get("x-error-codes")
        if status == "422" and not declared:  # FastAPI's own validation answer: ours is a 400
            continue
        if declared:
            codes_by_status.setdefault(int(status), []).extend(declared)
            continue
        if "text/csv" in answer.get("content", {}):  # a download (exports): the file as it is, no envelope
            responses[status] = {"description": answer.get("description") or "Success",
                                 "content": {"text/csv": answer["content"]["text/csv"]}}
            continue
        declared_schema = answer.get("content", {}).get("application/json", {}).get("schema") or {}
        schema = declared_schema if "$ref" in declared_schema else {"$ref": "#/components/schemas/SuccessEnvelope"}
        success = {"description": answer.get("description") or "Success",
                   "content": {"application/json": {"schema": schema}}}
        example = RESPONSE_EXAMPLES.get((route.method, route.path))
        if example is not None:
            success["content"]["application/json"]["example"] = example
        links = LINKS.get((route.method, route.path))
        if links:
            success["links"] = copy.deepcopy(links)
        responses[status] = success
    for status, codes in sorted(codes_by_status.items()):
        responses[str(status)] = _error_response(status, codes)
    operation["responses"] = dict(sorted(responses.items()))
    request_example = REQUEST_EXAMPLES.get((route.method, route.path))
    if request_example is not None and "requestBody" in operation:
        operation["requestBody"]["content"]["application/json"]["example"] = request_example
    return operation


_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _json_schema_bounds(node: Any) -> Any:
    """Pydantic writes the bounds of a constrained union (`Annotated[int | float, Field(ge=100)]`) as `ge`/`le`,
    which JSON Schema ignores; the document spells them as JSON Schema does."""
    if isinstance(node, dict):
        fixed = {_BOUNDS.get(key, key) if key in _BOUNDS and not isinstance(value, (dict, list)) else key:
                 _json_schema_bounds(value) for key, value in node.items()}
        return fixed
    if isinstance(node, list):
        return [_json_schema_bounds(item) for item in node]
    return node


def build() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    by_function: dict[str, list[Route]] = {}
    for route in documented_routes():
        by_function.setdefault(route.function, []).append(route)
    for function, routes in by_function.items():
        app = _load_app(function, routes[0].code_dir)
        spec = get_openapi(title=app.title, version=app.version, routes=app.routes, openapi_version="3.1.0")
        schemas.update(_json_schema_bounds(spec.get("components", {}).get("schemas", {})))
        for route in routes:
            operation = spec["paths"][route.path][route.method.lower()]
            app_route = next(r for r in app.routes if getattr(r, "path", None) == route.path
                             and route.method in getattr(r, "methods", ()))
            paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, operation, app_route)
    _unique_operation_ids(paths)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    components = copy.deepcopy(COMPONENTS)
    components["schemas"].update(dict(sorted(schemas.items())))
    document = {
        "openapi": "3.1.0",
        "info": {"title": "sTvOS v1 API", "version": "1.0.0",
                 "description": "One API for many branded fitness apps. Every answer is an envelope: "
                                "`{success: true, data}` or `{success: false, error, code, details}`."},
        # The local API serves the document with its own address instead (local/gateway.py).
        "servers": [{"url": "https://api.studiostv.net", "description": "production"}],
        "paths": dict(sorted(paths.items())),
        "components": components,
    }
    return document


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main() -> None:
    DOCUMENT.parent.mkdir(exist_ok=True)
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
