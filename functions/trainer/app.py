"""The trainer portal (role `trainer`): profile, weekly schedule, their bookings, cancel / complete / no-show,
and the trainer's side of the call; and, before the account exists, the check of an invitation code."""
# No `from __future__ import annotations`: the body models must resolve when this file is loaded by path.
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query
from mangum import Mangum
from pydantic import AfterValidator, Field, StringConstraints

from shared import clock
from shared.domain import text, trainer_invites, trainer_portal, trainers
from shared.domain.accounts import FitnessGoal, Name
from shared.domain.clients import require_feature
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import Caller, KeyCaller, require_role
from shared.http.envelope import Envelope, Instant, View, field, optional
from shared.idempotency import IdempotentRoute
from shared.views import BookingAnswer, BookingView, CallToken, DateOverride, Pagination, ServiceView, WeeklyWindow

app = create_app("trainer")
app.router.route_class = IdempotentRoute  # every POST here honours Idempotency-Key

TrainerCaller = Annotated[Caller, Depends(require_role("trainer"))]
BookingId = Path(pattern=r"^[0-9a-f]{24}$", description="The booking's id")
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM_OR_END = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
DATE = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
INSTANT = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"
ServiceId = Path(ge=1, le=99_999_999, description="The service's id")
CancelAffected = Field(False, description="Cancel (without penalty for the member) the confirmed bookings the change "
                                          "would strand, instead of a 409 listing them")
def _instant(value: str) -> str:
    """A real instant (the pattern lets 2026-02-30 through)."""
    try:
        clock.parse_iso(value)
    except ValueError:
        raise ValueError("not a real date and time") from None
    return value


UtcInstant = Annotated[str, Field(pattern=INSTANT, description="UTC instant"), AfterValidator(_instant)]
Bio = Annotated[str, StringConstraints(max_length=1000), AfterValidator(text.multiline_text),
                Field(json_schema_extra={"pattern": text.MULTILINE_TEXT_PATTERN})]
FEATURE = "coach_connect"


def _me(caller: Caller) -> trainers.Trainer:
    require_feature(caller.client_id, FEATURE)
    return trainer_portal.trainer_of(caller.client_id, caller.user_id)


# --- models ---------------------------------------------------------------------------------------------------
class WeeklyRule(ApiModel):
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    start: str = Field(pattern=HHMM, description="Local wall-clock time, on a 5-minute grid")
    end: str = Field(pattern=HHMM_OR_END, description="Local wall-clock time; 24:00 is the end of the day")


class WindowBody(ApiModel):
    start: str = Field(pattern=HHMM)
    end: str = Field(pattern=HHMM_OR_END)


class OverrideBody(ApiModel):
    date: str = Field(pattern=DATE)
    windows: list[WindowBody] = Field(default_factory=list, max_length=12,
                                      description="The day's windows instead of the weekly ones; empty: unavailable")


class ScheduleBody(ApiModel):
    timeZone: str = Field(min_length=1, max_length=64, description="IANA zone, e.g. Europe/London")
    weekly: list[WeeklyRule] = Field(max_length=7 * 12)
    overrides: list[OverrideBody] = Field(default_factory=list, max_length=366)
    cancelAffected: bool = Field(False, description="Cancel (without penalty for the member) the confirmed "
                                                    "bookings the new schedule no longer offers")


class TimeOffView(View):
    id: str = field("3f9a0c1e2b4d5f6a")
    startsAt: Instant = field("2026-12-21T00:00:00Z")
    endsAt: Instant = field("2027-01-04T00:00:00Z")
    reason: str = field("Holidays")


class ScheduleView(View):
    trainerId: int = field(5)
    timeZone: str = field("Europe/London")
    weekly: list[WeeklyWindow]
    overrides: list[DateOverride]
    timeOff: list[TimeOffView] = field([], "Stretches of time off still ahead")
    updatedAt: Instant | None = optional("2026-11-29T10:00:00Z")


