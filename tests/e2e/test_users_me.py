"""GET, PUT, PATCH and DELETE /users/me over HTTP: partial updates with validated ranges, and an account
deletion that leaves nothing of the member behind, proved with one query per key prefix."""
from __future__ import annotations

import hashlib
import re
import uuid

import pytest

from shared import clock as shared_clock
from shared import jobs
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import mail
from shared.domain.accounts import forgot_scope, login_scope


@pytest.fixture
def member(new_member, demo):
    return new_member(demo["apiKeys"]["studio"], name="Pat", profile={"age": 30, "height": 180, "weight": 80},
                      settings={"notifications": True})


def test_given_a_patch_of_one_profile_field_then_only_that_field_changes(api, demo, member):
    key = demo["apiKeys"]["studio"]
    reply = api.fresh().patch("/users/me", {"profile": {"age": 31}}, api_key=key, token=member["accessToken"])
    assert reply.status == 200, reply.json
    assert reply.data["profile"] == {**member["user"]["profile"], "age": 31}
    assert reply.data["name"] == "Pat" and reply.data["settings"] == {"notifications": True, "timeZone": None}
    assert api.fresh().get("/users/me", api_key=key, token=member["accessToken"]).data == reply.data


def test_given_a_put_of_name_and_settings_then_the_profile_stays(api, demo, member):
    key = demo["apiKeys"]["studio"]
    reply = api.fresh().put("/users/me", {"name": "Patricia", "settings": {"notifications": False}}, api_key=key,
                            token=member["accessToken"])
    assert reply.status == 200
    assert reply.data["name"] == "Patricia" and reply.data["settings"] == {"notifications": False, "timeZone": None}
    assert reply.data["profile"] == member["user"]["profile"]


def test_given_a_field_sent_as_null_then_it_is_cleared(api, demo, member):
    reply = api.fresh().patch("/users/me", {"profile": {"weight": None, "fitnessGoal": "strength"}},
                              api_key=demo["apiKeys"]["studio"], token=member["accessToken"])
    assert reply.data["profile"]["weight"] is None and reply.data["profile"]["fitnessGoal"] == "strength"
    assert reply.data["profile"]["height"] == 180


@pytest.mark.parametrize("body, field", [
    ({"profile": {"age": 12}}, "profile.age"), ({"profile": {"age": 101}}, "profile.age"),
    ({"profile": {"height": 99}}, "profile.height"), ({"profile": {"weight": 301}}, "profile.weight"),
    ({"profile": {"workoutsPerWeek": 15}}, "profile.workoutsPerWeek"),
    ({"profile": {"age": "30"}}, "profile.age"), ({"profile": {"age": 30.5}}, "profile.age"),
    ({"profile": {"fitnessLevel": "expert"}}, "profile.fitnessLevel"),
    ({"name": ""}, "name"), ({"email": "new@example.com"}, "email"), ({"role": "client_admin"}, "role"),
    ({"settings": {"notifications": "yes"}}, "settings.notifications"),
])
def test_given_an_out_of_range_or_unknown_field_then_400_naming_it_and_nothing_changes(api, demo, member, body,
                                                                                        field):
    key = demo["apiKeys"]["studio"]
    reply = api.fresh().patch("/users/me", body, api_key=key, token=member["accessToken"])
    assert reply.status == 400 and reply.json["code"] == "VALIDATION_ERROR"
    assert field in {d["field"] for d in reply.json["details"]}
    assert api.fresh().get("/users/me", api_key=key, token=member["accessToken"]).data == member["user"]


def _everything_of(client_id: str, user_id: str, email: str, reset_hash: str) -> dict[str, list]:
    """One query (or keyed read) per key prefix under which anything of the member could live."""
    repo = get_repository()
    found = {
        "user partition CLIENT#c#USER#u": repo.query(keys.user_pk(client_id, user_id), consistent=True),
        "email claim CLIENT#c#EMAIL#e": repo.query(keys.email_claim(client_id, email)["PK"], consistent=True),
        "email index EMAIL#e (GSI1)": repo.query(keys.email_index(email), index="GSI1"),
        "members CLIENT#c#USERS (GSI1)": [i for i in repo.query(keys.client_users_index(client_id), index="GSI1")
                                          if i.get("id") == user_id],
        "continue watching (GSI1)": repo.query(keys.continue_watching_index(client_id, user_id), index="GSI1"),
        "reset index PWRESET#h (GSI1)": repo.query(keys.password_reset_index(reset_hash), index="GSI1"),
        "outbox (GSI1)": [m for m in repo.query(keys.outbox_index(), index="GSI1") if m.get("to") == email],
    }
    for scope in (f"user#{client_id}#{user_id}", login_scope(client_id, email), forgot_scope(client_id, email)):
        found[f"RATE#{scope}"] = repo.query(keys.rate_bucket(scope)["PK"], consistent=True)
    return found


