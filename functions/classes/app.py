"""Group classes (capacity, a fair waitlist, live-video rooms) and programmes (subscribe, pause, resume,
cancel), for members; scheduling, rosters and templates for trainers and studio admins. The rules live in
shared/domain/group_classes.py and shared/domain/programmes.py."""
# No `from __future__ import annotations`: FastAPI reads the request models from evaluated annotations.
from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, Path, Query, Response
from mangum import Mangum
from pydantic import Field

from shared import clock
from shared.domain import group_classes as gc
from shared.domain import catalog, programmes, trainer_portal
from shared.domain.clients import require_feature
from shared.errors import AppError
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import Caller, UserCaller, require_role
from shared.http.envelope import Envelope, Instant, View, field, optional
from shared.idempotency import IdempotentRoute
from shared.domain.voice import room_token
from shared.settings import get_settings
from shared.views import ClassPenalty, GroupClassView, Pagination, PausePolicy, ProgrammeView

app = create_app("classes")
app.router.route_class = IdempotentRoute  # every POST here honours Idempotency-Key; other methods pass through

ClassId = Annotated[str, Path(pattern=r"^[1-9][0-9]{0,7}$", description="The group class id (digits only)")]
ProgrammeId = Annotated[str, Path(pattern=r"^[1-9][0-9]{0,7}$", description="The programme id (digits only)")]
PlaceId = Annotated[str, Path(pattern=r"^cb_[1-9][0-9]{0,7}_usr_[0-9a-f]{24}$",
                                description="A place in the class, as the roster lists it (cb_<class>_<member>)")]
SubscriptionId = Annotated[str, Path(pattern=r"^ps_[0-9a-f]{20}$", description="The subscription id")]
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
Day = Annotated[str, Field(pattern=DATE_PATTERN, description="YYYY-MM-DD", json_schema_extra={"format": "date"})]
Staff = Annotated[Caller, Depends(require_role("trainer", "client_admin", "platform_admin"))]


def _member(caller: Caller) -> Caller:
    require_feature(caller.client_id, "coach_connect")
    return caller




def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AppError("VALIDATION_ERROR", f"Invalid request: {name}",
                       [{"field": name, "reason": "must be a real date, YYYY-MM-DD"}]) from None


# --- views --------------------------------------------------------------------------------------------------
class CancellationPolicy(View):
    freeCancelMinutes: int = field(720, "Leaving is free until this many minutes before the start")
    lateCancelUntilMinutes: int = field(0, "A late leave is possible until this many minutes before the start")
    lateCancelPenalty: ClassPenalty
    freeCancelUntil: Instant = field("2026-12-01T06:00:00Z")
    promotionStopsAt: Instant = field("2026-12-01T06:00:00Z", "No waiting member is promoted after this instant "
                                                              "(never later than freeCancelUntil)")


class GroupClassDetail(GroupClassView):
    description: str = field("Intervals for every level")
    cancellationPolicy: CancellationPolicy


class GroupClassList(View):
    items: list[GroupClassView]
    pagination: Pagination


class ClassBookingView(View):
    id: str = field("cb_7_usr_0123456789abcdef01234567")
    classId: int = field(7)
    status: str = field("waitlisted", "booked, waitlisted, offered, cancelled, late_cancelled, left_waitlist, "
                                      "offer_expired, cancelled_by_studio, attended or no_show")
    position: int | None = optional(2, "Place on the waitlist (1 is next), for a waiting member")
    startsAt: Instant = field("2026-12-05T09:00:00Z")
    className: str = field("Saturday HIIT")
    offerExpiresAt: Instant | None = optional("2026-12-04T09:15:00Z", "Until when an offered place can be accepted")
    penalty: ClassPenalty
    updatedAt: Instant | None = optional("2026-12-01T10:00:00Z")


class JoinAnswer(View):
    classBooking: ClassBookingView
    spotsLeft: int = field(0)


class LeaveAnswer(View):
    classBooking: ClassBookingView
    penalty: ClassPenalty
    dryRun: bool = field(False, "True: a quote; nothing changed")


class PlaceAnswer(View):
    classBooking: ClassBookingView


