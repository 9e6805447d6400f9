"""Pure rules of the voice area: room names, agent names, the active Hume config and how a request's bearer is
recognised as a voice agent's credential."""
from __future__ import annotations

import base64
import json

import pytest

from shared.domain import voice
from shared.errors import AppError
from shared.http.caller import AGENT_ROUTES, SCOPE_ONBOARDING, _agent_claims


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
    assert refused.value.code == "VALIDATION_ERROR" and refused.value.details[0]["field"] == "agentName"
    assert voice.check_agent_name({}, None) == "fitness-coach"


def test_given_trainer_configs_then_the_coachs_own_config_else_the_default_is_active():
    default = {"configId": "default-evi"}
    trainers = [{"trainerId": 5, "configId": "priya-evi"}, {"trainerId": 1, "configId": "maya-evi"}]
    assert voice.active_config_id(default, trainers, 5) == "priya-evi"
    assert voice.active_config_id(default, trainers, 2) == "default-evi"
    assert voice.active_config_id(default, trainers, None) == "default-evi"
    assert voice.active_config_id(None, [], 5) is None


def _bearer(claims: dict) -> dict[str, str]:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return {"Authorization": f"Bearer eyJhbGciOiJIUzI1NiJ9.{payload}.c2lnbmF0dXJl"}


def test_given_an_agent_credential_in_the_header_then_its_scope_and_session_are_read():
    scope, session = _agent_claims(_bearer({"sub": "anon-1", "agent": True, "scope": ["onboarding"],
                                            "sid": "voice-session-0123456789"}))
    assert scope == ("onboarding",) and session == "voice-session-0123456789"


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer not-a-jwt"},
    {"Authorization": "Bearer a.%%%.c"}, _bearer({"sub": "usr_1", "role": "user"}),
    _bearer({"sub": "usr_1", "agent": "true"}),
])
def test_given_anything_but_an_agent_credential_then_the_caller_is_not_an_agent(headers):
    assert _agent_claims(headers) == ((), "")


def test_given_an_agent_credential_without_scopes_then_it_is_still_an_agent_with_no_route():
    scope, _ = _agent_claims(_bearer({"agent": True, "scope": []}))
    assert scope and not set(scope) & set(AGENT_ROUTES.values())


def test_given_the_route_map_then_the_anonymous_agent_has_the_four_onboarding_routes_and_no_voice_route():
    onboarding = sorted(path for (_, path), scope in AGENT_ROUTES.items() if scope == SCOPE_ONBOARDING)
    assert onboarding == ["/api/v1/onboarding/profile", "/api/v1/onboarding/profile/{sessionId}",
                          "/api/v1/onboarding/recommend-coaches", "/api/v1/onboarding/select-coach"]
    assert not any("livekit" in path or "hume" in path for _, path in AGENT_ROUTES)
