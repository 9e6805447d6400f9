"""POST /auth/register, /auth/login, /auth/refresh, /auth/logout, /auth/voucher/validate,
/auth/password/forgot, /auth/password/reset and GET /auth/me. The logic is in shared/domain/accounts.py,
refresh_tokens.py and password_reset.py. The function also consumes the job queue (reset mail sent after the
answer, shared/jobs.py)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from mangum import Mangum
from pydantic import Field

from shared import jobs
from shared.auth import passwords
from shared.domain import accounts, password_reset, trainer_invites
from shared.domain.accounts import Email, Name, Password
from shared.domain.onboarding import SESSION_ID_PATTERN
from shared.domain.refresh_tokens import rotate
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import KeyCaller, UserCaller
from shared.http.envelope import Envelope, View, field
from shared.requests import LogoutBody, ProfileIn, RefreshBody, SettingsIn
from shared.views import ClientSummary, PartnerRef, SignedIn, TokenPair, UserView, VoucherReason, VoucherView

app = create_app("auth")


# --- requests -------------------------------------------------------------------------------------------------
class RegisterBody(ApiModel):
    email: Email
    password: Password
    name: Name | None = None
    voucherCode: str | None = Field(None, min_length=1, max_length=64)
    inviteCode: str | None = Field(None, pattern=trainer_invites.CODE_PATTERN,
                                   description="A trainer's invitation (from a studio admin): the account is that "
                                               "trainer's, with role trainer")
    sessionId: str | None = Field(None, pattern=SESSION_ID_PATTERN)
    coachId: int | None = Field(None, ge=1)
    profile: ProfileIn | None = None
    settings: SettingsIn | None = None


class LoginBody(ApiModel):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=passwords.MAX_LENGTH)]
    clientId: str | None = Field(None, min_length=1, max_length=64)


class VoucherBody(ApiModel):
    code: Annotated[str, Field(min_length=1, max_length=64)]


class ForgotBody(ApiModel):
    email: Email
    clientId: str | None = Field(None, min_length=1, max_length=64)


class ResetBody(ApiModel):
    token: Annotated[str, Field(min_length=20, max_length=200)]
    password: Password


# --- answers --------------------------------------------------------------------------------------------------


class LoggedOut(View):
    loggedOut: bool = field(True)
    allDevices: bool = field(False, "Whether every login of the member ended")
    endedLogins: int = field(1, "How many logins ended")


class VoucherCheck(View):
    """Whether a code can be used to register, and whose it is. A code of another client shows nothing of it."""
    valid: bool = field(True)
    reason: VoucherReason | None = field(None, "Why it cannot be used; null when valid")
    voucher: VoucherView | None = field(None, "null when the code is unknown or another client's")
    partner: PartnerRef | None = field(None, "The partner that handed the code out")
    client: ClientSummary | None = field(None, "The client the member will belong to")


class Me(UserView):
    enabledFeatures: list[str] = field(["classes", "live_classes", "ai_coach"], "The client's features that are on")


class ResetRequested(View):
    message: str = field("If an account exists for this email, a reset link is on its way.")


class PasswordReset(View):
    passwordReset: bool = field(True)


@app.post(f"{API}/auth/register", operation_id="registerUser", status_code=201, response_model=Envelope.of(SignedIn),
          responses=errors("INVALID_VOUCHER", "INVALID_INVITE", "VOUCHER_REQUIRED", "NO_DEFAULT_CLIENT", "ONBOARDING_SESSION_NOT_FOUND",
                           "NOT_FOUND", "USER_EXISTS", "CONFLICT"))
def register(body: RegisterBody, caller: KeyCaller) -> dict[str, Any]:
    return ok(accounts.register(
        caller, body.email, body.password, name=body.name, voucher_code=body.voucherCode, session_id=body.sessionId,
        coach_id=body.coachId, profile=body.profile.model_dump() if body.profile else None,
        settings=body.settings.model_dump() if body.settings else None, invite_code=body.inviteCode))


@app.post(f"{API}/auth/login", operation_id="loginUser", response_model=Envelope.of(SignedIn),
          responses=errors("INVALID_CREDENTIALS", "FORBIDDEN", "CLIENT_SELECTION_REQUIRED"))
def login(body: LoginBody, caller: KeyCaller) -> dict[str, Any]:
    return ok(accounts.login(caller, body.email, body.password, body.clientId))


@app.post(f"{API}/auth/refresh", operation_id="refreshTokens", response_model=Envelope.of(TokenPair),
          responses=errors("INVALID_REFRESH_TOKEN", "CLIENT_SUSPENDED"))
def refresh(body: RefreshBody, caller: KeyCaller) -> dict[str, Any]:
    return ok(rotate(body.refreshToken, key_client_id=caller.client_id, universal=caller.universal))


@app.post(f"{API}/auth/logout", operation_id="logoutUser", response_model=Envelope.of(LoggedOut),
          responses=errors("INVALID_REFRESH_TOKEN"))
def logout(request: Request, caller: UserCaller, body: LogoutBody | None = None) -> dict[str, Any]:
    body = body or LogoutBody()
    return ok(accounts.logout(caller, request.headers.get("authorization", ""), refresh_token=body.refreshToken,
                              all_devices=body.allDevices))


@app.post(f"{API}/auth/voucher/validate", operation_id="validateVoucher", response_model=Envelope.of(VoucherCheck))
def validate_voucher(body: VoucherBody, caller: KeyCaller) -> dict[str, Any]:
    return ok(accounts.validate_voucher(caller, body.code))


@app.get(f"{API}/auth/me", operation_id="getSignedInUser", response_model=Envelope.of(Me),
         responses=errors("NOT_FOUND"))
def me(caller: UserCaller) -> dict[str, Any]:
    return ok(accounts.me_with_features(caller))


@app.post(f"{API}/auth/password/forgot", operation_id="forgotPassword", status_code=202,
          response_model=Envelope.of(ResetRequested))
def forgot_password(body: ForgotBody, caller: KeyCaller) -> dict[str, Any]:
    return ok(password_reset.forgot(caller, body.email, body.clientId))


@app.post(f"{API}/auth/password/reset", operation_id="resetPassword", response_model=Envelope.of(PasswordReset),
          responses=errors("INVALID_RESET_TOKEN"))
def reset_password(body: ResetBody, caller: KeyCaller) -> dict[str, Any]:
    return ok(password_reset.reset(caller, body.token, body.password))


handler = jobs.handler(Mangum(app, lifespan="off"))  # HTTP, and the job queue (shared/jobs.py)
