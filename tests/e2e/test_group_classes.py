"""Group classes over HTTP: capacity never exceeded under a burst, a first-in-first-out waitlist, promotion in
the same transaction as a cancellation and never past the free-cancel window, penalties quoted before they
apply, offers that run out, studio cancellations without penalty, live-video rooms, and isolation."""
from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from livekit import api as lk

from shared import clock as shared_clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import group_classes as gc
from shared.settings import get_secret
from tests.support.http import Api

HOUR = 3600


def schedule(demo: dict[str, Any], *, capacity: int = 10, waitlist: int = 5, starts_in: int = 3 * 24 * HOUR,
             mode: str = "auto", close_minutes: int = 720, free_cancel: int = 720, class_mode: str = "in_person",
             client: str | None = None) -> int:
    item = gc.create_class(client or demo["clients"]["studio"]["id"], trainer_id=5, name=f"HIIT {secrets.token_hex(3)}",
                           starts_at=int(shared_clock.now()) + starts_in, duration=45, time_zone="Europe/London",
                           capacity=capacity, mode=class_mode,
                           waitlist={"enabled": waitlist > 0, "capacity": waitlist, "mode": mode,
                                     "closeMinutes": close_minutes, "offerMinutes": 15},
                           cancellation_policy={"freeCancelMinutes": free_cancel, "lateCancelUntilMinutes": 0,
                                                "lateCancelPenalty": {"type": "fee", "amount": 7.5, "currency": "GBP"}})
    return int(item["id"])


@pytest.fixture
def members(demo, new_member):
    def make(count: int) -> list[dict[str, Any]]:
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda _: new_member(demo["apiKeys"]["studio"]), range(count)))
    return make


def join(api: Api, demo: dict[str, Any], member: dict[str, Any], class_id: int, **body: Any) -> Any:
    return api.post(f"/group-classes/{class_id}/join", body, api_key=demo["apiKeys"]["studio"],
                    token=member["accessToken"])


def leave(api: Api, demo: dict[str, Any], member: dict[str, Any], class_id: int, **body: Any) -> Any:
    return api.post(f"/group-classes/{class_id}/leave", body, api_key=demo["apiKeys"]["studio"],
                    token=member["accessToken"])


def counts(demo: dict[str, Any], class_id: int) -> tuple[int, int]:
    item = gc.get_class(demo["clients"]["studio"]["id"], class_id, consistent=True)
    return int(item["bookedCount"]), int(item["waitlistCount"])


def signed_in_again(demo: dict[str, Any], member: dict[str, Any]) -> dict[str, Any]:
    """The member with a token issued now (after the test moved the clock past their first one)."""
    from shared.auth import tokens

    return {**member, "accessToken": tokens.issue(member["user"]["id"], demo["clients"]["studio"]["id"], "user")[0]}


def fresh(api: Api) -> Api:
    return Api(f"http://{api.host}:{api.port}{api.prefix}")


# --- capacity and the waitlist --------------------------------------------------------------------------------
def test_given_40_members_racing_for_10_places_and_5_waitlist_places_then_10_booked_5_waiting_in_order(
        api, demo, members):
    class_id = schedule(demo, capacity=10, waitlist=5)
    crowd = members(40)
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda m: join(fresh(api), demo, m, class_id), crowd))
    booked = [r for r in replies if r.status == 201 and r.data["classBooking"]["status"] == "booked"]
    waiting = [r for r in replies if r.status == 201 and r.data["classBooking"]["status"] == "waitlisted"]
    refused = [r for r in replies if r.status == 409]
    assert (len(booked), len(waiting), len(refused)) == (10, 5, 25), [r.status for r in replies]
    assert {r.code for r in refused} <= {"CLASS_FULL", "WAITLIST_FULL"}
    assert sorted(r.data["classBooking"]["position"] for r in waiting) == [1, 2, 3, 4, 5]
    assert counts(demo, class_id) == (10, 5)
    # nobody is in twice, and the waitlist's order is the server's ticket order
    partition = get_repository().query(keys.group_class_pk(demo["clients"]["studio"]["id"], class_id), consistent=True)
    places = [p for p in partition if p["SK"].startswith(keys.CLASS_MEMBER_PREFIX)]
    assert len({p["userId"] for p in places}) == len(places) == 15
    tickets = [t["userId"] for t in partition if t["SK"].startswith(keys.WAITLIST_PREFIX)]
    by_position = [r.data["classBooking"]["id"].split("_", 2)[2] for r in
                   sorted(waiting, key=lambda r: r.data["classBooking"]["position"])]
    assert tickets == by_position


