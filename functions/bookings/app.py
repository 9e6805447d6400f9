"""My bookings: list, detail, cancel (with a dry-run quote), reschedule, join the call."""
# No `from __future__ import annotations`: the body models must resolve when this file is loaded by path.
from typing import Annotated, Any, Literal, Union

from fastapi import Path, Query
from mangum import Mangum
from pydantic import Field

from shared.domain import bookings
from shared.domain.clients import require_feature
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import UserCaller
from shared.http.envelope import Envelope, Instant, View, field, optional
from shared.idempotency import IdempotentRoute
from shared.views import BookingAnswer, BookingView, CallToken, ClassPenalty, Pagination, PenaltyView, TrainerRef

app = create_app("bookings")
app.router.route_class = IdempotentRoute  # every POST here honours Idempotency-Key

BookingId = Path(pattern=r"^[0-9a-f]{24}$", description="The booking's id")
FEATURE = "coach_connect"


# --- views ----------------------------------------------------------------------------------------------------
class Cancellation(View):
    cancellable: bool = field(True, "Whether the member can cancel now")
    freeCancelUntil: Instant = field("2026-03-26T09:00:00Z")
    penaltyIfCancelledNow: PenaltyView | None = field(None, "The penalty cancelling now would bring; null when "
                                                            "it cannot be cancelled")


class BookingDetail(BookingView):
    cancellation: Cancellation


class BookingDetailAnswer(View):
    booking: BookingDetail


class CancelledBooking(BookingView):
    dryRun: bool = field(False, "True: a quote; nothing was changed")


class CancelAnswer(View):
    booking: CancelledBooking


class GroupClassRow(View):
    """A place in a group class, as the bookings list shows it beside 1:1 sessions."""
    id: str = field("cb_7_usr_0123456789abcdef01234567", "The place's id (leave it at /group-classes/{classId}/leave)")
    type: Literal["group_class"] = field("group_class")
    status: Literal["booked", "waitlisted", "offered", "cancelled", "late_cancelled", "left_waitlist",
                    "offer_expired", "cancelled_by_studio", "attended", "no_show"] = field("booked")
    title: str = field("Saturday HIIT", "The class's name")
    classId: int = field(7)
    trainerId: int = field(5)
    trainer: TrainerRef
    scheduledDate: str = field("2026-12-05", "In the class's zone")
    scheduledTime: str = field("09:00", "In the class's zone")
    timeZone: str = field("Europe/London")
    startsAt: Instant = field("2026-12-05T09:00:00Z")
    endsAt: Instant = field("2026-12-05T09:45:00Z")
    duration: int = field(45, "Minutes")
    mode: Literal["in_person", "live_video"] = field("in_person")
    classStatus: Literal["scheduled", "cancelled", "completed"] = field("scheduled")
    waitlistPosition: int | None = optional(None, "Place on the waitlist (1 is next), while waiting")
    offerExpiresAt: Instant | None = optional(None, "Until when an offered place can be accepted")
    freeCancelUntil: Instant = field("2026-12-04T21:00:00Z")
    penalty: ClassPenalty
    createdAt: Instant = field("2026-12-01T10:00:00Z")


BookingRow = Annotated[Union[BookingView, GroupClassRow], Field(discriminator="type")]


class BookingPage(View):
    items: list[BookingRow] = Field(description="1:1 sessions (type one_to_one) and group-class places "
                                                "(type group_class), merged by start")
    pagination: Pagination


# --- requests -------------------------------------------------------------------------------------------------
class CancelBody(ApiModel):
    dryRun: bool = Field(False, description="Quote the outcome and penalty; change nothing")
    reason: str | None = Field(None, max_length=500)


class RescheduleBody(ApiModel):
    slotId: int = Field(ge=1, le=2**40, description="A slot of the same trainer and service")


# --- routes ---------------------------------------------------------------------------------------------------
@app.get(f"{API}/bookings", response_model=Envelope.of(BookingPage), responses=errors("FEATURE_DISABLED"))
def list_bookings(caller: UserCaller,
                  status: Literal["upcoming", "past", "cancelled", "all"] = Query("upcoming"),
                  type: Literal["one_to_one", "group_class", "all"] = Query("all", description="Which kind"),
                  page: int = Query(1, ge=1, le=10_000), limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    """Upcoming: soonest first; past, cancelled and all: latest first."""
    require_feature(caller.client_id, FEATURE)
    return ok(bookings.list_bookings(caller.client_id, caller.user_id, status, page, limit, kind=type))


@app.get(f"{API}/bookings/{{id}}", response_model=Envelope.of(BookingDetailAnswer),
         responses=errors("FEATURE_DISABLED"))
def get_booking(caller: UserCaller, id: str = BookingId) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    return ok({"booking": bookings.get_booking(caller.client_id, caller.user_id, id)})


@app.post(f"{API}/bookings/{{id}}/cancel", response_model=Envelope.of(CancelAnswer),
          responses=errors("FEATURE_DISABLED", "BOOKING_NOT_CANCELLABLE", "INVALID_STATE_TRANSITION"))
def cancel(caller: UserCaller, body: CancelBody | None = None, id: str = BookingId) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    dry_run = bool(body and body.dryRun)
    return ok({"booking": bookings.cancel(caller.client_id, caller.user_id, id, dry_run)})


@app.post(f"{API}/bookings/{{id}}/reschedule", response_model=Envelope.of(BookingAnswer),
          responses=errors("FEATURE_DISABLED", "SLOT_UNAVAILABLE", "OVERLAPPING_BOOKING", "BOOKING_NOT_CANCELLABLE",
                           "INVALID_STATE_TRANSITION"))
def reschedule(body: RescheduleBody, caller: UserCaller, id: str = BookingId) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    return ok({"booking": bookings.reschedule(caller.client_id, caller.user_id, id, body.slotId)})


@app.post(f"{API}/bookings/{{id}}/join", response_model=Envelope.of(CallToken),
          responses=errors("FEATURE_DISABLED", "JOIN_WINDOW_CLOSED", "INVALID_STATE_TRANSITION"))
def join(caller: UserCaller, id: str = BookingId) -> dict[str, Any]:
    require_feature(caller.client_id, FEATURE)
    return ok(bookings.join(caller.client_id, caller.user_id, id))


handler = Mangum(app, lifespan="off")