class ScheduleUpdated(ScheduleView):
    cancelledBookings: list[str] = field([], "Bookings the trainer cancelled with this change")


class Changed(View):
    cancelledBookings: list[str] = field([], "Bookings the trainer cancelled with this change (no member penalty)")


class OverrideAnswer(Changed):
    override: DateOverride


class TimeOffAnswer(Changed):
    timeOff: TimeOffView


class TimeOffList(View):
    items: list[TimeOffView]


class Removed(Changed):
    deleted: bool = field(True)


class ServicesAnswer(View):
    services: list[ServiceView] = field([], "Every service, archived ones included (active: false)")


class ServiceAnswer(View):
    service: ServiceView


class ServiceRemoved(View):
    service: ServiceView
    deleted: bool = field(False, "True: it had never been booked and is gone")
    archived: bool = field(True, "True: it had bookings, so it is kept but no longer offered")


class ScheduleAnswer(View):
    schedule: ScheduleView


class ScheduleUpdatedAnswer(View):
    schedule: ScheduleUpdated


class ServiceSummary(View):
    id: int = field(3)
    name: str = field("1:1 Strength Session")
    duration: int = field(60)
    price: float = field(75.0)
    priceMinor: int = field(7500)
    currency: str = field("GBP")
    active: bool = field(True)


class TrainerProfile(View):
    id: int = field(5)
    name: str = field("Priya Nair")
    image: str | None = optional("https://cdn.studiostv.net/coaches/5.jpg")
    bio: str = field("Weight-loss coach")
    specialties: list[str] = field(["weight_loss"])
    active: bool = field(True)
    timeZone: str = field("Europe/London")
    services: list[ServiceSummary]


class ProfileAnswer(View):
    trainer: TrainerProfile


class ProfileUpdated(ProfileAnswer, Changed):
    pass


class ProfileBody(ApiModel):
    """Only what is sent changes."""
    name: Name | None = None
    bio: Bio | None = None
    image: str | None = Field(None, max_length=500, pattern=r"^https://[^\s]+$", description="An https URL")
    specialties: list[FitnessGoal] | None = Field(None, min_length=1, max_length=7)
    active: bool | None = Field(None, description="false: listed but not taking new bookings")
    timeZone: str | None = Field(None, min_length=1, max_length=64,
                                 description="IANA zone; the weekly rules keep their wall-clock times")
    cancelAffected: bool = CancelAffected


class PenaltyBody(ApiModel):
    type: Literal["none", "fee", "credit_forfeit"] = "fee"
    amountMinor: int = Field(0, ge=0, le=10_000_000)


class PolicyBody(ApiModel):
    freeCancelMinutes: int = Field(1440, ge=0, le=60 * 24 * 30)
    lateCancelAllowed: bool = True
    lateCancelPenalty: PenaltyBody = Field(default_factory=PenaltyBody)


class ServiceChanges(ApiModel):
    """A service's terms; on PUT only what is sent changes (booked sessions keep theirs)."""
    name: Name | None = None
    description: Bio | None = None
    duration: int | None = Field(None, ge=5, le=90, multiple_of=5, description="Minutes")
    priceMinor: int | None = Field(None, ge=0, le=10_000_000, description="Minor units (pence, cents)")
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", description="ISO 4217")
    mode: Literal["video", "in_person"] | None = None
    bufferBeforeMinutes: int | None = Field(None, ge=0, le=30, multiple_of=5)
    bufferAfterMinutes: int | None = Field(None, ge=0, le=30, multiple_of=5)
    minimumNoticeMinutes: int | None = Field(None, ge=0, le=60 * 24 * 30)
    bookingHorizonDays: int | None = Field(None, ge=1, le=365)
    slotIntervalMinutes: int | None = Field(None, ge=5, le=720, multiple_of=5, description="Default: the duration")
    cancellationPolicy: PolicyBody | None = None
    active: bool | None = Field(None, description="false archives it, true offers it again")


