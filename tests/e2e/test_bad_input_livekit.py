"""Header and markup injection into POST /livekit/token over HTTP: whatever roomName, context and agentName
carry, the room the server makes stays `<clientId>:<label>:<random>` of safe characters (checked in the answer
and in the token's room grant with livekit-api's TokenVerifier), the context reaches the agent's metadata
exactly as sent or is refused, and no answer carries a header the caller smuggled in."""
from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from livekit import api as lk

from shared.settings import get_secret
from tests.support.http import Api, Reply

JSON = {"Content-Type": "application/json"}
SAFE_ROOM = re.compile(r"[A-Za-z0-9_-]+:[A-Za-z0-9_-]{1,64}:[0-9a-f]{16}")


def mint(api: Api, key: str, body: dict[str, Any], token: str | None = None) -> Reply:
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return api.fresh().request("POST", "/livekit/token", body=raw, headers=JSON, api_key=key, token=token)


def names_field(reply: Reply, field: str) -> None:
    assert reply.status == 400, (reply.status, reply.raw[:300])
    body = reply.json
    assert body["success"] is False and body["code"] == "VALIDATION_ERROR"
    assert field in {d["field"] for d in body["details"]}, body["details"]


def granted(reply: Reply, client_id: str) -> tuple[lk.Claims, dict[str, Any]]:
    """The verified token's claims and the agent's metadata, after checking the room is safe and the client's."""
    assert reply.status == 200, reply.raw[:300]
    data = reply.data
    claims = lk.TokenVerifier(get_secret("livekitApiKey"), get_secret("livekitApiSecret")).verify(data["token"])
    assert claims.video.room == data["roomName"]
    assert SAFE_ROOM.fullmatch(data["roomName"]) and data["roomName"].startswith(f"{client_id}:")
    assert not {"x-injected", "set-cookie"} & {name.lower() for name in reply.headers}
    agents = list(claims.room_config.agents)
    assert len(agents) == 1
    return claims, json.loads(agents[0].metadata)


INJECTED_ROOMS = {
    "CR LF header": "room\r\nX-Injected: 1", "LF": "room\nSet-Cookie: a=b", "NUL": "room\x00other",
    "65 characters": "r" * 65, "4 KB": "r" * 4096, "markup": "<script>alert(1)</script>",
    "climb": "../../fitco-wellness", "another client's prefix": "fitco-wellness:room", "separator": "a:b",
    "space": "my room", "unicode": "raum-für-alle", "RTL override": "room\u202eevil", "empty": "",
    "url": "https://evil.example/room", "percent-encoded CR LF": "room%0d%0aX-Injected:1",
}


@pytest.mark.parametrize("kind", list(INJECTED_ROOMS))
def test_given_a_room_name_with_injection_then_400_naming_roomname_and_no_token(api, demo, kind):
    reply = mint(api, demo["apiKeys"]["studio"], {"roomName": INJECTED_ROOMS[kind]})
    names_field(reply, "roomName")
    assert b"token" not in reply.raw and reply.header("X-Injected") is None


@pytest.mark.parametrize("room", ["r" * 64, "onboarding-session", "A_b-9"])
def test_given_a_safe_room_label_then_the_grant_is_the_servers_unique_room_of_the_callers_client(api, demo,
                                                                                               new_member, room):
    key, studio = demo["apiKeys"]["studio"], demo["clients"]["studio"]["id"]
    member = new_member(key)
    first = granted(mint(api, key, {"roomName": room}, member["accessToken"]), studio)[0].video.room
    second = granted(mint(api, key, {"roomName": room}, member["accessToken"]), studio)[0].video.room
    assert first.split(":")[1] == room == second.split(":")[1] and first != second


@pytest.mark.parametrize("context", [
    "Line one\r\nX-Injected: 1\r\n\r\n<html>", "tabs\tand\nnew lines", "<script>alert('x')</script>",
    "\"},\"userId\":\"usr_someone_else\",\"x\":{\"", "مرحبا 🏋️‍♀️ 山田", "😀" * 500, "x" * 500,
])
def test_given_a_context_with_markup_breaks_or_json_then_the_agent_gets_it_exactly_and_nothing_else_moves(
        api, demo, new_member, context):
    key, studio = demo["apiKeys"]["studio"], demo["clients"]["studio"]["id"]
    member = new_member(key)
    claims, metadata = granted(mint(api, key, {"roomName": "onboarding-session", "context": context},
                                    member["accessToken"]), studio)
    assert metadata["context"] == context
    assert metadata["userId"] == member["user"]["id"] and metadata["clientId"] == studio
    assert claims.identity == member["user"]["id"]
    assert claims.video.room.split(":")[1] == "onboarding-session"


@pytest.mark.parametrize("context", ["x" * 501, "😀" * 501, "x" * 100_000, "nul\x00byte", "escape\x1b[2J",
                                     "bell\x07", "right-to-left\u202eoverride", "C1\x9bcontrol"])
def test_given_a_context_too_long_or_with_control_characters_then_400_naming_context(api, demo, context):
    names_field(mint(api, demo["apiKeys"]["studio"], {"context": context}), "context")


@pytest.mark.parametrize("agent", ["fitness-coach\r\nX-Injected: 1", "fitness-coach\x00", "a" * 65,
                                   "<script>", "other-agent"])
def test_given_an_agent_name_with_injection_or_not_allowed_then_400_naming_agentname(api, demo, agent):
    reply = mint(api, demo["apiKeys"]["studio"], {"agentName": agent})
    assert reply.header("X-Injected") is None
    if reply.code == "UNKNOWN_AGENT":  # within the documented length, but not one of the studio's agents
        assert reply.status == 400 and reply.json["details"]["field"] == "agentName"
    else:
        names_field(reply, "agentName")


@pytest.mark.parametrize("field, value", [("roomName", 5), ("roomName", ["room"]), ("context", {"a": 1}),
                                          ("agentName", True), ("sessionId", "../../x")])
def test_given_fields_of_the_wrong_kind_then_400_naming_them(api, demo, field, value):
    names_field(mint(api, demo["apiKeys"]["studio"], {field: value}), field)


def test_given_the_onboarding_session_id_of_another_client_then_the_agent_gets_none_of_it(api, demo):
    studio, partner = demo["apiKeys"]["studio"], demo["apiKeys"]["partner"]
    partner_coach = next(c["id"] for c in demo["coaches"] if c["clientId"] == demo["clients"]["partner"]["id"])
    session = f"livekit-{uuid.uuid4().hex}"
    started = api.fresh().post("/onboarding/profile", {"sessionId": session, "name": "Fay"}, api_key=partner)
    assert started.status == 201
    assert api.fresh().post("/onboarding/select-coach", {"sessionId": session, "coachId": partner_coach},
                           api_key=partner).status == 200
    claims, metadata = granted(mint(api, studio, {"sessionId": session}), demo["clients"]["studio"]["id"])
    assert metadata["clientId"] == demo["clients"]["studio"]["id"] and metadata["coachId"] is None
    assert metadata["humeConfigId"] == "studio-default-evi-config"
    assert "fitco" not in json.dumps(metadata).lower()
    theirs = api.fresh().get(f"/onboarding/profile/{session}", api_key=partner,
                            headers={"X-Resume-Token": started.data["resumeToken"]}).data
    assert theirs["coachId"] == partner_coach and theirs["profile"]["name"] == "Fay"
