"""Progress logs (workouts, meals, water), their undo, and the dashboard, all by the member's local days.

Storage, in the member's partition:
- `LOG#<date>#<logId>` (keys.progress_log): one log; the id carries its date, so that an undo finds it;
- `DAY#<date>` (keys.progress_day): the day's counters (workouts, minutes, calories and macros, meals by type,
  water, logs), changed in the same transaction as every log and undo: the daily plan and the dashboard read
  these few items, never the logs, so their cost stays flat however many logs a member has;
- `LOGREF#<clientLogId>` (keys.progress_log_claim): the app's own id of a log, claimed in the same
  transaction: a retry with the same clientLogId answers the log already written instead of adding a second;
- `LOGSAME#<digest>` (keys.progress_log_dedupe): for the voice agent, whose re-run tools carry new call ids,
  the content of a log (type, local date and fields) claimed for a window (`dedupe_seconds`) in the same
  transaction: the same content again within the window answers the first log (`deduplicated`).
Requests with `Idempotency-Key` are also replayed by shared/idempotency.py.
Cost: a log is 2 reads (member and plan pointer, one batch), a 2-3 item transaction and 1 read of the day;
an undo 1 read and a 2-3 item transaction; the dashboard one Query of day items (at most ~190), the plan
summaries, and the watch-time hour items of the period.
"""
from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import Action, TransactionConflict, TransactionFailed, get_repository
from shared.digest import sha256_hex
from shared.domain import clients, member_days
from shared.domain.catalog import pagination
from shared.domain.viewing import streaks
from shared.errors import AppError, not_found

LOG_TYPES = ("workout", "nutrition", "water")
MAX_LOG_RANGE_DAYS = 92
MAX_PAST_DAYS = 366
STREAK_LOOKBACK_DAYS = 92
DEFAULT_WATER_ML = 2000
LOG_ID_PATTERN = r"^lg_[0-9]{8}[0-9a-f]{20}$"
ATTEMPTS = 3  # of a log's transaction, when the same content races or was undone


def _invalid(field: str, reason: str) -> AppError:
    return AppError("VALIDATION_ERROR", f"Invalid request: {field}", [{"field": field, "reason": reason}])


def new_log_id(on: date) -> str:
    return f"lg_{on.strftime('%Y%m%d')}{int(clock.now() * 1000):012x}{secrets.token_hex(4)}"


def date_of_log_id(log_id: str) -> str:
    digits = log_id[3:11]
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"


