"""Onboarding before registration: save or merge a profile, resume it, rank coaches, choose one.
Key-only routes: the client comes from the API key, the session from its id, a bearer secret
(see shared/domain/onboarding.py)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Path, Response
from mangum import Mangum
from pydantic import AfterValidator, Field, StringConstraints

from shared.domain import onboarding, text
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import ClientTenant
from shared.http.envelope import Envelope, Instant, Number, View, field, optional
from shared.views import FitnessGoal, FitnessLevel, ProfileView

app = create_app("onboarding")

SESSION_ID = Path(pattern=onboarding.SESSION_ID_PATTERN, description=onboarding.SESSION_ID_SECRET)
RESUME_TOKEN = Header(alias=onboarding.RESUME_TOKEN_HEADER, pattern=onboarding.RESUME_TOKEN_PATTERN,
                      description="The `resumeToken` returned when the session was created (201). A header, not a "
                                  "query parameter, so that it stays out of URLs, proxies' and servers' logs.")


# --- requests -------------------------------------------------------------------------------------------------
class ProfileFields(ApiModel):
    """The profile of the spec, every field optional (a wizard sends them step by step)."""
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                    AfterValidator(text.display_text),
                    Field(json_schema_extra={"pattern": text.DISPLAY_TEXT_PATTERN})] | None = None
    age: Annotated[int, Field(ge=13, le=100)] | None = None
    gender: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
                      AfterValidator(text.display_text),
                      Field(json_schema_extra={"pattern": text.DISPLAY_TEXT_PATTERN})] | None = None
    height: Annotated[int | float, Field(ge=100, le=250, description="centimetres")] | None = None
    weight: Annotated[int | float, Field(ge=30, le=300, description="kilograms")] | None = None
    fitnessGoal: onboarding.FitnessGoal | None = None
    fitnessLevel: onboarding.FitnessLevel | None = None
    workoutsPerWeek: Annotated[int, Field(ge=0, le=14)] | None = None

    def given(self) -> dict[str, Any]:
        """The fields the request set (null means "not given": a merge never erases an answer)."""
        return {name: value for name, value in self.model_dump(exclude_none=True).items()
                if name in onboarding.PROFILE_FIELDS}


class SaveProfile(ProfileFields):
    sessionId: Annotated[onboarding.SessionId | None, Field(
        description=onboarding.SESSION_ID_SECRET + " Leave it out and the server makes one (192 random bits) and "
                                                   "returns it.")] = None


class RecommendCoaches(ApiModel):
    sessionId: onboarding.SessionId
    fitnessGoal: onboarding.FitnessGoal | None = None
    fitnessLevel: onboarding.FitnessLevel | None = None


class SelectCoach(ApiModel):
    sessionId: onboarding.SessionId
    coachId: Annotated[int, Field(ge=1)]


# --- answers --------------------------------------------------------------------------------------------------
class WizardProfile(ProfileView):
    name: str | None = field("Jane")


class OnboardingSession(View):
    """A wizard's answers, kept 24 hours from the first save."""
    sessionId: str = field("unique-session-id", "The id the app chose, or the server made when it sent none. "
                           + onboarding.SESSION_ID_SECRET)
    profile: WizardProfile
    coachId: int | None = field(5, "The chosen coach; null until one is selected")
    expiresAt: Instant = field("2026-03-01T12:00:00Z", "24 hours after the first save; never moved")
    createdAt: Instant = field("2026-02-28T12:00:00Z")


class SavedSession(OnboardingSession):
    """A save: the session, and its resume token when this save created it."""
    resumeToken: str | None = optional("tUkPL3MNvUuhuHpFbbp32kEtyT41318U", "Only in the answer that created the "
                                       "session (201), null otherwise: keep it, reading the profile back "
                                       "(`GET /onboarding/profile/{sessionId}`, header `X-Resume-Token`) needs it")


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
@app.post(f"{API}/onboarding/profile", operation_id="saveOnboardingProfile", status_code=201,
          response_model=Envelope.of(SavedSession),
          description="Starts a session (201) or merges the answers into a live one (200). Without `sessionId` "
                      "the server makes one. The session id is a bearer secret. Only the 201 answer carries "
                      "`resumeToken` (keep it: reading the profile back needs it); a 200 answer shows only the "
                      "profile fields sent in this request (the others are null).",
          responses={200: {"description": "Merged into the live session", "model": Envelope.of(SavedSession)},
                     **errors("NO_DEFAULT_CLIENT")})
def save_profile(body: SaveProfile, tenant: ClientTenant, response: Response) -> dict[str, Any]:
    onboarding.check_agent_session(tenant.caller, body.sessionId or "")  # an agent stays on its own session
    given = body.given()
    item, resume_token = onboarding.save_profile(tenant.id, body.sessionId, given)
    if resume_token is None:
        response.status_code = 200
        return ok(onboarding.view(item, shown=set(given)))
    return ok({**onboarding.view(item), "resumeToken": resume_token})


@app.get(f"{API}/onboarding/profile/{{sessionId}}", operation_id="getOnboardingProfile",
         response_model=Envelope.of(OnboardingSession),
         description="The saved answers, for the session's creator: send the `resumeToken` of the 201 answer in "
                     "the `X-Resume-Token` header. An unknown, expired or consumed id and a wrong token get the "
                     "same 404; unknown ids are throttled per source address (429 with Retry-After).",
         responses=errors("ONBOARDING_SESSION_NOT_FOUND", "NO_DEFAULT_CLIENT"))
def get_profile(tenant: ClientTenant, sessionId: str = SESSION_ID,
                resume_token: str = RESUME_TOKEN) -> dict[str, Any]:
    onboarding.check_agent_session(tenant.caller, sessionId)
    item = onboarding.resume(tenant.id, sessionId, resume_token, tenant.caller.source_ip)
    return ok(onboarding.view(item))


@app.post(f"{API}/onboarding/recommend-coaches", operation_id="recommendCoaches",
          response_model=Envelope.of(Recommendations),
          description="Coaches ranked for the session's profile. Unknown ids are throttled per source address.",
          responses=errors("ONBOARDING_SESSION_NOT_FOUND", "NO_DEFAULT_CLIENT"))
def recommend_coaches(body: RecommendCoaches, tenant: ClientTenant) -> dict[str, Any]:
    onboarding.check_agent_session(tenant.caller, body.sessionId)
    return ok(onboarding.recommend(tenant.id, body.sessionId, body.fitnessGoal, body.fitnessLevel,
                                   tenant.caller.source_ip))


@app.post(f"{API}/onboarding/select-coach", operation_id="selectCoach", response_model=Envelope.of(OnboardingSession),
          description="Saves the chosen coach. The answer's profile fields are null: reading the answers back needs the "
                      "resume token (`GET /onboarding/profile/{sessionId}`). Unknown ids are throttled per source "
                      "address.",
          responses=errors("ONBOARDING_SESSION_NOT_FOUND", "NOT_FOUND", "NO_DEFAULT_CLIENT"))
def select_coach(body: SelectCoach, tenant: ClientTenant) -> dict[str, Any]:
    onboarding.check_agent_session(tenant.caller, body.sessionId)
    item = onboarding.select_coach(tenant.id, body.sessionId, body.coachId, tenant.caller.source_ip)
    return ok(onboarding.view(item, shown=set()))


handler = Mangum(app, lifespan="off")
