"""The guide's Onboarding Flow over HTTP against the local API, and what a client developer relies on around
it: merges, validation naming the field, the 24-hour expiry, consumption and tenant isolation."""
from __future__ import annotations

import secrets
from typing import Any

import pytest

from shared import clock as shared_clock
from shared.db import keys
from shared.db.repository import get_repository

GUIDE_PROFILE = b"""{
"sessionId": "unique-session-id",
"name": "Jane",
"age": 28,
"gender": "female",
"height": 170,
"weight": 65,
"fitnessGoal": "weight_loss",
"fitnessLevel": "intermediate",
"workoutsPerWeek": 4
}"""
GUIDE_RECOMMEND = b"""{
"sessionId": "unique-session-id",
"fitnessGoal": "weight_loss",
"fitnessLevel": "intermediate"
}"""
GUIDE_SELECT = b"""{ "sessionId": "unique-session-id", "coachId": 5 }"""
JSON = {"Content-Type": "application/json"}
DAY = 24 * 3600


def new_session() -> str:
    return f"test-{secrets.token_hex(10)}"


def started(api: Any, key: str, body: dict[str, Any]) -> tuple[str, str]:
    """Start a session: (its id, its resume token)."""
    reply = api.post("/onboarding/profile", body, api_key=key)
    assert reply.status == 201, reply.json
    return reply.data["sessionId"], reply.data["resumeToken"]


def resumed(api: Any, key: str, session: str, resume_token: str) -> Any:
    return api.get(f"/onboarding/profile/{session}", api_key=key, headers={"X-Resume-Token": resume_token})


def studio_coach_ids(demo: dict[str, Any]) -> set[int]:
    return {c["id"] for c in demo["coaches"] if c["clientId"] == demo["clients"]["studio"]["id"]}


@pytest.fixture(scope="module")
def gym(local_api) -> dict[str, Any]:
    """A client of its own: two active coaches, one inactive weight-loss coach, and its key."""
    from shared.domain import provisioning as p

    client = p.create_client("Onboarding Test Gym", client_id=f"onboarding-gym-{secrets.token_hex(3)}")
    key, _ = p.issue_api_key(client["id"], label="onboarding tests")
    active = p.create_coach(client["id"], "Wendy Loss", specialties=["weight_loss"], levels=["beginner"], rating=4.1)
    strong = p.create_coach(client["id"], "Stan Strong", specialties=["strength"], levels=["advanced"], rating=5.0)
    retired = p.create_coach(client["id"], "Ina Active", specialties=["weight_loss"], levels=["beginner"],
                             rating=5.0, active=False)
    return {"id": client["id"], "key": key, "active": active, "strong": strong, "inactive": retired}


# --- the guide, verbatim -----------------------------------------------------------------------------------
def test_given_the_guide_requests_when_sent_as_written_then_profile_ranked_coaches_and_the_choice_are_kept(
        api, demo):
    key = demo["apiKeys"]["studio"]
    get_repository().delete(keys.onboarding(demo["clients"]["studio"]["id"], "unique-session-id"))  # a fresh start

    saved = api.request("POST", "/onboarding/profile", body=GUIDE_PROFILE, headers={**JSON, "X-API-Key": key})
    assert saved.status == 201
    assert saved.json["success"] is True
    assert saved.data["sessionId"] == "unique-session-id"
    assert saved.data["profile"] == {"name": "Jane", "age": 28, "gender": "female", "height": 170, "weight": 65,
                                     "fitnessGoal": "weight_loss", "fitnessLevel": "intermediate",
                                     "workoutsPerWeek": 4}
    assert saved.data["expiresAt"].endswith("Z")

    ranked = api.request("POST", "/onboarding/recommend-coaches", body=GUIDE_RECOMMEND,
                         headers={**JSON, "X-API-Key": key})
    assert ranked.status == 200
    coaches = ranked.data["coaches"]
    assert {c["id"] for c in coaches} == studio_coach_ids(demo)
    assert [c["score"] for c in coaches] == sorted((c["score"] for c in coaches), reverse=True)
    for card in coaches:
        assert {"id", "name", "image", "bio", "specialties", "score", "reasons"} <= set(card)
        assert card["score"] == sum(card["scoreBreakdown"].values())
    top = coaches[0]
    assert "weight_loss" in top["specialties"] and "Specialises in weight loss" in top["reasons"]
    priya = next(c for c in coaches if c["id"] == 5)
    assert priya["name"] == "Priya Nair" and "Coaches intermediate members" in priya["reasons"]

    chosen = api.request("POST", "/onboarding/select-coach", body=GUIDE_SELECT, headers={**JSON, "X-API-Key": key})
    assert chosen.status == 200
    assert chosen.data["coachId"] == 5 and chosen.data["sessionId"] == "unique-session-id"

    again = resumed(api, key, "unique-session-id", saved.data["resumeToken"])
    assert again.status == 200
    assert again.data["coachId"] == 5
    assert again.data["profile"]["fitnessGoal"] == "weight_loss"
    assert again.data["expiresAt"] == saved.data["expiresAt"]


