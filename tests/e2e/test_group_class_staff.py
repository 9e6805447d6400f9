"""The studio's side of a group class over HTTP: capacity edits (never below the places taken; a raise hands the
new places to the waitlist's head in the same transaction), manual promotion out of order or after the cut-off,
check-in and no-show on the roster, each racing write counted for its one winner."""
from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.auth import tokens
from shared.db import keys
from shared.db.repository import get_repository
from tests.e2e.test_group_classes import HOUR, counts, fresh, join, leave, members, schedule, signed_in_again
from tests.support.http import Api

__all__ = ["members"]  # the fixture, shared with the member-side tests


def staff(demo: dict[str, Any]) -> str:
    return tokens.issue(f"usr_admin_{secrets.token_hex(4)}", demo["clients"]["studio"]["id"], "client_admin")[0]


def edit(api: Api, demo: dict[str, Any], token: str, class_id: int, **body: Any) -> Any:
    return api.patch(f"/trainer/group-classes/{class_id}", body, api_key=demo["apiKeys"]["studio"], token=token)


def roster_action(api: Api, demo: dict[str, Any], token: str, class_id: int, member: dict[str, Any],
                  action: str) -> Any:
    place = f"cb_{class_id}_{member['user']['id']}"
    return api.post(f"/trainer/group-classes/{class_id}/roster/{place}/{action}", {},
                    api_key=demo["apiKeys"]["studio"], token=token)


def status_of(demo: dict[str, Any], class_id: int, member: dict[str, Any]) -> str:
    place = get_repository().get(keys.class_booking(demo["clients"]["studio"]["id"], class_id, member["user"]["id"]),
                                 consistent=True)
    return str(place["status"]) if place else "none"


# --- capacity ---------------------------------------------------------------------------------------------------
def test_given_places_taken_when_the_capacity_goes_below_them_then_409_and_nothing_changes(api, demo, members):
    class_id = schedule(demo, capacity=3, waitlist=2)
    for member in members(2):
        join(api, demo, member, class_id)
    admin = staff(demo)
    refused = edit(api, demo, admin, class_id, capacity=1)
    assert refused.status == 409 and refused.code == "CAPACITY_BELOW_BOOKED"
    assert refused.json["details"] == {"bookedCount": 2, "capacity": 1}
    lowered = edit(api, demo, admin, class_id, capacity=2, name="Renamed HIIT")
    assert lowered.status == 200 and lowered.data["capacity"] == 2 and lowered.data["spotsLeft"] == 0
    assert lowered.data["name"] == "Renamed HIIT"
    assert counts(demo, class_id) == (2, 0)


def test_given_a_waitlist_when_the_capacity_is_raised_then_its_head_takes_the_new_places_in_order(
        api, demo, members):
    class_id = schedule(demo, capacity=1, waitlist=4)
    booked, first, second, third = members(4)
    for member in (booked, first, second, third):
        join(api, demo, member, class_id)
    raised = edit(api, demo, staff(demo), class_id, capacity=3)
    assert raised.status == 200 and raised.data["spotsLeft"] == 0 and raised.data["waitlist"]["count"] == 1
    assert [status_of(demo, class_id, m) for m in (first, second, third)] == ["booked", "booked", "waitlisted"]
    assert counts(demo, class_id) == (3, 1)
    mine = api.get(f"/group-classes/{class_id}", api_key=demo["apiKeys"]["studio"], token=third["accessToken"])
    assert mine.data["myStatus"] == "waitlisted"


def test_given_more_new_places_than_one_transaction_holds_then_every_waiting_member_is_promoted(api, demo, members):
    # Given 50 waiting members (more than the 45 promotions one transaction can carry)
    class_id = schedule(demo, capacity=1, waitlist=60)
    crowd = members(51)
    for member in crowd:
        assert join(api, demo, member, class_id).status == 201
    # When the capacity goes from 1 to 60, Then all 50 are booked, in steps that never leave a place free to a
    # newcomer while someone waits, and 9 places are left
    raised = edit(api, demo, staff(demo), class_id, capacity=60)
    assert raised.status == 200 and raised.data["spotsLeft"] == 9 and raised.data["waitlist"]["count"] == 0
    assert counts(demo, class_id) == (51, 0)
    assert {status_of(demo, class_id, m) for m in crowd} == {"booked"}