class Roster(View):
    class_: GroupClassDetail = Field(alias="class")
    booked: list[ClassBookingView]
    waitlist: list[ClassBookingView]


class VideoToken(View):
    token: str = field("eyJhbGciOiJIUzI1NiJ9...")
    wsUrl: str = field("wss://livekit.example.com")
    roomName: str = field("zen-flow-studio:class-00000007")
    identity: str = field("usr_0123456789abcdef01234567")
    expiresAt: Instant = field("2026-12-05T09:10:00Z")


class ProgrammeSession(View):
    day: str = field("mon")
    name: str = field("Full body A")
    description: str = field("Squat, push, pull")


class ProgrammeWeek(View):
    week: int = field(1)
    sessions: list[ProgrammeSession]


class ProgrammeDetail(ProgrammeView):
    weeks: list[ProgrammeWeek]


class ProgrammeList(View):
    items: list[ProgrammeView]
    pagination: Pagination


class ProgrammeDetailAnswer(View):
    programme: ProgrammeDetail


class SubscriptionView(View):
    id: str = field("ps_0123456789abcdef0123")
    programmeId: int = field(3)
    programmeVersion: int = field(1)
    programmeName: str | None = optional("Strong in Six")
    status: Literal["scheduled", "active", "paused", "cancelled", "completed"] = field("active")
    startDate: str = field("2026-12-01")
    endDate: str = field("2027-01-11", "Moves later by the days spent paused")
    currentWeek: int = field(1, "0 before the start; frozen while paused")
    pausedAt: str | None = optional("2026-12-10")
    resumeOn: str | None = optional("2026-12-17", "The resume date asked for")
    resumesOn: str | None = optional("2026-12-17", "When the pause ends by itself (resumeOn or the allowance)")
    pausedDaysUsed: int = field(0)
    pauseCount: int = field(0)
    cancelAt: str | None = optional(None, "The first day without the programme, when a cancellation is scheduled")
    pauseAllowance: PausePolicy


class SubscriptionAnswer(View):
    subscription: SubscriptionView


class SubscribeAnswer(SubscriptionAnswer):
    alreadySubscribed: bool = field(False, "True when you already followed this programme (200)")


class SubscriptionList(View):
    items: list[SubscriptionView]


# --- requests -------------------------------------------------------------------------------------------------
class JoinBody(ApiModel):
    waitlist: bool = Field(True, description="Join the waitlist when the class is full (false: 409 CLASS_FULL)")
    promoteUntilMinutes: int | None = Field(None, ge=0, le=7 * 24 * 60,
                                            description="Do not promote me later than this many minutes before "
                                                        "the start")


class LeaveBody(ApiModel):
    dryRun: bool = Field(False, description="Quote the outcome and penalty; change nothing")


class SubscribeBody(ApiModel):
    startDate: Day | None = None


class PauseBody(ApiModel):
    resumeOn: Day | None = None


class CancelSubscriptionBody(ApiModel):
    atPeriodEnd: bool = False


class WaitlistPolicy(ApiModel):
    enabled: bool = True
    capacity: int = Field(10, ge=0, le=1000)
    mode: Literal["auto", "offer"] = "auto"
    closeMinutes: int = Field(720, ge=0, le=14 * 24 * 60)
    offerMinutes: int = Field(15, ge=5, le=24 * 60)


class PenaltyBody(ApiModel):
    type: Literal["none", "fee", "credit_forfeit"] = "fee"
    amount: float = Field(5.0, ge=0, le=10_000)
    currency: str = Field("GBP", pattern=r"^[A-Z]{3}$")


class PolicyBody(ApiModel):
    freeCancelMinutes: int = Field(720, ge=0, le=14 * 24 * 60)
    lateCancelUntilMinutes: int = Field(0, ge=0, le=14 * 24 * 60)
    lateCancelPenalty: PenaltyBody = PenaltyBody()


class WindowBody(ApiModel):
    opensMinutes: int = Field(14 * 24 * 60, ge=0, le=90 * 24 * 60)
    closesMinutes: int = Field(0, ge=0, le=7 * 24 * 60)


