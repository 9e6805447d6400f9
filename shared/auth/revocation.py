"""How access tokens stop before they expire.

Access tokens are stateless JWTs that live 15 minutes, and API Gateway caches the authorizer's Allow for a
few minutes, so neither the token nor the authorizer can be told to forget one. Instead, a full logout
(`allDevices`), a password reset and an account deletion write one small record per user,
`keys.token_revocation(client, user)`, holding `validAfter` (epoch seconds) and a TTL of one access-token
lifetime. `user_caller` (shared/http/caller.py) reads it with one GetItem on every signed-in request and
refuses a token issued (`iat`, which the authorizer passes on as `tokenIat`) before `validAfter`, or any token at all once the account is deleted.
After the TTL every token it could refuse has expired by itself, so the record is useless and DynamoDB
removes it; until then reads check `ttl` themselves.

Granularity is the second: a token issued within the very second of the logout still works until it
expires (15 minutes at most). Logging out one device (one refresh-token family) retires only that
refresh token; its access token lapses within its 15 minutes.
"""
from __future__ import annotations


from shared import clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.settings import get_settings

DELETED = 2**62  # validAfter of a deleted account: every token is older


def _record(client_id: str, user_id: str, valid_after: int) -> dict[str, object]:
    lifetime = get_settings().access_token_seconds
    return {**keys.token_revocation(client_id, user_id), "validAfter": valid_after,
            "ttl": int(clock.now()) + lifetime + 60}


def revoke_access_tokens(client_id: str, user_id: str) -> None:
    """Refuse every access token of the user issued before this second."""
    get_repository().put(_record(client_id, user_id, int(clock.now())))


def deleted_record(client_id: str, user_id: str) -> dict[str, object]:
    """The record that refuses every token of a deleted account (written in the deletion's transaction)."""
    return _record(client_id, user_id, DELETED)


def is_refused(valid_after: int | None, issued: int) -> bool:
    """Pure rule: a token is refused when it was issued before `validAfter`."""
    return valid_after is not None and issued < valid_after


def access_refused(client_id: str, user_id: str, issued: int) -> bool:
    """One GetItem: has this user's token (issued at `issued`, the authorizer's `tokenIat`) been revoked by a
    full logout, a reset or a deletion?"""
    record = get_repository().get(keys.token_revocation(client_id, user_id))
    if not record or int(record.get("ttl", 0)) <= clock.now():
        return False
    return is_refused(int(record["validAfter"]), issued)