def test_given_a_booked_member_leaving_freely_then_the_head_of_the_waitlist_takes_the_place_at_once(
        api, demo, members):
    class_id = schedule(demo, capacity=2, waitlist=3)
    first, second, third, fourth = members(4)
    for member in (first, second, third, fourth):
        assert join(api, demo, member, class_id).status == 201
    left = leave(api, demo, first, class_id)
    assert left.status == 200 and left.data["classBooking"]["status"] == "cancelled"
    assert left.data["penalty"]["type"] == "none"
    assert counts(demo, class_id) == (2, 1)  # the place was handed over, never free
    mine = api.get(f"/group-classes/{class_id}", api_key=demo["apiKeys"]["studio"], token=third["accessToken"])
    assert mine.data["myStatus"] == "booked" and mine.data["spotsLeft"] == 0
    assert join(api, demo, fourth, class_id).code == "ALREADY_ON_WAITLIST"
    again = leave(api, demo, first, class_id)
    assert again.status == 200 and again.data["classBooking"]["status"] == "cancelled"  # the stored state


def test_given_the_promotion_cutoff_has_passed_then_a_freed_place_opens_to_everyone(api, demo, members):
    # Given a class in 5 hours whose free-cancel window (and so its promotion cut-off) is 12 hours
    class_id = schedule(demo, capacity=1, waitlist=2, starts_in=5 * HOUR)
    booked, waiting, newcomer = members(3)
    assert join(api, demo, booked, class_id).data["classBooking"]["status"] == "booked"
    assert join(api, demo, waiting, class_id).data["classBooking"]["status"] == "waitlisted"
    # When the booked member leaves (a late leave), Then nobody is promoted into a place they cannot leave freely
    quote = leave(api, demo, booked, class_id, dryRun=True)
    assert quote.data["classBooking"]["status"] == "late_cancelled" and quote.data["penalty"]["amount"] == 7.5
    assert counts(demo, class_id) == (1, 1)  # the quote changed nothing
    assert leave(api, demo, booked, class_id).data["classBooking"]["status"] == "late_cancelled"
    assert counts(demo, class_id) == (0, 1)
    assert join(api, demo, newcomer, class_id).data["classBooking"]["status"] == "booked"


def test_given_a_waiting_member_leaving_late_then_it_is_always_free(api, demo, members):
    class_id = schedule(demo, capacity=1, waitlist=2, starts_in=2 * HOUR)
    booked, waiting = members(2)
    join(api, demo, booked, class_id)
    join(api, demo, waiting, class_id)
    reply = leave(api, demo, waiting, class_id)
    assert reply.data["classBooking"]["status"] == "left_waitlist" and reply.data["penalty"]["type"] == "none"
    assert counts(demo, class_id) == (1, 0)


def test_given_a_member_whose_promotion_limit_passed_then_they_are_skipped_but_keep_their_place(api, demo, members):
    class_id = schedule(demo, capacity=1, waitlist=3, starts_in=3 * 24 * HOUR, close_minutes=720)
    booked, picky, keen = members(3)
    join(api, demo, booked, class_id)
    join(api, demo, picky, class_id, promoteUntilMinutes=4 * 24 * 60)  # only if promoted 4+ days ahead
    join(api, demo, keen, class_id)
    leave(api, demo, booked, class_id)
    studio = demo["clients"]["studio"]["id"]
    status = {m["user"]["id"]: get_repository().get(keys.class_booking(studio, class_id, m["user"]["id"]),
                                                     consistent=True)["status"] for m in (picky, keen)}
    assert status == {picky["user"]["id"]: "waitlisted", keen["user"]["id"]: "booked"}
    reply = api.get(f"/group-classes/{class_id}", api_key=demo["apiKeys"]["studio"], token=picky["accessToken"])
    assert reply.data["myStatus"] == "waitlisted"


def test_given_a_class_that_started_then_leaving_is_refused_and_joining_is_outside_the_window(
        api, demo, members, clock):
    class_id = schedule(demo, capacity=2, waitlist=0, starts_in=HOUR)
    member, late = members(2)
    join(api, demo, member, class_id)
    clock.advance(HOUR + 60)
    member, late = signed_in_again(demo, member), signed_in_again(demo, late)
    refused = leave(api, demo, member, class_id)
    assert refused.status == 409 and refused.code == "BOOKING_NOT_CANCELLABLE"
    closed = join(api, demo, late, class_id)
    assert closed.status == 409 and closed.code == "OUTSIDE_BOOKING_WINDOW" and "bookingClosesAt" in closed.json["details"]


