"""The optional language-model engine for nutrition plans, against a fake Bedrock: a local HTTP server that speaks
bedrock-runtime's InvokeModel wire format (POST /model/{modelId}/invoke, the Anthropic Messages body in, the
model's message out), which botocore is pointed at with BEDROCK_ENDPOINT. No network, nothing of ours mocked: the
request goes through the gateway, the plans function, botocore's signing and parsing.

The model's answer is held to the rules: valid output is used within the limits, out-of-limit calories are
clamped, garbage or a late answer falls back to the rules engine with a warning, and a recipe the member's diet
excludes never appears."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import unquote

import pytest

from tests.support.http import gateway_call

MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"


class FakeBedrock(ThreadingHTTPServer):
    """Answers InvokeModel with `self.text` as the model's message text (or `self.raw` as the whole body), after
    `self.delay` seconds; keeps each request it got."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.text, self.raw, self.delay, self.status = "", None, 0.0, 200
        self.requests: list[dict[str, Any]] = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeBedrock

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append({"path": unquote(self.path), "headers": dict(self.headers),
                                     "body": json.loads(body)})
        time.sleep(self.server.delay)
        if self.server.raw is not None:
            answer = self.server.raw
        else:
            answer = json.dumps({"id": "msg_fake", "type": "message", "role": "assistant", "model": MODEL_ID,
                                 "content": [{"type": "text", "text": self.server.text}], "stop_reason": "end_turn",
                                 "usage": {"input_tokens": 900, "output_tokens": 300}}).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        try:
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def bedrock(monkeypatch) -> Iterator[FakeBedrock]:
    from shared.domain.planning import model_engine
    from shared.settings import reset_caches

    server = FakeBedrock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PLAN_MODEL_ID", MODEL_ID)
    monkeypatch.setenv("BEDROCK_ENDPOINT", server.endpoint)
    monkeypatch.setenv("PLAN_MODEL_TIMEOUT_SECONDS", "2")
    reset_caches()
    model_engine.bedrock.cache_clear()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        monkeypatch.undo()
        reset_caches()
        model_engine.bedrock.cache_clear()


@pytest.fixture(scope="module")
def studio(local_api) -> dict[str, Any]:
    """A client that chose the model engine (nutrition on), and one that did not."""
    import secrets

    from shared.domain import provisioning as p

    made = {}
    for label, engine in (("model", "model"), ("rules", "rules")):
        client = p.create_client(f"Model Engine {label}", client_id=f"model-engine-{label}-{secrets.token_hex(3)}",
                                 features={"nutrition": True})
        p.set_plan_engine(client["id"], engine)
        made[label] = p.issue_api_key(client["id"], label="tests")[0]
    return made


PROFILE = {"age": 34, "gender": "female", "weight": 64, "height": 168,
           "goals": ["general_fitness"], "activityLevel": "moderate"}


def _generate(gateway: Any, key: str, restrictions: list[str] | None = None, days: int = 3) -> dict[str, Any]:
    body = {"userProfile": {**PROFILE, "dietaryRestrictions": restrictions or []},
            "preferences": {"mealTypes": ["breakfast", "lunch", "dinner"], "durationDays": days}}
    status, answer = gateway_call(gateway, "POST", "/ai/generate-nutrition-plan", key, body=body)
    assert status == 200, answer
    return dict(answer["data"])


def _rules_plan(gateway: Any, studio: dict[str, Any], restrictions: list[str] | None = None) -> dict[str, Any]:
    return _generate(gateway, studio["rules"], restrictions)


def _answer(calories: int, picks: dict[tuple[int, str], str], rationale: str = "Varied, protein at each meal") -> str:
    days: dict[int, list[dict[str, str]]] = {}
    for (day, meal_type), recipe in picks.items():
        days.setdefault(day, []).append({"mealType": meal_type, "recipeId": recipe})
    return "Here is the plan:\n```json\n" + json.dumps(
        {"calories": calories, "days": [{"day": d, "meals": m} for d, m in sorted(days.items())],
         "rationale": [rationale]}) + "\n```"


def _alternative_picks(plan: dict[str, Any]) -> dict[tuple[int, str], str]:
    """For each day and meal, a recipe the rules allowed there but did not choose (one of its alternatives)."""
    return {(day["day"], meal["mealType"]): (meal["alternatives"] or [{"recipeId": meal["recipeId"]}])[0]["recipeId"]
            for day in plan["days"] for meal in day["meals"]}


