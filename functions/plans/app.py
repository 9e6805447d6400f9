"""AI plans: generation that saves nothing (/ai/generate-*), the member's saved plans (/users/me/*-plan), their
history, the daily plan and the shopping list. The rules engine is shared/domain/planning; storage is
shared/domain/plans.py."""
# No `from __future__ import annotations`: the saved-plan routes are made by a function whose body model is a
# local name, which FastAPI can only read from an annotation evaluated when the function is defined.
from typing import Annotated, Any, Literal

from fastapi import Query
from mangum import Mangum
from pydantic import Field

from shared.domain import plans
from shared.domain.member_days import DATE_PATTERN
from shared.domain.clients import require_feature
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import ClientTenant, Tenant, UserCaller
from shared.idempotency import IdempotentRoute
from shared.http.envelope import Envelope, Instant, Number, View, field, optional
from shared.views import FitnessGoal, FitnessLevel, Intensity, Pagination

app = create_app("plans")

# --- request models ---------------------------------------------------------------------------------------------
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Gender = Literal["male", "female", "other", "unspecified"]
Equipment = Literal["none", "dumbbells", "barbell", "kettlebell", "resistance_bands", "pull_up_bar", "bench",
                    "machines", "cardio_machine", "yoga_mat"]
Injury = Literal["lower_back", "knee", "shoulder", "neck", "wrist", "ankle", "hip"]
Restriction = Literal["vegetarian", "vegan", "pescatarian", "gluten_free", "dairy_free", "nut_free", "halal",
                      "low_fodmap"]
MealType = Literal["breakfast", "lunch", "dinner", "snack"]
ActivityLevel = Literal["sedentary", "light", "moderate", "active", "very_active"]
Age = Annotated[int, Field(ge=13, le=100, description="Years")]
Weight = Annotated[float, Field(ge=30, le=300, description="Kilograms")]
Height = Annotated[float, Field(ge=100, le=250, description="Centimetres")]
WEEKS = r"^([1-9]|1[0-6]) weeks?$"
DAYS_OR_WEEKS = r"^(([1-9]|[1-9][0-9]|10[0-9]|11[0-2]) days?|([1-9]|1[0-6]) weeks?)$"
StartDate = Annotated[str, Field(pattern=DATE_PATTERN, description="YYYY-MM-DD; default today in the "
                                                                             "member's time zone")]


class WorkoutProfile(ApiModel):
    age: Age | None = None
    gender: Gender | None = None
    weight: Weight | None = None
    height: Height | None = None
    fitnessLevel: FitnessLevel | None = None
    goals: list[FitnessGoal] | None = Field(None, min_length=1, max_length=7)
    workoutDays: list[Weekday] | None = Field(None, min_length=1, max_length=7,
                                              description="The days the member can train")
    sessionDuration: int | None = Field(None, ge=10, le=180, description="Minutes a session may last")
    equipment: list[Equipment] | None = Field(None, max_length=10)
    injuries: list[Injury] | None = Field(None, max_length=7)


class WorkoutPreferences(ApiModel):
    daysPerWeek: int | None = Field(None, ge=1, le=7, description="At most the number of workoutDays")
    intensity: Intensity | None = None
    duration: str | None = Field(None, pattern=WEEKS, description='"6 weeks" (1-16 weeks)')
    durationWeeks: int | None = Field(None, ge=1, le=16, description="Instead of duration")


class NutritionProfileFields(ApiModel):
    gender: Gender | None = None
    goals: list[FitnessGoal] | None = Field(None, min_length=1, max_length=7)
    dietaryRestrictions: list[Restriction] | None = Field(None, max_length=8,
                                                          description="Hard filters: an excluded food never appears")
    activityLevel: ActivityLevel | None = None
    workoutsPerWeek: int | None = Field(None, ge=0, le=14)


class NutritionProfile(NutritionProfileFields):
    age: Age
    weight: Weight
    height: Height


