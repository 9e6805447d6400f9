"""Pure rules of the voice area: room names, agent names, the active Hume config and how a request's bearer is
recognised as a voice agent's credential."""
from __future__ import annotations

import base64
import json

import pytest

from shared.domain import voice
from shared.errors import AppError
from shared.http.caller import AGENT_ROUTES, SCOPE_ONBOARDING, Caller


def test_given_a_label_then_the_room_is_the_client_the_label_and_a_random_suffix():
    first, second = voice.room_name("zen-flow-studio", "onboarding-session"), \
        voice.room_name("zen-flow-studio", "onboarding-session")
    assert first.startswith("zen-flow-studio:onboarding-session:") and first != second
    assert voice.room_name("zen", None, "abc") == "zen:voice:abc"


def test_given_any_room_then_its_client_is_the_text_before_the_first_separator():
    assert voice.room_client(voice.room_name("fitco-wellness", "zen-flow-studio")) == "fitco-wellness"


def test_given_an_agent_name_then_only_the_clients_allowed_agents_pass():
    client = {"agentNames": ["fitness-coach", "yoga-guide"]}
    assert voice.check_agent_name(client, None) == "fitness-coach"
    assert voice.check_agent_name(client, "yoga-guide") == "yoga-guide"
    with pytest.raises(AppError) as refused:
        voice.check_agent_name(client, "admin-bot")
    assert refused.value.code == "UNKNOWN_AGENT" and refused.value.details["field"] == "agentName"
    assert voice.check_agent_name({}, None) == "fitness-coach"


def test_given_trainer_configs_then_the_coachs_own_config_else_the_default_is_active():
    default = {"configId": "default-evi"}
    trainers = [{"trainerId": 5, "configId": "priya-evi"}, {"trainerId": 1, "configId": "maya-evi"}]
    assert voice.active_config_id(default, trainers, 5) == "priya-evi"
    assert voice.active_config_id(default, trainers, 2) == "default-evi"
    assert voice.active_config_id(default, trainers, None) == "default-evi"
    assert voice.active_config_id(None, [], 5) is None


def _event(authorizer: dict[str, str], headers: dict[str, str] | None = None) -> dict:
    return {"headers": headers or {}, "requestContext": {"authorizer": authorizer, "requestId": "r1"}}


def _unsigned_agent_header() -> dict[str, str]:
    claims = {"sub": "anon-1", "typ": "agent", "scope": ["onboarding"], "sid": "voice-session-0123456789"}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return {"Authorization": f"Bearer eyJhbGciOiJIUzI1NiJ9.{payload}.c2lnbmF0dXJl"}


def test_given_the_authorizers_agent_context_then_its_scope_and_session_are_read_from_it():
    found = Caller.from_event(_event({"clientId": "zen", "tokenType": "agent", "agentScope": "onboarding classes:read",
                                      "agentSession": "voice-session-0123456789", "tokenExp": "99"}))
    assert found.is_agent and found.agent_scope == ("onboarding", "classes:read")
    assert found.agent_session == "voice-session-0123456789"


@pytest.mark.parametrize("headers", [
    _unsigned_agent_header(), {"authorization": _unsigned_agent_header()["Authorization"]},
    {"Authorization": "Bearer " + " " * 4100 + _unsigned_agent_header()["Authorization"][7:]},
])
def test_given_a_member_context_then_no_header_makes_the_caller_an_agent_or_changes_it(headers):
    context = {"clientId": "zen", "userId": "usr_1", "role": "user", "tokenType": "access", "tokenIatMs": "5000"}
    found = Caller.from_event(_event(context, headers))
    assert not found.is_agent and found.agent_scope == () and found.user_id == "usr_1"
    assert found.token_iat_ms == 5000


def test_given_the_route_map_then_the_anonymous_agent_has_the_four_onboarding_routes_and_no_voice_route():
    onboarding = sorted(path for (_, path), scope in AGENT_ROUTES.items() if scope == SCOPE_ONBOARDING)
    assert onboarding == ["/api/v1/onboarding/profile", "/api/v1/onboarding/profile/{sessionId}",
                          "/api/v1/onboarding/recommend-coaches", "/api/v1/onboarding/select-coach"]
    assert not any("livekit" in path or "hume" in path for _, path in AGENT_ROUTES)
