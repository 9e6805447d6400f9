"""The voice agent's own routes.

POST /agent/credentials: the agent worker exchanges its room's single-use ticket, with the worker's secret, for
a credential scoped to the voice tools (shared/auth/agent_credentials.py). No API key and no bearer: the worker
secret is the authentication.

The tools (/agent/context, /agent/daily-plan, ...): compact, speakable answers for the agent acting as one
member (shared/domain/agent_tools.py). They answer the agent's credential only: a member's own bearer gets
403 FORBIDDEN (the app has the full routes). Every answer and every error carries `say`.
"""
# No `from __future__ import annotations`: the models must resolve when this file is loaded by path.
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Path, Query, Response
from fastapi.routing import APIRoute
from mangum import Mangum
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.auth import agent_credentials
from shared.domain import agent_logs, agent_manifest, agent_proposals, agent_switches, agent_tools
from shared.domain.member_days import DATE_PATTERN, parse_date
from shared.domain.planning.limits import GOALS
from shared.errors import AppError
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import Caller, ClientTenant, UserCaller, user_caller
from shared.http.envelope import Envelope, Instant, Number, View, field, optional
from shared.http.spoken_errors import SpokenRoute
from shared.views import PenaltyView, SlotView, TrainerRef

app = create_app("agent")
app.router.route_class = SpokenRoute


def agent_member(found: Annotated[Caller, Depends(user_caller)]) -> Caller:
    """The voice agent acting for a signed-in member; anyone else (a member's own bearer too) is refused."""
    if not found.is_agent:
        raise AppError("FORBIDDEN", "Only the voice agent's credential calls the agent's tools")
    return found


AgentMember = Annotated[Caller, Depends(agent_member)]


def tool(name: str) -> Any:
    """The agent's caller on the route of tool `name`, which the studio must not have switched off."""
    def switched_on(found: AgentMember) -> Caller:
        agent_switches.require(found.client_id, name)
        return found

    return Depends(switched_on)
SAY = "One short sentence for the member, times in the zone they belong to, with its name and the date"


class ToolArgs(BaseModel):
    """A read tool's arguments (query parameters): unknown ones refused."""
    model_config = ConfigDict(extra="forbid")


# --- credentials ------------------------------------------------------------------------------------------------
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


# The worker, not the member, calls the exchange: its errors are the plain envelope (no `say` for the member to
# hear), with `details.reason` telling the worker what to fix (its secret, or a ticket to drop).
def exchange_ticket(body: TicketExchange,
                    x_agent_secret: Annotated[str, Header(max_length=256, description="The agent worker's secret")]
                    ) -> dict[str, Any]:
    return ok(agent_credentials.exchange(body.ticket, x_agent_secret))


app.router.add_api_route(f"{API}/agent/credentials", exchange_ticket, methods=["POST"],
                         response_model=Envelope.of(AgentCredential), responses=errors("UNAUTHORIZED"),
                         route_class_override=APIRoute)


# --- shared pieces of the tools' answers ------------------------------------------------------------------------
class BookingBrief(View):
    id: str = field("4b1d2c3e4f5a6b7c8d9e0f1a")
    status: str = field("confirmed")
    trainerId: int = field(5)
    trainerName: str = field("Priya Nair")
    serviceName: str = field("1:1 Strength Session")
    startsAt: Instant = field("2026-03-27T09:00:00Z")
    timeZone: str = field("Europe/London", "The trainer's zone")
    scheduledDate: str = field("2026-03-27", "In the trainer's zone")
    scheduledTime: str = field("09:00", "In the trainer's zone")
    when: str = field("Friday 27 March at 9 am London time")


class WorkoutBrief(View):
    name: str = field("Upper body A")
    week: int = field(2)
    focus: str = field("strength")
    estimatedMinutes: int = field(45)
    exerciseCount: int = field(6)
    completed: bool = field(False)


class MealBrief(View):
    mealType: str = field("breakfast")
    name: str = field("Overnight oats")
    calories: int = field(420)
    logged: bool = field(False)


class DayClassBrief(View):
    name: str = field("Morning Flow")
    time: str | None = optional("09:00", "Local time, for a booking; null for a class-plan session")
    startsAt: Instant | None = optional("2026-03-27T09:00:00Z")
    source: Literal["class_plan", "one_to_one_booking"] = field("class_plan")
    classId: int | None = optional(42)
    bookingId: str | None = optional(None)


