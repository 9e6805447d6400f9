"""The exercise-science and safety limits every plan passes, whatever engine produced it.

Sources (README, "Plans and progress"): ACSM 2009 position stand on progression models in resistance training
(frequency, sets, repetitions, rest by level and goal); ACSM 2011 position stand on the quantity and quality of
exercise (150 min/week of moderate cardio, flexibility 60 s per exercise, neuromotor work for older adults);
the Mifflin-St Jeor equation and its activity factors; NHLBI calorie floors (1,200 kcal women, 1,500 kcal men
without medical supervision); ISSN protein position (1.4-2.0 g/kg for training); the AMDR ranges (fat 20-35%,
carbohydrate 45-65% of energy). The +10%/week volume cap is a conservative default: the evidence for the 10%
rule itself is weak, while progressions over 30% in two weeks were linked to injuries in novice runners.
"""
from __future__ import annotations

from typing import Any

LEVELS = ("beginner", "intermediate", "advanced")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GOALS = ("weight_loss", "muscle_gain", "strength", "endurance", "flexibility", "general_fitness", "stress_relief")
GOAL_PRIORITY = ("strength", "muscle_gain", "endurance", "weight_loss", "general_fitness", "flexibility",
                 "stress_relief")
EQUIPMENT = ("none", "dumbbells", "barbell", "kettlebell", "resistance_bands", "pull_up_bar", "bench", "machines",
             "cardio_machine", "yoga_mat")
INJURIES = ("lower_back", "knee", "shoulder", "neck", "wrist", "ankle", "hip")
INTENSITIES = ("low", "medium", "high")
DIETARY_RESTRICTIONS = ("vegetarian", "vegan", "pescatarian", "gluten_free", "dairy_free", "nut_free", "halal",
                        "low_fodmap")
MEAL_TYPES = ("breakfast", "lunch", "dinner", "snack")
MIN_WEEKS, MAX_WEEKS = 1, 16

# --- workouts (ACSM 2009) -------------------------------------------------------------------------------------
# Resistance-training days a week at most: novices 2-3, intermediates 3-4, advanced 4-6 (split routines).
RESISTANCE_DAYS = {"beginner": 3, "intermediate": 4, "advanced": 6}
# goal family -> level -> (sets, reps, rest seconds)
PRESCRIPTION: dict[str, dict[str, tuple[int, str, int]]] = {
    "strength": {"beginner": (2, "8-12", 90), "intermediate": (3, "6-8", 120), "advanced": (4, "4-6", 180)},
    "hypertrophy": {"beginner": (2, "8-12", 90), "intermediate": (3, "8-12", 90), "advanced": (4, "6-12", 90)},
    "endurance": {"beginner": (2, "12-15", 45), "intermediate": (3, "15-20", 45), "advanced": (3, "15-25", 30)},
    "general": {"beginner": (2, "10-12", 60), "intermediate": (3, "10-12", 60), "advanced": (3, "8-12", 75)},
}
GOAL_FAMILY = {"strength": "strength", "muscle_gain": "hypertrophy", "endurance": "endurance",
               "weight_loss": "endurance", "general_fitness": "general", "flexibility": "general",
               "stress_relief": "general"}
MAX_SETS = {"beginner": 3, "intermediate": 4, "advanced": 5}
BASE_RPE = {"beginner": 6, "intermediate": 7, "advanced": 8}
MAX_RPE = {"beginner": 7, "intermediate": 8, "advanced": 9}
MIN_RPE = 4
SECONDS_PER_REP = 4
WEEKLY_VOLUME_CAP = 0.10  # a build week adds at most 10% of the previous build week's sets
TWO_WEEK_VOLUME_CAP = 0.30
DELOAD_EVERY = 4  # every 4th week
DELOAD_FACTOR = 0.6  # -40% volume
CARDIO_TARGET_MINUTES = 150  # moderate intensity per week (ACSM 2011)

# Injury -> contraindication tags of the exercise library.
INJURY_EXCLUSIONS: dict[str, tuple[str, ...]] = {
    "lower_back": ("heavy_hinge", "loaded_hinge", "loaded_spinal_flexion", "axial_loading", "bent_over_loading",
                   "spinal_flexion", "loaded_spinal_rotation", "repeated_spinal_flexion", "loaded_spinal_extension",
                   "ballistic_loading"),
    "knee": ("jumping", "loaded_knee_flexion", "deep_knee_flexion"),
    "shoulder": ("overhead_loading", "end_range_shoulder", "overhead_hanging"),
    "neck": ("neck_flexion", "axial_loading"),
    "wrist": ("loaded_wrist_extension",),
    "ankle": ("jumping", "running_impact", "ankle_instability"),
    "hip": ("deep_hip_flexion", "jumping", "running_impact"),
}


