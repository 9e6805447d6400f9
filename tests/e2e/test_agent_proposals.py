"""The voice agent's two-phase writes over HTTP: prepare (validated like the real route, a hold, nothing else
changed), the member's yes, confirm (once). Interruptions, re-runs with new call ids and confirms at once never
leave more than one booking; a late cancellation is quoted before; stale and expired proposals say what changed;
another member's or client's proposal is not there."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest

from shared.auth import tokens
from shared.domain import agent_switches
from tests.e2e.test_agent_tools import PRIYA, Agent, agent_for
from tests.support.http import Api


@pytest.fixture
def studio(demo) -> dict[str, Any]:
    trainer = next(t for t in demo["trainers"] if t["id"] == PRIYA)
    return {"key": demo["apiKeys"]["studio"], "clientId": demo["clients"]["studio"]["id"],
            "service": trainer["services"][0]["id"]}


def coached_agent(api: Api, studio: dict[str, Any], new_member) -> tuple[dict[str, Any], Agent]:
    member = new_member(studio["key"], name="Sam Lee", coachId=PRIYA)
    return member, agent_for(api, studio["key"], member)


def again(api: Api, studio: dict[str, Any], member: dict[str, Any]) -> Agent:
    """A new conversation for the same member (a fresh sign-in, e.g. after the clock moved)."""
    token = tokens.issue(member["user"]["id"], studio["clientId"], "user")[0]
    return agent_for(api, studio["key"], {"accessToken": token})


def slots(agent: Agent, studio: dict[str, Any], days_ahead: int = 3) -> list[dict[str, Any]]:
    first = date.today() + timedelta(days=days_ahead)
    reply = agent.get(f"/agent/trainer-slots?trainerId={PRIYA}&serviceId={studio['service']}&from={first}&to={first + timedelta(days=10)}")
    assert reply.status == 200, reply.json
    return reply.data["slots"]


def booked(agent: Agent, studio: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first free slot of the coach, booked through a proposal and its confirm: (slot, booking)."""
    slot = slots(agent, studio)[0]
    proposal = agent.post("/agent/proposals", {"action": "book", "serviceId": studio["service"],
                                               "slotId": slot["id"]}).data
    confirmed = agent.post(f"/agent/proposals/{proposal['proposalId']}/confirm", {})
    assert confirmed.status == 200, confirmed.json
    return slot, confirmed.data["booking"]


def confirmed_at_once(api: Api, agent: Agent, proposal_id: str, times: int = 10) -> list[Any]:
    """`times` confirms of one proposal released together, each from its own connection with its own call id."""
    barrier = threading.Barrier(times)

    def confirm(_: int) -> Any:
        caller = Agent(Api(f"http://{api.host}:{api.port}{api.prefix}"), agent.key, agent.token)
        barrier.wait()
        return caller.post(f"/agent/proposals/{proposal_id}/confirm", {})

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(confirm, range(times)))


def bookings_of(agent: Agent) -> list[dict[str, Any]]:
    return agent.get("/agent/bookings").data["items"]


def test_given_a_proposal_when_the_member_says_yes_then_one_booking_and_every_retry_answers_it(
        api, studio, new_member):
    member, agent = coached_agent(api, studio, new_member)
    slot = slots(agent, studio)[0]
    # When the agent prepares the booking (no trainerId: the member's coach)
    prepared = agent.post("/agent/proposals", {"action": "book", "serviceId": studio["service"], "slotId": slot["id"]})
    assert prepared.status == 201, prepared.json
    proposal = prepared.data
    assert proposal["summary"]["when"] == slot["when"] and proposal["summary"]["price"] == 75.0
    assert "free cancellation until 24 hours before" in proposal["say"] and proposal["say"].endswith("Shall I book it?")
    # Then nothing is booked yet, but the slot is held from others
    assert bookings_of(agent) == []
    other = agent_for(api, studio["key"], new_member(studio["key"]))
    assert slot["id"] not in [s["id"] for s in slots(other, studio)]
    # When the member says yes
    confirmed = agent.post(f"/agent/proposals/{proposal['proposalId']}/confirm", {})
    assert confirmed.status == 200, confirmed.json
    booking = confirmed.data["booking"]
    assert confirmed.data["replayed"] is False and booking["startsAt"] == slot["startsAt"]
    assert confirmed.data["say"] == f"Booked: {booking['serviceName']} with {booking['trainerName']} on {slot['when']}."
    # And the tool result is lost (interrupted): the model re-runs confirm with a new call id
    replay = agent.post(f"/agent/proposals/{proposal['proposalId']}/confirm", {}, call_key=uuid.uuid4().hex)
    assert replay.status == 200 and replay.data["replayed"] is True and replay.data["booking"] == booking
    # or re-runs the whole tool from prepare: the natural key answers with the booking it already has
    rerun = agent.post("/agent/proposals", {"action": "book", "serviceId": studio["service"], "slotId": slot["id"]})
    assert rerun.status == 409 and rerun.code == "ALREADY_BOOKED", rerun.json
    assert rerun.json["details"]["bookingId"] == booking["id"] and slot["when"] in rerun.json["say"]
    # Then exactly one booking, and the member can read what the agent did
    assert [b["id"] for b in bookings_of(agent)] == [booking["id"]]
    audit = api.get("/users/me/agent-actions", api_key=studio["key"], token=member["accessToken"])
    assert audit.status == 200
    assert [(a["phase"], a["outcome"]) for a in audit.data["items"]] == [("confirm", "done"), ("prepare", "prepared")]
    assert audit.data["items"][0]["ref"] == booking["id"]


