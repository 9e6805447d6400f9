"""The voice agent's tool manifest, served in three dialects from the routes' own models: each tool's parameters
are exactly the parameters its route documents (so they cannot drift), its hints say whether it writes, and the
studio's switch removes a write tool from what its agent is offered."""
from __future__ import annotations

import json
from typing import Any

import pytest

from shared.domain import agent_switches
from tests.e2e.test_agent_tools import agent_for


@pytest.fixture
def agent(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    return agent_for(api, key, new_member(key))


def _documented_parameters(document: dict[str, Any], method: str, path: str,
                           fixed: dict[str, str] | None) -> set[str]:
    """The route's documented query, path and body parameters (of the body variant the fixed fields pick: a
    proposal's `action`, a log's `type`), less the fixed ones."""
    operation = document["paths"][path.replace("{proposalId}", "{id}")][method.lower()]
    names = {p["name"] for p in operation.get("parameters", []) if p["in"] in ("query", "path")}
    names = {"proposalId" if n == "id" else n for n in names}
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        options = [schema] if "$ref" in schema else schema.get("oneOf") or schema.get("anyOf") or []
        for option in options:
            properties = document["components"]["schemas"][option["$ref"].rsplit("/", 1)[-1]]["properties"]
            if all(properties[k].get("const", (properties[k].get("enum") or [None])[0]) == v
                   for k, v in (fixed or {}).items()):
                names |= set(properties)
    return names - set(fixed or {})


def test_given_the_three_formats_then_the_same_tools_with_their_hints_and_the_routes_own_parameters(
        api, demo, agent):
    document = api.get("/openapi.json").json
    served = {fmt: agent.get(f"/agent/tools?format={fmt}") for fmt in ("openai", "hume", "mcp")}
    assert all(r.status == 200 for r in served.values())
    openai, hume, mcp = (served[f].data for f in ("openai", "hume", "mcp"))
    assert openai["version"] == hume["version"] == mcp["version"] and openai["version"].startswith("1.")
    names = [t["function"]["name"] for t in openai["tools"]]
    assert names == [t["name"] for t in hume["tools"]] == [t["name"] for t in mcp["tools"]]
    assert {"get_daily_plan", "recommend_classes", "find_trainer_slots", "prepare_booking", "prepare_cancellation",
            "confirm"} <= set(names)
    for tool in openai["tools"]:
        name, params = tool["function"]["name"], tool["function"]["parameters"]
        route = openai["routes"][name]
        # Then each tool's parameters are its route's (query, path or body), from the same models
        assert set(params["properties"]) == _documented_parameters(document, route["method"], route["path"],
                                                                    route["body"]), name
    hints = {t["name"]: t["annotations"] for t in mcp["tools"]}
    assert hints["get_daily_plan"]["readOnlyHint"] is True and hints["confirm"]["destructiveHint"] is True
    assert hints["prepare_booking"]["readOnlyHint"] is False and hints["confirm"]["idempotentHint"] is True
    assert all(t["fallback_content"] and json.loads(t["parameters"])["type"] == "object" for t in hume["tools"])
    booking = next(t for t in hume["tools"] if t["name"] == "prepare_booking")
    assert "Books nothing" in booking["description"] and "payment" in booking["description"]
    assert openai["routes"]["prepare_booking"]["body"] == {"action": "book"}
    # and the studio's key reads the same manifest (for its voice configuration)
    assert api.get("/agent/tools?format=hume", api_key=demo["apiKeys"]["studio"]).data == hume


def test_given_a_switched_off_write_tool_then_the_manifest_leaves_it_out_and_changes_version(api, demo, agent):
    client_id = demo["clients"]["studio"]["id"]
    before = agent.get("/agent/tools?format=mcp").data
    agent_switches.set_switches(client_id, {"prepare_cancellation": False})
    try:
        after = agent.get("/agent/tools?format=mcp").data
    finally:
        agent_switches.set_switches(client_id, {"prepare_cancellation": True})
    assert "prepare_cancellation" in [t["name"] for t in before["tools"]]
    assert "prepare_cancellation" not in [t["name"] for t in after["tools"]]
    assert after["version"] != before["version"]


def test_given_an_unknown_format_then_400_naming_it(agent):
    reply = agent.get("/agent/tools?format=yaml")
    assert reply.status == 400 and reply.json["details"][0]["field"] == "format"


def test_given_the_served_tools_then_each_is_one_the_studio_can_switch(api, demo, agent):
    served = [t["name"] for t in agent.get("/agent/tools?format=mcp").data["tools"]]
    assert served == list(agent_switches.TOOL_NAMES)