class DayProgress(View):
    workoutsLogged: int = field(0)
    workoutMinutes: int = field(0)
    calories: int = field(0)
    waterMl: int = field(0)


# --- GET /agent/daily-plan ---------------------------------------------------------------------------------------
class DailyPlanArgs(ToolArgs):
    date: str | None = Field(None, pattern=DATE_PATTERN, description="YYYY-MM-DD; default today in the member's zone")


class DailyPlanTool(View):
    date: str = field("2026-03-27")
    timeZone: str = field("Europe/London", "The member's zone")
    restDay: bool = field(False)
    workout: WorkoutBrief | None = optional(None)
    meals: list[MealBrief] = field([], "At most 5")
    classes: list[DayClassBrief] = field([], "At most 5")
    progress: DayProgress
    say: str = field("For Friday 27 March (London time) you have the workout Upper body A, about 45 minutes.", SAY)


@app.get(f"{API}/agent/daily-plan", response_model=Envelope.of(DailyPlanTool),
         responses=errors("FORBIDDEN", "TOOL_DISABLED"))
def daily_plan(caller: Annotated[Caller, tool("get_daily_plan")],
               args: Annotated[DailyPlanArgs, Query()]) -> dict[str, Any]:
    if args.date:
        parse_date(args.date, "date")
    return ok(agent_tools.daily_plan(caller.client_id, caller.user_id, args.date))


# --- GET /agent/plans ----------------------------------------------------------------------------------------------
class PlanBrief(View):
    id: str = field("pl_0123456789abcdef")
    type: Literal["workout", "nutrition", "class"] = field("workout")
    title: str = field("4-week strength plan")
    startDate: str = field("2026-03-02")
    endDate: str = field("2026-03-29")
    week: int = field(4, "The current week (0: not started)")
    weeks: int = field(4)


class ActivePlansTool(View):
    items: list[PlanBrief]
    say: str = field("Your active plans: 4-week strength plan (workout, week 4 of 4).", SAY)


@app.get(f"{API}/agent/plans", response_model=Envelope.of(ActivePlansTool),
         responses=errors("FORBIDDEN", "TOOL_DISABLED"))
def active_plans(caller: Annotated[Caller, tool("get_active_plans")]) -> dict[str, Any]:
    return ok(agent_tools.active_plans(caller.client_id, caller.user_id))


# --- GET /agent/progress -------------------------------------------------------------------------------------------
class ProgressArgs(ToolArgs):
    period: Literal["week", "month"] = Field("week", description="This week or this month, in the member's zone")


class ProgressTool(View):
    period: Literal["week", "month"] = field("week")
    from_: str = Field(alias="from", serialization_alias="from", examples=["2026-03-23"])
    to: str = field("2026-03-29")
    timeZone: str = field("Europe/London")
    workoutsCompleted: int = field(3)
    workoutsPlanned: int = field(4)
    workoutMinutes: int = field(135)
    currentStreakDays: int = field(2)
    longestStreakDays: int = field(5)
    avgCalories: int | None = optional(2100)
    waterDaysGoalMet: int = field(3)
    say: str = field("This week you completed 3 workouts of 4 planned, 135 minutes in all; your streak is 2 days.",
                     SAY)


@app.get(f"{API}/agent/progress", response_model=Envelope.of(ProgressTool), response_model_by_alias=True,
         responses=errors("FORBIDDEN", "TOOL_DISABLED"))
def get_progress(caller: Annotated[Caller, tool("get_progress")],
                 args: Annotated[ProgressArgs, Query()]) -> dict[str, Any]:
    return ok(agent_tools.progress_summary(caller.client_id, caller.user_id, args.period))


# --- GET /agent/bookings -------------------------------------------------------------------------------------------
class BookingsArgs(ToolArgs):
    range: Literal["today", "week", "upcoming"] = Field("upcoming", description="Today (the member's day), the "
                                                                               "next 7 days, or all upcoming")


class MyBookingsTool(View):
    items: list[BookingBrief] = field([], "At most 5, soonest first")
    total: int = field(1)
    say: str = field("You have 1 booking: 1:1 Strength Session with Priya Nair on Friday 27 March at 9 am "
                     "London time.", SAY)


