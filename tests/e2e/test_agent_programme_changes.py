"""The voice agent's programme changes over HTTP: pause, resume and cancel a programme subscription in two phases
(the summary says what changes; nothing changes before the yes), once however often confirm is re-run, refused
as the app's routes refuse, stale when the subscription changed in between, and another member's is not there."""
from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.test_agent_proposals import confirmed_at_once
from tests.e2e.test_agent_tools import Agent, agent_for
from tests.support.http import Api


@pytest.fixture
def following(api, demo, new_member) -> dict[str, Any]:
    """A studio member following Strong in Six (two pauses allowed), their agent, and the subscription id."""
    key = demo["apiKeys"]["studio"]
    member = new_member(key, name="Kim Ortega")
    programme_id = next(p["id"] for p in demo["programmes"] if p["name"] == "Strong in Six")
    subscribed = api.post(f"/programmes/{programme_id}/subscribe", {}, api_key=key, token=member["accessToken"])
    assert subscribed.status == 201, subscribed.json
    return {"key": key, "member": member, "agent": agent_for(api, key, member),
            "subscription": subscribed.data["subscription"]}


def stored(api: Api, following: dict[str, Any]) -> dict[str, Any]:
    """The subscription as the member's app reads it."""
    reply = api.get(f"/programme-subscriptions/{following['subscription']['id']}", api_key=following["key"],
                    token=following["member"]["accessToken"])
    assert reply.status == 200, reply.json
    return reply.data["subscription"]


def propose(agent: Agent, subscription_id: str, change: str, **extra: Any) -> Any:
    return agent.post("/agent/proposals", {"action": "programme_change", "subscriptionId": subscription_id,
                                           "change": change, **extra})


def test_given_a_pause_proposal_when_the_member_says_yes_then_paused_once_and_resume_and_cancel_follow(
        api, following):
    agent, sub_id = following["agent"], following["subscription"]["id"]
    back = (date.today() + timedelta(days=14)).isoformat()
    # When the agent prepares a two-week pause
    prepared = propose(agent, sub_id, "pause", resumeOn=back)
    assert prepared.status == 201, prepared.json
    summary = prepared.data["summary"]
    assert summary["subscriptionId"] == sub_id and summary["startsAt"] is None
    assert summary["programmeChange"]["before"]["status"] == "active"
    assert summary["programmeChange"]["after"]["status"] == "paused"
    assert summary["programmeChange"]["after"]["resumesOn"] == back
    assert "1 pause and" in prepared.data["say"] and prepared.data["say"].endswith("Shall I pause it?")
    # Then nothing changed yet
    assert stored(api, following)["status"] == "active"
    # When the member says yes, and the tool is re-run with a new call id after an interruption
    done = agent.post(f"/agent/proposals/{prepared.data['proposalId']}/confirm", {})
    again = agent.post(f"/agent/proposals/{prepared.data['proposalId']}/confirm", {}, call_key=uuid.uuid4().hex)
    # Then the subscription is paused once, and the re-run answers the same result
    assert done.status == 200 and again.status == 200, (done.json, again.json)
    assert done.data["subscription"]["status"] == "paused" and done.data["say"] == "Paused: Strong in Six."
    assert again.data["replayed"] is True and again.data["subscription"] == done.data["subscription"]
    now = stored(api, following)
    assert now["status"] == "paused" and now["pauseCount"] == 1 and now["resumeOn"] == back
    # And resume, then cancel at the period's end, go the same way
    resume = propose(agent, sub_id, "resume")
    assert resume.status == 201 and resume.data["say"].endswith("Shall I resume it?"), resume.json
    assert agent.post(f"/agent/proposals/{resume.data['proposalId']}/confirm", {}).data["subscription"][
        "status"] == "active"
    cancel = propose(agent, sub_id, "cancel", atPeriodEnd=True)
    assert cancel.status == 201 and "stays active until" in cancel.data["say"], cancel.json
    ended = agent.post(f"/agent/proposals/{cancel.data['proposalId']}/confirm", {})
    assert ended.status == 200 and ended.data["subscription"]["cancelAt"], ended.json
    assert stored(api, following)["cancelAt"] == ended.data["subscription"]["cancelAt"]
    # and the member's audit lists each step with the subscription it concerned
    audit = api.get("/users/me/agent-actions", api_key=following["key"], token=following["member"]["accessToken"])
    assert [(a["action"], a["phase"]) for a in audit.data["items"]][:2] == [("programme_change", "confirm"),
                                                                           ("programme_change", "prepare")]
    assert {a["ref"] for a in audit.data["items"]} == {sub_id}


