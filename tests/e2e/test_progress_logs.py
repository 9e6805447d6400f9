"""Progress logs over HTTP: by the member's local days, idempotent by clientLogId and Idempotency-Key (a retry
never adds water twice), undone by DELETE, summed by the dashboard and shown by the daily plan."""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.http import Api, envelope, fresh_source_ip

ZONE = "Pacific/Auckland"


@pytest.fixture
def member(api, demo, new_member):
    made = new_member(demo["apiKeys"]["studio"], profile={"age": 40, "gender": "female", "height": 165, "weight": 60},
                      settings={"timeZone": ZONE})
    return api.with_auth(demo["apiKeys"]["studio"], made["accessToken"])


def _today() -> datetime:
    return datetime.now(ZoneInfo(ZONE))


def _parallel(member: Api, count: int, call: Any) -> list[Any]:
    replies: list[Any] = []

    def run() -> None:
        caller = Api(f"http://{member.host}:{member.port}{member.prefix}", fresh_source_ip(), member.api_key,
                     member.token)
        replies.append(call(caller))

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def test_given_the_same_client_log_id_twice_then_water_is_added_once(member):
    first = member.post("/progress/water", {"amountMl": 300, "clientLogId": "glass-0001"})
    assert first.status == 201, first.json
    again = member.post("/progress/water", {"amountMl": 300, "clientLogId": "glass-0001"})
    assert again.status == 200 and again.data["replayed"] is True
    assert again.data["log"]["id"] == first.data["log"]["id"] and again.data["day"]["totalMl"] == 300
    assert first.data["day"]["goalMl"] == 2100  # 35 ml per kg of 60 kg, no nutrition plan
    assert first.data["log"]["date"] == _today().date().isoformat()  # today in Auckland


def test_given_eight_parallel_retries_of_one_log_then_one_is_written(member):
    replies = _parallel(member, 8, lambda c: c.post("/progress/water", {"amountMl": 250,
                                                                        "clientLogId": "parallel-glass-1"}))
    assert sum(r.status == 201 for r in replies) == 1, [r.status for r in replies]
    assert all(r.status in (200, 201, 503) for r in replies)
    logs = member.get("/progress/logs?type=water").data
    assert len(logs["items"]) == 1 and logs["pagination"]["total"] == 1
    assert member.get("/users/me/daily-plan").data["progress"]["waterMl"] == 250


def test_given_an_idempotency_key_retry_then_the_first_answer_is_replayed_and_nothing_is_added(member):
    key = f"water-{uuid.uuid4().hex}"
    first = member.post("/progress/water", {"amountMl": 400}, headers={"Idempotency-Key": key})
    second = member.post("/progress/water", {"amountMl": 400}, headers={"Idempotency-Key": key})
    assert first.status == second.status == 201 and second.header("Idempotency-Replayed") == "true"
    assert second.data["log"]["id"] == first.data["log"]["id"]
    assert member.get("/users/me/daily-plan").data["progress"]["waterMl"] == 400
    envelope(member.post("/progress/water", {"amountMl": 500}, headers={"Idempotency-Key": key}), 422,
             "IDEMPOTENCY_KEY_REUSED")


def test_given_a_workout_finished_late_utc_then_it_counts_for_the_members_local_date(member):
    # 20:00 UTC on 1 March is 09:00 on 2 March in Auckland (NZDT, UTC+13)
    reply = member.post("/progress/workout", {"completedAt": "2026-03-01T20:00:00Z", "name": "Full body A",
                                              "durationMinutes": 40,
                                              "exercises": [{"name": "Goblet squat", "sets": [{"reps": 10}]}]})
    assert reply.status == 201, reply.json
    assert reply.data["log"]["date"] == "2026-03-02" and reply.data["day"]["workoutCompleted"] is True
    day = member.get("/users/me/daily-plan?date=2026-03-02").data
    assert day["progress"]["workoutsLogged"] == 1 and day["progress"]["workoutMinutes"] == 40


def test_given_a_log_undone_then_the_days_totals_go_back_and_a_second_undo_is_404(member):
    meal = member.post("/progress/nutrition", {"mealType": "lunch", "name": "Salad", "calories": 550,
                                               "proteinG": 30})
    assert meal.status == 201 and meal.data["day"]["calories"] == 550
    log_id = meal.data["log"]["id"]
    replies = _parallel(member, 6, lambda c: c.delete(f"/progress/logs/{log_id}"))
    assert sum(r.status == 200 for r in replies) == 1, [r.status for r in replies]  # one undo wins
    assert all(r.status in (200, 404) for r in replies)
    assert member.get("/users/me/daily-plan").data["progress"]["calories"] == 0
    envelope(member.delete(f"/progress/logs/{log_id}"), 404, "NOT_FOUND")
    assert member.get("/progress/logs").data["items"] == []