@app.get(f"{API}/agent/bookings", response_model=Envelope.of(MyBookingsTool),
         responses=errors("FORBIDDEN", "FEATURE_DISABLED", "TOOL_DISABLED"))
def my_bookings(caller: Annotated[Caller, tool("list_my_bookings")],
                args: Annotated[BookingsArgs, Query()]) -> dict[str, Any]:
    return ok(agent_tools.my_bookings(caller.client_id, caller.user_id, args.range))


# --- GET /agent/trainer-slots --------------------------------------------------------------------------------------
class TrainerSlotsArgs(ToolArgs):
    trainerId: int | None = Field(None, ge=1, le=99_999_999, description="Default: the member's coach")
    serviceId: int | None = Field(None, ge=1, le=99_999_999,
                                  description="Required when the trainer offers several services")
    from_: str | None = Field(None, alias="from", pattern=DATE_PATTERN,
                              description="Trainer-local date (YYYY-MM-DD); default today")
    to: str | None = Field(None, pattern=DATE_PATTERN, description="Default from + 6; at most 31 days")
    partOfDay: Literal["morning", "afternoon", "evening"] | None = Field(None, description="In the trainer's day")


class SlotBrief(SlotView):
    when: str = field("Friday 27 March at 9 am London time", "Pass `id` to a booking proposal")


class TrainerSlotsTool(View):
    trainerId: int = field(5)
    trainerName: str = field("Priya Nair")
    serviceId: int = field(3)
    serviceName: str = field("1:1 Strength Session")
    duration: int = field(60, "Minutes")
    timeZone: str = field("Europe/London", "The trainer's zone")
    slots: list[SlotBrief] = field([], "At most 5")
    say: str = field("Priya Nair is free on Friday 27 March at 9 am London time and Friday 27 March at 10 am "
                     "London time.", SAY)


@app.get(f"{API}/agent/trainer-slots", response_model=Envelope.of(TrainerSlotsTool),
         responses=errors("FORBIDDEN", "FEATURE_DISABLED", "NOT_FOUND", "TOOL_DISABLED"))
def trainer_slots(caller: Annotated[Caller, tool("find_trainer_slots")],
                  args: Annotated[TrainerSlotsArgs, Query()]) -> dict[str, Any]:
    first = parse_date(args.from_, "from") if args.from_ else None
    last = parse_date(args.to, "to") if args.to else None
    return ok(agent_tools.trainer_slots(caller.client_id, caller.user_id, args.trainerId, args.serviceId, first,
                                        last, args.partOfDay))


# --- GET /agent/class-recommendations ------------------------------------------------------------------------------
class RecommendArgs(ToolArgs):
    goal: Literal[GOALS] | None = Field(None, description="Default: the member's own goal")  # type: ignore[valid-type]
    maxDuration: int | None = Field(None, ge=5, le=180, description="The free time, in minutes")
    intensity: Literal["low", "medium", "high"] | None = Field(None)


class Recommendation(View):
    classId: int = field(42)
    name: str = field("Morning Flow")
    category: str | None = optional("Yoga")
    duration: int = field(30)
    intensity: str | None = optional("low")
    score: int = field(5, "Points (goal 3, intensity fit 0-2, class plan 2, fits the free time 1)")
    reasons: list[str] = field(["suits your goal (flexibility)"])


class RecommendTool(View):
    goal: str = field("flexibility")
    level: str = field("beginner")
    items: list[Recommendation] = field([], "At most 3, best first")
    say: str = field("I'd suggest Morning Flow (30 minutes, suits your goal (flexibility)).", SAY)


@app.get(f"{API}/agent/class-recommendations", response_model=Envelope.of(RecommendTool),
         responses=errors("FORBIDDEN", "TOOL_DISABLED"))
def recommend_classes(caller: Annotated[Caller, tool("recommend_classes")],
                      args: Annotated[RecommendArgs, Query()]) -> dict[str, Any]:
    return ok(agent_tools.recommend_classes(caller.client_id, caller.user_id, args.goal, args.maxDuration,
                                            args.intensity))


