"""Progress: workout, meal and water logs by the member's local days (idempotent by Idempotency-Key or the
app's clientLogId), the log list, the undo, and the dashboard (shared/domain/progress.py)."""
# No `from __future__ import annotations`: the log routes are made by a function whose body model is a local
# name, which FastAPI can only read from an annotation evaluated when the function is defined.
from typing import Annotated, Any, Literal

from fastapi import Path, Query, Response
from mangum import Mangum
from pydantic import Field

from shared.domain import progress
from shared.domain.member_days import DATE_PATTERN, INSTANT_PATTERN
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import UserCaller
from shared.http.envelope import Envelope, Instant, Number, View, field, optional
from shared.idempotency import IdempotentRoute
from shared.views import Pagination

app = create_app("progress")

DATE = DATE_PATTERN
MealType = Literal["breakfast", "lunch", "dinner", "snack"]
Text = Annotated[str, Field(min_length=1, max_length=200)]
ClientLogId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="The app's own id for this log: "
                                                                                "sending it again never logs twice")]
LocalDate = Annotated[str, Field(pattern=DATE, description="The member's local date; default today in their zone")]


# --- request models ---------------------------------------------------------------------------------------------
class SetIn(ApiModel):
    reps: int | None = Field(None, ge=0, le=1000)
    weightKg: float | None = Field(None, ge=0, le=1000)
    durationSec: int | None = Field(None, ge=0, le=36_000)
    rpe: float | None = Field(None, ge=1, le=10)


class ExerciseIn(ApiModel):
    exerciseId: str | None = Field(None, pattern=r"^[a-z0-9_]{1,64}$")
    name: Text
    sets: list[SetIn] = Field(default_factory=list, max_length=50)


class WorkoutLog(ApiModel):
    date: LocalDate | None = None
    completedAt: Instant | None = Field(None, pattern=INSTANT_PATTERN,
                                        description="When it ended (UTC); its local date is the log's date")
    clientLogId: ClientLogId | None = None
    planId: str | None = Field(None, pattern=r"^wp_[0-9a-f]{20}$")
    planWeek: int | None = Field(None, ge=1, le=16)
    planDay: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None
    name: Text
    durationMinutes: int = Field(ge=1, le=600)
    exercises: list[ExerciseIn] = Field(default_factory=list, max_length=50)
    perceivedExertion: int | None = Field(None, ge=1, le=10)
    notes: str | None = Field(None, max_length=1000)


class NutritionLog(ApiModel):
    date: LocalDate | None = None
    clientLogId: ClientLogId | None = None
    mealType: MealType
    name: Text
    calories: int = Field(ge=0, le=5000)
    proteinG: float | None = Field(None, ge=0, le=500)
    carbsG: float | None = Field(None, ge=0, le=1000)
    fatG: float | None = Field(None, ge=0, le=500)
    planMealRef: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9_:-]{1,64}$")


class WaterLog(ApiModel):
    date: LocalDate | None = None
    clientLogId: ClientLogId | None = None
    amountMl: int = Field(ge=1, le=5000)


# --- views ----------------------------------------------------------------------------------------------------
class SetView(View):
    reps: int | None = field(10)
    weightKg: Number | None = field(20)
    durationSec: int | None = field(None)
    rpe: Number | None = field(7)


class ExerciseView(View):
    exerciseId: str | None = field("goblet_squat")
    name: str = field("Goblet squat")
    sets: list[SetView]


class Log(View):
    id: str = field("lg_20260302019c2f4e8a10b7e1c2d3", "DELETE /progress/logs/{id} undoes it")
    type: Literal["workout", "nutrition", "water"] = field("water")
    date: str = field("2026-03-02", "The member's local date it counts for")
    loggedAt: Instant = field("2026-03-02T08:15:00Z")
    clientLogId: str | None = optional("a1b2c3d4e5f6", "The app's own id, when it sent one")
    completedAt: Instant | None = optional(None, "Workouts")
    planId: str | None = optional(None, "Workouts: the plan it follows")
    planWeek: int | None = optional(None, "Workouts")
    planDay: str | None = optional(None, "Workouts")
    name: str | None = optional("Full body A", "Workouts and meals")
    durationMinutes: int | None = optional(45, "Workouts")
    exercises: list[ExerciseView] | None = optional([], "Workouts")
    perceivedExertion: int | None = optional(7, "Workouts")
    notes: str | None = optional(None, "Workouts")
    mealType: MealType | None = optional("breakfast", "Meals")
    calories: int | None = optional(420, "Meals")
    proteinG: Number | None = optional(22, "Meals")
    carbsG: Number | None = optional(60, "Meals")
    fatG: Number | None = optional(12, "Meals")
    planMealRef: str | None = optional(None, "Meals")
    amountMl: int | None = optional(250, "Water")


class Day(View):
    """The day the log counts for, after it."""
    date: str = field("2026-03-02")
    workoutsLogged: int = field(1)
    workoutCompleted: bool = field(True)
    workoutMinutes: int = field(45)
    calories: int = field(1320)
    targetCalories: int | None = field(1850, "The active nutrition plan's target; null without one")
    totalMl: int = field(1750, "Water so far")
    goalMl: int = field(2300, "The nutrition plan's water target, else 35 ml per kg of body weight, else 2000")


