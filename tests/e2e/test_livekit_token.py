"""POST /livekit/token over HTTP: the guide's request as written, the token checked with livekit-api's own
TokenVerifier, client-scoped unique rooms, the agent's dispatch and its credential, and anonymous limits."""
from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

import pytest
from livekit import api as lk

from shared import clock
from shared.auth import tokens
from shared.domain import voice
from shared.settings import get_secret
from tests.support.http import Api, fresh_source_ip

GUIDE_BODY = b"""{
"roomName": "onboarding-session",
"context": "User is starting their fitness journey",
"agentName": "fitness-coach"
}"""
JSON = {"Content-Type": "application/json"}


def verified(token: str) -> lk.Claims:
    return lk.TokenVerifier(get_secret("livekitApiKey"), get_secret("livekitApiSecret")).verify(token)


def dispatch_of(claims: lk.Claims) -> tuple[str, dict[str, Any]]:
    agents = list(claims.room_config.agents)
    assert len(agents) == 1
    return agents[0].agent_name, json.loads(agents[0].metadata)


def guide_token(api: Api, key: str) -> Any:
    return api.request("POST", "/livekit/token", body=GUIDE_BODY, headers={**JSON, "X-API-Key": key})


def test_given_the_guide_request_without_a_bearer_then_a_verified_room_token_for_an_anonymous_member(api, demo):
    reply = guide_token(api, demo["apiKeys"]["studio"])
    assert reply.status == 200
    data = reply.data
    assert {"token", "wsUrl", "roomName", "identity", "expiresAt"} <= set(data)
    assert data["wsUrl"] == "ws://127.0.0.1:7880"

    claims = verified(data["token"])
    assert claims.identity == data["identity"] and data["identity"].startswith("anon-")
    grants = claims.video
    assert grants.room_join is True and grants.room == data["roomName"]
    assert grants.can_publish and grants.can_subscribe and grants.can_publish_data
    assert not grants.room_admin and not grants.room_create and not grants.room_list and not grants.room_record

    studio = demo["clients"]["studio"]["id"]
    assert data["roomName"].startswith(f"{studio}:onboarding-session:")
    agent_name, metadata = dispatch_of(claims)
    assert agent_name == "fitness-coach"
    assert metadata["clientId"] == studio and metadata["userId"] is None
    assert metadata["onboardingSessionId"] == data["sessionId"]
    assert metadata["identity"] == data["identity"]
    assert metadata["humeConfigId"] == "studio-default-evi-config" and metadata["coachId"] is None
    assert metadata["context"] == "User is starting their fitness journey"


def test_given_a_token_then_it_lives_10_minutes_and_says_so(api, demo):
    data = guide_token(api, demo["apiKeys"]["studio"]).data
    payload = data["token"].split(".")[1]
    exp = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]
    assert 590 <= exp - time.time() <= 610
    assert data["expiresAt"] == clock.iso(exp)


def test_given_another_secret_then_the_token_does_not_verify(api, demo):
    data = guide_token(api, demo["apiKeys"]["studio"]).data
    with pytest.raises(Exception):  # noqa: B017 - any refusal of the verifier will do
        lk.TokenVerifier(get_secret("livekitApiKey"), "another-secret-0123456789abcdef0123456789").verify(
            data["token"])


def test_given_two_anonymous_members_asking_for_the_same_room_then_they_get_different_rooms(api, demo):
    first = guide_token(api, demo["apiKeys"]["studio"]).data
    second = guide_token(api, demo["apiKeys"]["studio"]).data
    assert first["roomName"] != second["roomName"]
    assert first["identity"] != second["identity"]
    assert first["sessionId"] != second["sessionId"]


def test_given_client_a_then_its_token_never_names_a_room_of_client_b(api, demo):
    studio_room = guide_token(api, demo["apiKeys"]["studio"]).data["roomName"]
    partner = demo["clients"]["partner"]["id"]
    label = studio_room.split(":")[1]
    partner_data = api.post("/livekit/token", {"roomName": label}, api_key=demo["apiKeys"]["partner"]).data
    claims = verified(partner_data["token"])
    assert claims.video.room == partner_data["roomName"] != studio_room
    assert voice.room_client(claims.video.room) == partner
    assert dispatch_of(claims)[1]["clientId"] == partner

    asked_for_b = api.post("/livekit/token", {"roomName": studio_room}, api_key=demo["apiKeys"]["partner"])
    assert asked_for_b.status == 400 and asked_for_b.json["details"][0]["field"] == "roomName"


