"""Voice AI: the client's Hume EVI configs and LiveKit room tokens (see shared/domain/voice.py)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from mangum import Mangum

from shared.domain import voice
from shared.http.app_factory import API, create_app, errors, ok
from shared.http.caller import ClientTenant, Tenant, require_tenant_role

app = create_app("voice")

StudioAdmin = Annotated[Tenant, Depends(require_tenant_role("client_admin", "platform_admin"))]


@app.get(f"{API}/hume-config", responses=errors("NO_DEFAULT_CLIENT"))
def get_hume_config(tenant: ClientTenant) -> dict[str, Any]:
    return ok(voice.get_hume_config(tenant.client, tenant.caller.user_id))


@app.put(f"{API}/hume-config", responses=errors("HUME_CONFIG_NOT_ASSIGNED"))
def put_hume_config(body: voice.PutHumeConfig, admin: StudioAdmin) -> dict[str, Any]:
    return ok(voice.set_default_config(admin.client, body.configId, body.configVersion, body.enabled,
                                       admin.caller.user_id, role=admin.caller.role))


@app.put(f"{API}/hume-config/trainers", responses=errors("NOT_FOUND", "HUME_CONFIG_NOT_ASSIGNED"))
def put_trainer_configs(body: voice.PutTrainerConfigs, admin: StudioAdmin) -> dict[str, Any]:
    return ok(voice.upsert_trainer_configs(admin.client, [t.model_dump() for t in body.trainers],
                                           admin.caller.user_id, role=admin.caller.role))


@app.post(f"{API}/livekit/token", responses=errors("FEATURE_DISABLED", "NO_DEFAULT_CLIENT"))
def livekit_token(body: voice.LiveKitTokenRequest, tenant: ClientTenant) -> dict[str, Any]:
    if not tenant.caller.user_id:
        voice.limit_anonymous_minting(tenant.caller)
    return ok(voice.mint_room_token(tenant.client, tenant.caller, body))


handler = Mangum(app, lifespan="off")
