"""Who is calling: resolve an API key and an optional bearer token into a flat identity.

Used by the Lambda authorizer (and so by the local API, which calls the same authorizer). The result
never depends on the path, because API Gateway caches it per identity source.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared import clock
from shared.auth import api_keys, tokens
from shared.db import keys
from shared.db.repository import get_repository
from shared.settings import get_settings


class AuthFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Identity:
    client_id: str = ""
    user_id: str = ""
    role: str = ""
    key_id: str = ""
    universal: bool = False
    token_exp: int = 0
    token_iat_ms: int = 0
    usage_key: str = ""
    token_type: str = ""  # "access", "agent" (the voice agent's credential), or "" without a bearer
    agent_scope: tuple[str, ...] = ()
    agent_session: str = ""  # the onboarding session an anonymous agent credential is bound to

    def context(self) -> dict[str, Any]:
        """The authorizer context: flat strings, as API Gateway passes them on. Functions decide from these
        verified values alone; none of them reads the Authorization header again."""
        return {"clientId": self.client_id, "userId": self.user_id, "role": self.role, "keyId": self.key_id,
                "universal": "true" if self.universal else "false", "tokenExp": str(self.token_exp),
                "tokenIatMs": str(self.token_iat_ms), "tokenType": self.token_type,
                "agentScope": " ".join(self.agent_scope), "agentSession": self.agent_session,
                "usageKey": self.usage_key}


_key_cache: dict[str, tuple[float, dict[str, Any] | None]] = {}


def lookup_key(raw_key: str) -> dict[str, Any] | None:
    """The active key record for a raw key, kept in memory for a short while (one GetItem otherwise)."""
    digest = api_keys.hash_key(raw_key)
    now = clock.now()
    cached = _key_cache.get(digest)
    if cached and cached[0] > now:
        return cached[1]
    record = get_repository().get(keys.api_key(digest))
    if record and record.get("status") != "active":
        record = None
    if len(_key_cache) > 1000:
        _key_cache.clear()
    _key_cache[digest] = (now + get_settings().api_key_cache_seconds, record)
    return record


def forget_cached_keys() -> None:
    _key_cache.clear()


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer <token>` header, or `AuthFailure`."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthFailure("UNAUTHORIZED", "The Authorization header must be 'Bearer <accessToken>'")
    return token.strip()


def _verified(authorization: str) -> dict[str, Any]:
    try:
        return tokens.verify(bearer_token(authorization), typ=(tokens.ACCESS, tokens.AGENT))
    except tokens.TokenError as error:
        raise AuthFailure(error.code, error.message) from None


def _with_bearer(key: Identity, claims: dict[str, Any]) -> Identity:
    agent = claims["typ"] == tokens.AGENT
    scope = tuple(s for s in claims.get("scope") or () if isinstance(s, str)) if agent else ()
    return Identity(client_id=claims["cid"], user_id=claims["sub"] if claims["role"] != "anonymous" else "",
                    role=claims["role"], key_id=key.key_id, universal=key.universal, token_exp=int(claims["exp"]),
                    token_iat_ms=tokens.issued_ms(claims), usage_key=key.usage_key or str(claims.get("uk") or ""),
                    token_type=claims["typ"], agent_scope=scope,
                    agent_session=str(claims.get("sid") or "") if agent else "")


def resolve(raw_key: str | None, authorization: str | None) -> Identity:
    """Identity for the headers, or `AuthFailure`. Without a key the caller is anonymous, unless the bearer is
    a valid voice-agent credential: that names its client itself, having been minted for one (a member's
    access token without a key stays ignored, as it always was)."""
    if not raw_key:
        try:
            claims = _verified(authorization) if authorization else None
        except AuthFailure:
            claims = None
        return _with_bearer(Identity(), claims) if claims and claims["typ"] == tokens.AGENT else Identity()
    raw_key = raw_key.strip()
    if not api_keys.looks_like_key(raw_key):
        raise AuthFailure("INVALID_API_KEY", "The API key is not valid")
    record = lookup_key(raw_key)
    if record is None:
        raise AuthFailure("INVALID_API_KEY", "The API key is not valid")
    universal = bool(record.get("universal"))
    identity = Identity(client_id=record.get("clientId") or "", key_id=record["keyId"], universal=universal,
                        usage_key=record.get("usageKey") or "")
    if not authorization:
        return identity
    claims = _verified(authorization)
    if not universal and claims["cid"] != identity.client_id:
        raise AuthFailure("UNAUTHORIZED", "This token belongs to another client than the API key")
    return _with_bearer(identity, claims)
