"""The reference worker's tool-calling layer: the standard library only, so that it runs (and is tested) without
livekit-agents or a LiveKit server. agent/worker.py puts it in a room.

What it does, in the order of a conversation:
1. `exchange`: the dispatch metadata's single-use ticket, with the worker's secret, becomes the agent's
   credential (`POST /agent/credentials`); the member's own token never reaches the worker.
2. `Toolbox.load`: the tool manifest (`GET /agent/tools`) gives each tool's schema (for the model) and its route
   (for the call); TOOL_TABLE is what the worker itself knows of each tool, and `drift` compares the two.
3. `Toolbox.call`: one tool call of the model becomes one API request; the answer (or the error, with its
   `say` and `retryable`) goes back to the model as it came.

Exactly-once is the API's job (proposal ids, natural keys, the log dedupe window): a re-run of a tool after an
interruption, with a new call id, is answered with what was done before. The worker adds the one rule the API
cannot see: `confirm` only after the member has spoken since the proposal was read to them (`user_turn`).
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable

READ, PREPARE, CONFIRM, LOG = "read", "prepare", "confirm", "log"
# What the worker knows of each tool the API serves: checked against the manifest (`drift`) in `make test`.
TOOL_TABLE: dict[str, str] = {
    "get_context": READ,
    "get_daily_plan": READ,
    "get_active_plans": READ,
    "get_progress": READ,
    "list_my_bookings": READ,
    "find_trainer_slots": READ,
    "recommend_classes": READ,
    "prepare_booking": PREPARE,
    "prepare_cancellation": PREPARE,
    "prepare_class_join": PREPARE,
    "prepare_programme_change": PREPARE,
    "log_water": LOG,
    "log_meal": LOG,
    "log_workout": LOG,
    "confirm": CONFIRM,
}
ALREADY_DONE = frozenset({"ALREADY_BOOKED", "ALREADY_ON_WAITLIST"})  # a re-run met what it did before
RETRIES = 2  # transport retries of one call, with the same Idempotency-Key
NOT_HEARD = {"code": "NOT_CONFIRMED_BY_MEMBER", "retryable": True,
             "say": "Read the summary to the member and wait for their yes before confirming."}
UNKNOWN_PROPOSAL = {"code": "UNKNOWN_PROPOSAL", "retryable": False,
                    "say": "I can only confirm something I prepared in this conversation; let me prepare it again."}


class WorkerRefused(Exception):
    """The API refused the worker itself (its secret, or a ticket to drop): leave the room."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class Http:
    """JSON over HTTP with urllib: `request(method, path, ...)` -> Answer (never raises for an HTTP status)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, path: str, *, query: dict[str, Any] | None = None, body: Any = None,
                headers: dict[str, str] | None = None) -> Answer:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: _query_value(v) for k, v in query.items() if v is not None})
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=sent)  # noqa: S310 - http(s) base
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return Answer(response.status, _json(response.read()), dict(response.headers.items()))
        except urllib.error.HTTPError as error:
            return Answer(error.code, _json(error.read()), dict(error.headers.items()))


def _query_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


# --- 1. the credential -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Credential:
    access_token: str
    expires_at: str
    client_id: str
    user_id: str | None
    exchange_path: str


def dispatch_ticket(metadata: str) -> tuple[str, str]:
    """(ticket, exchange path) from the job's dispatch metadata (the JSON the room token carried)."""
    try:
        found = json.loads(metadata or "{}")["api"]
        return str(found["ticket"]), str(found.get("exchange") or "/api/v1/agent/credentials")
    except (ValueError, KeyError, TypeError):
        raise WorkerRefused("no_ticket", "The dispatch metadata carries no sTvOS ticket") from None


def exchange(http: Http, metadata: str, worker_secret: str) -> Credential:
    """The agent's credential for this room, once (a ticket exchanges a single time)."""
    ticket, path = dispatch_ticket(metadata)
    answer = http.request("POST", path, body={"ticket": ticket}, headers={"X-Agent-Secret": worker_secret})
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.status != 200:
        details = body.get("details")
        details = details if isinstance(details, dict) else {}
        raise WorkerRefused(str(details.get("reason") or answer.status), str(body.get("error") or "refused"))
    data = body["data"]
    return Credential(data["accessToken"], data["expiresAt"], data["clientId"], data.get("userId"), path)


# --- 2. the tools ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    method: str
    path: str  # the full path, `{proposalId}`-style placeholders filled from the arguments
    body: dict[str, Any] | None  # fixed body fields (a proposal's `action`)


def drift(manifest: dict[str, Any]) -> list[str]:
    """What differs between TOOL_TABLE and a served manifest (any format): an empty list when none."""
    served = {_tool_name(t): t for t in manifest["tools"]}
    found = [f"served, unknown to the worker: {n}" for n in sorted(set(served) - set(TOOL_TABLE))]
    found += [f"known to the worker, not served: {n}" for n in sorted(set(TOOL_TABLE) - set(served))]
    for name in sorted(set(served) & set(TOOL_TABLE)):
        route = manifest["routes"][name]
        kind = TOOL_TABLE[name]
        if (route["method"] == "GET") != (kind == READ):
            found.append(f"{name}: a {kind} tool served as {route['method']}")
        if kind == PREPARE and not (route.get("body") or {}).get("action"):
            found.append(f"{name}: a prepare tool without a proposal action")
        if kind == LOG and not (route.get("body") or {}).get("type"):
            found.append(f"{name}: a log tool without its log type")
        if kind == CONFIRM and "{proposalId}" not in route["path"]:
            found.append(f"{name}: confirm does not name the proposal in its path")
        hints = served[name].get("annotations")
        if hints is not None and hints.get("readOnlyHint") != (kind == READ):
            found.append(f"{name}: readOnlyHint {hints.get('readOnlyHint')} for a {kind} tool")
        if hints is not None and kind == CONFIRM and not hints.get("destructiveHint"):
            found.append(f"{name}: confirm is not marked destructive")
    return found


