"""The daily plan and the shopping list: pure functions of saved plans, the day's progress totals and dates."""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from shared import clock
from shared.domain.planning import library, limits


def day_index(start: str, on: date) -> int:
    return (on - date.fromisoformat(start)).days


def _within(summary: dict[str, Any] | None, on: date, notes: list[str], kind: str) -> int | None:
    """The plan's day index for `on`, or None (with a note) when the date is outside the plan."""
    if not summary:
        return None
    index = day_index(summary["startDate"], on)
    if index < 0:
        notes.append(f"{kind}_plan_not_started")
        return None
    if on > date.fromisoformat(summary["endDate"]):
        notes.append(f"{kind}_plan_ended")
        return None
    return index


def workout_for(summary: dict[str, Any] | None, body: dict[str, Any] | None, on: date, day_totals: dict[str, Any],
                notes: list[str]) -> tuple[dict[str, Any] | None, bool]:
    """(the workout of `on`, rest day?)."""
    index = _within(summary, on, notes, "workout")
    if index is None or body is None or summary is None:
        return None, False
    plan = body["plan"]
    week_no = min(index // 7 + 1, len(plan["weeks"]))
    weekday = limits.WEEKDAYS[on.weekday()]
    week = plan["weeks"][week_no - 1]
    session = next((d for d in week["days"] if d["day"] == weekday), None)
    if session is None:
        return None, True
    return {"planId": summary["id"], "week": week_no, "day": weekday, "name": session["name"],
            "focus": week["focus"], "deload": week["deload"], "estimatedMinutes": session["estimatedMinutes"],
            "exercises": session["exercises"], "completed": int(day_totals.get("workouts") or 0) > 0}, False


def meals_for(summary: dict[str, Any] | None, body: dict[str, Any] | None, on: date, day_totals: dict[str, Any],
              notes: list[str]) -> list[dict[str, Any]]:
    index = _within(summary, on, notes, "nutrition")
    if index is None or body is None or summary is None:
        return []
    plan = body["plan"]
    day = plan["days"][index % plan["durationDays"]]
    return [{"planId": summary["id"], "mealType": m["mealType"], "name": m["name"], "recipeId": m["recipeId"],
             "calories": m["calories"], "logged": int(day_totals.get(f"meal_{m['mealType']}") or 0) > 0}
            for m in day["meals"]]


def classes_for(summary: dict[str, Any] | None, body: dict[str, Any] | None, on: date,
                available: set[int], notes: list[str]) -> list[dict[str, Any]]:
    """Class-plan sessions of `on`'s weekday; a class gone from the catalog becomes a note, never an error."""
    index = _within(summary, on, notes, "class")
    if index is None or body is None or summary is None:
        return []
    plan = body["plan"]
    week = plan["weeks"][min(index // 7, len(plan["weeks"]) - 1)]
    weekday = limits.WEEKDAYS[on.weekday()]
    found = []
    for session in week["sessions"]:
        if session["day"] != weekday:
            continue
        if session["classId"] not in available:
            notes.append(f"class_unavailable:{session['classId']}")
            continue
        found.append({"name": session["name"], "time": None, "duration": session["duration"],
                      "source": "class_plan", "classId": session["classId"], "planId": summary["id"],
                      "bookingId": None, "startsAt": None})
    return found


def bookings_for(bookings: list[dict[str, Any]], tz: tzinfo) -> list[dict[str, Any]]:
    """Confirmed 1:1 bookings (as the bookings views show them), each at its time in the member's own zone."""
    found = []
    for booking in bookings:
        if booking["status"] != "confirmed":
            continue
        local = datetime.fromtimestamp(clock.parse_iso(booking["startsAt"]), tz)
        trainer = (booking.get("trainer") or {}).get("name") or ""
        found.append({"name": f"{booking['serviceName']} with {trainer}" if trainer else booking["serviceName"],
                      "time": local.strftime("%H:%M"), "duration": booking["duration"],
                      "source": "one_to_one_booking", "classId": None, "planId": None, "bookingId": booking["id"],
                      "startsAt": booking["startsAt"]})
    return found


def class_ids_for(body: dict[str, Any] | None, summary: dict[str, Any] | None, on: date) -> list[int]:
    """The class ids the class plan holds for `on` (to check that they are still in the catalog)."""
    if not body or not summary:
        return []
    index = day_index(summary["startDate"], on)
    if index < 0 or on > date.fromisoformat(summary["endDate"]):
        return []
    week = body["plan"]["weeks"][min(index // 7, len(body["plan"]["weeks"]) - 1)]
    weekday = limits.WEEKDAYS[on.weekday()]
    return sorted({s["classId"] for s in week["sessions"] if s["day"] == weekday})


# --- shopping list ----------------------------------------------------------------------------------------------
def _round_up(quantity: float, unit: str) -> float:
    step = 0.5 if unit == "pcs" else 5.0
    value = math.ceil(quantity / step - 1e-9) * step
    return int(value) if float(value).is_integer() else value


def shopping_list(summary: dict[str, Any], body: dict[str, Any], start: date, end: date,
                  ingredients: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Every ingredient of the meals between `start` and `end` (inclusive) that fall inside the plan. The same
    ingredient is summed only within one unit family (grams with kilograms, millilitres with spoons, pieces with
    pieces), converted to the family's base unit; the same ingredient in two families stays two lines."""
    ingredients = ingredients if ingredients is not None else library.load().ingredients
    plan = body["plan"]
    notes: list[str] = []
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    on = start
    outside = 0
    while on <= end:
        index = day_index(summary["startDate"], on)
        if index < 0 or on > date.fromisoformat(summary["endDate"]):
            outside += 1
        else:
            for meal in plan["days"][index % plan["durationDays"]]["meals"]:
                for line in meal["ingredients"]:
                    family = library.UNIT_FAMILY[line["unit"]]
                    entry = totals.setdefault((line["ingredientId"], family), {
                        "ingredientId": line["ingredientId"], "name": line["name"],
                        "category": (ingredients.get(line["ingredientId"]) or {}).get("category", "other"),
                        "quantity": 0.0, "unit": library.BASE_UNIT[family], "recipes": []})
                    entry["quantity"] += library.in_base_unit(float(line["quantity"]), line["unit"])
                    if meal["name"] not in entry["recipes"]:
                        entry["recipes"].append(meal["name"])
        on += timedelta(days=1)
    if outside:
        notes.append(f"{outside} day(s) of the range are outside the plan ({summary['startDate']} to "
                     f"{summary['endDate']})")
    names: dict[str, int] = {}
    for ingredient_id, _ in totals:
        names[ingredient_id] = names.get(ingredient_id, 0) + 1
    for (ingredient_id, family), entry in totals.items():
        if names[ingredient_id] > 1:
            notes.append(f"{entry['name']} is listed once per unit family ({family} here): "
                         "they are not added together")
    items = sorted(totals.values(), key=lambda e: (e["category"], e["name"], e["unit"]))
    for entry in items:
        entry["quantity"] = _round_up(entry["quantity"], entry["unit"])
        entry["recipes"] = sorted(entry["recipes"])
    return {"from": start.isoformat(), "to": end.isoformat(), "planId": summary["id"], "items": items,
            "notes": sorted(set(notes))}