def test_given_the_same_requests_twice_then_the_answer_is_the_same_ranking(api, demo):
    key = demo["apiKeys"]["studio"]
    headers = {**JSON, "X-API-Key": key}
    api.request("POST", "/onboarding/profile", body=GUIDE_PROFILE, headers=headers)
    first = api.request("POST", "/onboarding/recommend-coaches", body=GUIDE_RECOMMEND, headers=headers)
    again = api.request("POST", "/onboarding/recommend-coaches", body=GUIDE_RECOMMEND, headers=headers)
    assert first.data["coaches"] == again.data["coaches"]


# --- save and merge ----------------------------------------------------------------------------------------
def test_given_a_new_session_then_201_and_later_answers_merge_without_erasing_or_moving_the_expiry(api, demo, clock):
    key, session = demo["apiKeys"]["studio"], new_session()
    created = api.post("/onboarding/profile", {"sessionId": session, "name": "Ada", "age": 31}, api_key=key)
    assert created.status == 201
    assert created.data["profile"]["name"] == "Ada" and created.data["profile"]["fitnessGoal"] is None

    clock.advance(3600)
    merged = api.post("/onboarding/profile", {"sessionId": session, "fitnessGoal": "strength", "age": None},
                      api_key=key)
    assert merged.status == 200
    assert {k: v for k, v in merged.data["profile"].items() if v is not None} == {"fitnessGoal": "strength"}
    assert merged.data["expiresAt"] == created.data["expiresAt"] and merged.data["resumeToken"] is None
    stored = resumed(api, key, session, created.data["resumeToken"]).data["profile"]
    assert stored["name"] == "Ada" and stored["age"] == 31 and stored["fitnessGoal"] == "strength"


def test_given_a_stored_session_then_its_item_carries_the_ttl_epoch_24_hours_after_creation(api, demo):
    key, session = demo["apiKeys"]["studio"], new_session()
    reply = api.post("/onboarding/profile", {"sessionId": session, "weight": 72.5}, api_key=key)
    item = get_repository().get(keys.onboarding(demo["clients"]["studio"]["id"], session))
    assert item is not None
    created = int(shared_clock.parse_iso(item["createdAt"]))
    assert item["ttl"] == created + DAY
    assert item["expiresAt"] == shared_clock.iso(item["ttl"]) == reply.data["expiresAt"]
    assert item["profile"] == {"weight": 72.5}


@pytest.mark.parametrize("field, value", [
    ("fitnessGoal", "get_huge"), ("fitnessLevel", "expert"), ("age", 12), ("age", 101), ("age", "28"),
    ("height", 99), ("height", 251), ("weight", 29), ("weight", 301), ("workoutsPerWeek", 15),
    ("workoutsPerWeek", -1), ("name", ""), ("favouriteColour", "blue"),
])
def test_given_a_value_outside_the_spec_then_400_validation_error_naming_the_field(api, demo, field, value):
    reply = api.post("/onboarding/profile", {"sessionId": new_session(), field: value},
                     api_key=demo["apiKeys"]["studio"])
    assert reply.status == 400
    assert reply.code == "VALIDATION_ERROR"
    assert field in [d["field"] for d in reply.json["details"]]


@pytest.mark.parametrize("session", ["too-short", "x" * 129, "has spaces in it ok", "semi;colon;session;id"])
def test_given_a_malformed_session_id_then_400_naming_session_id(api, demo, session):
    reply = api.post("/onboarding/profile", {"sessionId": session, "age": 30}, api_key=demo["apiKeys"]["studio"])
    assert reply.status == 400 and reply.code == "VALIDATION_ERROR"
    assert [d["field"] for d in reply.json["details"]] == ["sessionId"]


def test_given_no_api_key_then_the_gateway_refuses_before_the_wizard(api):
    reply = api.post("/onboarding/profile", {"sessionId": new_session(), "age": 30})
    assert reply.status == 401 and reply.json["success"] is False


