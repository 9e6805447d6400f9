"""Viewing sessions: start, heartbeats, completion, history, continue watching, and the progress summary.

Everything a user's viewing leaves behind lives in the user's partition (`keys.user_pk`), so deleting the
account deletes it with one Query:
- `SESSION#<id>`   one session; ids begin with the start time in hex, so the prefix reads newest first;
- `CW#<classId>`   one continue-watching entry per class started and not finished (GSI1: newest first);
- `VIEWSTATS`      small totals (watch seconds, sessions, classes completed), updated by heartbeats;
- `VIEWCOMPLETIONS` the instants of completions (a string set, for streaks in any time zone);
- `VIEWHOUR#<h>`   watch seconds credited within one UTC hour ("this week" in any time zone).

Heartbeats never read-then-write blindly: each one reads the session and writes it back with one UpdateItem
conditioned on the `version` it read (optimistic concurrency), retrying when another heartbeat won. Only the
winner of a version then writes what follows from it: the continue-watching entry (conditioned on being
newer than the one stored) and ADDs to the totals. A write that fails half-way can leave the totals short of
a heartbeat, never above it; the session itself is always exact.
Watch time is credited from the wall clock: a heartbeat adds at most the time since the previous heartbeat
arrived (and at most MAX_CREDIT_SECONDS), so duplicates, replays and reordering never inflate it.
"""
from __future__ import annotations

import random
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Iterable

from shared import clock
from shared.db import keys
from shared.db.repository import ConditionFailed, get_repository
from shared.domain.catalog import is_active, pagination, percent
from shared.errors import AppError, not_found

COMPLETE_RATIO = 0.9
MAX_CREDIT_SECONDS = 120.0  # one heartbeat credits at most this much, whatever the gap
FAR_PAST_RATIO = 1.25  # a position beyond 125% of the duration (+ a minute) is refused
FAR_PAST_SLACK = 60
CONTINUE_SIZE = 10
ATTEMPTS = 12


# --- pure rules -------------------------------------------------------------------------------------------
def new_session_id(now: float) -> str:
    """Sortable by start time (milliseconds in fixed-width hex), unguessable after that."""
    return f"ses_{int(now * 1000):012x}{secrets.token_hex(6)}"


def too_far(position: float, total: float) -> bool:
    return position > total * FAR_PAST_RATIO + FAR_PAST_SLACK


def credit(previous: float, position: float, since_last: float) -> float:
    """Watch seconds one heartbeat earns: never more than the wall clock since the previous heartbeat (nor
    MAX_CREDIT_SECONDS); moving forward earns at most the distance moved; the same position (pause,
    duplicate) earns nothing; moving back (rewind, a late heartbeat) earns only the elapsed wall time."""
    wall = max(0.0, min(since_last, MAX_CREDIT_SECONDS))
    if position > previous:
        return min(position - previous, wall)
    if position < previous:
        return wall
    return 0.0


@dataclass(frozen=True)
class Step:
    """What one heartbeat does to a session."""
    progress: int
    furthest: int
    credit: float
    completes: bool


def heartbeat_step(session: dict[str, Any], position: float, now: float) -> Step:
    total = float(session["totalDurationSeconds"])
    previous = float(session.get("progressSeconds") or 0)
    last = float(session.get("lastHeartbeatEpoch") or session["startedEpoch"])
    furthest = max(int(session.get("furthestSeconds") or 0), int(position))
    earned = round(credit(previous, position, now - last), 3)
    return Step(progress=int(position), furthest=furthest, credit=earned,
                completes=furthest >= COMPLETE_RATIO * total)


def parse_tz(name: str | None) -> tzinfo:
    """An IANA zone ("Europe/Paris") or a fixed offset ("+05:30", "UTC-3"); UTC when absent."""
    if not name or name.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    offset = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?", name.strip(), re.IGNORECASE)
    if offset:
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if hours <= 14 and minutes < 60:
            sign = 1 if offset.group(1) == "+" else -1
            return timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - unknown names, path tricks, a missing tz database: all invalid input
        raise AppError("VALIDATION_ERROR", "Invalid request: tz",
                       [{"field": "tz", "reason": "an IANA time zone such as Europe/Paris, or an offset"}]) from None


