"""Nutrition plans: energy from Mifflin-St Jeor and an activity factor, a goal adjustment, calorie floors
(a target under the floor is raised to it, with a warning), protein and fat by goal, carbohydrate the rest;
meals from the recipe library with dietary restrictions as hard filters."""
from __future__ import annotations

from typing import Any

from shared.domain.planning import inputs as normalise
from shared.domain.planning import library, limits, meta

SERVING_STEPS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)


def bmr(weight: float, height: float, age: int, gender: str) -> float:
    """Mifflin-St Jeor: 10 kg + 6.25 cm - 5 age + 5 (male) or - 161 (female); the mean (-78) otherwise."""
    constant = {"male": 5, "female": -161}.get(gender, -78)
    return 10 * weight + 6.25 * height - 5 * age + constant


def activity_factor(inputs: dict[str, Any], rationale: list[str]) -> float:
    level = inputs.get("activityLevel")
    if level:
        factor = limits.ACTIVITY_FACTORS[level]
        rationale.append(f"Activity factor {factor} ({level.replace('_', ' ')})")
        return factor
    sessions = inputs.get("workoutsPerWeek")
    if sessions is None:
        rationale.append("Activity factor 1.375 (lightly active) assumed: give activityLevel or workoutsPerWeek "
                         "to refine it")
        return 1.375
    factor = 1.2 if sessions < 1 else 1.375 if sessions <= 3 else 1.55 if sessions <= 5 else 1.725
    rationale.append(f"Activity factor {factor} from {sessions} workout(s) a week (1.9 only for very active)")
    return factor


def targets(inputs: dict[str, Any], rationale: list[str], warnings: list[str]) -> dict[str, Any]:
    gender, goals = inputs["gender"], set(inputs["goals"])
    base = bmr(inputs["weight"], inputs["height"], inputs["age"], gender)
    if gender not in ("male", "female"):
        warnings.append("bmr_sex_neutral_constant")
    rationale.append(f"BMR {round(base)} kcal (Mifflin-St Jeor)")
    factor = activity_factor(inputs, rationale)
    tdee = base * factor
    adjustment = 0
    if "weight_loss" in goals:
        adjustment = -limits.WEIGHT_LOSS_DEFICIT
        if inputs["age"] < 18:
            adjustment = 0
            warnings.append("no_deficit_under_18")
            rationale.append("No calorie deficit under 18: growth needs the energy; focus on activity")
        else:
            rationale.append(f"Weight loss: {adjustment} kcal a day, about 0.5 kg a week")
    elif goals & {"muscle_gain"}:
        adjustment = limits.MUSCLE_GAIN_SURPLUS
        rationale.append(f"Muscle gain: +{adjustment} kcal a day, a lean surplus")
    computed = tdee + adjustment
    user_target = inputs.get("targetCalories")
    source = "user" if user_target is not None else "computed"
    wanted = float(user_target) if user_target is not None else computed
    calories, floor_applied = limits.clamp_calories(wanted, gender)
    floor = limits.calorie_floor(gender)
    if floor_applied:
        warnings.append("calorie_floor_applied")
        rationale.append(f"{round(wanted)} kcal is under the {floor} kcal floor for unsupervised diets "
                         f"(NHLBI); the plan uses {floor} kcal")
    family = next((g for g in ("strength", "muscle_gain") if g in goals), None)
    per_kg = limits.PROTEIN_G_PER_KG.get(family or "", limits.PROTEIN_G_PER_KG_DEFAULT)
    fat_share = limits.FAT_SHARE.get(family or "", limits.FAT_SHARE_DEFAULT)
    protein = round(per_kg * inputs["weight"])
    fat = round(calories * fat_share / 9)
    carbs = max(0, round((calories - protein * 4 - fat * 9) / 4))
    rationale.append(f"Protein {per_kg} g/kg ({protein} g; ISSN 1.4-2.0 g/kg for training), fat "
                     f"{round(fat_share * 100)}% of energy (AMDR 20-35%), carbohydrate the rest")
    carb_share = carbs * 4 / calories
    low, high = limits.CARB_SHARE_RANGE
    if not low <= carb_share <= high:
        warnings.append("carbohydrate_outside_amdr")
        rationale.append(f"Carbohydrate is {round(carb_share * 100)}% of energy, outside the AMDR 45-65%")
    water = int(round(inputs["weight"] * limits.WATER_ML_PER_KG / 50) * 50)
    return {"calories": calories, "proteinG": protein, "carbsG": carbs, "fatG": fat, "waterMl": water,
            "targetSource": source,
            "method": {"bmr": round(base), "activityFactor": factor, "tdee": round(tdee),
                       "goalAdjustment": adjustment, "floorApplied": floor_applied, "floor": floor}}


def allowed_recipes(restrictions: list[str]) -> list[dict[str, Any]]:
    lib = library.load()
    forbidden = limits.forbidden_flags(restrictions)
    return [r for r in lib.recipes.values() if limits.recipe_allowed(r, lib.ingredients, forbidden)]


def _servings(wanted_kcal: float, recipe_kcal: float) -> float:
    return min(SERVING_STEPS, key=lambda step: (abs(step * recipe_kcal - wanted_kcal), step))