class SavedNutritionProfile(NutritionProfileFields):
    age: Age | None = None
    weight: Weight | None = None
    height: Height | None = None


class NutritionPreferences(ApiModel):
    mealTypes: list[MealType] | None = Field(None, min_length=1, max_length=4)
    duration: str | None = Field(None, pattern=DAYS_OR_WEEKS, description='"7 days" or "2 weeks" (up to 16 weeks)')
    durationDays: int | None = Field(None, ge=1, le=112, description="Instead of duration")
    targetCalories: int | None = Field(None, ge=1, le=6000, description="Under the calorie floor it is raised to "
                                                                        "the floor, with a warning")


class ClassProfile(ApiModel):
    age: Age | None = None
    fitnessLevel: FitnessLevel | None = None
    goals: list[FitnessGoal] | None = Field(None, min_length=1, max_length=7)
    availableDays: list[Weekday] | None = Field(None, min_length=1, max_length=7)


class ClassPreferences(ApiModel):
    daysPerWeek: int | None = Field(None, ge=1, le=7, description="At most the number of availableDays")
    duration: str | None = Field(None, pattern=WEEKS, description='"4 weeks" (1-16 weeks)')
    durationWeeks: int | None = Field(None, ge=1, le=16)
    sessionDuration: int | None = Field(None, ge=10, le=180, description="The longest class, in minutes")
    preferredTimes: list[Literal["morning", "midday", "evening"]] | None = Field(None, max_length=3)
    includeLive: bool | None = None


class WorkoutRequest(ApiModel):
    userProfile: WorkoutProfile = Field(default_factory=WorkoutProfile)
    preferences: WorkoutPreferences = Field(default_factory=WorkoutPreferences)


class NutritionRequest(ApiModel):
    userProfile: NutritionProfile
    preferences: NutritionPreferences = Field(default_factory=NutritionPreferences)


class ClassRequest(ApiModel):
    userProfile: ClassProfile = Field(default_factory=ClassProfile)
    preferences: ClassPreferences = Field(default_factory=ClassPreferences)


class SaveWorkoutRequest(WorkoutRequest):
    startDate: StartDate | None = None


class SaveNutritionRequest(ApiModel):
    userProfile: SavedNutritionProfile = Field(default_factory=SavedNutritionProfile,
                                               description="Omitted fields come from the member's profile")
    preferences: NutritionPreferences = Field(default_factory=NutritionPreferences)
    startDate: StartDate | None = None


class SaveClassRequest(ClassRequest):
    startDate: StartDate | None = None


# --- views ----------------------------------------------------------------------------------------------------
class Meta(View):
    """How the plan was made: every plan carries it."""
    engine: Literal["rules", "model"] = field("rules", "rules: the rules engine (deterministic); model: the "
                                              "client's language model, its answer held to the same limits")
    model: str | None = optional(None, "The language model's id (engine model)")
    engineVersion: str = field("1.0.0")
    inputsHash: str = field("3ef401d2...", "SHA-256 of the normalised inputs, engine and library versions: the same "
                                          "hash gives the same plan")
    generatedAt: Instant = field("2026-03-01T09:00:00Z")
    rationale: list[str] = field(["3 resistance day(s) a week: beginner, ACSM 2009 suggests at most 3"],
                                 "Why each choice was made")
    warnings: list[str] = field(["calorie_floor_applied"], "Machine-readable notes: a limit applied, an input "
                                                           "adjusted, nothing found for a pattern")
    disclaimer: str = field("General fitness and nutrition guidance, not medical advice...")


class Ref(View):
    exerciseId: str = field("glute_bridge")
    name: str = field("Glute bridge")


class Load(View):
    type: Literal["rpe", "bodyweight"] = field("rpe", "rpe: pick a weight that feels like `value` out of 10")
    value: int = field(7, "Target effort, RPE 1-10")


