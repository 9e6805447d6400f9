"""A studio's switches of its voice agent's tools, over the admin API and the admin CLI: a tool switched off leaves
the manifest and its calls answer 403 TOOL_DISABLED (read tools, proposals, confirm and logs alike); only the
studio's own admins (or a platform admin) switch them; concurrent switches of different tools all stay, and a
repeated switch changes (and audits) nothing a second time."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import pytest

from shared.domain import agent_switches, clients
from tests.e2e.test_admin_api import _api, _login
from tests.e2e.test_admin_cli import admin as cli
from tests.e2e.test_agent_tools import agent_for
from tests.support.http import Api


@pytest.fixture
def studio(local_api, demo) -> Iterator[dict[str, Any]]:
    """The studio, its admin's sign-in, and every tool switched back on afterwards."""
    key, client_id = demo["apiKeys"]["studio"], demo["clients"]["studio"]["id"]
    studio_admin = next(u for u in demo["users"] if u["role"] == "client_admin")
    yield {"key": key, "clientId": client_id,
           "admin": _api(local_api).with_auth(key, _login(local_api, key, studio_admin["email"],
                                                          studio_admin["password"]))}
    agent_switches.set_switches(client_id, {name: True for name in agent_switches.TOOL_NAMES})


def switch(admin: Api, client_id: str, **tools: bool) -> Any:
    return admin.patch(f"/admin/clients/{client_id}/agent-tools", {"tools": tools})


def offered(agent) -> list[str]:
    return [t["name"] for t in agent.get("/agent/tools?format=mcp").data["tools"]]


def test_given_tools_switched_off_by_the_studio_admin_then_they_leave_the_manifest_and_their_calls_are_refused(
        api, studio, new_member):
    agent = agent_for(api, studio["key"], new_member(studio["key"]))
    version = agent.get("/agent/tools").data["version"]
    # When the studio's admin switches off a read tool, a prepare tool, a log tool and confirm
    off = switch(studio["admin"], studio["clientId"], recommend_classes=False, prepare_cancellation=False,
                 log_water=False, confirm=False)
    assert off.status == 200, off.json
    assert sorted(off.data["changed"]) == ["confirm", "log_water", "prepare_cancellation", "recommend_classes"]
    assert {i["name"] for i in off.data["items"] if not i["enabled"]} == set(off.data["changed"])
    # Then the manifest no longer offers them (a new version), and each call says so with its tool
    left = offered(agent)
    assert not {"recommend_classes", "prepare_cancellation", "log_water", "confirm"} & set(left)
    assert "prepare_booking" in left and agent.get("/agent/tools").data["version"] != version
    refused = [agent.get("/agent/class-recommendations"),
               agent.post("/agent/proposals", {"action": "cancel", "bookingId": "0" * 24}),
               agent.post("/agent/logs", {"type": "water", "amountMl": 250}),
               agent.post(f"/agent/proposals/prp_{'0' * 24}/confirm", {})]
    for reply, tool in zip(refused, ("recommend_classes", "prepare_cancellation", "log_water", "confirm")):
        assert reply.status == 403 and reply.code == "TOOL_DISABLED", reply.json
        assert reply.json["details"] == {"tool": tool} and "switched that off" in reply.json["say"]
    assert agent.get("/agent/progress").status == 200  # the others still work
    # When switched back on, they are offered and answer again
    on = switch(studio["admin"], studio["clientId"], recommend_classes=True, log_water=True)
    assert on.status == 200 and sorted(on.data["changed"]) == ["log_water", "recommend_classes"]
    assert agent.get("/agent/class-recommendations").status == 200
    assert agent.post("/agent/logs", {"type": "water", "amountMl": 250}).status == 201


def test_given_a_proposal_whose_tool_is_switched_off_before_the_yes_then_confirm_refuses_it(
        api, studio, new_member, demo):
    from tests.e2e.test_agent_proposals import booked

    trainer = next(t for t in demo["trainers"] if t["id"] == 5)
    member = new_member(studio["key"], coachId=5)
    agent = agent_for(api, studio["key"], member)
    _, booking = booked(agent, {**studio, "service": trainer["services"][0]["id"]})
    proposal = agent.post("/agent/proposals", {"action": "cancel", "bookingId": booking["id"]}).data
    assert switch(studio["admin"], studio["clientId"], prepare_cancellation=False).status == 200
    reply = agent.post(f"/agent/proposals/{proposal['proposalId']}/confirm", {})
    assert reply.status == 403 and reply.json["details"] == {"tool": "prepare_cancellation"}, reply.json
    assert agent.get("/agent/bookings").data["items"][0]["status"] == "confirmed"


