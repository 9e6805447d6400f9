"""Signed JWTs: HS256 only (pinned), with issuer, audience, expiry and a token type.

Access tokens carry `sub` (user id), `cid` (client id), `role`, `typ="access"`, `iat`, `exp`, `jti`.
Other token types (refresh, agent) share the same signing and verification, told apart by `typ`.
"""
from __future__ import annotations

import secrets
from typing import Any

import jwt

from shared import clock
from shared.settings import get_secret, get_settings

ALGORITHM = "HS256"


class TokenError(Exception):
    """`code` is the API error code to answer with (UNAUTHORIZED or TOKEN_EXPIRED)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def issue(subject: str, client_id: str, role: str, *, typ: str = "access", ttl_seconds: int | None = None,
          extra: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    settings = get_settings()
    issued = int(clock.now())
    claims: dict[str, Any] = {
        "sub": subject, "cid": client_id, "role": role, "typ": typ,
        "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
        "iat": issued, "exp": issued + (ttl_seconds or settings.access_token_seconds),
        "jti": secrets.token_urlsafe(16),
        **(extra or {}),
    }
    return jwt.encode(claims, get_secret("jwtSigningKey"), algorithm=ALGORITHM), claims


def verify(token: str, *, typ: str = "access") -> dict[str, Any]:
    """The claims of a valid token of type `typ`, else `TokenError`."""
    settings = get_settings()
    if not token or len(token) > 4096:
        raise TokenError("UNAUTHORIZED", "Malformed bearer token")
    try:
        claims = jwt.decode(
            token, get_secret("jwtSigningKey"), algorithms=[ALGORITHM],
            audience=settings.jwt_audience, issuer=settings.jwt_issuer,
            options={"require": ["sub", "cid", "role", "typ", "exp", "iat", "iss", "aud", "jti"],
                     "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )  # time claims are checked below against shared.clock, which tests move
    except jwt.PyJWTError as error:
        raise TokenError("UNAUTHORIZED", "Invalid bearer token") from error
    now = clock.now()
    if not isinstance(claims.get("iat"), int) or claims["iat"] > now + 60:
        raise TokenError("UNAUTHORIZED", "Invalid bearer token")
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now:
        raise TokenError("TOKEN_EXPIRED", "The access token has expired; refresh it")
    if claims.get("typ") != typ:
        raise TokenError("UNAUTHORIZED", f"Not an {typ} token")
    return claims
