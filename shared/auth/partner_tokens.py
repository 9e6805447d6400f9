"""Partner staff tokens: the same signing as members' tokens (shared/auth/tokens.py), another audience.

A partner staff access token carries `aud = "<member audience>:partner"`, `sub` (staff id), `cid` (the partner's
client), `pid` (the partner), `role` (owner, manager or viewer), `typ`, `fam` (its login). Because the
audience differs, a member route's authorizer refuses it as an invalid token, and the partner authorizer
(`resolve`, called by `functions/authorizer/app.py:partner_handler`) refuses a member's token the same way:
neither kind of token can stand in for the other.

The partner authorizer is cached per Authorization header alone, so its answer depends on nothing else; a
partner route that is sent an X-API-Key checks that key itself (shared/http/partner_caller.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.auth import tokens
from shared.settings import get_settings

ROLES = ("owner", "manager", "viewer")


def audience() -> str:
    return f"{get_settings().jwt_audience}:partner"


def issue(staff_id: str, client_id: str, partner_id: str, role: str, family_id: str, *, typ: str = "access",
          ttl_seconds: int | None = None) -> tuple[str, dict[str, Any]]:
    return tokens.issue(staff_id, client_id, role, typ=typ, ttl_seconds=ttl_seconds,
                        extra={"aud": audience(), "pid": partner_id, "fam": family_id})


def verify(token: str, *, typ: str = "access") -> dict[str, Any]:
    """The claims of a valid partner staff token of type `typ`, else `tokens.TokenError`."""
    claims = tokens.verify(token, typ=typ, audience=audience())
    if not isinstance(claims.get("pid"), str) or not claims["pid"] or claims.get("role") not in ROLES \
            or not isinstance(claims.get("fam"), str):
        raise tokens.TokenError("UNAUTHORIZED", "Not a partner staff token")
    return claims


@dataclass(frozen=True)
class PartnerIdentity:
    """What the partner authorizer hands on: flat strings, as API Gateway passes them."""
    client_id: str
    partner_id: str
    staff_id: str
    role: str
    token_exp: int
    token_iat_ms: int
    key_id: str = ""
    usage_key: str = ""

    @property
    def user_id(self) -> str:
        return self.staff_id

    def context(self) -> dict[str, Any]:
        return {"clientId": self.client_id, "userId": self.staff_id, "role": self.role, "keyId": "",
                "universal": "false", "tokenExp": str(self.token_exp), "tokenIatMs": str(self.token_iat_ms),
                "partnerId": self.partner_id, "principal": "partner_staff"}


class PartnerAuthFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def resolve(authorization: str | None) -> PartnerIdentity:
    """The partner staff behind an Authorization header, or `PartnerAuthFailure` (401)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PartnerAuthFailure("UNAUTHORIZED", "The Authorization header must be 'Bearer <partner accessToken>'")
    try:
        claims = verify(token.strip())
    except tokens.TokenError as error:
        if error.code == "TOKEN_EXPIRED":
            raise PartnerAuthFailure(error.code, error.message) from None
        raise PartnerAuthFailure("UNAUTHORIZED", "Not a valid partner staff token: sign in at "
                                 "/partner-auth/login (a member's token cannot be used here)") from None
    return PartnerIdentity(client_id=claims["cid"], partner_id=claims["pid"], staff_id=claims["sub"],
                           role=claims["role"], token_exp=int(claims["exp"]),
                           token_iat_ms=tokens.issued_ms(claims))