# --- GET /agent/context --------------------------------------------------------------------------------------------
class TodayBrief(View):
    date: str = field("2026-03-27")
    timeZone: str = field("Europe/London")
    restDay: bool = field(False)
    workout: WorkoutBrief | None = optional(None)
    classes: list[DayClassBrief] = field([])


class AgentContext(View):
    firstName: str | None = optional("Alex", "The member's first name only")
    coach: TrainerRef | None = optional(None)
    today: TodayBrief
    nextBooking: BookingBrief | None = optional(None)
    streakDays: int = field(2)
    say: str = field("For Friday 27 March (London time) you have a rest day.", SAY)


@app.get(f"{API}/agent/context", response_model=Envelope.of(AgentContext),
         responses=errors("FORBIDDEN", "TOOL_DISABLED"))
def agent_context(caller: Annotated[Caller, tool("get_context")]) -> dict[str, Any]:
    return ok(agent_tools.context(caller.client_id, caller.user_id))


# --- POST /agent/proposals and /agent/proposals/{id}/confirm: two-phase writes ---------------------------------
class BookProposal(ApiModel):
    """Book a 1:1 session: validated like POST /trainers/{id}/book, and the slot is held for 5 minutes."""
    action: Literal["book"]
    trainerId: int | None = Field(None, ge=1, le=99_999_999, description="Default: the member's coach")
    serviceId: int = Field(ge=1, le=99_999_999)
    slotId: int = Field(ge=1, le=2**40, description="A slot id from the trainer's slots")
    notes: str | None = Field(None, max_length=1000)


class CancelProposal(ApiModel):
    """Cancel a booking: the quote (free, or late with its penalty) is in the summary; nothing is held."""
    action: Literal["cancel"]
    bookingId: str = Field(pattern=r"^[0-9a-f]{24}$")


class JoinClassProposal(ApiModel):
    """Join a group class (its waitlist when full): validated like POST /group-classes/{id}/join; nothing held."""
    action: Literal["join_class"]
    classId: int = Field(ge=1, le=99_999_999, description="A scheduled group class")


class ProgrammeChangeProposal(ApiModel):
    """Pause, resume or cancel one of the member's programme subscriptions: checked like the app's pause, resume
    and cancel routes (pauses left, the resume date); the summary says what changes. Nothing changes yet."""
    action: Literal["programme_change"]
    subscriptionId: str = Field(pattern=r"^ps_[0-9a-f]{20}$", description="One of the member's subscriptions")
    change: Literal["pause", "resume", "cancel"]
    resumeOn: str | None = Field(None, pattern=DATE_PATTERN,
                                 description="A pause's end (YYYY-MM-DD, after today); default: until resumed")
    atPeriodEnd: bool = Field(False, description="A cancellation at the end of the paid period, not now")


ProposalBody = Annotated[BookProposal | CancelProposal | JoinClassProposal | ProgrammeChangeProposal,
                         Field(discriminator="action")]
ProposalAction = Literal["book", "cancel", "join_class", "programme_change"]


class SubscriptionBrief(View):
    id: str = field("ps_0123456789abcdef0123")
    programmeName: str | None = optional("Strong in Six")
    status: str = field("paused", "scheduled, active, paused, cancelled or completed")
    currentWeek: int = field(2)
    endDate: str = field("2027-01-17", "The member's local date; moves with paused days")
    resumesOn: str | None = optional("2026-12-14", "When a pause ends by itself")
    cancelAt: str | None = optional(None, "When a cancellation takes effect")
    pauseCount: int = field(1)
    pausedDaysUsed: int = field(0)


class ProgrammeChangeBrief(View):
    change: Literal["pause", "resume", "cancel"] = field("pause")
    before: SubscriptionBrief
    after: SubscriptionBrief


class ProposalSummary(View):
    what: str = field("1:1 Strength Session with Priya Nair")
    when: str = field("Friday 27 March at 9 am London time")
    startsAt: Instant | None = optional("2026-03-27T09:00:00Z", "null for a programme change")
    timeZone: str = field("Europe/London", "The trainer's zone (the member's for a programme change)")
    price: Number | None = optional(75.0, "A booking's price (null for a cancellation or a class)")
    priceMinor: int | None = optional(7500)
    currency: str | None = optional("GBP", "null for a programme change")
    cancellationPolicy: str = field("free cancellation until 24 hours before",
                                    "The terms that apply (for a programme change: what it leads to)")
    penalty: PenaltyView | None = optional(None, "A cancellation's penalty if confirmed now")
    bookingId: str | None = optional(None, "The booking a cancellation is about")
    classId: int | None = optional(None, "The group class a join is about")
    subscriptionId: str | None = optional(None, "The programme subscription a change is about")
    programmeChange: ProgrammeChangeBrief | None = optional(None, "The subscription before and after the change")