def test_given_a_class_too_far_ahead_then_joining_says_when_booking_opens(api, demo, members):
    class_id = schedule(demo, starts_in=30 * 24 * HOUR)  # the default window opens 14 days ahead
    reply = join(api, demo, members(1)[0], class_id)
    assert reply.status == 409 and reply.code == "OUTSIDE_BOOKING_WINDOW"
    assert reply.json["details"]["bookingOpensAt"].endswith("Z")


def test_given_no_waitlist_wanted_then_class_full(api, demo, members):
    class_id = schedule(demo, capacity=1, waitlist=3)
    first, second = members(2)
    join(api, demo, first, class_id)
    reply = join(api, demo, second, class_id, waitlist=False)
    assert reply.status == 409 and reply.code == "CLASS_FULL"
    assert join(api, demo, first, class_id).code == "ALREADY_BOOKED"


def test_given_the_schedule_then_the_list_shows_spots_the_waitlist_and_my_own_status(api, demo, members):
    class_id = schedule(demo, capacity=1, waitlist=2, starts_in=2 * 24 * HOUR)
    booked, other = members(2)
    join(api, demo, booked, class_id)
    key = demo["apiKeys"]["studio"]
    listed = api.get("/group-classes?hasSpots=false&limit=100", api_key=key, token=booked["accessToken"])
    assert listed.status == 200, listed.json
    mine = next(c for c in listed.data["items"] if c["id"] == class_id)
    assert mine["spotsLeft"] == 0 and mine["myStatus"] == "booked" and mine["waitlist"]["count"] == 0
    theirs = api.get("/group-classes?hasSpots=false&limit=100", api_key=key, token=other["accessToken"])
    assert next(c for c in theirs.data["items"] if c["id"] == class_id)["myStatus"] is None
    assert all(c["spotsLeft"] == 0 for c in listed.data["items"])
    bad = api.get("/group-classes?from=2026-02-30", api_key=key, token=other["accessToken"])
    assert bad.status == 400 and bad.json["details"][0]["field"] == "from"
    too_long = api.get("/group-classes?from=2026-01-01&to=2026-03-01", api_key=key, token=other["accessToken"])
    assert too_long.status == 400 and too_long.json["details"][0]["field"] == "to"


# --- offers --------------------------------------------------------------------------------------------------
def test_given_offer_mode_then_the_head_gets_an_offer_that_passes_on_when_it_runs_out(api, demo, members, clock):
    class_id = schedule(demo, capacity=1, waitlist=3, mode="offer")
    booked, slow, quick = members(3)
    for member in (booked, slow, quick):
        join(api, demo, member, class_id)
    leave(api, demo, booked, class_id)
    studio = demo["clients"]["studio"]["id"]
    place = get_repository().get(keys.class_booking(studio, class_id, slow["user"]["id"]), consistent=True)
    assert place["status"] == "offered"
    clock.advance(16 * 60)  # the offer (15 minutes) runs out
    slow, quick = signed_in_again(demo, slow), signed_in_again(demo, quick)
    expired = api.post(f"/group-classes/{class_id}/accept-offer", {}, api_key=demo["apiKeys"]["studio"],
                       token=slow["accessToken"])
    assert expired.status == 409 and expired.code == "OFFER_EXPIRED"
    accepted = api.post(f"/group-classes/{class_id}/accept-offer", {}, api_key=demo["apiKeys"]["studio"],
                        token=quick["accessToken"])
    assert accepted.status == 200 and accepted.data["classBooking"]["status"] == "booked"
    assert counts(demo, class_id) == (1, 0)


# --- the studio's side ---------------------------------------------------------------------------------------
def _staff(demo: dict[str, Any]) -> str:
    from shared.auth import tokens

    return tokens.issue(f"usr_admin_{secrets.token_hex(4)}", demo["clients"]["studio"]["id"], "client_admin")[0]


def test_given_the_studio_cancels_a_class_then_members_and_waitlist_end_without_penalty(api, demo, members):
    class_id = schedule(demo, capacity=1, waitlist=2, starts_in=2 * HOUR)
    booked, waiting, later = members(3)
    join(api, demo, booked, class_id)
    join(api, demo, waiting, class_id)
    admin = _staff(demo)
    roster = api.get(f"/trainer/group-classes/{class_id}/roster", api_key=demo["apiKeys"]["studio"], token=admin)
    assert [p["status"] for p in roster.data["booked"]] == ["booked"]
    assert [p["position"] for p in roster.data["waitlist"]] == [1]
    cancelled = api.post(f"/trainer/group-classes/{class_id}/cancel", {}, api_key=demo["apiKeys"]["studio"],
                         token=admin)
    assert cancelled.status == 200 and cancelled.data["status"] == "cancelled"
    for member in (booked, waiting):
        reply = leave(api, demo, member, class_id)
        assert reply.data["classBooking"]["status"] == "cancelled_by_studio"
        assert reply.data["penalty"]["type"] == "none"
    assert join(api, demo, later, class_id).code == "CLASS_CANCELLED"


