"""Pure rules of viewing sessions: watch-time credit, completion, streaks, time zones."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from shared.domain import viewing
from shared.errors import AppError


def _session(progress=0, furthest=0, last=1000.0, total=1800):
    return {"progressSeconds": progress, "furthestSeconds": furthest, "lastHeartbeatEpoch": last,
            "startedEpoch": 0.0, "totalDurationSeconds": total}


def test_given_a_forward_heartbeat_then_the_credit_is_the_distance_bounded_by_the_wall_clock():
    assert viewing.credit(500, 530, since_last=30) == 30
    assert viewing.credit(500, 1500, since_last=30) == 30  # a seek forward earns only the time that passed
    assert viewing.credit(500, 510, since_last=30) == 10


def test_given_a_duplicate_or_a_pause_then_nothing_is_credited():
    assert viewing.credit(540, 540, since_last=30) == 0
    assert viewing.credit(540, 540, since_last=0) == 0


def test_given_a_late_heartbeat_arriving_right_after_a_newer_one_then_almost_nothing_is_credited():
    assert viewing.credit(570, 540, since_last=0.5) == 0.5


def test_given_a_long_gap_then_one_heartbeat_earns_at_most_the_cap():
    assert viewing.credit(0, 5000, since_last=3600) == viewing.MAX_CREDIT_SECONDS
    assert viewing.credit(600, 300, since_last=3600) == viewing.MAX_CREDIT_SECONDS


def test_given_any_heartbeat_sequence_then_credited_time_never_exceeds_the_wall_clock():
    # Given heartbeats every 10 s of wall time with duplicates, replays and jumps
    positions = [30, 30, 900, 60, 60, 1700, 30, 1790, 1790, 0]
    session, total = _session(last=0.0), 0.0
    for n, position in enumerate(positions, start=1):
        step = viewing.heartbeat_step(session, position, now=10.0 * n)
        total += step.credit
        session = {**session, "progressSeconds": step.progress, "furthestSeconds": step.furthest,
                   "lastHeartbeatEpoch": 10.0 * n}
    # Then at most 100 s are credited for 100 s of wall time
    assert 0 < total <= 100


def test_given_the_furthest_position_reaches_90_percent_then_the_step_completes():
    assert viewing.heartbeat_step(_session(), 1620, now=1030).completes is True
    assert viewing.heartbeat_step(_session(), 1619, now=1030).completes is False


def test_given_a_rewind_then_resume_follows_it_but_the_furthest_position_stays():
    step = viewing.heartbeat_step(_session(progress=900, furthest=900), 300, now=1030)
    assert (step.progress, step.furthest) == (300, 900)


def test_given_positions_then_far_past_the_duration_is_refused():
    assert viewing.too_far(1800 * 1.25 + 61, 1800) is True
    assert viewing.too_far(1900, 1800) is False


def test_given_days_then_the_current_and_longest_streaks():
    days = {date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 6), date(2026, 3, 7)}
    assert viewing.streaks(days, today=date(2026, 3, 7)) == (2, 3)
    assert viewing.streaks(days, today=date(2026, 3, 8)) == (2, 3)  # today not over yet: the run holds
    assert viewing.streaks(days, today=date(2026, 3, 9)) == (0, 3)
    assert viewing.streaks(set(), today=date(2026, 3, 9)) == (0, 0)


def test_given_two_instants_around_utc_midnight_then_the_days_depend_on_the_zone():
    late = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc).timestamp()
    early = datetime(2026, 3, 2, 0, 30, tzinfo=timezone.utc).timestamp()
    assert viewing.local_days([late, early], viewing.parse_tz("UTC")) == {date(2026, 3, 1), date(2026, 3, 2)}
    assert viewing.local_days([late, early], viewing.parse_tz("America/New_York")) == {date(2026, 3, 1)}
    assert viewing.local_days([late, early], viewing.parse_tz("+05:30")) == {date(2026, 3, 2)}


@pytest.mark.parametrize("name", ["Mars/Olympus", "../../etc/passwd", "+25:00"])
def test_given_an_unknown_zone_then_its_own_code_naming_tz(name):
    with pytest.raises(AppError) as refused:
        viewing.parse_tz(name)
    assert refused.value.code == "UNKNOWN_TIME_ZONE" and refused.value.details["field"] == "tz"


def test_given_session_ids_then_they_sort_by_start_time():
    ids = [viewing.new_session_id(t) for t in (1_700_000_000.0, 1_700_000_000.5, 1_800_000_000.0)]
    assert ids == sorted(ids)


# --- where a heartbeat's credit goes (viewing.ledger) --------------------------------------------------------
HOUR = 490_000  # an epoch hour


def test_given_a_listed_session_mid_hour_then_the_credit_stays_open_and_nothing_is_settled():
    # Given a session already holding 30 s of this hour, listed in openSessions
    session = {"openSeconds": 30.0, "openHour": HOUR, "listed": True}
    # When a heartbeat in the same hour earns 30 s more
    entry = viewing.ledger(session, 30.0, HOUR, completes=False)
    # Then the session alone is written: 60 s open, no settlement, no change to the set
    assert (entry.open_seconds, entry.open_hour, entry.listed, entry.settle) == (60.0, HOUR, True, {})
    assert entry.boundary is False


def test_given_the_first_credit_of_a_session_then_it_joins_the_open_sessions():
    entry = viewing.ledger({}, 12.5, HOUR, completes=False)
    assert (entry.open_seconds, entry.list_now, entry.settle, entry.boundary) == (12.5, True, {}, True)


def test_given_a_new_hour_then_the_previous_hours_credit_is_settled_in_its_own_hour():
    entry = viewing.ledger({"openSeconds": 1700.0, "openHour": HOUR, "listed": True}, 20.0, HOUR + 1,
                           completes=False)
    assert entry.settle == {HOUR: 1700.0}
    assert (entry.open_seconds, entry.open_hour, entry.listed, entry.list_now) == (20.0, HOUR + 1, True, False)


def test_given_completion_then_all_open_credit_is_settled_and_the_session_leaves_the_set():
    entry = viewing.ledger({"openSeconds": 100.0, "openHour": HOUR - 1, "listed": True}, 30.0, HOUR, completes=True)
    assert entry.settle == {HOUR - 1: 100.0, HOUR: 30.0}
    assert (entry.open_seconds, entry.listed, entry.unlist_now, entry.boundary) == (0.0, False, True, True)


def test_given_the_open_set_is_full_then_the_credit_is_settled_at_once():
    entry = viewing.ledger({}, 30.0, HOUR, completes=False, may_list=False)
    assert (entry.settle, entry.open_seconds, entry.list_now) == ({HOUR: 30.0}, 0.0, False)


def test_given_any_sequence_then_settled_plus_open_credit_is_exactly_what_was_earned():
    # Given heartbeats over four hours, with a completion at the end
    session: dict = {}
    earned_total = settled_total = 0.0
    for n, (earned, hour) in enumerate([(30, HOUR), (0, HOUR), (30, HOUR), (30, HOUR + 1), (0, HOUR + 3),
                                        (15, HOUR + 3), (30, HOUR + 3)]):
        completes = n == 6
        entry = viewing.ledger(session, float(earned), hour, completes)
        earned_total += earned
        settled_total += sum(entry.settle.values())
        session = {"openSeconds": entry.open_seconds, "openHour": entry.open_hour, "listed": entry.listed}
        # Then at every step nothing is lost or counted twice
        assert settled_total + entry.open_seconds == earned_total
    assert session["openSeconds"] == 0 and session["listed"] is False
