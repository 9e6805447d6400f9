"""Voice AI: the client's Hume EVI configs and LiveKit room tokens with the coaching agent dispatched.

Hume configs live in the client partition: `keys.hume_config(client)` (the default) and one
`keys.hume_trainer_config(client, trainerId)` per trainer, so one Query (sk_prefix HUME#) reads them all.
Config ids are not secret (any member's app sees its client's), so a studio admin may use only the ids the
platform assigned to the client (`keys.hume_assigned_configs`); a platform admin's PUT assigns what it sets.
The Hume API and secret keys stay in the secrets store; no answer carries them.

A room token is minted with livekit-api, imported here lazily (about 190 ms) so that other functions that
import this package never pay for it. The room name is built by the server from the caller's client id, the
requested name as a label and a random suffix; the agent's metadata is set by the server alone and carries a
single-use ticket that the agent worker alone can exchange for a credential scoped to the voice tools
(shared/auth/agent_credentials.py). That metadata sits in the room token the app receives; the ticket is
useless to the app, which lacks the worker's secret.
"""
from __future__ import annotations

import base64
import json
import secrets
from datetime import timedelta
from typing import Any

from shared import clock, ratelimit
from shared.auth import agent_credentials
from shared.auth.principal import AGENT_SCOPES_FOR_ONBOARDING, AGENT_SCOPES_FOR_USER, Caller
from shared.db import keys
from shared.db.repository import Action, TransactionFailed, get_repository
from shared.domain import clients
from shared.errors import AppError, refused
from shared.paths import API
from shared.settings import get_secret, get_settings

DEFAULT_AGENT = "fitness-coach"
AGENT_EXCHANGE_PATH = f"{API}/agent/credentials"
DEFAULT_ROOM_LABEL = "voice"
ROOM_SEPARATOR = ":"  # never in a client id (slugs) nor in a label: the text before the first one is the client
CONTEXT_MAX_CHARS = 500
MAX_TRAINERS_PER_PUT = 25  # two transaction actions each; DynamoDB allows 100 per transaction

# Anonymous minting, on top of the general per-caller limits: (per minute, burst).
ANON_PER_ADDRESS = (10, 5)
ANON_PER_KEY = (120, 60)

# --- Hume configs ---------------------------------------------------------------------------------------
def assign_config_ids(client_id: str, config_ids: list[str]) -> None:
    """Let the client's admins use these Hume config ids (platform admins only: CLI, admin API)."""
    if config_ids:
        get_repository().update(keys.hume_assigned_configs(client_id), "ADD configIds :ids",
                                values={":ids": set(config_ids)}, return_values="NONE")


def _check_assigned(client_id: str, config_ids: list[str], role: str) -> None:
    """A studio admin may use only assigned ids; a platform admin's choice assigns them."""
    if role == "platform_admin":
        assign_config_ids(client_id, config_ids)
        return
    assigned = set((get_repository().get(keys.hume_assigned_configs(client_id)) or {}).get("configIds") or [])
    unassigned = sorted(set(config_ids) - assigned)
    if unassigned:
        raise refused("HUME_CONFIG_NOT_ASSIGNED", "The platform has not assigned this Hume config to your studio",
                      "configId", "not assigned to this client: " + ", ".join(unassigned))