def test_given_a_member_or_another_studio_then_the_staff_routes_refuse(api, demo, members):
    class_id = schedule(demo)
    member = members(1)[0]
    assert api.get(f"/trainer/group-classes/{class_id}/roster", api_key=demo["apiKeys"]["studio"],
                   token=member["accessToken"]).status == 403
    from shared.auth import tokens

    other_admin, _ = tokens.issue("usr_other_admin", demo["clients"]["partner"]["id"], "client_admin")
    reply = api.post(f"/trainer/group-classes/{class_id}/cancel", {}, api_key=demo["apiKeys"]["partner"],
                     token=other_admin)
    assert reply.status == 404
    assert gc.get_class(demo["clients"]["studio"]["id"], class_id)["status"] == "scheduled"


def test_given_a_staff_member_scheduling_a_class_then_bad_input_names_the_field(api, demo):
    admin = _staff(demo)
    body = {"trainerId": 5, "name": "Evening Flow", "startsAt": "2030-01-10T18:00:00Z", "duration": 60,
            "timeZone": "Europe/London", "capacity": 12}
    made = api.post("/trainer/group-classes", body, api_key=demo["apiKeys"]["studio"], token=admin)
    assert made.status == 201 and made.data["scheduledTime"] == "18:00" and made.data["spotsLeft"] == 12
    for field, value in (("timeZone", "Mars/Olympus"), ("startsAt", "2001-01-01T00:00:00Z"), ("capacity", 0)):
        reply = api.post("/trainer/group-classes", {**body, field: value}, api_key=demo["apiKeys"]["studio"],
                         token=admin)
        assert reply.status == 400 and field in str(reply.json["details"]), (field, reply.json)
    unknown = api.post("/trainer/group-classes", {**body, "trainerId": 999}, api_key=demo["apiKeys"]["studio"],
                       token=admin)
    assert unknown.status == 404


# --- live video ------------------------------------------------------------------------------------------------
def test_given_a_live_video_class_then_booked_members_get_a_room_token_inside_the_join_window(
        api, demo, members, clock):
    class_id = schedule(demo, capacity=2, waitlist=0, starts_in=2 * HOUR, class_mode="live_video")
    booked, outsider = members(2)
    join(api, demo, booked, class_id)
    early = api.post(f"/group-classes/{class_id}/video", {}, api_key=demo["apiKeys"]["studio"],
                     token=booked["accessToken"])
    assert early.status == 409 and early.code == "JOIN_WINDOW_CLOSED"
    clock.advance(2 * HOUR - 5 * 60)
    booked, outsider = signed_in_again(demo, booked), signed_in_again(demo, outsider)
    reply = api.post(f"/group-classes/{class_id}/video", {}, api_key=demo["apiKeys"]["studio"],
                     token=booked["accessToken"])
    assert reply.status == 200
    claims = lk.TokenVerifier(get_secret("livekitApiKey"), get_secret("livekitApiSecret")).verify(reply.data["token"])
    assert claims.identity == booked["user"]["id"] and claims.video.room == reply.data["roomName"]
    assert reply.data["roomName"].startswith(demo["clients"]["studio"]["id"] + ":class-")
    assert api.post(f"/group-classes/{class_id}/video", {}, api_key=demo["apiKeys"]["studio"],
                    token=outsider["accessToken"]).status == 403


# --- isolation -----------------------------------------------------------------------------------------------
def test_given_another_clients_class_then_404_and_nothing_changes(api, demo):
    class_id = schedule(demo)
    from shared.auth import tokens

    partner = demo["clients"]["partner"]["id"]
    from shared.domain import accounts

    user = accounts.create_member(partner, f"gc-{secrets.token_hex(4)}@fitco.example", "partner-secret", name="B")
    token, _ = tokens.issue(user["id"], partner, "user")
    get_repository().update(keys.client(partner), "SET features.coach_connect = :t", values={":t": True},
                            return_values="NONE")
    from shared.domain.clients import forget_cached_clients

    forget_cached_clients()
    for method, path in (("GET", f"/group-classes/{class_id}"), ("POST", f"/group-classes/{class_id}/join"),
                         ("POST", f"/group-classes/{class_id}/leave")):
        reply = api.request(method, path, json_body={} if method == "POST" else None,
                            api_key=demo["apiKeys"]["partner"], token=token)
        assert reply.status == 404, (path, reply.json)
    assert counts(demo, class_id) == (0, 0)


