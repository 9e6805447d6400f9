"""The optional language-model engine for nutrition plans (Amazon Bedrock), off unless the deployment names a model
(PLAN_MODEL_ID, template parameter PlanModelId) and the client chose it (client item `planEngine: "model"`).

The model never has the last word. It is asked, through bedrock-runtime InvokeModel (the Anthropic Messages
body), for a day's calorie target and a recipe for each meal, chosen from the recipes the rules allow; its answer
- must be JSON of the expected shape (`ModelAnswer`), else the whole plan is the rules engine's, with the warning
  `model_fallback` (so are a timeout, an error of the service and an answer too large);
- has its calories moved at most CALORIE_BAND from the rules engine's own figure, then through the same floor and
  macro rules as a member's own target (nutrition.targets): `model_calories_clamped`, `calorie_floor_applied`;
- has each recipe used only when it is one the rules allow for that meal (dietary restrictions are hard filters:
  an excluded food never appears), else the rules' choice stands: `model_recipe_replaced`.
Its rationale lines are kept as text (at most five, 200 characters each), after the rules' own.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.domain.planning import nutrition
from shared.settings import get_settings

ENGINE = "model"
CALORIE_BAND = 0.15  # the model may move the rules' calorie figure by at most 15% either way
MAX_ANSWER_BYTES = 200_000
MAX_TOKENS = 4000


class ModelMeal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mealType: Literal["breakfast", "lunch", "dinner", "snack"]
    recipeId: Annotated[str, Field(min_length=1, max_length=64)]


class ModelDay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: int = Field(ge=1, le=366)
    meals: list[ModelMeal] = Field(max_length=8)


class ModelAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    calories: int = Field(ge=0, le=20_000)
    days: list[ModelDay] = Field(max_length=366)
    rationale: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=20)


class ModelUnavailable(Exception):
    """Any reason the model's answer cannot be used: the caller falls back to the rules engine."""


def enabled_for(client: dict[str, Any] | None) -> bool:
    return bool(get_settings().plan_model_id) and bool(client) and (client or {}).get("planEngine") == ENGINE


def nutrition_plan(profile: dict[str, Any], preferences: dict[str, Any]) -> dict[str, Any]:
    """`{nutritionPlan, meta, inputs}` as nutrition.generate answers, from the model's proposal within the limits,
    or the rules engine's plan with the warning `model_fallback`."""
    rules = nutrition.generate(profile, preferences)
    try:
        answer = _ask(_prompt(rules))
    except ModelUnavailable:
        rules["meta"]["warnings"] = [*rules["meta"]["warnings"], "model_fallback"]
        rules["meta"]["rationale"] = [*rules["meta"]["rationale"], "The language model's answer could not be used "
                                                                   "(unreadable, invalid or late): rules engine plan"]
        return rules
    computed = float(rules["nutritionPlan"]["targets"]["method"]["tdee"]
                     + rules["nutritionPlan"]["targets"]["method"]["goalAdjustment"])
    low, high = computed * (1 - CALORIE_BAND), computed * (1 + CALORIE_BAND)
    calories = min(max(float(answer.calories), low), high)
    picks = {f"{d.day}:{m.mealType}": m.recipeId for d in answer.days for m in d.meals}
    result = nutrition.generate(profile, preferences, calories=calories, picks=picks)
    plan, meta = result["nutritionPlan"], result["meta"]
    plan["targets"]["targetSource"] = ENGINE
    warnings = list(meta["warnings"])
    if calories != answer.calories:
        warnings.append("model_calories_clamped")
        meta["rationale"].append(f"The model proposed {answer.calories} kcal; plans stay within "
                                 f"{round(CALORIE_BAND * 100)}% of the computed {round(computed)} kcal")
    meta["rationale"] += [line.strip()[:200] for line in answer.rationale[:5] if line.strip()]
    meta.update({"engine": ENGINE, "model": get_settings().plan_model_id,
                 "warnings": sorted(set(warnings), key=warnings.index)})
    return result


def _prompt(rules: dict[str, Any]) -> str:
    plan = rules["nutritionPlan"]
    options = {meal_type: sorted({alt["recipeId"] for day in plan["days"] for meal in day["meals"]
                                  if meal["mealType"] == meal_type
                                  for alt in [{"recipeId": meal["recipeId"]}, *meal["alternatives"]]})
               for meal_type in plan["mealTypes"]}
    facts = {"durationDays": plan["durationDays"], "mealTypes": plan["mealTypes"],
             "dietaryRestrictions": plan["dietaryRestrictions"], "computedCalories": plan["targets"]["calories"],
             "recipesByMealType": options}
    return ("You plan meals for a fitness app. Choose a daily calorie target near computedCalories and one recipe "
            "id per day and meal type, only from recipesByMealType, varying them across days. Answer with JSON "
            'only: {"calories": int, "days": [{"day": int, "meals": [{"mealType": str, "recipeId": str}]}], '
            '"rationale": [str]}.\n' + json.dumps(facts, sort_keys=True))


def _ask(prompt: str) -> ModelAnswer:
    """One InvokeModel call (Anthropic Messages on Bedrock) and its answer, checked; ModelUnavailable otherwise."""
    from botocore.exceptions import BotoCoreError, ClientError

    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": MAX_TOKENS, "temperature": 0,
            "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}]}
    try:
        response = bedrock().invoke_model(modelId=get_settings().plan_model_id, contentType="application/json",
                                          accept="application/json", body=json.dumps(body).encode("utf-8"))
        raw = response["body"].read(MAX_ANSWER_BYTES + 1)
    except (BotoCoreError, ClientError) as error:
        raise ModelUnavailable(type(error).__name__) from error
    if len(raw) > MAX_ANSWER_BYTES:
        raise ModelUnavailable("answer too large")
    try:
        message = json.loads(raw)
        text = "".join(part.get("text", "") for part in message.get("content", []) if part.get("type") == "text")
        return ModelAnswer.model_validate_json(_json_part(text))
    except (ValueError, AttributeError, TypeError, ValidationError) as error:
        raise ModelUnavailable("unreadable answer") from error


def _json_part(text: str) -> str:
    """The JSON object in a model's text (models sometimes wrap it in a sentence or a code fence)."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object")
    return text[start:end + 1]


@lru_cache(maxsize=1)
def bedrock() -> Any:
    import botocore.session  # only where the model engine is on
    from botocore.config import Config

    settings = get_settings()
    return botocore.session.get_session().create_client(
        "bedrock-runtime", region_name=settings.region, endpoint_url=settings.bedrock_endpoint,
        config=Config(read_timeout=settings.plan_model_timeout_seconds, connect_timeout=2,
                      retries={"mode": "standard", "max_attempts": 1}))