def test_given_switches_of_different_tools_at_once_then_every_one_stays_and_a_repeat_changes_nothing(
        api, studio):
    tools = ["get_progress", "list_my_bookings", "find_trainer_slots", "prepare_booking", "prepare_class_join",
             "log_meal", "log_workout", "get_active_plans"]
    barrier = threading.Barrier(len(tools))

    def off(tool: str) -> Any:
        caller = studio["admin"].fresh().with_auth(studio["admin"].api_key, studio["admin"].token)
        barrier.wait()
        return switch(caller, studio["clientId"], **{tool: False})

    with ThreadPoolExecutor(len(tools)) as pool:
        replies = list(pool.map(off, tools))
    assert all(r.status == 200 for r in replies), [r.json for r in replies]
    now = {i["name"]: i["enabled"] for i in switch(studio["admin"], studio["clientId"], get_progress=False).data[
        "items"]}
    assert [t for t in tools if now[t]] == []  # no switch lost to another
    # When the same switch is sent eight times at once, exactly one changes it, and it is audited once
    same = threading.Barrier(8)

    def on(_: int) -> Any:
        caller = studio["admin"].fresh().with_auth(studio["admin"].api_key, studio["admin"].token)
        same.wait()
        return switch(caller, studio["clientId"], log_meal=True)

    with ThreadPoolExecutor(8) as pool:
        again = list(pool.map(on, range(8)))
    assert [r.data["changed"] for r in again].count(["log_meal"]) == 1
    assert all(r.data["changed"] in ([], ["log_meal"]) for r in again)
    audited = [e for e in _audit(studio) if e["action"] == "agent_tools.switch" and e["details"]["tools"] ==
               {"log_meal": True}]
    assert len(audited) == 1


def _audit(studio: dict[str, Any]) -> list[dict[str, Any]]:
    from shared.domain import admin

    return admin.audit_log(client_id=studio["clientId"], limit=200)


def test_given_the_wrong_caller_or_a_bad_tool_name_then_nothing_is_switched(local_api, api, demo, studio,
                                                                            new_member):
    # Given FitCo's admin (another client), a member, and a name that is no tool
    fitco_key = demo["apiKeys"]["partner"]
    from shared.auth import tokens
    from shared.domain import accounts

    fitco_admin = accounts.create_member(demo["clients"]["partner"]["id"], f"fa-{uuid.uuid4().hex[:8]}@fitco.example",
                                         "fitco-admin-secret", name="FitCo Admin", role="client_admin")
    other = _api(local_api).with_auth(fitco_key, tokens.issue(fitco_admin["id"], demo["clients"]["partner"]["id"],
                                                              "client_admin")[0])
    member = new_member(studio["key"])
    as_member = _api(local_api).with_auth(studio["key"], member["accessToken"])
    assert switch(other, studio["clientId"], confirm=False).status == 404
    assert other.get(f"/admin/clients/{studio['clientId']}/agent-tools").status == 404
    assert switch(as_member, studio["clientId"], confirm=False).status == 403
    bad = switch(studio["admin"], studio["clientId"], book_everything=False)
    assert bad.status == 400 and bad.json["details"][0]["field"] == "tools.book_everything", bad.json
    empty = studio["admin"].patch(f"/admin/clients/{studio['clientId']}/agent-tools", {"tools": {}})
    assert empty.status == 400 and empty.json["details"][0]["field"] == "tools"
    # Then every tool is still on
    listed = studio["admin"].get(f"/admin/clients/{studio['clientId']}/agent-tools")
    assert listed.status == 200 and all(i["enabled"] for i in listed.data["items"])
    assert [i["name"] for i in listed.data["items"]] == list(agent_switches.TOOL_NAMES)


def test_given_the_admin_cli_then_it_lists_and_switches_the_same_tools(local_api, api, studio, new_member):
    switched = cli(local_api, "switch-agent-tools", studio["clientId"], "--off", "get_context,log_meal",
                   "--on", "confirm")
    assert switched["changed"] == ["get_context", "log_meal"] and switched["tools"]["confirm"] is True
    listed = cli(local_api, "agent-tools", studio["clientId"])
    assert [n for n, on in listed["tools"].items() if not on] == ["get_context", "log_meal"]
    clients.forget_cached_clients()  # the CLI wrote from its own process; this API's cache learns at once
    agent = agent_for(api, studio["key"], new_member(studio["key"]))
    assert agent.get("/agent/context").code == "TOOL_DISABLED"
    assert "get_context" not in offered(agent)