@pytest.mark.parametrize("path, body, field", [
    ("/progress/workout", {"name": "Run", "durationMinutes": 0}, "durationMinutes"),
    ("/progress/workout", {"name": "Run", "durationMinutes": 601}, "durationMinutes"),
    ("/progress/nutrition", {"mealType": "lunch", "name": "Pizza", "calories": 5001}, "calories"),
    ("/progress/nutrition", {"mealType": "brunch", "name": "Eggs", "calories": 300}, "mealType"),
    ("/progress/water", {"amountMl": 0}, "amountMl"),
    ("/progress/water", {"amountMl": 250, "date": "2099-01-01"}, "date"),
    ("/progress/water", {"amountMl": 250, "date": "2026-02-30"}, "date"),
])
def test_given_out_of_range_input_then_400_names_the_field(member, path, body, field):
    error = envelope(member.post(path, body), 400, "VALIDATION_ERROR")
    assert field in [d["field"] for d in error["details"]], error


def test_given_a_client_without_nutrition_then_meal_logging_is_403(api, demo, new_member):
    made = new_member(demo["apiKeys"]["partner"], voucherCode="STUDIO-ABC123")
    http = api.with_auth(demo["apiKeys"]["partner"], made["accessToken"])
    envelope(http.post("/progress/nutrition", {"mealType": "lunch", "name": "Soup", "calories": 300}), 403,
             "FEATURE_DISABLED")
    assert http.post("/progress/water", {"amountMl": 200}).status == 201


def test_given_a_week_of_logs_then_the_dashboard_compares_plan_log_and_previous_week(member):
    today = _today().date()
    monday = today - timedelta(days=today.weekday())
    plan = member.post("/users/me/workout-plan", {"userProfile": {"workoutDays": ["mon", "wed", "fri"]},
                                                  "preferences": {"daysPerWeek": 3, "duration": "8 weeks"},
                                                  "startDate": (monday - timedelta(days=7)).isoformat()})
    assert plan.status == 201, plan.json
    food = member.post("/users/me/nutrition-plan", {"startDate": monday.isoformat()})
    assert food.status == 201, food.json
    target = food.data["nutritionPlan"]["targets"]
    # this week: two workouts (today and the day before when that is in the week), water and meals
    days = sorted({today, max(monday, today - timedelta(days=1))})
    for day in days:
        assert member.post("/progress/workout", {"date": day.isoformat(), "name": "Full body A",
                                                 "durationMinutes": 30}).status == 201
        assert member.post("/progress/water", {"date": day.isoformat(), "amountMl": target["waterMl"]}).status == 201
        assert member.post("/progress/nutrition", {"date": day.isoformat(), "mealType": "dinner", "name": "Curry",
                                                   "calories": 700, "proteinG": 40}).status == 201
    # last week: one workout of 60 minutes
    assert member.post("/progress/workout", {"date": (monday - timedelta(days=3)).isoformat(), "name": "Run",
                                             "durationMinutes": 60}).status == 201
    board = member.get("/progress/dashboard?period=week").data
    assert board["period"] == {"name": "week", "from": monday.isoformat(),
                               "to": (monday + timedelta(days=6)).isoformat(), "timeZone": ZONE}
    assert board["workouts"]["planned"] == 3 and board["workouts"]["completed"] == len(days)
    assert board["workouts"]["minutes"] == 30 * len(days)
    assert board["workouts"]["adherencePct"] == round(len(days) / 3 * 100, 1)
    assert board["workouts"]["currentStreakDays"] == len(days)
    assert board["nutrition"]["targetCalories"] == target["calories"] and board["nutrition"]["avgCalories"] == 700
    assert board["nutrition"]["avgMacros"]["proteinG"] == 40
    assert board["water"]["goalMl"] == target["waterMl"] and board["water"]["daysGoalMet"] == len(days)
    assert board["trends"]["workoutsChangePct"] == round((len(days) - 1) / 1 * 100, 1)
    assert board["trends"]["minutesChangePct"] == round((30 * len(days) - 60) / 60 * 100, 1)
    # the daily plan shows today's dinner as logged and today's workout (if any) as completed
    daily = member.get("/users/me/daily-plan").data
    assert any(m["mealType"] == "dinner" and m["logged"] for m in daily["meals"]) or not daily["meals"]
    if daily["workout"]:
        assert daily["workout"]["completed"] is True
    custom = envelope(member.get("/progress/dashboard?period=custom&from=2026-01-01&to=2026-03-01"), 400)
    assert custom["details"][0]["field"] == "to"


def test_given_a_client_log_id_of_a_water_log_then_a_meal_under_that_id_is_409_and_adds_nothing(member):
    assert member.post("/progress/water", {"amountMl": 300, "clientLogId": "shared-id-0001"}).status == 201
    error = envelope(member.post("/progress/nutrition", {"mealType": "lunch", "name": "Soup", "calories": 300,
                                                         "clientLogId": "shared-id-0001"}), 409, "CONFLICT")
    assert error["details"]["reason"] == "client_log_id_used"
    assert member.get("/users/me/daily-plan").data["progress"]["calories"] == 0