class ScheduleClassBody(ApiModel):
    trainerId: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    category: str | None = Field(None, min_length=1, max_length=60)
    startsAt: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", description="UTC instant")
    duration: int = Field(ge=5, le=480, description="Minutes")
    timeZone: str = Field(min_length=1, max_length=64, description="IANA zone the class is shown in")
    capacity: int = Field(ge=1, le=500)
    mode: Literal["in_person", "live_video"] = "in_person"
    waitlist: WaitlistPolicy = WaitlistPolicy()
    bookingWindow: WindowBody = WindowBody()
    cancellationPolicy: PolicyBody = PolicyBody()


class EditClassBody(ApiModel):
    capacity: int | None = Field(None, ge=1, le=500, description="Not below the places taken (409 "
                                                                 "CAPACITY_BELOW_BOOKED); a raise promotes from "
                                                                 "the waitlist's head")
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = Field(None, max_length=2000)


class SessionBody(ApiModel):
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=1000)


class WeekBody(ApiModel):
    week: int = Field(ge=1, le=52, description="1 to durationWeeks, each week once")
    sessions: list[SessionBody] = Field(max_length=14)


class PausePolicyBody(ApiModel):
    maxPauses: int = Field(2, ge=0, le=12)
    maxPausedDays: int = Field(30, ge=0, le=365)


class ProgrammeTemplateBody(ApiModel):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    durationWeeks: int = Field(ge=1, le=52)
    sessionsPerWeek: int = Field(ge=1, le=14)
    level: Literal["beginner", "intermediate", "advanced"] = "beginner"
    price: float = Field(0, ge=0, le=10_000)
    currency: str = Field("GBP", pattern=r"^[A-Z]{3}$")
    weeks: list[WeekBody] = Field([], max_length=52)
    pausePolicy: PausePolicyBody = PausePolicyBody()

    def template(self) -> dict[str, Any]:
        """The template's fields as the domain keeps them (weeks in order; a week past the end is refused)."""
        numbers = [w.week for w in self.weeks]
        if len(set(numbers)) != len(numbers) or any(n > self.durationWeeks for n in numbers):
            raise AppError("VALIDATION_ERROR", "Invalid request: weeks",
                           [{"field": "weeks", "reason": "each week once, numbered 1 to durationWeeks"}])
        return {"name": self.name, "description": self.description, "durationWeeks": self.durationWeeks,
                "sessionsPerWeek": self.sessionsPerWeek, "level": self.level, "price": self.price,
                "currency": self.currency, "pausePolicy": self.pausePolicy.model_dump(),
                "weeks": [w.model_dump() for w in sorted(self.weeks, key=lambda w: w.week)]}


class NewProgrammeBody(ProgrammeTemplateBody):
    trainerId: int = Field(ge=1, le=99_999_999)


class ProgrammeRevisionBody(ProgrammeTemplateBody):
    expectedVersion: int | None = Field(None, ge=1, description="The version you edited: another editor's newer "
                                                                "one makes this 409 CONFLICT instead of overwriting")


# --- member routes -------------------------------------------------------------------------------------------
def _span(from_: str | None, to: str | None) -> tuple[int, int]:
    return gc.span(_date(from_, "from"), _date(to, "to"))


@app.get(f"{API}/group-classes", response_model=Envelope.of(GroupClassList), responses=errors("FEATURE_DISABLED"))
def list_group_classes(
    caller: UserCaller,
    from_: str | None = Query(None, alias="from", pattern=DATE_PATTERN, description="First day (UTC)",
                              json_schema_extra={"format": "date"}),
    to: str | None = Query(None, pattern=DATE_PATTERN, description="Last day (UTC), ≤31 days on",
                           json_schema_extra={"format": "date"}),
    trainer_id: int | None = Query(None, alias="trainerId", ge=1),
    category: str | None = Query(None, min_length=1, max_length=60),
    has_spots: bool | None = Query(None, alias="hasSpots"),
    page: int = Query(1, ge=1, le=1000),
    limit: int = Query(20, ge=1, le=100),
) -> dict[str, Any]:
    _member(caller)
    start, end = _span(from_, to)
    items = [c for c in gc.classes_between(caller.client_id, start, end)
             if (trainer_id is None or int(c["trainerId"]) == trainer_id)
             and (category is None or (c.get("category") or "").lower() == category.lower())
             and (has_spots is None or (int(c["capacity"]) > int(c["bookedCount"])) == has_spots)]
    places = gc.member_places(caller.client_id, caller.user_id, start, end)
    chunk, pagination = catalog.paginate(items, page, limit)
    return ok({"items": [gc.class_view(c, places.get(int(c["id"]))) for c in chunk], "pagination": pagination})


