"""AI plans over HTTP: generation (saves nothing), saved plans (one active per type, history kept, the switch
atomic), the daily plan in the member's own time zone, and the shopping list."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from shared.domain.planning import library
from tests.support.http import Api, envelope, fresh_source_ip

# The guide-style requests of the docs (AI services: generate workout, nutrition and class plans)
WORKOUT_REQUEST = {
    "userProfile": {"age": 28, "gender": "female", "weight": 65, "height": 170, "fitnessLevel": "intermediate",
                    "goals": ["weight_loss", "strength"], "workoutDays": ["mon", "wed", "fri"],
                    "sessionDuration": 45, "equipment": ["dumbbells", "resistance_bands"], "injuries": ["lower_back"]},
    "preferences": {"daysPerWeek": 3, "intensity": "medium", "duration": "6 weeks"},
}
NUTRITION_REQUEST = {
    "userProfile": {"age": 28, "gender": "female", "weight": 65, "height": 170, "goals": ["weight_loss"],
                    "dietaryRestrictions": ["vegetarian"]},
    "preferences": {"mealTypes": ["breakfast", "lunch", "dinner"], "duration": "7 days", "targetCalories": 1800},
}
CLASS_REQUEST = {
    "userProfile": {"age": 28, "fitnessLevel": "beginner", "goals": ["strength", "flexibility"],
                    "availableDays": ["tue", "thu", "sat"]},
    "preferences": {"daysPerWeek": 3, "duration": "4 weeks", "sessionDuration": 45},
}


@pytest.fixture
def member(api, demo, new_member):
    """A fresh studio member with a profile and a time zone, and an HTTP client signed in as them."""
    made = new_member(demo["apiKeys"]["studio"], profile={"age": 34, "gender": "male", "height": 180, "weight": 82,
                                                          "fitnessGoal": "strength", "fitnessLevel": "beginner"},
                      settings={"timeZone": "Pacific/Auckland"})
    return api.with_auth(demo["apiKeys"]["studio"], made["accessToken"])


def test_given_the_docs_workout_request_then_the_plan_has_the_docs_shape_and_respects_the_injury(api, demo):
    reply = api.post("/ai/generate-workout-plan", WORKOUT_REQUEST, api_key=demo["apiKeys"]["studio"])
    assert reply.status == 200, reply.json
    plan, meta = reply.data["workoutPlan"], reply.data["meta"]
    assert {"title", "description", "duration", "daysPerWeek", "weeks"} <= set(plan)
    assert plan["duration"] == "6 weeks" and plan["daysPerWeek"] == 3 and len(plan["weeks"]) == 6
    for day in plan["weeks"][0]["days"]:
        assert day["day"] in ("mon", "wed", "fri") and day["estimatedMinutes"] <= 45
        for exercise in day["exercises"]:
            assert {"name", "sets", "reps", "restTime", "instructions"} <= set(exercise)
            assert exercise["exerciseId"] not in ("barbell_deadlift", "dumbbell_rdl", "kettlebell_swing")
    assert meta["engine"] == "rules" and len(meta["inputsHash"]) == 64 and meta["rationale"] and meta["disclaimer"]
    assert "injuries_adjusted" in meta["warnings"]


def test_given_the_docs_nutrition_and_class_requests_then_plans_come_back_from_the_keys_own_catalog(api, demo):
    key = demo["apiKeys"]["studio"]
    food = api.post("/ai/generate-nutrition-plan", NUTRITION_REQUEST, api_key=key)
    assert food.status == 200, food.json
    plan = food.data["nutritionPlan"]
    assert plan["durationDays"] == 7 and plan["targets"]["calories"] == 1800
    assert plan["targets"]["targetSource"] == "user"
    assert all([m["mealType"] for m in d["meals"]] == ["breakfast", "lunch", "dinner"] for d in plan["days"])
    classes = api.post("/ai/generate-class-plan", CLASS_REQUEST, api_key=key)
    assert classes.status == 200, classes.json
    studio_classes = {c["id"] for c in demo["classes"] if c["clientId"] == demo["clients"]["studio"]["id"]}
    sessions = [s for w in classes.data["classPlan"]["weeks"] for s in w["sessions"]]
    assert len(sessions) == 12 and {s["classId"] for s in sessions} <= studio_classes
    assert all(s["duration"] <= 45 for s in sessions)


@pytest.mark.parametrize("change, field", [
    (("userProfile", "age", 12), "userProfile.age"), (("userProfile", "age", 101), "userProfile.age"),
    (("userProfile", "weight", 29.5), "userProfile.weight"), (("userProfile", "weight", 301), "userProfile.weight"),
    (("userProfile", "height", 99), "userProfile.height"), (("userProfile", "height", 251), "userProfile.height"),
    (("preferences", "daysPerWeek", 4), "preferences.daysPerWeek"),
    (("preferences", "duration", "17 weeks"), "preferences.duration"),
    (("preferences", "durationWeeks", 0), "preferences.durationWeeks"),
    (("userProfile", "injuries", ["elbow"]), "userProfile.injuries.0"),
])
def test_given_an_out_of_range_field_then_400_names_it(api, demo, change, field):
    part, name, value = change
    body = {"userProfile": dict(WORKOUT_REQUEST["userProfile"]), "preferences": dict(WORKOUT_REQUEST["preferences"])}
    body[part][name] = value
    reply = api.post("/ai/generate-workout-plan", body, api_key=demo["apiKeys"]["studio"])
    error = envelope(reply, 400, "VALIDATION_ERROR")
    assert field in [d["field"] for d in error["details"]], error


def test_given_a_target_under_the_floor_then_it_is_clamped_with_a_warning(api, demo):
    body = {**NUTRITION_REQUEST, "preferences": {**NUTRITION_REQUEST["preferences"], "targetCalories": 900}}
    reply = api.post("/ai/generate-nutrition-plan", body, api_key=demo["apiKeys"]["studio"])
    assert reply.status == 200
    assert reply.data["nutritionPlan"]["targets"]["calories"] == 1200
    assert "calorie_floor_applied" in reply.data["meta"]["warnings"]


def test_given_a_client_without_the_feature_then_generation_is_403(api, demo):
    reply = api.post("/ai/generate-workout-plan", WORKOUT_REQUEST, api_key=demo["apiKeys"]["partner"])
    envelope(reply, 403, "FEATURE_DISABLED")


def test_given_a_generation_with_a_bearer_then_nothing_is_saved(member):
    assert member.post("/ai/generate-workout-plan", WORKOUT_REQUEST).status == 200
    envelope(member.get("/users/me/workout-plan"), 404, "NOT_FOUND")
    assert member.get("/users/me/plans").data["items"] == []


def test_given_two_saves_then_the_second_is_active_the_first_archived_and_delete_archives_it(member):
    first = member.post("/users/me/workout-plan", WORKOUT_REQUEST)
    assert first.status == 201, first.json
    assert first.data["workoutPlan"]["status"] == "active" and first.data["replacedPlanId"] is None
    second = member.post("/users/me/workout-plan", {**WORKOUT_REQUEST, "startDate": "2026-03-02"})
    assert second.status == 201 and second.data["replacedPlanId"] == first.data["workoutPlan"]["id"]
    assert second.data["workoutPlan"]["startDate"] == "2026-03-02"
    assert second.data["workoutPlan"]["endDate"] == "2026-04-12"  # 6 weeks
    active = member.get("/users/me/workout-plan")
    assert active.data["workoutPlan"]["id"] == second.data["workoutPlan"]["id"]
    assert active.data["meta"]["inputsHash"] == second.data["meta"]["inputsHash"]
    listing = member.get("/users/me/plans?type=workout").data
    assert [p["status"] for p in listing["items"]] == ["active", "archived"]
    assert listing["items"][1]["replacedBy"] == second.data["workoutPlan"]["id"]
    assert listing["pagination"]["total"] == 2
    removed = member.delete("/users/me/workout-plan")
    assert removed.data["archivedPlanId"] == second.data["workoutPlan"]["id"]
    envelope(member.get("/users/me/workout-plan"), 404, "NOT_FOUND")
    assert member.get("/users/me/plans?status=archived").data["pagination"]["total"] == 2
    envelope(member.delete("/users/me/workout-plan"), 404, "NOT_FOUND")


def test_given_eight_parallel_saves_then_exactly_one_plan_is_active_and_each_replaced_once(member):
    replies: list[Any] = []

    def save() -> None:
        caller = Api(f"http://{member.host}:{member.port}{member.prefix}", fresh_source_ip(), member.api_key,
                     member.token)
        replies.append(caller.post("/users/me/class-plan", CLASS_REQUEST))

    threads = [threading.Thread(target=save) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = [r for r in replies if r.status == 201]
    assert len(saved) + sum(r.status == 409 for r in replies) == 8 and saved
    listing = member.get("/users/me/plans?type=class&limit=100").data
    statuses = Counter(p["status"] for p in listing["items"])
    assert statuses["active"] == 1 and statuses["archived"] == len(saved) - 1  # exactly one winner at a time
    replaced = [r.data["replacedPlanId"] for r in saved if r.data["replacedPlanId"]]
    assert len(replaced) == len(set(replaced)) == len(saved) - 1  # every plan replaced at most once
    assert listing["pagination"]["total"] == len(saved)


def test_given_saved_plans_then_the_daily_plan_merges_them_for_the_members_local_date(member):
    # Given a workout plan starting on a Monday, a nutrition plan (profile fields from the stored profile) and a
    # class plan
    monday = "2026-03-02"
    assert member.post("/users/me/workout-plan", {**WORKOUT_REQUEST, "startDate": monday}).status == 201
    food = member.post("/users/me/nutrition-plan", {"preferences": {"duration": "2 weeks"}, "startDate": monday})
    assert food.status == 201, food.json
    assert food.data["nutritionPlan"]["targets"]["method"]["bmr"] == round(10 * 82 + 6.25 * 180 - 5 * 34 + 5)
    assert member.post("/users/me/class-plan", {**CLASS_REQUEST, "startDate": monday}).status == 201
    # When the member asks for the Wednesday of the second week
    day = member.get("/users/me/daily-plan?date=2026-03-11").data
    workout = member.get("/users/me/workout-plan").data["workoutPlan"]
    expected = next(d for d in workout["weeks"][1]["days"] if d["day"] == "wed")
    # Then the workout is that week's Wednesday session, and the meals are day 10 of the nutrition plan
    assert day["date"] == "2026-03-11" and day["timeZone"] == "Pacific/Auckland" and day["restDay"] is False
    assert day["workout"]["week"] == 2 and day["workout"]["name"] == expected["name"]
    assert [e["exerciseId"] for e in day["workout"]["exercises"]] == [e["exerciseId"] for e in expected["exercises"]]
    nutrition = food.data["nutritionPlan"]["days"][9]
    assert [m["name"] for m in day["meals"]] == [m["name"] for m in nutrition["meals"]]
    # And a Tuesday (no workout) is a rest day with the class plan's class; a date before the plans is empty
    tuesday = member.get("/users/me/daily-plan?date=2026-03-10").data
    assert tuesday["restDay"] is True and tuesday["workout"] is None and len(tuesday["classes"]) == 1
    before = member.get("/users/me/daily-plan?date=2026-02-20").data
    assert before["workout"] is None and before["meals"] == [] and before["classes"] == []
    assert "workout_plan_not_started" in before["notes"]
    after = member.get("/users/me/daily-plan?date=2026-03-20").data  # the nutrition plan ended on the 15th
    assert after["meals"] == [] and "nutrition_plan_ended" in after["notes"] and after["workout"] is not None
    # And without a date it is today in Auckland (the plans start in March 2026: a note, not an error)
    assert member.get("/users/me/daily-plan").status == 200


def test_given_a_nutrition_plan_then_the_shopping_list_adds_up_its_meals_within_unit_families(member):
    saved = member.post("/users/me/nutrition-plan", {**NUTRITION_REQUEST, "startDate": "2026-03-02"})
    assert saved.status == 201
    days = saved.data["nutritionPlan"]["days"]
    reply = member.get("/users/me/nutrition-plan/shopping-list?from=2026-03-02&to=2026-03-04")
    assert reply.status == 200, reply.json
    listing = reply.data
    assert listing["from"] == "2026-03-02" and listing["to"] == "2026-03-04"
    expected: dict[tuple[str, str], float] = {}
    for day in days[:3]:
        for meal in day["meals"]:
            for line in meal["ingredients"]:
                family = library.UNIT_FAMILY[line["unit"]]
                key = (line["ingredientId"], library.BASE_UNIT[family])
                expected[key] = expected.get(key, 0) + library.in_base_unit(line["quantity"], line["unit"])
    got = {(i["ingredientId"], i["unit"]): i["quantity"] for i in listing["items"]}
    assert set(got) == set(expected)
    for key, quantity in expected.items():
        assert quantity <= got[key] < quantity + (0.5 if key[1] == "pcs" else 5)
    assert all(i["recipes"] for i in listing["items"])
    # a range over 31 days is refused, naming the field
    error = envelope(member.get("/users/me/nutrition-plan/shopping-list?from=2026-03-01&to=2026-04-15"), 400)
    assert error["details"][0]["field"] == "to"


def test_given_no_nutrition_plan_then_the_shopping_list_is_404(member):
    envelope(member.get("/users/me/nutrition-plan/shopping-list"), 404, "NOT_FOUND")


def test_given_no_stored_profile_then_a_nutrition_plan_names_the_missing_field(api, demo, new_member):
    made = new_member(demo["apiKeys"]["studio"])
    http = api.with_auth(demo["apiKeys"]["studio"], made["accessToken"])
    error = envelope(http.post("/users/me/nutrition-plan", {}), 400, "VALIDATION_ERROR")
    assert error["details"][0]["field"] == "userProfile.age"


def test_given_a_member_time_zone_then_users_me_shows_it_and_refuses_an_unknown_zone(member):
    assert member.get("/users/me").data["settings"]["timeZone"] == "Pacific/Auckland"
    error = envelope(member.patch("/users/me", {"settings": {"timeZone": "Mars/Olympus"}}), 400)
    assert error["details"][0]["field"] == "settings.timeZone"


def test_given_a_1_to_1_booking_then_the_daily_plan_shows_it_at_the_members_local_time(api, demo, new_member):
    # Given a member in New York who books the guide's coach 5 (a London trainer)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    made = new_member(demo["apiKeys"]["studio"], settings={"timeZone": "America/New_York"})
    http = api.with_auth(demo["apiKeys"]["studio"], made["accessToken"])
    trainer = next(t for t in demo["trainers"] if t["id"] == 5)
    service = trainer["services"][0]["id"]
    first = date.today() + timedelta(days=2)
    offered = http.get(f"/trainers/5/availability?serviceId={service}&from={first}&to={first + timedelta(days=7)}")
    assert offered.status == 200, offered.json
    slot = offered.data["slots"][0]
    booked = http.post("/trainers/5/book", {"serviceId": service, "slotId": slot["id"]})
    assert booked.status == 201, booked.json
    # When they open that day's plan (their own date, in New York)
    local = datetime.fromisoformat(slot["startsAt"].replace("Z", "+00:00")).astimezone(ZoneInfo("America/New_York"))
    day = http.get(f"/users/me/daily-plan?date={local.date().isoformat()}").data
    # Then the booking is there at the New York time, with its id
    entry = next(c for c in day["classes"] if c["source"] == "one_to_one_booking")
    assert entry["bookingId"] == booked.data["booking"]["id"] and entry["time"] == local.strftime("%H:%M")
    assert entry["startsAt"] == slot["startsAt"] and "Priya Nair" in entry["name"]
    # And the day before shows nothing of it
    before = http.get(f"/users/me/daily-plan?date={(local.date() - timedelta(days=1)).isoformat()}").data
    assert not [c for c in before["classes"] if c["source"] == "one_to_one_booking"]
