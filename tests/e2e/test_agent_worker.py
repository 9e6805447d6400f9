"""The reference worker (agent/) against the local API, without livekit-agents or a LiveKit server: its tool table
matches the manifest the API serves (no drift), and a scripted conversation (the model's turns written out)
reads the plan, gets three recommendations, proposes and confirms a booking, is interrupted, re-runs the tools
with new call ids, and still leaves one booking."""
from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

import pytest

from agent import toolbox as worker
from shared.settings import get_secret
from tests.e2e.test_agent_credentials import member_room
from tests.e2e.test_livekit_token import verified

ROOT = Path(__file__).resolve().parents[2]
PRIYA = 5  # the guide's coach 5 (Europe/London)


def dispatch_metadata(room: dict[str, Any]) -> str:
    """What the worker's JobContext holds as `job.metadata`: the dispatch metadata of the room token."""
    return verified(room["token"]).room_config.agents[0].metadata


def started(api, key: str, member: dict[str, Any]) -> worker.Toolbox:
    """The worker as it starts in a room: exchange the ticket, load the tools (no X-API-Key: it has none)."""
    http = worker.Http(f"http://{api.host}:{api.port}")
    credential = worker.exchange(http, dispatch_metadata(member_room(api, key, member)),
                                 get_secret("agentWorkerSecret"))
    return worker.Toolbox.load(http, credential)


@pytest.fixture
def studio(demo) -> dict[str, Any]:
    trainer = next(t for t in demo["trainers"] if t["id"] == PRIYA)
    return {"key": demo["apiKeys"]["studio"], "service": trainer["services"][0]["id"]}


def test_given_the_served_manifest_in_every_format_then_the_workers_tool_table_matches_it(api, studio, new_member):
    toolbox = started(api, studio["key"], new_member(studio["key"]))
    # Then the worker offers the model every tool it knows, with the schemas the API serves
    assert [t["function"]["name"] for t in toolbox.definitions] == list(worker.TOOL_TABLE)
    for dialect in ("openai", "hume", "mcp"):
        manifest = api.get(f"/agent/tools?format={dialect}", api_key=studio["key"]).data
        assert worker.drift(manifest) == [], dialect
        assert manifest["version"] == toolbox.version


def test_given_a_manifest_that_drifted_then_drift_names_each_difference():
    # Given a manifest where a tool was renamed, a read became a write, and confirm lost its hint
    tools = [{"name": n, "annotations": {"readOnlyHint": k == worker.READ, "destructiveHint": k == worker.CONFIRM}}
             for n, k in worker.TOOL_TABLE.items() if n != "get_progress"]
    tools.append({"name": "get_progress_v2", "annotations": {"readOnlyHint": True}})
    routes = {n: {"method": "GET" if k == worker.READ else "POST",
                  "path": "/api/v1/agent/proposals/{proposalId}/confirm" if k == worker.CONFIRM else "/api/v1/x",
                  "body": {worker.PREPARE: {"action": "book"}, worker.LOG: {"type": "water"}}.get(k)}
              for n, k in worker.TOOL_TABLE.items()}
    routes["get_daily_plan"]["method"] = "POST"
    tools[[t["name"] for t in tools].index("confirm")]["annotations"]["destructiveHint"] = False
    problems = worker.drift({"tools": tools, "routes": routes})
    assert problems == ["served, unknown to the worker: get_progress_v2",
                        "known to the worker, not served: get_progress",
                        "confirm: confirm is not marked destructive",
                        "get_daily_plan: a read tool served as POST"]


def test_given_the_worker_package_then_only_worker_py_needs_livekit_agents():
    # The tested layer imports with the standard library alone (livekit-agents is not installed here)
    probe = ("import sys, agent.toolbox; "
             "assert not [m for m in sys.modules if m.startswith('livekit.agents')], 'livekit.agents imported'")
    assert subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True).returncode == 0
    importing = sorted(p.name for p in (ROOT / "agent").glob("*.py") if "livekit.agents" in p.read_text())
    assert importing == ["worker.py"]
    requirements = (ROOT / "agent" / "requirements.txt").read_text()
    assert "livekit-agents" in requirements
    assert not any("livekit-agents" in p.read_text() for p in (ROOT / "layers").glob("*/requirements.txt"))


def test_given_a_refused_exchange_then_the_worker_learns_why_and_leaves(api, studio, new_member):
    http = worker.Http(f"http://{api.host}:{api.port}")
    metadata = dispatch_metadata(member_room(api, studio["key"], new_member(studio["key"])))
    with pytest.raises(worker.WorkerRefused) as wrong_secret:
        worker.exchange(http, metadata, "not-the-secret")
    worker.exchange(http, metadata, get_secret("agentWorkerSecret"))
    with pytest.raises(worker.WorkerRefused) as used:
        worker.exchange(http, metadata, get_secret("agentWorkerSecret"))
    with pytest.raises(worker.WorkerRefused) as none:
        worker.exchange(http, '{"clientId": "zen-flow-studio"}', get_secret("agentWorkerSecret"))
    assert (wrong_secret.value.reason, used.value.reason, none.value.reason) == ("worker_secret", "ticket",
                                                                                 "no_ticket")