def test_given_a_member_with_data_everywhere_when_deleting_the_account_then_nothing_of_it_remains(api, demo):
    key = demo["apiKeys"]["studio"]
    studio = demo["clients"]["studio"]["id"]
    repo = get_repository()
    # Given a member who onboarded with a coach, signed in twice, asked for a reset, failed a login,
    # and watched a class (items of the sessions group in the user partition)
    session = f"del-{uuid.uuid4().hex}"
    assert api.fresh().post("/onboarding/profile", {"sessionId": session, "age": 35}, api_key=key).status in (200, 201)
    email = f"leaver-{uuid.uuid4().hex[:10]}@example.com"
    coach_before = repo.get(keys.coach(studio, 5), consistent=True)["memberCount"]
    registered = api.fresh().post("/auth/register", {"email": email, "password": "securepassword", "name": "Lee",
                                                     "sessionId": session, "coachId": 5}, api_key=key).data
    user_id, token = registered["user"]["id"], registered["accessToken"]
    assert api.fresh().post("/auth/login", {"email": email, "password": "securepassword"}, api_key=key).status == 200
    assert api.fresh().post("/auth/login", {"email": email, "password": "wrong-password"}, api_key=key).status == 401
    assert api.fresh().post("/auth/password/forgot", {"email": email}, api_key=key).status == 202
    assert jobs.drain()  # the mail is sent after the answer
    reset_token = re.search(r"token=([A-Za-z0-9_-]+)", mail.outbox(to=email, limit=1)[0]["text"]).group(1)
    reset_hash = hashlib.sha256(reset_token.encode()).hexdigest()
    watched = api.fresh().post("/sessions/start", {"classId": 42, "deviceType": "mobile"}, api_key=key, token=token)
    assert watched.status == 201, watched.json
    api.fresh().post(f"/sessions/{watched.data['session']['id']}/progress",
                     {"progressSeconds": 60, "totalDurationSeconds": 1800}, api_key=key, token=token)
    before = _everything_of(studio, user_id, email, reset_hash)
    assert len(before["user partition CLIENT#c#USER#u"]) >= 5  # profile, 2 logins, reset, mail, session...
    assert all(before[k] for k in ("email claim CLIENT#c#EMAIL#e", "email index EMAIL#e (GSI1)",
                                   "members CLIENT#c#USERS (GSI1)", "reset index PWRESET#h (GSI1)", "outbox (GSI1)",
                                   f"RATE#{login_scope(studio, email)}", f"RATE#{forgot_scope(studio, email)}"))

    # When the member deletes the account
    deleted = api.fresh().delete("/users/me", api_key=key, token=token)

    # Then nothing of the member remains under any prefix
    assert deleted.status == 200 and deleted.data == {"deleted": True, "id": user_id}
    after = _everything_of(studio, user_id, email, reset_hash)
    closed = after.pop(f"RATE#user#{studio}#{user_id}")
    assert {prefix: items for prefix, items in after.items() if items} == {}
    # but the account's closed request bucket, which holds no personal data and outlives every token of it
    assert [set(item) for item in closed] == [{"PK", "SK", "closed", "ttl"}]
    assert closed[0]["ttl"] <= shared_clock.now() + 900 + 300 + 61
    # and the short-lived revocation record, which holds no personal data and expires with the last token
    record = repo.get(keys.token_revocation(studio, user_id), consistent=True)
    assert set(record) == {"PK", "SK", "validAfterMs", "ttl"}
    assert record["ttl"] <= shared_clock.now() + 900 + 61
    # the coach counts one member less, the tokens stop, and the email is free again
    assert repo.get(keys.coach(studio, 5), consistent=True)["memberCount"] == coach_before
    assert api.fresh().get("/users/me", api_key=key, token=token).status == 401
    assert api.fresh().post("/auth/refresh", {"refreshToken": registered["refreshToken"]},
                            api_key=key).status == 401
    assert api.fresh().post("/auth/login", {"email": email, "password": "securepassword"},
                            api_key=key).status == 401
    again = api.fresh().post("/auth/register", {"email": email, "password": "securepassword"}, api_key=key)
    assert again.status == 201 and again.data["user"]["id"] != user_id


def test_given_a_deleted_account_then_its_old_token_cannot_write_anything_again(api, demo, member):
    key = demo["apiKeys"]["studio"]
    client_id, user_id = member["user"]["clientId"], member["user"]["id"]
    assert api.fresh().delete("/users/me", api_key=key, token=member["accessToken"]).status == 200
    bucket = keys.rate_bucket(f"user#{client_id}#{user_id}")
    closed = get_repository().get(bucket, consistent=True)
    # When the deleted account's token is sent again, to a write and to a read
    for reply in (api.fresh().post("/sessions/start", {"classId": 42, "deviceType": "tv"}, api_key=key,
                                   token=member["accessToken"]),
                  api.fresh().get("/users/me", api_key=key, token=member["accessToken"])):
        assert reply.status == 401 and reply.code == "UNAUTHORIZED"
    # Then nothing is written under the account: not its partition, and not even the rate limiter's bucket
    assert get_repository().query(keys.user_pk(client_id, user_id), consistent=True) == []
    assert get_repository().get(bucket, consistent=True) == closed and "tat" not in closed


@pytest.mark.parametrize("body", [{}, {"profile": {}}, {"settings": {}}, {"profile": None}])
def test_given_an_update_that_sends_nothing_then_200_and_nothing_changes(api, demo, member, body):
    reply = api.fresh().patch("/users/me", body, api_key=demo["apiKeys"]["studio"], token=member["accessToken"])
    assert reply.status == 200, reply.json
    assert reply.data == member["user"]