class Exercise(View):
    exerciseId: str = field("goblet_squat", "An id of the exercise library")
    name: str = field("Goblet squat")
    sets: int = field(3)
    reps: str = field("10-12", 'A range, a hold ("30s") or minutes ("20 min")')
    restTime: str = field("90s")
    load: Load
    instructions: str = field("Hold a dumbbell at the chest...")
    substitutions: list[Ref] = field([], "Safe alternatives with the same movement")


class WorkoutDay(View):
    day: Weekday = field("mon")
    name: str = field("Full body A")
    estimatedMinutes: int = field(42, "Never more than sessionDuration")
    warmup: list[str] = field(["5 min easy cardio"])
    exercises: list[Exercise]
    cooldown: list[str] = field(["Gentle stretches, about 30 s each"])


class WorkoutWeek(View):
    week: int = field(1)
    focus: str = field("Foundation: learn the movements with good form at the target effort")
    deload: bool = field(False, "Every 4th week: about 40% less volume")
    days: list[WorkoutDay]


class Exclusion(View):
    exerciseId: str = field("barbell_deadlift")
    name: str = field("Barbell deadlift")
    reasons: list[str] = field(["lower_back: heavy_hinge"], "injury: contraindication")
    substitutedBy: Ref


class SavedFields(View):
    status: Literal["active", "archived"] | None = optional("active", "Saved plans only; null when generated alone")
    startDate: str | None = optional("2026-03-02", "Saved plans only")
    endDate: str | None = optional("2026-04-12", "Saved plans only")
    createdAt: Instant | None = optional("2026-03-01T09:00:00Z", "Saved plans only")
    archivedAt: Instant | None = optional(None, "When it stopped being the active plan")
    replacedPlanId: str | None = optional(None, "The plan this one replaced")


class WorkoutPlan(SavedFields):
    id: str = field("wp_3f9a0c1e2b4d5f6a7b8c", "The plan's id")
    title: str = field("6-week strength plan")
    description: str = field("3 session(s) a week (mon, wed, fri) of about 45 minutes for a beginner...")
    duration: str = field("6 weeks")
    durationWeeks: int = field(6)
    daysPerWeek: int = field(3)
    fitnessLevel: FitnessLevel = field("beginner")
    goals: list[FitnessGoal] = field(["strength"])
    schedule: list[Weekday] = field(["mon", "wed", "fri"])
    exclusions: list[Exclusion] = field([], "Exercises left out for an injury, and what replaced them")
    weeks: list[WorkoutWeek]


class IngredientLine(View):
    ingredientId: str = field("rolled_oats")
    name: str = field("Rolled oats")
    quantity: Number = field(60)
    unit: Literal["g", "ml", "tsp", "tbsp", "pcs"] = field("g")


class RecipeRef(View):
    recipeId: str = field("berry_chia_oats")
    name: str = field("Berry chia oats")


class Meal(View):
    mealType: MealType = field("breakfast")
    name: str = field("Overnight oats with blueberries")
    recipeId: str = field("overnight_oats")
    servings: Number = field(1.25, "Portions of the recipe, in quarter steps")
    calories: int = field(520)
    proteinG: int = field(22)
    carbsG: int = field(80)
    fatG: int = field(12)
    ingredients: list[IngredientLine]
    method: str = field("Stir everything in a jar and leave it in the fridge overnight.")
    alternatives: list[RecipeRef] = field([], "Other recipes for this meal that respect the same restrictions")


class Totals(View):
    calories: int = field(1850)
    proteinG: int = field(110)
    carbsG: int = field(210)
    fatG: int = field(62)


class NutritionDay(View):
    day: int = field(1)
    meals: list[Meal]
    totals: Totals


class Method(View):
    bmr: int = field(1450, "Mifflin-St Jeor, kcal")
    activityFactor: Number = field(1.375)
    tdee: int = field(1994)
    goalAdjustment: int = field(-500)
    floorApplied: bool = field(False, "The target was raised to the calorie floor")
    floor: int = field(1200)