def _context(client_id: str, user_id: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(member, plan pointer, zone name), one BatchGetItem."""
    user_key, pointer_key = keys.user(client_id, user_id), keys.plan_pointers(client_id, user_id)
    found = {i["SK"]: i for i in get_repository().get_many([user_key, pointer_key])}
    user = found.get(user_key["SK"])
    if not user:
        raise not_found("Account")
    return user, found.get(pointer_key["SK"]) or {}, member_days.zone_name(user, clients.get_client(client_id))


def log_date(given: str | None, completed_at: str | None, zone_name: str) -> date:
    """The local date a log counts for: `date`, else the local date of `completedAt`, else today; never in the
    future of the member's own today and at most a year back."""
    tz = member_days.zone(zone_name)
    today = member_days.today(tz)
    if given:
        day, field = member_days.parse_date(given, "date"), "date"
    elif completed_at:
        day, field = member_days.local_date(completed_at, tz), "completedAt"
    else:
        return today
    if day > today:
        raise _invalid(field, "not after today in your time zone")
    if (today - day).days > MAX_PAST_DAYS:
        raise _invalid(field, "at most a year ago")
    return day


def _day_changes(log: dict[str, Any], sign: int) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The ADD expression a log makes to its day's counters (sign -1 for its undo)."""
    adds: dict[str, float] = {"logs": 1}
    if log["type"] == "workout":
        adds.update({"workouts": 1, "workoutMinutes": log["durationMinutes"]})
    elif log["type"] == "nutrition":
        adds.update({"calories": log["calories"], "proteinG": log.get("proteinG") or 0,
                     "carbsG": log.get("carbsG") or 0, "fatG": log.get("fatG") or 0, "meals": 1,
                     f"meal_{log['mealType']}": 1})
    else:
        adds.update({"waterMl": log["amountMl"], "waters": 1})
    names = {f"#a{i}": name for i, name in enumerate(adds)}
    values = {f":a{i}": sign * value for i, value in enumerate(adds.values())}
    expression = "ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(adds))) + " SET #d = :date"
    names["#d"] = "date"
    values[":date"] = log["date"]
    return expression, names, values


def _targets(client_id: str, user_id: str, user: dict[str, Any], pointer: dict[str, Any]) -> dict[str, Any]:
    """Calories and water to aim for: the active nutrition plan's, else water from body weight."""
    found: dict[str, Any] = {}
    sk = pointer.get("active_nutrition")
    if sk:
        summary = get_repository().get({"PK": keys.user_pk(client_id, user_id), "SK": sk}) or {}
        found = dict(summary.get("targets") or {})
    weight = (user.get("profile") or {}).get("weight")
    water = found.get("waterMl") or (int(round(float(weight) * 35 / 50) * 50) if weight else DEFAULT_WATER_ML)
    return {"calories": found.get("calories"), "waterMl": int(water)}


def log_view(item: dict[str, Any]) -> dict[str, Any]:
    fields = ("id", "type", "date", "loggedAt", "clientLogId", "completedAt", "planId", "planWeek", "planDay", "name",
              "durationMinutes", "exercises", "perceivedExertion", "notes", "mealType", "calories", "proteinG",
              "carbsG", "fatG", "planMealRef", "amountMl")
    return {k: item.get(k) for k in fields}


def day_view(totals: dict[str, Any], targets: dict[str, Any]) -> dict[str, Any]:
    return {"date": totals.get("date"), "workoutsLogged": int(totals.get("workouts") or 0),
            "workoutCompleted": int(totals.get("workouts") or 0) > 0,
            "workoutMinutes": int(totals.get("workoutMinutes") or 0), "calories": int(totals.get("calories") or 0),
            "targetCalories": targets.get("calories"), "totalMl": int(totals.get("waterMl") or 0),
            "goalMl": targets["waterMl"]}


def content_digest(log_type: str, day: date, fields: dict[str, Any]) -> str:
    """What makes two logs the same content: type, local date and fields (not the app's or agent's ids)."""
    content = {k: v for k, v in fields.items() if v is not None and k not in ("clientLogId", "completedAt")}
    return sha256_hex(json.dumps([log_type, day.isoformat(), content], sort_keys=True, default=str))


def _same_content(client_id: str, user_id: str, digest: str, log_sk: str, window: int,
                  taken_over: str | None) -> Action:
    """Claim a content for `window` seconds: free, lapsed, or (`taken_over`) pointing at a log since undone."""
    now = int(clock.now())
    condition = "attribute_not_exists(PK) OR #until <= :now" + (" OR logSk = :old" if taken_over else "")
    values: dict[str, Any] = {":now": now}
    if taken_over:
        values[":old"] = taken_over
    return Action.put({**keys.progress_log_dedupe(client_id, user_id, digest), "logSk": log_sk,
                       "until": now + window, "ttl": now + window + 3600},
                      condition=condition, names={"#until": "until"}, values=values)


def add_log(client_id: str, user_id: str, log_type: str, fields: dict[str, Any],
            dedupe_seconds: int | None = None) -> tuple[dict[str, Any], bool]:
    """POST /progress/<type>: ({log, day, replayed}, created). A clientLogId seen before answers its first log
    unchanged; with `dedupe_seconds`, so does the same content within that many seconds (`deduplicated`)."""
    if log_type == "nutrition":
        clients.require_feature(client_id, "nutrition")
    repo = get_repository()
    user, pointer, zone_name = _context(client_id, user_id)
    day = log_date(fields.pop("date", None), fields.get("completedAt"), zone_name)
    log_id = new_log_id(day)
    item = {**keys.progress_log(client_id, user_id, day.isoformat(), log_id), "id": log_id, "type": log_type,
            "date": day.isoformat(), "loggedAt": clock.iso(), **{k: v for k, v in fields.items() if v is not None}}
    expression, names, values = _day_changes(item, 1)
    actions = [Action.put(item, condition="attribute_not_exists(PK)"),
               Action.update(keys.progress_day(client_id, user_id, day.isoformat()), expression, names=names,
                             values=values)]
    client_log_id = fields.get("clientLogId")
    if client_log_id:
        actions.append(Action.put({**keys.progress_log_claim(client_id, user_id, client_log_id), "logSk": item["SK"]},
                                  condition="attribute_not_exists(PK)"))
    digest = content_digest(log_type, day, fields) if dedupe_seconds else None
    created, deduplicated, taken_over = True, False, None
    for attempt in range(ATTEMPTS):
        claims = [_same_content(client_id, user_id, digest, item["SK"], dedupe_seconds or 0, taken_over)] \
            if digest else []
        try:
            repo.transact([*actions, *claims])
            break
        except TransactionConflict:  # an identical log at the same moment: the next try sees it committed
            if not digest or attempt == ATTEMPTS - 1:
                raise
        except TransactionFailed as failure:
            if digest and failure.reasons[len(actions)] == "ConditionalCheckFailed":
                claim = repo.get(keys.progress_log_dedupe(client_id, user_id, digest), consistent=True) or {}
                existing = repo.get({"PK": item["PK"], "SK": claim.get("logSk", "")}, consistent=True)
                if existing:  # the same content within the window: its first log
                    item, created, deduplicated = existing, False, True
                    break
                taken_over = claim.get("logSk")  # that log was undone: the content may be logged again
                continue
            if not client_log_id or failure.reasons[2] != "ConditionalCheckFailed":
                raise
            item, created = _claimed(client_id, user_id, client_log_id, log_type)
            break
    else:
        raise AppError("CONFLICT", "The same log is being written right now; try again", {"reason": "same_content"})
    totals = repo.get(keys.progress_day(client_id, user_id, item["date"]), consistent=True) or {"date": item["date"]}
    answer = {"log": log_view(item), "day": day_view(totals, _targets(client_id, user_id, user, pointer)),
              "replayed": not created and not deduplicated}
    return ({**answer, "deduplicated": deduplicated} if digest else answer), created


def _claimed(client_id: str, user_id: str, client_log_id: str, log_type: str) -> tuple[dict[str, Any], bool]:
    """The log a clientLogId already names: (its item, False), or CONFLICT when it cannot be answered."""
    repo = get_repository()
    claim = repo.get(keys.progress_log_claim(client_id, user_id, client_log_id), consistent=True) or {}
    existing = repo.get({"PK": keys.user_pk(client_id, user_id), "SK": claim.get("logSk", "")}, consistent=True)
    if not existing:  # claimed by a log since undone: the app's id is spent
        raise AppError("CONFLICT", "This clientLogId was used by a log that has been deleted",
                       {"reason": "client_log_id_used", "clientLogId": client_log_id})
    if existing["type"] != log_type:
        raise AppError("CONFLICT", f"This clientLogId names a {existing['type']} log already",
                       {"reason": "client_log_id_used", "clientLogId": client_log_id, "logId": existing["id"]})
    return existing, False


def delete_log(client_id: str, user_id: str, log_id: str) -> dict[str, Any]:
    """DELETE /progress/logs/{id}: the undo. The day's counters go back in the same transaction; a second
    undo of the same log is 404."""
    repo = get_repository()
    on = date_of_log_id(log_id)
    key = keys.progress_log(client_id, user_id, on, log_id)
    item = repo.get(key, consistent=True)
    if not item:
        raise not_found("Log")
    expression, names, values = _day_changes(item, -1)
    actions = [Action.delete(key, condition="attribute_exists(PK)"),
               Action.update(keys.progress_day(client_id, user_id, on), expression, names=names, values=values)]
    try:
        repo.transact(actions)
    except TransactionFailed:
        raise not_found("Log") from None
    return {"deletedLogId": log_id, "date": on}


def _range(zone_name: str, start: str | None, end: str | None, default_days: int, limit: int) -> tuple[date, date]:
    today = member_days.today(member_days.zone(zone_name))
    last = member_days.parse_date(end, "to") if end else today
    first = member_days.parse_date(start, "from") if start else last - timedelta(days=default_days - 1)
    if last < first:
        raise _invalid("to", "on or after from")
    if (last - first).days + 1 > limit:
        raise _invalid("to", f"at most {limit} days after from")
    return first, last


def list_logs(client_id: str, user_id: str, log_type: str | None, start: str | None, end: str | None, page: int,
              limit: int) -> dict[str, Any]:
    """GET /progress/logs: newest first within [from, to] (default the last 30 local days, at most 92). The
    total comes from the day counters of the range, not from counting logs."""
    repo = get_repository()
    _, _, zone_name = _context(client_id, user_id)
    first, last = _range(zone_name, start, end, 30, MAX_LOG_RANGE_DAYS)
    pk = keys.user_pk(client_id, user_id)
    days = repo.query(pk, sk_between=(f"{keys.DAY_PREFIX}{first.isoformat()}", f"{keys.DAY_PREFIX}{last.isoformat()}"))
    counter = {"workout": "workouts", "nutrition": "meals", "water": "waters", None: "logs"}[log_type]
    total = sum(int(d.get(counter) or 0) for d in days)
    wanted = page * limit  # read only as far as this page: a Query without Limit reads 1 MB of logs
    typed: dict[str, Any] = {"filter_expression": "#type = :type", "names": {"#type": "type"}, "values": {":type": log_type},
             "page_size": wanted} if log_type else {}
    found = [log_view(item) for item in repo.iterate(
        pk, sk_between=(f"{keys.LOG_PREFIX}{first.isoformat()}", f"{keys.LOG_PREFIX}{last.isoformat()}#~"),
        forward=False, limit=wanted, **typed)]
    return {"items": found[(page - 1) * limit:], "pagination": pagination(total, page, limit),
            "from": first.isoformat(), "to": last.isoformat()}


# --- the dashboard ----------------------------------------------------------------------------------------------
def period_bounds(period: str, start: str | None, end: str | None, today: date) -> tuple[date, date]:
    if period == "week":
        first = today - timedelta(days=today.weekday())
        return first, first + timedelta(days=6)
    if period == "month":
        first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    if not start or not end:
        raise _invalid("from" if not start else "to", "required for a custom period")
    first, last = member_days.parse_date(start, "from"), member_days.parse_date(end, "to")
    if last < first:
        raise _invalid("to", "on or after from")
    if (last - first).days + 1 > 31:
        raise _invalid("to", "at most 31 days after from")
    return first, last


def planned_workouts(summary: dict[str, Any] | None, first: date, last: date) -> int:
    """Sessions the active workout plan schedules between the two dates (inside the plan's own dates)."""
    if not summary:
        return 0
    from shared.domain.planning.limits import WEEKDAYS

    start, end = date.fromisoformat(summary["startDate"]), date.fromisoformat(summary["endDate"])
    schedule = set(summary.get("schedule") or ())
    count, on = 0, max(first, start)
    while on <= min(last, end):
        if WEEKDAYS[on.weekday()] in schedule:
            count += 1
        on += timedelta(days=1)
    return count


def _change(now: float, before: float) -> float | None:
    return None if not before else round((now - before) / before * 100, 1)


def _sum(days: list[dict[str, Any]], field: str) -> float:
    return sum(float(d.get(field) or 0) for d in days)


def dashboard(client_id: str, user_id: str, period: str, start: str | None, end: str | None) -> dict[str, Any]:
    """GET /progress/dashboard: planned vs done, minutes, streaks, calories vs target, water vs goal, watch time,
    and the change against the period before, all over the member's local days."""
    repo = get_repository()
    user, pointer, zone_name = _context(client_id, user_id)
    tz = member_days.zone(zone_name)
    today = member_days.today(tz)
    first, last = period_bounds(period, start, end, today)
    length = (last - first).days + 1
    before_first = first - timedelta(days=length)
    lookback = min(before_first, today - timedelta(days=STREAK_LOOKBACK_DAYS))
    pk = keys.user_pk(client_id, user_id)
    days = {d["date"]: d for d in repo.query(pk, sk_between=(f"{keys.DAY_PREFIX}{lookback.isoformat()}",
                                                             f"{keys.DAY_PREFIX}{max(last, today).isoformat()}"))
            if d.get("date")}
    current = [d for k, d in days.items() if first.isoformat() <= k <= last.isoformat()]
    previous = [d for k, d in days.items() if before_first.isoformat() <= k < first.isoformat()]
    summaries = {}
    wanted = [{"PK": pk, "SK": pointer[f"active_{t}"]} for t in ("workout", "nutrition") if pointer.get(f"active_{t}")]
    for item in repo.get_many(wanted) if wanted else []:
        summaries[item["type"]] = item
    targets = _targets(client_id, user_id, user, pointer)
    workout_days = {date.fromisoformat(k) for k, d in days.items() if int(d.get("workouts") or 0) > 0}
    current_streak, longest_streak = streaks(workout_days, today)
    planned = planned_workouts(summaries.get("workout"), first, last)
    completed = int(_sum(current, "workouts"))
    food_days = [d for d in current if int(d.get("meals") or 0) > 0]
    water_days = [d for d in current if int(d.get("waterMl") or 0) > 0]
    watch = _watch(client_id, user_id, first, last, tz)
    minutes, minutes_before = _sum(current, "workoutMinutes"), _sum(previous, "workoutMinutes")
    return {
        "period": {"name": period, "from": first.isoformat(), "to": last.isoformat(), "timeZone": zone_name},
        "workouts": {"planned": planned, "completed": completed,
                     "adherencePct": round(min(completed, planned) / planned * 100, 1) if planned else None,
                     "minutes": int(minutes), "currentStreakDays": current_streak,
                     "longestStreakDays": longest_streak},
        "nutrition": {"targetCalories": targets["calories"], "daysLogged": len(food_days),
                      "avgCalories": round(_sum(food_days, "calories") / len(food_days)) if food_days else None,
                      "avgMacros": {m: round(_sum(food_days, m) / len(food_days)) if food_days else None
                                    for m in ("proteinG", "carbsG", "fatG")}},
        "water": {"goalMl": targets["waterMl"], "daysLogged": len(water_days),
                  "avgMl": round(_sum(water_days, "waterMl") / len(water_days)) if water_days else None,
                  "daysGoalMet": sum(1 for d in water_days if float(d.get("waterMl") or 0) >= targets["waterMl"])},
        "watch": watch,
        "trends": {"workoutsChangePct": _change(completed, _sum(previous, "workouts")),
                   "minutesChangePct": _change(minutes, minutes_before)},
    }


def _watch(client_id: str, user_id: str, first: date, last: date, tz: Any) -> dict[str, int]:
    """Minutes watched and classes completed in the period, from the viewing totals kept per UTC hour."""
    repo = get_repository()
    since = datetime(first.year, first.month, first.day, tzinfo=tz).timestamp()
    until = datetime(last.year, last.month, last.day, tzinfo=tz).timestamp() + 86400
    until = min(until, clock.now() + 3600)
    low, high = keys.viewing_hour(client_id, user_id, int(since // 3600)), \
        keys.viewing_hour(client_id, user_id, int(until // 3600))
    seconds = sum(float(h.get("seconds") or 0) for h in repo.query(low["PK"], sk_between=(low["SK"], high["SK"])))
    completions = (repo.get(keys.viewing_completions(client_id, user_id)) or {}).get("completions") or []
    done = sum(1 for c in completions if since <= float(c) < until)
    return {"minutes": int(seconds // 60), "classesCompleted": done}