class Proposal(View):
    proposalId: str = field("prp_0123456789abcdef01234567")
    action: ProposalAction = field("book")
    status: Literal["prepared"] = field("prepared")
    expiresAt: Instant = field("2026-03-26T10:05:00Z", "Confirm before this (the hold's end)")
    summary: ProposalSummary
    say: str = field("1:1 Strength Session with Priya Nair on Friday 27 March at 9 am London time, 75.00 GBP, "
                     "free cancellation until 24 hours before. Shall I book it?", SAY)


class ClassPlaceBrief(View):
    id: str = field("gcb_42_usr_0123")
    classId: int = field(42)
    className: str = field("Lunchtime HIIT")
    status: str = field("booked", "booked or waitlisted")
    position: int | None = optional(None, "On the waitlist: the place in the queue")
    startsAt: Instant = field("2026-03-27T12:00:00Z")
    timeZone: str = field("Europe/London", "The studio's zone")
    when: str = field("Friday 27 March at 12 pm London time")


class Confirmation(View):
    proposalId: str = field("prp_0123456789abcdef01234567")
    action: ProposalAction = field("book")
    status: Literal["confirmed"] = field("confirmed")
    replayed: bool = field(False, "True: this proposal was confirmed before; this is that answer again")
    booking: BookingBrief | None = optional(None, "The 1:1 booking made or cancelled")
    classBooking: ClassPlaceBrief | None = optional(None, "The place taken in a group class")
    subscription: SubscriptionBrief | None = optional(None, "The programme subscription changed")
    say: str = field("Booked: 1:1 Strength Session with Priya Nair on Friday 27 March at 9 am London time.", SAY)


ProposalId = Path(pattern=r"^prp_[0-9a-f]{24}$", description="The proposal's id")


@app.post(f"{API}/agent/proposals", status_code=201, response_model=Envelope.of(Proposal),
          responses=errors("FORBIDDEN", "FEATURE_DISABLED", "NOT_FOUND", "SLOT_UNAVAILABLE",
                           "BOOKING_NOT_CANCELLABLE", "ALREADY_BOOKED", "ALREADY_ON_WAITLIST", "CLASS_CANCELLED",
                           "CLASS_FULL", "OUTSIDE_BOOKING_WINDOW", "INVALID_STATE_TRANSITION",
                           "PAUSE_LIMIT_REACHED", "TOOL_DISABLED"))
def prepare(body: ProposalBody, caller: AgentMember) -> dict[str, Any]:
    params = body.model_dump(exclude={"action"})
    return ok(agent_proposals.prepare(caller.client_id, caller.user_id, body.action, params))


@app.post(f"{API}/agent/proposals/{{id}}/confirm", response_model=Envelope.of(Confirmation),
          responses=errors("FORBIDDEN", "FEATURE_DISABLED", "NOT_FOUND", "PROPOSAL_EXPIRED", "PROPOSAL_STALE",
                           "SLOT_UNAVAILABLE", "OVERLAPPING_BOOKING", "BOOKING_NOT_CANCELLABLE",
                           "INVALID_STATE_TRANSITION", "WAITLIST_FULL", "CLASS_CANCELLED", "OUTSIDE_BOOKING_WINDOW",
                           "PAUSE_LIMIT_REACHED", "TOOL_DISABLED"))
def confirm(caller: Annotated[Caller, tool("confirm")], id: str = ProposalId) -> dict[str, Any]:
    return ok(agent_proposals.confirm(caller.client_id, caller.user_id, id))


# --- POST /agent/logs: water, meals and workouts, deduplicated -----------------------------------------------
LocalDay = Annotated[str | None, Field(None, pattern=DATE_PATTERN,
                                       description="The member's local date (YYYY-MM-DD); default today")]
LogText = Annotated[str, Field(min_length=1, max_length=200)]