def excluded_by(exercise: dict[str, Any], injuries: list[str] | tuple[str, ...]) -> list[str]:
    """`injury: tag` for each reason the exercise is unsafe with these injuries (empty when it is safe)."""
    tags = set(exercise.get("contraindications") or ())
    return [f"{injury}: {tag}" for injury in injuries for tag in INJURY_EXCLUSIONS.get(injury, ()) if tag in tags]


def prescription(goal_family: str, level: str) -> tuple[int, str, int]:
    return PRESCRIPTION[goal_family][level]


def target_rpe(level: str, intensity: str, goal_family: str) -> int:
    rpe = BASE_RPE[level] + {"low": -1, "medium": 0, "high": 1}[intensity] - (1 if goal_family == "endurance" else 0)
    return max(MIN_RPE + 1, min(MAX_RPE[level], rpe))


def build_week_cap(previous_sets: int) -> int:
    """The most sets a build week may hold after a build week of `previous_sets`."""
    return previous_sets + int(previous_sets * WEEKLY_VOLUME_CAP)


def is_deload(week: int, weeks: int) -> bool:
    return weeks >= DELOAD_EVERY and week % DELOAD_EVERY == 0


def rep_midpoint(reps: str) -> float:
    low, _, high = reps.partition("-")
    return (float(low) + float(high or low)) / 2


# --- nutrition --------------------------------------------------------------------------------------------------
ACTIVITY_FACTORS = {"sedentary": 1.2, "light": 1.375, "moderate": 1.55, "active": 1.725, "very_active": 1.9}
CALORIE_FLOOR = {"female": 1200, "male": 1500}
CALORIE_FLOOR_OTHER = 1500  # the higher floor when sex is not given: the safer side of the two
WEIGHT_LOSS_DEFICIT = 500  # about 0.5 kg a week
MUSCLE_GAIN_SURPLUS = 300
PROTEIN_G_PER_KG = {"strength": 1.6, "muscle_gain": 1.6}
PROTEIN_G_PER_KG_DEFAULT = 1.2
FAT_SHARE = {"strength": 0.25, "muscle_gain": 0.25}
FAT_SHARE_DEFAULT = 0.30
CARB_SHARE_RANGE = (0.45, 0.65)
WATER_ML_PER_KG = 35
MEAL_SHARE = {"breakfast": 0.25, "lunch": 0.35, "dinner": 0.35, "snack": 0.10}

# Restriction -> the ingredient `contains` flags it forbids. A hard filter: a recipe with one such ingredient
# is never offered, not as a meal and not as an alternative.
FORBIDDEN_FLAGS: dict[str, frozenset[str]] = {
    "vegetarian": frozenset({"red_meat", "pork", "poultry", "fish", "shellfish"}),
    "vegan": frozenset({"red_meat", "pork", "poultry", "fish", "shellfish", "dairy", "egg", "honey"}),
    "pescatarian": frozenset({"red_meat", "pork", "poultry"}),
    "gluten_free": frozenset({"gluten"}),
    "dairy_free": frozenset({"dairy"}),
    "nut_free": frozenset({"tree_nut", "peanut"}),
    "halal": frozenset({"pork", "alcohol"}),
    "low_fodmap": frozenset({"high_fodmap"}),
}


def calorie_floor(gender: str) -> int:
    return CALORIE_FLOOR.get(gender, CALORIE_FLOOR_OTHER)


def clamp_calories(calories: float, gender: str) -> tuple[int, bool]:
    """(calories, floor applied): a target under the floor becomes the floor."""
    floor = calorie_floor(gender)
    return (floor, True) if calories < floor else (int(round(calories)), False)


def forbidden_flags(restrictions: list[str] | tuple[str, ...]) -> frozenset[str]:
    flags: set[str] = set()
    for restriction in restrictions:
        flags |= FORBIDDEN_FLAGS[restriction]
    return frozenset(flags)


def recipe_flags(recipe: dict[str, Any], ingredients: dict[str, dict[str, Any]]) -> set[str]:
    return {flag for line in recipe["ingredients"] for flag in ingredients[line["ingredientId"]].get("contains", ())}


def recipe_allowed(recipe: dict[str, Any], ingredients: dict[str, dict[str, Any]], forbidden: frozenset[str]) -> bool:
    return not (recipe_flags(recipe, ingredients) & forbidden)