def _hume_items(client_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    items = get_repository().query(keys.client_pk(client_id), sk_prefix=keys.HUME_PREFIX)
    default = next((i for i in items if i["SK"] == keys.hume_config(client_id)["SK"]), None)
    trainers = sorted((i for i in items if "trainerId" in i), key=lambda i: int(i["trainerId"]))
    return default, trainers


def _hume_keys_configured() -> bool:
    try:
        get_secret("humeApiKey")
    except (RuntimeError, KeyError):
        return False
    return True


def active_config_id(default: dict[str, Any] | None, trainers: list[dict[str, Any]],
                     coach_id: int | None) -> str | None:
    """The coach's own config when there is one, else the client's default."""
    for trainer in trainers:
        if coach_id is not None and int(trainer["trainerId"]) == int(coach_id):
            return str(trainer["configId"])
    return str(default["configId"]) if default else None


def hume_view(client: dict[str, Any], default: dict[str, Any] | None,
              trainers: list[dict[str, Any]]) -> dict[str, Any]:
    enabled = bool(default and default.get("enabled", True)) and clients.features(client)["ai_coach"] \
        and _hume_keys_configured()
    return {
        "enabled": enabled,
        "configId": default["configId"] if default else None,
        "configVersion": default.get("configVersion") if default else None,
        "trainers": [{"trainerId": t["trainerId"], "configId": t["configId"],
                      "configVersion": t.get("configVersion")} for t in trainers],
    }


def user_coach_id(client_id: str, user_id: str) -> int | None:
    """The coach of a registered user (`coachId`, or `coach.id`, on the user item), if any."""
    user = get_repository().get(keys.user(client_id, user_id)) or {}
    coach = user.get("coachId") or (user.get("coach") or {}).get("id")
    return int(coach) if coach else None


def get_hume_config(client: dict[str, Any], user_id: str = "") -> dict[str, Any]:
    default, trainers = _hume_items(client["id"])
    answer = hume_view(client, default, trainers)
    if user_id:
        answer["activeConfigId"] = active_config_id(default, trainers, user_coach_id(client["id"], user_id))
    return answer


def set_default_config(client: dict[str, Any], config_id: str, version: int | None, enabled: bool,
                       by: str, *, role: str) -> dict[str, Any]:
    _check_assigned(client["id"], [config_id], role)
    item = {**keys.hume_config(client["id"]), "clientId": client["id"], "configId": config_id,
            "configVersion": version, "enabled": enabled, "updatedAt": clock.iso(), "updatedBy": by}
    get_repository().put(item)
    return get_hume_config(client)


def upsert_trainer_configs(client: dict[str, Any], trainers: list[dict[str, Any]], by: str,
                           *, role: str) -> dict[str, Any]:
    """Upsert per-trainer configs in one transaction; every trainer must be a coach of this client."""
    client_id = client["id"]
    ids = [int(t["trainerId"]) for t in trainers]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise refused("DUPLICATE_TRAINER", "A trainer appears more than once", "trainers",
                      "trainerId " + ", ".join(str(i) for i in duplicates) + " more than once")
    _check_assigned(client_id, [str(t["configId"]) for t in trainers], role)
    now = clock.iso()
    actions: list[Action] = []
    for trainer in trainers:
        trainer_id = int(trainer["trainerId"])
        actions.append(Action.check(keys.coach(client_id, trainer_id), "attribute_exists(PK)"))
        actions.append(Action.put({**keys.hume_trainer_config(client_id, trainer_id), "clientId": client_id,
                                   "trainerId": trainer_id, "configId": trainer["configId"],
                                   "configVersion": trainer.get("configVersion"), "updatedAt": now,
                                   "updatedBy": by}))
    try:
        get_repository().transact(actions)
    except TransactionFailed as failed:
        unknown = [ids[i // 2] for i, reason in enumerate(failed.reasons)
                   if reason == "ConditionalCheckFailed" and i % 2 == 0]
        if not unknown:
            raise
        raise refused("NOT_FOUND", "Trainer not found", "trainers",
                      "not a trainer of this client: trainerId " + ", ".join(str(i) for i in unknown)) from None
    return get_hume_config(client)


# --- LiveKit room tokens --------------------------------------------------------------------------------
def room_name(client_id: str, label: str | None, suffix: str | None = None) -> str:
    """`<clientId>:<label>:<random>`: unique, and scoped to the caller's client whatever label is asked for."""
    return ROOM_SEPARATOR.join((client_id, label or DEFAULT_ROOM_LABEL, suffix or secrets.token_hex(8)))


def room_client(room: str) -> str:
    return room.split(ROOM_SEPARATOR, 1)[0]


def check_agent_name(client: dict[str, Any], requested: str | None) -> str:
    allowed = list(client.get("agentNames") or [DEFAULT_AGENT])
    name = requested or DEFAULT_AGENT
    if name not in allowed:
        raise refused("UNKNOWN_AGENT", "No such agent for this client", "agentName",
                      f"one of: {', '.join(allowed)}")
    return name


def limit_anonymous_minting(caller: Caller) -> None:
    """Anonymous tokens cost a room and an agent: stricter buckets per source address and per key."""
    if not get_settings().rate_limits_enabled:
        return
    ratelimit.take(f"voice-anon#ip#{caller.source_ip}", *ANON_PER_ADDRESS)
    ratelimit.take(f"voice-anon#key#{caller.key_id}", *ANON_PER_KEY)


def agent_ticket(caller: Caller, client_id: str, identity: str, session_id: str | None) -> tuple[str, int]:
    """The single-use ticket the agent worker exchanges for its credential: the signed-in member's (bound to
    the caller's own token), or the anonymous onboarding session's."""
    if caller.user_id:
        return agent_credentials.issue_ticket(
            client_id=client_id, user_id=caller.user_id, identity=identity, scope=AGENT_SCOPES_FOR_USER,
            session_id=None, parent_iat_ms=caller.token_iat_ms, parent_exp=caller.token_exp,
            usage_key=caller.usage_key)
    return agent_credentials.issue_ticket(
        client_id=client_id, user_id="", identity=identity, scope=AGENT_SCOPES_FOR_ONBOARDING,
        session_id=session_id, parent_iat_ms=0, parent_exp=0, usage_key=caller.usage_key)


def mint_room_token(client: dict[str, Any], caller: Caller, *, room_label: str | None = None,
                    context: str | None = None, agent_name: str | None = None,
                    session_id: str | None = None) -> dict[str, Any]:
    """A 10-minute room-join token with the agent dispatched: `{token, wsUrl, roomName, identity, expiresAt}`
    (plus `sessionId`, the onboarding session the agent fills, when there is no bearer). `room_label` names the
    room within the client's space, `agent_name` the agent (the client's default when None), `session_id` the
    onboarding session an anonymous caller continues (a new one when None), `context` the text the agent reads."""
    client_id = client["id"]
    if not clients.features(client)["ai_coach"]:
        raise AppError("FEATURE_DISABLED", "Voice coaching is not enabled for this client")
    agent_name = check_agent_name(client, agent_name)
    default, trainers = _hume_items(client_id)
    if caller.user_id:
        identity, session_id = caller.user_id, None
        coach_id = user_coach_id(client_id, caller.user_id)
    else:
        identity = f"anon-{secrets.token_hex(8)}"
        session_id = session_id or f"voice-{secrets.token_urlsafe(24)}"
        onboarding_item = get_repository().get(keys.onboarding(client_id, session_id))
        coach_id = onboarding_item.get("coachId") if onboarding_item and clock.alive(onboarding_item) else None
    ticket, ticket_expires = agent_ticket(caller, client_id, identity, session_id)
    room = room_name(client_id, room_label)
    metadata = {
        "clientId": client_id,
        "userId": caller.user_id or None,
        "onboardingSessionId": session_id,
        "identity": identity,
        "coachId": coach_id,
        "humeConfigId": active_config_id(default, trainers, coach_id),
        "context": context or "",
        "api": {"ticket": ticket, "expiresAt": clock.iso(ticket_expires), "exchange": AGENT_EXCHANGE_PATH},
    }
    token, expires = _livekit_jwt(identity, room, agent_name, json.dumps(metadata, separators=(",", ":")))
    answer = {"token": token, "wsUrl": get_settings().livekit_url, "roomName": room, "identity": identity,
              "expiresAt": clock.iso(expires)}
    if session_id:
        answer["sessionId"] = session_id
    return answer


def _livekit_jwt(identity: str, room: str, agent_name: str, metadata: str) -> tuple[str, int]:
    return room_token(identity, room, agent_name=agent_name, agent_metadata=metadata)


def room_token(identity: str, room: str, *, agent_name: str | None = None, agent_metadata: str = "",
               max_participants: int = 0) -> tuple[str, int]:
    """A LiveKit room-join token (`livekit_token_seconds`) and its expiry: with an agent dispatched, or for a
    private room of `max_participants` (a 1:1 session's call) that closes soon after it empties."""
    from livekit import api  # only the functions that mint room tokens ship livekit-api

    seconds = get_settings().livekit_token_seconds
    config = api.RoomConfiguration(max_participants=max_participants)
    if agent_name:
        config.agents.append(api.RoomAgentDispatch(agent_name=agent_name, metadata=agent_metadata))
    if max_participants:
        config.empty_timeout, config.departure_timeout = 300, 120
    token = (api.AccessToken(get_secret("livekitApiKey"), get_secret("livekitApiSecret"))
             .with_identity(identity)
             .with_grants(api.VideoGrants(room_join=True, room=room, can_publish=True, can_subscribe=True,
                                          can_publish_data=True))
             .with_ttl(timedelta(seconds=seconds))
             .with_room_config(config)
             .to_jwt())
    return token, _expiry_of(token)


def _expiry_of(token: str) -> int:
    """The `exp` livekit-api wrote (it reads the wall clock itself), so `expiresAt` is the token's own."""
    payload = token.split(".")[1]
    return int(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])
