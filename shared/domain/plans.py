"""Saved plans (one active per type, history kept), the daily plan and the shopping list.

Storage, all in the member's partition (deleting the account deletes it):
- `PLANPTR` (keys.plan_pointers): `active_<type>` = the SK of the active plan's summary, `count_<type>` = plans
  of that type saved so far (the list's totals: counters, not counts);
- `PLAN#<createdMs>#<planId>` (keys.plan_summary): status, dates, title, which plan it replaced and which
  replaced it; small, so that the history lists cheaply;
- `PLANBODY#<planId>` (keys.plan_body): the plan and its meta, zlib-compressed JSON (a 16-week plan is a few
  kilobytes compressed, far under DynamoDB's 400 KB item limit).

Saving is one TransactWriteItems: the pointer moves from the plan it read to the new one (a condition on the
old value: two saves at once cannot both win with the same predecessor), the new summary and body are created,
and the old summary becomes `archived`. A save that loses the race reads the pointer again and retries, so
that every save lands and exactly one plan per type is active. Deleting archives the active plan the same way.
Cost: save 1 read + a 4-item transaction (8 WCU); GET 3 strongly consistent reads; daily plan 3 round trips
(user and pointer; then up to 3 summaries, 3 bodies and the day's totals; the day's 1:1 bookings), a fourth for
the day's classes when a class plan has some that day, whatever the
number of logs or plans.
"""
from __future__ import annotations

import json
import zlib
from datetime import date, datetime, timedelta
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import Action, TransactionConflict, TransactionFailed, get_repository
from shared.domain import clients, member_days, programmes
from shared.domain.planning import class_plan, daily, model_engine, nutrition, workout
from shared.errors import AppError, not_found

TYPES = ("workout", "nutrition", "class")
PLAN_KEY = {"workout": "workoutPlan", "nutrition": "nutritionPlan", "class": "classPlan"}
FEATURE = {"workout": "workout_builder", "nutrition": "nutrition", "class": "classes"}
ATTEMPTS = 8
MAX_SHOPPING_DAYS = 31
GENDERS = ("male", "female", "other", "unspecified")


# --- reading what the engine needs ------------------------------------------------------------------------------
def planning_catalog(client_id: str) -> list[dict[str, Any]]:
    """The client's classes the class-plan engine chooses from (the most watched: catalog.planning_classes)."""
    from shared.domain import catalog

    folks = catalog.people(client_id)
    return [{"id": int(c["id"]), "name": c["name"], "duration": int(c["duration"]), "intensity": c.get("intensity"),
             "category": (folks.categories.get(int(c.get("categoryId") or 0)) or {}).get("name"),
             "isLive": bool(c.get("isLive")), "scheduledAt": c.get("scheduledAt")}
            for c in catalog.planning_classes(client_id)]


def generate(plan_type: str, client_id: str, profile: dict[str, Any], preferences: dict[str, Any]) -> dict[str, Any]:
    """A plan of `plan_type`, saved nowhere: `{<type>Plan, meta}`."""
    if plan_type == "workout":
        result = workout.generate(profile, preferences)
    elif plan_type == "nutrition":
        engine = model_engine.nutrition_plan if model_engine.enabled_for(clients.get_client(client_id)) \
            else nutrition.generate
        result = engine(profile, preferences)
    else:
        result = class_plan.generate(profile, preferences, planning_catalog(client_id))
    result.pop("inputs", None)
    return result


def stored_profile(user: dict[str, Any]) -> dict[str, Any]:
    """What the member's profile already says, in the engine's terms (the request's fields win over it)."""
    profile = user.get("profile") or {}
    gender = str(profile.get("gender") or "").strip().lower()
    found = {"age": profile.get("age"), "weight": profile.get("weight"), "height": profile.get("height"),
             "fitnessLevel": profile.get("fitnessLevel"), "workoutsPerWeek": profile.get("workoutsPerWeek"),
             "gender": gender if gender in GENDERS else None,
             "goals": [profile["fitnessGoal"]] if profile.get("fitnessGoal") else None}
    return {k: v for k, v in found.items() if v is not None}


def _member(client_id: str, user_id: str) -> dict[str, Any]:
    user = get_repository().get(keys.user(client_id, user_id))
    if not user:
        raise not_found("Account")
    return user


# --- storage ----------------------------------------------------------------------------------------------------
def _pack(value: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode("utf-8"), 6)


