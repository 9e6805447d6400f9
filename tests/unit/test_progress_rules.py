"""Progress rules as pure functions: periods, planned sessions, and which local day a log counts for."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from shared.domain import progress
from shared.errors import AppError


def test_given_a_wednesday_then_the_week_is_monday_to_sunday_and_the_month_is_the_calendar_month():
    wednesday = date(2026, 2, 25)
    assert progress.period_bounds("week", None, None, wednesday) == (date(2026, 2, 23), date(2026, 3, 1))
    assert progress.period_bounds("month", None, None, wednesday) == (date(2026, 2, 1), date(2026, 2, 28))
    assert progress.period_bounds("month", None, None, date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))


@pytest.mark.parametrize("start, end, field", [(None, "2026-03-01", "from"), ("2026-03-01", None, "to"),
                                               ("2026-03-02", "2026-03-01", "to"), ("2026-01-01", "2026-02-01", "to")])
def test_given_a_bad_custom_period_then_validation_names_the_field(start, end, field):
    with pytest.raises(AppError) as raised:
        progress.period_bounds("custom", start, end, date(2026, 3, 5))
    assert raised.value.details[0]["field"] == field


def test_given_a_plan_on_mon_wed_fri_then_planned_sessions_count_only_inside_the_plans_dates():
    summary = {"startDate": "2026-03-04", "endDate": "2026-03-13", "schedule": ["mon", "wed", "fri"]}
    # 2 to 15 March: Mon 2 is before the plan; Wed 4, Fri 6, Mon 9, Wed 11 and Fri 13 (its last day) count
    assert progress.planned_workouts(summary, date(2026, 3, 2), date(2026, 3, 15)) == 5
    assert progress.planned_workouts(None, date(2026, 3, 2), date(2026, 3, 15)) == 0


def test_given_an_instant_near_utc_midnight_then_the_log_counts_for_the_members_own_day(clock):
    clock.advance(datetime(2026, 3, 3, 12, tzinfo=timezone.utc).timestamp() - clock.now())
    assert progress.log_date(None, "2026-03-01T20:00:00Z", "Pacific/Auckland") == date(2026, 3, 2)
    assert progress.log_date(None, "2026-03-01T20:00:00Z", "America/Los_Angeles") == date(2026, 3, 1)
    assert progress.log_date(None, None, "Pacific/Auckland") == date(2026, 3, 4)  # already tomorrow there
    with pytest.raises(AppError) as raised:
        progress.log_date("2026-03-05", None, "UTC")
    assert raised.value.details[0]["field"] == "date"


def test_given_a_log_id_then_it_names_its_own_date():
    log_id = progress.new_log_id(date(2026, 3, 2))
    assert progress.date_of_log_id(log_id) == "2026-03-02"
    import re

    assert re.fullmatch(progress.LOG_ID_PATTERN, log_id)