def test_given_ten_confirms_at_once_with_different_call_ids_then_exactly_one_booking(api, studio, new_member):
    _, agent = coached_agent(api, studio, new_member)
    slot = slots(agent, studio)[0]
    proposal = agent.post("/agent/proposals", {"action": "book", "serviceId": studio["service"],
                                               "slotId": slot["id"]}).data
    replies = confirmed_at_once(api, agent, proposal["proposalId"])
    done = [r for r in replies if r.status == 200]
    assert done and all(r.status in (200, 409) for r in replies), [r.json for r in replies]
    assert all(r.code == "IDEMPOTENCY_IN_PROGRESS" and r.json["retryable"] is True
               for r in replies if r.status == 409)
    assert sum(1 for r in done if not r.data["replayed"]) == 1
    assert {r.data["booking"]["id"] for r in done} == {b["id"] for b in bookings_of(agent)}
    assert len(bookings_of(agent)) == 1


def test_given_a_late_cancellation_then_the_proposal_quotes_the_penalty_and_confirm_applies_it(
        api, studio, new_member, clock):
    member, agent = coached_agent(api, studio, new_member)
    slot, booking = booked(agent, studio)
    # Given a free cancellation proposed now, when the free window closes before the member says yes
    free = agent.post("/agent/proposals", {"action": "cancel", "bookingId": booking["id"]})
    assert free.status == 201 and free.data["summary"]["penalty"]["type"] == "none" and "at no cost" in free.data["say"]
    from shared import clock as shared_clock

    starts = shared_clock.parse_iso(slot["startsAt"])
    clock.advance(starts - 3 * 3600 - shared_clock.now())  # 3 hours before: inside the 24-hour window
    later = again(api, studio, member)
    stale = later.post(f"/agent/proposals/{free.data['proposalId']}/confirm", {})
    assert stale.status == 409 and stale.code in ("PROPOSAL_EXPIRED", "PROPOSAL_STALE"), stale.json
    # Then a new proposal quotes the late penalty (half the price) before anything happens
    late = later.post("/agent/proposals", {"action": "cancel", "bookingId": booking["id"]})
    assert late.status == 201, late.json
    assert late.data["summary"]["penalty"]["amount"] == 37.5 and "37.50 GBP" in late.data["say"]
    assert later.get("/agent/bookings").data["items"][0]["status"] == "confirmed"
    done = later.post(f"/agent/proposals/{late.data['proposalId']}/confirm", {})
    assert done.status == 200 and done.data["booking"]["status"] == "late_cancelled"
    assert "37.50 GBP" in done.data["say"]


def test_given_a_quote_that_changes_before_the_yes_then_confirm_is_stale_and_says_what_changed(
        api, studio, new_member, clock):
    member, agent = coached_agent(api, studio, new_member)
    slot, booking = booked(agent, studio)
    from shared import clock as shared_clock

    starts = shared_clock.parse_iso(slot["startsAt"])
    clock.advance(starts - 24 * 3600 - 60 - shared_clock.now())  # a minute before the free window closes
    fresh = again(api, studio, member)
    free = fresh.post("/agent/proposals", {"action": "cancel", "bookingId": booking["id"]})
    assert free.status == 201 and free.data["summary"]["penalty"]["type"] == "none"
    clock.advance(120)  # the member hesitates: now it would be late
    stale = fresh.post(f"/agent/proposals/{free.data['proposalId']}/confirm", {})
    assert stale.status == 409 and stale.code == "PROPOSAL_STALE", stale.json
    changed = stale.json["details"]["changed"]
    assert changed["before"]["status"] == "cancelled" and changed["now"]["status"] == "late_cancelled"
    assert stale.json["say"].startswith("Something changed") and stale.json["retryable"] is False
    assert fresh.get("/agent/bookings").data["items"][0]["id"] == booking["id"]  # still booked


def test_given_a_proposal_left_past_its_hold_then_confirm_is_expired_and_nothing_is_booked(
        api, studio, new_member, clock):
    member, agent = coached_agent(api, studio, new_member)
    slot = slots(agent, studio)[0]
    proposal = agent.post("/agent/proposals", {"action": "book", "serviceId": studio["service"],
                                               "slotId": slot["id"]}).data
    clock.advance(301)
    expired = agent.post(f"/agent/proposals/{proposal['proposalId']}/confirm", {})
    assert expired.status == 409 and expired.code == "PROPOSAL_EXPIRED", expired.json
    assert expired.json["details"]["expiredAt"] == proposal["expiresAt"]
    assert bookings_of(agent) == []


