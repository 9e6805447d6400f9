"""Weekly rules in local wall-clock time plus an IANA zone, expanded into bookable instants. Pure: no I/O.

Time is two things: the instant (UTC epoch seconds, the truth) and the zone to show it in. Rules are never
stored as UTC: a trainer who works 09:00-17:00 in London works 09:00-17:00 local in March and in November.

Expansion, per local date D of the range (zoneinfo, PEP 495):
1. the windows of D: the date's override if there is one (an empty override = unavailable), else the weekly
   windows of D's weekday; minutes since local midnight, `end` up to 1440 (24:00, the next midnight);
2. candidates at start, start + interval, ... as naive local times; a candidate in a DST gap (its round trip
   through UTC changes its wall time) is dropped; a time in a fold is taken once, at its first instant (fold=0);
3. a candidate is kept when its instant plus the duration ends by the window's end as an instant (so a 3-hour
   window across the spring gap yields 2 hours of slots). A window end inside a gap ends at the earlier reading;
4. then the filters: minimum notice, booking horizon, busy intervals (bookings and holds widened by their own
   buffers, time off), each slot widened by its own buffers (buffers stack, as cal.com's do);
5. slots are deduplicated by instant and sorted; a slot's id is its start in epoch minutes, so recomputing
   availability gives the same ids and a booking names its slot by id alone.

Group classes use the same expansion: a weekly class is a window as long as the class with interval = duration,
which gives one occurrence per date (see `occurrences`).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GRID_MINUTES = 5  # every duration, buffer, interval and window edge is a multiple (DynamoDB busy blocks are 5 min)
DAY_MINUTES = 24 * 60
MAX_RANGE_DAYS = 31


class ScheduleError(ValueError):
    """A rule that cannot be expanded (the routes turn it into a named 400)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@lru_cache(maxsize=None)
def zone(name: str) -> ZoneInfo:
    """An IANA zone by its canonical name (no "UTC+2", no file paths)."""
    if name not in _zone_names():
        raise ScheduleError("timeZone", f"{name!r} is not an IANA time zone (e.g. Europe/London)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed but unreadable
        raise ScheduleError("timeZone", f"{name!r} is not an IANA time zone") from None


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_zone(name: str) -> bool:
    return name in _zone_names()


# --- the model ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Window:
    """Local wall-clock minutes since midnight: [start, end), end up to 1440 (24:00)."""
    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end <= DAY_MINUTES):
            raise ScheduleError("window", "start must be before end, within 00:00-24:00")
        if self.start % GRID_MINUTES or self.end % GRID_MINUTES:
            raise ScheduleError("window", f"times must be on a {GRID_MINUTES}-minute grid")


@dataclass(frozen=True)
class Schedule:
    """A trainer's (or a class series') week: weekly windows per weekday (0 = Monday), date overrides
    (an empty tuple = not available that date), in one IANA zone."""
    time_zone: str
    weekly: dict[int, tuple[Window, ...]] = field(default_factory=dict)
    overrides: dict[date, tuple[Window, ...]] = field(default_factory=dict)

    def windows_on(self, day: date) -> tuple[Window, ...]:
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())


@dataclass(frozen=True)
class SlotRules:
    """How a service cuts windows into slots (minutes)."""
    duration: int
    interval: int = 0  # 0: the duration
    buffer_before: int = 0
    buffer_after: int = 0
    minimum_notice: int = 0
    horizon_days: int = 60

    @property
    def step(self) -> int:
        return self.interval or self.duration


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: int  # epoch seconds (UTC)
    ends_at: int
    date: date  # local date in the schedule's zone
    time: str  # local "HH:MM"

    @property
    def id(self) -> int:
        return slot_id(self.starts_at)


@dataclass(frozen=True, order=True)
class Interval:
    """A busy stretch of real time, epoch seconds [start, end)."""
    start: int
    end: int


def slot_id(starts_at: int) -> int:
    return starts_at // 60


def slot_start(slot: int) -> int:
    return int(slot) * 60


# --- parsing helpers (the routes' models call these) ---------------------------------------------------------
def minutes(text: str, *, allow_end_of_day: bool = False) -> int:
    """"HH:MM" -> minutes since midnight; "24:00" only as an end."""
    hours, sep, mins = text.partition(":")
    if not sep or len(hours) != 2 or len(mins) != 2 or not (hours + mins).isdigit():
        raise ScheduleError("time", f"{text!r} is not HH:MM")
    value = int(hours) * 60 + int(mins)
    if int(mins) >= 60 or value > DAY_MINUTES or (value == DAY_MINUTES and not allow_end_of_day):
        raise ScheduleError("time", f"{text!r} is not a time of day")
    return value


