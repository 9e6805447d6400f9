"""The voice agent's own routes. POST /agent/credentials: the agent worker exchanges its room's single-use
ticket, with the worker's secret, for a credential scoped to the voice tools (shared/auth/agent_credentials.py).
No API key and no bearer: the worker secret is the authentication."""

from typing import Annotated, Any

from fastapi import Header
from mangum import Mangum
from pydantic import StringConstraints

from shared.auth import agent_credentials
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.envelope import Envelope, Instant, View, field, optional

app = create_app("agent")


class TicketExchange(ApiModel):
    ticket: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{43}$")]


class AgentCredential(View):
    accessToken: str = field("eyJhbGciOiJIUzI1NiJ9...", "A bearer of token type agent, for the voice tools only")
    tokenType: str = field("Bearer")
    expiresAt: Instant = field("2026-12-01T10:15:00Z", "Never later than the member's own sign-in")
    expiresIn: int = field(900, "Seconds")
    clientId: str = field("zen-flow-studio")
    userId: str | None = optional("usr_0123456789abcdef01234567", "The member the agent acts for (null: onboarding)")
    sessionId: str | None = optional(None, "The onboarding session an anonymous agent fills")
    scope: list[str] = field(["classes:read", "plans:read", "bookings:write"])


@app.post(f"{API}/agent/credentials", response_model=Envelope.of(AgentCredential), responses=errors("UNAUTHORIZED"))
def exchange_ticket(body: TicketExchange,
                    x_agent_secret: Annotated[str, Header(max_length=256, description="The agent worker's secret")]
                    ) -> dict[str, Any]:
    return ok(agent_credentials.exchange(body.ticket, x_agent_secret))


handler = Mangum(app, lifespan="off")