# --- expiry and consumption --------------------------------------------------------------------------------
def test_given_24h_and_1s_passed_then_the_session_is_gone_for_get_recommend_and_select(api, demo, clock):
    key = demo["apiKeys"]["studio"]
    session, token = started(api, key, {"sessionId": new_session(), "fitnessGoal": "weight_loss"})
    # (the expiry is whole seconds from creation, and the requests take real time: a few seconds of margin)
    clock.advance(DAY - 5)
    assert resumed(api, key, session, token).status == 200

    clock.advance(6)  # 24 h + 1 s after creation
    for reply in (resumed(api, key, session, token),
                  api.post("/onboarding/recommend-coaches", {"sessionId": session}, api_key=key),
                  api.post("/onboarding/select-coach", {"sessionId": session, "coachId": 5}, api_key=key)):
        assert reply.status == 404
        assert reply.code == "ONBOARDING_SESSION_NOT_FOUND"
    item = get_repository().get(keys.onboarding(demo["clients"]["studio"]["id"], session))
    assert item is not None and "coachId" not in item  # still stored (TTL deletes late), never changed


def test_given_an_expired_session_when_saved_again_then_a_fresh_session_without_the_old_answers(api, demo, clock):
    key, session = demo["apiKeys"]["studio"], new_session()
    first = api.post("/onboarding/profile", {"sessionId": session, "name": "Old", "age": 40}, api_key=key)
    clock.advance(DAY + 1)
    fresh = api.post("/onboarding/profile", {"sessionId": session, "fitnessLevel": "beginner"}, api_key=key)
    assert fresh.status == 201
    assert fresh.data["profile"]["name"] is None and fresh.data["profile"]["age"] is None
    assert fresh.data["profile"]["fitnessLevel"] == "beginner"
    assert shared_clock.parse_iso(fresh.data["expiresAt"]) > shared_clock.parse_iso(first.data["expiresAt"])


def test_given_a_session_consumed_by_a_registration_then_it_is_gone_and_selecting_does_not_revive_it(api, demo):
    key = demo["apiKeys"]["studio"]
    studio = demo["clients"]["studio"]["id"]
    session, token = started(api, key, {"sessionId": new_session(), "name": "Reg"})
    get_repository().delete(keys.onboarding(studio, session))  # what registration's transaction does

    assert resumed(api, key, session, token).code == "ONBOARDING_SESSION_NOT_FOUND"
    select = api.post("/onboarding/select-coach", {"sessionId": session, "coachId": 5}, api_key=key)
    assert select.status == 404 and select.code == "ONBOARDING_SESSION_NOT_FOUND"
    assert get_repository().get(keys.onboarding(studio, session)) is None


# --- recommendations ---------------------------------------------------------------------------------------
def test_given_a_weight_loss_beginner_then_weight_loss_coaches_for_beginners_rank_above_the_advanced_strength_coach(
        api, demo):
    key, session = demo["apiKeys"]["studio"], new_session()
    api.post("/onboarding/profile", {"sessionId": session, "fitnessGoal": "weight_loss",
                                     "fitnessLevel": "beginner"}, api_key=key)
    order = [c["id"] for c in api.post("/onboarding/recommend-coaches", {"sessionId": session},
                                       api_key=key).data["coaches"]]
    leo = next(c["id"] for c in demo["coaches"] if c["name"] == "Leo Duarte")  # strength, advanced
    assert order.index(5) < order.index(leo)  # Priya Nair: weight loss, beginner and intermediate
    assert order[-1] == leo


def test_given_overrides_in_the_request_then_they_rank_for_this_call_only(api, demo):
    key = demo["apiKeys"]["studio"]
    session, token = started(api, key, {"sessionId": new_session(), "fitnessGoal": "weight_loss",
                                        "fitnessLevel": "beginner"})
    ranked = api.post("/onboarding/recommend-coaches", {"sessionId": session, "fitnessGoal": "strength",
                                                        "fitnessLevel": "advanced"}, api_key=key).data
    assert ranked["fitnessGoal"] == "strength"
    assert "strength" in ranked["coaches"][0]["specialties"] and "advanced" in ranked["coaches"][0]["levels"]
    stored = resumed(api, key, session, token).data["profile"]
    assert stored["fitnessGoal"] == "weight_loss" and stored["fitnessLevel"] == "beginner"


def test_given_a_client_with_an_inactive_coach_then_only_its_active_coaches_are_ranked(api, gym):
    session = new_session()
    api.post("/onboarding/profile", {"sessionId": session, "fitnessGoal": "weight_loss",
                                     "fitnessLevel": "beginner"}, api_key=gym["key"])
    ranked = api.post("/onboarding/recommend-coaches", {"sessionId": session}, api_key=gym["key"]).data["coaches"]
    assert [c["id"] for c in ranked] == [gym["active"]["id"], gym["strong"]["id"]]


