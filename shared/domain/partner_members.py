"""A partner's members and dashboard: who joined through the partner, what they watched, by UTC day.

Attribution: a member registered with a partner's voucher (or provisioned for a partner) gets a
`keys.partner_member` item in their own partition, listed in the partner's GSI2 partition by `joinedAt#userId`.
Deleting the account deletes the partition, so a deleted member is gone from lists and exports at once.

Counters, never counts (one Query of at most 2 x 90 day items, whatever the number of members):
- the partner's own item (`keys.partner`) holds `members` (attributed now; not the voucher counters, which a
  registration with a voucher updates in the same transaction);
- one item per partner and UTC day (`keys.partner_activity`): `joined`, `left`, credited `watchSeconds` (as
  the member's viewing settles it, by UTC hour: the current hour's credit of a session arrives at its next
  boundary),
  `completed` classes, and `gap#<g>`: members active that day whose previous active day was g days before
  (`gap#first` for their first). A member is counted once per day: a conditional update of `lastActiveDay` on
  their attribution item picks the first credited heartbeat of the day.
  Distinct members active in a window [a, b] are then exact: a member is counted on their first active day
  inside the window, which is the day d in [a, b] whose previous active day lies before a, i.e. gap > d - a.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator

from shared import clock
from shared.db import keys
from shared.db.repository import Action, ConditionFailed, get_repository
from shared.errors import AppError

MAX_GAP = 90  # gaps longer than this are stored as "gap#long": every window here is at most 90 days
PERIODS = {"7d": 7, "30d": 30, "90d": 90}
ACTIVE_DAYS = 30  # a member is `active` in lists when they watched within this many days
EXPORT_MAX_ROWS = 20_000


def _day(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).date()


# --- attribution (called by registration, provisioning and account deletion) ------------------------------------
def joining_actions(client_id: str, user: dict[str, Any]) -> list[Action]:
    """What joins the transaction that creates `user` when a partner brought them: the attribution item and the
    partner's counters."""
    partner_id = user.get("partnerId")
    if not partner_id:
        return []
    joined = str(user.get("createdAt") or clock.iso())
    item = {**keys.partner_member(client_id, user["id"]), "userId": user["id"], "clientId": client_id,
            "partnerId": partner_id, "joinedAt": joined, "voucherCode": user.get("voucherCode"),
            "emailLower": str(user["email"]).lower(), "nameLower": str(user.get("name") or "").lower(),
            "lastActiveDay": "", "GSI2PK": keys.partner_members_index(client_id, partner_id),
            "GSI2SK": f"{joined}#{user['id']}"}
    return [Action.put(item, "attribute_not_exists(PK)"),
            Action.update(keys.partner(client_id, partner_id), "ADD members :one", values={":one": 1}),
            Action.update(keys.partner_activity(client_id, partner_id, joined[:10]), "ADD joined :one",
                          values={":one": 1})]


def leaving_actions(user: dict[str, Any]) -> list[Action]:
    """What joins the transaction that marks `user`'s account for deletion (once per account): the partner's
    member count goes down. The attribution item goes with the account's partition."""
    partner_id, client_id = user.get("partnerId"), user.get("clientId")
    if not partner_id or not client_id:
        return []
    return [Action.update(keys.partner(client_id, partner_id), "ADD members :minus", values={":minus": -1}),
            Action.update(keys.partner_activity(client_id, partner_id, clock.iso()[:10]), "ADD #left :one",
                          names={"#left": "left"}, values={":one": 1})]