def _unpack(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if not item:
        return None
    raw = item["body"]
    unpacked: dict[str, Any] = json.loads(zlib.decompress(bytes(raw)).decode("utf-8"))
    return unpacked


def _pointer_names(plan_type: str) -> dict[str, str]:
    return {"#a": f"active_{plan_type}", "#c": f"count_{plan_type}"}


def summary_view(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: summary.get(k) for k in ("id", "type", "status", "title", "startDate", "endDate", "createdAt",
                                        "archivedAt", "replacedPlanId", "replacedBy", "inputsHash")}


def save(client_id: str, user_id: str, plan_type: str, profile: dict[str, Any], preferences: dict[str, Any],
         start_date: str | None) -> dict[str, Any]:
    """POST /users/me/<type>-plan: generate from the body over the stored profile, save it as the active plan of
    its type and archive the one it replaces. `{<type>Plan (with id, status, dates), meta, replacedPlanId}`."""
    clients.require_feature(client_id, FEATURE[plan_type])
    user = _member(client_id, user_id)
    merged = {**stored_profile(user), **{k: v for k, v in profile.items() if v is not None}}
    result = generate(plan_type, client_id, merged, preferences)
    tz = member_days.zone(member_days.zone_name(user, clients.get_client(client_id)))
    start = member_days.parse_date(start_date, "startDate") if start_date else member_days.today(tz)
    plan = result[PLAN_KEY[plan_type]]
    length = plan["durationDays"] if plan_type == "nutrition" else plan["durationWeeks"] * 7
    end = start + timedelta(days=length - 1)
    now, created_ms = clock.iso(), int(clock.now() * 1000)
    summary = {**keys.plan_summary(client_id, user_id, created_ms, plan["id"]), "id": plan["id"], "type": plan_type,
               "status": "active", "title": plan["title"], "startDate": start.isoformat(),
               "endDate": end.isoformat(), "createdAt": now, "archivedAt": None, "replacedPlanId": None,
               "replacedBy": None, "inputsHash": result["meta"]["inputsHash"], **_progress_facts(plan_type, plan)}
    body = {**keys.plan_body(client_id, user_id, plan["id"]), "planId": plan["id"],
            "body": _pack({"plan": plan, "meta": result["meta"]})}
    repo = get_repository()
    pointer_key = keys.plan_pointers(client_id, user_id)
    for _ in range(ATTEMPTS):
        pointer = repo.get(pointer_key, consistent=True) or {}
        old_sk = pointer.get(f"active_{plan_type}")
        summary["replacedPlanId"] = old_sk.rsplit("#", 1)[-1] if old_sk else None
        values: dict[str, Any] = {":new": summary["SK"], ":one": 1}
        if old_sk:
            values[":old"] = old_sk
        actions = [
            Action.update(pointer_key, "SET #a = :new ADD #c :one",
                          condition="#a = :old" if old_sk else "attribute_not_exists(#a)",
                          names=_pointer_names(plan_type), values=values),
            Action.put(summary, condition="attribute_not_exists(PK)"),
            Action.put(body, condition="attribute_not_exists(PK)"),
        ]
        if old_sk:
            actions.append(Action.update({"PK": pointer_key["PK"], "SK": old_sk},
                                         "SET #s = :archived, archivedAt = :now, replacedBy = :id",
                                         condition="#s = :active", names={"#s": "status"},
                                         values={":archived": "archived", ":active": "active", ":now": now,
                                                 ":id": plan["id"]}))
        try:
            repo.transact(actions)
        except (TransactionFailed, TransactionConflict):
            continue  # another save or delete moved the pointer first: read it again
        return {PLAN_KEY[plan_type]: {**plan, **_saved_fields(summary)}, "meta": result["meta"],
                "replacedPlanId": summary["replacedPlanId"]}
    raise AppError("CONFLICT", "Your plans are being changed right now; try again", {"reason": "plan_switch_busy"})


def _progress_facts(plan_type: str, plan: dict[str, Any]) -> dict[str, Any]:
    """What progress logs and the dashboard need of a plan, kept on its small summary: the workout days of each
    week (planned sessions) and the nutrition targets (calories, water)."""
    if plan_type == "workout":
        return {"schedule": plan["schedule"], "deloadWeeks": [w["week"] for w in plan["weeks"] if w["deload"]]}
    if plan_type == "nutrition":
        return {"targets": {"calories": plan["targets"]["calories"], "waterMl": plan["targets"]["waterMl"]}}
    return {}


def _saved_fields(summary: dict[str, Any]) -> dict[str, Any]:
    return {"status": summary["status"], "startDate": summary["startDate"], "endDate": summary["endDate"],
            "createdAt": summary["createdAt"], "archivedAt": summary.get("archivedAt"),
            "replacedPlanId": summary.get("replacedPlanId")}


def active(client_id: str, user_id: str, plan_type: str) -> dict[str, Any]:
    """GET /users/me/<type>-plan: the active plan of that type, or 404."""
    clients.require_feature(client_id, FEATURE[plan_type])
    repo = get_repository()
    pointer = repo.get(keys.plan_pointers(client_id, user_id), consistent=True) or {}
    sk = pointer.get(f"active_{plan_type}")
    if not sk:
        raise AppError("NOT_FOUND", f"No active {plan_type} plan")
    pk = keys.user_pk(client_id, user_id)
    summary = repo.get({"PK": pk, "SK": sk}, consistent=True)
    body = _unpack(repo.get(keys.plan_body(client_id, user_id, sk.rsplit("#", 1)[-1]), consistent=True))
    if not summary or not body:
        raise AppError("NOT_FOUND", f"No active {plan_type} plan")
    return {PLAN_KEY[plan_type]: {**body["plan"], **_saved_fields(summary)}, "meta": body["meta"]}


def archive(client_id: str, user_id: str, plan_type: str) -> dict[str, Any]:
    """DELETE /users/me/<type>-plan: the active plan becomes archived (kept in the history); none is active."""
    clients.require_feature(client_id, FEATURE[plan_type])
    repo = get_repository()
    pointer_key = keys.plan_pointers(client_id, user_id)
    for _ in range(ATTEMPTS):
        pointer = repo.get(pointer_key, consistent=True) or {}
        sk = pointer.get(f"active_{plan_type}")
        if not sk:
            raise AppError("NOT_FOUND", f"No active {plan_type} plan")
        try:
            repo.transact([
                Action.update(pointer_key, "REMOVE #a", condition="#a = :old", names={"#a": f"active_{plan_type}"},
                              values={":old": sk}),
                Action.update({"PK": pointer_key["PK"], "SK": sk}, "SET #s = :archived, archivedAt = :now",
                              condition="#s = :active", names={"#s": "status"},
                              values={":archived": "archived", ":active": "active", ":now": clock.iso()}),
            ])
        except (TransactionFailed, TransactionConflict):
            continue
        return {"archivedPlanId": sk.rsplit("#", 1)[-1]}
    raise AppError("CONFLICT", "Your plans are being changed right now; try again", {"reason": "plan_switch_busy"})


def history(client_id: str, user_id: str, plan_type: str | None, status: str | None, page: int,
            limit: int) -> dict[str, Any]:
    """GET /users/me/plans: summaries newest first. Totals come from the pointer's counters; the summaries are
    small items read with one Query."""
    from shared.domain.catalog import pagination

    repo = get_repository()
    pointer = repo.get(keys.plan_pointers(client_id, user_id)) or {}
    types = [plan_type] if plan_type else list(TYPES)
    saved = sum(int(pointer.get(f"count_{t}") or 0) for t in types)
    active_count = sum(1 for t in types if pointer.get(f"active_{t}"))
    total = {None: saved, "active": active_count, "archived": saved - active_count}[status]
    wanted = []
    for item in repo.iterate(keys.user_pk(client_id, user_id), sk_prefix=keys.PLAN_PREFIX, forward=False):
        if (plan_type and item.get("type") != plan_type) or (status and item.get("status") != status):
            continue
        wanted.append(summary_view(item))
        if len(wanted) >= page * limit:
            break
    return {"items": wanted[(page - 1) * limit:], "pagination": pagination(total, page, limit)}


# --- the daily plan and the shopping list -----------------------------------------------------------------------
def _active_plans(client_id: str, user_id: str, pointer: dict[str, Any], extra: list[dict[str, str]]
                  ) -> tuple[dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]], list[dict[str, Any]]]:
    """{type: (summary, body)} of the active plans, plus the items of `extra` keys, in one BatchGetItem."""
    pk = keys.user_pk(client_id, user_id)
    wanted: list[dict[str, str]] = list(extra)
    sks = {t: pointer.get(f"active_{t}") for t in TYPES}
    for sk in sks.values():
        if sk:
            wanted += [{"PK": pk, "SK": sk}, keys.plan_body(client_id, user_id, sk.rsplit("#", 1)[-1])]
    found = {(i["PK"], i["SK"]): i for i in get_repository().get_many(wanted)} if wanted else {}
    plans: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {}
    for plan_type, sk in sks.items():
        if not sk:
            plans[plan_type] = (None, None)
            continue
        body_key = keys.plan_body(client_id, user_id, sk.rsplit("#", 1)[-1])
        plans[plan_type] = (found.get((pk, sk)), _unpack(found.get((body_key["PK"], body_key["SK"]))))
    return plans, [found[(k["PK"], k["SK"])] for k in extra if (k["PK"], k["SK"]) in found]