def _tool_name(tool: dict[str, Any]) -> str:
    return str(tool["function"]["name"] if "function" in tool else tool["name"])


@dataclass
class Toolbox:
    """The tools of one conversation: their definitions for the model, and `call` for each tool call."""

    http: Http
    credential: Credential
    version: str
    definitions: list[dict[str, Any]]  # OpenAI-style {type, function: {name, description, parameters}}
    routes: dict[str, Route]
    sleep: Callable[[float], None] = time.sleep
    _proposals: dict[str, bool] = field(default_factory=dict)  # proposalId -> the member spoke since

    @classmethod
    def load(cls, http: Http, credential: Credential) -> "Toolbox":
        answer = http.request("GET", "/api/v1/agent/tools", query={"format": "openai"},
                              headers=_bearer(credential))
        if answer.status != 200:
            raise WorkerRefused(str(answer.status), "The tool manifest could not be loaded")
        manifest = answer.body["data"]
        # a tool the worker does not know, or would call wrongly, is not offered to the model (a tool the studio
        # switched off is simply not served)
        problems = drift(manifest)
        usable = [t for t in manifest["tools"] if _tool_name(t) in TOOL_TABLE
                  and not any(p.startswith(f"{_tool_name(t)}:") for p in problems)]
        routes = {_tool_name(t): Route(**{k: manifest["routes"][_tool_name(t)].get(k) for k in ("method", "path",
                                                                                             "body")})
                  for t in usable}
        return cls(http, credential, manifest["version"], usable, routes)

    def user_turn(self) -> None:
        """The member spoke: every proposal read to them before now may be confirmed."""
        for proposal_id in self._proposals:
            self._proposals[proposal_id] = True

    def call(self, name: str, arguments: dict[str, Any], call_id: str) -> dict[str, Any]:
        """One tool call: the API's `data` on success, `{"error": {code, say, retryable, ...}}` otherwise."""
        route = self.routes.get(name)
        if route is None:
            return {"error": {"code": "UNKNOWN_TOOL", "retryable": False,
                              "say": "I can't do that here.", "details": {"tool": name}}}
        arguments = dict(arguments)
        if TOOL_TABLE[name] == CONFIRM:
            proposal_id = str(arguments.get("proposalId") or "")
            if proposal_id not in self._proposals:
                return {"error": dict(UNKNOWN_PROPOSAL)}
            if not self._proposals[proposal_id]:
                return {"error": dict(NOT_HEARD)}
        path = route.path
        for placeholder in [p for p in arguments if "{" + p + "}" in path]:
            path = path.replace("{" + placeholder + "}", urllib.parse.quote(str(arguments.pop(placeholder)), safe=""))
        headers = _bearer(self.credential)
        if route.method == "GET":
            answer = self._send(route.method, path, query=arguments, headers=headers)
        else:
            # a confirm is keyed by its proposal (any re-run replays it), other writes by the model's call id
            headers["Idempotency-Key"] = path.rsplit("/", 2)[-2] if TOOL_TABLE[name] == CONFIRM else call_id
            answer = self._send(route.method, path, body={**arguments, **(route.body or {})}, headers=headers)
        return self._result(name, answer)

    def _send(self, method: str, path: str, **kw: Any) -> Answer:
        answer = self.http.request(method, path, **kw)
        for _ in range(RETRIES):
            body = answer.body if isinstance(answer.body, dict) else {}
            if answer.status < 500 and not (answer.status in (409, 429) and body.get("retryable")):
                break
            retry_after = _header(answer, "Retry-After") or "1"
            self.sleep(min(float(retry_after), 5.0))
            answer = self.http.request(method, path, **kw)
        return answer

    def _result(self, name: str, answer: Answer) -> dict[str, Any]:
        body = answer.body if isinstance(answer.body, dict) else {}
        if body.get("success") is True:
            data: dict[str, Any] = body["data"]
            if _header(answer, "Idempotency-Replayed") == "true" and "replayed" in data:
                data = {**data, "replayed": True}  # the API replayed the first answer to this key as it was
            if TOOL_TABLE[name] == PREPARE and data.get("proposalId"):
                self._proposals[str(data["proposalId"])] = False
            return data
        code = str(body.get("code") or answer.status)
        error = {"code": code, "say": body.get("say") or "Sorry, I couldn't do that.",
                 "retryable": bool(body.get("retryable")), "details": body.get("details")}
        if code in ALREADY_DONE:  # the natural key: a re-run found what it did before, which is success
            return {"alreadyDone": True, **error}
        return {"error": error}


def _header(answer: Answer, name: str) -> str | None:
    return next((v for k, v in answer.headers.items() if k.lower() == name.lower()), None)


def _bearer(credential: Credential) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential.access_token}"}
