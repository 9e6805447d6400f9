"""The voice agent's own routes. POST /agent/credentials: the agent worker exchanges its room's single-use
ticket, with the worker's secret, for a credential scoped to the voice tools (shared/auth/agent_credentials.py).
No API key and no bearer: the worker secret is the authentication."""

from typing import Annotated, Any

from fastapi import Header
from mangum import Mangum
from pydantic import StringConstraints

from shared.auth import agent_credentials
from shared.http.app_factory import API, ApiModel, create_app, ok

app = create_app("agent")


class TicketExchange(ApiModel):
    ticket: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{43}$")]


@app.post(f"{API}/agent/credentials")
def exchange_ticket(body: TicketExchange,
                    x_agent_secret: Annotated[str, Header(max_length=256, description="The agent worker's secret")]
                    ) -> dict[str, Any]:
    return ok(agent_credentials.exchange(body.ticket, x_agent_secret))


handler = Mangum(app, lifespan="off")
