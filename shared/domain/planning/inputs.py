"""Normalising a request into the canonical inputs a plan is a function of (sorted, de-duplicated, defaults
filled), and the cross-field checks no schema can express. Ranges and enums are checked by the request models;
the checks here name the field too."""
from __future__ import annotations

import re
from typing import Any

from shared.domain.planning import limits
from shared.errors import invalid

_DURATION = re.compile(r"^\s*(\d{1,3})\s*(day|days|week|weeks)\s*$", re.IGNORECASE)


def ordered(values: list[str] | None, order: tuple[str, ...]) -> list[str]:
    """Unique values in the vocabulary's own order (so that ["fri", "mon"] and ["mon", "fri"] are one input)."""
    given = set(values or ())
    return [v for v in order if v in given]


def weeks_of(duration: str | None, duration_weeks: int | None, field: str, default: int) -> int:
    """"6 weeks" (or durationWeeks: 6) -> 6; 1-16 weeks."""
    if duration_weeks is not None:
        weeks = duration_weeks
    elif duration:
        match = _DURATION.match(duration)
        if not match or not match.group(2).lower().startswith("week"):
            raise invalid(field, 'a duration such as "6 weeks" (1-16 weeks)')
        weeks = int(match.group(1))
    else:
        weeks = default
    if not limits.MIN_WEEKS <= weeks <= limits.MAX_WEEKS:
        raise invalid(field, "between 1 and 16 weeks")
    return weeks


def days_of(duration: str | None, duration_days: int | None, field: str, default: int) -> int:
    """"7 days" or "2 weeks" (or durationDays) -> days; 1 day to 16 weeks."""
    if duration_days is not None:
        days = duration_days
    elif duration:
        match = _DURATION.match(duration)
        if not match:
            raise invalid(field, 'a duration such as "7 days" or "2 weeks" (up to 16 weeks)')
        days = int(match.group(1)) * (7 if match.group(2).lower().startswith("week") else 1)
    else:
        days = default
    if not 1 <= days <= 7 * limits.MAX_WEEKS:
        raise invalid(field, "between 1 day and 16 weeks")
    return days


def days_per_week(requested: int | None, offered: list[str], offered_field: str, default: int) -> int:
    if not offered:
        raise invalid(offered_field, "at least one day")
    if requested is None:
        return min(default, len(offered))
    if requested > len(offered):
        raise invalid("preferences.daysPerWeek",
                      f"{requested} is more than the {len(offered)} day(s) given in {offered_field}")
    return requested


def workout(profile: dict[str, Any], preferences: dict[str, Any]) -> dict[str, Any]:
    level = profile.get("fitnessLevel") or "beginner"
    days = ordered(profile.get("workoutDays") or ["mon", "wed", "fri"], limits.WEEKDAYS)
    return {
        "age": profile.get("age"), "gender": profile.get("gender") or "unspecified",
        "fitnessLevel": level,
        "goals": ordered(profile.get("goals") or ["general_fitness"], limits.GOALS),
        "workoutDays": days,
        "sessionDuration": int(profile.get("sessionDuration") or 45),
        "equipment": ordered(["none", *(profile.get("equipment") or [])], limits.EQUIPMENT),
        "injuries": ordered(profile.get("injuries"), limits.INJURIES),
        "daysPerWeek": days_per_week(preferences.get("daysPerWeek"), days, "userProfile.workoutDays",
                                     limits.RESISTANCE_DAYS[level]),
        "intensity": preferences.get("intensity") or "medium",
        "durationWeeks": weeks_of(preferences.get("duration"), preferences.get("durationWeeks"),
                                  "preferences.duration", 4),
    }


def nutrition(profile: dict[str, Any], preferences: dict[str, Any]) -> dict[str, Any]:
    for field in ("age", "weight", "height"):
        if profile.get(field) is None:
            raise invalid(f"userProfile.{field}", "required to compute energy needs (or set it in your profile)")
    return {
        "age": int(profile["age"]), "gender": profile.get("gender") or "unspecified",
        "weight": round(float(profile["weight"]), 1), "height": round(float(profile["height"]), 1),
        "goals": ordered(profile.get("goals") or ["general_fitness"], limits.GOALS),
        "dietaryRestrictions": ordered(profile.get("dietaryRestrictions"), limits.DIETARY_RESTRICTIONS),
        "activityLevel": profile.get("activityLevel"),
        "workoutsPerWeek": profile.get("workoutsPerWeek"),
        "mealTypes": ordered(preferences.get("mealTypes") or ["breakfast", "lunch", "dinner"], limits.MEAL_TYPES),
        "durationDays": days_of(preferences.get("duration"), preferences.get("durationDays"),
                                "preferences.duration", 7),
        "targetCalories": preferences.get("targetCalories"),
    }


def class_plan(profile: dict[str, Any], preferences: dict[str, Any]) -> dict[str, Any]:
    days = ordered(profile.get("availableDays") or ["mon", "wed", "fri"], limits.WEEKDAYS)
    return {
        "age": profile.get("age"), "fitnessLevel": profile.get("fitnessLevel") or "beginner",
        "goals": ordered(profile.get("goals") or ["general_fitness"], limits.GOALS),
        "availableDays": days,
        "daysPerWeek": days_per_week(preferences.get("daysPerWeek"), days, "userProfile.availableDays", 3),
        "durationWeeks": weeks_of(preferences.get("duration"), preferences.get("durationWeeks"),
                                  "preferences.duration", 4),
        "sessionDuration": int(preferences.get("sessionDuration") or 45),
        "preferredTimes": ordered(preferences.get("preferredTimes"), ("morning", "midday", "evening")),
        "includeLive": bool(preferences.get("includeLive")),
    }
