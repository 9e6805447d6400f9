"""Viewing sessions: start, heartbeats, completion, history, continue watching, and the progress summary.

Everything a user's viewing leaves behind lives in the user's partition (`keys.user_pk`), so deleting the
account deletes it with one Query:
- `SESSION#<id>`   one session; ids begin with the start time in hex, so the prefix reads newest first;
- `CW#<classId>`   one continue-watching entry per class started and not finished (GSI1: newest start
                   first). It points at the class's latest session, whose item holds the position;
- `VIEWSTATS`      small totals (watch seconds, sessions, classes completed) and `openSessions`, the ids of
                   sessions holding credit not yet added to the totals (at most OPEN_CAP);
- `VIEWCOMPLETIONS` the instants of completions (a string set, for streaks in any time zone);
- `VIEWHOUR#<h>`   watch seconds credited within one UTC hour ("this week" in any time zone).

A heartbeat is frequent (every 30 s per viewer), so its common case (same session, same UTC hour, no
completion) is one GetItem and one conditional UpdateItem of the session item alone: the session keeps the
credit of its current hour (`openSeconds`, `openHour`) instead of adding it to the totals at once. The totals
receive it at a boundary: the first credit of a session, a new hour, completion, or a later start that finds a
stale session. A boundary is one TransactWriteItems (the session, conditioned on its version, with the totals
it settles and the `openSessions` set), so the totals are exact, never short and never double. The summary
adds the open credit of the sessions listed in `openSessions` to the totals it reads.
Concurrent heartbeats: each reads the session and writes it conditioned on the `version` it read (optimistic
concurrency); the loser retries from the item the failed write returns.
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
from shared.cursor import decode as decode_cursor
from shared.cursor import encode as encode_cursor
from shared.db import keys
from shared.db.repository import Action, ConditionFailed, TransactionConflict, TransactionFailed, get_repository
from shared.domain import catalog_index
from shared.domain.catalog import is_active, pagination, percent
from shared.errors import AppError, not_found, refused

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
        raise refused("UNKNOWN_TIME_ZONE", "Unknown time zone", "tz",
                      "an IANA time zone such as Europe/Paris, or an offset such as +05:30") from None


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


# --- where credit goes (pure) -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Ledger:
    """What one write does with a session's credit: what stays open in the session, what the totals get now
    (by UTC hour), and whether the session joins or leaves `openSessions`."""
    open_seconds: float
    open_hour: int | None
    listed: bool
    settle: dict[int, float]
    list_now: bool
    unlist_now: bool
    completes: bool

    @property
    def boundary(self) -> bool:
        """A write that touches the totals (a transaction), not the session alone."""
        return bool(self.settle) or self.list_now or self.unlist_now or self.completes


def ledger(session: dict[str, Any], earned: float, hour: int, completes: bool, may_list: bool = True) -> Ledger:
    """Credit of an earlier hour is settled; this hour's stays open in the session unless the session completes
    (then all of it is settled) or may not be listed (then it is settled at once)."""
    open_seconds = float(session.get("openSeconds") or 0)
    open_hour = session.get("openHour")
    listed = bool(session.get("listed"))
    settle: dict[int, float] = {}
    if open_seconds > 0 and open_hour is not None and open_hour != hour:
        settle[int(open_hour)] = open_seconds
        open_seconds, open_hour = 0.0, None
    if earned > 0:
        open_seconds, open_hour = round(open_seconds + earned, 3), hour
    if open_seconds > 0 and (completes or not (listed or may_list)):
        settle[hour] = round(settle.get(hour, 0.0) + open_seconds, 3)
        open_seconds, open_hour = 0.0, None
    list_now = open_seconds > 0 and not listed
    unlist_now = listed and open_seconds == 0  # a listed session always holds open credit until settled
    return Ledger(open_seconds, open_hour, (listed or list_now) and not unlist_now, settle, list_now, unlist_now,
                  completes)


# --- storage ----------------------------------------------------------------------------------------------
OPEN_CAP = 20  # sessions whose credit may wait in their own item; past it, credit is settled at once


def _continue_item(client_id: str, user_id: str, session: dict[str, Any]) -> dict[str, Any]:
    """The class's continue-watching entry: the class's latest session, listed (GSI1) by its start."""
    class_id = int(session["classId"])
    return {**keys.continue_watching(client_id, user_id, class_id), "classId": class_id,
            "sessionId": session["id"], "totalDurationSeconds": int(session["totalDurationSeconds"]),
            "startedAt": session["startedAt"], "GSI1PK": keys.continue_watching_index(client_id, user_id),
            "GSI1SK": f"{session['startedAt']}#{class_id:08d}"}


def _finish_continue(client_id: str, user_id: str, session: dict[str, Any]) -> None:
    """A finished session leaves a tombstone (no GSI1 keys, so not listed), unless a later session of the
    class already took the entry over."""
    class_id = int(session["classId"])
    try:
        get_repository().put({**keys.continue_watching(client_id, user_id, class_id), "classId": class_id,
                              "sessionId": session["id"], "finished": True},
                             condition="sessionId = :sid", values={":sid": session["id"]})
    except ConditionFailed:
        pass  # another session of the class owns the entry now


def _session_update(session: dict[str, Any], changes: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """SET what `changes` alters and the next version, if the session is still at the version read (values the
    item already holds are left out: a smaller expression and fewer bytes on every heartbeat)."""
    version = int(session.get("version") or 0)
    changes = {**{k: v for k, v in changes.items() if k not in session or session[k] != v}, "version": version + 1}
    names = {f"#a{i}": name for i, name in enumerate(changes)}
    values: dict[str, Any] = {f":a{i}": value for i, value in enumerate(changes.values())}
    values[":expected"] = version
    return "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(changes))), names, values


def _settlement(client_id: str, user_id: str, session_id: str, entry: Ledger, completes: bool,
                now: float) -> list[Action]:
    """The totals a boundary write settles, as transaction actions (after the session's own)."""
    actions: list[Action] = []
    stats = ["SET updatedAt = :now"]
    adds: list[str] = []
    values: dict[str, Any] = {":now": clock.iso(now)}
    condition = None
    settled = round(sum(entry.settle.values()), 3)
    if settled > 0:
        adds.append("watchedSeconds :w")
        values[":w"] = settled
    if completes:
        adds.append("classesCompleted :one")
        values[":one"] = 1
    if entry.list_now:
        adds.append("openSessions :sid")
        values[":sid"] = {session_id}
        values[":cap"] = OPEN_CAP
        condition = "attribute_not_exists(openSessions) OR size(openSessions) < :cap"
    expression = " ".join(stats + (["ADD " + ", ".join(adds)] if adds else []))
    if entry.unlist_now:
        expression += " DELETE openSessions :gone"
        values[":gone"] = {session_id}
    actions.append(Action.update(keys.viewing_stats(client_id, user_id), expression, condition=condition,
                                 values=values))
    for hour, seconds in sorted(entry.settle.items()):
        actions.append(Action.update(keys.viewing_hour(client_id, user_id, hour), "ADD seconds :s",
                                     values={":s": seconds}))
    if completes:
        actions.append(Action.update(keys.viewing_completions(client_id, user_id), "ADD completions :instant",
                                     values={":instant": {str(int(now))}}))
    return actions


def _apply(client_id: str, user_id: str, session: dict[str, Any], changes: dict[str, Any], earned: float,
           completes: bool, now: float) -> dict[str, Any] | dict[str, str]:
    """Write one step of a session: the session alone in the common case, with its settlement at a boundary.
    Returns the session as written, or {"retry": ...} with the fresh item when another writer won."""
    key = keys.viewing_session(client_id, user_id, session["id"])
    entry = ledger(session, earned, int(now // 3600), completes)
    for _ in (True, False):  # at most one more try, without listing (OPEN_CAP reached)
        changes = {**changes, "openSeconds": entry.open_seconds, "openHour": entry.open_hour, "listed": entry.listed}
        expression, names, values = _session_update(session, changes)
        written = {**session, **changes, "version": int(session.get("version") or 0) + 1}
        if not entry.boundary:
            try:  # nothing returned: the item as written is known here, and DynamoDB need not send it back
                get_repository().update(key, expression, condition="version = :expected", names=names,
                                        values=values, return_values="NONE")
                return written
            except ConditionFailed as lost:
                return {"retry": lost.old_item}
        actions = [Action.update(key, expression, condition="version = :expected", names=names, values=values)]
        try:
            get_repository().transact(actions + _settlement(client_id, user_id, session["id"], entry, completes, now))
            if session.get("partnerId"):  # the partner's day counters (shared/domain/partner_members.py)
                from shared.domain.partner_members import on_settled

                on_settled(client_id, user_id, str(session["partnerId"]), entry.settle, completes, earned > 0, now)
            return written
        except TransactionFailed as failed:
            if failed.reasons[0] == "ConditionalCheckFailed":
                return {"retry": failed.old_items[0]}
            if not entry.list_now or failed.reasons[1] != "ConditionalCheckFailed":
                raise
            entry = ledger(session, earned, int(now // 3600), completes, may_list=False)  # OPEN_CAP reached
        except TransactionConflict:
            return {"retry": None}
    raise AppError("CONFLICT", "The session is being updated right now; try again")


def start(client_id: str, user_id: str, class_id: int, device_type: str) -> dict[str, Any]:
    """A new session of a class of the caller's client. Resumes from the position of the class's latest
    unfinished session, if any; puts the class (back) into continue watching; settles the open credit of
    sessions left in an earlier hour."""
    repo = get_repository()
    found = {i["SK"]: i for i in repo.get_many([keys.klass(client_id, class_id),
                                                keys.continue_watching(client_id, user_id, class_id),
                                                keys.viewing_stats(client_id, user_id),
                                                keys.partner_member(client_id, user_id)])}  # partner dashboards
    klass = found.get(keys.klass(client_id, class_id)["SK"])
    if klass is None or not is_active(klass):
        raise not_found("Class")
    entry = found.get(keys.continue_watching(client_id, user_id, class_id)["SK"])
    previous_id = entry["sessionId"] if entry and not entry.get("finished") else None
    open_ids = set((found.get("VIEWSTATS") or {}).get("openSessions") or [])
    now = clock.now()
    sessions = _sessions(client_id, user_id, open_ids | ({previous_id} if previous_id else set()))
    _settle_stale(client_id, user_id, [s for s in sessions.values() if s["id"] in open_ids], now)
    started = clock.iso(now)
    total = 60 * int(klass["duration"])
    previous = sessions.get(previous_id or "")
    resume = int(previous["progressSeconds"]) if previous and previous["status"] == "in_progress" \
        and previous["progressSeconds"] < COMPLETE_RATIO * total else 0
    session_id = new_session_id(now)
    session = {
        **keys.viewing_session(client_id, user_id, session_id), "id": session_id, "classId": class_id,
        "className": klass["name"], "thumbnailUrl": klass.get("thumbnailUrl"), "deviceType": device_type,
        "status": "in_progress", "progressSeconds": resume, "furthestSeconds": resume,
        "totalDurationSeconds": total, "watchedSeconds": 0, "heartbeats": 0, "version": 0,
        "startedAt": started, "startedEpoch": round(now, 3), "lastHeartbeatAt": None, "lastHeartbeatEpoch": None,
        "completedAt": None,
        "partnerId": (found.get(keys.partner_member(client_id, user_id)["SK"]) or {}).get("partnerId"),
    }
    repo.put(session, condition="attribute_not_exists(PK)")
    repo.put(_continue_item(client_id, user_id, session))
    repo.update(keys.viewing_stats(client_id, user_id), "ADD sessionsCount :one SET updatedAt = :now",
                values={":one": 1, ":now": started}, return_values="NONE")
    catalog_index.note_view(client_id, class_id)  # popularity (sort=popular) counts starts
    return session


def _sessions(client_id: str, user_id: str, session_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = sorted(i for i in session_ids if re.fullmatch(r"ses_[0-9a-f]{24}", i))
    if not wanted:
        return {}
    found = get_repository().get_many([keys.viewing_session(client_id, user_id, i) for i in wanted])
    return {s["id"]: s for s in found}


def _settle_stale(client_id: str, user_id: str, sessions: list[dict[str, Any]], now: float) -> None:
    """Settle the open credit of sessions last credited in an earlier hour (abandoned ones keep it otherwise).
    A session being written meanwhile simply keeps its credit for a later boundary."""
    hour = int(now // 3600)
    for session in sessions:
        if ledger(session, 0.0, hour, False).boundary:
            _apply(client_id, user_id, session, {}, 0.0, False, now)


def _session(client_id: str, user_id: str, session_id: str, *, consistent: bool = False) -> dict[str, Any]:
    if not re.fullmatch(r"ses_[0-9a-f]{24}", session_id):
        raise not_found("Session")
    item = get_repository().get(keys.viewing_session(client_id, user_id, session_id), consistent=consistent)
    if item is None:
        raise not_found("Session")
    return item


def _backoff(attempt: int) -> None:
    time.sleep(min(0.2, 0.005 * (2 ** attempt)) * random.random())  # noqa: S311 - jitter, not a secret


def _steps(client_id: str, user_id: str, session_id: str, decide: Any) -> dict[str, Any]:
    """Read the session, let `decide(session, now)` say what to write (or return the session as it is), write
    it; on a lost race, go again from the item the failed write returned. The first read is eventually
    consistent: a stale item only makes the conditional write fail and the loop go again."""
    session = _session(client_id, user_id, session_id)
    for attempt in range(ATTEMPTS):
        now = clock.now()
        plan = decide(session, now)
        if plan is None:
            return session
        changes, earned, completes = plan
        written = _apply(client_id, user_id, session, changes, earned, completes, now)
        if "retry" not in written:
            if completes:
                _finish_continue(client_id, user_id, written)
            return written
        fresh = written["retry"]
        if attempt:
            _backoff(attempt)
        session = fresh if isinstance(fresh, dict) and fresh.get("id") == session_id \
            else _session(client_id, user_id, session_id, consistent=True)
    raise AppError("CONFLICT", "The session is being updated by many heartbeats at once; send the next one")


def heartbeat(client_id: str, user_id: str, session_id: str, position: float,
              reported_total: float) -> dict[str, Any]:
    """Record a heartbeat. A completed session stays as it is."""

    def decide(session: dict[str, Any], now: float) -> tuple[dict[str, Any], float, bool] | None:
        if session["status"] == "completed":
            return None
        total = float(session["totalDurationSeconds"])
        if too_far(position, total):
            raise refused("PROGRESS_PAST_END", "The position is far past the end of the class", "progressSeconds",
                          f"at most {int(total * FAR_PAST_RATIO) + FAR_PAST_SLACK} s for a class of {int(total)} s")
        step = heartbeat_step(session, position, now)
        changes: dict[str, Any] = {
            "progressSeconds": step.progress, "furthestSeconds": step.furthest,
            "watchedSeconds": round(float(session.get("watchedSeconds") or 0) + step.credit, 3),
            "lastHeartbeatAt": clock.iso(now), "lastHeartbeatEpoch": round(now, 3),
            "heartbeats": int(session.get("heartbeats") or 0) + 1, "reportedDurationSeconds": int(reported_total),
        }
        if step.completes:
            changes.update(status="completed", completedAt=clock.iso(now))
        return changes, step.credit, step.completes

    return _steps(client_id, user_id, session_id, decide)


def complete(client_id: str, user_id: str, session_id: str) -> dict[str, Any]:
    """Complete a session; completing it again changes nothing."""

    def decide(session: dict[str, Any], now: float) -> tuple[dict[str, Any], float, bool] | None:
        if session["status"] == "completed":
            return None
        return {"status": "completed", "completedAt": clock.iso(now)}, 0.0, True

    return _steps(client_id, user_id, session_id, decide)


MAX_HISTORY_PAGE = 10  # `page` reads every item before its page: at most 10 x 100; further on, the cursor


def _history_position(position: dict[str, Any]) -> bool:
    return set(position) == {"after", "page"} and isinstance(position["after"], str) \
        and re.fullmatch(r"ses_[0-9a-f]{24}", position["after"]) is not None \
        and type(position["page"]) is int and 2 <= position["page"] <= 10**9


def history(client_id: str, user_id: str, page: int, limit: int, cursor: str | None = None) -> dict[str, Any]:
    """The user's sessions, newest first, `limit` at a time, with `nextCursor` while more follow. From a cursor
    a page reads `limit` + 1 sessions whatever its depth; by `page` (up to MAX_HISTORY_PAGE) it reads every
    session before it too. The total comes from the sessions counter (one more GetItem)."""
    repo = get_repository()
    pk = keys.user_pk(client_id, user_id)
    stats = repo.get(keys.viewing_stats(client_id, user_id)) or {}
    if cursor:
        position = decode_cursor(cursor, _history_position)
        page, after = int(position["page"]), keys.viewing_session(client_id, user_id, position["after"])["SK"]
        newer = repo.query(pk, sk_between=(keys.SESSION_PREFIX, after), forward=False, limit=limit + 2)
        shown = [s for s in newer if s["SK"] < after][:limit + 1]
    else:
        shown = repo.query(pk, sk_prefix=keys.SESSION_PREFIX, forward=False, limit=page * limit + 1)[(page - 1) * limit:]
    items, more = shown[:limit], len(shown) > limit
    total = int(stats.get("sessionsCount") or 0)
    return {"items": [view(s) for s in items], "pagination": pagination(max(total, len(items)), page, limit),
            "nextCursor": encode_cursor({"after": items[-1]["id"], "page": page + 1}) if more and items else None}


def continue_watching_entries(client_id: str, user_id: str, size: int = CONTINUE_SIZE) -> list[dict[str, Any]]:
    """The user's continue-watching entries, newest start first, each with its session's position: one GSI1
    Query with a limit and one BatchGetItem of at most `size` sessions. An entry whose session has
    completed meanwhile is left out."""
    entries = get_repository().query(keys.continue_watching_index(client_id, user_id), index="GSI1",
                                     forward=False, limit=size)
    sessions = _sessions(client_id, user_id, (str(e.get("sessionId") or "") for e in entries))
    shown = []
    for entry in entries:
        session = sessions.get(str(entry.get("sessionId") or ""))
        if session is None or session["status"] != "in_progress":
            continue
        shown.append({**entry, "progressSeconds": int(session.get("progressSeconds") or 0),
                      "totalDurationSeconds": int(session["totalDurationSeconds"]),
                      "lastWatchedAt": session.get("lastHeartbeatAt") or session["startedAt"]})
    return shown


def open_credit(client_id: str, user_id: str, stats: dict[str, Any]) -> dict[int, float]:
    """Credit still held by sessions (see the module's docstring), by UTC hour: one BatchGetItem of at most
    OPEN_CAP sessions."""
    by_hour: dict[int, float] = {}
    for session in _sessions(client_id, user_id, stats.get("openSessions") or []).values():
        seconds, hour = float(session.get("openSeconds") or 0), session.get("openHour")
        if session.get("listed") and seconds > 0 and hour is not None:
            by_hour[int(hour)] = by_hour.get(int(hour), 0.0) + seconds
    return by_hour


def summary(client_id: str, user_id: str, tz_name: str | None) -> dict[str, Any]:
    """Minutes watched, classes completed, streaks (a day counts when a class was completed that day, in
    `tz`), and this week (Monday 00:00 in `tz` until now). Reads two items, at most 169 hour items and the
    sessions holding open credit (at most OPEN_CAP)."""
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
    held = open_credit(client_id, user_id, stats)  # read after the totals: a settlement between is never counted twice
    week_seconds = sum(float(h.get("seconds") or 0) for h in hours) \
        + sum(seconds for hour, seconds in held.items() if first_hour <= hour <= last_hour)
    week_completions = [c for c in completions if since <= c <= now]
    return {
        "minutesWatched": int((float(stats.get("watchedSeconds") or 0) + sum(held.values())) // 60),
        "classesCompleted": int(stats.get("classesCompleted") or 0),
        "totalSessions": int(stats.get("sessionsCount") or 0),
        "currentStreak": current, "longestStreak": longest,
        "thisWeek": {"minutesWatched": int(week_seconds // 60), "classesCompleted": len(week_completions),
                     "activeDays": len(local_days(week_completions, tz)),
                     "since": clock.iso(since)},  # the start of the week in `tz`, as a UTC instant
        "timezone": tz_name or "UTC",
    }
