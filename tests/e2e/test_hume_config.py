"""The guide's Voice AI config request over HTTP, the admin updates (roles, trainers of the client only) and
the active config a signed-in member gets."""
from __future__ import annotations

import secrets
from typing import Any

import pytest

from shared.auth import tokens

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def gym(local_api) -> dict[str, Any]:
    """A client of its own, without any Hume config yet, with two coaches and its key."""
    from shared.domain import provisioning as p

    client = p.create_client("Hume Test Gym", client_id=f"hume-gym-{secrets.token_hex(3)}")
    key, _ = p.issue_api_key(client["id"], label="hume tests")
    coaches = [p.create_coach(client["id"], name, specialties=["strength"], levels=["beginner"])
               for name in ("Kim Lift", "Lou Run")]
    from shared.domain import voice

    voice.assign_config_ids(client["id"], ["gym-evi-1", "kim-evi", "kim-evi-v2", "lou-evi", "sneaky-own", "sneaky", "a", "b"])
    return {"id": client["id"], "key": key, "coaches": coaches}


def bearer(client_id: str, role: str, user: str | None = None) -> str:
    return tokens.issue(user or f"usr_{role}_{secrets.token_hex(4)}", client_id, role)[0]


def test_given_the_guide_request_when_sent_as_written_then_the_studio_config_and_its_trainers(api, demo):
    reply = api.request("GET", "/hume-config", headers={"X-API-Key": demo["apiKeys"]["studio"]})
    assert reply.status == 200
    data = reply.data
    assert data["enabled"] is True
    assert data["configId"] == "studio-default-evi-config" and data["configVersion"] == 1
    assert data["trainers"] == [{"trainerId": 1, "configId": "maya-chen-evi-config", "configVersion": 1},
                                {"trainerId": 5, "configId": "priya-nair-evi-config", "configVersion": 2}]
    assert data["activeConfigId"] is None  # no bearer, no member: no coach of theirs
    assert b"dev-hume" not in reply.raw and b"Secret" not in reply.raw


def test_given_a_client_without_a_config_then_disabled_and_empty(api, gym):
    data = api.get("/hume-config", api_key=gym["key"]).data
    assert data == {"enabled": False, "configId": None, "configVersion": None, "trainers": [],
                    "activeConfigId": None}


def test_given_a_member_without_a_coach_then_the_active_config_is_the_client_default(api, demo):
    token = bearer(demo["clients"]["studio"]["id"], "user")
    data = api.get("/hume-config", api_key=demo["apiKeys"]["studio"], token=token).data
    assert data["activeConfigId"] == "studio-default-evi-config"


def test_given_a_member_registered_with_coach_5_then_the_active_config_is_that_coachs(api, demo):
    key, session = demo["apiKeys"]["studio"], f"hume-{secrets.token_hex(8)}"
    assert api.post("/onboarding/profile", {"sessionId": session, "name": "Kai"}, api_key=key).status == 201
    registered = api.post("/auth/register", {"email": f"kai-{secrets.token_hex(4)}@example.com",
                                             "password": "securepassword", "sessionId": session, "coachId": 5},
                          api_key=key)
    assert registered.status == 201, registered.json
    data = api.get("/hume-config", api_key=key, token=registered.data["accessToken"]).data
    assert data["activeConfigId"] == "priya-nair-evi-config"


def test_given_a_studio_admin_when_putting_the_default_then_members_get_it(api, gym):
    admin = bearer(gym["id"], "client_admin")
    reply = api.put("/hume-config", {"configId": "gym-evi-1", "configVersion": 3}, api_key=gym["key"], token=admin)
    assert reply.status == 200
    assert reply.data["configId"] == "gym-evi-1" and reply.data["configVersion"] == 3 and reply.data["enabled"]
    seen = api.get("/hume-config", api_key=gym["key"]).data
    assert seen["configId"] == "gym-evi-1" and seen["enabled"] is True


def test_given_a_studio_admin_when_putting_trainer_configs_then_they_are_upserted(api, gym):
    admin = bearer(gym["id"], "client_admin")
    first, second = (c["id"] for c in gym["coaches"])
    body = {"trainers": [{"trainerId": first, "configId": "kim-evi"}, {"trainerId": second, "configId": "lou-evi",
                                                                        "configVersion": 1}]}
    assert api.put("/hume-config/trainers", body, api_key=gym["key"], token=admin).status == 200
    again = api.put("/hume-config/trainers", {"trainers": [{"trainerId": first, "configId": "kim-evi-v2",
                                                            "configVersion": 2}]}, api_key=gym["key"], token=admin)
    assert again.status == 200
    assert again.data["trainers"] == [{"trainerId": first, "configId": "kim-evi-v2", "configVersion": 2},
                                      {"trainerId": second, "configId": "lou-evi", "configVersion": 1}]


