"""The planning rules engine (shared/domain/planning): its data, determinism and safety limits, as pure functions."""
from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from shared.domain.planning import class_plan, library, limits, nutrition, workout
from shared.errors import AppError

PROFILE = {"age": 35, "gender": "female", "weight": 70, "height": 170, "fitnessLevel": "intermediate",
           "goals": ["strength", "weight_loss"], "workoutDays": ["mon", "wed", "fri", "sat"], "sessionDuration": 45,
           "equipment": ["dumbbells", "bench"], "injuries": ["lower_back"]}
PREFERENCES = {"daysPerWeek": 3, "intensity": "medium", "duration": "6 weeks"}
CATALOG = [{"id": i, "name": name, "duration": duration, "intensity": intensity, "category": category,
            "isLive": False} for i, (name, duration, intensity, category) in enumerate([
                ("Morning Flow", 30, "low", "Yoga"), ("Power Lift", 45, "high", "Strength"),
                ("Dumbbell Basics", 30, "medium", "Strength"), ("Hiit Blast", 20, "high", "HIIT"),
                ("Core Burn", 15, "medium", "Pilates"), ("Spin Sprint", 60, "high", "Cardio"),
                ("Sunset Yoga", 45, "low", "Yoga"), ("Glute Lab", 30, "medium", "Strength")], start=1)]


def _without_id(result: dict[str, Any], plan_key: str) -> str:
    trimmed = copy.deepcopy(result)
    trimmed[plan_key].pop("id")
    trimmed["meta"].pop("generatedAt")
    return json.dumps(trimmed, sort_keys=True)


