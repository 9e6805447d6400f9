"""Voice AI: the client's Hume EVI configs and LiveKit room tokens (see shared/domain/voice.py)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from mangum import Mangum
from pydantic import AfterValidator, Field, StringConstraints

from shared.domain import onboarding, text, voice
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import ClientTenant, Tenant, require_tenant_role
from shared.http.envelope import Envelope, Instant, View, field, optional

app = create_app("voice")

# --- requests -------------------------------------------------------------------------------------------------
ConfigId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
ConfigVersion = Annotated[int, Field(ge=0)]


class PutHumeConfig(ApiModel):
    configId: ConfigId
    configVersion: ConfigVersion | None = None
    enabled: bool = True


class TrainerConfig(ApiModel):
    trainerId: Annotated[int, Field(ge=1)]
    configId: ConfigId
    configVersion: ConfigVersion | None = None


class PutTrainerConfigs(ApiModel):
    trainers: Annotated[list[TrainerConfig], Field(min_length=1, max_length=voice.MAX_TRAINERS_PER_PUT)]


class LiveKitTokenRequest(ApiModel):
    roomName: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None
    context: Annotated[str, StringConstraints(max_length=voice.CONTEXT_MAX_CHARS), AfterValidator(text.multiline_text),
                       Field(json_schema_extra={"pattern": text.MULTILINE_TEXT_PATTERN})] | None = None
    agentName: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    sessionId: Annotated[str, StringConstraints(pattern=onboarding.SESSION_ID_PATTERN)] | None = None


# --- answers --------------------------------------------------------------------------------------------------
class TrainerVoice(View):
    trainerId: int = field(5, "A coach of the client")
    configId: str = field("priya-nair-evi-config", "The Hume EVI config id")
    configVersion: int | None = field(2)


class HumeConfig(View):
    """The client's Hume EVI configs (never the Hume keys)."""
    enabled: bool = field(True, "Voice coaching is on and configured")
    configId: str | None = field("zen-flow-evi-config", "The client's default config")
    configVersion: int | None = field(1)
    trainers: list[TrainerVoice] = field([], "Per-trainer configs")
    activeConfigId: str | None = optional("priya-nair-evi-config", "With a bearer: the config of the member's "
                                          "coach, else the default; null without a bearer")


class RoomToken(View):
    """A LiveKit room-join token (10 minutes) with the coaching agent dispatched into the room."""
    token: str = field("eyJhbGciOiJIUzI1NiJ9...", "The LiveKit access token")
    wsUrl: str = field("wss://livekit.studiostv.net", "The LiveKit server to connect to")
    roomName: str = field("zen-flow-studio:onboarding-session:8f3a2c1d9e0b4a7f", "Unique and client-scoped")
    identity: str = field("anon-5c1e9a2b7d3f4e60", "The user id, or `anon-...` without a bearer")
    expiresAt: Instant = field("2026-02-28T12:10:00Z")
    sessionId: str | None = optional("voice-3q2Xr8...", "Without a bearer: the onboarding session the agent "
                                     "fills; null with a bearer")


StudioAdmin = Annotated[Tenant, Depends(require_tenant_role("client_admin", "platform_admin"))]


@app.get(f"{API}/hume-config", operation_id="getHumeConfig", response_model=Envelope.of(HumeConfig),
         responses=errors("NO_DEFAULT_CLIENT"))
def get_hume_config(tenant: ClientTenant) -> dict[str, Any]:
    return ok(voice.get_hume_config(tenant.client, tenant.caller.user_id))


@app.put(f"{API}/hume-config", operation_id="setHumeConfig", response_model=Envelope.of(HumeConfig),
         responses=errors("HUME_CONFIG_NOT_ASSIGNED"))
def put_hume_config(body: PutHumeConfig, admin: StudioAdmin) -> dict[str, Any]:
    return ok(voice.set_default_config(admin.client, body.configId, body.configVersion, body.enabled,
                                       admin.caller.user_id, role=admin.caller.role))


@app.put(f"{API}/hume-config/trainers", operation_id="setTrainerHumeConfigs", response_model=Envelope.of(HumeConfig),
         responses=errors("NOT_FOUND", "HUME_CONFIG_NOT_ASSIGNED", "DUPLICATE_TRAINER"))
def put_trainer_configs(body: PutTrainerConfigs, admin: StudioAdmin) -> dict[str, Any]:
    return ok(voice.upsert_trainer_configs(admin.client, [t.model_dump() for t in body.trainers],
                                           admin.caller.user_id, role=admin.caller.role))


@app.post(f"{API}/livekit/token", operation_id="createLivekitToken", response_model=Envelope.of(RoomToken),
          responses=errors("FEATURE_DISABLED", "NO_DEFAULT_CLIENT", "UNKNOWN_AGENT"))
def livekit_token(body: LiveKitTokenRequest, tenant: ClientTenant) -> dict[str, Any]:
    if not tenant.caller.user_id:
        voice.limit_anonymous_minting(tenant.caller)
    return ok(voice.mint_room_token(tenant.client, tenant.caller, room_label=body.roomName, context=body.context,
                                    agent_name=body.agentName, session_id=body.sessionId))


handler = Mangum(app, lifespan="off")