class NewService(ServiceChanges):
    name: Name
    duration: int = Field(ge=5, le=90, multiple_of=5, description="Minutes")
    priceMinor: int = Field(ge=0, le=10_000_000, description="Minor units (pence, cents)")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")


class OverridePost(ApiModel):
    date: str = Field(pattern=DATE, description="A local date in the trainer's zone")
    windows: list[WindowBody] = Field(default_factory=list, max_length=12,
                                      description="The day's windows instead of the weekly ones; empty: unavailable")
    cancelAffected: bool = CancelAffected


class TimeOffBody(ApiModel):
    startsAt: UtcInstant
    endsAt: UtcInstant = Field(description="UTC instant, after startsAt; at most 366 days later")
    reason: Bio = ""
    cancelAffected: bool = CancelAffected


class TrainerBookingPage(View):
    items: list[BookingView]
    pagination: Pagination


class InviteBody(ApiModel):
    code: str = Field(pattern=trainer_invites.CODE_PATTERN, description="The invitation code a studio admin sent")


class InvitedTrainer(View):
    id: int = field(5)
    name: str = field("Priya Nair")
    image: str | None = optional("https://cdn.studiostv.net/coaches/5.jpg")


class InvitingClient(View):
    id: str = field("zen-flow-studio")
    name: str = field("Zen Flow Studio")


class InviteCheck(View):
    """Whether the code can open a trainer account (POST /auth/register with inviteCode), and whose it is."""
    valid: bool = field(True)
    reason: Literal["not_found", "expired", "used", "revoked", "already_linked"] | None = field(
        None, "Why it cannot be used; null when valid. Another studio's code is not_found; already_linked: the "
              "trainer has an account")
    trainer: InvitedTrainer | None = field(None, "The trainer the account will be; null when not valid")
    client: InvitingClient | None = field(None, "The studio; null when not valid")
    expiresAt: Instant | None = optional("2026-12-06T10:00:00Z", "Until when the code can be used")


# --- routes ---------------------------------------------------------------------------------------------------
@app.post(f"{API}/invite/check", response_model=Envelope.of(InviteCheck))
def check_invite(body: InviteBody, caller: KeyCaller) -> dict[str, Any]:
    return ok(trainer_invites.check(body.code, None if caller.universal else caller.client_id))


@app.get(f"{API}/trainer/me", response_model=Envelope.of(ProfileAnswer), responses=errors("FEATURE_DISABLED"))
def me(caller: TrainerCaller) -> dict[str, Any]:
    return ok({"trainer": _profile(_me(caller))})


@app.put(f"{API}/trainer/me", response_model=Envelope.of(ProfileUpdated),
         responses=errors("FEATURE_DISABLED", "SCHEDULE_CONFLICT", "CONFLICT"))
def put_me(body: ProfileBody, caller: TrainerCaller) -> dict[str, Any]:
    sent = body.model_dump(exclude_none=True, exclude={"timeZone", "cancelAffected"})
    trainer, cancelled = trainer_portal.update_profile(caller.client_id, _me(caller), sent, body.timeZone,
                                                       body.cancelAffected)
    return ok({"trainer": _profile(trainer), "cancelledBookings": cancelled})


def _profile(trainer: trainers.Trainer) -> dict[str, Any]:
    profile = trainer_portal.profile(trainer)
    profile["services"] = [{k: s[k] for k in ServiceSummary.model_fields} for s in profile["services"]]
    profile.pop("servicesFrom", None)
    return profile


@app.get(f"{API}/trainer/services", response_model=Envelope.of(ServicesAnswer), responses=errors("FEATURE_DISABLED"))
def list_services(caller: TrainerCaller) -> dict[str, Any]:
    return ok({"services": [trainers.service_view(s) for s in _me(caller).services]})


@app.post(f"{API}/trainer/services", status_code=201, response_model=Envelope.of(ServiceAnswer),
          responses=errors("FEATURE_DISABLED"))
