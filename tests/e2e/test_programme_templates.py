"""Programme templates over HTTP: a trainer or studio admin publishes one, an edit makes a new version (members
already following it keep theirs), two editors of one version leave one winner, and bad templates are refused
naming the field."""
from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from shared.auth import tokens
from tests.support.http import Api

WEEKS = [{"week": 1, "sessions": [{"day": "mon", "name": "Full body A", "description": "Squat, push, pull"},
                                  {"day": "thu", "name": "Full body B", "description": "Hinge, press, row"}]},
         {"week": 2, "sessions": [{"day": "tue", "name": "Intervals", "description": ""}]}]


def _template(**changes: Any) -> dict[str, Any]:
    return {"trainerId": 5, "name": f"Strong {secrets.token_hex(3)}", "description": "Progressive strength",
            "durationWeeks": 4, "sessionsPerWeek": 2, "level": "beginner", "price": 39.0, "currency": "GBP",
            "weeks": WEEKS, "pausePolicy": {"maxPauses": 1, "maxPausedDays": 14}, **changes}


def _revision(**changes: Any) -> dict[str, Any]:
    """A whole template for PUT (the author stays who they are)."""
    return {k: v for k, v in _template(**changes).items() if k != "trainerId"}


def _admin(demo: dict[str, Any]) -> str:
    return tokens.issue(f"usr_admin_{secrets.token_hex(4)}", demo["clients"]["studio"]["id"], "client_admin")[0]


def _trainer(api: Api, demo: dict[str, Any]) -> tuple[str, int]:
    login = demo["trainerUsers"][0]
    reply = api.post("/auth/login", {"email": login["email"], "password": login["password"]},
                     api_key=demo["apiKeys"]["studio"])
    assert reply.status == 200, reply.json
    return reply.data["accessToken"], int(login["trainerId"])


def test_given_a_published_programme_when_it_is_revised_then_followers_keep_their_version(api, demo, new_member):
    key, admin = demo["apiKeys"]["studio"], _admin(demo)
    made = api.post("/trainer/programmes", _template(), api_key=key, token=admin)
    assert made.status == 201, made.json
    programme = made.data["programme"]
    assert programme["version"] == 1 and [w["week"] for w in programme["weeks"]] == [1, 2]
    early = new_member(key)
    first = api.post(f"/programmes/{programme['id']}/subscribe", {}, api_key=key, token=early["accessToken"])
    assert first.status == 201 and first.data["subscription"]["programmeVersion"] == 1
    # When the template is revised (8 weeks now, another first week)
    revision = _revision(name=programme["name"], durationWeeks=8, expectedVersion=1,
                         weeks=[{"week": 1, "sessions": [{"day": "wed", "name": "Mobility", "description": ""}]}])
    revised = api.put(f"/trainer/programmes/{programme['id']}", revision, api_key=key, token=admin)
    assert revised.status == 200, revised.json
    assert revised.data["programme"]["version"] == 2 and revised.data["programme"]["durationWeeks"] == 8
    # Then members see the new version, the early follower keeps version 1 and its end date, a newcomer gets 2
    shown = api.get(f"/programmes/{programme['id']}", api_key=key, token=early["accessToken"]).data["programme"]
    assert shown["version"] == 2 and shown["weeks"][0]["sessions"][0]["name"] == "Mobility"
    kept = api.get(f"/programme-subscriptions/{first.data['subscription']['id']}", api_key=key,
                   token=early["accessToken"]).data["subscription"]
    assert kept["programmeVersion"] == 1 and kept["endDate"] == first.data["subscription"]["endDate"]
    later = api.post(f"/programmes/{programme['id']}/subscribe", {}, api_key=key,
                     token=new_member(key)["accessToken"]).data["subscription"]
    assert later["programmeVersion"] == 2
    assert date.fromisoformat(later["endDate"]) - date.fromisoformat(later["startDate"]) == timedelta(days=8 * 7 - 1)


def test_given_five_editors_of_one_version_then_exactly_one_revision_wins(api, demo):
    key, admin = demo["apiKeys"]["studio"], _admin(demo)
    programme = api.post("/trainer/programmes", _template(), api_key=key, token=admin).data["programme"]

    def revise(n: int) -> Any:
        body = _revision(name=f"Edit {n}", expectedVersion=1)
        return Api(f"http://{api.host}:{api.port}{api.prefix}").put(f"/trainer/programmes/{programme['id']}", body,
                                                                    api_key=key, token=admin)

    with ThreadPoolExecutor(5) as pool:
        replies = list(pool.map(revise, range(5)))
    assert sorted(r.status for r in replies) == [200, 409, 409, 409, 409], [r.json for r in replies]
    assert {r.code for r in replies if r.status == 409} == {"CONFLICT"}
    winner = next(r for r in replies if r.status == 200).data["programme"]
    assert winner["version"] == 2
    shown = api.get(f"/programmes/{programme['id']}", api_key=key, token=admin).data["programme"]
    assert (shown["version"], shown["name"]) == (2, winner["name"])


def test_given_bad_templates_or_the_wrong_author_then_named_refusals_and_nothing_published(api, demo, new_member):
    key, admin = demo["apiKeys"]["studio"], _admin(demo)
    for weeks in ([{"week": 5, "sessions": []}], [{"week": 1, "sessions": []}, {"week": 1, "sessions": []}]):
        reply = api.post("/trainer/programmes", _template(weeks=weeks), api_key=key, token=admin)
        assert reply.status == 400 and reply.json["details"][0]["field"] == "weeks", reply.json
    bad_day = api.post("/trainer/programmes", _template(weeks=[{"week": 1, "sessions": [{"day": "someday",
                                                                                         "name": "X"}]}]),
                       api_key=key, token=admin)
    assert bad_day.status == 400
    assert api.post("/trainer/programmes", _template(trainerId=999), api_key=key, token=admin).status == 404
    member = new_member(key)
    assert api.post("/trainer/programmes", _template(), api_key=key, token=member["accessToken"]).status == 403
    # a trainer publishes and revises their own programmes only
    trainer_token, trainer_id = _trainer(api, demo)
    other = 5 if trainer_id != 5 else 1
    assert api.post("/trainer/programmes", _template(trainerId=other), api_key=key,
                    token=trainer_token).status == 403
    theirs = api.post("/trainer/programmes", _template(trainerId=other), api_key=key, token=admin).data["programme"]
    refused = api.put(f"/trainer/programmes/{theirs['id']}", _revision(), api_key=key, token=trainer_token)
    assert refused.status == 404
    own = api.post("/trainer/programmes", _template(trainerId=trainer_id), api_key=key, token=trainer_token)
    assert own.status == 201 and own.data["programme"]["trainerId"] == trainer_id
    names = [p["name"] for p in api.get("/programmes?limit=100", api_key=key,
                                        token=member["accessToken"]).data["items"]]
    assert theirs["name"] in names and own.data["programme"]["name"] in names
    one = api.get(f"/programmes?trainerId={other}&limit=1&page=1", api_key=key, token=member["accessToken"]).data
    assert len(one["items"]) == 1 and one["pagination"]["total"] >= 1 and one["items"][0]["trainerId"] == other