def test_given_a_capacity_raise_racing_newcomers_then_the_new_place_goes_to_the_waiting_head(api, demo, members):
    class_id = schedule(demo, capacity=1, waitlist=20)
    booked, head, *newcomers = members(10)
    join(api, demo, booked, class_id)
    join(api, demo, head, class_id)
    admin = staff(demo)

    def act(n: int) -> Any:
        if n == 0:
            return edit(fresh(api), demo, admin, class_id, capacity=2)
        return join(fresh(api), demo, newcomers[n - 1], class_id)

    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(act, range(len(newcomers) + 1)))
    assert replies[0].status == 200, replies[0].json
    newcomer_statuses = [r.data["classBooking"]["status"] for r in replies[1:]]
    assert "booked" not in newcomer_statuses and newcomer_statuses.count("waitlisted") == len(newcomers)
    assert status_of(demo, class_id, head) == "booked"
    assert counts(demo, class_id) == (2, len(newcomers))


def test_given_a_capacity_cut_racing_a_join_for_the_last_place_then_exactly_one_wins(api, demo, members):
    for _ in range(3):  # the race can fall either way: each time, exactly one of the two gets the place
        class_id = schedule(demo, capacity=3, waitlist=0)
        first, second, last = members(3)
        join(api, demo, first, class_id)
        join(api, demo, second, class_id)
        admin = staff(demo)
        with ThreadPoolExecutor(2) as pool:
            cut = pool.submit(edit, fresh(api), demo, admin, class_id, capacity=2)
            joined = pool.submit(join, fresh(api), demo, last, class_id)
        winners = [cut.result().status == 200, joined.result().status == 201]
        assert winners.count(True) == 1, (cut.result().json, joined.result().json)
        if winners[0]:
            assert joined.result().code == "CLASS_FULL"
        else:
            assert cut.result().code == "CAPACITY_BELOW_BOOKED"
        booked, _ = counts(demo, class_id)
        capacity = api.get(f"/group-classes/{class_id}", api_key=demo["apiKeys"]["studio"],
                           token=first["accessToken"]).data["capacity"]
        assert booked <= capacity


# --- manual promotion -------------------------------------------------------------------------------------------
def _late_freed_place(api: Api, demo: dict[str, Any], members: Any, waiting: int) -> tuple[int, list[dict[str, Any]]]:
    """A class past its promotion cut-off with one place freed by a late leave and `waiting` members waiting."""
    class_id = schedule(demo, capacity=1, waitlist=waiting + 2, starts_in=5 * HOUR)
    booked, *waiters = members(waiting + 1)
    join(api, demo, booked, class_id)
    for member in waiters:
        join(api, demo, member, class_id)
    assert leave(api, demo, booked, class_id).data["classBooking"]["status"] == "late_cancelled"
    assert counts(demo, class_id) == (0, waiting)  # nobody promoted after the cut-off
    return class_id, waiters


def test_given_the_cutoff_passed_then_staff_promote_a_chosen_waiting_member_out_of_order(api, demo, members):
    class_id, (first, second) = _late_freed_place(api, demo, members, 2)
    admin = staff(demo)
    promoted = roster_action(api, demo, admin, class_id, second, "promote")
    assert promoted.status == 200 and promoted.data["classBooking"]["status"] == "booked"
    assert counts(demo, class_id) == (1, 1)
    again = roster_action(api, demo, admin, class_id, second, "promote")
    assert again.status == 200 and again.data["classBooking"]["status"] == "booked"  # already there
    full = roster_action(api, demo, admin, class_id, first, "promote")
    assert full.status == 409 and full.code == "CLASS_FULL"
    roster = api.get(f"/trainer/group-classes/{class_id}/roster", api_key=demo["apiKeys"]["studio"], token=admin)
    assert [p["id"] for p in roster.data["booked"]] == [f"cb_{class_id}_{second['user']['id']}"]
    assert [p["position"] for p in roster.data["waitlist"]] == [1]
    stored = get_repository().get(keys.class_booking(demo["clients"]["studio"]["id"], class_id, second["user"]["id"]),
                                  consistent=True)
    assert stored["promotedBy"].startswith("usr_admin_")  # the override is recorded


def test_given_two_promotions_and_newcomers_racing_for_one_free_place_then_exactly_one_wins(api, demo, members):
    class_id, waiters = _late_freed_place(api, demo, members, 4)
    newcomers = members(4)
    admins = [staff(demo) for _ in waiters]

    def act(n: int) -> tuple[str, Any]:
        if n < len(waiters):
            return "promote", roster_action(fresh(api), demo, admins[n], class_id, waiters[n], "promote")
        return "join", join(fresh(api), demo, newcomers[n - len(waiters)], class_id)

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(act, range(len(waiters) + len(newcomers))))
    booked = [r for kind, r in replies if r.status in (200, 201) and r.data["classBooking"]["status"] == "booked"]
    assert len(booked) == 1, [(kind, r.status, r.json) for kind, r in replies]
    refused = [r for kind, r in replies if kind == "promote" and r.status == 409]
    assert {r.code for r in refused} <= {"CLASS_FULL"}
    assert counts(demo, class_id)[0] == 1


