"""Response models that several endpoint groups answer with: users and their tokens, clients and their
branding, vouchers, class cards, pagination. The rules every view follows are in shared/http/envelope.py;
views of one group only live with that group's routes."""
from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict

from shared.http.envelope import Instant, Number, View, field, optional

FitnessGoal = Literal["weight_loss", "muscle_gain", "strength", "endurance", "flexibility", "general_fitness",
                      "stress_relief"]
FitnessLevel = Literal["beginner", "intermediate", "advanced"]
Intensity = Literal["low", "medium", "high"]
VoucherReason = Literal["not_found", "expired", "redeemed", "revoked", "other_client"]


# --- references -------------------------------------------------------------------------------------------
class CoachRef(View):
    id: int = field(5, "The coach's id")
    name: str = field("Priya Nair")


class CategoryRef(View):
    id: int = field(2, "The category's id")
    name: str = field("Yoga")


class PartnerRef(View):
    id: str = field("fitco-benefits", "The partner's id")
    name: str = field("FitCo Benefits")


class Pagination(View):
    page: int = field(1, "This page, from 1")
    limit: int = field(20, "Items per page (1-100)")
    total: int = field(45, "Items on every page together")
    totalPages: int = field(3, "ceil(total / limit)")


# --- clients ----------------------------------------------------------------------------------------------
class Branding(View):
    """The client's look; a client may add keys of its own beyond these."""
    model_config = ConfigDict(extra="allow")

    appName: str = field("Zen Flow Studio")
    logoUrl: str = field("https://cdn.studiostv.net/brand/stvos-logo.png")
    primaryColor: str = field("#1E3A5F")
    secondaryColor: str = field("#DBEAFE")
    accentColor: str = field("#60A5FA")
    fontFamily: str = field("Inter, system-ui, sans-serif")


class ClientSummary(View):
    """How a client appears inside other answers (login, registration, vouchers)."""
    id: str = field("zen-flow-studio", "The client's id")
    name: str = field("Zen Flow Studio")
    branding: Branding


class VoucherView(View):
    code: str = field("STUDIO-ABC123")
    status: Literal["active", "expired", "redeemed", "revoked", "not_found"] = field("active")
    expiresAt: Instant | None = optional("2026-05-29T12:00:00Z", "When the code stops working; null: never")


# --- users ------------------------------------------------------------------------------------------------
class ProfileView(View):
    age: int | None = field(28, "Years")
    gender: str | None = field("female")
    height: Number | None = field(170, "Centimetres")
    weight: Number | None = field(65, "Kilograms")
    fitnessGoal: FitnessGoal | None = field("weight_loss")
    fitnessLevel: FitnessLevel | None = field("intermediate")
    workoutsPerWeek: int | None = field(4)


class SettingsView(View):
    notifications: bool | None = field(True, "Whether the app may send notifications")
    timeZone: str | None = field("Europe/London", "The zone the member's days are counted in (daily plan, "
                                 "progress); null: the studio's zone, else UTC")


class UserView(View):
    """The member as GET /users/me shows them (never a password hash)."""
    id: str = field("usr_3f9a0c1e2b4d5f6a7b8c9d0e", "The user's id")
    email: str = field("test@example.com", "Lower case, as registered")
    name: str | None = field("Test User")
    role: Literal["user", "trainer", "client_admin", "partner_staff", "platform_admin"] = field("user")
    clientId: str = field("zen-flow-studio", "The client (studio) the member belongs to")
    profile: ProfileView
    settings: SettingsView
    coach: CoachRef | None = field(None, "The member's coach, if one was chosen")
    partner: PartnerRef | None = field(None, "The partner whose voucher the member registered with")
    createdAt: Instant | None = field("2026-02-28T12:00:00Z")


class TokenPair(View):
    accessToken: str = field("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...", "A JWT for `Authorization: Bearer`")
    refreshToken: str = field("eyJhbGciOi...", "Single use: POST /auth/refresh trades it for a new pair")
    expiresIn: int = field(900, "Seconds until the access token expires")


