"""Onboarding before registration: save or merge a profile, resume it, rank coaches, choose one.
Key-only routes: the client comes from the API key, the session from its id (see shared/domain/onboarding.py)."""
from __future__ import annotations

from typing import Any

from fastapi import Path, Response
from mangum import Mangum

from shared.domain import onboarding
from shared.http.app_factory import API, create_app, errors, ok
from shared.http.caller import ClientTenant

app = create_app("onboarding")


@app.post(f"{API}/onboarding/profile", status_code=201,  # 201 starts a session, 200 merges into a live one
          responses={200: {"description": "Merged into the live session"}, **errors("NO_DEFAULT_CLIENT")})
def save_profile(body: onboarding.SaveProfile, tenant: ClientTenant, response: Response) -> dict[str, Any]:
    onboarding.check_agent_session(tenant.caller, body.sessionId)
    item, created = onboarding.save_profile(tenant.id, body.sessionId, body.given())
    response.status_code = 201 if created else 200
    return ok(onboarding.view(item))


@app.get(f"{API}/onboarding/profile/{{sessionId}}",
         responses=errors("ONBOARDING_SESSION_NOT_FOUND", "NO_DEFAULT_CLIENT"))
def get_profile(tenant: ClientTenant,
                sessionId: str = Path(pattern=onboarding.SESSION_ID_PATTERN)) -> dict[str, Any]:  # noqa: N803
    onboarding.check_agent_session(tenant.caller, sessionId)
    return ok(onboarding.view(onboarding.get_session(tenant.id, sessionId)))


@app.post(f"{API}/onboarding/recommend-coaches",
          responses=errors("ONBOARDING_SESSION_NOT_FOUND", "NO_DEFAULT_CLIENT"))
def recommend_coaches(body: onboarding.RecommendCoaches, tenant: ClientTenant) -> dict[str, Any]:
    onboarding.check_agent_session(tenant.caller, body.sessionId)
    return ok(onboarding.recommend(tenant.id, body.sessionId, body.fitnessGoal, body.fitnessLevel))


@app.post(f"{API}/onboarding/select-coach",
          responses=errors("ONBOARDING_SESSION_NOT_FOUND", "NOT_FOUND", "NO_DEFAULT_CLIENT"))
def select_coach(body: onboarding.SelectCoach, tenant: ClientTenant) -> dict[str, Any]:
    onboarding.check_agent_session(tenant.caller, body.sessionId)
    return ok(onboarding.view(onboarding.select_coach(tenant.id, body.sessionId, body.coachId)))


handler = Mangum(app, lifespan="off")