class Targets(View):
    calories: int = field(1494)
    proteinG: int = field(84)
    carbsG: int = field(183)
    fatG: int = field(50)
    waterMl: int = field(2300)
    targetSource: Literal["computed", "user", "model"] = field("computed", "Whose calorie figure: the formula's, the "
                                                                 "member's targetCalories, or the model's (in limits)")
    method: Method


class NutritionPlan(SavedFields):
    id: str = field("np_3f9a0c1e2b4d5f6a7b8c")
    title: str = field("7-day nutrition plan")
    durationDays: int = field(7)
    duration: str = field("7 days")
    mealTypes: list[MealType] = field(["breakfast", "lunch", "dinner"])
    dietaryRestrictions: list[Restriction] = field(["vegetarian"])
    targets: Targets
    days: list[NutritionDay]


class ClassPlanSession(View):
    day: Weekday = field("tue")
    classId: int = field(42)
    name: str = field("Morning Flow")
    category: str | None = field("Yoga")
    intensity: Intensity | None = field("low")
    duration: int = field(30, "Minutes")
    type: Literal["on_demand", "live"] = field("on_demand")
    goal: FitnessGoal = field("flexibility", "The goal this session serves")
    scheduledAt: Instant | None = optional(None, "When a live class starts")


class ClassPlanWeek(View):
    week: int = field(1)
    sessions: list[ClassPlanSession]


class WeeklyClassSchedule(SavedFields):
    id: str = field("cp_3f9a0c1e2b4d5f6a7b8c")
    title: str = field("4-week class plan")
    duration: str = field("4 weeks")
    durationWeeks: int = field(4)
    daysPerWeek: int = field(3)
    schedule: list[Weekday] = field(["mon", "wed", "fri"])
    weeks: list[ClassPlanWeek]


class WorkoutAnswer(View):
    workoutPlan: WorkoutPlan
    meta: Meta


class NutritionAnswer(View):
    nutritionPlan: NutritionPlan
    meta: Meta


class ClassPlanAnswer(View):
    classPlan: WeeklyClassSchedule
    meta: Meta


class SavedWorkout(WorkoutAnswer):
    replacedPlanId: str | None = field(None, "The plan that was active before, now archived")


class SavedNutrition(NutritionAnswer):
    replacedPlanId: str | None = field(None, "The plan that was active before, now archived")


class SavedClassPlan(ClassPlanAnswer):
    replacedPlanId: str | None = field(None, "The plan that was active before, now archived")


class Archived(View):
    archivedPlanId: str = field("wp_3f9a0c1e2b4d5f6a7b8c", "Kept in GET /users/me/plans")


class PlanSummary(View):
    id: str = field("wp_3f9a0c1e2b4d5f6a7b8c")
    type: Literal["workout", "nutrition", "class"] = field("workout")
    status: Literal["active", "archived"] = field("active")
    title: str = field("6-week strength plan")
    startDate: str = field("2026-03-02")
    endDate: str = field("2026-04-12")
    createdAt: Instant = field("2026-03-01T09:00:00Z")
    archivedAt: Instant | None = field(None)
    replacedPlanId: str | None = field(None)
    replacedBy: str | None = field(None, "The plan that replaced this one")
    inputsHash: str = field("3ef401d2...")


class PlanList(View):
    items: list[PlanSummary]
    pagination: Pagination


class DailyWorkout(View):
    planId: str = field("wp_3f9a0c1e2b4d5f6a7b8c")
    week: int = field(2)
    day: Weekday = field("mon")
    name: str = field("Lower body")
    focus: str = field("Build: 2 more set(s) than the last build week (at most +10%)")
    deload: bool = field(False)
    estimatedMinutes: int = field(45)
    exercises: list[Exercise]
    completed: bool = field(False, "A workout was logged that day")