def test_given_no_pause_left_or_a_resume_date_in_the_past_then_prepare_refuses_as_the_app_would(api, following):
    agent, sub_id = following["agent"], following["subscription"]["id"]
    past = propose(agent, sub_id, "pause", resumeOn=date.today().isoformat())
    assert past.status == 400 and past.json["details"][0]["field"] == "resumeOn", past.json
    assert past.json["say"].startswith("I couldn't use the resume date")
    for change in ("pause", "resume", "pause", "resume"):  # the two pauses Strong in Six allows
        prepared = propose(agent, sub_id, change)
        assert agent.post(f"/agent/proposals/{prepared.data['proposalId']}/confirm", {}).status == 200
    third = propose(agent, sub_id, "pause")
    assert third.status == 409 and third.code == "PAUSE_LIMIT_REACHED", third.json
    assert third.json["say"] and third.json["retryable"] is False
    assert stored(api, following)["pauseCount"] == 2


def test_given_the_app_changed_the_subscription_after_the_proposal_then_confirm_is_stale_unless_it_agrees(
        api, following):
    agent, sub_id, key = following["agent"], following["subscription"]["id"], following["key"]
    token = following["member"]["accessToken"]
    in_two_weeks = (date.today() + timedelta(days=14)).isoformat()
    in_one_week = (date.today() + timedelta(days=7)).isoformat()
    # Given a proposal to pause for two weeks, when the member pauses for one week in the app first
    proposal = propose(agent, sub_id, "pause", resumeOn=in_two_weeks).data
    assert api.post(f"/programme-subscriptions/{sub_id}/pause", {"resumeOn": in_one_week}, api_key=key,
                    token=token).status == 200
    # Then the agent's confirm does not apply terms the member did not hear: stale, with what it is now
    stale = agent.post(f"/agent/proposals/{proposal['proposalId']}/confirm", {})
    assert stale.status == 409 and stale.code == "PROPOSAL_STALE", stale.json
    assert stale.json["details"]["changed"]["now"]["resumeOn"] == in_one_week
    assert stored(api, following)["resumeOn"] == in_one_week
    # Given a proposal to resume, when the app resumes first: the subscription is what the member agreed to
    resume = propose(agent, sub_id, "resume").data
    assert api.post(f"/programme-subscriptions/{sub_id}/resume", {}, api_key=key, token=token).status == 200
    agreed = agent.post(f"/agent/proposals/{resume['proposalId']}/confirm", {})
    assert agreed.status == 200 and agreed.data["subscription"]["status"] == "active", agreed.json


def test_given_ten_confirms_of_one_pause_at_once_then_exactly_one_pause(api, following):
    agent, sub_id = following["agent"], following["subscription"]["id"]
    replies = confirmed_at_once(api, agent, propose(agent, sub_id, "pause").data["proposalId"])
    done = [r for r in replies if r.status == 200]
    assert all(r.status == 200 or r.code == "IDEMPOTENCY_IN_PROGRESS" for r in replies), [r.json for r in replies]
    assert sum(1 for r in done if not r.data["replayed"]) == 1
    now = stored(api, following)
    assert now["status"] == "paused" and now["pauseCount"] == 1


def test_given_another_members_subscription_then_the_proposal_finds_nothing(api, demo, following, new_member):
    key = demo["apiKeys"]["studio"]
    other = agent_for(api, key, new_member(key))
    reply = propose(other, following["subscription"]["id"], "cancel")
    assert reply.status == 404 and reply.json["say"] == "I couldn't find that.", reply.json
    assert stored(api, following)["status"] == "active"
