"""Forgotten passwords: a single-use reset token by mail, stored only as its SHA-256, valid one hour.

`forgot` always answers the same, whether or not the email has an account (it is limited per email, since
each request may send a message). `reset` consumes the token and sets the password in one transaction,
then ends every login of the member and refuses the access tokens issued before it.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import Annotated, Any

from pydantic import Field

from shared import clock, ratelimit
from shared.auth import passwords
from shared.auth.revocation import revoke_access_tokens
from shared.db import keys
from shared.db.repository import Action, get_repository
from shared.domain import mail, refresh_tokens
from shared.domain.accounts import Email, Password, commit, forgot_scope
from shared.errors import AppError
from shared.http.app_factory import ApiModel
from shared.http.caller import Caller

TOKEN_TTL_SECONDS = 3600
FORGOT_BURST = 3  # reset mails one email may ask for at once...
FORGOT_PER_MINUTE = 1  # ...then one a minute
RESET_LINK = "studiostv://reset-password?token={token}"


class ForgotBody(ApiModel):
    email: Email
    clientId: str | None = Field(None, min_length=1, max_length=64)


class ResetBody(ApiModel):
    token: Annotated[str, Field(min_length=20, max_length=200)]
    password: Password


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _clients_of(caller: Caller, body: ForgotBody) -> list[str]:
    if not caller.universal:
        return [caller.client_id] if body.clientId in (None, caller.client_id) else []
    found = [str(c["GSI1SK"]) for c in get_repository().query(keys.email_index(body.email), index="GSI1", limit=20)]
    return [c for c in found if body.clientId in (None, c)]


def _limit(caller: Caller, client_ids: list[str], email: str) -> None:
    """One token from the bucket of each client's email. A client key always takes its own client's (whether
    or not the account exists, so that a 429 tells nothing); the universal key takes each client holding the
    email, or a bucket of its own when none does. Another client's key never spends this client's mails."""
    scopes = [forgot_scope(c, email) for c in client_ids] if caller.universal else \
        [forgot_scope(caller.client_id, email)]
    for scope in scopes or [forgot_scope("", email)]:
        ratelimit.take(scope, FORGOT_PER_MINUTE, FORGOT_BURST)


def forgot(caller: Caller, body: ForgotBody) -> dict[str, Any]:
    """POST /auth/password/forgot: 202 always (429 when one client's email asks too often)."""
    client_ids = _clients_of(caller, body)
    _limit(caller, client_ids, body.email)
    repo = get_repository()
    for client_id in client_ids:
        claim = repo.get(keys.email_claim(client_id, body.email))
        if claim is None:
            continue
        user_id = str(claim["userId"])
        token = secrets.token_urlsafe(32)
        digest = _hash(token)
        repo.put({**keys.password_reset(client_id, user_id, digest), "userId": user_id, "clientId": client_id,
                  "createdAt": clock.iso(), "expiresAt": clock.iso(clock.now() + TOKEN_TTL_SECONDS),
                  "ttl": int(clock.now()) + TOKEN_TTL_SECONDS,
                  "GSI1PK": keys.password_reset_index(digest), "GSI1SK": "RESET"})
        mail.send(to=body.email, subject="Reset your sTvOS password", client_id=client_id, user_id=user_id,
                  text=("Someone asked to reset the password of your sTvOS account.\n"
                        f"Open this link within one hour to choose a new one:\n{RESET_LINK.format(token=token)}\n"
                        f"Reset code: {token}\n"
                        "If it was not you, ignore this message; your password stays as it is."))
    return {"message": "If an account exists for this email, a reset link is on its way."}


def _bad_token() -> AppError:
    return AppError("VALIDATION_ERROR", "Invalid request: token",
                    [{"field": "token", "reason": "The reset token is unknown, used or expired"}])


def reset(caller: Caller, body: ResetBody) -> dict[str, Any]:
    """POST /auth/password/reset: consume the token, set the password, end every login."""
    repo = get_repository()
    digest = _hash(body.token)
    pending = next(iter(repo.query(keys.password_reset_index(digest), index="GSI1", limit=1)), None)
    if (pending is None or int(pending.get("ttl", 0)) <= clock.now()
            or (not caller.universal and pending.get("clientId") != caller.client_id)):
        raise _bad_token()
    client_id, user_id = str(pending["clientId"]), str(pending["userId"])
    commit([
        Action.delete(keys.password_reset(client_id, user_id, digest), "attribute_exists(PK) AND #ttl > :now",
                      names={"#ttl": "ttl"}, values={":now": int(clock.now())}),
        Action.update(keys.user(client_id, user_id), "SET passwordHash = :h, passwordChangedAt = :t, "
                      "updatedAt = :t", "attribute_exists(PK)",
                      values={":h": passwords.hash_password(body.password), ":t": clock.iso()}),
    ], ["token", "user"], {"token": _bad_token(), "user": _bad_token()})
    for other in repo.query(keys.user_pk(client_id, user_id), sk_prefix="PWRESET#", consistent=True):
        repo.delete({"PK": other["PK"], "SK": other["SK"]})
    refresh_tokens.revoke_all(client_id, user_id)
    revoke_access_tokens(client_id, user_id)
    return {"passwordReset": True}