def _random_workout_request(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    days = rng.sample(limits.WEEKDAYS, rng.randint(1, 7))
    profile = {"age": rng.randint(13, 100), "gender": rng.choice(["male", "female", "other"]),
               "fitnessLevel": rng.choice(limits.LEVELS), "goals": rng.sample(limits.GOALS, rng.randint(1, 3)),
               "workoutDays": days, "sessionDuration": rng.choice([10, 20, 30, 45, 60, 90, 180]),
               "equipment": rng.sample(limits.EQUIPMENT[1:], rng.randint(0, 5)),
               "injuries": rng.sample(limits.INJURIES, rng.randint(0, 3))}
    preferences = {"daysPerWeek": rng.randint(1, len(days)), "intensity": rng.choice(limits.INTENSITIES),
                   "durationWeeks": rng.randint(1, 16)}
    return profile, preferences


# --- the data -----------------------------------------------------------------------------------------------------
def test_given_the_libraries_then_they_hold_80_exercises_and_60_recipes_in_the_engines_vocabulary():
    lib = library.load()
    assert len(lib.exercises) >= 80 and len(lib.recipes) >= 60
    known_tags = {tag for tags in limits.INJURY_EXCLUSIONS.values() for tag in tags}
    for exercise in lib.exercises.values():
        assert set(exercise["equipment"]) <= set(limits.EQUIPMENT), exercise["id"]
        assert set(exercise["contraindications"]) <= known_tags, exercise["id"]
        assert exercise["level"] in limits.LEVELS and exercise["measure"] in ("reps", "seconds", "minutes")
    for recipe in lib.recipes.values():
        assert set(recipe["mealTypes"]) <= set(limits.MEAL_TYPES) and recipe["nutrition"]["calories"] > 0
        for line in recipe["ingredients"]:
            base = lib.ingredients[line["ingredientId"]]["unit"]
            assert library.UNIT_FAMILY[line["unit"]] == library.UNIT_FAMILY[base], (recipe["id"], line)


def test_given_each_recipe_then_its_declared_diet_tags_are_exactly_what_its_ingredients_allow():
    lib = library.load()
    for recipe in lib.recipes.values():
        derived = sorted(r for r in limits.DIETARY_RESTRICTIONS
                         if limits.recipe_allowed(recipe, lib.ingredients, limits.forbidden_flags([r])))
        assert recipe["dietTags"] == derived, recipe["id"]


# --- determinism ------------------------------------------------------------------------------------------------
def test_given_the_same_request_twice_then_each_plan_type_is_byte_identical_but_for_id_and_generated_at():
    first, second = workout.generate(PROFILE, PREFERENCES), workout.generate(PROFILE, PREFERENCES)
    assert first["workoutPlan"]["id"] != second["workoutPlan"]["id"]
    assert _without_id(first, "workoutPlan") == _without_id(second, "workoutPlan")
    food = {"age": 30, "gender": "male", "weight": 80, "height": 180, "goals": ["muscle_gain"],
            "dietaryRestrictions": ["nut_free"]}
    assert _without_id(nutrition.generate(food, {}), "nutritionPlan") == \
        _without_id(nutrition.generate(food, {}), "nutritionPlan")
    classes = {"fitnessLevel": "beginner", "goals": ["flexibility"], "availableDays": ["tue", "thu"]}
    assert _without_id(class_plan.generate(classes, {}, CATALOG), "classPlan") == \
        _without_id(class_plan.generate(classes, {}, list(reversed(CATALOG))), "classPlan")


def test_given_the_same_sets_in_another_order_then_the_inputs_hash_is_the_same_and_other_inputs_change_it():
    shuffled = {**PROFILE, "workoutDays": ["sat", "fri", "mon", "wed", "mon"], "goals": ["weight_loss", "strength"]}
    same = workout.generate(shuffled, PREFERENCES)["meta"]["inputsHash"]
    assert same == workout.generate(PROFILE, PREFERENCES)["meta"]["inputsHash"]
    other = workout.generate({**PROFILE, "sessionDuration": 60}, PREFERENCES)["meta"]["inputsHash"]
    assert other != same


# --- workout limits ---------------------------------------------------------------------------------------------
def _weekly_sets(plan: dict[str, Any]) -> list[int]:
    return [sum(e["sets"] for d in w["days"] for e in d["exercises"] if not e["reps"].endswith("min"))
            for w in plan["weeks"]]


@pytest.mark.parametrize("seed", range(40))
def test_given_any_valid_request_then_the_workout_plan_stays_inside_every_limit(seed):
    rng = random.Random(seed)
    profile, preferences = _random_workout_request(rng)
    result = workout.generate(profile, preferences)
    plan, level = result["workoutPlan"], profile["fitnessLevel"]
    lib = library.load().exercises
    owned = {"none", *profile["equipment"]}
    builds = [(w, s) for w, s in zip(plan["weeks"], _weekly_sets(plan)) if not w["deload"]]
    for (_, previous), (_, current) in zip(builds, builds[1:]):
        assert current <= limits.build_week_cap(previous)  # +10% a week at most
    for (_, two_before), (_, current) in zip(builds, builds[2:]):
        assert current <= two_before * (1 + limits.TWO_WEEK_VOLUME_CAP)
    for week, sets in zip(plan["weeks"], _weekly_sets(plan)):
        if week["deload"]:
            assert week["week"] % 4 == 0 and sets < _weekly_sets(plan)[week["week"] - 2]
        for day in week["days"]:
            assert day["estimatedMinutes"] <= profile["sessionDuration"] or \
                "session_shorter_than_minimum" in result["meta"]["warnings"]
            for exercise in day["exercises"]:
                item = lib[exercise["exerciseId"]]
                assert set(item["equipment"]) <= owned
                assert limits.excluded_by(item, profile["injuries"]) == []
                assert exercise["sets"] <= limits.MAX_SETS[level] and exercise["load"]["value"] <= limits.MAX_RPE[level]
                for substitute in exercise["substitutions"]:
                    assert limits.excluded_by(lib[substitute["exerciseId"]], profile["injuries"]) == []
    assert len(plan["weeks"]) == preferences["durationWeeks"] and plan["daysPerWeek"] == preferences["daysPerWeek"]


def test_given_a_lower_back_injury_then_deadlifts_are_excluded_and_each_exclusion_names_its_substitute():
    # Given: a member with a barbell and a bad lower back, who would otherwise be given deadlifts
    profile = {**PROFILE, "fitnessLevel": "advanced", "equipment": ["barbell", "bench"], "injuries": []}
    unhurt = workout.generate(profile, PREFERENCES)["workoutPlan"]
    chosen = {e["exerciseId"] for w in unhurt["weeks"] for d in w["days"] for e in d["exercises"]}
    assert chosen & {"barbell_deadlift", "good_morning", "back_squat", "barbell_row"}
    # When: the same request with the injury
    result = workout.generate({**profile, "injuries": ["lower_back"]}, PREFERENCES)
    plan = result["workoutPlan"]
    chosen = {e["exerciseId"] for w in plan["weeks"] for d in w["days"] for e in d["exercises"]}
    # Then: no exercise loads the spine, and each exclusion says why and what replaces it
    assert not chosen & {"barbell_deadlift", "good_morning", "back_squat", "barbell_row", "front_squat"}
    excluded = {x["exerciseId"]: x for x in plan["exclusions"]}
    assert {"barbell_deadlift"} <= set(excluded) or {"good_morning"} <= set(excluded)
    for exclusion in plan["exclusions"]:
        assert exclusion["reasons"] and all(r.startswith("lower_back: ") for r in exclusion["reasons"])
        assert exclusion["substitutedBy"]["exerciseId"] in chosen
    assert any(line.startswith("Excluded ") for line in result["meta"]["rationale"])


def test_given_a_20_minute_session_then_every_day_fits_in_20_minutes():
    plan = workout.generate({**PROFILE, "sessionDuration": 20, "injuries": []}, PREFERENCES)["workoutPlan"]
    assert all(d["estimatedMinutes"] <= 20 and d["exercises"] for w in plan["weeks"] for d in w["days"])


def test_given_a_beginner_asking_for_six_days_then_three_are_resistance_days_and_the_rest_lighter():
    profile = {**PROFILE, "fitnessLevel": "beginner", "workoutDays": list(limits.WEEKDAYS)[:6]}
    result = workout.generate(profile, {"daysPerWeek": 6})
    names = [d["name"] for d in result["workoutPlan"]["weeks"][0]["days"]]
    assert sum(n.startswith("Full body") for n in names) == 3 and len(names) == 6
    assert any("at most 3" in line for line in result["meta"]["rationale"])


@pytest.mark.parametrize("preferences, field", [
    ({"daysPerWeek": 5}, "preferences.daysPerWeek"), ({"duration": "20 weeks"}, "preferences.duration"),
    ({"duration": "0 weeks"}, "preferences.duration"), ({"duration": "six weeks"}, "preferences.duration"),
    ({"durationWeeks": 17}, "preferences.duration")])
def test_given_days_or_durations_out_of_range_then_validation_names_the_field(preferences, field):
    with pytest.raises(AppError) as raised:
        workout.generate(PROFILE, preferences)
    assert raised.value.code == "VALIDATION_ERROR" and raised.value.details[0]["field"] == field


# --- nutrition limits -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("gender, floor", [("female", 1200), ("male", 1500), ("other", 1500)])
def test_given_a_target_under_the_floor_then_it_is_clamped_with_a_warning_not_refused(gender, floor):
    profile = {"age": 40, "gender": gender, "weight": 70, "height": 170, "goals": ["weight_loss"]}
    result = nutrition.generate(profile, {"targetCalories": 800})
    targets = result["nutritionPlan"]["targets"]
    assert targets["calories"] == floor and targets["method"]["floorApplied"] is True
    assert targets["targetSource"] == "user" and "calorie_floor_applied" in result["meta"]["warnings"]


def test_given_a_small_older_woman_losing_weight_then_the_computed_target_never_goes_under_1200():
    profile = {"age": 80, "gender": "female", "weight": 40, "height": 145, "goals": ["weight_loss"],
               "activityLevel": "sedentary"}
    result = nutrition.generate(profile, {})
    assert result["nutritionPlan"]["targets"]["calories"] == 1200
    assert result["nutritionPlan"]["targets"]["method"]["floorApplied"] is True


def test_given_mifflin_st_jeor_then_bmr_and_targets_follow_the_equation():
    profile = {"age": 30, "gender": "male", "weight": 80, "height": 180, "goals": ["strength"],
               "activityLevel": "moderate"}
    targets = nutrition.generate(profile, {})["nutritionPlan"]["targets"]
    assert targets["method"]["bmr"] == round(10 * 80 + 6.25 * 180 - 5 * 30 + 5)
    assert targets["method"]["tdee"] == round((10 * 80 + 6.25 * 180 - 5 * 30 + 5) * 1.55)
    assert targets["proteinG"] == round(1.6 * 80) and targets["calories"] == targets["method"]["tdee"]


@pytest.mark.parametrize("restrictions", [[r] for r in limits.DIETARY_RESTRICTIONS] +
                         [["vegan", "gluten_free", "nut_free", "low_fodmap"], ["halal", "dairy_free"]])
def test_given_dietary_restrictions_then_no_excluded_food_appears_in_any_meal_or_alternative(restrictions):
    lib = library.load()
    forbidden = limits.forbidden_flags(restrictions)
    profile = {"age": 30, "gender": "female", "weight": 60, "height": 165, "goals": ["general_fitness"],
               "dietaryRestrictions": restrictions}
    plan = nutrition.generate(profile, {"mealTypes": ["breakfast", "lunch", "dinner", "snack"],
                                        "duration": "3 weeks"})["nutritionPlan"]
    assert len(plan["days"]) == 21
    for day in plan["days"]:
        assert [m["mealType"] for m in day["meals"]] == ["breakfast", "lunch", "dinner", "snack"]
        for meal in day["meals"]:
            recipes = [meal["recipeId"], *(a["recipeId"] for a in meal["alternatives"])]
            for recipe_id in recipes:
                assert not limits.recipe_flags(lib.recipes[recipe_id], lib.ingredients) & forbidden, recipe_id
            for line in meal["ingredients"]:
                assert not set(lib.ingredients[line["ingredientId"]]["contains"]) & forbidden


def test_given_the_daily_meals_then_their_calories_land_near_the_target():
    profile = {"age": 30, "gender": "male", "weight": 80, "height": 180, "goals": ["general_fitness"]}
    plan = nutrition.generate(profile, {"mealTypes": ["breakfast", "lunch", "dinner", "snack"]})["nutritionPlan"]
    target = plan["targets"]["calories"]
    for day in plan["days"]:
        assert abs(day["totals"]["calories"] - target) <= 0.2 * target


# --- class plans --------------------------------------------------------------------------------------------------
def test_given_a_catalog_then_the_class_plan_uses_only_its_classes_that_fit_the_session():
    profile = {"fitnessLevel": "beginner", "goals": ["flexibility", "strength"], "availableDays": ["mon", "thu"]}
    result = class_plan.generate(profile, {"duration": "2 weeks", "sessionDuration": 30}, CATALOG)
    plan = result["classPlan"]
    ids = {c["id"] for c in CATALOG}
    sessions = [s for w in plan["weeks"] for s in w["sessions"]]
    assert len(sessions) == 4 and all(s["classId"] in ids and s["duration"] <= 30 for s in sessions)
    flexible = [s for s in sessions if s["goal"] == "flexibility"]
    assert flexible and all(s["category"] in ("Yoga", "Pilates") for s in flexible)


def test_given_an_empty_catalog_then_the_class_plan_is_empty_with_a_warning():
    result = class_plan.generate({"goals": ["strength"]}, {}, [])
    assert all(not w["sessions"] for w in result["classPlan"]["weeks"])
    assert "no_matching_classes" in result["meta"]["warnings"]