def on_settled(client_id: str, user_id: str, partner_id: str, settled: dict[int, float], completed: bool,
               credited: bool, now: float) -> None:
    """After a viewing session of an attributed member wrote its totals (shared/domain/viewing.py settles
    credit per UTC hour at a boundary: a session's first credit, a new hour, completion): the partner's day
    counters. A credited step also counts the member as active today, once a day (see the module)."""
    repo = get_repository()
    today = _day(now).isoformat()
    by_day: dict[str, float] = {}
    for hour, seconds in settled.items():
        day = _day(hour * 3600).isoformat()
        by_day[day] = by_day.get(day, 0.0) + float(seconds)
    for day, seconds in by_day.items():
        if seconds > 0:
            repo.update(keys.partner_activity(client_id, partner_id, day), "ADD watchSeconds :s",
                        values={":s": round(seconds, 3)}, return_values="NONE")
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds = []
    if credited:
        try:
            old = repo.update(keys.partner_member(client_id, user_id), "SET lastActiveDay = :today, lastActiveAt = :at",
                              condition="attribute_exists(PK) AND lastActiveDay < :today",
                              values={":today": today, ":at": clock.iso(now)}, return_values="UPDATED_OLD")
            names["#gap"] = _gap_name(str(old.get("lastActiveDay") or ""), today)
            adds.append("#gap :one")
            values[":one"] = 1
        except ConditionFailed:
            pass  # already counted today, or no longer attributed
    if completed:
        adds.append("completed :done")
        values[":done"] = 1
    if adds:
        repo.update(keys.partner_activity(client_id, partner_id, today), "ADD " + ", ".join(adds),
                    names=names or None, values=values, return_values="NONE")


def _gap_name(previous_day: str, today: str) -> str:
    if not previous_day:
        return "gap#first"
    gap = (date.fromisoformat(today) - date.fromisoformat(previous_day)).days
    return f"gap#{gap}" if gap <= MAX_GAP else "gap#long"


# --- the dashboard ---------------------------------------------------------------------------------------------
def _days(client_id: str, partner_id: str, first: date, last: date) -> dict[str, dict[str, Any]]:
    start = keys.partner_activity(client_id, partner_id, first.isoformat())
    end = keys.partner_activity(client_id, partner_id, last.isoformat())
    return {item["SK"][4:]: item for item in get_repository().query(start["PK"], sk_between=(start["SK"], end["SK"]))}


def window_totals(days: dict[str, dict[str, Any]], first: date, last: date) -> dict[str, int | float]:
    """Pure: the sums of one window [first, last] of day counters, distinct active members included."""
    active = joined = left = completed = 0
    seconds = 0.0
    current = first
    while current <= last:
        counters = days.get(current.isoformat()) or {}
        offset = (current - first).days
        for name, value in counters.items():
            if name.startswith("gap#"):
                gap = name[4:]
                if gap in ("first", "long") or int(gap) > offset:
                    active += int(value)
        joined += int(counters.get("joined", 0))
        left += int(counters.get("left", 0))
        completed += int(counters.get("completed", 0))
        seconds += float(counters.get("watchSeconds", 0))
        current += timedelta(days=1)
    return {"active": active, "joined": joined, "left": left, "completed": completed, "seconds": seconds}


def _change(now_value: float, before: float) -> tuple[float | None, str]:
    if before <= 0:
        return None, "n/a"
    pct = round(100 * (now_value - before) / before, 1)
    return pct, f"{'+' if pct >= 0 else ''}{pct:g}%"


