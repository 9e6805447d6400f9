"""The partner portal: staff sign-in (/partner-auth/*) and the partner's vouchers, members and dashboard
(/partner/*). Every /partner/* route needs a partner staff bearer (writes: manager or owner); the client and the
partner come only from it. The logic is in shared/domain/partner_staff.py and partner_portal.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query, Request
from fastapi.responses import Response
from mangum import Mangum
from pydantic import AfterValidator, Field

from shared import clock, csv_export
from shared.domain import partner_exports, partner_members, partner_staff, partner_vouchers, text
from shared.domain.accounts import Email
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.envelope import Envelope, Instant, View, field, optional
from shared.http.partner_caller import PartnerStaff, PartnerWriter
from shared.idempotency import IdempotentRoute
from shared.requests import LogoutBody, RefreshBody
from shared.views import TokenPair

app = create_app("partner")
StaffRole = Literal["owner", "manager", "viewer"]
VoucherStatus = Literal["active", "redeemed", "expired", "revoked"]
CSV_ANSWER = {200: {"description": "The CSV file (RFC 4180, UTF-8, header row)",
                    "content": {"text/csv": {"schema": {"type": "string"}}}}}


# --- models -----------------------------------------------------------------------------------------------------
class PartnerLoginBody(ApiModel):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=128)]


class StaffView(View):
    id: str = field("stf_3f9c2a7d41b0e6c58a2d9e17", "The staff member's id")
    email: str = field("manager@fitcobenefits.example")
    name: str | None = field("Manny Manager")
    role: StaffRole = field("manager", "owner: everything, staff included; manager: vouchers and reads; "
                                       "viewer: reads, member emails masked")
    partnerId: str = field("fitco-benefits")
    createdAt: Instant | None = field("2026-11-29T22:00:00Z")


class PartnerView(View):
    id: str = field("fitco-benefits", "The partner's id")
    name: str = field("FitCo Benefits")
    clientId: str = field("fitco-wellness", "The client (app) whose members the partner brings")


class StaffLogin(TokenPair):
    staff: StaffView
    partner: PartnerView


class StaffMe(View):
    staff: StaffView
    partner: PartnerView
    permissions: list[str] = field(["vouchers:read", "vouchers:write"], "What this staff member's role may do")


class LogoutView(View):
    loggedOut: bool = field(True)
    allDevices: bool = field(False)
    endedLogins: int = field(1, "How many sign-ins (refresh tokens) ended")


# --- staff sign-in ----------------------------------------------------------------------------------------------
@app.post(f"{API}/partner-auth/login", response_model=Envelope.of(StaffLogin), responses=errors("INVALID_CREDENTIALS"))
def login(body: PartnerLoginBody) -> dict[str, Any]:
    return ok(partner_staff.login(body.email, body.password))


@app.post(f"{API}/partner-auth/refresh", response_model=Envelope.of(TokenPair),
          responses=errors("INVALID_REFRESH_TOKEN"))
def refresh(body: RefreshBody) -> dict[str, Any]:
    return ok(partner_staff.refresh(body.refreshToken))


@app.post(f"{API}/partner-auth/logout", response_model=Envelope.of(LogoutView),
          responses=errors("INVALID_REFRESH_TOKEN"))
def logout(request: Request, caller: PartnerStaff, body: LogoutBody | None = None) -> dict[str, Any]:
    body = body or LogoutBody()
    return ok(partner_staff.logout(caller.client_id, caller.partner_id, caller.staff_id,
                                   refresh_token=body.refreshToken, all_devices=body.allDevices,
                                   bearer_family=partner_staff.bearer_family(request.headers.get("authorization", ""))))


@app.get(f"{API}/partner-auth/me", response_model=Envelope.of(StaffMe), responses=errors("FORBIDDEN"))
def me(caller: PartnerStaff) -> dict[str, Any]:
    return ok(partner_staff.me(caller.client_id, caller.partner_id, caller.staff_id))


# --- vouchers ---------------------------------------------------------------------------------------------------
def _prefix(value: str) -> str:
    problem = partner_vouchers.prefix_problem(value)
    if problem:
        raise ValueError(problem)
    return value.upper()


INSTANT_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$"


def _expiry(value: str) -> str:
    problem = partner_vouchers.expiry_problem(value, clock.now())
    if problem:
        raise ValueError(problem)
    return value


class CreateVouchersBody(ApiModel):
    quantity: int = Field(ge=1, le=partner_vouchers.MAX_QUANTITY, description="How many codes (1-500)",
                          examples=[100])
    prefix: Annotated[str, AfterValidator(_prefix),
                      Field(json_schema_extra={"pattern": partner_vouchers.PREFIX_PATTERN},
                            description="2-12 letters or digits, upper-cased: codes read PREFIX-XXXXXXXXXX",
                            examples=["STUDIO"])] | None = None
    expiresAt: Annotated[str, Field(min_length=20, max_length=32, description="A future instant, at most two "
                                    "years ahead; none: the codes never expire", examples=["2027-06-30T23:59:59Z"],
                                    json_schema_extra={"format": "date-time", "pattern": INSTANT_PATTERN}),
                         AfterValidator(_expiry)] | None = None
    campaign: Annotated[str, Field(min_length=1, max_length=64, examples=["spring-flyer"],
                                   json_schema_extra={"pattern": text.DISPLAY_TEXT_PATTERN}),
                        AfterValidator(text.display_text)] | None = None


class MemberRef(View):
    memberId: str = field("usr_3f9a0c1e2b4d5f6a7b8c9d0e", "The member who registered with the code")


class PartnerVoucher(View):
    id: str = field("STUDIO-7KQ2MX9PHT", "The voucher's id (its code)")
    code: str = field("STUDIO-7KQ2MX9PHT")
    status: VoucherStatus = field("active", "Expiry is derived when read: an active code past expiresAt is expired")
    batchId: str | None = optional("bat_5d1e0c9a7b3f2e8d6c4a1b0f", "The batch it was generated in")
    campaign: str | None = optional("spring-flyer")
    createdAt: Instant | None = field("2026-11-29T22:00:00Z")
    expiresAt: Instant | None = optional("2027-06-30T23:59:59Z", "null: never expires")
    redeemedAt: Instant | None = optional("2026-12-01T09:30:00Z")
    redeemedBy: MemberRef | None = optional({"memberId": "usr_3f9a0c1e2b4d5f6a7b8c9d0e"})
    revokedAt: Instant | None = optional("2026-12-02T10:00:00Z")
    revokedBy: str | None = optional("stf_3f9c2a7d41b0e6c58a2d9e17", "The staff member who revoked it")


class VoucherBatch(View):
    batchId: str = field("bat_5d1e0c9a7b3f2e8d6c4a1b0f")
    count: int = field(100)
    campaign: str | None = optional("spring-flyer")
    expiresAt: Instant | None = optional("2027-06-30T23:59:59Z")
    vouchers: list[PartnerVoucher]


class CursorPagination(View):
    page: int = field(1, "This page, from 1 (1 when a cursor was given)")
    limit: int = field(20, "Items per page (1-100)")
    total: int | None = field(500, "Matches on every page together; null with a code search")
    totalPages: int | None = field(25)
    nextCursor: str | None = field("MjAyNi0xMS0yOVQyMjowMDowMFojU1RVRElPLTdLUTJNWDlQSFQ",
                                   "Pass as `cursor` for the page after this one; null on the last page")


class VoucherPage(View):
    items: list[PartnerVoucher]
    pagination: CursorPagination


class OneVoucher(View):
    voucher: PartnerVoucher


class VoucherStats(View):
    total: int = field(500, "active + redeemed + expired + revoked")
    active: int = field(240)
    redeemed: int = field(250)
    expired: int = field(5)
    revoked: int = field(5)
    redemptionRate: float = field(50.0, "Percent of all codes redeemed, one decimal")
    redemptionRateExcludingRevoked: float = field(50.5, "Percent of the codes not revoked")
    batchId: str | None = optional(None, "The batch these counts are of; null: every batch")
    campaign: str | None = optional(None, "The campaign these counts are of")


VoucherId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$",
                                description="The voucher's id (its code)")]
BatchIdQuery = Query(None, alias="batchId", pattern=r"^bat_[0-9a-f]{24}$")
CampaignQuery = Query(None, min_length=1, max_length=64, pattern=text.DISPLAY_TEXT_PATTERN)


def create_vouchers(body: CreateVouchersBody, caller: PartnerWriter) -> dict[str, Any]:
    return ok(partner_vouchers.create_batch(caller.client_id, caller.partner_id, caller.staff_id,
                                            quantity=body.quantity, prefix=body.prefix, expires_at=body.expiresAt,
                                            campaign=body.campaign))


# Idempotency-Key: a retried request gets the same batch back, never a second one
app.router.add_api_route(f"{API}/partner/vouchers", create_vouchers, methods=["POST"], status_code=201,
                         response_model=Envelope.of(VoucherBatch), responses=errors("FORBIDDEN", "CONFLICT"),
                         route_class_override=IdempotentRoute)


@app.get(f"{API}/partner/vouchers", response_model=Envelope.of(VoucherPage))
def list_vouchers(caller: PartnerStaff, status: VoucherStatus | None = Query(None),
                  search: str | None = Query(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$",
                                             description="Code prefix, any case"),
                  batch_id: str | None = BatchIdQuery, campaign: str | None = CampaignQuery,
                  page: int = Query(1, ge=1, le=1000), limit: int = Query(20, ge=1, le=100),
                  sort: Literal["-createdAt", "createdAt"] = Query("-createdAt"),
                  cursor: str | None = Query(None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")
                  ) -> dict[str, Any]:
    return ok(partner_vouchers.list_vouchers(caller.client_id, caller.partner_id, status=status, search=search,
                                             batch_id=batch_id, campaign=campaign, page=page, limit=limit,
                                             newest_first=sort == "-createdAt", cursor_text=cursor))


@app.get(f"{API}/partner/vouchers/stats", response_model=Envelope.of(VoucherStats), responses=errors("NOT_FOUND"))
def voucher_stats(caller: PartnerStaff, batch_id: str | None = BatchIdQuery,
                  campaign: str | None = CampaignQuery) -> dict[str, Any]:
    return ok(partner_vouchers.stats(caller.client_id, caller.partner_id, batch_id=batch_id, campaign=campaign))


@app.get(f"{API}/partner/vouchers/export", response_class=Response, responses={**CSV_ANSWER,
                                                                               **errors("EXPORT_TOO_LARGE")})
def export_vouchers(caller: PartnerStaff, status: VoucherStatus | None = Query(None),
                    batch_id: str | None = BatchIdQuery) -> Response:
    rows = partner_vouchers.export_rows(caller.client_id, caller.partner_id, status=status, batch_id=batch_id)
    filename = f"vouchers-{clock.iso()[:10].replace('-', '')}.csv"
    return Response(csv_export.render(partner_vouchers.EXPORT_HEADER, rows), media_type=csv_export.MEDIA_TYPE,
                    headers=csv_export.attachment_headers(filename))


@app.get(f"{API}/partner/vouchers/{{id}}", response_model=Envelope.of(OneVoucher))
def get_voucher(caller: PartnerStaff, id: VoucherId) -> dict[str, Any]:
    return ok({"voucher": partner_vouchers.get_voucher(caller.client_id, caller.partner_id, id)})


@app.delete(f"{API}/partner/vouchers/{{id}}", response_model=Envelope.of(OneVoucher),
            responses=errors("FORBIDDEN", "VOUCHER_ALREADY_REDEEMED", "VOUCHER_NOT_ACTIVE"))
def revoke_voucher(caller: PartnerWriter, id: VoucherId) -> dict[str, Any]:
    return ok(partner_vouchers.revoke(caller.client_id, caller.partner_id, id, caller.staff_id))


# --- members and dashboard ---------------------------------------------------------------------------------------
class MemberSummary(View):
    id: str = field("usr_3f9a0c1e2b4d5f6a7b8c9d0e", "The member's id")
    name: str | None = field("Fay Member")
    email: str = field("member@fitco.example", "Masked (f***@fitco.example) for viewers")
    joinedAt: Instant | None = field("2026-11-29T22:00:00Z")
    voucherCode: str | None = field("STUDIO-7KQ2MX9PHT", "The code they registered with")
    lastActiveAt: Instant | None = field("2026-11-30T07:15:00Z", "Their last credited watch time")
    classesWatched: int = field(12, "Classes completed (90% watched)")
    watchTimeMinutes: int = field(340, "Credited watch time")
    status: Literal["active", "inactive"] = field("active", "active: watched within the last 30 days")


class SessionSummary(View):
    classId: int = field(42)
    name: str | None = field("Morning Flow Yoga")
    startedAt: Instant | None = field("2026-11-30T07:00:00Z")
    progressPercent: float = field(87.5, "The furthest point reached, in percent of the class")
    completed: bool = field(False)


class MemberDetail(MemberSummary):
    recentSessions: list[SessionSummary] = field([], "The ten latest viewing sessions, newest first")


class OneMember(View):
    member: MemberDetail


class MemberPagination(View):
    page: int = field(1)
    limit: int = field(20)
    total: int | None = field(240, "Attributed members; null when filtered (counting would read them all)")
    totalPages: int | None = field(12)


class MemberPage(View):
    items: list[MemberSummary]
    pagination: MemberPagination


class PartnerPeriod(View):
    name: Literal["7d", "30d", "90d"] = field("30d")
    from_: Instant = Field(alias="from", description="Start of the first UTC day of the period",
                           examples=["2026-10-31T00:00:00Z"])
    to: Instant = field("2026-11-29T22:00:00Z", "Now")


class PartnerTrends(View):
    membersChange: str = field("+12%", "Members now against the start of the period; n/a from zero")
    watchTimeChange: str = field("-3%", "Watch time against the previous period of the same length")
    membersChangePct: float | None = field(12.0)
    watchTimeChangePct: float | None = field(-3.0)


class PartnerDashboard(View):
    period: PartnerPeriod
    totalMembers: int = field(240, "Members attributed to the partner now")
    activeMembers: int = field(120, "Distinct members with credited watch time in the period")
    newMembers: int = field(18, "Members who joined in the period")
    totalWatchTimeMinutes: int = field(5400, "Credited watch time in the period (not raw heartbeats)")
    totalClassesWatched: int = field(310, "Classes completed in the period")
    trends: PartnerTrends


MemberId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                               description="The member's id")]
MemberStatus = Literal["active", "inactive"]


@app.get(f"{API}/partner/members", response_model=Envelope.of(MemberPage))
def list_members(caller: PartnerStaff,
                 search: str | None = Query(None, min_length=1, max_length=100, pattern=text.DISPLAY_TEXT_PATTERN,
                                            description="Name or email prefix, any case"),
                 status: MemberStatus | None = Query(None),
                 sort: Literal["-joinedAt", "joinedAt"] = Query("-joinedAt"),
                 page: int = Query(1, ge=1, le=1000), limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    return ok(partner_members.list_members(caller.client_id, caller.partner_id, search=search, status=status,
                                           newest_first=sort == "-joinedAt", page=page, limit=limit,
                                           show_email=caller.can_write))


@app.get(f"{API}/partner/members/export", response_class=Response, responses={**CSV_ANSWER,
                                                                              **errors("EXPORT_TOO_LARGE")})
def export_members(caller: PartnerStaff, status: MemberStatus | None = Query(None)) -> Response:
    rows = partner_members.export_rows(caller.client_id, caller.partner_id, status=status,
                                       show_email=caller.can_write)
    filename = f"members-{clock.iso()[:10].replace('-', '')}.csv"
    return Response(csv_export.render(partner_members.EXPORT_HEADER, rows), media_type=csv_export.MEDIA_TYPE,
                    headers=csv_export.attachment_headers(filename))


@app.get(f"{API}/partner/members/{{id}}", response_model=Envelope.of(OneMember))
def get_member(caller: PartnerStaff, id: MemberId) -> dict[str, Any]:
    return ok(partner_members.get_member(caller.client_id, caller.partner_id, id, show_email=caller.can_write))


@app.get(f"{API}/partner/dashboard", response_model=Envelope.of(PartnerDashboard))
def dashboard(caller: PartnerStaff, period: Literal["7d", "30d", "90d"] = Query("30d")) -> dict[str, Any]:
    return ok(partner_members.dashboard(caller.client_id, caller.partner_id, period))


# --- export jobs -----------------------------------------------------------------------------------------------
class CreateExportBody(ApiModel):
    type: Literal["vouchers", "members"] = Field(description="What to export", examples=["vouchers"])
    status: Literal["active", "redeemed", "expired", "revoked", "inactive"] | None = Field(
        None, description="vouchers: active, redeemed, expired or revoked; members: active or inactive")
    batchId: Annotated[str, Field(pattern=r"^bat_[0-9a-f]{24}$", description="vouchers only")] | None = None


class ExportFilters(View):
    status: str | None = optional("redeemed")
    batchId: str | None = optional(None)


class ExportJob(View):
    id: str = field("exp_3f9a0c1e2b4d5f6a7b8c9d0e", "GET /partner/exports/{id} follows it")
    type: Literal["vouchers", "members"] = field("vouchers")
    status: Literal["queued", "running", "done", "failed"] = field("done")
    filters: ExportFilters
    rows: int | None = optional(25000, "Rows written (done)")
    createdAt: Instant = field("2026-11-29T22:00:00Z")
    completedAt: Instant | None = optional("2026-11-29T22:00:07Z")
    error: str | None = optional(None, "Why it failed (failed)")
    downloadUrl: str | None = optional("https://...", "The CSV file (done): a link valid for five minutes; "
                                                      "ask again for a new one while the job lives (a day)")
    downloadExpiresAt: Instant | None = optional("2026-11-29T22:05:07Z")


def start_export(body: CreateExportBody, caller: PartnerStaff) -> dict[str, Any]:
    """The same rows as GET /partner/vouchers/export or /partner/members/export, without their 20,000-row
    limit, written as a file; a viewer's member export masks emails as the list does."""
    return ok(partner_exports.start(caller.client_id, caller.partner_id, caller.staff_id, body.type,
                                    status=body.status, batch_id=body.batchId, show_email=caller.can_write))


# Idempotency-Key: a retried request gets the same job back, never a second one
app.router.add_api_route(f"{API}/partner/exports", start_export, methods=["POST"], status_code=202,
                         response_model=Envelope.of(ExportJob), responses=errors("VALIDATION_ERROR"),
                         route_class_override=IdempotentRoute)


@app.get(f"{API}/partner/exports/{{id}}", response_model=Envelope.of(ExportJob), responses=errors("NOT_FOUND"))
def get_export(caller: PartnerStaff,
               id: Annotated[str, Path(pattern=partner_exports.JOB_ID_PATTERN)]) -> dict[str, Any]:
    return ok(partner_exports.get(caller.client_id, caller.partner_id, id))


handler = Mangum(app, lifespan="off")
