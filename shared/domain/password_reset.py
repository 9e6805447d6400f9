"""Forgotten passwords: a single-use reset token by mail, stored only as its SHA-256, valid one hour.

`forgot` always answers the same, whether or not the email has an account, after the same work: it takes a
token of the client's reset-mail bucket and queues a job (shared/jobs.py), whatever the email. The job
(`deliver`) looks the account up, stores the token's hash and sends the mail, after the answer, so neither
the answer nor its timing tells whether the email is a member. The mail speaks as the client: its app name,
sender name and deep-link scheme come from the client's branding. `reset` consumes the token and sets the
password in one transaction, then ends every login of the member and refuses the access tokens issued before it.
"""
from __future__ import annotations

import re
import secrets
from typing import Any

from shared import clock, jobs, ratelimit
from shared.auth import passwords
from shared.auth.principal import Caller
from shared.auth.revocation import revoke_access_tokens
from shared.db import keys
from shared.db.repository import Action, get_repository
from shared.digest import sha256_hex
from shared.domain import clients, mail, refresh_tokens
from shared.domain.accounts import commit, forgot_scope
from shared.errors import AppError, refused

TOKEN_TTL_SECONDS = 3600
FORGOT_BURST = 3  # reset mails one email may ask for at once...
FORGOT_PER_MINUTE = 1  # ...then one a minute
DEFAULT_LINK_SCHEME = "studiostv"  # the platform app's; a client's branding names its own (`deepLinkScheme`)
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,31}")  # RFC 3986 scheme, lower case, kept short


def _hash(token: str) -> str:
    return sha256_hex(token)


def _clients_of(caller: Caller, email: str, client_id: str | None) -> list[str]:
    if not caller.universal:
        return [caller.client_id] if client_id in (None, caller.client_id) else []
    found = [str(c["GSI1SK"]) for c in get_repository().query(keys.email_index(email), index="GSI1", limit=20)]
    return [c for c in found if client_id in (None, c)]


def _limit(caller: Caller, client_ids: list[str], email: str) -> None:
    """One token from the bucket of each client's email. A client key always takes its own client's (whether
    or not the account exists, so that a 429 tells nothing); the universal key takes each client holding the
    email, or a bucket of its own when none does (one write per client: an email known in several clients costs
    the universal key's request one write more per extra client). Another client's key never spends this
    client's mails."""
    scopes = [forgot_scope(c, email) for c in client_ids] if caller.universal else \
        [forgot_scope(caller.client_id, email)]
    for scope in scopes or [forgot_scope("", email)]:
        ratelimit.take(scope, FORGOT_PER_MINUTE, FORGOT_BURST)


def forgot(caller: Caller, email: str, client_id: str | None = None) -> dict[str, Any]:
    """POST /auth/password/forgot for `email` (normalized), in `client_id` when the universal key names one:
    202 always (429 when one client's email asks too often). The mail, if any, is sent by a job after the
    answer."""
    client_ids = _clients_of(caller, email, client_id)
    _limit(caller, client_ids, email)
    jobs.enqueue("password_reset", {"email": email, "client_ids": client_ids})
    return {"message": "If an account exists for this email, a reset link is on its way."}


def deliver(email: str, client_ids: list[str]) -> int:
    """The job: for each client where `email` is a member, a reset token (its hash stored) and a mail in the
    client's name. Returns how many mails were sent."""
    repo = get_repository()
    sent = 0
    for client_id in client_ids:
        claim = repo.get(keys.email_claim(client_id, email))
        client = clients.get_client(client_id)
        if claim is None or client is None:
            continue
        user_id = str(claim["userId"])
        token = secrets.token_urlsafe(32)
        digest = _hash(token)
        repo.put({**keys.password_reset(client_id, user_id, digest), "userId": user_id, "clientId": client_id,
                  "createdAt": clock.iso(), "expiresAt": clock.iso(clock.now() + TOKEN_TTL_SECONDS),
                  "ttl": int(clock.now()) + TOKEN_TTL_SECONDS,
                  "GSI1PK": keys.password_reset_index(digest), "GSI1SK": "RESET"})
        message = reset_message(clients.branding(client), token)
        mail.send(to=email, client_id=client_id, user_id=user_id, **message)
        sent += 1
    return sent


def reset_message(branding: dict[str, Any], token: str) -> dict[str, str]:
    """The reset mail in the client's name: `{subject, text, sender_name, sender_address}`. Branding keys:
    `appName`, `mailFromName` (else the app name), `mailFrom` (an address of the platform's verified mail
    domain, see mail.sender) and `deepLinkScheme` (the app's URL scheme, else the platform's)."""
    app_name = mail.header_text(str(branding.get("appName") or clients.DEFAULT_BRANDING["appName"]))
    scheme = str(branding.get("deepLinkScheme") or "").lower()
    link = f"{scheme if _SCHEME.fullmatch(scheme) else DEFAULT_LINK_SCHEME}://reset-password?token={token}"
    return {
        "subject": f"Reset your {app_name} password",
        "text": (f"Someone asked to reset the password of your {app_name} account.\n"
                 f"Open this link within one hour to choose a new one:\n{link}\n"
                 f"Reset code: {token}\n"
                 "If it was not you, ignore this message; your password stays as it is."),
        "sender_name": mail.header_text(str(branding.get("mailFromName") or app_name)),
        "sender_address": str(branding.get("mailFrom") or ""),
    }


def _bad_token() -> AppError:
    return refused("INVALID_RESET_TOKEN", "The reset token cannot be used", "token",
                   "unknown, already used or expired: ask for a new reset mail")


def reset(caller: Caller, token: str, password: str) -> dict[str, Any]:
    """POST /auth/password/reset: consume the token, set the password, end every login."""
    repo = get_repository()
    digest = _hash(token)
    pending = next(iter(repo.query(keys.password_reset_index(digest), index="GSI1", limit=1)), None)
    if (not clock.alive(pending)
            or (not caller.universal and pending.get("clientId") != caller.client_id)):
        raise _bad_token()
    client_id, user_id = str(pending["clientId"]), str(pending["userId"])
    commit([
        Action.delete(keys.password_reset(client_id, user_id, digest), "attribute_exists(PK) AND #ttl > :now",
                      names={"#ttl": "ttl"}, values={":now": int(clock.now())}).failing_as("token"),
        Action.update(keys.user(client_id, user_id), "SET passwordHash = :h, passwordChangedAt = :t, "
                      "updatedAt = :t", "attribute_exists(PK)",
                      values={":h": passwords.hash_password(password), ":t": clock.iso()}).failing_as("user"),
    ], {"token": _bad_token(), "user": _bad_token()})
    for other in repo.query(keys.user_pk(client_id, user_id), sk_prefix=keys.PASSWORD_RESET_PREFIX, consistent=True):
        repo.delete({"PK": other["PK"], "SK": other["SK"]})
    refresh_tokens.revoke_all(client_id, user_id)
    revoke_access_tokens(client_id, user_id)
    return {"passwordReset": True}
