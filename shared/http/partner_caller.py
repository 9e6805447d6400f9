"""The partner staff caller, as the partner authorizer resolved it (shared/auth/partner_tokens.py).

Partner routes take the client and the partner only from here. Reads: the revocation record (one GetItem, as
for members: a full logout or a removed staff account stops its tokens at once), and the API key's record when
a key is sent (kept in memory for a minute by shared/auth/identity.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Callable

from fastapi import Depends, Request

from shared import clock
from shared.errors import AppError

WRITERS = ("owner", "manager")


@dataclass(frozen=True)
class PartnerCaller:
    client_id: str
    partner_id: str
    staff_id: str
    role: str
    token_iat_ms: int
    request_id: str

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS


def _epoch(value: object) -> int:
    text = str(value or "0")
    return int(text) if text.isdigit() else 0


def partner_caller(request: Request) -> PartnerCaller:
    event = request.scope.get("aws.event") or {}
    context = event.get("requestContext") or {}
    auth = context.get("authorizer") or {}
    if auth.get("principal") != "partner_staff" or not auth.get("partnerId") or not auth.get("userId"):
        raise AppError("UNAUTHORIZED", "A partner staff Bearer token is required")
    found = PartnerCaller(client_id=str(auth["clientId"]), partner_id=str(auth["partnerId"]),
                          staff_id=str(auth["userId"]), role=str(auth.get("role") or ""),
                          token_iat_ms=_epoch(auth.get("tokenIatMs")), request_id=str(context.get("requestId") or ""))
    if _epoch(auth.get("tokenExp")) <= clock.now():  # the gateway may cache an Allow past expiry
        raise AppError("TOKEN_EXPIRED", "The access token has expired; refresh it")
    from shared.auth.revocation import access_refused

    from shared.domain.clients import get_client

    if access_refused(found.client_id, found.staff_id, found.token_iat_ms):
        raise AppError("UNAUTHORIZED", "This sign-in has ended; sign in again")
    if get_client(found.client_id) is None:
        raise AppError("CLIENT_SUSPENDED", "This studio's account is not active")
    raw_key = request.headers.get("x-api-key")
    if raw_key is not None:
        _check_key(raw_key, found.client_id)
    return found


def _check_key(raw_key: str, client_id: str) -> None:
    """A key is optional on partner routes; one that is sent must be valid and the partner's client's."""
    from shared.auth import api_keys
    from shared.auth.identity import lookup_key

    raw_key = raw_key.strip()
    record = lookup_key(raw_key) if api_keys.looks_like_key(raw_key) else None
    if record is None:
        raise AppError("INVALID_API_KEY", "The API key is not valid")
    if not record.get("universal") and record.get("clientId") != client_id:
        raise AppError("FORBIDDEN", "The API key belongs to another client than this partner")


def _partner_role(*roles: str, refusal: str) -> Callable[[Request], PartnerCaller]:
    def check(request: Request) -> PartnerCaller:
        found = partner_caller(request)
        if found.role not in roles:
            raise AppError("FORBIDDEN", refusal)
        return found
    return check


PartnerStaff = Annotated[PartnerCaller, Depends(partner_caller)]
PartnerWriter = Annotated[PartnerCaller, Depends(_partner_role(*WRITERS, refusal="Your partner role may only read "
                                                                               "(writes need manager or owner)"))]
PartnerOwner = Annotated[PartnerCaller, Depends(_partner_role("owner", refusal="Only the partner's owner may do this"))]