@app.get(f"{API}/group-classes/{{id}}", response_model=Envelope.of(GroupClassDetail),
         responses=errors("FEATURE_DISABLED"))
def group_class(caller: UserCaller, id: ClassId) -> dict[str, Any]:
    _member(caller)
    item, place = gc.class_with_place(caller.client_id, int(id), caller.user_id)
    return ok(gc.class_view(item, place, detail=True))


@app.post(f"{API}/group-classes/{{id}}/join", status_code=201, response_model=Envelope.of(JoinAnswer),
          responses=errors("FEATURE_DISABLED", "CLASS_FULL", "WAITLIST_FULL", "ALREADY_BOOKED", "ALREADY_ON_WAITLIST",
                           "OUTSIDE_BOOKING_WINDOW", "CLASS_CANCELLED", "CONFLICT"))
def join_group_class(caller: UserCaller, id: ClassId, body: JoinBody) -> dict[str, Any]:
    _member(caller)
    _, answer = gc.join(caller.client_id, caller.user_id, int(id), waitlist=body.waitlist,
                        promote_until_minutes=body.promoteUntilMinutes)
    return ok(answer)


@app.post(f"{API}/group-classes/{{id}}/leave", response_model=Envelope.of(LeaveAnswer),
          responses=errors("FEATURE_DISABLED", "BOOKING_NOT_CANCELLABLE", "CONFLICT"))
def leave_group_class(caller: UserCaller, id: ClassId, body: LeaveBody) -> dict[str, Any]:
    _member(caller)
    return ok(gc.leave(caller.client_id, caller.user_id, int(id), dry_run=body.dryRun))


@app.post(f"{API}/group-classes/{{id}}/accept-offer", response_model=Envelope.of(PlaceAnswer),
          responses=errors("FEATURE_DISABLED", "OFFER_EXPIRED"))
def accept_offer(caller: UserCaller, id: ClassId) -> dict[str, Any]:
    _member(caller)
    return ok(gc.accept_offer(caller.client_id, caller.user_id, int(id)))


@app.post(f"{API}/group-classes/{{id}}/video", response_model=Envelope.of(VideoToken),
          responses=errors("FEATURE_DISABLED", "NOT_A_VIDEO_CLASS", "JOIN_WINDOW_CLOSED"))
def class_video(caller: UserCaller, id: ClassId) -> dict[str, Any]:
    """A LiveKit token for the class's room: booked members only, from 10 minutes before the start to 15
    minutes after the end."""
    _member(caller)
    _, room = gc.video_room(caller.client_id, int(id), caller.user_id)
    token, expires = room_token(caller.user_id, room)
    return ok({"token": token, "wsUrl": get_settings().livekit_url, "roomName": room, "identity": caller.user_id,
               "expiresAt": clock.iso(expires)})


