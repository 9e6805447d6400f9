"""The voice agent's tools over HTTP, with a real agent credential (room token -> ticket -> exchange): compact
answers that speak (`say`), times in the trainer's zone with its name and the date, under 4 KB; errors with a
`say` and `retryable`; a member's own bearer is refused (the app has the full routes)."""
from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.test_agent_credentials import exchange, member_room, ticket_of
from tests.support.http import Api, Reply

PRIYA = 5  # the guide's coach 5: Europe/London, weekdays 09:00-17:00
MAX_RESULT_BYTES = 4096


class Agent:
    """The agent worker's view of the API: its credential (and the studio key the routes ask for)."""

    def __init__(self, api: Api, key: str, token: str) -> None:
        self.api, self.key, self.token = api, key, token

    def get(self, path: str) -> Reply:
        return self.api.get(path, api_key=self.key, token=self.token)

    def post(self, path: str, body: Any, call_key: str | None = None) -> Reply:
        return self.api.post(path, body, api_key=self.key, token=self.token,
                             headers={"Idempotency-Key": call_key or uuid.uuid4().hex})


def agent_for(api: Api, key: str, member: dict[str, Any]) -> Agent:
    credential = exchange(api, ticket_of(member_room(api, key, member)))
    assert credential.status == 200, credential.json
    return Agent(api, key, credential.data["accessToken"])


@pytest.fixture
def studio(demo) -> dict[str, Any]:
    return {"key": demo["apiKeys"]["studio"], "clientId": demo["clients"]["studio"]["id"]}


@pytest.fixture
def coached(api, studio, new_member) -> tuple[dict[str, Any], Agent]:
    """A member of the studio with Priya as coach and a flexibility goal, and their agent."""
    member = new_member(studio["key"], name="Alex Morgan", coachId=PRIYA,
                        profile={"fitnessGoal": "flexibility", "fitnessLevel": "beginner"})
    return member, agent_for(api, studio["key"], member)


def small(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.json
    assert len(reply.raw) < MAX_RESULT_BYTES, len(reply.raw)
    assert reply.data["say"], reply.json
    return reply.data


def test_given_an_agent_when_it_reads_the_context_then_one_small_low_pii_summary_speaks_for_the_first_turn(
        coached):
    member, agent = coached
    context = small(agent.get("/agent/context"))
    assert context["firstName"] == "Alex" and context["coach"] == {"id": PRIYA, "name": context["coach"]["name"]}
    assert member["email"] not in json.dumps(context) and "Morgan" not in json.dumps(context)
    assert context["today"]["timeZone"] and context["nextBooking"] is None and context["streakDays"] == 0


def test_given_an_agent_when_it_reads_plans_progress_and_bookings_then_each_answer_says_it(coached):
    _, agent = coached
    day = small(agent.get("/agent/daily-plan"))
    assert day["date"] and "Nothing is planned" in day["say"]
    assert small(agent.get("/agent/plans"))["say"] == "You have no active plans yet."
    progress = small(agent.get("/agent/progress?period=month"))
    assert progress["period"] == "month" and progress["workoutsCompleted"] == 0 and "month" in progress["say"]
    bookings = small(agent.get("/agent/bookings?range=week"))
    assert bookings["items"] == [] and bookings["say"] == "You have no upcoming bookings this week."


def test_given_no_trainer_named_when_the_agent_asks_for_slots_then_the_coachs_come_in_their_zone_with_its_name(
        coached, demo):
    _, agent = coached
    service = next(t for t in demo["trainers"] if t["id"] == PRIYA)["services"][0]["id"]
    first = date.today() + timedelta(days=1)
    found = small(agent.get(f"/agent/trainer-slots?serviceId={service}&from={first}&to={first + timedelta(days=13)}"
                            "&partOfDay=afternoon"))
    assert found["trainerId"] == PRIYA and found["timeZone"] == "Europe/London"
    assert 1 <= len(found["slots"]) <= 5
    assert all(s["time"] >= "12:00" and "London time" in s["when"] for s in found["slots"])
    slot = found["slots"][0]
    day = date.fromisoformat(slot["date"])
    assert slot["when"].startswith(f"{day.strftime('%A')} {day.day} {day.strftime('%B')} at ")
    assert slot["when"] in found["say"]


def test_given_a_goal_and_free_time_when_the_agent_asks_for_classes_then_three_at_most_with_reasons_same_each_time(
        coached):
    _, agent = coached
    first = small(agent.get("/agent/class-recommendations?maxDuration=45"))
    assert first["goal"] == "flexibility" and first["level"] == "beginner"
    assert 1 <= len(first["items"]) <= 3
    assert all(i["duration"] <= 45 and i["reasons"] for i in first["items"])
    assert [i["score"] for i in first["items"]] == sorted((i["score"] for i in first["items"]), reverse=True)
    assert small(agent.get("/agent/class-recommendations?maxDuration=45")) == first  # deterministic
    strength = small(agent.get("/agent/class-recommendations?goal=strength&intensity=high"))
    assert all(i["intensity"] == "high" for i in strength["items"])


def test_given_bad_arguments_then_the_error_names_the_field_and_says_what_to_change(coached):
    _, agent = coached
    reply = agent.get("/agent/class-recommendations?maxDuration=2")
    assert reply.status == 400 and reply.code == "VALIDATION_ERROR"
    assert reply.json["details"][0]["field"] == "maxDuration"
    assert reply.json["say"].startswith("I couldn't use the free time") and reply.json["retryable"] is False
    reply = agent.get("/agent/trainer-slots?trainerId=99999")
    assert reply.status == 404 and reply.json["say"] == "I couldn't find that." and reply.json["retryable"] is False


def test_given_a_member_bearer_then_the_agent_tools_are_refused_and_the_agent_cannot_leave_them(
        api, studio, coached):
    member, agent = coached
    for path in ("/agent/context", "/agent/daily-plan", "/agent/bookings"):
        reply = api.get(path, api_key=studio["key"], token=member["accessToken"])
        assert reply.status == 403 and reply.code == "FORBIDDEN" and reply.json["say"], reply.json
    assert agent.get("/users/me").status == 403  # the agent's credential stays on its routes