def test_given_a_trainer_of_another_client_then_404_and_nothing_is_stored(api, gym, demo):
    admin = bearer(gym["id"], "client_admin")
    own = gym["coaches"][0]["id"]
    studio_coach = 1
    before = api.get("/hume-config", api_key=gym["key"]).data["trainers"]
    reply = api.put("/hume-config/trainers", {"trainers": [{"trainerId": own, "configId": "sneaky-own"},
                                                           {"trainerId": studio_coach, "configId": "sneaky"}]},
                    api_key=gym["key"], token=admin)
    assert reply.status == 404 and reply.code == "NOT_FOUND"
    assert str(studio_coach) in str(reply.json["details"])
    assert api.get("/hume-config", api_key=gym["key"]).data["trainers"] == before
    studio_trainers = api.get("/hume-config", api_key=demo["apiKeys"]["studio"]).data["trainers"]
    assert all(t["configId"] != "sneaky" for t in studio_trainers)


def test_given_the_same_trainer_twice_then_400_duplicate_trainer_naming_trainers(api, gym):
    admin = bearer(gym["id"], "client_admin")
    own = gym["coaches"][0]["id"]
    reply = api.put("/hume-config/trainers", {"trainers": [{"trainerId": own, "configId": "a"},
                                                           {"trainerId": own, "configId": "b"}]},
                    api_key=gym["key"], token=admin)
    assert reply.status == 400 and reply.code == "DUPLICATE_TRAINER"
    assert reply.json["details"] == {"field": "trainers", "reason": f"trainerId {own} more than once"}


@pytest.mark.parametrize("role", ["user", "trainer", "partner_staff"])
def test_given_a_role_other_than_admin_when_putting_then_403(api, gym, role):
    token = bearer(gym["id"], role)
    assert api.put("/hume-config", {"configId": "nope"}, api_key=gym["key"], token=token).code == "FORBIDDEN"
    reply = api.put("/hume-config/trainers", {"trainers": [{"trainerId": gym["coaches"][0]["id"], "configId": "x"}]},
                    api_key=gym["key"], token=token)
    assert reply.status == 403 and reply.code == "FORBIDDEN"


def test_given_no_bearer_when_putting_then_401(api, gym):
    reply = api.put("/hume-config", {"configId": "nope"}, api_key=gym["key"])
    assert reply.status == 401 and reply.json["success"] is False


def test_given_an_admin_of_another_client_when_putting_with_this_key_then_refused(api, gym, demo):
    other_admin = bearer(demo["clients"]["studio"]["id"], "client_admin")
    reply = api.put("/hume-config", {"configId": "hijack"}, api_key=gym["key"], token=other_admin)
    assert reply.status == 401
    assert api.get("/hume-config", api_key=gym["key"]).data["configId"] != "hijack"


def test_given_a_platform_admin_when_putting_then_accepted(api, gym):
    token = bearer(gym["id"], "platform_admin")
    reply = api.put("/hume-config", {"configId": "platform-set", "enabled": False}, api_key=gym["key"], token=token)
    assert reply.status == 200
    assert reply.data["configId"] == "platform-set" and reply.data["enabled"] is False


def test_given_a_malformed_config_id_then_400_naming_it(api, gym):
    admin = bearer(gym["id"], "client_admin")
    reply = api.put("/hume-config", {"configId": "has spaces"}, api_key=gym["key"], token=admin)
    assert reply.status == 400 and [d["field"] for d in reply.json["details"]] == ["configId"]


def test_given_another_studios_config_id_then_a_studio_admin_cannot_point_its_agent_at_it(api, gym, demo):
    # Given the demo studio's config ids, which any holder of its public key can read
    studio = api.get("/hume-config", api_key=demo["apiKeys"]["studio"]).data
    admin = bearer(gym["id"], "client_admin")
    before = api.get("/hume-config", api_key=gym["key"]).data
    # When this gym's admin tries them, Then 403 naming configId, and nothing changes
    reply = api.put("/hume-config", {"configId": studio["configId"]}, api_key=gym["key"], token=admin)
    assert reply.status == 403 and reply.code == "HUME_CONFIG_NOT_ASSIGNED"
    assert reply.json["details"]["field"] == "configId" and studio["configId"] in reply.json["details"]["reason"]
    trainers = {"trainers": [{"trainerId": gym["coaches"][0]["id"], "configId": studio["trainers"][0]["configId"]}]}
    assert api.put("/hume-config/trainers", trainers, api_key=gym["key"], token=admin).code == "HUME_CONFIG_NOT_ASSIGNED"
    assert api.get("/hume-config", api_key=gym["key"]).data == before


def test_given_a_platform_admin_sets_a_config_then_the_studio_admin_may_use_it_afterwards(api, gym):
    chosen = f"assigned-{secrets.token_hex(3)}"
    admin = bearer(gym["id"], "client_admin")
    assert api.put("/hume-config", {"configId": chosen}, api_key=gym["key"], token=admin).status == 403
    assert api.put("/hume-config", {"configId": chosen}, api_key=gym["key"],
                   token=bearer(gym["id"], "platform_admin")).status == 200
    assert api.put("/hume-config", {"configId": chosen}, api_key=gym["key"], token=admin).status == 200
