"""GET /progress/summary over HTTP: minutes watched, classes completed, streaks by the caller's midnight."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from shared.auth import tokens

HOUR = 3600


def _move_to(clock, moment: datetime) -> None:
    clock.advance(moment.timestamp() - clock.now())


class Member:
    """One user. Its token is minted before the clock moves (a JWT's `iat` may not lie in the real future)
    and lives long enough for the days these tests move through."""

    def __init__(self, api, demo):
        self.api, self.demo = api, demo
        token, _ = tokens.issue(f"u-{secrets.token_hex(6)}", demo["clients"]["studio"]["id"], "user",
                                ttl_seconds=14 * 86400)
        self.http = api.with_auth(demo["apiKeys"]["studio"], token)

    def finish_a_class(self, class_id=42):
        http = self.http
        session_id = http.post("/sessions/start", {"classId": class_id, "deviceType": "mobile"}).data["session"]["id"]
        assert http.post(f"/sessions/{session_id}/complete").data["session"]["status"] == "completed"

    def summary(self, tz=None):
        return self.http.get("/progress/summary" + (f"?tz={tz}" if tz else "")).data


def test_given_classes_finished_around_utc_midnight_then_streaks_follow_the_callers_midnight(api, demo, clock):
    # Given a class finished at 23:30 UTC, one at 00:30 UTC the next day, and one at 00:30 UTC a day later
    start = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=23, minute=30, second=0, microsecond=0)
    member = Member(api, demo)
    _move_to(clock, start)
    member.finish_a_class()
    _move_to(clock, start + timedelta(hours=1))
    member.finish_a_class()
    _move_to(clock, start + timedelta(hours=25))
    member.finish_a_class()
    # When asking at that moment
    utc = member.summary()
    new_york = member.summary("America/New_York")
    tokyo = member.summary("Asia/Tokyo")
    # Then in UTC these are three days in a row
    assert (utc["currentStreak"], utc["longestStreak"], utc["classesCompleted"]) == (3, 3, 3)
    # In New York (evenings of two days) and in Tokyo (mornings of two days) they are two
    assert (new_york["currentStreak"], new_york["longestStreak"]) == (2, 2)
    assert (tokyo["currentStreak"], tokyo["longestStreak"]) == (2, 2)
    assert new_york["timezone"] == "America/New_York"


def test_given_a_missed_day_then_the_current_streak_resets_but_the_longest_stays(api, demo, clock):
    noon = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    member = Member(api, demo)
    for day in (0, 1, 2, 4):
        _move_to(clock, noon + timedelta(days=day))
        member.finish_a_class()
    summary = member.summary("Europe/Paris")
    assert (summary["currentStreak"], summary["longestStreak"]) == (1, 3)
    _move_to(clock, noon + timedelta(days=5))
    assert member.summary("Europe/Paris")["currentStreak"] == 1  # today not over: yesterday's run holds
    _move_to(clock, noon + timedelta(days=6))
    assert member.summary("Europe/Paris")["currentStreak"] == 0


def test_given_watching_then_minutes_and_this_week_add_up(api, demo, clock):
    member = Member(api, demo)
    http = member.http
    today = datetime.now(timezone.utc)
    wednesday = (today + timedelta(days=(2 - today.weekday()) % 7 or 7)).replace(hour=12, minute=0, second=0)
    _move_to(clock, wednesday)  # mid-week: the ten minutes below cannot straddle Monday 00:00
    session_id = http.post("/sessions/start", {"classId": 42, "deviceType": "mobile"}).data["session"]["id"]
    for position in range(60, 601, 60):  # ten minutes, a heartbeat a minute... capped at 60 s each
        clock.advance(60)
        http.post(f"/sessions/{session_id}/progress", {"progressSeconds": position, "totalDurationSeconds": 1800})
    summary = member.summary()
    assert summary["minutesWatched"] == 10 and summary["thisWeek"]["minutesWatched"] == 10
    assert summary["totalSessions"] == 1 and summary["classesCompleted"] == 0
    assert (summary["currentStreak"], summary["longestStreak"]) == (0, 0)


def test_given_an_unknown_time_zone_then_its_own_code_naming_tz(api, demo):
    reply = Member(api, demo).http.get("/progress/summary?tz=Mars/Olympus")
    assert reply.status == 400 and reply.code == "UNKNOWN_TIME_ZONE" and reply.json["details"]["field"] == "tz"