def test_given_a_valid_model_answer_then_the_plan_is_the_models_within_the_limits(gateway, studio, bedrock):
    # Given: the rules' plan for the same member, and a model that picks other allowed recipes at 1,900 kcal
    rules = _rules_plan(gateway, studio)
    computed = rules["nutritionPlan"]["targets"]["calories"]
    picks = _alternative_picks(rules["nutritionPlan"])
    bedrock.text = _answer(computed + 100, picks)
    # When: the client that chose the model engine generates
    made = _generate(gateway, studio["model"])
    # Then: the model engine's plan, its calories and recipes, and the rules' rationale before the model's
    plan, meta = made["nutritionPlan"], made["meta"]
    assert meta["engine"] == "model" and meta["model"] == MODEL_ID and "model_fallback" not in meta["warnings"]
    assert plan["targets"]["calories"] == computed + 100 and plan["targets"]["targetSource"] == "model"
    assert {(d["day"], m["mealType"]): m["recipeId"] for d in plan["days"] for m in d["meals"]} == picks
    assert meta["rationale"][-1] == "Varied, protein at each meal" and meta["disclaimer"]
    # And: the request was InvokeModel on the named model with an Anthropic Messages body
    request = bedrock.requests[-1]
    assert request["path"] == f"/model/{MODEL_ID}/invoke"
    assert request["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert request["body"]["anthropic_version"] == "bedrock-2023-05-31" and request["body"]["messages"]


def test_given_out_of_limit_calories_then_they_are_clamped_with_warnings(gateway, studio, bedrock):
    rules = _rules_plan(gateway, studio)
    computed = rules["nutritionPlan"]["targets"]["calories"]
    for proposed, expected in ((600, max(1200, round(computed * 0.85))), (9000, round(computed * 1.15))):
        bedrock.text = _answer(proposed, _alternative_picks(rules["nutritionPlan"]))
        made = _generate(gateway, studio["model"])
        assert made["meta"]["engine"] == "model"
        assert abs(made["nutritionPlan"]["targets"]["calories"] - expected) <= 1, (proposed, made["nutritionPlan"])
        assert "model_calories_clamped" in made["meta"]["warnings"]


@pytest.mark.parametrize("case", ["prose", "wrong shape", "not json at all", "error", "late"])
def test_given_an_unusable_model_answer_then_the_rules_plan_with_a_warning(gateway, studio, bedrock, case):
    rules = _rules_plan(gateway, studio)
    bedrock.text = {"prose": "I would suggest oatmeal for breakfast.",
                    "wrong shape": json.dumps({"calories": "lots", "days": "every"}),
                    "not json at all": "", "error": "", "late": _answer(1900, {})}[case]
    if case == "not json at all":
        bedrock.raw = b"<html>502 Bad Gateway</html>"
    if case == "error":
        bedrock.status, bedrock.raw = 400, json.dumps({"message": "Malformed input request"}).encode()
    if case == "late":
        bedrock.delay = 3.0  # the engine waits 2 s here
    made = _generate(gateway, studio["model"])
    assert made["meta"]["engine"] == "rules" and "model_fallback" in made["meta"]["warnings"]
    assert made["nutritionPlan"]["days"] == rules["nutritionPlan"]["days"]
    assert made["nutritionPlan"]["targets"] == rules["nutritionPlan"]["targets"]


def test_given_the_model_picks_excluded_foods_then_they_never_appear(gateway, studio, bedrock):
    from shared.domain.planning import library, limits

    # Given: a vegan member, and a model that answers with recipes the rules refuse for that diet
    lib = library.load()
    forbidden = limits.forbidden_flags(["vegan"])
    refused = [r["id"] for r in lib.recipes.values() if not limits.recipe_allowed(r, lib.ingredients, forbidden)]
    assert refused
    rules = _rules_plan(gateway, studio, ["vegan"])
    picks = {slot: refused[n % len(refused)] for n, slot in enumerate(_alternative_picks(rules["nutritionPlan"]))}
    picks[(1, "breakfast")] = "no-such-recipe"
    bedrock.text = _answer(rules["nutritionPlan"]["targets"]["calories"], picks)
    # When: the model-engine client generates for that member
    made = _generate(gateway, studio["model"], ["vegan"])
    # Then: no meal, alternative or ingredient breaks the diet; the rules' choices stand, with a warning
    plan = made["nutritionPlan"]
    used = {m["recipeId"] for d in plan["days"] for m in d["meals"]} | \
        {a["recipeId"] for d in plan["days"] for m in d["meals"] for a in m["alternatives"]}
    assert not used & set(refused)
    assert all(limits.recipe_allowed(lib.recipes[r], lib.ingredients, forbidden) for r in used)
    assert "model_recipe_replaced" in made["meta"]["warnings"] and made["meta"]["engine"] == "model"
    assert plan["days"] == [{**d} for d in rules["nutritionPlan"]["days"]]


def test_given_a_client_on_the_rules_engine_then_the_model_is_never_asked(gateway, studio, bedrock):
    made = _rules_plan(gateway, studio)
    assert made["meta"]["engine"] == "rules" and made["meta"]["model"] is None and bedrock.requests == []