def local_days(instants: Iterable[float], tz: tzinfo) -> set[date]:
    return {datetime.fromtimestamp(float(i), tz).date() for i in instants}


def streaks(days: set[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days. The current run ends today, or yesterday when today
    has no activity yet (the day is not over)."""
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = 0
    cursor = today if today in days else today - timedelta(days=1)
    while cursor in days:
        current += 1
        cursor -= timedelta(days=1)
    return current, longest


def week_start(now: float, tz: tzinfo) -> datetime:
    """Monday 00:00 of the current week, in `tz`."""
    local = datetime.fromtimestamp(now, tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=tz)


def view(session: dict[str, Any]) -> dict[str, Any]:
    total = int(session["totalDurationSeconds"])
    return {
        "id": session["id"], "classId": session["classId"],
        "class": {"id": session["classId"], "name": session.get("className"),
                  "thumbnailUrl": session.get("thumbnailUrl")},
        "deviceType": session.get("deviceType"), "status": session["status"],
        "progressSeconds": int(session.get("progressSeconds") or 0),
        "furthestSeconds": int(session.get("furthestSeconds") or 0),
        "totalDurationSeconds": total,
        "progressPercent": percent(float(session.get("progressSeconds") or 0), total),
        "watchedSeconds": int(float(session.get("watchedSeconds") or 0)),
        "startedAt": session["startedAt"], "lastHeartbeatAt": session.get("lastHeartbeatAt"),
        "completedAt": session.get("completedAt"),
    }


# --- storage ----------------------------------------------------------------------------------------------
def _continue_item(client_id: str, user_id: str, session: dict[str, Any], watched_at: str) -> dict[str, Any]:
    """The class's continue-watching entry as of this version of the session. A finished session leaves a
    tombstone (no GSI1 keys, so it is not listed) that stops older writes of the same session reviving it."""
    class_id = int(session["classId"])
    entry = {**keys.continue_watching(client_id, user_id, class_id), "classId": class_id,
             "sessionId": session["id"], "sessionVersion": int(session.get("version") or 0),
             "progressSeconds": int(session.get("progressSeconds") or 0),
             "totalDurationSeconds": int(session["totalDurationSeconds"]), "lastWatchedAt": watched_at}
    if session["status"] == "completed":
        return {**entry, "finished": True}
    return {**entry, "GSI1PK": keys.continue_watching_index(client_id, user_id),
            "GSI1SK": f"{watched_at}#{class_id:08d}"}


def _put_continue(client_id: str, user_id: str, session: dict[str, Any], watched_at: str) -> None:
    """Write the entry unless a later version of the same session already did (writes of concurrent
    heartbeats may land in any order); another session of the class simply takes the entry over."""
    try:
        get_repository().put(_continue_item(client_id, user_id, session, watched_at),
                             condition="attribute_not_exists(PK) OR sessionId <> :sid OR sessionVersion < :v",
                             values={":sid": session["id"], ":v": int(session.get("version") or 0)})
    except ConditionFailed:
        pass  # a newer write of this session is already there


def start(client_id: str, user_id: str, class_id: int, device_type: str) -> dict[str, Any]:
    """A new session of a class of the caller's client. Resumes from the continue-watching position of
    that class, if any; puts the class (back) into continue watching."""
    repo = get_repository()
    found = repo.get_many([keys.klass(client_id, class_id), keys.continue_watching(client_id, user_id, class_id)])
    klass = next((i for i in found if i["SK"].startswith("CLASS#")), None)
    if klass is None or not is_active(klass):
        raise not_found("Class")
    previous = next((i for i in found if i["SK"].startswith("CW#") and not i.get("finished")), None)
    now = clock.now()
    started = clock.iso(now)
    total = 60 * int(klass["duration"])
    resume = int(previous["progressSeconds"]) if previous and previous["progressSeconds"] < COMPLETE_RATIO * total \
        else 0
    session_id = new_session_id(now)
    session = {
        **keys.viewing_session(client_id, user_id, session_id), "id": session_id, "classId": class_id,
        "className": klass["name"], "thumbnailUrl": klass.get("thumbnailUrl"), "deviceType": device_type,
        "status": "in_progress", "progressSeconds": resume, "furthestSeconds": resume,
        "totalDurationSeconds": total, "watchedSeconds": 0, "heartbeats": 0, "version": 0,
        "startedAt": started, "startedEpoch": round(now, 3), "lastHeartbeatAt": None, "lastHeartbeatEpoch": None,
        "completedAt": None,
    }
    repo.put(session, condition="attribute_not_exists(PK)")
    repo.put(_continue_item(client_id, user_id, session, started))
    repo.update(keys.viewing_stats(client_id, user_id), "ADD sessionsCount :one SET updatedAt = :now",
                values={":one": 1, ":now": started}, return_values="NONE")
    # Popularity (sort=popular) counts starts; browse sees it through its 60 s cache.
    try:
        repo.update(keys.klass(client_id, class_id), "ADD #views :one", condition="attribute_exists(PK)",
                    names={"#views": "views"}, values={":one": 1}, return_values="NONE")
    except ConditionFailed:
        pass  # the class was removed meanwhile: nothing to count
    return session


def _session(client_id: str, user_id: str, session_id: str) -> dict[str, Any]:
    if not re.fullmatch(r"ses_[0-9a-f]{24}", session_id):
        raise not_found("Session")
    item = get_repository().get(keys.viewing_session(client_id, user_id, session_id), consistent=True)
    if item is None:
        raise not_found("Session")
    return item


def _write(client_id: str, user_id: str, session: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any] | None:
    """Write `changes` if the session is still at the version read: one conditional UpdateItem decides
    between concurrent heartbeats. None when another writer got there first (re-read and try again)."""
    version = int(session.get("version") or 0)
    changes = {**changes, "version": version + 1}
    names = {f"#a{i}": name for i, name in enumerate(changes)}
    values: dict[str, Any] = {f":a{i}": value for i, value in enumerate(changes.values())}
    values[":expected"] = version
    expression = "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(changes)))
    try:
        return get_repository().update(keys.viewing_session(client_id, user_id, session["id"]), expression,
                                       condition="version = :expected", names=names, values=values)
    except ConditionFailed:
        return None


def _after_write(client_id: str, user_id: str, session: dict[str, Any], credit_seconds: float,
                 completed_now: bool, now: float) -> None:
    """What follows a won write, done once by its winner: the continue-watching entry (or its tombstone),
    and the totals (ADD commutes, so concurrent winners may apply theirs in any order)."""
    repo = get_repository()
    _put_continue(client_id, user_id, session, clock.iso(now))
    additions, values = [], {":now": clock.iso(now)}
    if credit_seconds > 0:
        additions.append("watchedSeconds :s")
        values[":s"] = credit_seconds
        repo.update(keys.viewing_hour(client_id, user_id, int(now // 3600)), "ADD seconds :s",
                    values={":s": credit_seconds}, return_values="NONE")
    if completed_now:
        additions.append("classesCompleted :one")
        values[":one"] = 1
        repo.update(keys.viewing_completions(client_id, user_id), "ADD completions :instant",
                    values={":instant": {str(int(now))}}, return_values="NONE")
    if additions:
        repo.update(keys.viewing_stats(client_id, user_id), f"ADD {', '.join(additions)} SET updatedAt = :now",
                    values=values, return_values="NONE")


def _backoff(attempt: int) -> None:
    time.sleep(min(0.2, 0.005 * (2 ** attempt)) * random.random())


def heartbeat(client_id: str, user_id: str, session_id: str, position: float,
              reported_total: float) -> dict[str, Any]:
    """Record a heartbeat. A completed session stays as it is."""
    for attempt in range(ATTEMPTS):
        session = _session(client_id, user_id, session_id)
        if session["status"] == "completed":
            return session
        total = float(session["totalDurationSeconds"])
        if too_far(position, total):
            raise AppError("VALIDATION_ERROR", "Invalid request: progressSeconds",
                           [{"field": "progressSeconds",
                             "reason": f"far past the class's duration ({int(total)} s)"}])
        now = clock.now()
        step = heartbeat_step(session, position, now)
        changes: dict[str, Any] = {
            "progressSeconds": step.progress, "furthestSeconds": step.furthest,
            "watchedSeconds": round(float(session.get("watchedSeconds") or 0) + step.credit, 3),
            "lastHeartbeatAt": clock.iso(now), "lastHeartbeatEpoch": round(now, 3),
            "heartbeats": int(session.get("heartbeats") or 0) + 1, "reportedDurationSeconds": int(reported_total),
        }
        if step.completes:
            changes.update(status="completed", completedAt=clock.iso(now))
        written = _write(client_id, user_id, session, changes)
        if written is not None:
            _after_write(client_id, user_id, written, step.credit, step.completes, now)
            return written
        _backoff(attempt)
    raise AppError("CONFLICT", "The session is being updated by many heartbeats at once; send the next one")


def complete(client_id: str, user_id: str, session_id: str) -> dict[str, Any]:
    """Complete a session; completing it again changes nothing."""
    for attempt in range(ATTEMPTS):
        session = _session(client_id, user_id, session_id)
        if session["status"] == "completed":
            return session
        now = clock.now()
        written = _write(client_id, user_id, session, {"status": "completed", "completedAt": clock.iso(now)})
        if written is not None:
            _after_write(client_id, user_id, written, 0.0, True, now)
            return written
        _backoff(attempt)
    raise AppError("CONFLICT", "The session is being updated right now; try again")


def history(client_id: str, user_id: str, page: int, limit: int) -> dict[str, Any]:
    """The user's sessions, newest first. Reads page*limit session items (and the totals item)."""
    repo = get_repository()
    pk = keys.user_pk(client_id, user_id)
    stats = repo.get(keys.viewing_stats(client_id, user_id)) or {}
    newest = repo.query(pk, sk_prefix="SESSION#", forward=False, limit=page * limit)
    total = int(stats.get("sessionsCount") or len(newest))
    return {"items": [view(s) for s in newest[(page - 1) * limit:]], "pagination": pagination(total, page, limit)}


def continue_watching_entries(client_id: str, user_id: str, size: int = CONTINUE_SIZE) -> list[dict[str, Any]]:
    """The user's continue-watching entries, newest first (one GSI1 Query with a limit)."""
    return get_repository().query(keys.continue_watching_index(client_id, user_id), index="GSI1", forward=False,
                                  limit=size)


def summary(client_id: str, user_id: str, tz_name: str | None) -> dict[str, Any]:
    """Minutes watched, classes completed, streaks (a day counts when a class was completed that day, in
    `tz`), and this week (Monday 00:00 in `tz` until now). Reads two items and at most 169 hour items."""
    tz = parse_tz(tz_name)
    repo = get_repository()
    now = clock.now()
    found = {i["SK"]: i for i in repo.get_many([keys.viewing_stats(client_id, user_id),
                                                keys.viewing_completions(client_id, user_id)])}
    stats = found.get("VIEWSTATS") or {}
    completions = [float(c) for c in (found.get("VIEWCOMPLETIONS") or {}).get("completions") or []]
    days = local_days(completions, tz)
    today = datetime.fromtimestamp(now, tz).date()
    current, longest = streaks(days, today)
    since = week_start(now, tz).timestamp()
    first_hour, last_hour = int(since // 3600), int(now // 3600)
    first, last = keys.viewing_hour(client_id, user_id, first_hour), keys.viewing_hour(client_id, user_id, last_hour)
    hours = repo.query(first["PK"], sk_between=(first["SK"], last["SK"]))
    week_seconds = sum(float(h.get("seconds") or 0) for h in hours)
    week_completions = [c for c in completions if since <= c <= now]
    return {
        "minutesWatched": int(float(stats.get("watchedSeconds") or 0) // 60),
        "classesCompleted": int(stats.get("classesCompleted") or 0),
        "totalSessions": int(stats.get("sessionsCount") or 0),
        "currentStreak": current, "longestStreak": longest,
        "thisWeek": {"minutesWatched": int(week_seconds // 60), "classesCompleted": len(week_completions),
                     "activeDays": len(local_days(week_completions, tz)),
                     "since": clock.iso(since)},  # the start of the week in `tz`, as a UTC instant
        "timezone": tz_name or "UTC",
    }
