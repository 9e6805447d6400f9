"""Logins as refresh-token families, rotated on every use.

A login starts a family: a refresh JWT (typ "refresh", 30 days, claim `fam`) whose SHA-256 alone is stored
in the user partition at `keys.refresh_family(client, user, family)`, with a TTL. Each refresh presents the
current token, gets a new pair, and the stored hash moves on with one conditional update (`tokenHash =
:old`), so that of two refreshes racing with one token only one rotates.

Grace: the rotation also keeps the hash of the token it retired (`previousHash`) and the claims of the pair it
issued (claims only: without the signing key they are no credential), for GRACE_SECONDS. Within that window the
token just retired gets that very pair again (HS256 signs the same claims to the same token), so an app whose
parallel requests all refresh at once keeps its login. Any other signed refresh token of a family whose stored
hash differs is a retired one: presenting it revokes the whole family, so the thief's and the owner's later
tokens (its successors) stop too, and refuses every access token of the user issued before now
(shared/auth/revocation.py), so that the pair a thief got with it stops as well. Logout deletes the family;
logout from every device deletes them all. Deleting an account deletes them with the rest of the user partition.
"""
from __future__ import annotations

import secrets
from typing import Any, Callable

from shared import clock, metrics
from shared.auth import tokens
from shared.auth.revocation import revoke_access_tokens
from shared.db import keys
from shared.db.repository import Action, ConditionFailed, get_repository
from shared.digest import sha256_hex
from shared.domain import clients
from shared.errors import AppError
from shared.logs import security_event
from shared.settings import get_settings

GRACE_SECONDS = 30  # how long the refresh token just rotated still answers the pair it was traded for


def token_hash(token: str) -> str:
    return sha256_hex(token)


def new_family_id() -> str:
    return "fam_" + secrets.token_hex(12)


def _invalid(message: str = "The refresh token is not valid; sign in again") -> AppError:
    return AppError("INVALID_REFRESH_TOKEN", message)


