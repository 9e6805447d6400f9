"""The trainer portal (role `trainer`): profile, weekly schedule, their bookings, cancel / complete / no-show,
and the trainer's side of the call; and, before the account exists, the check of an invitation code."""
# No `from __future__ import annotations`: the body models must resolve when this file is loaded by path.
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query
from mangum import Mangum
from pydantic import Field

from shared.domain import trainer_invites, trainer_portal, trainers
from shared.domain.clients import require_feature
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import Caller, KeyCaller, require_role
from shared.http.envelope import Envelope, Instant, View, field, optional
from shared.idempotency import IdempotentRoute
from shared.views import BookingAnswer, BookingView, CallToken, DateOverride, Pagination, WeeklyWindow

app = create_app("trainer")
app.router.route_class = IdempotentRoute  # every POST here honours Idempotency-Key

TrainerCaller = Annotated[Caller, Depends(require_role("trainer"))]
BookingId = Path(pattern=r"^[0-9a-f]{24}$", description="The booking's id")
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM_OR_END = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
DATE = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
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


class ScheduleView(View):
    trainerId: int = field(5)
    timeZone: str = field("Europe/London")
    weekly: list[WeeklyWindow]
    overrides: list[DateOverride]
    updatedAt: Instant | None = optional("2026-11-29T10:00:00Z")


class ScheduleUpdated(ScheduleView):
    cancelledBookings: list[str] = field([], "Bookings the trainer cancelled with this change")


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
    profile = trainer_portal.profile(_me(caller))
    profile["services"] = [{k: s[k] for k in ServiceSummary.model_fields} for s in profile["services"]]
    profile.pop("servicesFrom", None)
    return ok({"trainer": profile})


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