class DailyMeal(View):
    planId: str = field("np_3f9a0c1e2b4d5f6a7b8c")
    mealType: MealType = field("breakfast")
    name: str = field("Overnight oats with blueberries")
    recipeId: str = field("overnight_oats")
    calories: int = field(420)
    logged: bool = field(True, "A meal of this type was logged that day")


class DailyClass(View):
    name: str = field("Personal training with Priya Nair")
    time: str | None = field("18:00", "HH:MM in the member's zone; null for on-demand classes")
    duration: int = field(45, "Minutes")
    source: Literal["class_plan", "one_to_one_booking"] = field("one_to_one_booking")
    classId: int | None = field(None, "Class-plan sessions")
    planId: str | None = field(None, "Class-plan sessions")
    bookingId: str | None = field("bk_3f9a0c1e2b4d5f6a", "1:1 bookings")
    startsAt: Instant | None = field("2026-03-29T17:00:00Z", "1:1 bookings; null for on-demand classes")


class DayProgress(View):
    workoutsLogged: int = field(1)
    workoutMinutes: int = field(45)
    calories: int = field(1320)
    waterMl: int = field(1750)


class DailyProgrammeSession(View):
    subscriptionId: str = field("ps_0123456789abcdef0123")
    programmeId: int = field(3)
    programmeName: str = field("Strong in Six")
    week: int = field(2, "The programme's week on this day (it stands still while paused)")
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = field("mon")
    name: str = field("Full body A")
    description: str = field("Squat, push, pull")


class DailyPlan(View):
    date: str = field("2026-03-29", "The member's local date")
    timeZone: str = field("Europe/London")
    restDay: bool = field(False, "The workout plan has no session on this weekday")
    workout: DailyWorkout | None = field(None, "null on rest days and outside the plan")
    meals: list[DailyMeal]
    classes: list[DailyClass]
    programmeSessions: list[DailyProgrammeSession] = field([], "The sessions of the programmes you follow on this "
                                                               "day; a paused programme has none")
    progress: DayProgress
    notes: list[str] = field(["workout_plan_not_started"], "Why something is missing: a plan not started or "
                                                           "ended, a class no longer in the catalog, a programme "
                                                           "paused (programme_paused)")


class ShoppingItem(View):
    ingredientId: str = field("chicken_breast")
    name: str = field("Chicken breast")
    category: str = field("meat_fish")
    quantity: Number = field(450)
    unit: Literal["g", "ml", "pcs"] = field("g", "Grams, millilitres or pieces: never summed across them")
    recipes: list[str] = field(["Lemon chicken quinoa bowl"], "The meals it is for")


class ShoppingList(View):
    from_: str = Field(alias="from", description="First day", examples=["2026-03-02"])
    to: str = field("2026-03-08", "Last day (inclusive)")
    planId: str = field("np_3f9a0c1e2b4d5f6a7b8c")
    items: list[ShoppingItem]
    notes: list[str] = field([])


# --- routes ----------------------------------------------------------------------------------------------------
def _generate(plan_type: str, tenant: Tenant, body: Any) -> dict[str, Any]:
    require_feature(tenant.id, plans.FEATURE[plan_type])
    return ok(plans.generate(plan_type, tenant.id, body.userProfile.model_dump(exclude_none=True),
                             body.preferences.model_dump(exclude_none=True)))


GENERATE_ERRORS = errors("FEATURE_DISABLED", "NO_DEFAULT_CLIENT", "CLIENT_SUSPENDED")


@app.post(f"{API}/ai/generate-workout-plan", response_model=Envelope.of(WorkoutAnswer), responses=GENERATE_ERRORS)
def generate_workout(body: WorkoutRequest, tenant: ClientTenant) -> dict[str, Any]:
    return _generate("workout", tenant, body)


@app.post(f"{API}/ai/generate-nutrition-plan", response_model=Envelope.of(NutritionAnswer),
          responses=GENERATE_ERRORS)
