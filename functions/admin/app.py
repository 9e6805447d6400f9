"""The admin API (/admin/*): the admin CLI's twin over HTTP, on the same domain code.

`platform_admin` may act on every client (clients, keys, partners, the audit log); `client_admin` on its own
client only (its catalog, partners' staff, vouchers); another client's id answers 404. Every write is audited
(shared/domain/admin.py). The caller is a signed-in member with one of those roles (key and bearer)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query
from mangum import Mangum
from pydantic import AfterValidator, Field, StringConstraints

from shared.domain import admin, agent_switches, partner_staff, partner_vouchers, provisioning, text, trainer_invites
from shared.domain.accounts import Email, Password, normalize_email
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import Caller, require_role
from shared.http.envelope import Envelope, Instant, View, field, optional

app = create_app("admin")
AdminCaller = Annotated[Caller, Depends(require_role(*admin.ADMIN_ROLES))]
ClientId = Annotated[str, Path(min_length=1, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$",
                               description="The client's id")]
PartnerId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                 AfterValidator(text.display_text), Field(json_schema_extra={"pattern": text.DISPLAY_TEXT_PATTERN})]
Slug = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$")]


def _actor(caller: Caller) -> dict[str, str]:
    return {"userId": caller.user_id, "clientId": caller.client_id, "role": caller.role}


def _client(caller: Caller, client_id: str) -> dict[str, Any]:
    return admin.scoped_client(caller.role, caller.client_id, client_id)


# --- views --------------------------------------------------------------------------------------------------------
class ClientRow(View):
    id: str = field("harbour-gym")
    name: str = field("Harbour Gym")
    status: str = field("active")
    requiresVoucher: bool = field(False)
    createdAt: Instant | None = field("2026-11-29T22:00:00Z")


class ClientList(View):
    items: list[ClientRow]


class ClientDetail(ClientRow):
    branding: dict[str, Any] = field({"primaryColor": "#0F766E"})
    features: dict[str, bool] = field({"classes": True})


class IssuedKey(View):
    apiKey: str = field("stv_live_...", "Shown once: only its hash is kept")
    keyId: str = field("key_3f9a0c1e2b4d")
    clientId: str = field("harbour-gym")


class KeyRow(View):
    keyId: str = field("key_3f9a0c1e2b4d")
    label: str = field("ios app")
    last4: str | None = field("x9Qk")
    status: str | None = field("active")
    createdAt: Instant | None = field("2026-11-29T22:00:00Z")


class KeyList(View):
    items: list[KeyRow]


class Revoked(View):
    revoked: str = field("key_3f9a0c1e2b4d")


class PartnerRow(View):
    id: str = field("fitco-benefits")
    name: str = field("FitCo Benefits")
    clientId: str = field("fitco-wellness")
    members: int = field(240, "Members the partner brought")
    createdAt: Instant | None = field("2026-11-29T22:00:00Z")


class PartnerList(View):
    items: list[PartnerRow]


class StaffRow(View):
    id: str = field("stf_3f9c2a7d41b0e6c58a2d9e17")
    email: str = field("manager@fitcobenefits.example")
    name: str | None = field("Manny Manager")
    role: Literal["owner", "manager", "viewer"] = field("manager")
    partnerId: str = field("fitco-benefits")
    createdAt: Instant | None = field("2026-11-29T22:00:00Z")


class StaffList(View):
    items: list[StaffRow]


class StaffDeleted(View):
    deleted: bool = field(True)
    id: str = field("stf_3f9c2a7d41b0e6c58a2d9e17")


class Made(View):
    id: int = field(12, "The new item's id")
    name: str = field("Kettlebells")


class VoucherRow(View):
    code: str = field("HARBOUR-7KQ2MX9PHT")
    expiresAt: Instant | None = optional("2027-02-27T22:00:00Z")


class VoucherList(View):
    items: list[VoucherRow]


class AuditEntry(View):
    id: str = field("aud_3f9a0c1e2b4d5f6a")
    at: Instant = field("2026-11-29T22:00:00Z")
    actor: dict[str, str] = field({"userId": "usr_...", "clientId": "zen-flow-studio", "role": "platform_admin"})
    action: str = field("partner.create")
    clientId: str | None = field("harbour-gym")
    target: str = field("harbour-employers")
    details: dict[str, Any] = field({"name": "Harbour Employers"})


class AuditList(View):
    items: list[AuditEntry]


class AgentToolSwitch(View):
    name: str = field("prepare_cancellation", "A tool of the voice agent's manifest")
    enabled: bool = field(False, "Off: the tool leaves the manifest and its calls answer 403 TOOL_DISABLED")


class AgentToolSwitches(View):
    items: list[AgentToolSwitch]
    changed: list[str] = field(["prepare_cancellation"], "The tools this request switched; empty when each was "
                                                          "already as asked (a repeat changes nothing)")


# --- bodies ---------------------------------------------------------------------------------------------------------
class NewClient(ApiModel):
    name: Name
    id: Slug | None = Field(None, description="Default: from the name (Harbour Gym -> harbour-gym)")
    branding: dict[str, Annotated[str, Field(max_length=200)]] | None = Field(None, max_length=20)
    features: dict[Literal["classes", "live_classes", "workout_builder", "nutrition", "coach_connect", "ai_coach"],
                   bool] | None = None
    requiresVoucher: bool = False


class NewKey(ApiModel):
    label: Annotated[str, Field(max_length=100)] = ""


class NewPartner(ApiModel):
    name: Name
    id: Slug | None = Field(None, description="Default: from the name")


class NewStaff(ApiModel):
    email: Email
    password: Password
    name: Name | None = None
    role: Literal["owner", "manager", "viewer"] = "viewer"


class NewCategory(ApiModel):
    name: Name
    sortOrder: int = Field(0, ge=0, le=10_000)


class NewCoach(ApiModel):
    name: Name
    specialties: list[Literal["weight_loss", "muscle_gain", "strength", "endurance", "flexibility",
                              "general_fitness", "stress_relief"]] = Field(min_length=1, max_length=7)
    levels: list[Literal["beginner", "intermediate", "advanced"]] = Field(min_length=1, max_length=3)
    bio: Annotated[str, Field(max_length=1000)] = ""


class NewClass(ApiModel):
    name: Name
    trainerId: int = Field(ge=1)
    categoryId: int = Field(ge=1)
    duration: int = Field(ge=1, le=600, description="Minutes")
    intensity: Literal["low", "medium", "high"] = "medium"
    isPremium: bool = False
    featuredRank: int | None = Field(None, ge=1, le=1000)


class NewInvite(ApiModel):
    days: int = Field(trainer_invites.DEFAULT_DAYS, ge=1, le=trainer_invites.MAX_DAYS,
                      description="How many days the code can be used")


class IssuedInvite(View):
    code: str = field("TRN-7KQ2-MX9P-HTRW", "Shown once: only its hash is kept. The trainer registers with it")
    clientId: str = field("zen-flow-studio")
    trainerId: int = field(5)
    trainerName: str = field("Priya Nair")
    expiresAt: Instant = field("2026-12-06T10:00:00Z")


class AgentToolChanges(ApiModel):
    tools: dict[Literal[agent_switches.TOOL_NAMES], bool] = Field(  # type: ignore[valid-type]
        min_length=1, max_length=len(agent_switches.TOOL_NAMES),
        description="Tool name -> on (true) or off (false); tools not named keep their state")


class NewVouchers(ApiModel):
    count: int = Field(ge=1, le=100)
    partnerId: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    prefix: Annotated[str, Field(pattern=partner_vouchers.PREFIX_PATTERN)] | None = None
    days: int = Field(90, ge=1, le=partner_vouchers.MAX_EXPIRY_DAYS)


# --- platform: clients, keys, partners, audit ---------------------------------------------------------------------
@app.get(f"{API}/admin/clients", response_model=Envelope.of(ClientList), responses=errors("FORBIDDEN"))
def list_clients(caller: AdminCaller) -> dict[str, Any]:
    if caller.role != admin.PLATFORM:  # a studio admin sees its own client only
        return ok({"items": [admin.client_row(_client(caller, caller.client_id))]})
    return ok({"items": provisioning.list_clients()})


@app.post(f"{API}/admin/clients", status_code=201, response_model=Envelope.of(ClientDetail),
          responses=errors("FORBIDDEN", "CONFLICT"))
def create_client(body: NewClient, caller: AdminCaller) -> dict[str, Any]:
    admin.require_platform(caller.role)
    return ok(admin.create_client(_actor(caller), body.name, client_id=body.id, branding=body.branding,
                                  features=body.features, requires_voucher=body.requiresVoucher))


@app.get(f"{API}/admin/clients/{{clientId}}", response_model=Envelope.of(ClientDetail),
         responses=errors("FORBIDDEN"))
def get_client(caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    return ok(admin.client_view(_client(caller, clientId)))


@app.get(f"{API}/admin/clients/{{clientId}}/keys", response_model=Envelope.of(KeyList),
         responses=errors("FORBIDDEN"))
def list_keys(caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    _client(caller, clientId)
    admin.require_platform(caller.role)
    return ok({"items": provisioning.list_keys(clientId)})


@app.post(f"{API}/admin/clients/{{clientId}}/keys", status_code=201, response_model=Envelope.of(IssuedKey),
          responses=errors("FORBIDDEN"))
def issue_key(body: NewKey, caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    _client(caller, clientId)
    admin.require_platform(caller.role)
    raw, record = provisioning.issue_api_key(clientId, label=body.label, audit=admin.audited(
        _actor(caller), "key.issue", clientId, {"label": body.label}, target="keyId"))
    return ok({"apiKey": raw, "keyId": record["keyId"], "clientId": clientId})


@app.delete(f"{API}/admin/clients/{{clientId}}/keys/{{keyId}}", response_model=Envelope.of(Revoked),
            responses=errors("FORBIDDEN"))
def revoke_key(caller: AdminCaller, clientId: ClientId,
               keyId: Annotated[str, Path(pattern=r"^key_[0-9a-f]{12}$")]) -> dict[str, Any]:
    _client(caller, clientId)
    admin.require_platform(caller.role)
    provisioning.revoke_api_key(clientId, keyId,
                                audit=admin.audited(_actor(caller), "key.revoke", clientId, target="keyId"))
    return ok({"revoked": keyId})


@app.get(f"{API}/admin/clients/{{clientId}}/partners", response_model=Envelope.of(PartnerList),
         responses=errors("FORBIDDEN"))
def list_partners(caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    _client(caller, clientId)
    return ok({"items": provisioning.list_partners(clientId)})


@app.post(f"{API}/admin/clients/{{clientId}}/partners", status_code=201, response_model=Envelope.of(PartnerRow),
          responses=errors("FORBIDDEN", "CONFLICT"))
def create_partner(body: NewPartner, caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    _client(caller, clientId)
    admin.require_platform(caller.role)
    partner = provisioning.create_partner(clientId, body.name, partner_id=body.id or provisioning.slug(body.name),
                                          audit=admin.audited(_actor(caller), "partner.create", clientId,
                                                              {"name": body.name}))
    return ok({"id": partner["id"], "name": partner["name"], "clientId": clientId, "members": 0,
               "createdAt": partner["createdAt"]})


@app.get(f"{API}/admin/audit", response_model=Envelope.of(AuditList), responses=errors("FORBIDDEN"))
def audit_log(caller: AdminCaller,
              clientId: str | None = Query(None, min_length=1, max_length=63,
                                           pattern=r"^[a-z0-9][a-z0-9-]*$"),
              month: str | None = Query(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (UTC)"),
              limit: int = Query(50, ge=1, le=200)) -> dict[str, Any]:
    admin.require_platform(caller.role)
    return ok({"items": admin.audit_log(month=month, client_id=clientId, limit=limit)})


# --- a client's own: partner staff, catalog, vouchers ---------------------------------------------------------------
@app.get(f"{API}/admin/clients/{{clientId}}/partners/{{partnerId}}/staff", response_model=Envelope.of(StaffList),
         responses=errors("FORBIDDEN"))
def list_staff(caller: AdminCaller, clientId: ClientId, partnerId: PartnerId) -> dict[str, Any]:
    _client(caller, clientId)
    partner_staff.get_partner(clientId, partnerId)
    return ok({"items": partner_staff.list_staff(clientId, partnerId)})


@app.post(f"{API}/admin/clients/{{clientId}}/partners/{{partnerId}}/staff", status_code=201,
          response_model=Envelope.of(StaffRow), responses=errors("FORBIDDEN", "USER_EXISTS"))
def create_staff(body: NewStaff, caller: AdminCaller, clientId: ClientId,
                 partnerId: PartnerId) -> dict[str, Any]:
    _client(caller, clientId)
    staff = partner_staff.create_staff(
        clientId, partnerId, body.email, body.password, name=body.name or "", role=body.role,
        audit=admin.audited(_actor(caller), "partner_staff.create", clientId,
                            {"partnerId": partnerId, "email": normalize_email(body.email), "role": body.role}))
    return ok(partner_staff.staff_view(staff))


@app.delete(f"{API}/admin/clients/{{clientId}}/partners/{{partnerId}}/staff/{{staffId}}",
            response_model=Envelope.of(StaffDeleted), responses=errors("FORBIDDEN"))
def delete_staff(caller: AdminCaller, clientId: ClientId, partnerId: PartnerId,
                 staffId: Annotated[str, Path(pattern=r"^stf_[0-9a-f]{24}$")]) -> dict[str, Any]:
    _client(caller, clientId)
    removed = partner_staff.remove_staff(clientId, partnerId, staffId, audit=admin.audited(
        _actor(caller), "partner_staff.delete", clientId, {"partnerId": partnerId}))
    return ok(removed)


@app.post(f"{API}/admin/clients/{{clientId}}/categories", status_code=201, response_model=Envelope.of(Made),
          responses=errors("FORBIDDEN"))
def create_category(body: NewCategory, caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    _client(caller, clientId)
    category = provisioning.create_category(clientId, body.name, sort_order=body.sortOrder, audit=admin.audited(
        _actor(caller), "category.create", clientId, body.model_dump()))
    return ok({"id": category["id"], "name": category["name"]})


@app.post(f"{API}/admin/clients/{{clientId}}/coaches", status_code=201, response_model=Envelope.of(Made),
          responses=errors("FORBIDDEN"))
def create_coach(body: NewCoach, caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    _client(caller, clientId)
    coach = provisioning.create_coach(clientId, body.name, specialties=list(body.specialties),
                                      levels=list(body.levels), bio=body.bio,
                                      audit=admin.audited(_actor(caller), "coach.create", clientId, body.model_dump()))
    return ok({"id": coach["id"], "name": coach["name"]})


@app.post(f"{API}/admin/clients/{{clientId}}/trainers/{{trainerId}}/invites", status_code=201,
          response_model=Envelope.of(IssuedInvite), responses=errors("FORBIDDEN"))
def invite_trainer(caller: AdminCaller, clientId: ClientId,
                   trainerId: Annotated[int, Path(ge=1, le=99_999_999, description="The trainer's (coach's) id")],
                   body: NewInvite | None = None) -> dict[str, Any]:
    """Invite one of the client's trainers to open their account: a single-use code, answered once."""
    _client(caller, clientId)
    days = (body or NewInvite()).days
    invite = trainer_invites.create(clientId, trainerId, days=days, invited_by=caller.user_id,
                                    audit=admin.audited(_actor(caller), "trainer.invite", clientId, {"days": days},
                                                        target="trainerId"))
    return ok(invite)