class SignedIn(TokenPair):
    """A registration or login: the member, their tokens and their client."""
    user: UserView
    client: ClientSummary


# --- catalog ----------------------------------------------------------------------------------------------
class ClassCard(View):
    """A class as lists show it."""
    id: int = field(42, "The class id")
    name: str = field("Morning Flow Yoga")
    thumbnailUrl: str | None = field("https://cdn.studiostv.net/classes/42.jpg")
    duration: int = field(30, "Minutes")
    intensity: Intensity | None = field("medium")
    trainer: CoachRef | None = field(None, "The coach who teaches it")
    category: CategoryRef | None = field(None)
    isLive: bool = field(False, "A scheduled live class")
    isPremium: bool = field(False)
    scheduledAt: Instant | None = optional("2026-03-02T18:00:00Z", "When a live class starts; null otherwise")


class CategoryView(View):
    id: int = field(2, "The category's id")
    name: str = field("Yoga")
    image: str | None = field("https://cdn.studiostv.net/categories/yoga.jpg")
    classCount: int = field(9, "Active classes in the category")


# --- trainers and bookings (the trainers and bookings functions) -----------------------------------------------


class PenaltyView(View):
    type: Literal["none", "fee", "credit_forfeit"] = field("fee")
    amount: Number = field(37.5, "Decimal amount")
    amountMinor: int = field(3750, "Minor units")
    currency: str = field("GBP")


class PolicyView(View):
    freeCancelMinutes: int = field(1440, "Free cancellation until this many minutes before the start")
    lateCancelAllowed: bool = field(True, "Whether a later cancellation is possible (with the penalty)")
    lateCancelPenalty: PenaltyView


class ServiceView(View):
    id: int = field(3)
    trainerId: int = field(5)
    name: str = field("1:1 Strength Session")
    description: str = field("An hour of coached strength work over video")
    duration: int = field(60, "Minutes")
    price: Number = field(75.0)
    priceMinor: int = field(7500)
    currency: str = field("GBP")
    mode: Literal["video", "in_person"] = field("video")
    bufferBeforeMinutes: int = field(0)
    bufferAfterMinutes: int = field(15)
    minimumNoticeMinutes: int = field(120)
    bookingHorizonDays: int = field(60)
    slotIntervalMinutes: int = field(60)
    cancellationPolicy: PolicyView
    active: bool = field(True)


class ClassPenalty(View):
    """What leaving a group class cost (none, or the class's late-leave penalty)."""
    type: Literal["none", "fee", "credit_forfeit"] = field("none")
    amount: Number = field(0)
    currency: str | None = optional("GBP")


class SlotView(View):
    id: int = field(29576700, "Stable: the start in epoch minutes; book it by this id")
    date: str = field("2026-03-27", "Local date in the trainer's zone")
    time: str = field("09:00", "Local time in the trainer's zone")
    startsAt: Instant = field("2026-03-27T09:00:00Z")
    endsAt: Instant = field("2026-03-27T10:00:00Z")


class TrainerRef(View):
    id: int = field(5)
    name: str = field("Priya Nair")


class VideoWindow(View):
    joinOpensAt: Instant = field("2026-03-27T08:50:00Z")
    joinClosesAt: Instant = field("2026-03-27T10:15:00Z")