def test_given_another_members_or_clients_proposal_then_it_is_not_there(api, studio, demo, new_member):
    _, agent = coached_agent(api, studio, new_member)
    slot = slots(agent, studio)[0]
    proposal = agent.post("/agent/proposals", {"action": "book", "serviceId": studio["service"],
                                               "slotId": slot["id"]}).data
    neighbour = agent_for(api, studio["key"], new_member(studio["key"]))
    from shared.domain import accounts

    other = demo["clients"]["partner"]["id"]
    outsider = accounts.create_member(other, f"outsider-{uuid.uuid4().hex[:8]}@example.com", "outsider-secret", name="Outsider")
    stranger = agent_for(api, demo["apiKeys"]["partner"],
                         {"accessToken": tokens.issue(outsider["id"], other, "user")[0]})
    for intruder in (neighbour, stranger):
        reply = intruder.post(f"/agent/proposals/{proposal['proposalId']}/confirm", {})
        assert reply.status == 404 and reply.code == "NOT_FOUND", reply.json
    assert bookings_of(agent) == [] and bookings_of(neighbour) == []
    assert agent.post(f"/agent/proposals/{proposal['proposalId']}/confirm", {}).status == 200  # still its own


def test_given_the_studio_switched_off_agent_cancellations_then_the_agent_cannot_prepare_one(
        api, studio, new_member):
    _, agent = coached_agent(api, studio, new_member)
    slot, booking = booked(agent, studio)
    agent_switches.set_switches(studio["clientId"], {"prepare_cancellation": False})
    try:
        reply = agent.post("/agent/proposals", {"action": "cancel", "bookingId": booking["id"]})
        assert reply.status == 403 and reply.code == "TOOL_DISABLED", reply.json
        assert reply.json["details"] == {"tool": "prepare_cancellation"} and reply.json["say"]
    finally:
        agent_switches.set_switches(studio["clientId"], {"prepare_cancellation": True})
    assert agent.post("/agent/proposals", {"action": "cancel", "bookingId": booking["id"]}).status == 201


def test_given_a_proposal_without_an_idempotency_key_or_with_bad_fields_then_400_naming_the_field(
        api, studio, new_member):
    _, agent = coached_agent(api, studio, new_member)
    bare = api.post("/agent/proposals", {"action": "cancel", "bookingId": "0" * 24}, api_key=agent.key,
                    token=agent.token)
    assert bare.status == 400 and bare.json["details"][0]["field"] == "Idempotency-Key"
    bad = agent.post("/agent/proposals", {"action": "book", "serviceId": studio["service"], "slotId": 0})
    assert bad.status == 400 and bad.json["details"][0]["field"].endswith("slotId")
    assert bad.json["say"].startswith("I couldn't use the time")
    unknown = agent.post("/agent/proposals", {"action": "cancel", "bookingId": "0" * 24})
    assert unknown.status == 404 and unknown.json["say"] == "I couldn't find that."


def test_given_a_group_class_when_two_members_agents_join_then_a_place_then_the_waitlist_each_once(
        api, studio, new_member):
    from datetime import datetime, timezone

    from shared.domain import group_classes

    starts = datetime.combine(date.today() + timedelta(days=2), datetime.min.time(), tzinfo=timezone.utc)
    klass = group_classes.create_class(studio["clientId"], trainer_id=PRIYA, name="Agent Test Flow",
                                       starts_at=int(starts.timestamp()) + 12 * 3600, duration=45,
                                       time_zone="Europe/London", capacity=1)
    _, first = coached_agent(api, studio, new_member)
    prepared = first.post("/agent/proposals", {"action": "join_class", "classId": int(klass["id"])})
    assert prepared.status == 201, prepared.json
    assert "1 place left" in prepared.data["say"] and "London time" in prepared.data["summary"]["when"]
    joined = first.post(f"/agent/proposals/{prepared.data['proposalId']}/confirm", {})
    assert joined.status == 200 and joined.data["classBooking"]["status"] == "booked", joined.json
    replay = first.post(f"/agent/proposals/{prepared.data['proposalId']}/confirm", {})
    assert replay.data["replayed"] is True and replay.data["classBooking"] == joined.data["classBooking"]
    rerun = first.post("/agent/proposals", {"action": "join_class", "classId": int(klass["id"])})
    assert rerun.status == 409 and rerun.code == "ALREADY_BOOKED"
    # Then a second member's agent offers the waitlist, and confirming it queues them first
    _, second = coached_agent(api, studio, new_member)
    queued = second.post("/agent/proposals", {"action": "join_class", "classId": int(klass["id"])})
    assert queued.status == 201 and "waitlist" in queued.data["say"], queued.json
    waiting = second.post(f"/agent/proposals/{queued.data['proposalId']}/confirm", {})
    assert waiting.status == 200 and waiting.data["classBooking"]["status"] == "waitlisted", waiting.json
    assert waiting.data["classBooking"]["position"] == 1 and "position 1" in waiting.data["say"]
    assert int(group_classes.get_class(studio["clientId"], int(klass["id"]), consistent=True)["bookedCount"]) == 1
