"""Signed JWTs: HS256 only (pinned), with issuer, audience, expiry and a token type.

Access tokens carry `sub` (user id), `cid` (client id), `role`, `typ="access"`, `iat`, `iatMs`, `exp`, `jti`.
`iatMs` is the issue instant in milliseconds: revocation compares it, so a token issued in the same second as a
logout-all but before it is refused. Other token types (the voice agent's `typ="agent"`, see
shared/auth/agent_credentials.py) share the same signing and verification, told apart by `typ`: a verifier
names the types it accepts, so a token of one type never passes where another is expected.
"""
from __future__ import annotations

import secrets
from typing import Any

import jwt

from shared import clock
from shared.settings import get_secret, get_settings

ALGORITHM = "HS256"
ACCESS = "access"
AGENT = "agent"


class TokenError(Exception):
    """`code` is the API error code to answer with (UNAUTHORIZED or TOKEN_EXPIRED)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def issue(subject: str, client_id: str, role: str, *, typ: str = "access", ttl_seconds: int | None = None,
          extra: dict[str, Any] | None = None, issued_ms: int | None = None,
          expires: int | None = None) -> tuple[str, dict[str, Any]]:
    """A signed token. `issued_ms` and `expires` let a derived credential keep its parent's issue instant and
    end no later than it (revocation of the parent then reaches the child)."""
    settings = get_settings()
    issued_ms = issued_ms if issued_ms is not None else clock.now_ms()
    issued = issued_ms // 1000
    claims: dict[str, Any] = {
        "sub": subject, "cid": client_id, "role": role, "typ": typ,
        "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
        "iat": issued, "iatMs": issued_ms,
        "exp": expires if expires is not None else int(clock.now()) + (ttl_seconds or settings.access_token_seconds),
        "jti": secrets.token_urlsafe(16),
        **(extra or {}),
    }
    return jwt.encode(claims, get_secret("jwtSigningKey"), algorithm=ALGORITHM), claims


def issued_ms(claims: dict[str, Any]) -> int:
    """The issue instant in milliseconds (`iatMs`; tokens without it count from the start of their `iat`)."""
    value = claims.get("iatMs")
    return value if isinstance(value, int) and value // 1000 == claims["iat"] else claims["iat"] * 1000


def verify(token: str, *, typ: str | tuple[str, ...] = "access", audience: str | None = None) -> dict[str, Any]:
    """The claims of a valid token of type `typ` (or one of the types) for `audience` (default: the member
    API's; partner staff tokens have their own, see shared/auth/partner_tokens.py), else `TokenError`."""
    settings = get_settings()
    if not token or len(token) > 4096:
        raise TokenError("UNAUTHORIZED", "Malformed bearer token")
    try:
        claims = jwt.decode(
            token, get_secret("jwtSigningKey"), algorithms=[ALGORITHM],
            audience=audience or settings.jwt_audience, issuer=settings.jwt_issuer,
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
    accepted = (typ,) if isinstance(typ, str) else typ
    if claims.get("typ") not in accepted:
        raise TokenError("UNAUTHORIZED", f"Not an {' or '.join(accepted)} token")
    return claims
