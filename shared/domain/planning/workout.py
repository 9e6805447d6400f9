"""Workout plans: ACSM-style frequency, sets, repetitions and rest by level and goal; sessions that fit the
member's time; only the equipment they have; exercises their injuries contraindicate replaced, with the
reason; volume that grows at most 10% a week with a deload every fourth week."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shared.domain.planning import inputs as normalise
from shared.domain.planning import library, limits, meta

# Session templates: movement patterns in priority order (time fitting drops from the end).
TEMPLATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "full_a": ("Full body A", ("squat", "push_horizontal", "pull_horizontal", "hinge", "core", "carry")),
    "full_b": ("Full body B", ("hinge", "push_vertical", "pull_vertical", "lunge", "core", "core")),
    "upper": ("Upper body", ("push_horizontal", "pull_horizontal", "push_vertical", "pull_vertical", "core")),
    "lower": ("Lower body", ("squat", "hinge", "lunge", "core", "balance")),
    "conditioning": ("Cardio and core", ("cardio", "core", "core", "mobility")),
    "mobility": ("Mobility and balance", ("mobility", "mobility", "balance", "mobility", "core", "mobility")),
}
RESISTANCE_SPLITS = {
    1: ("full_a",), 2: ("full_a", "full_b"), 3: ("full_a", "full_b", "full_a"),
    4: ("upper", "lower", "upper", "lower"), 5: ("upper", "lower", "full_a", "upper", "lower"),
    6: ("upper", "lower", "full_a", "upper", "lower", "full_b"),
}
LEVEL_RANK = {level: i for i, level in enumerate(limits.LEVELS)}
# When nothing of a pattern is possible (equipment, injuries), the nearest pattern takes its place.
FALLBACK = {"pull_vertical": "pull_horizontal", "push_vertical": "push_horizontal", "lunge": "squat",
            "squat": "lunge", "hinge": "core", "carry": "core", "balance": "mobility", "push_horizontal": "core",
            "pull_horizontal": "pull_vertical"}
FINISHER_MINUTES = {"beginner": 10, "intermediate": 12, "advanced": 15}
HOLD_SECONDS = {"beginner": 30, "intermediate": 40, "advanced": 45}


@dataclass
class Slot:
    """One exercise of a session, with its prescription (sets change week by week)."""
    exercise: dict[str, Any]
    priority: int
    sets: int
    reps: str
    rest: int
    rpe: int
    minutes: int = 0
    substitutions: list[dict[str, str]] = field(default_factory=list)
    replaces: list[dict[str, Any]] = field(default_factory=list)  # unsafe exercises it stands in for

    def seconds(self) -> float:
        measure = self.exercise["measure"]
        if measure == "minutes":
            return self.minutes * 60.0
        work = float(self.reps.rstrip("s")) if measure == "seconds" else limits.rep_midpoint(self.reps) * \
            limits.SECONDS_PER_REP
        return self.sets * (work + self.rest)


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _framing(session_duration: int) -> tuple[int, int]:
    """Warm-up and cool-down minutes."""
    return (5, 5) if session_duration >= 30 else (3, 2)


def session_minutes(slots: list[Slot], session_duration: int) -> int:
    warm, cool = _framing(session_duration)
    return warm + cool + math.ceil(sum(s.seconds() for s in slots) / 60)


def spread_days(offered: list[str], count: int) -> list[str]:
    """`count` of the offered weekdays, as evenly spaced around the week as they allow (rest between)."""
    if count >= len(offered):
        return list(offered)
    index = {d: i for i, d in enumerate(limits.WEEKDAYS)}
    best: tuple[tuple[int, float], list[str]] | None = None
    from itertools import combinations

    for combo in combinations(offered, count):
        positions = [index[d] for d in combo]
        gaps = [(positions[(i + 1) % count] - positions[i]) % 7 or 7 for i in range(count)]
        score = (min(gaps), -sum((g - 7 / count) ** 2 for g in gaps))
        if best is None or score > best[0]:
            best = (score, list(combo))
    return best[1] if best else list(offered[:count])


def session_kinds(inputs: dict[str, Any], rationale: list[str]) -> list[str]:
    level, days = inputs["fitnessLevel"], inputs["daysPerWeek"]
    cap = limits.RESISTANCE_DAYS[level]
    resistance = min(days, cap)
    kinds = list(RESISTANCE_SPLITS[resistance])
    rationale.append(f"{resistance} resistance day(s) a week: {level}, ACSM 2009 suggests at most {cap}"
                     + (" (split routine)" if resistance >= 4 else " (full body)"))
    extra = days - resistance
    if extra:
        calm = bool({"flexibility", "stress_relief"} & set(inputs["goals"]))
        for i in range(extra):
            kinds.append("mobility" if (calm and i % 2 == 0) or (not calm and i % 2 == 1) else "conditioning")
        rationale.append(f"{extra} more day(s) of cardio, core and mobility instead of more lifting, "
                         "so that muscles recover 48 hours between resistance sessions")
    return kinds


def _allowed(exercise: dict[str, Any], inputs: dict[str, Any]) -> bool:
    return set(exercise["equipment"]) <= set(inputs["equipment"]) and \
        LEVEL_RANK[exercise["level"]] <= LEVEL_RANK[inputs["fitnessLevel"]]


def ranked(pattern: str, inputs: dict[str, Any], seed: str) -> list[dict[str, Any]]:
    """Exercises of a pattern the member can do with their equipment and level, best first: the level closest
    to theirs, then those that use equipment they have, then a tie-break seeded by the inputs."""
    level = LEVEL_RANK[inputs["fitnessLevel"]]
    found = [e for e in library.load().exercises.values() if e["pattern"] == pattern and _allowed(e, inputs)]
    return sorted(found, key=lambda e: (level - LEVEL_RANK[e["level"]], -len(e["equipment"]),
                                        meta.tiebreak(seed, e["id"])))


def _prescribe(exercise: dict[str, Any], priority: int, inputs: dict[str, Any], family: str,
               kind: str) -> Slot:
    level = inputs["fitnessLevel"]
    sets, reps, rest = limits.prescription(family, level)
    rpe = limits.target_rpe(level, inputs["intensity"], family)
    measure = exercise["measure"]
    if measure == "minutes":
        main = kind == "conditioning" and priority == 0
        minutes = max(10, inputs["sessionDuration"] - 25) if main else FINISHER_MINUTES[level]
        return Slot(exercise, priority, 1, f"{minutes} min", 0, min(rpe, 6), minutes=minutes)
    if exercise["kind"] in ("mobility", "balance"):
        return Slot(exercise, priority, 2, "30s", 15, 3)
    if measure == "seconds":
        return Slot(exercise, priority, max(2, sets), f"{HOLD_SECONDS[level]}s", 45, rpe)
    if exercise["kind"] == "core":
        return Slot(exercise, priority, max(2, sets), "10-15" if family != "strength" else "8-12", 45, rpe)
    return Slot(exercise, priority, sets, reps, rest, rpe)


@dataclass
class Day:
    day: str
    kind: str
    name: str
    slots: list[Slot]


def _candidates(pattern: str, inputs: dict[str, Any], seed: str) -> tuple[list[dict[str, Any]],
                                                                         list[dict[str, Any]]]:
    """(the unsafe exercises ranked above the first safe one, with their reasons; the safe ones, best first)."""
    unsafe_first: list[dict[str, Any]] = []
    candidates: list[dict[str, Any]] = []
    for exercise in ranked(pattern, inputs, seed):
        reasons = limits.excluded_by(exercise, inputs["injuries"])
        if reasons:
            if not candidates:
                unsafe_first.append({**exercise, "_reasons": reasons})
            continue
        candidates.append(exercise)
    return unsafe_first, candidates


def build_days(inputs: dict[str, Any], seed: str, family: str, rationale: list[str],
               warnings: list[str], exclusions: dict[str, dict[str, Any]]) -> list[Day]:
    schedule = spread_days(inputs["workoutDays"], inputs["daysPerWeek"])
    kinds = session_kinds(inputs, rationale)
    goals = set(inputs["goals"])
    used_by_pattern: dict[str, int] = {}
    days: list[Day] = []
    for day, kind in zip(schedule, kinds):
        name, template = TEMPLATES[kind]
        patterns = list(template)
        if kind not in ("conditioning", "mobility"):
            if goals & {"weight_loss", "endurance"}:
                patterns.insert(3, "cardio")
            if goals & {"flexibility", "stress_relief"}:
                patterns.append("mobility")
            if (inputs.get("age") or 0) >= 65 and "balance" not in patterns:
                patterns.insert(2, "balance")
        chosen: list[Slot] = []
        taken: set[str] = set()
        for priority, wanted in enumerate(patterns):
            for pattern in (wanted, FALLBACK.get(wanted)):
                if pattern is None:
                    continue
                unsafe_first, candidates = _candidates(pattern, inputs, seed)
                fresh = [c for c in candidates if c["id"] not in taken]
                if fresh:
                    break
            if not fresh or pattern is None:  # (a pattern was found whenever fresh is not empty)
                warnings.append(f"no_safe_exercise:{wanted}")
                continue
            if pattern != wanted:
                warnings.append(f"pattern_replaced:{wanted}")
            turn = used_by_pattern.get(pattern, 0)
            used_by_pattern[pattern] = turn + 1
            pick = fresh[turn % len(fresh)]
            taken.add(pick["id"])
            slot = _prescribe(pick, priority, inputs, family, kind)
            slot.substitutions = [{"exerciseId": c["id"], "name": c["name"]} for c in candidates
                                  if c["id"] != pick["id"]][:2]
            slot.replaces = unsafe_first
            chosen.append(slot)
        fit(chosen, inputs["sessionDuration"], warnings)
        for slot in chosen:
            for unsafe in slot.replaces:
                exclusions.setdefault(unsafe["id"], {
                    "exerciseId": unsafe["id"], "name": unsafe["name"], "reasons": unsafe["_reasons"],
                    "substitutedBy": {"exerciseId": slot.exercise["id"], "name": slot.exercise["name"]}})
        days.append(Day(day, kind, name, chosen))
    return days


def fit(slots: list[Slot], session_duration: int, warnings: list[str]) -> None:
    """Shorten the session until it fits: shorter cardio, then drop the lowest-priority exercises, then sets."""
    while session_minutes(slots, session_duration) > session_duration:
        over = session_minutes(slots, session_duration) - session_duration
        cardio = [s for s in slots if s.exercise["measure"] == "minutes" and s.minutes > 5]
        if cardio:
            slot = cardio[-1]
            slot.minutes = max(5, slot.minutes - over)
            slot.reps = f"{slot.minutes} min"
            continue
        if len(slots) > 1:
            slots.remove(max(slots, key=lambda s: s.priority))
            continue
        if slots and slots[0].sets > 1:
            slots[0].sets -= 1
            continue
        warnings.append("session_shorter_than_minimum")
        break


def _total_sets(days: list[Day]) -> int:
    return sum(s.sets for d in days for s in d.slots if s.exercise["measure"] != "minutes")


def _grow(days: list[Day], allowance: int, level: str, session_duration: int) -> int:
    """Add up to `allowance` sets, one at a time round-robin over the sessions in priority order, where an
    exercise is below the level's set cap and the session still fits. Returns the sets added."""
    added = 0
    queues = [sorted([s for s in d.slots if s.exercise["measure"] == "reps"], key=lambda s: s.priority)
              for d in days]
    progress = True
    while added < allowance and progress:
        progress = False
        for day, queue in zip(days, queues):
            for slot in queue:
                if added >= allowance:
                    break
                if slot.sets >= limits.MAX_SETS[level]:
                    continue
                slot.sets += 1
                if session_minutes(day.slots, session_duration) > session_duration:
                    slot.sets -= 1
                    continue
                added += 1
                progress = True
                break
    return added