def test_given_a_signed_in_member_then_the_identity_is_the_user_id_and_the_agent_knows_the_user(
        api, demo, new_member):
    studio = demo["clients"]["studio"]["id"]
    member = new_member(demo["apiKeys"]["studio"])
    user = member["user"]["id"]
    data = api.post("/livekit/token", {"context": "Wants a quick workout"}, api_key=demo["apiKeys"]["studio"],
                    token=member["accessToken"]).data
    assert data["identity"] == user and data["sessionId"] is None
    claims = verified(data["token"])
    assert claims.identity == user
    assert data["roomName"].startswith(f"{studio}:voice:")
    name, metadata = dispatch_of(claims)
    assert name == "fitness-coach"
    assert metadata["userId"] == user and metadata["onboardingSessionId"] is None
    assert metadata["context"] == "Wants a quick workout"
    assert set(metadata["api"]) == {"ticket", "expiresAt", "exchange"}  # no credential the app could use

    credential = tokens.verify(exchanged(api, data)["accessToken"], typ="agent")
    parent = tokens.verify(member["accessToken"])
    assert (credential["sub"], credential["cid"], credential["role"]) == (user, studio, "user")
    assert set(credential["scope"]) == {"classes:read", "plans:read", "bookings:write", "progress:write"}
    assert credential["iatMs"] == parent["iatMs"] and credential["exp"] <= parent["exp"]  # never outlives it


def test_given_the_wizards_session_with_coach_5_then_the_agent_fills_it_with_that_coachs_config(api, demo):
    key, session = demo["apiKeys"]["studio"], f"voice-wiz-{secrets.token_hex(6)}"
    api.post("/onboarding/profile", {"sessionId": session, "name": "Lee"}, api_key=key)
    api.post("/onboarding/select-coach", {"sessionId": session, "coachId": 5}, api_key=key)
    data = api.post("/livekit/token", {"sessionId": session}, api_key=key).data
    assert data["sessionId"] == session
    _, metadata = dispatch_of(verified(data["token"]))
    assert metadata["onboardingSessionId"] == session
    assert metadata["coachId"] == 5 and metadata["humeConfigId"] == "priya-nair-evi-config"


@pytest.mark.parametrize("body, field", [
    ({"context": "x" * 501}, "context"),
    ({"roomName": "has spaces"}, "roomName"),
    ({"roomName": "x" * 65}, "roomName"),
    ({"sessionId": "short"}, "sessionId"),
    ({"metadata": "{\"userId\": \"someone-else\"}"}, "metadata"),
])
def test_given_a_body_outside_the_contract_then_400_naming_the_field(api, demo, body, field):
    reply = api.post("/livekit/token", body, api_key=demo["apiKeys"]["studio"])
    assert reply.status == 400 and reply.code == "VALIDATION_ERROR"
    assert field in [d["field"] for d in reply.json["details"]]


def test_given_an_agent_the_studio_does_not_run_then_400_unknown_agent_naming_the_ones_it_does(api, demo):
    # Given: a well-formed agent name the studio has not configured
    reply = api.post("/livekit/token", {"agentName": "root-agent"}, api_key=demo["apiKeys"]["studio"])
    # Then: a code of its own (the request's shape is fine), naming the field and the studio's agents
    assert reply.status == 400 and reply.code == "UNKNOWN_AGENT"
    assert reply.json["details"]["field"] == "agentName" and "fitness-coach" in reply.json["details"]["reason"]


def test_given_no_api_key_then_401(api):
    reply = api.request("POST", "/livekit/token", body=GUIDE_BODY, headers=JSON)
    assert reply.status == 401 and reply.json["success"] is False


def test_given_a_client_without_voice_coaching_then_403_feature_disabled(api, local_api):
    from shared.domain import provisioning as p

    client = p.create_client("No Voice Gym", client_id=f"no-voice-{secrets.token_hex(3)}",
                             features={"ai_coach": False})
    key, _ = p.issue_api_key(client["id"], label="no voice")
    reply = api.post("/livekit/token", {}, api_key=key)
    assert reply.status == 403 and reply.code == "FEATURE_DISABLED"


def test_given_one_address_minting_anonymous_tokens_then_it_is_limited_before_the_general_limit(api, demo):
    key = demo["apiKeys"]["studio"]
    statuses = [api.post("/livekit/token", {}, api_key=key).status for _ in range(voice.ANON_PER_ADDRESS[1])]
    assert statuses == [200] * voice.ANON_PER_ADDRESS[1]
    limited = api.post("/livekit/token", {}, api_key=key)
    assert limited.status == 429 and limited.code == "RATE_LIMITED"
    assert limited.header("Retry-After") and int(limited.header("Retry-After")) >= 1
    assert api.get("/app/config", api_key=key).status == 200  # the general limit still has room

    neighbour = Api(f"http://{api.host}:{api.port}{api.prefix}", fresh_source_ip())
    assert neighbour.post("/livekit/token", {}, api_key=key).status == 200
    member, _ = tokens.issue(f"usr_{secrets.token_hex(4)}", demo["clients"]["studio"]["id"], "user")
    assert api.post("/livekit/token", {}, api_key=key, token=member).status == 200