@app.post(f"{API}/admin/clients/{{clientId}}/classes", status_code=201, response_model=Envelope.of(Made),
          responses=errors("FORBIDDEN", "CONFLICT"))
def create_class(body: NewClass, caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    _client(caller, clientId)
    klass = provisioning.create_class(clientId, body.name, trainer_id=body.trainerId, category_id=body.categoryId,
                                      duration=body.duration, intensity=body.intensity, is_premium=body.isPremium,
                                      featured_rank=body.featuredRank,
                                      audit=admin.audited(_actor(caller), "class.create", clientId, body.model_dump()))
    return ok({"id": klass["id"], "name": klass["name"]})


@app.post(f"{API}/admin/clients/{{clientId}}/vouchers", status_code=201, response_model=Envelope.of(VoucherList),
          responses=errors("FORBIDDEN", "CONFLICT"))
def create_vouchers(body: NewVouchers, caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    _client(caller, clientId)
    made = admin.create_vouchers(_actor(caller), clientId, count=body.count, partner_id=body.partnerId,
                                 prefix=body.prefix or "", days=body.days)
    return ok({"items": [{"code": v["code"], "expiresAt": v["expiresAt"]} for v in made]})


# --- the studio's switches of its voice agent's tools ------------------------------------------------------------
def _tool_switches(found: dict[str, bool], changed: list[str]) -> dict[str, Any]:
    return {"items": [{"name": name, "enabled": on} for name, on in found.items()], "changed": changed}


@app.get(f"{API}/admin/clients/{{clientId}}/agent-tools", response_model=Envelope.of(AgentToolSwitches),
         responses=errors("FORBIDDEN"))
def agent_tools(caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    return ok(_tool_switches(agent_switches.switches(_client(caller, clientId)), []))


@app.patch(f"{API}/admin/clients/{{clientId}}/agent-tools", response_model=Envelope.of(AgentToolSwitches),
           responses=errors("FORBIDDEN"))
def switch_agent_tools(body: AgentToolChanges, caller: AdminCaller, clientId: ClientId) -> dict[str, Any]:
    """Idempotent by its content: each named tool is set to the state sent, so a repeat changes nothing (and is
    not audited again); the audit entry names the tools this request switched, in the same transaction."""
    _client(caller, clientId)
    sent = dict(body.tools)

    def audit(record: dict[str, Any]) -> Any:  # the entry names only what this request changed
        return admin.audited(_actor(caller), "agent_tools.switch", clientId,
                             {"tools": {name: sent[name] for name in record["changed"]}})(record)

    done = agent_switches.set_switches(clientId, sent, audit=audit)
    return ok(_tool_switches(done["tools"], done["changed"]))


handler = Mangum(app, lifespan="off")