def generate_nutrition(body: NutritionRequest, tenant: ClientTenant) -> dict[str, Any]:
    return _generate("nutrition", tenant, body)


@app.post(f"{API}/ai/generate-class-plan", response_model=Envelope.of(ClassPlanAnswer), responses=GENERATE_ERRORS)
def generate_class(body: ClassRequest, tenant: ClientTenant) -> dict[str, Any]:
    return _generate("class", tenant, body)


SAVE_ERRORS = errors("FEATURE_DISABLED", "NOT_FOUND", "CONFLICT")
READ_ERRORS = errors("FEATURE_DISABLED", "NOT_FOUND")


def _saved_plan_routes(plan_type: str, body_model: type[ApiModel], saved: type[View], answer: type[View]) -> None:
    """POST, GET and DELETE /users/me/<type>-plan: save (and replace), read the active plan, archive it."""
    path = f"{API}/users/me/{plan_type}-plan"

    def save(body: body_model, caller: UserCaller) -> dict[str, Any]:  # type: ignore[valid-type]
        return ok(plans.save(caller.client_id, caller.user_id, plan_type,
                             body.userProfile.model_dump(exclude_none=True),
                             body.preferences.model_dump(exclude_none=True), body.startDate))

    def read(caller: UserCaller) -> dict[str, Any]:
        return ok(plans.active(caller.client_id, caller.user_id, plan_type))

    def archive(caller: UserCaller) -> dict[str, Any]:
        return ok(plans.archive(caller.client_id, caller.user_id, plan_type))

    for handler_function, verb in ((save, "save"), (read, "get"), (archive, "delete")):
        handler_function.__name__ = f"{verb}_{plan_type}_plan"
    app.router.add_api_route(path, save, methods=["POST"], status_code=201, response_model=Envelope.of(saved),
                             responses=SAVE_ERRORS, route_class_override=IdempotentRoute)  # Idempotency-Key
    app.get(path, response_model=Envelope.of(answer), responses=READ_ERRORS)(read)
    app.delete(path, response_model=Envelope.of(Archived), responses=SAVE_ERRORS)(archive)


_saved_plan_routes("workout", SaveWorkoutRequest, SavedWorkout, WorkoutAnswer)
_saved_plan_routes("nutrition", SaveNutritionRequest, SavedNutrition, NutritionAnswer)
_saved_plan_routes("class", SaveClassRequest, SavedClassPlan, ClassPlanAnswer)


@app.get(f"{API}/users/me/plans", response_model=Envelope.of(PlanList))
def list_plans(caller: UserCaller,
               type: Literal["workout", "nutrition", "class"] | None = Query(None),
               status: Literal["active", "archived"] | None = Query(None),
               page: int = Query(1, ge=1, le=10_000), limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    return ok(plans.history(caller.client_id, caller.user_id, type, status, page, limit))


DATE = DATE_PATTERN


@app.get(f"{API}/users/me/daily-plan", response_model=Envelope.of(DailyPlan), responses=errors("NOT_FOUND"))
def daily_plan(caller: UserCaller, date: str | None = Query(None, pattern=DATE, description="YYYY-MM-DD; default "
                                                            "today in the member's time zone")) -> dict[str, Any]:
    return ok(plans.daily_plan(caller.client_id, caller.user_id, date))


@app.get(f"{API}/users/me/nutrition-plan/shopping-list", response_model=Envelope.of(ShoppingList),
         response_model_by_alias=True, responses=READ_ERRORS)
def shopping_list(caller: UserCaller,
                  from_: str | None = Query(None, alias="from", pattern=DATE, description="Default today"),
                  to: str | None = Query(None, pattern=DATE, description="Default 6 days after from; at most 31 "
                                                                         "days in all")) -> dict[str, Any]:
    return ok(plans.shopping_list(caller.client_id, caller.user_id, from_, to))


handler = Mangum(app, lifespan="off")