def _copy(days: list[Day]) -> list[Day]:
    return [Day(d.day, d.kind, d.name, [Slot(**{**s.__dict__, "substitutions": list(s.substitutions),
                                                 "replaces": list(s.replaces)})
                                        for s in d.slots]) for d in days]


def _deload(days: list[Day]) -> list[Day]:
    light = _copy(days)
    for day in light:
        for slot in day.slots:
            if slot.exercise["measure"] == "minutes":
                slot.minutes = max(5, int(slot.minutes * limits.DELOAD_FACTOR))
                slot.reps = f"{slot.minutes} min"
            else:
                slot.sets = max(1, round(slot.sets * limits.DELOAD_FACTOR))
            slot.rpe = max(limits.MIN_RPE, slot.rpe - 2) if slot.exercise["kind"] not in ("mobility", "balance") \
                else slot.rpe
    return light


def _grow_cardio(days: list[Day], session_duration: int) -> None:
    for day in days:
        for slot in day.slots:
            if slot.exercise["measure"] != "minutes":
                continue
            step = int(slot.minutes * limits.WEEKLY_VOLUME_CAP)
            if step:
                slot.minutes += step
                if session_minutes(day.slots, session_duration) > session_duration:
                    slot.minutes -= step
                slot.reps = f"{slot.minutes} min"