class BookingView(View):
    id: str = field("4b1d2c3e4f5a6b7c8d9e0f1a")
    type: Literal["one_to_one"] = field("one_to_one")
    status: Literal["confirmed", "cancelled", "late_cancelled", "cancelled_by_trainer", "completed", "no_show"] = \
        field("confirmed")
    trainerId: int = field(5)
    trainer: TrainerRef
    userId: str = field("usr_123")
    serviceId: int = field(3)
    serviceName: str = field("1:1 Strength Session")
    scheduledDate: str = field("2026-03-27", "In the trainer's zone")
    scheduledTime: str = field("09:00", "In the trainer's zone")
    timeZone: str = field("Europe/London")
    startsAt: Instant = field("2026-03-27T09:00:00Z")
    endsAt: Instant = field("2026-03-27T10:00:00Z")
    duration: int = field(60)
    price: Number = field(75.0)
    priceMinor: int = field(7500)
    currency: str = field("GBP")
    notes: str = field("")
    freeCancelUntil: Instant = field("2026-03-26T09:00:00Z")
    video: VideoWindow
    rescheduleCount: int = field(0)
    cancelledAt: Instant | None = optional(None)
    cancelledBy: str | None = optional(None)
    penalty: PenaltyView | None = optional(None)
    createdAt: Instant = field("2026-03-20T10:00:00Z")


class BookingAnswer(View):
    booking: BookingView


class WeeklyWindow(View):
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = field("mon")
    start: str = field("09:00", "Local wall-clock time")
    end: str = field("17:00", "Local wall-clock time; 24:00 is the end of the day")


class TimeWindow(View):
    start: str = field("14:00")
    end: str = field("16:00")


class DateOverride(View):
    date: str = field("2026-03-28")
    unavailable: bool = field(True)
    windows: list[TimeWindow]


class CallToken(View):
    """A LiveKit token for one party of a 1:1 session's private call."""
    roomName: str = field("zen-flow-studio:session:4b1d2c3e4f5a6b7c8d9e0f1a", "Private to this booking")
    token: str = field("eyJhbGciOiJIUzI1NiIs...", "A LiveKit room token")
    wsUrl: str = field("wss://example.livekit.cloud")
    identity: str = field("member-usr_123")
    role: Literal["member", "trainer"] = field("member", "Which party this token is for")
    expiresAt: Instant = field("2026-03-27T09:05:00Z")
    joinOpensAt: Instant = field("2026-03-27T08:50:00Z")
    joinClosesAt: Instant = field("2026-03-27T10:15:00Z")


# --- group classes and programmes ----------------------------------------------------------------------
class WaitlistInfo(View):
    enabled: bool = field(True)
    count: int = field(3, "Members waiting now")
    capacity: int = field(10, "Places on the waitlist")
    mode: Literal["auto", "offer"] = field("auto", "auto: the head is booked at once; offer: the head gets "
                                                   "offerMinutes to accept")


class GroupClassView(View):
    id: int = field(7)
    name: str = field("Saturday HIIT")
    trainerId: int = field(5)
    category: str | None = optional("HIIT")
    scheduledDate: str = field("2026-12-05", "Local date in the class's time zone")
    scheduledTime: str = field("09:00", "Local time in the class's time zone")
    timeZone: str = field("Europe/London")
    startsAt: Instant = field("2026-12-05T09:00:00Z")
    duration: int = field(45, "Minutes")
    capacity: int = field(12)
    spotsLeft: int = field(2)
    waitlist: WaitlistInfo
    bookingOpensAt: Instant = field("2026-11-21T09:00:00Z")
    bookingClosesAt: Instant = field("2026-12-05T09:00:00Z")
    status: Literal["scheduled", "cancelled", "completed"] = field("scheduled")
    mode: Literal["in_person", "live_video"] = field("in_person")
    myStatus: str | None = optional("booked", "Your place in this class, if any")


class PausePolicy(View):
    maxPauses: int = field(2)
    maxPausedDays: int = field(30)


class ProgrammeView(View):
    id: int = field(3)
    name: str = field("Strong in Six")
    description: str = field("Six weeks of progressive strength")
    trainerId: int = field(5)
    price: Number = field(49.0)
    currency: str = field("GBP")
    durationWeeks: int = field(6)
    sessionsPerWeek: int = field(3)
    level: str = field("beginner")
    version: int = field(1, "The template version; running subscriptions keep theirs")
    pausePolicy: PausePolicy
