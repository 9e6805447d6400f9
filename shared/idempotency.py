"""`Idempotency-Key` for state-changing POSTs: the first answer is kept 24 hours per caller and replayed.

The rules (IETF draft "The Idempotency-Key HTTP Header Field", as Stripe applies it):
- a request that carries the header claims the key with a conditional put of an in-progress record
  (`keys.idempotency(client, caller, sha256(key))`); the caller is the signed-in user, or the API key without one;
- its answer (status and body) is stored on the record, which lives 24 hours (`ttl`, checked on every read);
- the same key with the same request (method, path, query and canonical JSON body) replays that answer with
  `Idempotency-Replayed: true`; with another request it is 422 `IDEMPOTENCY_KEY_REUSED`;
- while the first is still running, a retry gets 409 `IDEMPOTENCY_IN_PROGRESS` with `Retry-After`;
- answers that say nothing about the request itself are not kept and free the key for a retry: 5xx
  (DynamoDB busy, a crash), 401/403 (the sign-in, not the request), 429, and bad input that never reached the
  handler. A record left in progress by a crashed or timed-out invocation is taken over after LOCK_SECONDS.
The header is optional for apps and required for the voice agent's credential.

Use: `router = idempotent_router()`, declare the group's POST routes on it, `app.include_router(router)`.
Every POST of that router is covered; other methods pass through. Natural keys (one booking per member and
slot) still catch the retries that come without a key.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Coroutine

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from shared import clock
from shared.db import keys
from shared.db.repository import ConditionFailed, get_repository
from shared.digest import sha256_hex
from shared.errors import STATUS_BY_CODE, AppError, invalid
from shared.logs import logger

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"
TTL_SECONDS = 24 * 3600
LOCK_SECONDS = 30  # three times the functions' timeout: only a dead invocation holds a key this long
RETRY_AFTER_SECONDS = 1  # the first request is usually done within a second
KEY_PATTERN = r"^[\x21-\x7E]{1,255}$"  # visible ASCII, as the draft's sf-string allows
_KEY_RE = re.compile(KEY_PATTERN)
_NOT_KEPT = frozenset({401, 403, 408, 429})

RUNNING, DONE = "in_progress", "done"


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: str


# --- storage (plain values in and out) ----------------------------------------------------------------------
def key_hash(raw_key: str) -> str:
    return sha256_hex(raw_key)


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """SHA-256 of the request: the same JSON body with keys in another order or other spacing is the same."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    query_part = "&".join(sorted(query.split("&"))) if query else ""
    return hashlib.sha256(f"{method} {path}?{query_part}\n".encode() + canonical).hexdigest()


def new_claim_id() -> str:
    return secrets.token_hex(8)


def claim(client_id: str, caller_id: str, hashed_key: str, request_print: str, claim_id: str) -> StoredAnswer | None:
    """None when this request (`claim_id`, its own random id) now holds the key and should run; the stored answer
    when it ran before. Raises 422 `IDEMPOTENCY_KEY_REUSED` (another request under this key) or 409
    `IDEMPOTENCY_IN_PROGRESS`. The claim id makes two requests' records differ even within one second, so that
    the repository's "the item found is exactly mine" (a put retried by the SDK) never mistakes another request's
    claim for this one's."""
    repo = get_repository()
    key = keys.idempotency(client_id, caller_id, hashed_key)
    now = int(clock.now())
    record = {**key, "state": RUNNING, "fingerprint": request_print, "claimId": claim_id,
              "lockedUntil": now + LOCK_SECONDS,
              "ttl": now + TTL_SECONDS, "createdAt": clock.iso(now)}
    try:
        repo.put(record, condition="attribute_not_exists(PK) OR #ttl <= :now OR "
                                   "(#state = :running AND #locked <= :now AND #fp = :fp)",
                 names={"#ttl": "ttl", "#state": "state", "#locked": "lockedUntil", "#fp": "fingerprint"},
                 values={":now": now, ":running": RUNNING, ":fp": request_print})
        return None
    except ConditionFailed as failed:
        old = failed.old_item or repo.get(key, consistent=True)
    if not clock.alive(old, now):  # gone between the put and the read: the caller retries
        raise _in_progress()
    if old.get("fingerprint") != request_print:
        raise AppError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with another request",
                       {"field": HEADER, "reason": "already used with a different method, path or body; "
                                                   "use a new key for a new request"})
    if old.get("state") == DONE:
        return StoredAnswer(int(old["responseStatus"]), str(old["responseBody"]))
    raise _in_progress()


