"""How access tokens stop before they expire.

Access tokens are stateless JWTs that live 15 minutes, and API Gateway caches the authorizer's Allow for a
few minutes, so neither the token nor the authorizer can be told to forget one. Instead, a full logout
(`allDevices`), a password reset and an account deletion write one small record per user,
`keys.token_revocation(client, user)`, holding `validAfterMs` (epoch milliseconds) and a TTL of one
access-token lifetime. `caller` (shared/http/caller.py) reads it with one GetItem on every request that carries
a bearer, whatever the route, and refuses a token issued (`iatMs`, which the authorizer passes on as
`tokenIatMs`) before `validAfterMs`, or any token at all once the account is deleted. A refresh-token reuse
writes it too. Derived credentials (the voice agent's) keep their parent's issue instant, so they fall with it.
After the TTL every token it could refuse has expired by itself, so the record is useless and DynamoDB
removes it; until then reads check `ttl` themselves.

Granularity is the millisecond: a token issued in the same second as a logout-all, but before it, is
refused; one issued after it (the sign-in that follows) is not. Logging out one device (one refresh-token family) retires only that
refresh token; its access token lapses within its 15 minutes.
"""
from __future__ import annotations


from shared import clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.settings import get_settings

DELETED = 2**62  # validAfterMs of a deleted account: every token is older


def _record(client_id: str, user_id: str, valid_after_ms: int) -> dict[str, object]:
    lifetime = get_settings().access_token_seconds
    return {**keys.token_revocation(client_id, user_id), "validAfterMs": valid_after_ms,
            "ttl": int(clock.now()) + lifetime + 60}


def revoke_access_tokens(client_id: str, user_id: str) -> None:
    """Refuse every access token of the user issued before this millisecond."""
    get_repository().put(_record(client_id, user_id, clock.now_ms()))


def deleted_record(client_id: str, user_id: str) -> dict[str, object]:
    """The record that refuses every token of a deleted account (written in the deletion's transaction)."""
    return _record(client_id, user_id, DELETED)


def is_refused(valid_after_ms: int | None, issued_ms: int) -> bool:
    """Pure rule: a token is refused when it was issued before `validAfterMs`."""
    return valid_after_ms is not None and issued_ms < valid_after_ms


def access_refused(client_id: str, user_id: str, issued_ms: int) -> bool:
    """One GetItem: has this user's token (issued at `issued_ms`, the authorizer's `tokenIatMs`) been revoked
    by a full logout, a reset, a refresh-token reuse or a deletion?"""
    record = get_repository().get(keys.token_revocation(client_id, user_id))
    if not record or int(record.get("ttl", 0)) <= clock.now():
        return False
    return is_refused(int(record["validAfterMs"]), issued_ms)
