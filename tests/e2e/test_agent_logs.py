"""The voice agent's logs over HTTP: water, meals and workouts logged at once (no proposal) and echoed back, and
the same content re-run within 2 minutes with a new call id (an interruption) logged once. Later, different,
or after an undo, it is a new log."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.test_agent_tools import Agent, agent_for
from tests.support.http import Api


@pytest.fixture
def logging_member(api, demo, new_member) -> dict[str, Any]:
    key = demo["apiKeys"]["studio"]
    member = new_member(key, name="Noor Haddad")
    return {"key": key, "member": member, "agent": agent_for(api, key, member)}


def app_logs(api: Api, who: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The member's logs of one type, as their app lists them."""
    reply = api.get(f"/progress/logs?type={kind}", api_key=who["key"], token=who["member"]["accessToken"])
    assert reply.status == 200, reply.json
    return reply.data["items"]


def test_given_a_water_log_re_run_after_an_interruption_then_it_is_logged_once(api, logging_member, clock):
    agent = logging_member["agent"]
    # When the agent logs a glass of water, and re-runs the tool (new call id) after the member interrupted
    first = agent.post("/agent/logs", {"type": "water", "amountMl": 500})
    again = agent.post("/agent/logs", {"type": "water", "amountMl": 500})
    # Then the first is logged and echoed, and the re-run answers the same log without adding to the day
    assert first.status == 201 and first.data["deduplicated"] is False, first.json
    assert first.data["day"]["totalMl"] == 500 and first.data["say"].startswith("Logged 500 ml of water: 500 ml on ")
    assert again.status == 200 and again.data["deduplicated"] is True, again.json
    assert again.data["logId"] == first.data["logId"] and again.data["day"]["totalMl"] == 500
    assert again.data["say"].startswith("That was already logged a moment ago")
    assert [log["id"] for log in app_logs(api, logging_member, "water")] == [first.data["logId"]]
    # And a different amount at once, or the same amount over 2 minutes later, is a log of its own
    other = agent.post("/agent/logs", {"type": "water", "amountMl": 250})
    assert other.status == 201 and other.data["day"]["totalMl"] == 750, other.json
    clock.advance(121)
    later = agent.post("/agent/logs", {"type": "water", "amountMl": 500})
    assert later.status == 201 and later.data["logId"] != first.data["logId"], later.json
    assert later.data["day"]["totalMl"] == 1250 and len(app_logs(api, logging_member, "water")) == 3


def test_given_a_log_the_member_undid_then_the_same_log_again_is_written(api, logging_member):
    agent, key, token = logging_member["agent"], logging_member["key"], logging_member["member"]["accessToken"]
    body = {"type": "workout", "name": "Evening run", "durationMinutes": 30, "perceivedExertion": 6}
    first = agent.post("/agent/logs", body)
    assert first.status == 201 and first.data["say"].startswith("Logged Evening run, 30 minutes: 1 workout on ")
    assert api.delete(f"/progress/logs/{first.data['logId']}", api_key=key, token=token).status == 200
    redone = agent.post("/agent/logs", body)
    assert redone.status == 201 and redone.data["deduplicated"] is False, redone.json
    assert redone.data["day"]["workoutsLogged"] == 1
    assert [log["id"] for log in app_logs(api, logging_member, "workout")] == [redone.data["logId"]]


def test_given_a_meal_then_its_calories_are_echoed_and_a_rerun_is_kept_once(api, logging_member):
    agent = logging_member["agent"]
    meal = {"type": "meal", "mealType": "lunch", "name": "Lentil soup", "calories": 420, "proteinG": 21}
    first = agent.post("/agent/logs", meal)
    again = agent.post("/agent/logs", meal)
    assert first.status == 201 and "Lentil soup for lunch, 420 kcal: 420 kcal" in first.data["say"], first.json
    assert again.status == 200 and again.data["logId"] == first.data["logId"]
    assert again.data["day"]["calories"] == 420 and len(app_logs(api, logging_member, "nutrition")) == 1


def test_given_ten_identical_logs_at_once_with_new_call_ids_then_exactly_one_is_written(api, logging_member):
    agent = logging_member["agent"]
    barrier = threading.Barrier(10)

    def log(_: int) -> Any:
        caller = Agent(Api(f"http://{api.host}:{api.port}{api.prefix}"), agent.key, agent.token)
        barrier.wait()
        return caller.post("/agent/logs", {"type": "water", "amountMl": 330})

    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(log, range(10)))
    assert all(r.status in (200, 201) for r in replies), [r.json for r in replies]
    assert sum(1 for r in replies if r.status == 201) == 1
    assert {r.data["logId"] for r in replies} == {log["id"] for log in app_logs(api, logging_member, "water")}
    assert replies[0].data["day"]["totalMl"] == 330 or all(r.data["day"]["totalMl"] == 330 for r in replies)


def test_given_bad_log_arguments_or_a_member_bearer_then_refused_with_what_to_change(api, logging_member):
    agent = logging_member["agent"]
    zero = agent.post("/agent/logs", {"type": "water", "amountMl": 0})
    # the field is named within its log type (`water.amountMl`), as a proposal's are within their action
    assert zero.status == 400 and zero.json["details"][0]["field"] == "water.amountMl", zero.json
    assert zero.json["say"].startswith("I couldn't use the amount")
    unknown = agent.post("/agent/logs", {"type": "sleep", "hours": 8})
    assert unknown.status == 400 and unknown.code == "VALIDATION_ERROR"
    own = api.post("/agent/logs", {"type": "water", "amountMl": 200}, api_key=logging_member["key"],
                   token=logging_member["member"]["accessToken"], headers={"Idempotency-Key": "member-own-1"})
    assert own.status == 403 and own.code == "FORBIDDEN"
    assert app_logs(api, logging_member, "water") == []