def _pair(client_id: str, user_id: str, role: str, family_id: str,
          claims: tuple[dict[str, Any], dict[str, Any]] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new (access, refresh) pair of one family, and the claims of both (`{"access", "refresh"}`). Given the
    claims of a pair issued before, the same two tokens again."""
    settings = get_settings()
    old_access, old_refresh = claims or ({}, {})
    refresh, refresh_claims = tokens.issue(user_id, client_id, role, typ="refresh",
                                           ttl_seconds=settings.refresh_token_days * 86400,
                                           extra={**old_refresh, "fam": family_id})
    access, access_claims = tokens.issue(user_id, client_id, role, extra={**old_access, "fam": family_id})
    expires_in = max(1, int(access_claims["exp"]) - int(clock.now())) if claims else settings.access_token_seconds
    answer = {"accessToken": access, "refreshToken": refresh, "expiresIn": expires_in}
    return answer, {"access": access_claims, "refresh": refresh_claims}


def start(client_id: str, user_id: str, role: str) -> dict[str, Any]:
    """A new login: `{accessToken, refreshToken, expiresIn}`; one PutItem."""
    family_id = new_family_id()
    return start_family(keys.refresh_family(client_id, user_id, family_id), family_id,
                        lambda: _pair(client_id, user_id, role, family_id), userId=user_id, clientId=client_id)


Mint = Callable[[], tuple[dict[str, Any], dict[str, Any]]]


def start_family(family_key: dict[str, str], family_id: str, mint: Mint, **attributes: Any) -> dict[str, Any]:
    """Store a new family at `family_key` (a member's partition, or a partner staff member's) for the pair that
    `mint()` returns as (answer, {"access": claims, "refresh": claims}). `attributes` must name the holder as
    `userId` and `clientId` (reuse revokes their access tokens). One PutItem."""
    answer, issued = mint()
    claims = issued["refresh"]
    now = clock.iso()
    get_repository().put({
        **family_key, "familyId": family_id, **attributes, "tokenHash": token_hash(answer["refreshToken"]),
        "rotations": 0, "createdAt": now, "rotatedAt": now, "expiresAt": clock.iso(claims["exp"]),
        "ttl": int(claims["exp"]),
    }, condition="attribute_not_exists(PK)")
    return answer


def read_claims(token: str) -> dict[str, Any]:
    """The claims of a signed, unexpired refresh token, else 401 INVALID_REFRESH_TOKEN."""
    try:
        claims = tokens.verify(token, typ="refresh")
    except tokens.TokenError as error:
        raise _invalid("The refresh token has expired; sign in again" if error.code == "TOKEN_EXPIRED"
                       else "The refresh token is not valid; sign in again") from None
    if not isinstance(claims.get("fam"), str) or not claims["fam"].startswith("fam_"):
        raise _invalid()
    return claims


def _reused(family: dict[str, Any]) -> AppError:
    """A retired refresh token came back: end the login and every access token of the user issued before now."""
    client_id, user_id = str(family["clientId"]), str(family["userId"])
    get_repository().delete({"PK": family["PK"], "SK": family["SK"]})
    revoke_access_tokens(client_id, user_id)
    metrics.record(metrics.REFRESH_REUSE)
    security_event("refresh_reuse", clientId=client_id, userId=user_id, familyId=str(family.get("familyId", "")))
    return _invalid("This refresh token was already used; the login is revoked, sign in again")


def _in_grace(family: dict[str, Any], presented: str) -> bool:
    """Is `presented` the token this family rotated away from less than GRACE_SECONDS ago?"""
    return (secrets.compare_digest(str(family.get("previousHash", "")), presented)
            and float(family.get("graceUntil", 0)) > clock.now() and isinstance(family.get("graceClaims"), dict))


def _grace_pair(family: dict[str, Any]) -> dict[str, Any]:
    """The pair the family's last rotation issued, signed again from its stored claims."""
    claims = family["graceClaims"]
    access, refresh = dict(claims["access"]), dict(claims["refresh"])
    answer, _ = _pair(str(family["clientId"]), str(family["userId"]), str(access["role"]), str(family["familyId"]),
                      (access, refresh))
    return answer


def rotate(token: str, *, key_client_id: str, universal: bool) -> dict[str, Any]:
    """Trade a current refresh token for a new pair. Reads: family (consistent) + user; writes: one update."""
    claims = read_claims(token)
    client_id, user_id, family_id = claims["cid"], claims["sub"], claims["fam"]
    if not universal and client_id != key_client_id:
        raise _invalid()

    def holder_role() -> str | None:
        user = get_repository().get(keys.user(client_id, user_id))
        return str(user.get("role") or "user") if user and user.get("status", "active") == "active" else None

    return rotate_family(keys.refresh_family(client_id, user_id, family_id), token, client_id, holder_role,
                         lambda role: _pair(client_id, user_id, role, family_id))


def rotate_family(family_key: dict[str, str], token: str, client_id: str, holder_role: Callable[[], str | None],
                  mint: Callable[[str], tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """Rotate the family at `family_key` whose refresh token `token` was verified by the caller (a member's or a
    partner staff member's). `holder_role()` reads the holder's current role, None once they may no longer
    sign in; `mint(role)` makes the new pair as `start_family` takes it."""
    repo = get_repository()
    family = repo.get(family_key, consistent=True)
    if family is None or int(family.get("ttl", 0)) <= clock.now():
        raise _invalid("This login has ended; sign in again")
    if clients.get_client(client_id) is None:  # a suspended studio's members stop at their next refresh
        raise AppError("CLIENT_SUSPENDED", "This studio's account is not active")
    presented = token_hash(token)
    if not secrets.compare_digest(str(family.get("tokenHash", "")), presented):
        if _in_grace(family, presented):
            return _grace_pair(family)
        raise _reused(family)
    role = holder_role()
    if role is None:
        repo.delete(family_key)
        raise _invalid("This account is no longer active")
    answer, issued = mint(role)
    expires = int(issued["refresh"]["exp"])
    try:
        repo.update(family_key, "SET tokenHash = :new, previousHash = :old, graceUntil = :grace, "
                                "graceClaims = :claims, rotatedAt = :now, expiresAt = :exp, #ttl = :ttl "
                                "ADD rotations :one",
                    condition="tokenHash = :old", names={"#ttl": "ttl"},
                    values={":new": token_hash(answer["refreshToken"]), ":old": presented, ":now": clock.iso(),
                            ":grace": int(clock.now()) + GRACE_SECONDS, ":claims": issued,
                            ":exp": clock.iso(expires), ":ttl": expires, ":one": 1},
                    return_values="NONE")
    except ConditionFailed as lost:  # a parallel refresh with the same token rotated first, or a logout
        winner = lost.old_item
        if not winner:
            raise _invalid("This login has ended; sign in again") from None
        if _in_grace(winner, presented):
            return _grace_pair(winner)
        raise _reused(winner) from None
    return answer


def revoke(client_id: str, user_id: str, family_id: str) -> int:
    """End one login. Returns how many were ended (0 or 1)."""
    return end_family(keys.refresh_family(client_id, user_id, family_id))


def end_family(family_key: dict[str, str]) -> int:
    """End the login stored at `family_key`: 1 if it was there, else 0."""
    try:
        get_repository().delete(family_key, condition="attribute_exists(PK)")
    except ConditionFailed:
        return 0
    return 1


def revoke_all(client_id: str, user_id: str) -> int:
    """End every login of the user: one Query of the user partition, deletes in transactions of 100."""
    return revoke_families(keys.user_pk(client_id, user_id))


def revoke_families(partition: str) -> int:
    """End every login kept in `partition` (a member's or a partner staff member's)."""
    repo = get_repository()
    families = repo.query(partition, sk_prefix=keys.refresh_family_prefix(), consistent=True)
    for start_at in range(0, len(families), 100):
        repo.transact([Action.delete({"PK": f["PK"], "SK": f["SK"]}) for f in families[start_at:start_at + 100]])
    return len(families)
