"""Onboarding before registration: save or merge a profile, resume it, rank coaches, choose one.
Key-only routes: the client comes from the API key, the session from its id (see shared/domain/onboarding.py)."""
from __future__ import annotations

from typing import Any

from fastapi import Path, Response
from mangum import Mangum

from shared.domain import onboarding
from shared.http.app_factory import API, create_app, errors, ok
from shared.http.caller import ClientTenant
from shared.http.envelope import Envelope, Instant, Number, View, field
from shared.views import FitnessGoal, FitnessLevel, ProfileView

app = create_app("onboarding")


class WizardProfile(ProfileView):
    name: str | None = field("Jane")


class OnboardingSession(View):
    """A wizard's answers, kept 24 hours from the first save."""
    sessionId: str = field("unique-session-id", "The id the app chose")
    profile: WizardProfile
    coachId: int | None = field(5, "The chosen coach; null until one is selected")
    expiresAt: Instant = field("2026-03-01T12:00:00Z", "24 hours after the first save; never moved")
    createdAt: Instant = field("2026-02-28T12:00:00Z")


class CoachMatch(View):
    """A coach ranked for the profile, with the points behind the score."""
    id: int = field(5)
    name: str = field("Priya Nair")
    image: str | None = field("https://cdn.studiostv.net/coaches/5.jpg")
    bio: str = field("Weight-loss and general fitness coach")
    specialties: list[str] = field(["weight_loss", "general_fitness"])
    levels: list[str] = field(["beginner", "intermediate"])
    rating: Number | None = field(4.6, "0-5")
    score: int = field(88, "The sum of scoreBreakdown")
    scoreBreakdown: dict[str, int] = field({"goal": 40, "level": 30, "capacity": 0, "rating": 18},
                                           "Points per criterion")
    reasons: list[str] = field(["Specialises in weight loss"], "Why the coach fits, in words")


class Recommendations(View):
    sessionId: str = field("unique-session-id")
    fitnessGoal: FitnessGoal | None = field("weight_loss", "The goal the ranking used")
    fitnessLevel: FitnessLevel | None = field("intermediate", "The level the ranking used")
    coaches: list[CoachMatch] = field([], "Active coaches of the client, best first")


# 201 starts a session, 200 merges into a live one
@app.post(f"{API}/onboarding/profile", status_code=201, response_model=Envelope.of(OnboardingSession),
          responses={200: {"description": "Merged into the live session", "model": Envelope.of(OnboardingSession)},
                     **errors("NO_DEFAULT_CLIENT")})
def save_profile(body: onboarding.SaveProfile, tenant: ClientTenant, response: Response) -> dict[str, Any]:
    onboarding.check_agent_session(tenant.caller, body.sessionId)
    item, created = onboarding.save_profile(tenant.id, body.sessionId, body.given())
    response.status_code = 201 if created else 200
    return ok(onboarding.view(item))


@app.get(f"{API}/onboarding/profile/{{sessionId}}", response_model=Envelope.of(OnboardingSession),
         responses=errors("ONBOARDING_SESSION_NOT_FOUND", "NO_DEFAULT_CLIENT"))
def get_profile(tenant: ClientTenant,
                sessionId: str = Path(pattern=onboarding.SESSION_ID_PATTERN)) -> dict[str, Any]:  # noqa: N803
    onboarding.check_agent_session(tenant.caller, sessionId)
    return ok(onboarding.view(onboarding.get_session(tenant.id, sessionId)))


@app.post(f"{API}/onboarding/recommend-coaches", response_model=Envelope.of(Recommendations),
          responses=errors("ONBOARDING_SESSION_NOT_FOUND", "NO_DEFAULT_CLIENT"))
def recommend_coaches(body: onboarding.RecommendCoaches, tenant: ClientTenant) -> dict[str, Any]:
    onboarding.check_agent_session(tenant.caller, body.sessionId)
    return ok(onboarding.recommend(tenant.id, body.sessionId, body.fitnessGoal, body.fitnessLevel))


@app.post(f"{API}/onboarding/select-coach", response_model=Envelope.of(OnboardingSession),
          responses=errors("ONBOARDING_SESSION_NOT_FOUND", "NOT_FOUND", "NO_DEFAULT_CLIENT"))
def select_coach(body: onboarding.SelectCoach, tenant: ClientTenant) -> dict[str, Any]:
    onboarding.check_agent_session(tenant.caller, body.sessionId)
    return ok(onboarding.view(onboarding.select_coach(tenant.id, body.sessionId, body.coachId)))


handler = Mangum(app, lifespan="off")
