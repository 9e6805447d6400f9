"""Who a request acts for, as the authorizer resolved it: a plain value that domain code may take (it knows nothing
of HTTP), read from the authorizer's context in the API Gateway event by shared/http/caller.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The voice agent's credential carries scopes (see shared/http/caller.py for the routes each opens).
SCOPE_ONBOARDING = "onboarding"
SCOPE_CLASSES = "classes:read"
SCOPE_PLANS = "plans:read"
SCOPE_BOOKINGS = "bookings:write"
SCOPE_PROGRESS = "progress:write"
AGENT_SCOPES_FOR_USER = (SCOPE_CLASSES, SCOPE_PLANS, SCOPE_BOOKINGS, SCOPE_PROGRESS)
AGENT_SCOPES_FOR_ONBOARDING = (SCOPE_ONBOARDING, SCOPE_CLASSES)


@dataclass(frozen=True)
class Caller:
    client_id: str
    user_id: str
    role: str
    key_id: str
    universal: bool
    token_exp: int
    token_iat_ms: int
    source_ip: str
    request_id: str
    token_type: str = ""  # "access", "agent", or "" when the authorizer verified no bearer for this route
    agent_scope: tuple[str, ...] = ()  # set only for a voice agent's credential (see AGENT_ROUTES)
    agent_session: str = ""  # the onboarding session an anonymous agent credential is bound to
    usage_key: str = ""  # the API Gateway usage key the client's quota counts against

    @property
    def is_agent(self) -> bool:
        return self.token_type == "agent"

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> "Caller":
        """From the authorizer's verified context only: no header of the request is read here."""
        context = event.get("requestContext") or {}
        auth = context.get("authorizer") or {}
        identity = context.get("identity") or {}
        token_type = str(auth.get("tokenType") or "")
        return cls(
            client_id=str(auth.get("clientId") or ""), user_id=str(auth.get("userId") or ""),
            role=str(auth.get("role") or ""), key_id=str(auth.get("keyId") or ""),
            universal=str(auth.get("universal")).lower() == "true",
            token_exp=_epoch(auth.get("tokenExp")), token_iat_ms=_epoch(auth.get("tokenIatMs")),
            source_ip=str(identity.get("sourceIp") or ""), request_id=str(context.get("requestId") or ""),
            token_type=token_type,
            agent_scope=tuple(str(auth.get("agentScope") or "").split()),
            agent_session=str(auth.get("agentSession") or ""), usage_key=str(auth.get("usageKey") or ""),
        )


def _epoch(value: Any) -> int:
    """An epoch from the authorizer context (values arrive as strings); 0 when absent or not a number."""
    text = str(value or "0")
    return int(text) if text.isdigit() else 0