class WaterLogBody(ApiModel):
    """Water the member drank."""
    type: Literal["water"]
    amountMl: int = Field(ge=1, le=5000, description="Millilitres")
    date: LocalDay = None


class MealLogBody(ApiModel):
    """A meal the member ate (the studio's nutrition feature)."""
    type: Literal["meal"]
    mealType: Literal["breakfast", "lunch", "dinner", "snack"]
    name: LogText
    calories: int = Field(ge=0, le=5000)
    proteinG: float | None = Field(None, ge=0, le=500)
    carbsG: float | None = Field(None, ge=0, le=1000)
    fatG: float | None = Field(None, ge=0, le=500)
    date: LocalDay = None


class WorkoutLogBody(ApiModel):
    """A workout the member did."""
    type: Literal["workout"]
    name: LogText
    durationMinutes: int = Field(ge=1, le=600)
    perceivedExertion: int | None = Field(None, ge=1, le=10, description="How hard it felt, 1-10")
    date: LocalDay = None


LogBody = Annotated[WaterLogBody | MealLogBody | WorkoutLogBody, Field(discriminator="type")]


class LoggedDay(View):
    totalMl: int = field(1750, "Water that day")
    goalMl: int = field(2300)
    calories: int = field(1320)
    targetCalories: int | None = optional(1850)
    workoutsLogged: int = field(1)
    workoutMinutes: int = field(45)


class AgentLogged(View):
    logId: str = field("lg_20260302019c2f4e8a10b7e1c2d3", "DELETE /progress/logs/{id} (the app) undoes it")
    type: Literal["water", "meal", "workout"] = field("water")
    date: str = field("2026-03-02", "The member's local date it counts for")
    deduplicated: bool = field(False, "True: the same log came within 2 minutes; this is the first one, unchanged")
    day: LoggedDay
    say: str = field("Logged 500 ml of water: 1,750 ml on Monday 2 March, of your 2,300 ml goal.", SAY)


@app.post(f"{API}/agent/logs", status_code=201, response_model=Envelope.of(AgentLogged),
          responses={200: {"model": Envelope.of(AgentLogged),
                           "description": "The same log within 2 minutes: the first one (`deduplicated: true`)"},
                     **errors("FORBIDDEN", "FEATURE_DISABLED", "NOT_FOUND", "CONFLICT", "TOOL_DISABLED")})
def log_progress(body: LogBody, caller: AgentMember, response: Response) -> dict[str, Any]:
    agent_switches.require(caller.client_id, agent_switches.LOG_TOOLS[body.type])
    fields = body.model_dump(exclude={"type"})
    answer, created = agent_logs.log(caller.client_id, caller.user_id, body.type, fields)
    response.status_code = 201 if created else 200
    return ok(answer)


# --- GET /users/me/agent-actions: the member reads what their agent did ------------------------------------------
class AgentAction(View):
    id: str = field("9f2c4e1a0b7d")
    at: Instant = field("2026-03-26T10:01:00Z")
    actor: Literal["agent"] = field("agent")
    action: ProposalAction = field("book")
    phase: Literal["prepare", "confirm"] = field("confirm")
    outcome: Literal["prepared", "done", "stale", "refused"] = field("done")
    proposalId: str = field("prp_0123456789abcdef01234567")
    ref: str | None = optional("4b1d2c3e4f5a6b7c8d9e0f1a", "The booking (or hold) it concerned")
    say: str = field("Booked: 1:1 Strength Session with Priya Nair on Friday 27 March at 9 am London time.",
                     "What the member was told")


class AgentActions(View):
    items: list[AgentAction] = field([], "Newest first; kept 90 days")