def dashboard(client_id: str, partner_id: str, period: str = "30d") -> dict[str, Any]:
    """GET /partner/dashboard: the period's totals and their change against the period before it. One GetItem
    (members) and one Query of 2 x period day items, whatever the number of members."""
    length = PERIODS[period]
    now = clock.now()
    last = _day(now)
    first = last - timedelta(days=length - 1)
    before_first = first - timedelta(days=length)
    days = _days(client_id, partner_id, before_first, last)
    current = window_totals(days, first, last)
    previous = window_totals(days, before_first, first - timedelta(days=1))
    members = int((get_repository().get(keys.partner(client_id, partner_id)) or {}).get("members", 0))
    members_before = members - int(current["joined"]) + int(current["left"])
    members_pct, members_text = _change(members, members_before)
    watch_pct, watch_text = _change(float(current["seconds"]), float(previous["seconds"]))
    return {"period": {"name": period, "from": f"{first.isoformat()}T00:00:00Z", "to": clock.iso(now)},
            "totalMembers": members, "activeMembers": int(current["active"]),
            "newMembers": int(current["joined"]),
            "totalWatchTimeMinutes": int(float(current["seconds"]) // 60),
            "totalClassesWatched": int(current["completed"]),
            "trends": {"membersChange": members_text, "watchTimeChange": watch_text,
                       "membersChangePct": members_pct, "watchTimeChangePct": watch_pct}}


# --- members ---------------------------------------------------------------------------------------------------
def mask_email(email: str) -> str:
    """j***@example.com: what a viewer sees."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _member_view(attribution: dict[str, Any], user: dict[str, Any], stats: dict[str, Any], now: float,
                 show_email: bool) -> dict[str, Any]:
    last_active = attribution.get("lastActiveAt")
    recent = bool(last_active) and clock.parse_iso(str(last_active)) > now - ACTIVE_DAYS * 86400
    return {"id": user["id"], "name": user.get("name"),
            "email": user["email"] if show_email else mask_email(str(user["email"])),
            "joinedAt": attribution.get("joinedAt"), "voucherCode": attribution.get("voucherCode"),
            "lastActiveAt": last_active, "classesWatched": int(stats.get("classesCompleted") or 0),
            "watchTimeMinutes": int(float(stats.get("watchedSeconds") or 0) // 60),
            "status": "active" if recent else "inactive"}


def _with_accounts(client_id: str, attributions: list[dict[str, Any]], show_email: bool) -> list[dict[str, Any]]:
    """Member views for attribution items: one BatchGetItem of their accounts and totals, and one of the sessions
    still holding credit not yet in the totals (shared/domain/viewing.py keeps the current hour's there)."""
    repo = get_repository()
    wanted = []
    for item in attributions:
        wanted += [keys.user(client_id, item["userId"]), keys.viewing_stats(client_id, item["userId"])]
    found = {(i["PK"], i["SK"]): i for i in repo.get_many(wanted)} if wanted else {}

    def stats_of(user_id: str) -> dict[str, Any]:
        stats_key = keys.viewing_stats(client_id, user_id)
        return found.get((stats_key["PK"], stats_key["SK"])) or {}

    open_keys = [keys.viewing_session(client_id, item["userId"], sid) for item in attributions
                 for sid in stats_of(item["userId"]).get("openSessions") or []]
    open_seconds: dict[str, float] = {}
    for session in repo.get_many(open_keys) if open_keys else []:
        if session.get("listed"):
            owner = next(item["userId"] for item in attributions
                         if session["PK"] == keys.user_pk(client_id, item["userId"]))
            open_seconds[owner] = open_seconds.get(owner, 0.0) + float(session.get("openSeconds") or 0)
    now = clock.now()
    views = []
    for item in attributions:
        user_key = keys.user(client_id, item["userId"])
        user = found.get((user_key["PK"], user_key["SK"]))
        if user is None or user.get("status", "active") != "active":
            continue  # deleted between the two reads
        stats = dict(stats_of(item["userId"]))
        stats["watchedSeconds"] = float(stats.get("watchedSeconds") or 0) + open_seconds.get(item["userId"], 0.0)
        views.append(_member_view(item, user, stats, now, show_email))
    return views


def _walk(client_id: str, partner_id: str, *, search: str | None = None, newest_first: bool = True,
          wanted: int | None = None, filtered: bool = False) -> Iterator[dict[str, Any]]:
    """Attribution items in join order. With nothing filtering them (neither `search` nor the caller, `filtered`)
    `wanted` bounds what DynamoDB reads; with a filter it is the first request's read, doubled on each next one."""
    expression, values = None, None
    if search:
        expression = "begins_with(emailLower, :q) OR begins_with(nameLower, :q)"
        values = {":q": search.strip().lower()}
    unfiltered = expression is None and not filtered
    yield from get_repository().iterate(keys.partner_members_index(client_id, partner_id), index="GSI2",
                                        forward=not newest_first, filter_expression=expression, values=values,
                                        limit=wanted if unfiltered else None,
                                        page_size=None if unfiltered else wanted)


def list_members(client_id: str, partner_id: str, *, search: str | None = None, status: str | None = None,
                 newest_first: bool = True, page: int = 1, limit: int = 20, show_email: bool = True) -> dict[str, Any]:
    """GET /partner/members: newest joined first (or oldest), name or email prefix search, status filter.
    `total` is the partner's member counter without filters, null with them (counting would read them all)."""
    skip, picked = (page - 1) * limit, []
    since = clock.now() - ACTIVE_DAYS * 86400
    for item in _walk(client_id, partner_id, search=search, newest_first=newest_first, wanted=skip + limit,
                      filtered=bool(status)):
        if status:
            recent = bool(item.get("lastActiveAt")) and clock.parse_iso(str(item["lastActiveAt"])) > since
            if recent != (status == "active"):
                continue
        if skip:
            skip -= 1
            continue
        picked.append(item)
        if len(picked) == limit:
            break
    total = None
    if not search and not status:
        total = int((get_repository().get(keys.partner(client_id, partner_id)) or {}).get("members", 0))
    return {"items": _with_accounts(client_id, picked, show_email),
            "pagination": {"page": page, "limit": limit, "total": total,
                           "totalPages": (total + limit - 1) // limit if total is not None else None}}


def get_member(client_id: str, partner_id: str, user_id: str, *, show_email: bool = True) -> dict[str, Any]:
    """GET /partner/members/{id}: the member, their totals and their ten latest sessions."""
    if not re.fullmatch(r"usr_[0-9a-f]{24}", user_id):
        raise AppError("NOT_FOUND", "Member not found")
    repo = get_repository()
    attribution = repo.get(keys.partner_member(client_id, user_id))
    if attribution is None or attribution.get("partnerId") != partner_id:
        raise AppError("NOT_FOUND", "Member not found")
    views = _with_accounts(client_id, [attribution], show_email)
    if not views:
        raise AppError("NOT_FOUND", "Member not found")
    sessions = repo.query(keys.user_pk(client_id, user_id), sk_prefix=keys.SESSION_PREFIX, forward=False, limit=10)
    return {"member": {**views[0], "recentSessions": [_session_view(s) for s in sessions]}}


def _session_view(session: dict[str, Any]) -> dict[str, Any]:
    furthest, total = float(session.get("furthestSeconds") or 0), max(1.0, float(session["totalDurationSeconds"]))
    return {"classId": session["classId"], "name": session.get("className"), "startedAt": session.get("startedAt"),
            "progressPercent": round(min(100.0, 100 * furthest / total), 1),
            "completed": session.get("status") == "completed"}


EXPORT_HEADER = ("memberId", "name", "email", "joinedAt", "voucherCode", "lastActiveAt", "classesWatched",
                 "watchTimeMinutes", "status")


def export_rows(client_id: str, partner_id: str, *, status: str | None = None, show_email: bool = True,
                max_rows: int = EXPORT_MAX_ROWS) -> list[list[Any]]:
    """The rows of a member export, oldest member first, in BatchGetItems of 50 members; 422 EXPORT_TOO_LARGE
    past `max_rows` (the CSV answer's EXPORT_MAX_ROWS; an export job's is larger)."""
    rows: list[list[Any]] = []
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        for view in _with_accounts(client_id, chunk, show_email):
            if status is None or view["status"] == status:
                rows.append([view[name if name != "memberId" else "id"] for name in EXPORT_HEADER])
        chunk.clear()

    for item in _walk(client_id, partner_id, newest_first=False):
        chunk.append(item)
        if len(chunk) == 50:
            flush()
        if len(rows) > max_rows:
            raise AppError("EXPORT_TOO_LARGE", f"More than {max_rows} members: start an export job "
                           "(POST /partner/exports), or export by status")
    flush()
    return rows