def hhmm(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def check_rules(rules: SlotRules) -> None:
    for name, value, low, high in (("duration", rules.duration, 5, 180), ("interval", rules.interval, 0, 720),
                                   ("bufferBeforeMinutes", rules.buffer_before, 0, 60),
                                   ("bufferAfterMinutes", rules.buffer_after, 0, 60),
                                   ("minimumNoticeMinutes", rules.minimum_notice, 0, 60 * 24 * 30),
                                   ("bookingHorizonDays", rules.horizon_days, 1, 365)):
        if not low <= value <= high:
            raise ScheduleError(name, f"must be from {low} to {high}")
        if name != "bookingHorizonDays" and name != "minimumNoticeMinutes" and value % GRID_MINUTES:
            raise ScheduleError(name, f"must be a multiple of {GRID_MINUTES} minutes")


# --- local time <-> instants --------------------------------------------------------------------------------
def resolve(day: date, minute: int, tz: ZoneInfo) -> int | None:
    """The instant of a local wall-clock time: None in a DST gap, the first instant in a fold."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    aware = naive.replace(tzinfo=tz, fold=0)
    instant = aware.astimezone(timezone.utc)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return int(instant.timestamp())


def resolve_end(day: date, minute: int, tz: ZoneInfo) -> int:
    """A window's end as an instant: the first moment the wall clock shows `minute` or later. In a fold that is
    the first reading; inside a gap it is the change itself (the clock jumps over the end), found by bisection
    between the two readings of the missing time."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    exact = resolve(day, minute, tz)
    if exact is not None:
        return exact
    low, high = sorted(int(naive.replace(tzinfo=tz, fold=f).timestamp()) // 60 for f in (0, 1))
    while low < high:  # first minute whose wall time is >= naive
        middle = (low + high) // 2
        if local_of(middle * 60, tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle + 1
    return low * 60


def local_of(instant: int, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(instant, tz=timezone.utc).astimezone(tz)


def local_date(instant: int, time_zone: str) -> date:
    return local_of(instant, zone(time_zone)).date()


def dates(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- expansion ----------------------------------------------------------------------------------------------
def candidates(schedule: Schedule, day: date, duration: int, step: int) -> list[Slot]:
    """Every slot the windows of one local date allow, before notice, horizon and busy time."""
    tz = zone(schedule.time_zone)
    found: dict[int, Slot] = {}
    for window in schedule.windows_on(day):
        window_end = resolve_end(day, window.end, tz)
        for minute in range(window.start, window.end, step):
            start = resolve(day, minute, tz)
            if start is None:
                continue
            end = start + duration * 60
            if end > window_end:
                continue
            found.setdefault(start, Slot(start, end, day, hhmm(minute)))
    return [found[k] for k in sorted(found)]


def occurrences(schedule: Schedule, first: date, last: date, duration: int) -> list[Slot]:
    """Every window start of the range that fits `duration` (a weekly class: one per window)."""
    found: dict[int, Slot] = {}
    for day in dates(first, last):
        for slot in candidates(schedule, day, duration, DAY_MINUTES):
            found.setdefault(slot.starts_at, slot)
    return [found[k] for k in sorted(found)]


class Busy:
    """Busy intervals, sorted, for overlap tests in O(log n)."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        merged: list[Interval] = []
        for item in sorted(i for i in intervals if i.end > i.start):
            if merged and item.start <= merged[-1].end:
                merged[-1] = Interval(merged[-1].start, max(merged[-1].end, item.end))
            else:
                merged.append(item)
        self._starts = [i.start for i in merged]
        self._intervals = merged

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self._starts, end)  # intervals starting before `end`
        return index > 0 and self._intervals[index - 1].end > start


@dataclass(frozen=True)
class Blocked:
    """Why a slot is not bookable (the booking answer's `details.reason`)."""
    reason: str  # in_past, too_soon, beyond_horizon, outside_availability, taken


def widened(slot_starts_at: int, rules: SlotRules) -> Interval:
    """The real time a booking of this slot holds: its own buffers included."""
    return Interval(slot_starts_at - rules.buffer_before * 60,
                    slot_starts_at + (rules.duration + rules.buffer_after) * 60)


def bookable_window(rules: SlotRules, now: float) -> tuple[int, int]:
    """[earliest, latest] start instants allowed now: minimum notice and booking horizon."""
    return int(now) + rules.minimum_notice * 60, int(now) + rules.horizon_days * 86400


def check(slot: Slot | None, rules: SlotRules, now: float, busy: Busy) -> Blocked | None:
    """None when `slot` (None: not offered by the rules at all) may be booked now."""
    if slot is None:
        return Blocked("outside_availability")
    earliest, latest = bookable_window(rules, now)
    if slot.starts_at < now:
        return Blocked("in_past")
    if slot.starts_at < earliest:
        return Blocked("too_soon")
    if slot.starts_at > latest:
        return Blocked("beyond_horizon")
    span = widened(slot.starts_at, rules)
    if busy.overlaps(span.start, span.end):
        return Blocked("taken")
    return None


def slots(schedule: Schedule, rules: SlotRules, first: date, last: date, now: float,
          busy: Busy | None = None) -> list[Slot]:
    """The bookable slots of the local dates [first, last], soonest first."""
    busy = busy or Busy(())
    found: dict[int, Slot] = {}
    for day in dates(first, last):
        for slot in candidates(schedule, day, rules.duration, rules.step):
            if slot.starts_at not in found and check(slot, rules, now, busy) is None:
                found[slot.starts_at] = slot
    return [found[k] for k in sorted(found)]


def find(schedule: Schedule, rules: SlotRules, slot: int) -> Slot | None:
    """The slot with this id if the rules offer it (re-derived, never trusted from the client)."""
    starts_at = slot_start(slot)
    day = local_date(starts_at, schedule.time_zone)
    return next((s for s in candidates(schedule, day, rules.duration, rules.step) if s.starts_at == starts_at),
                None)


def covers(schedule: Schedule, start: int, end: int) -> bool:
    """Whether one window of the schedule holds the real time [start, end) whole: the test of whether a booked
    session still fits after the schedule changed (its own grid and buffers aside: the session was booked)."""
    tz = zone(schedule.time_zone)
    day = local_of(start, tz).date()
    return any(resolve_end(day, w.start, tz) <= start and end <= resolve_end(day, w.end, tz)
               for w in schedule.windows_on(day))


def next_free(schedule: Schedule, rules: SlotRules, after: int, now: float, busy: Busy, count: int = 3,
              days: int = 14) -> list[Slot]:
    """The next `count` bookable slots starting after `after` (the alternatives of a refusal)."""
    first = local_date(max(int(now), after), schedule.time_zone)
    found = [s for s in slots(schedule, rules, first, first + timedelta(days=days), now, busy)
             if s.starts_at > after]
    return found[:count]
