"""Weekly rules + IANA zone -> slots (shared/domain/scheduling.py), walked over two years in five zones with
their DST changes: London and New York (1 h at 01:00/02:00), Lord Howe (30 minutes), Kolkata (none, +05:30),
Santiago (at local midnight). Exhaustive loops for the fixed schedules, Hypothesis (seeded) for random ones."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from shared import clock
from shared.domain import scheduling as s

ZONES = ("Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/Santiago")
FIRST, LAST = date(2026, 1, 1), date(2027, 12, 31)
EVERY_DAY = range(7)
NOW = int(datetime(2025, 12, 30, tzinfo=timezone.utc).timestamp())  # the range is inside the 800-day horizon


def every_day(*windows: tuple[str, str]) -> dict[int, tuple[s.Window, ...]]:
    spans = tuple(s.Window(s.minutes(a), s.minutes(b, allow_end_of_day=True)) for a, b in windows)
    return {day: spans for day in EVERY_DAY}


@lru_cache(maxsize=None)
def change_days(zone_name: str) -> list[date]:
    """Local dates on which the zone's UTC offset changes."""
    tz = s.zone(zone_name)
    found = []
    for day in s.dates(FIRST, LAST):
        midnight = datetime(day.year, day.month, day.day, 12, tzinfo=tz) - timedelta(hours=12)
        if (midnight + timedelta(days=1)).utcoffset() != midnight.utcoffset() or \
                datetime(day.year, day.month, day.day, 23, 59, tzinfo=tz).utcoffset() != \
                datetime(day.year, day.month, day.day, 0, 1, tzinfo=tz).utcoffset():
            found.append(day)
    return found


def in_gap(instant_local_naive: datetime, tz) -> bool:
    aware = instant_local_naive.replace(tzinfo=tz)
    return aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != instant_local_naive


def assert_well_formed(found: list[s.Slot], schedule: s.Schedule, rules: s.SlotRules) -> None:
    """The invariants every expansion keeps."""
    tz = s.zone(schedule.time_zone)
    assert len({slot.starts_at for slot in found}) == len(found), "a slot appears twice"
    assert len({slot.id for slot in found}) == len(found)
    assert found == sorted(found)
    for slot in found:
        local = s.local_of(slot.starts_at, tz)
        naive = local.replace(tzinfo=None)
        assert not in_gap(naive, tz), slot
        assert local.date() == slot.date and local.strftime("%H:%M") == slot.time, slot
        assert slot.ends_at - slot.starts_at == rules.duration * 60
        assert slot.id == slot.starts_at // 60 and s.slot_start(slot.id) == slot.starts_at
        minute = local.hour * 60 + local.minute
        window = next((w for w in schedule.windows_on(slot.date) if w.start <= minute < w.end), None)
        assert window is not None, f"{slot} is outside every window"
        assert (minute - window.start) % rules.step == 0, f"{slot} is off the local grid"
        assert slot.ends_at <= s.resolve_end(slot.date, window.end, tz), f"{slot} ends after its window"


@pytest.mark.parametrize("zone_name", ZONES)
def test_given_a_09_to_17_week_when_expanded_over_two_years_then_every_day_starts_at_09_local(zone_name):
    # Given a trainer working 09:00-17:00 every day, hourly sessions, in the zone
    schedule = s.Schedule(zone_name, every_day(("09:00", "17:00")))
    rules = s.SlotRules(duration=60, horizon_days=800)
    # When two years of slots are expanded
    found = s.slots(schedule, rules, FIRST, LAST, now=NOW)
    # Then every date has 09:00 ... 16:00 local, DST change days included
    by_day: dict[date, list[str]] = {}
    for slot in found:
        by_day.setdefault(slot.date, []).append(slot.time)
    assert len(by_day) == (LAST - FIRST).days + 1
    hours = [f"{h:02d}:00" for h in range(9, 17)]
    assert all(times == hours for times in by_day.values())
    for day in change_days(zone_name):
        first = next(slot for slot in found if slot.date == day)
        assert s.local_of(first.starts_at, s.zone(zone_name)).strftime("%H:%M") == "09:00"
    assert_well_formed(found, schedule, rules)


@pytest.mark.parametrize("zone_name", ZONES)
def test_given_round_the_clock_windows_then_gaps_are_dropped_and_folds_taken_once(zone_name):
    # Given windows that cover every minute of the day, 30-minute slots every 30 minutes
    schedule = s.Schedule(zone_name, every_day(("00:00", "24:00")))
    rules = s.SlotRules(duration=30, horizon_days=800)
    found = s.slots(schedule, rules, FIRST, LAST, now=NOW)
    assert_well_formed(found, schedule, rules)
    tz = s.zone(zone_name)
    # Then a day without a change has 48 slots, a change day loses the gap's and keeps a fold's once
    per_day: dict[date, int] = {}
    for slot in found:
        per_day[slot.date] = per_day.get(slot.date, 0) + 1
    changes = set(change_days(zone_name))
    assert all(count == 48 for day, count in per_day.items() if day not in changes
               and day - timedelta(days=1) not in changes)
    for day in changes:
        gap = sum(in_gap(datetime.combine(day, datetime.min.time()) + timedelta(minutes=m), tz)
                  for m in range(0, 1440, 30))
        assert per_day.get(day, 0) == 48 - gap, (day, per_day.get(day), gap)
    if zone_name == "Asia/Kolkata":
        assert changes == set() and len(found) == 48 * ((LAST - FIRST).days + 1)
    else:
        assert len(changes) == 4  # two changes a year


