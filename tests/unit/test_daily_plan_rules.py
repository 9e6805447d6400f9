"""The daily plan merge and the shopping list as pure functions (shared/domain/planning/daily.py)."""
from __future__ import annotations

from datetime import date

from shared.domain.planning import daily

SUMMARY = {"id": "np_1", "startDate": "2026-03-02", "endDate": "2026-03-08"}  # Monday to Sunday


def _meal(name: str, *lines: tuple[str, str, float, str]) -> dict:
    return {"mealType": "lunch", "name": name, "recipeId": name.lower(), "calories": 500,
            "ingredients": [{"ingredientId": i, "name": n, "quantity": q, "unit": u} for i, n, q, u in lines]}


def test_given_the_same_ingredient_in_grams_and_millilitres_then_they_are_two_lines_never_one_sum():
    # Given oil measured by volume (ml and tablespoons) in two meals and by weight in a third
    plan = {"durationDays": 1, "days": [{"day": 1, "meals": [
        _meal("Salad", ("olive_oil", "Olive oil", 10, "ml"), ("egg", "Egg", 1.5, "pcs")),
        _meal("Stir fry", ("olive_oil", "Olive oil", 1, "tbsp"), ("egg", "Egg", 1, "pcs")),
        _meal("Cake", ("olive_oil", "Olive oil", 40, "g"))]}]}
    ingredients = {"olive_oil": {"category": "pantry"}, "egg": {"category": "dairy_eggs"}}
    # When the list covers one day
    result = daily.shopping_list(SUMMARY, {"plan": plan}, date(2026, 3, 2), date(2026, 3, 2), ingredients)
    lines = {(i["ingredientId"], i["unit"]): i for i in result["items"]}
    # Then millilitres and a tablespoon add up (10 + 15 ml), grams stay apart, pieces round up to a half
    assert set(lines) == {("olive_oil", "ml"), ("olive_oil", "g"), ("egg", "pcs")}
    assert lines[("olive_oil", "ml")]["quantity"] == 25 and lines[("olive_oil", "g")]["quantity"] == 40
    assert lines[("egg", "pcs")]["quantity"] == 2.5
    assert lines[("olive_oil", "ml")]["recipes"] == ["Salad", "Stir fry"]
    assert any("Olive oil is listed once per unit family" in note for note in result["notes"])


def test_given_a_range_past_the_plan_then_those_days_add_nothing_and_a_note_says_so():
    plan = {"durationDays": 1, "days": [{"day": 1, "meals": [_meal("Salad", ("egg", "Egg", 2, "pcs"))]}]}
    result = daily.shopping_list(SUMMARY, {"plan": plan}, date(2026, 3, 7), date(2026, 3, 10), {})
    assert result["items"][0]["quantity"] == 4  # the 7th and the 8th only
    assert result["notes"] == ["2 day(s) of the range are outside the plan (2026-03-02 to 2026-03-08)"]


def test_given_a_class_gone_from_the_catalog_then_the_daily_plan_keeps_the_rest_and_notes_it():
    summary = {"id": "cp_1", "startDate": "2026-03-02", "endDate": "2026-03-29"}
    body = {"plan": {"weeks": [{"week": 1, "sessions": [
        {"day": "tue", "classId": 7, "name": "Yoga", "duration": 30},
        {"day": "tue", "classId": 9, "name": "Gone", "duration": 20}]}]}}
    notes: list[str] = []
    tuesday = date(2026, 3, 3)
    assert daily.class_ids_for(body, summary, tuesday) == [7, 9]
    classes = daily.classes_for(summary, body, tuesday, {7}, notes)
    assert [c["classId"] for c in classes] == [7] and notes == ["class_unavailable:9"]


def test_given_dates_around_a_workout_plan_then_rest_days_and_edges_are_notes_not_errors():
    summary = {"id": "wp_1", "startDate": "2026-03-02", "endDate": "2026-03-15"}
    week = {"focus": "Build", "deload": False,
            "days": [{"day": "mon", "name": "Upper", "estimatedMinutes": 40, "exercises": []}]}
    body = {"plan": {"weeks": [{**week, "week": 1}, {**week, "week": 2, "focus": "Build 2"}]}}
    notes: list[str] = []
    monday, session = date(2026, 3, 9), None
    session, rest = daily.workout_for(summary, body, monday, {"workouts": 1}, notes)
    assert session["week"] == 2 and session["focus"] == "Build 2" and session["completed"] is True and not rest
    assert daily.workout_for(summary, body, date(2026, 3, 10), {}, notes) == (None, True)
    assert daily.workout_for(summary, body, date(2026, 3, 1), {}, notes) == (None, False)
    assert daily.workout_for(summary, body, date(2026, 3, 16), {}, notes) == (None, False)
    assert notes == ["workout_plan_not_started", "workout_plan_ended"]