# --- the agent's credential --------------------------------------------------------------------------------
def exchanged(api: Api, room: dict[str, Any]) -> dict[str, Any]:
    """What the agent worker does: read the ticket from its dispatch and exchange it with its own secret."""
    _, metadata = dispatch_of(verified(room["token"]))
    reply = api.post("/agent/credentials", {"ticket": metadata["api"]["ticket"]},
                     headers={"X-Agent-Secret": get_secret("agentWorkerSecret")})
    assert reply.status == 200, reply.json
    return reply.data


def anonymous_agent(api: Api, key: str) -> tuple[str, str]:
    data = guide_token(api, key).data
    return exchanged(api, data)["accessToken"], data["sessionId"]


def members_agent(api: Api, key: str, member: dict[str, Any]) -> str:
    return exchanged(api, api.post("/livekit/token", {}, api_key=key, token=member["accessToken"]).data)["accessToken"]


def test_given_an_anonymous_agent_credential_then_it_saves_its_own_onboarding_answers(api, demo):
    key = demo["apiKeys"]["studio"]
    credential, session = anonymous_agent(api, key)
    saved = api.post("/onboarding/profile", {"sessionId": session, "fitnessGoal": "endurance", "age": 35},
                     api_key=key, token=credential)
    assert saved.status == 201
    resume = {"X-Resume-Token": saved.data["resumeToken"]}  # the agent started the session: it holds the token
    assert api.get(f"/onboarding/profile/{session}", token=credential,
                   headers=resume).data["profile"]["age"] == 35  # no key needed
    ranked = api.post("/onboarding/recommend-coaches", {"sessionId": session}, api_key=key, token=credential)
    assert ranked.status == 200 and ranked.data["coaches"]
    assert api.get("/content/classes", token=credential).status == 200  # recommending classes
    assert api.get(f"/onboarding/profile/{session}", api_key=key,
                   headers=resume).data["profile"]["fitnessGoal"] == "endurance"


def test_given_an_anonymous_agent_credential_then_another_session_is_forbidden(api, demo):
    key = demo["apiKeys"]["studio"]
    credential, _ = anonymous_agent(api, key)
    other = f"someone-else-{secrets.token_hex(6)}"
    reply = api.post("/onboarding/profile", {"sessionId": other, "age": 50}, api_key=key, token=credential)
    assert reply.status == 403 and reply.code == "FORBIDDEN"
    assert api.get(f"/onboarding/profile/{other}", api_key=key,
                   headers={"X-Resume-Token": "t" * 32}).code == "ONBOARDING_SESSION_NOT_FOUND"


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/livekit/token", {}),
    ("GET", "/hume-config", None),
    ("GET", "/content/discover", None),
    ("GET", "/sessions/history", None),
    ("PUT", "/hume-config", {"configId": "agent-was-here"}),
])
def test_given_an_agent_credential_then_every_other_endpoint_refuses_it(api, demo, new_member, method, path, body):
    key = demo["apiKeys"]["studio"]
    anonymous, _ = anonymous_agent(api, key)
    for_member = members_agent(api, key, new_member(key))
    for credential in (anonymous, for_member):
        reply = api.request(method, path, json_body=body, api_key=key, token=credential)
        assert reply.status == 403 and reply.code == "FORBIDDEN", (path, reply.json)


def test_given_a_members_agent_credential_then_it_cannot_use_the_anonymous_onboarding_routes(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    credential = members_agent(api, key, new_member(key))
    reply = api.post("/onboarding/profile", {"sessionId": f"member-agent-{secrets.token_hex(6)}", "age": 40},
                     api_key=key, token=credential)
    assert reply.status == 403 and reply.code == "FORBIDDEN"
    assert api.get("/content/classes", api_key=key, token=credential).status == 200


@pytest.mark.parametrize("bearer, code", [("not-a-token", "UNAUTHORIZED"), ("expired", "TOKEN_EXPIRED")])
def test_given_a_bad_bearer_on_the_optional_bearer_route_then_401_not_an_anonymous_token(api, demo, bearer, code):
    if bearer == "expired":
        bearer, _ = tokens.issue("usr_expired_voice", demo["clients"]["studio"]["id"], "user", ttl_seconds=-60)
    reply = api.post("/livekit/token", {}, api_key=demo["apiKeys"]["studio"], token=bearer)
    assert reply.status == 401 and reply.code == code