def create_service(body: NewService, caller: TrainerCaller) -> dict[str, Any]:
    trainer = _me(caller)
    policy = body.cancellationPolicy or PolicyBody()
    service = trainer_portal.create_service(
        caller.client_id, trainer, body.name, duration=body.duration, price_minor=body.priceMinor,
        currency=body.currency, description=body.description or "", mode=body.mode or "video",
        buffer_before=body.bufferBeforeMinutes or 0, buffer_after=body.bufferAfterMinutes or 0,
        minimum_notice=120 if body.minimumNoticeMinutes is None else body.minimumNoticeMinutes,
        horizon_days=body.bookingHorizonDays or 60, interval=body.slotIntervalMinutes or 0,
        free_cancel_minutes=policy.freeCancelMinutes, late_cancel_allowed=policy.lateCancelAllowed,
        late_penalty_type=policy.lateCancelPenalty.type,
        late_penalty_minor=policy.lateCancelPenalty.amountMinor if body.cancellationPolicy else None)
    if body.active is False:
        trainer_portal.update_service(caller.client_id, trainers.get(caller.client_id, trainer.id, consistent=True),
                                      int(service["id"]), {"active": False})
        service["active"] = False
    return ok({"service": trainers.service_view(service)})


@app.put(f"{API}/trainer/services/{{id}}", response_model=Envelope.of(ServiceAnswer),
         responses=errors("FEATURE_DISABLED"))
def update_service(body: ServiceChanges, caller: TrainerCaller, id: int = ServiceId) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True)
    return ok({"service": trainer_portal.update_service(caller.client_id, _me(caller), id, changes)})


@app.delete(f"{API}/trainer/services/{{id}}", response_model=Envelope.of(ServiceRemoved),
            responses=errors("FEATURE_DISABLED"))
def delete_service(caller: TrainerCaller, id: int = ServiceId) -> dict[str, Any]:
    service, deleted = trainer_portal.remove_service(caller.client_id, _me(caller), id)
    return ok({"service": service, "deleted": deleted, "archived": not deleted})


@app.post(f"{API}/trainer/schedule/overrides", status_code=201, response_model=Envelope.of(OverrideAnswer),
          responses=errors("FEATURE_DISABLED", "SCHEDULE_CONFLICT", "CONFLICT"))
def set_override(body: OverridePost, caller: TrainerCaller) -> dict[str, Any]:
    override, cancelled = trainer_portal.set_override(caller.client_id, _me(caller), body.date,
                                                      [w.model_dump() for w in body.windows], body.cancelAffected)
    return ok({"override": override, "cancelledBookings": cancelled})


@app.delete(f"{API}/trainer/schedule/overrides/{{date}}", response_model=Envelope.of(Removed),
            responses=errors("FEATURE_DISABLED", "SCHEDULE_CONFLICT", "CONFLICT"))
def delete_override(caller: TrainerCaller, date: str = Path(pattern=DATE, description="The override's local date"),
                    cancelAffected: bool = Query(False, description="Cancel the sessions the weekly windows would "
                                                                     "strand, instead of a 409 listing them")
                    ) -> dict[str, Any]:
    cancelled = trainer_portal.remove_override(caller.client_id, _me(caller), date, cancelAffected)
    return ok({"deleted": True, "cancelledBookings": cancelled})


@app.get(f"{API}/trainer/time-off", response_model=Envelope.of(TimeOffList), responses=errors("FEATURE_DISABLED"))
def list_time_off(caller: TrainerCaller) -> dict[str, Any]:
    return ok({"items": trainer_portal.schedule_view(_me(caller))["timeOff"]})


@app.post(f"{API}/trainer/time-off", status_code=201, response_model=Envelope.of(TimeOffAnswer),
          responses=errors("FEATURE_DISABLED", "SCHEDULE_CONFLICT", "CONFLICT"))