class Logged(View):
    log: Log
    day: Day
    replayed: bool = field(False, "True when the clientLogId was seen before: nothing was added")


class LogList(View):
    items: list[Log]
    pagination: Pagination
    from_: str = Field(alias="from", description="First local date of the range", examples=["2026-02-01"])
    to: str = field("2026-03-02", "Last local date of the range")


class LogDeleted(View):
    deletedLogId: str = field("lg_20260302019c2f4e8a10b7e1c2d3")
    date: str = field("2026-03-02", "The day whose totals went back")


class Period(View):
    name: Literal["week", "month", "custom"] = field("week")
    from_: str = Field(alias="from", examples=["2026-03-02"])
    to: str = field("2026-03-08")
    timeZone: str = field("Europe/London")


class Workouts(View):
    planned: int = field(3, "Sessions the active workout plan schedules in the period")
    completed: int = field(2, "Workouts logged")
    adherencePct: Number | None = field(66.7, "completed of planned, at most 100; null with nothing planned")
    minutes: int = field(95)
    currentStreakDays: int = field(2, "Days in a row with a workout, up to today (or yesterday)")
    longestStreakDays: int = field(5, "Within the last 92 days")


class Macros(View):
    proteinG: int | None = field(95)
    carbsG: int | None = field(180)
    fatG: int | None = field(60)


class Nutrition(View):
    targetCalories: int | None = field(1850)
    avgCalories: int | None = field(1790, "Over the days with a meal logged")
    daysLogged: int = field(5)
    avgMacros: Macros


class Water(View):
    goalMl: int = field(2300)
    avgMl: int | None = field(1900, "Over the days with water logged")
    daysLogged: int = field(6)
    daysGoalMet: int = field(3)


class Watch(View):
    minutes: int = field(120, "Class video watched in the period")
    classesCompleted: int = field(3)


class Trends(View):
    workoutsChangePct: Number | None = field(50.0, "Against the period before; null when that had none")
    minutesChangePct: Number | None = field(-10.0)


class Dashboard(View):
    period: Period
    workouts: Workouts
    nutrition: Nutrition
    water: Water
    watch: Watch
    trends: Trends


# --- routes ----------------------------------------------------------------------------------------------------
LOG_ERRORS = errors("FEATURE_DISABLED", "NOT_FOUND", "CONFLICT")


def _log_route(log_type: str, body_model: type[ApiModel]) -> None:
    def add(body: body_model, caller: UserCaller, response: Response) -> dict[str, Any]:  # type: ignore[valid-type]
        fields = {k: v for k, v in body.model_dump().items() if v is not None}  # nested nulls stay: the view has them
        answer, created = progress.add_log(caller.client_id, caller.user_id, log_type, fields)
        response.status_code = 201 if created else 200
        return ok(answer)

    add.__name__ = f"log_{log_type}"
    replay = {200: {"model": Envelope.of(Logged),
                    "description": "The clientLogId was seen before: its log, unchanged (`replayed: true`)"}}
    app.router.add_api_route(f"{API}/progress/{log_type}", add, methods=["POST"], status_code=201,
                             response_model=Envelope.of(Logged), responses={**replay, **LOG_ERRORS},
                             route_class_override=IdempotentRoute)  # Idempotency-Key


_log_route("workout", WorkoutLog)
_log_route("nutrition", NutritionLog)
_log_route("water", WaterLog)


@app.get(f"{API}/progress/logs", response_model=Envelope.of(LogList), responses=errors("NOT_FOUND"))
def list_logs(caller: UserCaller, type: Literal["workout", "nutrition", "water"] | None = Query(None),
              from_: str | None = Query(None, alias="from", pattern=DATE, description="Default 29 days before to"),
              to: str | None = Query(None, pattern=DATE, description="Default today; at most 92 days in all"),
              page: int = Query(1, ge=1, le=10_000), limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    return ok(progress.list_logs(caller.client_id, caller.user_id, type, from_, to, page, limit))


@app.delete(f"{API}/progress/logs/{{id}}", response_model=Envelope.of(LogDeleted))
def delete_log(caller: UserCaller, id: str = Path(pattern=progress.LOG_ID_PATTERN)) -> dict[str, Any]:
    return ok(progress.delete_log(caller.client_id, caller.user_id, id))


@app.get(f"{API}/progress/dashboard", response_model=Envelope.of(Dashboard), responses=errors("NOT_FOUND"))
def dashboard(caller: UserCaller, period: Literal["week", "month", "custom"] = Query("week"),
              from_: str | None = Query(None, alias="from", pattern=DATE, description="custom only"),
              to: str | None = Query(None, pattern=DATE, description="custom only; at most 31 days in all")
              ) -> dict[str, Any]:
    return ok(progress.dashboard(caller.client_id, caller.user_id, period, from_, to))


handler = Mangum(app, lifespan="off")