# --- programmes ------------------------------------------------------------------------------------------------
@app.get(f"{API}/programmes", response_model=Envelope.of(ProgrammeList), responses=errors("FEATURE_DISABLED"))
def list_programmes(caller: UserCaller, trainer_id: int | None = Query(None, alias="trainerId", ge=1),
                    level: str | None = Query(None, min_length=1, max_length=40),
                    page: int = Query(1, ge=1, le=1000), limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    """Published programmes by name."""
    _member(caller)
    items = [p for p in programmes.list_programmes(caller.client_id)
             if (trainer_id is None or int(p["trainerId"]) == trainer_id) and (level is None or p["level"] == level)]
    shown, pagination = catalog.paginate(items, page, limit)
    return ok({"items": [programmes.programme_view(p) for p in shown], "pagination": pagination})


@app.get(f"{API}/programmes/{{id}}", response_model=Envelope.of(ProgrammeDetailAnswer),
         responses=errors("FEATURE_DISABLED"))
def programme(caller: UserCaller, id: ProgrammeId) -> dict[str, Any]:
    _member(caller)
    return ok({"programme": programmes.programme_view(programmes.get_programme(caller.client_id, int(id)),
                                                      detail=True)})


@app.post(f"{API}/programmes/{{id}}/subscribe", status_code=201, response_model=Envelope.of(SubscribeAnswer),
          responses={200: {"description": "Already subscribed: the live subscription"},
                     **errors("FEATURE_DISABLED", "CONFLICT")})
def subscribe(caller: UserCaller, id: ProgrammeId, body: SubscribeBody, response: Response) -> dict[str, Any]:
    _member(caller)
    status, answer = programmes.subscribe(caller.client_id, caller.user_id, int(id), _date(body.startDate, "startDate"))
    response.status_code = status
    return ok(answer)


@app.get(f"{API}/users/me/programmes", response_model=Envelope.of(SubscriptionList),
         responses=errors("FEATURE_DISABLED"))
def my_programmes(caller: UserCaller,
                  status: Literal["scheduled", "active", "paused", "cancelled", "completed"] | None =
                  Query(None, description="Only subscriptions in this state (as of your today)")) -> dict[str, Any]:
    _member(caller)
    return ok({"items": [s for s in programmes.my_subscriptions(caller.client_id, caller.user_id)
                         if status is None or s["status"] == status]})


@app.get(f"{API}/programme-subscriptions/{{id}}", response_model=Envelope.of(SubscriptionAnswer),
         responses=errors("FEATURE_DISABLED"))
def subscription(caller: UserCaller, id: SubscriptionId) -> dict[str, Any]:
    _member(caller)
    today, _ = programmes.member_today(caller.client_id, caller.user_id)
    item = programmes.get_subscription(caller.client_id, caller.user_id, id)
    return ok({"subscription": programmes.subscription_view(item, today)})


TRANSITION_ERRORS = errors("FEATURE_DISABLED", "INVALID_STATE_TRANSITION", "PAUSE_LIMIT_REACHED", "CONFLICT")


@app.post(f"{API}/programme-subscriptions/{{id}}/pause", response_model=Envelope.of(SubscriptionAnswer),
          responses=TRANSITION_ERRORS)
def pause_subscription(caller: UserCaller, id: SubscriptionId, body: PauseBody) -> dict[str, Any]:
    _member(caller)
    return ok(programmes.transition(caller.client_id, caller.user_id, id, "pause",
                                    resume_on=_date(body.resumeOn, "resumeOn")))


@app.post(f"{API}/programme-subscriptions/{{id}}/resume", response_model=Envelope.of(SubscriptionAnswer),
          responses=TRANSITION_ERRORS)
def resume_subscription(caller: UserCaller, id: SubscriptionId) -> dict[str, Any]:
    _member(caller)
    return ok(programmes.transition(caller.client_id, caller.user_id, id, "resume"))


@app.post(f"{API}/programme-subscriptions/{{id}}/cancel", response_model=Envelope.of(SubscriptionAnswer),
          responses=TRANSITION_ERRORS)
def cancel_subscription(caller: UserCaller, id: SubscriptionId,
                        body: CancelSubscriptionBody) -> dict[str, Any]:
    _member(caller)
    return ok(programmes.transition(caller.client_id, caller.user_id, id, "cancel", at_period_end=body.atPeriodEnd))


# --- staff: schedule, roster, cancel --------------------------------------------------------------------------
def _own_class(staff: Caller, class_id: int) -> dict[str, Any]:
    """A class of the staff member's client; a trainer only reaches their own classes."""
    item = gc.get_class(staff.client_id, class_id, consistent=True)
    if staff.role == "trainer" and trainer_portal.trainer_of(staff.client_id, staff.user_id).id != int(item["trainerId"]):
        raise AppError("NOT_FOUND", "Group class not found")
    return item


@app.get(f"{API}/trainer/group-classes", response_model=Envelope.of(GroupClassList))
def staff_classes(
    staff: Staff,
    from_: str | None = Query(None, alias="from", pattern=DATE_PATTERN, description="First day (UTC); default today",
                              json_schema_extra={"format": "date"}),
    to: str | None = Query(None, pattern=DATE_PATTERN, description="Last day (UTC), ≤31 days on",
                           json_schema_extra={"format": "date"}),
    trainer_id: int | None = Query(None, alias="trainerId", ge=1, description="A studio admin's filter; a trainer "
                                                                              "sees their own classes only"),
    page: int = Query(1, ge=1, le=1000),
    limit: int = Query(20, ge=1, le=100),
) -> dict[str, Any]:
    """The schedule as staff see it: scheduled and cancelled classes in the range, soonest first, with their
    counts (the roster of each is at /trainer/group-classes/{id}/roster)."""
    start, end = _span(from_, to)
    own = trainer_portal.trainer_of(staff.client_id, staff.user_id).id if staff.role == "trainer" else trainer_id
    items = [c for c in gc.classes_between(staff.client_id, start, end) if own is None or int(c["trainerId"]) == own]
    chunk, pagination = catalog.paginate(items, page, limit)
    return ok({"items": [gc.class_view(c) for c in chunk], "pagination": pagination})


def _for_own_trainer(staff: Staff, trainer_id: int, refusal: str) -> None:
    """The trainer is the client's, and a trainer (not a studio admin) acts for themself only."""
    gc.require_trainer(staff.client_id, trainer_id)
    if staff.role == "trainer" and trainer_portal.trainer_of(staff.client_id, staff.user_id).id != trainer_id:
        raise AppError("FORBIDDEN", refusal)


@app.post(f"{API}/trainer/group-classes", status_code=201, response_model=Envelope.of(GroupClassDetail),
          responses=errors("NOT_FOUND"))
def schedule_class(staff: Staff, body: ScheduleClassBody) -> dict[str, Any]:
    _for_own_trainer(staff, body.trainerId, "A trainer schedules their own classes only")
    try:
        ZoneInfo(body.timeZone)
    except (KeyError, ValueError):
        raise AppError("VALIDATION_ERROR", "Invalid request: timeZone",
                       [{"field": "timeZone", "reason": "not an IANA time zone (e.g. Europe/London)"}]) from None
    starts = int(clock.parse_iso(body.startsAt))
    if starts <= clock.now():
        raise AppError("VALIDATION_ERROR", "Invalid request: startsAt",
                       [{"field": "startsAt", "reason": "must be in the future"}])
    item = gc.create_class(staff.client_id, trainer_id=body.trainerId, name=body.name, starts_at=starts,
                           duration=body.duration, time_zone=body.timeZone, capacity=body.capacity,
                           waitlist=body.waitlist.model_dump(), booking_window=body.bookingWindow.model_dump(),
                           cancellation_policy=body.cancellationPolicy.model_dump(), mode=body.mode,
                           category=body.category, description=body.description)
    return ok(gc.class_view(item, detail=True))


@app.get(f"{API}/trainer/group-classes/{{id}}/roster", response_model=Envelope.of(Roster))
def class_roster(staff: Staff, id: ClassId) -> dict[str, Any]:
    _own_class(staff, int(id))
    return ok(gc.roster(staff.client_id, int(id)))


@app.post(f"{API}/trainer/group-classes/{{id}}/cancel", response_model=Envelope.of(GroupClassDetail))
def cancel_class(staff: Staff, id: ClassId) -> dict[str, Any]:
    _own_class(staff, int(id))
    return ok(gc.cancel_class(staff.client_id, int(id)))


@app.patch(f"{API}/trainer/group-classes/{{id}}", response_model=Envelope.of(GroupClassDetail),
           responses=errors("CAPACITY_BELOW_BOOKED", "CLASS_CANCELLED"))
def edit_class(staff: Staff, id: ClassId, body: EditClassBody) -> dict[str, Any]:
    """Change a class's capacity, name or description. A raised capacity promotes waiting members, first in
    first out, in the same transaction (before the promotion cut-off)."""
    _own_class(staff, int(id))
    return ok(gc.change_class(staff.client_id, int(id), capacity=body.capacity, name=body.name,
                              description=body.description))


@app.post(f"{API}/trainer/programmes", status_code=201, response_model=Envelope.of(ProgrammeDetailAnswer),
          responses=errors("NOT_FOUND"))
def create_programme(staff: Staff, body: NewProgrammeBody) -> dict[str, Any]:
    """Publish a programme template (version 1). A trainer publishes their own only."""
    _for_own_trainer(staff, body.trainerId, "A trainer publishes their own programmes only")
    fields = body.template()
    made = programmes.create_programme(
        staff.client_id, trainer_id=body.trainerId, name=fields["name"], description=fields["description"],
        duration_weeks=fields["durationWeeks"], sessions_per_week=fields["sessionsPerWeek"], level=fields["level"],
        price=fields["price"], currency=fields["currency"], weeks=fields["weeks"], pause_policy=fields["pausePolicy"])
    return ok({"programme": programmes.programme_view(made, detail=True)})


@app.put(f"{API}/trainer/programmes/{{id}}", response_model=Envelope.of(ProgrammeDetailAnswer),
         responses=errors("CONFLICT"))
def revise_programme(staff: Staff, id: ProgrammeId, body: ProgrammeRevisionBody) -> dict[str, Any]:
    """Replace the template with a new version; members already following it keep the version they began."""
    current = programmes.get_programme(staff.client_id, int(id))
    if staff.role == "trainer" and \
            trainer_portal.trainer_of(staff.client_id, staff.user_id).id != int(current["trainerId"]):
        raise AppError("NOT_FOUND", "Programme not found")
    revised = programmes.revise_programme(staff.client_id, int(id), body.template(), body.expectedVersion)
    return ok({"programme": programmes.programme_view(revised, detail=True)})


def _place_of_class(staff: Caller, class_id: str, place_id: str) -> str:
    """The member of a place on this class's roster (another class's place is 404)."""
    _own_class(staff, int(class_id))
    of_class, user_id = gc.parse_booking_id(place_id)
    if of_class != int(class_id):
        raise AppError("NOT_FOUND", "Class booking not found")
    return user_id


@app.post(f"{API}/trainer/group-classes/{{id}}/roster/{{placeId}}/promote", response_model=Envelope.of(PlaceAnswer),
          responses=errors("CLASS_FULL", "CLASS_CANCELLED", "INVALID_STATE_TRANSITION"))
def class_place_promote(staff: Staff, id: ClassId, placeId: PlaceId) -> dict[str, Any]:
    """Book a waiting member now, out of order or after the cut-off, into a free place."""
    user_id = _place_of_class(staff, id, placeId)
    return ok({"classBooking": gc.promote(staff.client_id, int(id), user_id, staff.user_id)})


@app.post(f"{API}/trainer/group-classes/{{id}}/roster/{{placeId}}/check-in", response_model=Envelope.of(PlaceAnswer),
          responses=errors("CLASS_CANCELLED", "INVALID_STATE_TRANSITION"))
def class_place_check_in(staff: Staff, id: ClassId, placeId: PlaceId) -> dict[str, Any]:
    """Mark a booked member present (from an hour before the start)."""
    user_id = _place_of_class(staff, id, placeId)
    return ok({"classBooking": gc.mark_attendance(staff.client_id, int(id), user_id, gc.ATTENDED, staff.user_id)})


@app.post(f"{API}/trainer/group-classes/{{id}}/roster/{{placeId}}/no-show", response_model=Envelope.of(PlaceAnswer),
          responses=errors("CLASS_CANCELLED", "INVALID_STATE_TRANSITION"))
def class_place_no_show(staff: Staff, id: ClassId, placeId: PlaceId) -> dict[str, Any]:
    """Mark a booked member absent (once the class has started)."""
    user_id = _place_of_class(staff, id, placeId)
    return ok({"classBooking": gc.mark_attendance(staff.client_id, int(id), user_id, gc.NO_SHOW, staff.user_id)})


handler = Mangum(app, lifespan="off")
