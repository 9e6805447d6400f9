"""The voice agent's credential: minted server to server, never held by the app.

`POST /livekit/token` puts only an opaque, single-use ticket in the agent's dispatch metadata (which the app can
read in its room token). The agent worker exchanges it at `POST /agent/credentials` with its own worker secret
(`X-Agent-Secret`, a secret the app never sees) for a credential of its own token type, `typ: "agent"`:
- the authorizer accepts it only as an agent (its context says so) and `shared.http.caller` keeps it on the
  routes of AGENT_ROUTES; member routes refuse it, and it cannot mint a room (so not another credential);
- for a signed-in member it never outlives or outranks its parent: the parent access token's issue instant
  (`iatMs`, so a revocation of the parent reaches it), an expiry no later than the parent's, and the role read
  again from the user item at the exchange;
- for an anonymous onboarding session it is bound to that session (`sid`) and lives at most 15 minutes.
The ticket is stored as its SHA-256 only, in its client's partition, and deleted by the exchange with a
condition, so two exchanges of one ticket leave exactly one credential.
"""
from __future__ import annotations

import hmac
import secrets
from typing import Any

from shared import clock
from shared.auth import api_keys, tokens
from shared.auth.revocation import access_refused
from shared.db import keys
from shared.db.repository import ConditionFailed, get_repository
from shared.errors import AppError
from shared.logs import security_event
from shared.settings import get_secret, get_settings

AGENT_SECONDS = 900  # an agent credential's longest life
SEPARATOR = "."  # ticket = <clientId>.<random>; client ids are slugs without dots


def issue_ticket(*, client_id: str, user_id: str, identity: str, scope: tuple[str, ...], session_id: str | None,
                 parent_iat_ms: int, parent_exp: int, usage_key: str) -> tuple[str, int]:
    """A new ticket for one room's agent and its expiry (the room token's lifetime)."""
    raw = f"{client_id}{SEPARATOR}{secrets.token_urlsafe(32)}"
    expires = int(clock.now()) + get_settings().livekit_token_seconds
    get_repository().put({
        **keys.agent_ticket(client_id, api_keys.hash_key(raw)), "clientId": client_id, "userId": user_id,
        "identity": identity, "scope": list(scope), "sessionId": session_id or "", "parentIatMs": parent_iat_ms,
        "parentExp": parent_exp, "usageKey": usage_key, "ttl": expires})
    return raw, expires


def _refused(reason: str, client_id: str = "") -> AppError:
    """A ticket the worker should drop (the room's member must start a new conversation), for the worker's log:
    `details.reason` is `ticket` (unknown, used or expired) or `sign_in_ended` (the member's sign-in ended)."""
    security_event("agent-ticket-refused", reason=reason, clientId=client_id)
    if reason.startswith("parent"):
        return AppError("UNAUTHORIZED", "The member's sign-in behind this ticket has ended: leave the room",
                        {"reason": "sign_in_ended"})
    return AppError("UNAUTHORIZED", "The agent ticket is not valid (unknown, expired or already used): leave the room",
                    {"reason": "ticket"})


def exchange(ticket: str, worker_secret: str) -> dict[str, Any]:
    """The agent's credential for a ticket, once: `{accessToken, expiresAt, expiresIn, clientId, userId,
    sessionId, scope}`."""
    if not hmac.compare_digest(worker_secret.encode(), get_secret("agentWorkerSecret").encode()):
        security_event("agent-secret-refused")
        raise AppError("UNAUTHORIZED", "The agent worker's secret is not valid: check the worker's configuration",
                       {"reason": "worker_secret"})
    client_id, dot, _ = ticket.partition(SEPARATOR)
    if not dot or not client_id:
        raise _refused("malformed")
    key = keys.agent_ticket(client_id, api_keys.hash_key(ticket))
    try:
        record = get_repository().delete(key, condition="attribute_exists(PK)", return_old=True)
    except ConditionFailed:
        raise _refused("unknown-or-used", client_id) from None
    now = int(clock.now())
    if int(record.get("ttl", 0)) <= now:
        raise _refused("expired", client_id)
    return _credential(record, now)


def _credential(record: dict[str, Any], now: int) -> dict[str, Any]:
    client_id, user_id = str(record["clientId"]), str(record.get("userId") or "")
    extra: dict[str, Any] = {"scope": list(record["scope"]), "uk": record.get("usageKey") or ""}
    if user_id:
        user = get_repository().get(keys.user(client_id, user_id))
        if not user or access_refused(client_id, user_id, int(record["parentIatMs"])):
            raise _refused("parent-ended", client_id)
        expires = min(int(record["parentExp"]), now + AGENT_SECONDS)
        if expires <= now:
            raise _refused("parent-expired", client_id)
        token, claims = tokens.issue(user_id, client_id, str(user.get("role") or "user"), typ=tokens.AGENT,
                                     extra=extra, issued_ms=int(record["parentIatMs"]), expires=expires)
    else:
        extra["sid"] = record.get("sessionId") or ""
        token, claims = tokens.issue(str(record["identity"]), client_id, "anonymous", typ=tokens.AGENT,
                                     extra=extra, expires=now + AGENT_SECONDS)
    return {"accessToken": token, "tokenType": "Bearer", "expiresAt": clock.iso(claims["exp"]),
            "expiresIn": claims["exp"] - now, "clientId": client_id, "userId": user_id or None,
            "sessionId": record.get("sessionId") or None, "scope": list(record["scope"])}