# --- the scripted conversation ---------------------------------------------------------------------------------
@dataclass
class Say:
    """The member speaks (a final transcript)."""
    text: str


@dataclass
class Call:
    """The model calls a tool; `lost`: the member interrupted, so the model never sees the result."""
    name: str
    arguments: Callable[[dict[str, Any]], dict[str, Any]] | dict[str, Any]
    label: str
    lost: bool = False


def run(toolbox: worker.Toolbox, script: list[Say | Call]) -> dict[str, dict[str, Any]]:
    """Play the model's turns through the worker's tool layer, each call with a new call id (as after an
    interruption); return each labelled result, lost ones included (the model never saw those)."""
    seen: dict[str, dict[str, Any]] = {}
    for turn in script:
        if isinstance(turn, Say):
            toolbox.user_turn()
            continue
        arguments = turn.arguments(seen) if callable(turn.arguments) else turn.arguments
        seen[turn.label] = toolbox.call(turn.name, arguments, f"call_{uuid.uuid4().hex[:12]}")
    return seen


def test_given_a_scripted_conversation_with_an_interruption_then_the_member_has_exactly_one_booking(
        api, studio, new_member):
    key = studio["key"]
    member = new_member(key, name="Robin Vale", coachId=PRIYA,
                        profile={"fitnessGoal": "flexibility", "fitnessLevel": "beginner"})
    saved = api.post("/users/me/workout-plan", {"userProfile": {"workoutDays": ["mon", "wed", "fri"]}},
                     api_key=key, token=member["accessToken"])
    assert saved.status == 201, saved.json
    toolbox = started(api, key, member)
    first = date.today() + timedelta(days=3)
    slot_query = {"serviceId": studio["service"], "from": first.isoformat(),
                  "to": (first + timedelta(days=10)).isoformat(), "partOfDay": "morning"}

    def book(seen: dict[str, Any]) -> dict[str, Any]:
        return {"serviceId": studio["service"], "slotId": seen["slots"]["slots"][0]["id"]}

    def proposal(seen: dict[str, Any]) -> dict[str, Any]:
        return {"proposalId": seen["prepare"]["proposalId"]}

    results = run(toolbox, [
        Say("What's on my plan today?"),
        Call("get_daily_plan", {}, "today"),
        Call("get_active_plans", {}, "plans"),
        Say("I have 45 minutes tonight, what class would you suggest?"),
        Call("recommend_classes", {"maxDuration": 45}, "recommend"),
        Say("Can I see Priya one morning next week?"),
        Call("find_trainer_slots", slot_query, "slots"),
        Call("prepare_booking", book, "prepare"),
        Call("confirm", proposal, "too_soon"),  # the model rushes: the member has not answered yet
        Say("Yes, book it."),
        Call("confirm", proposal, "confirm", lost=True),  # booked, but the member talked over the answer
        Say("Sorry, did that go through?"),
        Call("confirm", proposal, "confirm_again"),  # the model re-runs confirm with a new call id
        Call("prepare_booking", book, "prepare_again"),  # and even re-runs the whole booking
        Call("list_my_bookings", {"range": "upcoming"}, "bookings"),
    ])
    # Then the plan was read, with the member's active workout plan
    assert results["today"]["date"] and results["today"]["say"]
    assert [p["type"] for p in results["plans"]["items"]] == ["workout"]
    # and three classes were recommended, each with its reasons, within the free time
    recommended = results["recommend"]["items"]
    assert len(recommended) == 3 and all(r["reasons"] and r["duration"] <= 45 for r in recommended)
    # and the booking was proposed with its summary, and not confirmed before the member answered
    assert results["prepare"]["summary"]["when"] == results["slots"]["slots"][0]["when"]
    assert results["too_soon"] == {"error": worker.NOT_HEARD}
    # Then the re-run confirm answered the first result (replayed), and the re-run prepare found the booking
    booking = results["confirm"]["booking"]
    assert results["confirm"]["replayed"] is False and results["confirm_again"]["replayed"] is True
    assert results["confirm_again"]["booking"] == booking
    assert results["prepare_again"]["alreadyDone"] is True and results["prepare_again"]["code"] == "ALREADY_BOOKED"
    assert results["prepare_again"]["details"]["bookingId"] == booking["id"]
    # and the member has exactly one booking, the one confirmed
    assert [b["id"] for b in results["bookings"]["items"]] == [booking["id"]]
    app_view = api.get("/bookings", api_key=key, token=member["accessToken"]).data["items"]
    assert [b["id"] for b in app_view] == [booking["id"]]


def test_given_a_proposal_the_worker_did_not_prepare_then_it_does_not_confirm_it(api, studio, new_member):
    toolbox = started(api, studio["key"], new_member(studio["key"]))
    toolbox.user_turn()
    answer = toolbox.call("confirm", {"proposalId": "prp_" + "0" * 24}, "call_1")
    assert answer == {"error": worker.UNKNOWN_PROPOSAL}
    assert toolbox.call("book_everything", {}, "call_2")["error"]["code"] == "UNKNOWN_TOOL"
