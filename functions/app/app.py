"""GET /app/config (key optional) and GET /app/join/{code} (public deep links)."""
from __future__ import annotations

from typing import Any

from fastapi import Path
from mangum import Mangum

from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import clients, vouchers
from shared.errors import not_found
from shared.http.app_factory import API, create_app, ok
from shared.http.caller import AnyCaller, client_id_of
from shared.http.envelope import Envelope, View, field
from shared.views import Branding, ClientSummary, PartnerRef, VoucherReason, VoucherView

app = create_app("app")


class ClientRef(View):
    id: str | None = field("zen-flow-studio", "The client's id; null for the platform default (no key)")
    name: str = field("Zen Flow Studio")


class Features(View):
    classes: bool = field(True)
    live_classes: bool = field(True)
    workout_builder: bool = field(False)
    nutrition: bool = field(False)
    coach_connect: bool = field(False)
    ai_coach: bool = field(True)


class Registration(View):
    requiresVoucher: bool = field(False, "A voucher code is needed to register")
    openRegistration: bool = field(True, "Anyone with the app may register")


class AppConfig(View):
    """The client's branding, features and registration rules (the platform default without a key)."""
    client: ClientRef
    branding: Branding
    features: Features
    enabledFeatures: list[str] = field(["classes", "live_classes", "ai_coach"], "The features that are on")
    requiresVoucher: bool = field(False, "Same as registration.requiresVoucher")
    registration: Registration


class JoinLink(View):
    """A voucher's deep link: whether the code works, and whose app it opens. A code no client issued is
    404 NOT_FOUND (the link leads nowhere); an expired, used-up or revoked one answers here with its reason."""
    code: str = field("STUDIO-ABC123", "The code, upper case")
    valid: bool = field(True, "Whether the code can be used to register now")
    reason: VoucherReason | None = field(None, "Why it cannot (expired, redeemed, revoked); null when valid")
    voucher: VoucherView
    client: ClientSummary  # the client whose app the code opens
    partner: PartnerRef | None = field(None, "The partner that handed the code out")
    deepLink: str = field("studiostv://join/STUDIO-ABC123")


@app.get(f"{API}/app/config", operation_id="getAppConfig", response_model=Envelope.of(AppConfig))
def app_config(caller: AnyCaller) -> dict[str, Any]:
    return ok(clients.app_config(clients.get_client(client_id_of(caller))))


@app.get(f"{API}/app/join/{{code}}", operation_id="openJoinLink", response_model=Envelope.of(JoinLink))
def join(code: str = Path(pattern=vouchers.CODE_PATTERN, description="A voucher code (letters, digits, dashes)")
         ) -> dict[str, Any]:
    """The deep link studiostv://join/CODE opens a voucher: 404 NOT_FOUND when no active client issued the code
    (POST /auth/voucher/validate, the registration form's question, answers `valid: false, reason: not_found`)."""
    voucher = vouchers.get_voucher(code)
    client = clients.get_client(voucher["clientId"]) if voucher else None
    if voucher is None or client is None:
        raise not_found("Voucher")
    valid, reason = vouchers.state(voucher)
    partner = get_repository().get(keys.partner(client["id"], voucher["partnerId"])) \
        if voucher.get("partnerId") else None
    return ok({
        "code": voucher["code"], "valid": valid, "reason": reason,
        "voucher": vouchers.public_view(voucher),
        "client": clients.summary(client),
        "partner": {"id": partner["id"], "name": partner["name"]} if partner else None,
        "deepLink": f"studiostv://join/{voucher['code']}",
    })


handler = Mangum(app, lifespan="off")