# --- programmes ------------------------------------------------------------------------------------------------
def programme(demo: dict[str, Any]) -> int:
    from shared.domain import programmes

    made = programmes.create_programme(demo["clients"]["studio"]["id"], trainer_id=5, name=f"Strong {secrets.token_hex(2)}",
                                       description="Six weeks", duration_weeks=6, sessions_per_week=3,
                                       level="beginner", price=49.0, currency="GBP",
                                       weeks=[{"week": 1, "sessions": [{"day": "mon", "name": "Full body A",
                                                                        "description": "Squat, push, pull"}]}])
    return int(made["id"])


def test_given_a_member_subscribing_twice_at_once_then_one_subscription_and_the_second_answer_is_200(
        api, demo, members):
    programme_id = programme(demo)
    member = members(1)[0]
    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda _: fresh(api).post(f"/programmes/{programme_id}/subscribe", {},
                                                          api_key=demo["apiKeys"]["studio"],
                                                          token=member["accessToken"]), range(6)))
    assert sorted(r.status for r in replies) == [200] * 5 + [201]
    assert len({r.data["subscription"]["id"] for r in replies}) == 1
    assert all(r.data["alreadySubscribed"] == (r.status == 200) for r in replies)
    mine = api.get("/users/me/programmes", api_key=demo["apiKeys"]["studio"], token=member["accessToken"])
    assert [s["programmeId"] for s in mine.data["items"]] == [programme_id]


def test_given_a_pause_over_http_then_the_clock_freezes_and_resume_moves_the_end(api, demo, members, clock):
    programme_id = programme(demo)
    member = members(1)[0]
    key = demo["apiKeys"]["studio"]
    sub = api.post(f"/programmes/{programme_id}/subscribe", {}, api_key=key, token=member["accessToken"]).data
    sub_id, end = sub["subscription"]["id"], sub["subscription"]["endDate"]
    paused = api.post(f"/programme-subscriptions/{sub_id}/pause", {}, api_key=key, token=member["accessToken"])
    assert paused.status == 200 and paused.data["subscription"]["status"] == "paused"
    again = api.post(f"/programme-subscriptions/{sub_id}/pause", {}, api_key=key, token=member["accessToken"])
    assert again.status == 200 and again.data["subscription"]["pauseCount"] == 1  # the target state, unchanged
    clock.advance(3 * 24 * HOUR)
    member = signed_in_again(demo, member)
    resumed = api.post(f"/programme-subscriptions/{sub_id}/resume", {}, api_key=key, token=member["accessToken"])
    assert resumed.data["subscription"]["status"] == "active" and resumed.data["subscription"]["pausedDaysUsed"] == 3
    from datetime import date, timedelta

    assert resumed.data["subscription"]["endDate"] == (date.fromisoformat(end) + timedelta(days=3)).isoformat()
    cancelled = api.post(f"/programme-subscriptions/{sub_id}/cancel", {}, api_key=key, token=member["accessToken"])
    assert cancelled.data["subscription"]["status"] == "cancelled"
    refused = api.post(f"/programme-subscriptions/{sub_id}/pause", {}, api_key=key, token=member["accessToken"])
    assert refused.status == 409 and refused.code == "INVALID_STATE_TRANSITION"
    assert refused.json["details"]["currentState"] == "cancelled"
    renewed = api.post(f"/programmes/{programme_id}/subscribe", {}, api_key=key, token=member["accessToken"])
    assert renewed.status == 201 and renewed.data["subscription"]["id"] != sub_id  # a new run after the end


def test_given_another_members_subscription_or_a_bad_start_then_404_or_400(api, demo, members):
    programme_id = programme(demo)
    owner, other = members(2)
    key = demo["apiKeys"]["studio"]
    sub_id = api.post(f"/programmes/{programme_id}/subscribe", {}, api_key=key,
                      token=owner["accessToken"]).data["subscription"]["id"]
    for path in (f"/programme-subscriptions/{sub_id}/pause", f"/programme-subscriptions/{sub_id}/cancel"):
        assert api.post(path, {}, api_key=key, token=other["accessToken"]).status == 404
    assert api.get(f"/programme-subscriptions/{sub_id}", api_key=key, token=other["accessToken"]).status == 404
    past = api.post(f"/programmes/{programme_id}/subscribe", {"startDate": "2020-01-01"}, api_key=key,
                    token=other["accessToken"])
    assert past.status == 400 and past.json["details"][0]["field"] == "startDate"
    assert api.get("/programmes/9999999", api_key=key, token=other["accessToken"]).status == 404