def test_given_a_place_of_another_class_or_a_member_then_the_roster_actions_refuse(api, demo, members):
    class_id, (waiting,) = _late_freed_place(api, demo, members, 1)
    other_class = schedule(demo)
    admin = staff(demo)
    wrong = api.post(f"/trainer/group-classes/{other_class}/roster/cb_{class_id}_{waiting['user']['id']}/promote",
                     {}, api_key=demo["apiKeys"]["studio"], token=admin)
    assert wrong.status == 404
    as_member = roster_action(api, demo, waiting["accessToken"], class_id, waiting, "promote")
    assert as_member.status == 403
    malformed = api.post(f"/trainer/group-classes/{class_id}/roster/cb_1_nobody/promote", {},
                         api_key=demo["apiKeys"]["studio"], token=admin)
    assert malformed.status == 400
    assert status_of(demo, class_id, waiting) == "waitlisted"


# --- attendance -------------------------------------------------------------------------------------------------
def test_given_a_class_under_way_then_staff_check_members_in_and_mark_no_shows(api, demo, members, clock):
    class_id = schedule(demo, capacity=3, waitlist=2, starts_in=2 * HOUR)
    present, absent, waiting = members(3)
    for member in (present, absent):
        join(api, demo, member, class_id)
    admin = staff(demo)
    early = roster_action(api, demo, admin, class_id, absent, "no-show")
    assert early.status == 409 and early.code == "INVALID_STATE_TRANSITION"
    assert early.json["details"]["reason"] == "too_early"
    clock.advance(2 * HOUR - 30 * 60)  # check-in opens an hour before the start
    admin = staff(demo)
    checked = roster_action(api, demo, admin, class_id, present, "check-in")
    assert checked.status == 200 and checked.data["classBooking"]["status"] == "attended"
    assert roster_action(api, demo, admin, class_id, present, "check-in").status == 200  # the target state
    clock.advance(31 * 60)
    admin = staff(demo)
    missed = roster_action(api, demo, admin, class_id, absent, "no-show")
    assert missed.status == 200 and missed.data["classBooking"]["status"] == "no_show"
    corrected = roster_action(api, demo, admin, class_id, absent, "check-in")  # arrived late after all
    assert corrected.status == 200 and corrected.data["classBooking"]["status"] == "attended"
    join(api, demo, signed_in_again(demo, waiting), class_id)
    never_booked = roster_action(api, demo, admin, class_id, waiting, "check-in")
    assert never_booked.status == 404  # no place: nothing to check in
    roster = api.get(f"/trainer/group-classes/{class_id}/roster", api_key=demo["apiKeys"]["studio"], token=admin)
    assert sorted(p["status"] for p in roster.data["booked"]) == ["attended", "attended"]


# --- the staff's schedule ---------------------------------------------------------------------------------------
def test_given_the_schedule_then_staff_list_classes_with_their_counts_and_a_trainer_sees_their_own(api, demo, members):
    key = demo["apiKeys"]["studio"]
    login = demo["trainerUsers"][0]
    trainer_token = api.post("/auth/login", {"email": login["email"], "password": login["password"]},
                             api_key=key).data["accessToken"]
    mine = int(login["trainerId"])
    someone_else = 1 if mine != 1 else 2
    own, elsewhere = gc_create(demo, mine), gc_create(demo, someone_else)
    counted = schedule(demo, capacity=2, waitlist=1, starts_in=2 * 24 * HOUR)
    for member in members(3):
        join(api, demo, member, counted)
    day = "/trainer/group-classes?limit=100"
    listed = api.get(day, api_key=key, token=staff(demo))
    assert listed.status == 200, listed.json
    rows = {c["id"]: c for c in listed.data["items"]}
    assert {own, elsewhere, counted} <= set(rows)
    assert (rows[counted]["spotsLeft"], rows[counted]["waitlist"]["count"], rows[counted]["myStatus"]) == (0, 1, None)
    filtered = [c["id"] for c in api.get(f"{day}&trainerId={someone_else}", api_key=key, token=staff(demo))
                .data["items"]]
    assert elsewhere in filtered and own not in filtered
    theirs = api.get(day, api_key=key, token=trainer_token).data["items"]
    assert own in [c["id"] for c in theirs] and {c["trainerId"] for c in theirs} == {mine}
    assert api.get(day, api_key=key, token=members(1)[0]["accessToken"]).status == 403


def gc_create(demo: dict[str, Any], trainer_id: int) -> int:
    from shared import clock
    from shared.domain import group_classes

    return int(group_classes.create_class(demo["clients"]["studio"]["id"], trainer_id=trainer_id,
                                          name=f"Own {secrets.token_hex(3)}", starts_at=int(clock.now()) + 2 * 86400,
                                          duration=30, time_zone="Europe/London", capacity=4)["id"])
