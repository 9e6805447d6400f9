"""Voice AI: the client's Hume EVI configs and LiveKit room tokens (see shared/domain/voice.py)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from mangum import Mangum

from shared.domain import clients, onboarding, voice
from shared.errors import AppError
from shared.http.app_factory import API, create_app, errors, ok
from shared.http.caller import Caller, KeyCaller, require_role

app = create_app("voice")

StudioAdmin = Annotated[Caller, Depends(require_role("client_admin", "platform_admin"))]


def _client(caller: Caller) -> dict[str, Any]:
    client = clients.get_client(onboarding.tenant_of(caller))
    if client is None:
        raise AppError("FORBIDDEN", "No active client for this API key")
    return client


@app.get(f"{API}/hume-config", responses=errors("NO_DEFAULT_CLIENT"))
def get_hume_config(caller: KeyCaller) -> dict[str, Any]:
    return ok(voice.get_hume_config(_client(caller), caller.user_id))


@app.put(f"{API}/hume-config", responses=errors("HUME_CONFIG_NOT_ASSIGNED"))
def put_hume_config(body: voice.PutHumeConfig, caller: StudioAdmin) -> dict[str, Any]:
    return ok(voice.set_default_config(_client(caller), body.configId, body.configVersion, body.enabled,
                                       caller.user_id, role=caller.role))


@app.put(f"{API}/hume-config/trainers", responses=errors("NOT_FOUND", "HUME_CONFIG_NOT_ASSIGNED"))
def put_trainer_configs(body: voice.PutTrainerConfigs, caller: StudioAdmin) -> dict[str, Any]:
    return ok(voice.upsert_trainer_configs(_client(caller), [t.model_dump() for t in body.trainers],
                                           caller.user_id, role=caller.role))


@app.post(f"{API}/livekit/token", responses=errors("FEATURE_DISABLED", "NO_DEFAULT_CLIENT"))
def livekit_token(body: voice.LiveKitTokenRequest, caller: KeyCaller) -> dict[str, Any]:
    if not caller.user_id:
        voice.limit_anonymous_minting(caller)
    return ok(voice.mint_room_token(_client(caller), caller, body))


handler = Mangum(app, lifespan="off")