def test_given_an_inactive_coach_when_selected_then_404_and_the_choice_is_not_saved(api, gym):
    session, token = started(api, gym["key"], {"sessionId": new_session(), "age": 30})
    reply = api.post("/onboarding/select-coach", {"sessionId": session, "coachId": gym["inactive"]["id"]},
                     api_key=gym["key"])
    assert reply.status == 404 and reply.code == "NOT_FOUND"
    assert resumed(api, gym["key"], session, token).data["coachId"] is None


# --- tenants -----------------------------------------------------------------------------------------------
def test_given_a_session_of_the_studio_then_the_partner_key_cannot_see_rank_or_choose_for_it(api, demo):
    studio_key, partner_key = demo["apiKeys"]["studio"], demo["apiKeys"]["partner"]
    session, token = started(api, studio_key, {"sessionId": new_session(), "name": "Mine"})
    assert resumed(api, partner_key, session, token).code == "ONBOARDING_SESSION_NOT_FOUND"
    assert api.post("/onboarding/recommend-coaches", {"sessionId": session},
                    api_key=partner_key).code == "ONBOARDING_SESSION_NOT_FOUND"
    assert api.post("/onboarding/select-coach", {"sessionId": session, "coachId": 5},
                    api_key=partner_key).code == "ONBOARDING_SESSION_NOT_FOUND"
    assert resumed(api, studio_key, session, token).data["profile"]["name"] == "Mine"


def test_given_a_coach_of_another_client_when_selected_then_404_as_if_it_did_not_exist(api, demo):
    key, session = demo["apiKeys"]["studio"], new_session()
    partner_coach = next(c["id"] for c in demo["coaches"] if c["clientId"] == demo["clients"]["partner"]["id"])
    api.post("/onboarding/profile", {"sessionId": session, "age": 30}, api_key=key)
    reply = api.post("/onboarding/select-coach", {"sessionId": session, "coachId": partner_coach}, api_key=key)
    assert reply.status == 404 and reply.code == "NOT_FOUND"
    ranked = api.post("/onboarding/recommend-coaches", {"sessionId": session}, api_key=key).data["coaches"]
    assert {c["id"] for c in ranked} == studio_coach_ids(demo)


def test_given_the_universal_key_without_a_bearer_then_the_wizard_runs_in_the_default_client(api, demo):
    session, token = started(api, demo["apiKeys"]["universal"], {"sessionId": new_session(), "age": 30})
    assert resumed(api, demo["apiKeys"]["studio"], session, token).data["profile"]["age"] == 30


# --- registration meets the wizard -------------------------------------------------------------------------
def test_given_24h_and_1s_passed_then_registering_with_the_session_is_refused_and_creates_no_account(
        api, demo, clock):
    key, session = demo["apiKeys"]["studio"], new_session()
    email = f"late-{secrets.token_hex(4)}@example.com"
    api.post("/onboarding/profile", {"sessionId": session, "name": "Late"}, api_key=key)
    clock.advance(DAY + 1)
    late = api.post("/auth/register", {"email": email, "password": "securepassword", "sessionId": session},
                    api_key=key)
    assert late.status == 404 and late.code == "ONBOARDING_SESSION_NOT_FOUND"
    assert api.post("/auth/register", {"email": email, "password": "securepassword"}, api_key=key).status == 201


def test_given_a_registration_with_the_session_then_the_profile_moves_and_the_session_is_consumed(api, demo):
    key = demo["apiKeys"]["studio"]
    session, token = started(api, key, {"sessionId": new_session(), "name": "Noor", "fitnessGoal": "flexibility"})
    api.post("/onboarding/select-coach", {"sessionId": session, "coachId": 3}, api_key=key)
    registered = api.post("/auth/register", {"email": f"noor-{secrets.token_hex(4)}@example.com",
                                             "password": "securepassword", "sessionId": session}, api_key=key)
    assert registered.status == 201
    assert registered.data["user"]["profile"]["fitnessGoal"] == "flexibility"
    assert registered.data["user"]["coach"]["id"] == 3
    assert resumed(api, key, session, token).code == "ONBOARDING_SESSION_NOT_FOUND"
    assert api.post("/onboarding/select-coach", {"sessionId": session, "coachId": 5},
                    api_key=key).code == "ONBOARDING_SESSION_NOT_FOUND"
    again = api.post("/auth/register", {"email": f"twice-{secrets.token_hex(4)}@example.com",
                                        "password": "securepassword", "sessionId": session}, api_key=key)
    assert again.status == 404 and again.code == "ONBOARDING_SESSION_NOT_FOUND"