def _in_progress() -> AppError:
    return AppError("IDEMPOTENCY_IN_PROGRESS", "A request with this Idempotency-Key is still being processed",
                    {"field": HEADER, "reason": "retry after the first request has finished"},
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def finish(client_id: str, caller_id: str, hashed_key: str, claim_id: str, answer: StoredAnswer) -> None:
    """Keep the answer on the record this request claimed (a record taken over meanwhile is left alone)."""
    try:
        get_repository().update(
            keys.idempotency(client_id, caller_id, hashed_key),
            "SET #state = :done, responseStatus = :status, responseBody = :body, completedAt = :at "
            "REMOVE lockedUntil",
            condition="#state = :running AND claimId = :claim",
            names={"#state": "state"},
            values={":done": DONE, ":status": answer.status, ":body": answer.body, ":at": clock.iso(),
                    ":running": RUNNING, ":claim": claim_id}, return_values="NONE")
    except ConditionFailed:
        pass


def release(client_id: str, caller_id: str, hashed_key: str, claim_id: str) -> None:
    """Free the key after an answer that is not kept, so that a retry runs again."""
    try:
        get_repository().delete(keys.idempotency(client_id, caller_id, hashed_key),
                                condition="#state = :running AND claimId = :claim",
                                names={"#state": "state"}, values={":running": RUNNING, ":claim": claim_id})
    except ConditionFailed:
        pass


def is_kept(status: int) -> bool:
    return status < 500 and status not in _NOT_KEPT


# --- HTTP: the route class ---------------------------------------------------------------------------------
HEADER_PARAMETER = {
    "name": HEADER, "in": "header", "required": False,
    "description": "Makes the request safe to retry: the first answer is kept 24 hours and replayed "
                   f"(with `{REPLAYED_HEADER}: true`). Required for the voice agent's credential.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
}
ERROR_CODES = ("IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_IN_PROGRESS")


def _with_idempotency_errors(responses: dict[int | str, Any] | None) -> dict[int | str, Any]:
    merged: dict[int | str, Any] = {k: {**v, "x-error-codes": list(v.get("x-error-codes", []))}
                                    for k, v in (responses or {}).items()}
    for code in ERROR_CODES:
        entry = merged.setdefault(STATUS_BY_CODE[code], {"description": "Error", "x-error-codes": []})
        entry.setdefault("x-error-codes", []).append(code)
    return merged


def _caller_scope(event: dict[str, Any]) -> tuple[str, str, bool]:
    """(clientId, caller id, is the voice agent) from the authorizer context, as shared.http.caller reads it."""
    from shared.auth.principal import Caller

    found = Caller.from_event(event)
    return found.client_id, found.user_id or (f"key:{found.key_id}" if found.key_id else ""), found.is_agent


def _raw_key(request: Request, agent: bool) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        if agent:
            raise invalid(HEADER, "required for the voice agent's requests")
        return None
    if not _KEY_RE.match(raw):
        raise invalid(HEADER, "1 to 255 visible ASCII characters")
    return raw


def replay(answer: StoredAnswer) -> Response:
    return Response(content=answer.body, status_code=answer.status, media_type="application/json",
                    headers={REPLAYED_HEADER: "true",
                             "Access-Control-Expose-Headers": f"Retry-After,X-Request-Id,{REPLAYED_HEADER}"})


class IdempotentRoute(APIRoute):
    """An APIRoute whose POSTs honour `Idempotency-Key` (documented as a header parameter with its errors)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if "POST" in (kwargs.get("methods") or ()):
            kwargs["responses"] = _with_idempotency_errors(kwargs.get("responses"))
            extra = dict(kwargs.get("openapi_extra") or {})
            extra["parameters"] = [*extra.get("parameters", []), HEADER_PARAMETER]
            kwargs["openapi_extra"] = extra
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        if "POST" not in (self.methods or set()):
            return handle

        from shared.http.caller import needs_member  # the caller module imports nothing of this one

        members_only = needs_member(self.dependant)

        async def idempotent_handle(request: Request) -> Response:
            from shared.http.app_factory import error_response  # the factory imports nothing of this module

            client_id, caller_id, agent = _caller_scope(request.scope.get("aws.event") or {})
            raw = _raw_key(request, agent)
            if raw is None or not client_id or not caller_id or (members_only and caller_id.startswith("key:")):
                return await handle(request)  # (a route for members refuses a caller without one first)
            hashed = key_hash(raw)
            body = await request.body()
            request_print = fingerprint(request.method, request.url.path, request.url.query, body)
            mine = new_claim_id()
            stored = await run_in_threadpool(claim, client_id, caller_id, hashed, request_print, mine)
            if stored is not None:
                return replay(stored)
            try:
                response = await handle(request)
            except AppError as error:
                response = error_response(error)
            except BaseException:
                await run_in_threadpool(release, client_id, caller_id, hashed, mine)
                raise
            if not is_kept(response.status_code):
                await run_in_threadpool(release, client_id, caller_id, hashed, mine)
                return response
            answer = StoredAnswer(response.status_code, bytes(response.body).decode("utf-8"))
            try:
                await run_in_threadpool(finish, client_id, caller_id, hashed, mine, answer)
            except Exception:  # noqa: BLE001 - the work is done; a retry after the lock meets the natural key
                logger.exception("idempotency record not completed")
            return response

        return idempotent_handle


def idempotent_router() -> APIRouter:
    """A router whose POST routes honour `Idempotency-Key`; include it in the group's app."""
    return APIRouter(route_class=IdempotentRoute)