def test_the_uk_spring_sample_gives_00_30_gmt_and_02_30_bst():
    # Given Sunday 29 March 2026 (01:00-02:00 does not exist in London) and a 00:30-03:30 window
    schedule = s.Schedule("Europe/London", {6: (s.Window(30, 210),)})
    found = s.slots(schedule, s.SlotRules(duration=60, horizon_days=800), date(2026, 3, 29), date(2026, 3, 29), NOW)
    # Then two slots: 00:30 GMT and 02:30 BST (the 3-hour window holds 2 hours of real time)
    assert [(x.time, clock.iso(x.starts_at)) for x in found] == [("00:30", "2026-03-29T00:30:00Z"),
                                                              ("02:30", "2026-03-29T01:30:00Z")]


def test_the_new_york_fall_back_takes_01_30_once_at_its_first_instant():
    schedule = s.Schedule("America/New_York", {6: (s.Window(60, 150),)})
    found = s.slots(schedule, s.SlotRules(duration=30, horizon_days=800), date(2026, 11, 1), date(2026, 11, 1), NOW)
    # 01:00 EDT, 01:30 EDT (the first 01:30; EST's 01:30 an hour later is not offered again), 02:00 EST
    assert [(x.time, clock.iso(x.starts_at)) for x in found] == [
        ("01:00", "2026-11-01T05:00:00Z"), ("01:30", "2026-11-01T05:30:00Z"), ("02:00", "2026-11-01T07:00:00Z")]


def test_lord_howe_drops_the_half_hour_gap():
    # Lord Howe moves from +10:30 to +11 at 02:00 on the first Sunday of October: 02:00-02:29 does not exist
    schedule = s.Schedule("Australia/Lord_Howe", {6: (s.Window(90, 210),)})
    found = s.slots(schedule, s.SlotRules(duration=30, horizon_days=800), date(2026, 10, 4), date(2026, 10, 4), NOW)
    assert [x.time for x in found] == ["01:30", "02:30", "03:00"]


def test_santiago_midnight_gap_drops_00_00():
    # Santiago springs forward at 24:00 on the first Saturday of September: Sunday 00:00-00:59 does not exist
    schedule = s.Schedule("America/Santiago", every_day(("00:00", "02:00")))
    found = s.slots(schedule, s.SlotRules(duration=60, horizon_days=800), date(2026, 9, 6), date(2026, 9, 6), NOW)
    assert [x.time for x in found] == ["01:00"]


def test_overrides_replace_the_day_and_an_empty_one_closes_it():
    schedule = s.Schedule("Europe/London", every_day(("09:00", "12:00")),
                          {date(2026, 6, 2): (s.Window(s.minutes("14:00"), s.minutes("15:00")),),
                           date(2026, 6, 3): ()})
    found = s.slots(schedule, s.SlotRules(duration=60, horizon_days=800), date(2026, 6, 1), date(2026, 6, 3), NOW)
    assert [(x.date.isoformat(), x.time) for x in found] == [
        ("2026-06-01", "09:00"), ("2026-06-01", "10:00"), ("2026-06-01", "11:00"), ("2026-06-02", "14:00")]


def test_notice_horizon_and_busy_time_with_buffers_on_both_sides():
    schedule = s.Schedule("UTC", every_day(("09:00", "13:00")))
    rules = s.SlotRules(duration=60, buffer_before=15, buffer_after=15, minimum_notice=120, horizon_days=2)
    now = int(datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc).timestamp())
    # a booking 11:00-12:00 that holds 10:45-12:15 with its own buffers
    busy = s.Busy([s.Interval(now + 165 * 60, now + 255 * 60)])
    found = s.slots(schedule, rules, date(2026, 6, 1), date(2026, 6, 5), now, busy)
    # 09:00 is inside the notice; 10:00 (9:45-11:15) and 11:00 and 12:00 (11:45-13:15) meet the busy time;
    # the horizon ends 3 June 08:00
    assert [(x.date.day, x.time) for x in found] == [(2, "09:00"), (2, "10:00"), (2, "11:00"), (2, "12:00")]
    blocked = s.check(s.find(schedule, rules, s.slot_id(now + 120 * 60)), rules, now, busy)
    assert blocked == s.Blocked("taken")
    assert s.check(s.find(schedule, rules, s.slot_id(now + 60 * 60)), rules, now, busy) == s.Blocked("too_soon")
    assert s.check(s.find(schedule, rules, s.slot_id(now - 3600 * 23)), rules, now, busy) == s.Blocked("in_past")
    assert s.check(s.find(schedule, rules, s.slot_id(now + 86400 * 3 + 3600)), rules, now, busy) == \
        s.Blocked("beyond_horizon")
    assert s.check(s.find(schedule, rules, s.slot_id(now + 86400 + 30 * 60)), rules, now, busy) == \
        s.Blocked("outside_availability")  # 08:30 the next day: no window
    assert [x.time for x in s.next_free(schedule, rules, now + 120 * 60, now, busy)] == ["09:00", "10:00", "11:00"]


