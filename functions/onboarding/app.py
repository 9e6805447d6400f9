"""Onboarding before registration: save or merge a profile, resume it, rank coaches, choose one.
Key-only routes: the client comes from the API key, the session from its id (see shared/domain/onboarding.py)."""
from __future__ import annotations

from typing import Any

from fastapi import Path, Response
from mangum import Mangum

from shared.domain import onboarding
from shared.http.app_factory import API, create_app, ok
from shared.http.caller import KeyCaller

app = create_app("onboarding")


@app.post(f"{API}/onboarding/profile")
def save_profile(body: onboarding.SaveProfile, caller: KeyCaller, response: Response) -> dict[str, Any]:
    onboarding.check_agent_session(caller, body.sessionId)
    item, created = onboarding.save_profile(onboarding.tenant_of(caller), body.sessionId, body.given())
    response.status_code = 201 if created else 200
    return ok(onboarding.view(item))


@app.get(f"{API}/onboarding/profile/{{sessionId}}")
def get_profile(caller: KeyCaller,
                sessionId: str = Path(pattern=onboarding.SESSION_ID_PATTERN)) -> dict[str, Any]:  # noqa: N803
    onboarding.check_agent_session(caller, sessionId)
    return ok(onboarding.view(onboarding.get_session(onboarding.tenant_of(caller), sessionId)))


@app.post(f"{API}/onboarding/recommend-coaches")
def recommend_coaches(body: onboarding.RecommendCoaches, caller: KeyCaller) -> dict[str, Any]:
    onboarding.check_agent_session(caller, body.sessionId)
    client_id = onboarding.tenant_of(caller)
    return ok(onboarding.recommend(client_id, body.sessionId, body.fitnessGoal, body.fitnessLevel))


@app.post(f"{API}/onboarding/select-coach")
def select_coach(body: onboarding.SelectCoach, caller: KeyCaller) -> dict[str, Any]:
    onboarding.check_agent_session(caller, body.sessionId)
    client_id = onboarding.tenant_of(caller)
    return ok(onboarding.view(onboarding.select_coach(client_id, body.sessionId, body.coachId)))


handler = Mangum(app, lifespan="off")