@app.get(f"{API}/users/me/agent-actions", response_model=Envelope.of(AgentActions))
def agent_actions(caller: UserCaller, limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    return ok(agent_proposals.actions_of(caller.client_id, caller.user_id, limit))


# --- GET /agent/tools: the manifest, generated from the models above ---------------------------------------------
class ConfirmArgs(ApiModel):
    proposalId: str = Field(pattern=r"^prp_[0-9a-f]{24}$", description="From a prepare tool's answer")


TOOLS: tuple[agent_manifest.Tool, ...] = (
    agent_manifest.read("get_context", "GET", "/agent/context", None,
                        "The member's day at a glance: first name, coach, today's plan, next booking, streak. "
                        "Call once at the start."),
    agent_manifest.read("get_daily_plan", "GET", "/agent/daily-plan", DailyPlanArgs,
                        "The member's plan for one day (default today): workout, meals, classes, what is logged."),
    agent_manifest.read("get_active_plans", "GET", "/agent/plans", None,
                        "The member's active workout, nutrition and class plans (week N of M)."),
    agent_manifest.read("get_progress", "GET", "/agent/progress", ProgressArgs,
                        "Workouts done against planned, minutes, streak, calories and water this week or month."),
    agent_manifest.read("list_my_bookings", "GET", "/agent/bookings", BookingsArgs,
                        "The member's upcoming 1:1 sessions (today, this week or all), times in the trainer's zone."),
    agent_manifest.read("find_trainer_slots", "GET", "/agent/trainer-slots", TrainerSlotsArgs,
                        "Up to 5 free times of a trainer (default: the member's coach), in the trainer's zone."),
    agent_manifest.read("recommend_classes", "GET", "/agent/class-recommendations", RecommendArgs,
                        "Up to 3 of the studio's classes for the member's goal, level, plan and free time, with "
                        "reasons."),
    agent_manifest.write("prepare_booking", "POST", "/agent/proposals", BookProposal, "book",
                         "Prepare a 1:1 booking: checks the time, holds it for 5 minutes and returns a summary "
                         "(time, price, cancellation terms) to read to the member. Books nothing. Does not take "
                         "payment."),
    agent_manifest.write("prepare_cancellation", "POST", "/agent/proposals", CancelProposal, "cancel",
                         "Prepare a cancellation: returns whether it is free or late and the penalty, to read to "
                         "the member. Cancels nothing."),
    agent_manifest.write("prepare_class_join", "POST", "/agent/proposals", JoinClassProposal, "join_class",
                         "Prepare joining a group class (its waitlist when full): returns the time, places left "
                         "and cancellation terms to read to the member. Joins nothing. Does not take payment."),
    agent_manifest.write("prepare_programme_change", "POST", "/agent/proposals", ProgrammeChangeProposal,
                         "programme_change",
                         "Prepare pausing, resuming or cancelling one of the member's programme subscriptions: "
                         "returns what changes (end date, pauses left; a cancellation now cannot be undone) to "
                         "read to the member. Changes nothing. Does not take or refund payment."),
    agent_manifest.log("log_water", "POST", "/agent/logs", WaterLogBody, "water",
                       "Log water the member drank; answers the day's total against their goal."),
    agent_manifest.log("log_meal", "POST", "/agent/logs", MealLogBody, "meal",
                       "Log a meal the member ate, with its calories; answers the day's calories."),
    agent_manifest.log("log_workout", "POST", "/agent/logs", WorkoutLogBody, "workout",
                       "Log a workout the member did, with its minutes; answers the day's workouts."),
    agent_manifest.confirm("confirm", "POST", "/agent/proposals/{proposalId}/confirm", ConfirmArgs,
                           "Do what a prepared proposal says, once: only after the member has heard its summary "
                           "and said yes. Books, cancels or changes for real; calling it again answers the same "
                           "result."),
)


class ToolsArgs(ToolArgs):
    format: Literal["openai", "hume", "mcp"] = Field("openai", description="The tool-definition dialect")


class ToolManifest(View):
    version: str = field("1.3f9a2c7e1b04", "Changes whenever a tool, its schema or its hints change")
    format: Literal["openai", "hume", "mcp"] = field("openai")
    tools: list[dict[str, Any]] = field([], "Tool definitions in the format's own shape")
    routes: dict[str, dict[str, Any]] = field({"get_context": {"method": "GET", "path": "/api/v1/agent/context",
                                                               "body": None}},
                                              "How the worker calls each tool: method, path, fixed body fields")


@app.get(f"{API}/agent/tools", response_model=Envelope.of(ToolManifest))
def tool_manifest(tenant: ClientTenant, args: Annotated[ToolsArgs, Query()]) -> dict[str, Any]:
    switched_on = agent_switches.switches(tenant.client)
    offered = [t for t in TOOLS if switched_on[t.name]]
    return ok(agent_manifest.render(offered, args.format, API))


handler = Mangum(app, lifespan="off")
