"""The programme subscription state machine, as pure functions of a subscription and the member's local date."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.domain import programmes as p
from shared.errors import AppError

START = date(2026, 12, 1)


def active(**changes) -> p.Subscription:
    base = p.Subscription(id="ps_1", programme_id=1, version=1, status=p.ACTIVE, start=START,
                          end=START + timedelta(days=6 * 7 - 1), duration_weeks=6)
    return p.Subscription(**{**base.__dict__, **changes})


def test_given_a_pause_then_the_week_is_frozen_and_the_end_moves_by_the_paused_days():
    sub = active()
    paused = p.pause(sub, START + timedelta(days=10), None)
    assert p.current_week(paused, START + timedelta(days=30)) == 2  # frozen where it stopped
    resumed = p.resume(paused, START + timedelta(days=17))
    assert resumed.status == p.ACTIVE and resumed.paused_days == 7
    assert resumed.end == sub.end + timedelta(days=7)
    assert p.current_week(resumed, START + timedelta(days=17)) == 2  # 17 days less 7 paused: week 2


def test_given_a_scheduled_resume_then_it_happens_on_that_local_date_and_not_before():
    paused = p.pause(active(), START + timedelta(days=3), START + timedelta(days=8))
    assert p.effective(paused, START + timedelta(days=7)).status == p.PAUSED
    back = p.effective(paused, START + timedelta(days=8))
    assert back.status == p.ACTIVE and back.paused_days == 5 and back.end == active().end + timedelta(days=5)


def test_given_an_open_ended_pause_then_it_ends_when_the_allowance_of_days_runs_out():
    paused = p.pause(active(max_paused_days=10), START, None)
    assert p.effective(paused, START + timedelta(days=9)).status == p.PAUSED
    assert p.effective(paused, START + timedelta(days=10)).status == p.ACTIVE


def test_given_the_limits_then_pauses_beyond_them_are_refused():
    with pytest.raises(AppError) as refused:
        p.pause(active(pause_count=2), START, None)
    assert refused.value.code == "PAUSE_LIMIT_REACHED"
    with pytest.raises(AppError) as too_long:
        p.pause(active(paused_days=25), START, START + timedelta(days=10))
    assert too_long.value.code == "PAUSE_LIMIT_REACHED"


@pytest.mark.parametrize("status, action", [(p.CANCELLED, "pause"), (p.COMPLETED, "cancel"),
                                            (p.SCHEDULED, "pause"), (p.CANCELLED, "resume")])
def test_given_an_invalid_transition_then_409_naming_the_current_state(status, action):
    sub = active(status=status)
    with pytest.raises(AppError) as refused:
        {"pause": lambda: p.pause(sub, START, None), "resume": lambda: p.resume(sub, START),
         "cancel": lambda: p.cancel(sub, START, False)}[action]()
    assert refused.value.code == "INVALID_STATE_TRANSITION" and refused.value.details == {"currentState": status}


def test_given_the_target_state_already_then_it_is_answered_unchanged():
    sub = active()
    assert p.resume(sub, START) == sub
    cancelled = p.cancel(sub, START, False)
    assert p.cancel(cancelled, START + timedelta(days=1), False) == cancelled
    paused = p.pause(sub, START, None)
    assert p.pause(paused, START + timedelta(days=1), None) == paused


def test_given_the_calendar_then_scheduled_starts_and_active_completes_and_period_end_cancels():
    scheduled = active(status=p.SCHEDULED, start=START + timedelta(days=5))
    assert p.effective(scheduled, START).status == p.SCHEDULED and p.current_week(scheduled, START) == 0
    assert p.effective(scheduled, START + timedelta(days=5)).status == p.ACTIVE
    sub = active()
    assert p.effective(sub, sub.end).status == p.ACTIVE
    assert p.effective(sub, sub.end + timedelta(days=1)).status == p.COMPLETED
    at_end = p.cancel(sub, START, True)
    assert at_end.status == p.ACTIVE and p.effective(at_end, sub.end + timedelta(days=1)).status == p.CANCELLED


WEEKS = [{"week": 1, "sessions": [{"day": d, "name": f"Week 1 {d}", "description": ""} for d in p.WEEKDAYS]},
         {"week": 2, "sessions": [{"day": d, "name": f"Week 2 {d}", "description": ""} for d in p.WEEKDAYS]}]


def test_given_an_active_programme_then_the_day_holds_the_session_of_its_week_and_weekday():
    day = START + timedelta(days=8)  # week 2; START (2026-12-01) is a Tuesday, so day 8 is a Wednesday
    assert [s["name"] for s in p.sessions_for(active(), WEEKS, day)] == ["Week 2 wed"]
    assert p.sessions_for(active(), WEEKS, START - timedelta(days=1)) == []  # before it starts


def test_given_a_paused_programme_then_its_days_hold_nothing_until_it_resumes_in_the_frozen_week():
    paused = p.pause(active(), START + timedelta(days=3), START + timedelta(days=13))
    for offset in range(3, 13):  # paused from day 3 up to the resume on day 13
        assert p.sessions_for(paused, WEEKS, START + timedelta(days=offset)) == [], offset
    back = p.sessions_for(paused, WEEKS, START + timedelta(days=13))
    assert [(s["week"], s["day"]) for s in back] == [(1, "mon")]  # 13 days less 10 paused: still week 1


def test_given_a_cancelled_or_completed_programme_then_it_contributes_nothing():
    cancelled = p.cancel(active(), START + timedelta(days=2), at_period_end=False)
    assert p.sessions_for(cancelled, WEEKS, START + timedelta(days=3)) == []
    assert p.sessions_for(active(), WEEKS, active().end + timedelta(days=1)) == []
