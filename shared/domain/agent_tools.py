"""The voice agent's read tools: compact, speakable answers over the member's own data.

Each tool calls the domain function its app route calls (daily plan, plans, progress, bookings, availability,
the catalog) and keeps only what a voice answer needs, plus one `say` sentence. Times are spoken in the zone
they belong to (the trainer's for a 1:1 session, the member's for their day) with the zone's name and the date:
"Friday 27 March at 9 am London time". Nothing here decides a rule the domain modules already decide.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import bookings, clients, member_days, plans, progress, trainers
from shared.domain.planning import class_plan
from shared.errors import AppError, not_found

MAX_SLOTS = 5
MAX_RECOMMENDATIONS = 3
MAX_LISTED = 5
PARTS_OF_DAY = {"morning": (0, 12 * 60), "afternoon": (12 * 60, 17 * 60), "evening": (17 * 60, 24 * 60)}


# --- speech ---------------------------------------------------------------------------------------------------
def zone_label(zone_name: str) -> str:
    """"Europe/London" -> "London time"; "America/New_York" -> "New York time"; "UTC" -> "UTC"."""
    if zone_name in ("UTC", "Etc/UTC"):
        return "UTC"
    return f"{zone_name.rsplit('/', 1)[-1].replace('_', ' ')} time"


def spoken_clock(local: datetime) -> str:
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour} {suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d} {suffix}"


def spoken_date(day: date) -> str:
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B')}"


def spoken_when(instant: float, zone_name: str) -> str:
    """An instant as a member hears it, in `zone_name` with its name and the date."""
    local = datetime.fromtimestamp(instant, member_days.zone(zone_name))
    return f"{spoken_date(local.date())} at {spoken_clock(local)} {zone_label(zone_name)}"


def _listing(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


# --- the member -----------------------------------------------------------------------------------------------
def _member(client_id: str, user_id: str) -> dict[str, Any]:
    user = get_repository().get(keys.user(client_id, user_id))
    if not user:
        raise not_found("Account")
    return user


def coach_of(client_id: str, user_id: str) -> dict[str, Any] | None:
    """The member's coach (the catalog's), or None."""
    return _coach(client_id, _member(client_id, user_id))


def _coach(client_id: str, user: dict[str, Any]) -> dict[str, Any] | None:
    coach_id = user.get("coachId")
    if not coach_id:
        return None
    return trainers.coaches(client_id).get(int(coach_id))


def booking_brief(view: dict[str, Any]) -> dict[str, Any]:
    when = spoken_when(clock.parse_iso(view["startsAt"]), view["timeZone"])
    return {"id": view["id"], "status": view["status"], "trainerId": view["trainerId"],
            "trainerName": view["trainer"]["name"], "serviceName": view["serviceName"],
            "startsAt": view["startsAt"], "timeZone": view["timeZone"], "scheduledDate": view["scheduledDate"],
            "scheduledTime": view["scheduledTime"], "when": when}


def _booking_phrase(brief: dict[str, Any]) -> str:
    return f"{brief['serviceName']} with {brief['trainerName']} on {brief['when']}"


# --- daily plan -----------------------------------------------------------------------------------------------
def daily_plan(client_id: str, user_id: str, on: str | None) -> dict[str, Any]:
    found = plans.daily_plan(client_id, user_id, on)
    workout = found["workout"]
    day = date.fromisoformat(found["date"])
    brief = {
        "date": found["date"], "timeZone": found["timeZone"], "restDay": found["restDay"],
        "workout": {"name": workout["name"], "week": workout["week"], "focus": workout["focus"],
                    "estimatedMinutes": workout["estimatedMinutes"], "exerciseCount": len(workout["exercises"]),
                    "completed": workout["completed"]} if workout else None,
        "meals": [{"mealType": m["mealType"], "name": m["name"], "calories": m["calories"], "logged": m["logged"]}
                  for m in found["meals"]][:MAX_LISTED],
        "classes": [{"name": c["name"], "time": c["time"], "startsAt": c["startsAt"], "source": c["source"],
                     "classId": c["classId"], "bookingId": c["bookingId"]} for c in found["classes"]][:MAX_LISTED],
        "progress": found["progress"],
    }
    brief["say"] = _daily_say(brief, day)
    return brief


def _daily_say(brief: dict[str, Any], day: date) -> str:
    parts: list[str] = []
    workout = brief["workout"]
    if workout:
        done = " (done)" if workout["completed"] else ""
        parts.append(f"the workout {workout['name']}, about {workout['estimatedMinutes']} minutes{done}")
    elif brief["restDay"]:
        parts.append("a rest day")
    if brief["meals"]:
        parts.append(f"{len(brief['meals'])} planned meals")
    for entry in brief["classes"][:2]:
        at = f" at {spoken_clock(datetime.strptime(entry['time'], '%H:%M'))}" if entry["time"] else ""
        parts.append(f"{entry['name']}{at}")
    zone = zone_label(brief["timeZone"])
    if not parts:
        return f"Nothing is planned for {spoken_date(day)} ({zone})."
    return f"For {spoken_date(day)} ({zone}) you have {_listing(parts)}."


# --- active plans ---------------------------------------------------------------------------------------------
def active_plans(client_id: str, user_id: str) -> dict[str, Any]:
    """Summaries of the active plans (week N of M), read from the plan history's summaries alone."""
    today = member_days.today(member_days.zone(member_days.zone_name(_member(client_id, user_id),
                                                                      clients.get_client(client_id))))
    items = []
    for summary in plans.history(client_id, user_id, None, "active", 1, len(plans.TYPES))["items"]:
        start, end = date.fromisoformat(summary["startDate"]), date.fromisoformat(summary["endDate"])
        weeks = max(1, ((end - start).days + 7) // 7)
        week = min(max(1, (today - start).days // 7 + 1), weeks) if today >= start else 0
        items.append({"id": summary["id"], "type": summary["type"], "title": summary["title"],
                      "startDate": summary["startDate"], "endDate": summary["endDate"], "week": week,
                      "weeks": weeks})
    if not items:
        say = "You have no active plans yet."
    else:
        say = "Your active plans: " + _listing([
            f"{i['title']} ({i['type']}, week {i['week']} of {i['weeks']})" if i["week"] else
            f"{i['title']} ({i['type']}, starts {spoken_date(date.fromisoformat(i['startDate']))})" for i in items]) + "."
    return {"items": items, "say": say}


# --- progress -------------------------------------------------------------------------------------------------
def progress_summary(client_id: str, user_id: str, period: str) -> dict[str, Any]:
    found = progress.dashboard(client_id, user_id, period, None, None)
    workouts, water = found["workouts"], found["water"]
    brief = {"period": found["period"]["name"], "from": found["period"]["from"], "to": found["period"]["to"],
             "timeZone": found["period"]["timeZone"], "workoutsCompleted": workouts["completed"],
             "workoutsPlanned": workouts["planned"], "workoutMinutes": workouts["minutes"],
             "currentStreakDays": workouts["currentStreakDays"], "longestStreakDays": workouts["longestStreakDays"],
             "avgCalories": found["nutrition"]["avgCalories"], "waterDaysGoalMet": water["daysGoalMet"]}
    planned = f" of {workouts['planned']} planned" if workouts["planned"] else ""
    brief["say"] = (f"This {period} you completed {workouts['completed']} workouts{planned}, "
                    f"{workouts['minutes']} minutes in all; your streak is {workouts['currentStreakDays']} days.")
    return brief


# --- bookings -------------------------------------------------------------------------------------------------
def my_bookings(client_id: str, user_id: str, span: str) -> dict[str, Any]:
    """The member's upcoming confirmed bookings: today, this week (the next 7 days) or all upcoming."""
    clients.require_feature(client_id, "coach_connect")
    upcoming = bookings.list_bookings(client_id, user_id, "upcoming", 1, 100)["items"]
    now = clock.now()
    horizon = {"today": now + 86400, "week": now + 7 * 86400, "upcoming": float("inf")}[span]
    user = _member(client_id, user_id)
    if span == "today":  # the member's own local day
        tz = member_days.zone(member_days.zone_name(user, clients.get_client(client_id)))
        today = member_days.today(tz)
        following = today + timedelta(days=1)
        horizon = datetime(following.year, following.month, following.day, tzinfo=tz).timestamp()
    found = [booking_brief(b) for b in upcoming if clock.parse_iso(b["startsAt"]) < horizon]
    items = found[:MAX_LISTED]
    if not items:
        say = "You have no upcoming bookings" + {"today": " today.", "week": " this week.", "upcoming": "."}[span]
    else:
        more = f", and {len(found) - len(items)} more" if len(found) > len(items) else ""
        say = f"You have {len(found)} booking{'s' if len(found) != 1 else ''}: " + \
            _listing([_booking_phrase(i) for i in items]) + more + "."
    return {"items": items, "total": len(found), "say": say}


# --- trainer slots --------------------------------------------------------------------------------------------
def trainer_slots(client_id: str, user_id: str, trainer_id: int | None, service_id: int | None,
                  first: date | None, last: date | None, part_of_day: str | None) -> dict[str, Any]:
    """At most five free slots of a trainer (default: the member's coach), from the same availability the app
    shows; `part_of_day` keeps those starting in the morning, afternoon or evening of the trainer's day."""
    clients.require_feature(client_id, "coach_connect")
    if trainer_id is None:
        coach = _coach(client_id, _member(client_id, user_id))
        if coach is None:
            raise AppError("VALIDATION_ERROR", "Invalid request: trainerId",
                           [{"field": "trainerId", "reason": "required: you have no coach yet"}])
        trainer_id = int(coach["id"])
    found = bookings.availability(client_id, trainer_id, service_id, first, last)
    trainer = trainers.get(client_id, trainer_id)
    zone_name = found["timeZone"]
    window = PARTS_OF_DAY.get(part_of_day or "")
    chosen = [s for s in found["slots"]
              if window is None or window[0] <= scheduling_minutes(s["time"]) < window[1]][:MAX_SLOTS]
    service = trainer.service(found["serviceId"]) or {}
    items = [{**s, "when": spoken_when(clock.parse_iso(s["startsAt"]), zone_name)} for s in chosen]
    name = str(trainer.profile.get("name") or "")
    if items:
        say = f"{name} is free on " + _listing([i["when"] for i in items[:3]]) + \
            (f", and {len(items) - 3} more times" if len(items) > 3 else "") + "."
    else:
        say = f"{name} has no free times between {spoken_date(date.fromisoformat(found['from']))} and " \
              f"{spoken_date(date.fromisoformat(found['to']))}."
    return {"trainerId": trainer_id, "trainerName": name, "serviceId": found["serviceId"],
            "serviceName": str(service.get("name") or ""), "duration": found["duration"], "timeZone": zone_name,
            "slots": items, "say": say}


def scheduling_minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


# --- class recommendations ------------------------------------------------------------------------------------
GOAL_POINTS = 3
INTENSITY_POINTS = 1  # per step of fit (0-2) of the class's intensity to the member's level
PLAN_POINTS = 2
FITS_TIME_POINTS = 1


def recommend_classes(client_id: str, user_id: str, goal: str | None, max_duration: int | None,
                      intensity: str | None) -> dict[str, Any]:
    """At most three of the client's classes, ranked by plain points, each with its reasons:

        goal       3  the class suits the goal (asked, else the member's own), by the class plan's words
        intensity  0-2  how well its intensity fits the member's level (the class plan's table)
        plan       2  the member's active class plan has it this week
        time       1  it fits the free time asked for (longer classes are left out)

    Ties go to the shorter class, then the lower id: the same catalog and member give the same list."""
    user = _member(client_id, user_id)
    profile = plans.stored_profile(user)
    goal = goal or (profile.get("goals") or ["general_fitness"])[0]
    level = str(profile.get("fitnessLevel") or "beginner")
    planned = set(_planned_class_ids(client_id, user_id, user))
    scored = []
    for klass in plans.planning_catalog(client_id):
        if klass.get("isLive"):
            continue
        if max_duration is not None and int(klass["duration"]) > max_duration:
            continue
        if intensity is not None and klass.get("intensity") != intensity:
            continue
        points, reasons = 0, []
        if class_plan.goal_match(klass, goal) and class_plan.GOAL_WORDS.get(goal):
            points += GOAL_POINTS
            reasons.append(f"suits your goal ({goal.replace('_', ' ')})")
        fit = class_plan.INTENSITY_FIT.get(level, {}).get(str(klass.get("intensity")), 0)
        points += fit * INTENSITY_POINTS
        if fit == 2:
            reasons.append(f"{klass.get('intensity')} intensity suits a {level} member")
        if int(klass["id"]) in planned:
            points += PLAN_POINTS
            reasons.append("it is in your class plan this week")
        if max_duration is not None:
            points += FITS_TIME_POINTS
            reasons.append(f"{klass['duration']} minutes fits your {max_duration} free minutes")
        scored.append((-points, int(klass["duration"]), int(klass["id"]), klass, reasons or ["a class of your studio"]))
    scored.sort(key=lambda row: row[:3])
    items = [{"classId": row[3]["id"], "name": row[3]["name"], "category": row[3].get("category"),
              "duration": row[3]["duration"], "intensity": row[3].get("intensity"), "score": -row[0],
              "reasons": row[4]} for row in scored[:MAX_RECOMMENDATIONS]]
    if items:
        say = "I'd suggest " + _listing([f"{i['name']} ({i['duration']} minutes, {i['reasons'][0]})"
                                         for i in items]) + "."
    else:
        say = "No class of your studio matches that; try a longer time or another intensity."
    return {"goal": goal, "level": level, "items": items, "say": say}


def _planned_class_ids(client_id: str, user_id: str, user: dict[str, Any]) -> list[int]:
    """The class ids of this week of the member's active class plan (none without one)."""
    try:
        found = plans.active(client_id, user_id, "class")
    except AppError:
        return []
    plan = found["classPlan"]
    today = member_days.today(member_days.zone(member_days.zone_name(user, clients.get_client(client_id))))
    index = (today - date.fromisoformat(plan["startDate"])).days
    weeks = plan.get("weeks") or []
    if index < 0 or not weeks:
        return []
    week = weeks[min(index // 7, len(weeks) - 1)]
    return [int(s["classId"]) for s in week.get("sessions") or []]


# --- the first turn's context ---------------------------------------------------------------------------------
def context(client_id: str, user_id: str) -> dict[str, Any]:
    """One compact summary for the agent's first turn: the member's first name, coach, today, next booking,
    streak. No email, no profile numbers."""
    user = _member(client_id, user_id)
    coach = _coach(client_id, user)
    today = daily_plan(client_id, user_id, None)
    feature_on = clients.features(clients.get_client(client_id)).get("coach_connect", False)
    upcoming = bookings.list_bookings(client_id, user_id, "upcoming", 1, 1)["items"] if feature_on else []
    next_booking = booking_brief(upcoming[0]) if upcoming else None
    streak = progress.dashboard(client_id, user_id, "week", None, None)["workouts"]["currentStreakDays"]
    first_name = str(user.get("name") or "").split(" ")[0][:40]
    parts = [today["say"]]
    if next_booking:
        parts.append(f"Your next session is {_booking_phrase(next_booking)}.")
    if streak:
        parts.append(f"You are on a {streak}-day streak.")
    return {"firstName": first_name or None,
            "coach": {"id": int(coach["id"]), "name": str(coach.get("name") or "")} if coach else None,
            "today": {k: today[k] for k in ("date", "timeZone", "restDay", "workout", "classes")},
            "nextBooking": next_booking, "streakDays": streak, "say": " ".join(parts)}
