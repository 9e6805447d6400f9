"""A programme the member follows puts its session of the day into their daily plan; while it is paused, the
days hold nothing of it (the plan says why), and after the resume the plan goes on from the week it stopped in."""
from __future__ import annotations

import secrets
from datetime import date, timedelta

from shared.domain import programmes
from shared.domain.programmes import WEEKDAYS


def test_given_a_programme_when_it_is_paused_then_the_daily_plan_holds_none_of_it(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    made = programmes.create_programme(
        demo["clients"]["studio"]["id"], trainer_id=5, name=f"Daily {secrets.token_hex(3)}", description="Every day",
        duration_weeks=4, sessions_per_week=7, level="beginner", price=0.0, currency="GBP",
        weeks=[{"week": n, "sessions": [{"day": d, "name": f"Week {n} {d}", "description": ""} for d in WEEKDAYS]}
               for n in (1, 2)])
    member = new_member(key)
    token = member["accessToken"]
    sub = api.post(f"/programmes/{made['id']}/subscribe", {}, api_key=key, token=token).data["subscription"]
    today = date.fromisoformat(sub["startDate"])  # the member's today, as both the plan and the programme count it

    # Given an active programme, Then today's plan holds its session of week 1
    plan = api.get("/users/me/daily-plan", api_key=key, token=token)
    assert plan.status == 200, plan.json
    assert plan.data["date"] == today.isoformat()
    assert [(s["programmeId"], s["week"], s["name"]) for s in plan.data["programmeSessions"]] == \
        [(made["id"], 1, f"Week 1 {WEEKDAYS[today.weekday()]}")]
    assert "programme_paused" not in plan.data["notes"]

    # When the member pauses it until 9 days from now
    resume = today + timedelta(days=9)
    paused = api.post(f"/programme-subscriptions/{sub['id']}/pause", {"resumeOn": resume.isoformat()}, api_key=key,
                      token=token)
    assert paused.status == 200 and paused.data["subscription"]["status"] == "paused"
    mine = api.get("/users/me/programmes?status=paused", api_key=key, token=token).data["items"]
    assert [s["id"] for s in mine] == [sub["id"]]
    assert api.get("/users/me/programmes?status=active", api_key=key, token=token).data["items"] == []
    # Then today and every day up to the resume hold none of it, and the plan says why
    for offset in (0, 1, 8):
        day = (today + timedelta(days=offset)).isoformat()
        during = api.get(f"/users/me/daily-plan?date={day}", api_key=key, token=token).data
        assert during["programmeSessions"] == [] and "programme_paused" in during["notes"], day
    # And from the resume on, the programme goes on from week 1, where its clock stopped
    after = api.get(f"/users/me/daily-plan?date={resume.isoformat()}", api_key=key, token=token).data
    assert [(s["week"], s["day"]) for s in after["programmeSessions"]] == [(1, WEEKDAYS[resume.weekday()])]
    assert "programme_paused" not in after["notes"]