def test_bad_rules_are_refused_with_the_field_named():
    with pytest.raises(s.ScheduleError) as bad:
        s.zone("Mars/Olympus")
    assert bad.value.field == "timeZone"
    for start, end in ((600, 600), (700, 600), (0, 1445), (601, 700)):
        with pytest.raises(s.ScheduleError):
            s.Window(start, end)
    for text in ("9:00", "24:00", "12:60", "ab:cd", "12-00"):
        with pytest.raises(s.ScheduleError):
            s.minutes(text)
    assert s.minutes("24:00", allow_end_of_day=True) == 1440
    with pytest.raises(s.ScheduleError) as bad:
        s.check_rules(s.SlotRules(duration=7))
    assert bad.value.field == "duration"


# --- random schedules (Hypothesis, seeded) ------------------------------------------------------------------
GRID = st.integers(0, 1440 // 5).map(lambda m: m * 5)


@st.composite
def windows(draw):
    edges = sorted(set(draw(st.lists(GRID, min_size=2, max_size=6))))
    pairs = [(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2)]
    return tuple(s.Window(a, b) for a, b in pairs)


@st.composite
def cases(draw):
    zone_name = draw(st.sampled_from(ZONES))
    weekly = {day: draw(windows()) for day in EVERY_DAY}
    duration = draw(st.sampled_from([15, 30, 45, 60, 90]))
    interval = draw(st.sampled_from([0, 5, 15, 30, 60]))
    rules = s.SlotRules(duration=duration, interval=interval, horizon_days=800,
                        buffer_before=draw(st.sampled_from([0, 5, 15])), buffer_after=draw(st.sampled_from([0, 10])))
    # a month that starts near one of the zone's changes most of the time
    changes = change_days(zone_name) or [FIRST]
    start = draw(st.sampled_from(changes)) - timedelta(days=draw(st.integers(0, 30)))
    return s.Schedule(zone_name, weekly), rules, max(start, FIRST)


@seed(20261129)
@settings(max_examples=60, deadline=None, database=None)
@given(cases(), st.lists(st.tuples(st.integers(0, 31 * 96), st.integers(1, 24)), max_size=8))
def test_random_weeks_keep_every_invariant_and_avoid_busy_time(case, raw_busy):
    schedule, rules, first = case
    last = first + timedelta(days=30)
    base = int(datetime.combine(first, datetime.min.time(), tzinfo=timezone.utc).timestamp())
    busy_list = [s.Interval(base + q * 900, base + q * 900 + n * 900) for q, n in raw_busy]
    found = s.slots(schedule, rules, first, last, NOW, s.Busy(busy_list))
    assert_well_formed(found, schedule, rules)
    for slot in found:
        span = s.widened(slot.starts_at, rules)
        assert not any(b.start < span.end and span.start < b.end for b in busy_list)
    for slot in found[::max(1, len(found) // 10)]:
        assert s.find(schedule, rules, slot.id) == slot  # the id alone finds the slot again
    # and without busy time, every candidate of the rules is offered, none more
    free = s.slots(schedule, rules, first, last, NOW)
    assert {x.starts_at for x in found} <= {x.starts_at for x in free}
    assert_well_formed(free, schedule, rules)


def _utc(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=timezone.utc).timestamp())


def test_given_a_booked_session_then_covers_says_whether_a_window_still_holds_it_whole():
    # Given London 09:00-17:00 every day, and 00:30-03:30 on the spring-forward Sunday (29 March 2026)
    london = s.Schedule("Europe/London", every_day(("09:00", "17:00")),
                        {date(2026, 3, 29): (s.Window(30, 210),)})
    # Then a session inside a window is held, one that runs past its end or starts before it is not
    assert s.covers(london, _utc(2026, 1, 6, 16), _utc(2026, 1, 6, 17))
    assert not s.covers(london, _utc(2026, 1, 6, 16, 30), _utc(2026, 1, 6, 17, 30))
    assert not s.covers(london, _utc(2026, 1, 6, 8, 55), _utc(2026, 1, 6, 9, 55))
    # And in summer time the window is still 09:00-17:00 local (08:00-16:00 UTC)
    assert s.covers(london, _utc(2026, 6, 2, 8), _utc(2026, 6, 2, 9))
    assert not s.covers(london, _utc(2026, 6, 2, 15, 30), _utc(2026, 6, 2, 16, 30))
    # And across the gap the 00:30-03:30 window holds two real hours: 00:30-01:00 GMT, then 02:00-03:30 BST
    assert s.covers(london, _utc(2026, 3, 29, 0, 30), _utc(2026, 3, 29, 2, 30))
    assert not s.covers(london, _utc(2026, 3, 29, 1, 30), _utc(2026, 3, 29, 2, 35))
