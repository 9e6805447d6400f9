"""The guide's "Content Discovery" section over HTTP against the local API, and tenant isolation."""
from __future__ import annotations

import secrets

from shared.auth import tokens

CARD_FIELDS = {"id", "name", "thumbnailUrl", "duration", "intensity", "trainer", "category", "isLive", "isPremium"}
CONTINUE_FIELDS = {"sessionId", "progressSeconds", "totalDurationSeconds", "progressPercent", "lastWatchedAt"}


def _token(demo, client="studio"):
    token, _ = tokens.issue(f"u-{secrets.token_hex(6)}", demo["clients"][client]["id"], "user")
    return token


def _discover(api, demo, token):
    # The guide's request as written: GET with the key and the bearer, nothing else.
    return api.request("GET", "/content/discover", headers={"X-API-Key": demo["apiKeys"]["studio"],
                                                            "Authorization": f"Bearer {token}"})


def test_given_the_guide_request_when_a_new_user_opens_the_home_screen_then_five_shelves(api, demo):
    reply = _discover(api, demo, _token(demo))
    assert reply.status == 200 and reply.json["success"] is True
    data = reply.data
    assert set(data) == {"featured", "continueWatching", "upcomingLive", "categories", "newThisWeek"}
    studio_featured = [c["id"] for c in demo["classes"] if c["clientId"] == demo["clients"]["studio"]["id"]
                       and c["featured"]]
    # Featured: the editorially highlighted classes, in editorial order (rank 1, 2, ...)
    assert [c["id"] for c in data["featured"]] == studio_featured
    for shelf in ("featured", "upcomingLive", "newThisWeek"):
        assert 0 < len(data[shelf]) <= 10
        for card in data[shelf]:
            assert CARD_FIELDS <= set(card)
            assert set(card["trainer"]) == {"id", "name"} and set(card["category"]) == {"id", "name"}
    assert data["continueWatching"] == []
    # Upcoming live: scheduled live classes, soonest first
    scheduled = [c["scheduledAt"] for c in data["upcomingLive"]]
    assert all(c["isLive"] for c in data["upcomingLive"]) and scheduled == sorted(scheduled)
    # Categories: the studio's five, each with its class count
    assert [(c["name"], c["classCount"]) for c in data["categories"]] == [
        ("HIIT", 6), ("Yoga", 15), ("Strength", 9), ("Pilates", 6), ("Cardio", 9)]
    # New this week: published in the last 7 days, newest first
    assert len(data["newThisWeek"]) == 6
    assert [c["id"] for c in data["newThisWeek"]] == sorted((c["id"] for c in data["newThisWeek"]))


def test_given_started_classes_when_discovering_then_continue_watching_newest_first_with_progress(api, demo, clock):
    token = _token(demo)
    user = api.with_auth(demo["apiKeys"]["studio"], token)
    first = user.post("/sessions/start", {"classId": 42, "deviceType": "mobile"}).data["session"]["id"]
    clock.advance(31)
    user.post(f"/sessions/{first}/progress", {"progressSeconds": 540, "totalDurationSeconds": 1800})
    clock.advance(5)
    user.post("/sessions/start", {"classId": 3, "deviceType": "tv"})
    shelf = _discover(api, demo, token).data["continueWatching"]
    assert [c["id"] for c in shelf] == [3, 42]
    card = shelf[1]
    assert CARD_FIELDS | CONTINUE_FIELDS <= set(card)
    assert (card["sessionId"], card["progressSeconds"], card["totalDurationSeconds"], card["progressPercent"]) == \
        (first, 540, 1800, 30.0)


def test_given_the_same_class_started_twice_then_one_card_for_it(api, demo):
    token = _token(demo)
    user = api.with_auth(demo["apiKeys"]["studio"], token)
    user.post("/sessions/start", {"classId": 5, "deviceType": "web"})
    again = user.post("/sessions/start", {"classId": 5, "deviceType": "web"}).data["session"]["id"]
    shelf = _discover(api, demo, token).data["continueWatching"]
    assert [(c["id"], c["sessionId"]) for c in shelf] == [(5, again)]


def test_given_no_bearer_when_discovering_then_401(api, demo):
    reply = api.get("/content/discover", api_key=demo["apiKeys"]["studio"])
    assert reply.status == 401 and reply.json["success"] is False


def test_given_a_class_of_another_client_then_404_on_every_endpoint(api, demo):
    partner_class = next(c["id"] for c in demo["classes"] if c["clientId"] == demo["clients"]["partner"]["id"])
    key = demo["apiKeys"]["studio"]
    user = api.with_auth(key, _token(demo))
    assert api.get(f"/content/classes/{partner_class}", api_key=key).status == 404
    started = user.post("/sessions/start", {"classId": partner_class, "deviceType": "mobile"})
    assert started.status == 404 and started.code == "NOT_FOUND"
    listed = api.get("/content/classes?limit=100", api_key=key).data
    assert partner_class not in [c["id"] for c in listed["items"]] and listed["pagination"]["total"] == 45
    found = api.get("/content/search?q=hiit&limit=100", api_key=key).data["items"]
    assert found and partner_class not in [c["id"] for c in found]
    # and the partner sees its own class but none of the studio's
    partner_key = demo["apiKeys"]["partner"]
    assert api.get(f"/content/classes/{partner_class}", api_key=partner_key).status == 200
    assert api.get("/content/classes/42", api_key=partner_key).status == 404
    assert api.get("/content/classes?limit=100", api_key=partner_key).data["pagination"]["total"] == 10