def daily_plan(client_id: str, user_id: str, on: str | None) -> dict[str, Any]:
    """GET /users/me/daily-plan: the active plans merged for one local date (default today in the member's zone),
    with what the member has logged that day. Read-only; the same inputs give the same answer."""
    repo = get_repository()
    first = {(i["PK"], i["SK"]): i for i in repo.get_many([keys.user(client_id, user_id),
                                                              keys.plan_pointers(client_id, user_id)])}
    user_key, pointer_key = keys.user(client_id, user_id), keys.plan_pointers(client_id, user_id)
    user = first.get((user_key["PK"], user_key["SK"]))
    if not user:
        raise not_found("Account")
    pointer = first.get((pointer_key["PK"], pointer_key["SK"])) or {}
    zone_name = member_days.zone_name(user, clients.get_client(client_id))
    tz = member_days.zone(zone_name)
    day = member_days.parse_date(on, "date") if on else member_days.today(tz)
    day_key = keys.progress_day(client_id, user_id, day.isoformat())
    plans, extra = _active_plans(client_id, user_id, pointer, [day_key])
    totals = extra[0] if extra else {}
    class_keys = [keys.klass(client_id, cid) for cid in daily.class_ids_for(plans["class"][1], plans["class"][0],
                                                                             day)]
    available = {int(i["id"]) for i in (repo.get_many(class_keys) if class_keys else [])
                 if i.get("status", "active") == "active"}  # a class gone from the catalog becomes a note
    notes: list[str] = []
    workout_today, rest = daily.workout_for(*plans["workout"], day, totals, notes)
    meals = daily.meals_for(*plans["nutrition"], day, totals, notes)
    classes = daily.bookings_for(_bookings_on(client_id, user_id, day, tz), tz) + \
        daily.classes_for(*plans["class"], day, available, notes)
    programme_sessions, programme_paused = programmes.sessions_on(client_id, user_id, day)
    if programme_paused:
        notes.append("programme_paused")
    if not any(plans[t][0] for t in TYPES):
        notes.append("no_active_plans")
    return {"date": day.isoformat(), "timeZone": zone_name, "restDay": rest, "workout": workout_today,
            "meals": meals, "classes": classes, "programmeSessions": programme_sessions,
            "progress": {"workoutsLogged": int(totals.get("workouts") or 0),
                         "workoutMinutes": int(totals.get("workoutMinutes") or 0),
                         "calories": int(totals.get("calories") or 0), "waterMl": int(totals.get("waterMl") or 0)},
            "notes": sorted(set(notes))}


