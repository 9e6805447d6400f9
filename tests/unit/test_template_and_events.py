"""template.yaml is the single source of truth: the functions serve exactly its routes, and events/ holds a
current proxy event for each of them (for `sam local invoke -e`)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.loader import load_function
from local.make_events import EVENTS_DIR, event_file_name, event_for
from local.template import api_definition, documented_routes

ROOT = Path(__file__).resolve().parents[2]


def _app_routes(code_dir: Path) -> set[tuple[str, str]]:
    module = load_function(code_dir, f"routes_of_{code_dir.name}")
    found = set()
    for route in module.app.routes:
        for method in getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}:
            found.add((method, route.path))
    return found


def test_given_the_template_then_each_function_serves_exactly_its_routes():
    definition = api_definition()
    for logical_id, code_dir in definition.functions.items():
        if logical_id.endswith("AuthorizerFunction"):
            continue
        declared = {(r.method, r.path) for r in documented_routes() if r.function == logical_id}
        if not declared:  # a queue consumer (ExportsFunction): no HTTP app at all
            assert not hasattr(load_function(code_dir, f"routes_of_{code_dir.name}"), "app"), logical_id
            continue
        assert _app_routes(code_dir) == declared, logical_id


def test_given_the_template_then_every_route_has_a_current_event_file():
    routes = documented_routes()
    names = {event_file_name(route) for route in routes}
    on_disk = {path.name for path in EVENTS_DIR.glob("*.json")}
    assert on_disk == names, "run `make events`"
    for route in routes:
        stored = json.loads((EVENTS_DIR / event_file_name(route)).read_text(encoding="utf-8"))
        fresh = event_for(route)
        stored["requestContext"].pop("requestTimeEpoch")
        fresh["requestContext"].pop("requestTimeEpoch")
        assert stored == fresh, f"{event_file_name(route)} is stale: run `make events`"
        assert route.match(stored["path"]) is not None and stored["resource"] == route.path


@pytest.mark.parametrize("name", ["HealthFunction.GET.health.json", "AppFunction.GET.app-join-code.json"])
def test_given_a_public_event_file_when_invoked_like_sam_local_then_the_handler_answers(local_api, name):
    event = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    route = next(r for r in documented_routes() if event_file_name(r) == name)
    module = load_function(route.code_dir, f"invoke_{route.function}")
    answer = module.handler(event, None)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["success"] is True


def test_given_env_json_then_it_only_sets_variables_the_template_declares():
    from local.template import load_template

    template = load_template()
    declared = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            declared |= set(((resource["Properties"].get("Environment") or {}).get("Variables")) or {})
    values = json.loads((ROOT / "env.json").read_text(encoding="utf-8"))["Parameters"]
    assert set(values) <= declared