def _meal(recipe: dict[str, Any], meal_type: str, servings: float, alternatives: list[dict[str, Any]]) -> dict[str, Any]:
    lib = library.load()
    nutrition = recipe["nutrition"]
    lines = []
    for line in recipe["ingredients"]:
        quantity = line["quantity"] * servings
        step = 0.25 if line["unit"] == "pcs" else 5 if line["unit"] in ("g", "ml") else 0.5
        lines.append({"ingredientId": line["ingredientId"], "name": lib.ingredients[line["ingredientId"]]["name"],
                      "quantity": max(step, round(quantity / step) * step), "unit": line["unit"]})
    return {
        "mealType": meal_type, "name": recipe["name"], "recipeId": recipe["id"], "servings": servings,
        "calories": round(nutrition["calories"] * servings), "proteinG": round(nutrition["proteinG"] * servings),
        "carbsG": round(nutrition["carbsG"] * servings), "fatG": round(nutrition["fatG"] * servings),
        "ingredients": lines, "method": recipe["method"],
        "alternatives": [{"recipeId": a["id"], "name": a["name"]} for a in alternatives],
    }


def rank_for(meal_type: str, recipes: list[dict[str, Any]], protein_share: float, seed: str) -> list[dict[str, Any]]:
    """Recipes for a meal type, closest to the plan's protein share of energy first, then a seeded tie-break."""
    found = [r for r in recipes if meal_type in r["mealTypes"]]

    def share(recipe: dict[str, Any]) -> float:
        n = recipe["nutrition"]
        return float(n["proteinG"]) * 4 / max(1.0, float(n["calories"]))
    return sorted(found, key=lambda r: (round(abs(share(r) - protein_share), 2), meta.tiebreak(seed, r["id"])))


def generate(profile: dict[str, Any], preferences: dict[str, Any], *, calories: float | None = None,
             picks: dict[str, str] | None = None) -> dict[str, Any]:
    """POST /ai/generate-nutrition-plan: `{nutritionPlan, meta}`. `calories` and `picks` (recipe id per
    "day:mealType") are another engine's proposals (planning/model_engine.py): the calories pass the same floor
    and macro rules as a member's own target, and a pick is used only when it is one of the recipes the rules
    allow for that meal (restrictions are hard filters), else the rules' choice stands with a warning."""
    inputs = normalise.nutrition(profile, preferences)
    digest = meta.inputs_hash("nutrition", inputs)
    rationale: list[str] = []
    warnings: list[str] = []
    if calories is not None:
        inputs = {**inputs, "targetCalories": calories}
    goal_targets = targets(inputs, rationale, warnings)
    restrictions = inputs["dietaryRestrictions"]
    recipes = allowed_recipes(restrictions)
    if restrictions:
        rationale.append(f"Only recipes with no ingredient excluded by {', '.join(restrictions)} "
                         f"({len(recipes)} of {len(library.load().recipes)} recipes)")
    if "halal" in restrictions:
        rationale.append("Halal: no pork or alcohol; buy halal-certified meat and poultry")
    shares = {m: limits.MEAL_SHARE[m] for m in inputs["mealTypes"]}
    total_share = sum(shares.values())
    protein_share = goal_targets["proteinG"] * 4 / goal_targets["calories"]
    ranked = {m: rank_for(m, recipes, protein_share, digest) for m in inputs["mealTypes"]}
    for meal_type, options in ranked.items():
        if not options:
            warnings.append(f"no_recipe_for:{meal_type}")
    days = []
    for day in range(1, inputs["durationDays"] + 1):
        meals = []
        used: set[str] = set()
        for meal_type in inputs["mealTypes"]:
            options = [r for r in ranked[meal_type] if r["id"] not in used] or ranked[meal_type]
            if not options:
                continue
            pool = options[:max(1, min(len(options), 7))]
            recipe = pool[(day - 1) % len(pool)]
            picked = (picks or {}).get(f"{day}:{meal_type}")
            if picked is not None:
                chosen = next((r for r in ranked[meal_type] if r["id"] == picked), None)
                if chosen is None:
                    warnings.append("model_recipe_replaced")
                else:
                    recipe = chosen
            used.add(recipe["id"])
            wanted = goal_targets["calories"] * shares[meal_type] / total_share
            servings = _servings(wanted, recipe["nutrition"]["calories"])
            alternatives = [r for r in options if r["id"] != recipe["id"]][:2]
            meals.append(_meal(recipe, meal_type, servings, alternatives))
        totals = {key: sum(m[key] for m in meals) for key in ("calories", "proteinG", "carbsG", "fatG")}
        days.append({"day": day, "meals": meals, "totals": totals})
    rationale.append("Portions are scaled in quarter servings to each meal's share of the day's calories")
    plan = {
        "id": meta.new_plan_id("nutrition"),
        "title": f"{inputs['durationDays']}-day nutrition plan",
        "durationDays": inputs["durationDays"], "duration": f"{inputs['durationDays']} days",
        "mealTypes": inputs["mealTypes"], "dietaryRestrictions": restrictions,
        "targets": goal_targets, "days": days,
    }
    return {"nutritionPlan": plan, "meta": meta.build(digest, rationale, warnings), "inputs": inputs}