def add_time_off(body: TimeOffBody, caller: TrainerCaller) -> dict[str, Any]:
    entry, cancelled = trainer_portal.add_time_off(caller.client_id, _me(caller), int(clock.parse_iso(body.startsAt)),
                                                   int(clock.parse_iso(body.endsAt)), body.reason, body.cancelAffected)
    return ok({"timeOff": entry, "cancelledBookings": cancelled})


@app.delete(f"{API}/trainer/time-off/{{id}}", response_model=Envelope.of(Removed),
            responses=errors("FEATURE_DISABLED", "CONFLICT"))
def delete_time_off(caller: TrainerCaller, id: str = Path(pattern=r"^[0-9a-f]{16}$")) -> dict[str, Any]:
    trainer_portal.remove_time_off(caller.client_id, _me(caller), id)
    return ok({"deleted": True, "cancelledBookings": []})


@app.get(f"{API}/trainer/schedule", response_model=Envelope.of(ScheduleAnswer), responses=errors("FEATURE_DISABLED"))
def get_schedule(caller: TrainerCaller) -> dict[str, Any]:
    return ok({"schedule": trainer_portal.schedule_view(_me(caller))})


@app.put(f"{API}/trainer/schedule", response_model=Envelope.of(ScheduleUpdatedAnswer),
         responses=errors("FEATURE_DISABLED", "SCHEDULE_CONFLICT"))
def put_schedule(body: ScheduleBody, caller: TrainerCaller) -> dict[str, Any]:
    trainer = _me(caller)
    schedule = trainer_portal.put_schedule(
        caller.client_id, trainer, body.timeZone, [r.model_dump() for r in body.weekly],
        [{"date": o.date, "windows": [w.model_dump() for w in o.windows]} for o in body.overrides],
        body.cancelAffected)
    return ok({"schedule": schedule})


@app.get(f"{API}/trainer/bookings", response_model=Envelope.of(TrainerBookingPage),
         responses=errors("FEATURE_DISABLED"))
def list_bookings(caller: TrainerCaller, status: Literal["upcoming", "past"] = Query("upcoming"),
                  page: int = Query(1, ge=1, le=10_000), limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    return ok(trainer_portal.list_bookings(caller.client_id, _me(caller), status, page, limit))


@app.post(f"{API}/trainer/bookings/{{id}}/cancel", response_model=Envelope.of(BookingAnswer),
          responses=errors("FEATURE_DISABLED", "BOOKING_NOT_CANCELLABLE", "INVALID_STATE_TRANSITION"))
def cancel(caller: TrainerCaller, id: str = BookingId) -> dict[str, Any]:
    booking = trainer_portal.cancel(caller.client_id, _me(caller), id)
    booking.pop("dryRun", None)
    return ok({"booking": booking})


@app.post(f"{API}/trainer/bookings/{{id}}/complete", response_model=Envelope.of(BookingAnswer),
          responses=errors("FEATURE_DISABLED", "INVALID_STATE_TRANSITION"))
def complete(caller: TrainerCaller, id: str = BookingId) -> dict[str, Any]:
    return ok({"booking": trainer_portal.mark(caller.client_id, _me(caller), id, "completed")})


@app.post(f"{API}/trainer/bookings/{{id}}/no-show", response_model=Envelope.of(BookingAnswer),
          responses=errors("FEATURE_DISABLED", "INVALID_STATE_TRANSITION"))
def no_show(caller: TrainerCaller, id: str = BookingId) -> dict[str, Any]:
    return ok({"booking": trainer_portal.mark(caller.client_id, _me(caller), id, "no_show")})


@app.post(f"{API}/trainer/bookings/{{id}}/join", response_model=Envelope.of(CallToken),
          responses=errors("FEATURE_DISABLED", "JOIN_WINDOW_CLOSED", "INVALID_STATE_TRANSITION"))
def join(caller: TrainerCaller, id: str = BookingId) -> dict[str, Any]:
    return ok(trainer_portal.join(caller.client_id, _me(caller), id))


handler = Mangum(app, lifespan="off")