def _bookings_on(client_id: str, user_id: str, day: date, tz: Any) -> list[dict[str, Any]]:
    """The member's 1:1 bookings that start on their local `day`: one Query of their bookings index, bounded
    by the day's two midnights in their zone (a DST day is 23 or 25 hours)."""
    from shared.domain import bookings

    start = datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=tz).timestamp()
    items = get_repository().query(keys.member_bookings_index(client_id, user_id), index="GSI1",
                                   sk_between=(clock.iso(start), clock.iso(end)))
    return [bookings.view(item) for item in items]


def shopping_list(client_id: str, user_id: str, start: str | None, end: str | None) -> dict[str, Any]:
    """GET /users/me/nutrition-plan/shopping-list: the ingredients of the active nutrition plan's meals from
    `from` to `to` (default today and the 6 days after, at most 31 days), merged within unit families."""
    clients.require_feature(client_id, "nutrition")
    repo = get_repository()
    user = _member(client_id, user_id)
    pointer = repo.get(keys.plan_pointers(client_id, user_id), consistent=True) or {}
    if not pointer.get("active_nutrition"):
        raise AppError("NOT_FOUND", "No active nutrition plan")
    tz = member_days.zone(member_days.zone_name(user, clients.get_client(client_id)))
    first = member_days.parse_date(start, "from") if start else member_days.today(tz)
    last = member_days.parse_date(end, "to") if end else first + timedelta(days=6)
    if last < first:
        raise AppError("VALIDATION_ERROR", "Invalid request: to", [{"field": "to", "reason": "on or after from"}])
    if (last - first).days + 1 > MAX_SHOPPING_DAYS:
        raise AppError("VALIDATION_ERROR", "Invalid request: to",
                       [{"field": "to", "reason": f"at most {MAX_SHOPPING_DAYS} days after from"}])
    plans, _ = _active_plans(client_id, user_id, {"active_nutrition": pointer["active_nutrition"]}, [])
    summary, body = plans["nutrition"]
    if not summary or not body:
        raise AppError("NOT_FOUND", "No active nutrition plan")
    return daily.shopping_list(summary, body, first, last)

