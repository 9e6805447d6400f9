"""Class plans: a weekly schedule of the caller's client's own classes (never another catalog), matched to the
member's goals, level, days and session length."""
from __future__ import annotations

import hashlib
from typing import Any

from shared.domain.planning import inputs as normalise
from shared.domain.planning import meta

# Words in a class's category or name that suit a goal.
GOAL_WORDS: dict[str, tuple[str, ...]] = {
    "weight_loss": ("hiit", "cardio", "tabata", "spin", "boxing", "burn"),
    "endurance": ("cardio", "spin", "hiit", "run", "cycle", "boxing"),
    "strength": ("strength", "lift", "power", "dumbbell", "glute", "core"),
    "muscle_gain": ("strength", "lift", "power", "dumbbell", "glute"),
    "flexibility": ("yoga", "pilates", "stretch", "mobility", "flow"),
    "stress_relief": ("yoga", "breath", "calm", "restore", "flow", "stretch"),
    "general_fitness": (),
}
INTENSITY_FIT = {"beginner": {"low": 2, "medium": 1, "high": 0},
                 "intermediate": {"low": 1, "medium": 2, "high": 1},
                 "advanced": {"low": 0, "medium": 1, "high": 2}}


def catalog_version(classes: list[dict[str, Any]]) -> str:
    """A digest of what the plan depends on in the catalog: the same catalog gives the same plan."""
    rows = sorted((int(c["id"]), str(c["name"]), int(c["duration"]), str(c.get("intensity")),
                   str(c.get("category") or ""), bool(c.get("isLive"))) for c in classes)
    return hashlib.sha256(meta.canonical(rows).encode("utf-8")).hexdigest()[:16]


def goal_match(klass: dict[str, Any], goal: str) -> bool:
    words = GOAL_WORDS.get(goal, ())
    text = f"{klass.get('category') or ''} {klass['name']}".lower()
    return not words or any(w in text for w in words)


def rank(classes: list[dict[str, Any]], goal: str, inputs: dict[str, Any], seed: str) -> list[dict[str, Any]]:
    level = inputs["fitnessLevel"]
    fits = [c for c in classes if int(c["duration"]) <= inputs["sessionDuration"]]
    older = (inputs.get("age") or 0) >= 65

    def score(c: dict[str, Any]) -> tuple[Any, ...]:
        intensity = INTENSITY_FIT[level].get(str(c.get("intensity")), 0)
        if older and c.get("intensity") == "high":
            intensity -= 2
        fullness = int(c["duration"]) / inputs["sessionDuration"]
        return (-(3 * goal_match(c, goal)), -intensity, -round(min(fullness, 1.0), 1), meta.tiebreak(seed, str(c["id"])))
    return sorted(fits, key=score)


def generate(profile: dict[str, Any], preferences: dict[str, Any], catalog: list[dict[str, Any]]) -> dict[str, Any]:
    """POST /ai/generate-class-plan over `catalog`, the caller's client's active classes."""
    inputs = normalise.class_plan(profile, preferences)
    candidates = [c for c in catalog if inputs["includeLive"] or not c.get("isLive")]
    digest = meta.inputs_hash("class", inputs, catalog_version(candidates))
    rationale: list[str] = []
    warnings: list[str] = []
    from shared.domain.planning.workout import spread_days

    days = spread_days(inputs["availableDays"], inputs["daysPerWeek"])
    rationale.append(f"{len(days)} class(es) a week on {', '.join(days)}, spread for recovery")
    goals = inputs["goals"]
    ranked = {goal: rank(candidates, goal, inputs, digest) for goal in goals}
    rationale.append(f"Classes of at most {inputs['sessionDuration']} minutes, matched to "
                     f"{', '.join(g.replace('_', ' ') for g in goals)} and to {inputs['fitnessLevel']} intensity")
    if not inputs["includeLive"]:
        rationale.append("On-demand classes only (includeLive was not asked for)")
    if not any(ranked.values()):
        warnings.append("no_matching_classes")
    weeks = []
    turn: dict[str, int] = {}
    for week in range(1, inputs["durationWeeks"] + 1):
        sessions = []
        this_week: set[int] = set()
        for i, day in enumerate(days):
            goal = goals[i % len(goals)]
            options = [c for c in ranked[goal] if int(c["id"]) not in this_week] or ranked[goal]
            if not options:
                continue
            pool = options[:max(1, min(len(options), 2 * len(days)))]
            pick = pool[turn.get(goal, 0) % len(pool)]
            turn[goal] = turn.get(goal, 0) + 1
            this_week.add(int(pick["id"]))
            session = {"day": day, "classId": int(pick["id"]), "name": pick["name"],
                       "category": pick.get("category"), "intensity": pick.get("intensity"),
                       "duration": int(pick["duration"]), "type": "live" if pick.get("isLive") else "on_demand",
                       "goal": goal, "scheduledAt": pick.get("scheduledAt") if pick.get("isLive") else None}
            sessions.append(session)
        weeks.append({"week": week, "sessions": sessions})
    plan = {
        "id": meta.new_plan_id("class"),
        "title": f"{inputs['durationWeeks']}-week class plan",
        "duration": f"{inputs['durationWeeks']} week{'s' if inputs['durationWeeks'] != 1 else ''}",
        "durationWeeks": inputs["durationWeeks"], "daysPerWeek": len(days), "schedule": days, "weeks": weeks,
    }
    return {"classPlan": plan, "meta": meta.build(digest, rationale, warnings), "inputs": inputs}