def _exercise_view(slot: Slot) -> dict[str, Any]:
    exercise = slot.exercise
    bodyweight = not exercise["equipment"] and exercise["kind"] in ("strength", "core")
    return {
        "exerciseId": exercise["id"], "name": exercise["name"], "sets": slot.sets, "reps": slot.reps,
        "restTime": f"{slot.rest}s", "load": {"type": "bodyweight" if bodyweight else "rpe", "value": slot.rpe},
        "instructions": exercise["instructions"], "substitutions": slot.substitutions,
    }


def _day_view(day: Day, session_duration: int) -> dict[str, Any]:
    warm, cool = _framing(session_duration)
    return {
        "day": day.day, "name": day.name, "estimatedMinutes": session_minutes(day.slots, session_duration),
        "warmup": [f"{warm} min easy cardio (marching, cycling or a brisk walk)",
                   "Dynamic mobility for the joints this session uses"],
        "exercises": [_exercise_view(s) for s in day.slots],
        "cooldown": [f"{cool} min easy walking and relaxed breathing", "Gentle stretches, about 30 s each"],
    }


def generate(profile: dict[str, Any], preferences: dict[str, Any]) -> dict[str, Any]:
    """POST /ai/generate-workout-plan: `{workoutPlan, meta}`, a pure function of the inputs (but for the plan's
    id and `meta.generatedAt`)."""
    inputs = normalise.workout(profile, preferences)
    digest = meta.inputs_hash("workout", inputs)
    rationale: list[str] = []
    warnings: list[str] = []
    goal = next(g for g in limits.GOAL_PRIORITY if g in inputs["goals"])
    family = limits.GOAL_FAMILY[goal]
    level, weeks = inputs["fitnessLevel"], inputs["durationWeeks"]
    sets, reps, rest = limits.prescription(family, level)
    rationale.append(f"Primary goal {goal.replace('_', ' ')}: {sets} sets of {reps} with {rest}s rest for "
                     f"{_a(level)} (ACSM 2009)")
    rpe = limits.target_rpe(level, inputs["intensity"], family)
    rationale.append(f"Effort RPE {rpe} of 10 ({inputs['intensity']} intensity, capped at "
                     f"{limits.MAX_RPE[level]} for {_a(level)}); add 2-10% load once you pass the top of the rep "
                     "range on every set")
    exclusions: dict[str, dict[str, Any]] = {}
    base = build_days(inputs, digest, family, rationale, warnings, exclusions)
    for excluded in exclusions.values():
        rationale.append(f"Excluded {excluded['name']} ({'; '.join(excluded['reasons'])}); "
                         f"{excluded['substitutedBy']['name']} instead")
    if inputs["injuries"]:
        warnings.append("injuries_adjusted")
    cardio_minutes = sum(s.minutes for d in base for s in d.slots if s.exercise["measure"] == "minutes")
    if cardio_minutes < limits.CARDIO_TARGET_MINUTES:
        rationale.append(f"{cardio_minutes} min of cardio a week in the plan; build towards "
                         f"{limits.CARDIO_TARGET_MINUTES} min of moderate activity a week (ACSM 2011), "
                         "walking counts")
    plan_weeks = []
    build, previous_sets = _copy(base), _total_sets(base)
    for week in range(1, weeks + 1):
        if limits.is_deload(week, weeks):
            days = _deload(build)
            focus = "Deload: about 40% less volume and lighter effort, so that the body absorbs the work"
        else:
            if week > 1:
                allowance = int(previous_sets * limits.WEEKLY_VOLUME_CAP)
                added = _grow(build, allowance, level, inputs["sessionDuration"])
                _grow_cardio(build, inputs["sessionDuration"])
                focus = (f"Build: {added} more set(s) than the last build week (at most +10%)" if added else
                         "Build: the sessions are full; aim for the top of the rep range or add 2-10% load")
                previous_sets = _total_sets(build)
            else:
                focus = "Foundation: learn the movements with good form at the target effort"
            days = _copy(build)
        plan_weeks.append({"week": week, "focus": focus, "deload": limits.is_deload(week, weeks),
                           "days": [_day_view(d, inputs["sessionDuration"]) for d in days]})
    if weeks >= limits.DELOAD_EVERY:
        rationale.append("Volume grows at most 10% a week (never 30% in two weeks) with a deload every 4th week")
    else:
        rationale.append("Volume grows at most 10% a week")
    schedule = [d.day for d in base]
    plan = {
        "id": meta.new_plan_id("workout"),
        "title": f"{weeks}-week {goal.replace('_', ' ')} plan",
        "description": f"{len(schedule)} session(s) a week ({', '.join(schedule)}) of about "
                       f"{inputs['sessionDuration']} minutes for {_a(level)}, with "
                       f"{', '.join(e for e in inputs['equipment'] if e != 'none') or 'no equipment'}.",
        "duration": f"{weeks} week{'s' if weeks != 1 else ''}", "durationWeeks": weeks,
        "daysPerWeek": len(schedule), "fitnessLevel": level, "goals": inputs["goals"], "schedule": schedule,
        "exclusions": list(exclusions.values()), "weeks": plan_weeks,
    }
    return {"workoutPlan": plan, "meta": meta.build(digest, rationale, warnings), "inputs": inputs}
