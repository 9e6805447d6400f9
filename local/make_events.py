"""Write events/<Function>.<METHOD>.<path>.json: one API Gateway proxy event per route of template.yaml, with
the authorizer context filled in as the authorizer would (demo studio, a demo user where a user is needed),
for `sam local invoke <Function> -e events/<file>.json`. Also writes env.json for `sam local`."""
from __future__ import annotations

import json
import re
from typing import Any

from local.events import proxy_event
from local.guide_examples import REQUEST_EXAMPLES
from local.template import ROOT, Route, documented_routes
from shared.paths import API

EVENTS_DIR = ROOT / "events"
SAMPLE_PATH_VALUES = {"code": "STUDIO-ABC123", "sessionId": "unique-session-id", "id": "42",
                      "placeId": "cb_42_usr_0123456789abcdef01234567"}
STUDIO_CONTEXT = {"clientId": "zen-flow-studio", "userId": "", "role": "", "keyId": "key_demo",
                  "universal": "false", "tokenExp": "0", "tokenIatMs": "0", "tokenType": "", "agentScope": "", "agentSession": "",
                  "usageKey": "usage-zen-flow-studio", "principalId": "key_demo"}
USER_CONTEXT = {**STUDIO_CONTEXT, "userId": "usr_demo", "role": "user", "tokenExp": "4102444800",
                "tokenType": "access", "tokenIatMs": "4102444000000", "principalId": "usr_demo"}
PARTNER_CONTEXT = {"clientId": "fitco-wellness", "userId": "stf_demo", "role": "manager", "keyId": "",
                   "universal": "false", "tokenExp": "4102444800", "tokenIatMs": "4102444000000",
                   "partnerId": "fitco-benefits", "principal": "partner_staff", "principalId": "stf_demo"}


def event_file_name(route: Route) -> str:
    slug = re.sub(r"[{}]", "", route.path.removeprefix(f"{API}/")).replace("/", "-")
    return f"{route.function}.{route.method}.{slug}.json"


def event_for(route: Route) -> dict[str, Any]:
    params = {name: SAMPLE_PATH_VALUES.get(name, "1") for name in re.findall(r"{(\w+)}", route.path)}
    path = route.path
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    headers = {"Host": "127.0.0.1:3000", "User-Agent": "curl/8", "Accept": "application/json"}
    context = None
    if route.authorizer == "PartnerAuthorizer":
        headers["Authorization"] = "Bearer <partner-access-token>"
        context = PARTNER_CONTEXT
    elif route.authorizer:
        headers["X-API-Key"] = "<studio-api-key>"
        context = USER_CONTEXT if route.authorizer == "UserAuthorizer" else STUDIO_CONTEXT
        if route.authorizer == "UserAuthorizer":
            headers["Authorization"] = "Bearer <access-token>"
    body = REQUEST_EXAMPLES.get((route.method, route.path))
    if body is None and route.method in ("POST", "PUT", "PATCH"):
        body = {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return proxy_event(route.path, route.method, path, headers=headers, body=json.dumps(body) if body is not None
                       else None, path_params=params, request_id="c0ffee00-0000-4000-8000-000000000000",
                       authorizer=context)


def main() -> None:
    EVENTS_DIR.mkdir(exist_ok=True)
    for old in EVENTS_DIR.glob("*.json"):
        old.unlink()
    for route in documented_routes():
        event = event_for(route)
        event["requestContext"]["requestTimeEpoch"] = 1772280000000
        (EVENTS_DIR / event_file_name(route)).write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
    from local.stack import DEV_ENVIRONMENT

    # The secret ARNs empty: sam local would otherwise hand the functions the secrets' logical ids.
    local_values = {"TABLE_NAME": DEV_ENVIRONMENT["TABLE_NAME"],
                    **{name: "" for name in ("JWT_SECRET_ARN", "LIVEKIT_SECRET_ARN", "AGENT_SECRET_ARN", "HUME_SECRET_ARN",
                                             "VIDEO_SECRET_ARN")},
                    "DYNAMODB_ENDPOINT": "http://host.docker.internal:8000", "MAIL_OUTBOX": "local",
                    "JOBS_QUEUE_URL": "",  # no queue in sam local: the job runs inline (shared/jobs.py)
                    **{k: DEV_ENVIRONMENT[k] for k in ("JWT_SIGNING_KEY", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET",
                                                       "VIDEO_SIGNING_KEY")}}
    (ROOT / "env.json").write_text(json.dumps({"Parameters": local_values}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(documented_routes())} events to events/ and env.json")


if __name__ == "__main__":
    main()
