"""POST /auth/login, /auth/me and forgotten passwords over HTTP: one answer for every wrong credential,
the universal key's client selection, per-account throttling whatever the key, rehashing, and resets."""
from __future__ import annotations

import re
import uuid

from argon2 import PasswordHasher

from shared import jobs
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import mail
from tests.support.http import Api


def _login(api: Api, key: str, email: str, password: str, **extra):
    return api.fresh().post("/auth/login", {"email": email, "password": password, **extra}, api_key=key)


def test_given_a_member_when_logging_in_with_other_case_then_user_tokens_and_client_branding(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key, name="Lou")
    reply = _login(api, key, f" {member['email'].upper()} ", member["password"])
    assert reply.status == 200, reply.json
    data = reply.data
    assert set(data) == {"user", "accessToken", "refreshToken", "expiresIn", "client"}
    assert data["user"]["id"] == member["user"]["id"] and data["user"]["name"] == "Lou"
    assert set(data["client"]) == {"id", "name", "branding"}
    assert data["client"]["branding"]["primaryColor"] == "#0F766E"
    assert "passwordHash" not in reply.raw.decode()


def test_given_a_wrong_password_or_an_unknown_email_then_the_same_answer(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    wrong_password = _login(api, key, member["email"], "not-the-password")
    unknown_email = _login(api, key, f"ghost-{uuid.uuid4().hex[:8]}@example.com", "not-the-password")
    other_client = _login(api, demo["apiKeys"]["partner"], member["email"], member["password"])
    for reply in (wrong_password, unknown_email, other_client):
        assert reply.status == 401
        assert reply.json == {"success": False, "error": "The email or password is not correct",
                              "code": "INVALID_CREDENTIALS", "details": {}}


def test_given_the_demo_users_then_they_sign_in_with_their_known_passwords(api, demo):
    for user in demo["users"]:
        reply = _login(api, demo["apiKeys"]["universal"], user["email"], user["password"])
        assert reply.status == 200, (user["email"], reply.json)
        assert reply.data["user"]["role"] == user["role"] and reply.data["client"]["id"] == user["clientId"]


def test_given_the_universal_key_and_an_email_in_one_client_then_that_client(api, demo):
    key = demo["apiKeys"]["universal"]
    email = f"uni-{uuid.uuid4().hex[:10]}@example.com"
    assert api.fresh().post("/auth/register", {"email": email, "password": "securepassword",
                                               "voucherCode": "STUDIO-ABC123"}, api_key=key).status == 201
    reply = _login(api, key, email, "securepassword")
    assert reply.status == 200 and reply.data["client"]["id"] == "fitco-wellness"
    assert reply.data["client"]["branding"]["primaryColor"] == "#7C3AED"


def test_given_the_universal_key_and_an_email_in_two_clients_then_choose_then_retry_with_client_id(api, demo):
    key = demo["apiKeys"]["universal"]
    email = f"two-{uuid.uuid4().hex[:10]}@example.com"
    assert api.fresh().post("/auth/register", {"email": email, "password": "securepassword"},
                            api_key=demo["apiKeys"]["studio"]).status == 201
    assert api.fresh().post("/auth/register", {"email": email, "password": "securepassword",
                                               "voucherCode": "STUDIO-ABC123"},
                            api_key=demo["apiKeys"]["partner"]).status == 201

    choice = _login(api, key, email, "securepassword")

    assert choice.status == 409 and choice.json["code"] == "CLIENT_SELECTION_REQUIRED"
    listed = choice.json["details"]["clients"]
    assert sorted(c["id"] for c in listed) == sorted([demo["clients"]["studio"]["id"], "fitco-wellness"])
    assert all(set(c) == {"id", "name", "branding"} for c in listed)
    retried = _login(api, key, email, "securepassword", clientId="fitco-wellness")
    assert retried.status == 200 and retried.data["user"]["clientId"] == "fitco-wellness"
    # a wrong password never reveals where the email is known
    wrong = _login(api, key, email, "wrong-password")
    assert wrong.status == 401 and wrong.json["code"] == "INVALID_CREDENTIALS"


def test_given_a_client_key_and_another_clients_id_then_forbidden(api, demo, new_member):
    member = new_member(demo["apiKeys"]["studio"])
    reply = _login(api, demo["apiKeys"]["studio"], member["email"], member["password"], clientId="fitco-wellness")
    assert reply.status == 403 and reply.json["code"] == "FORBIDDEN"


def test_given_repeated_failures_then_429_with_retry_after_whatever_the_key_or_address(api, demo, new_member, clock):
    member = new_member(demo["apiKeys"]["studio"])
    # Given ten failed attempts at one account, from ten addresses
    for _ in range(10):
        assert _login(api, demo["apiKeys"]["studio"], member["email"], "guess-guess").status == 401

    # Then the next attempt is refused, with another key and another address, and even with the right password
    for key in (demo["apiKeys"]["studio"], demo["apiKeys"]["universal"]):
        refused = _login(api, key, member["email"], member["password"])
        assert refused.status == 429 and refused.json["code"] == "RATE_LIMITED"
        retry_after = refused.header("Retry-After")
        assert retry_after is not None and retry_after.isdigit() and 1 <= int(retry_after) <= 60
    # while another account signs in unhindered
    other = new_member(demo["apiKeys"]["studio"])
    assert _login(api, demo["apiKeys"]["studio"], other["email"], other["password"]).status == 200

    # When the Retry-After has passed, the right password works again
    clock.advance(61)
    assert _login(api, demo["apiKeys"]["studio"], member["email"], member["password"]).status == 200


def test_given_successful_logins_then_they_are_not_counted_as_failures(api, demo, new_member):
    member = new_member(demo["apiKeys"]["studio"])
    for _ in range(12):
        assert _login(api, demo["apiKeys"]["studio"], member["email"], member["password"]).status == 200


def test_given_a_hash_made_with_weaker_parameters_when_logging_in_then_it_is_rehashed(api, demo, new_member):
    member = new_member(demo["apiKeys"]["studio"])
    user_key = keys.user(member["user"]["clientId"], member["user"]["id"])
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(member["password"])
    get_repository().update(user_key, "SET passwordHash = :h", values={":h": weak})

    assert _login(api, demo["apiKeys"]["studio"], member["email"], member["password"]).status == 200

    stored = get_repository().get(user_key, consistent=True)["passwordHash"]
    assert stored.startswith("$argon2id$") and "m=19456,t=2,p=1" in stored
    assert _login(api, demo["apiKeys"]["studio"], member["email"], member["password"]).status == 200


def test_given_a_member_then_auth_me_is_users_me_plus_enabled_features(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    auth_me = api.fresh().get("/auth/me", api_key=key, token=member["accessToken"]).data
    users_me = api.fresh().get("/users/me", api_key=key, token=member["accessToken"]).data
    features = api.fresh().get("/app/config", api_key=key).data["enabledFeatures"]
    assert auth_me == {**users_me, "enabledFeatures": features}


def _reset_token(email: str) -> str:
    assert jobs.drain()  # the mail is sent after the answer
    message = mail.outbox(to=email, limit=1)[0]
    return re.search(r"token=([A-Za-z0-9_-]+)", message["text"]).group(1)


def test_given_a_forgotten_password_when_resetting_then_new_password_and_every_login_ends(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)

    # When the member asks for a reset: 202, and a message in the local outbox
    asked = api.fresh().post("/auth/password/forgot", {"email": member["email"]}, api_key=key)
    assert asked.status == 202
    assert jobs.drain()  # the mail is sent after the answer
    message = mail.outbox(to=member["email"], limit=1)[0]
    assert message["subject"] == "Reset your Zen Flow Studio password"  # the studio app's name (its branding)
    token = _reset_token(member["email"])
    # the table holds only the token's hash
    stored = get_repository().query(keys.user_pk(member["user"]["clientId"], member["user"]["id"]),
                                    sk_prefix="PWRESET#", consistent=True)
    assert len(stored) == 1 and token not in str(stored)

    reset = api.fresh().post("/auth/password/reset", {"token": token, "password": "a-brand-new-password"},
                             api_key=key)

    # Then the new password works, the old one does not, and the earlier logins are over
    assert reset.status == 200 and reset.data == {"passwordReset": True}
    assert _login(api, key, member["email"], member["password"]).status == 401
    assert _login(api, key, member["email"], "a-brand-new-password").status == 200
    assert api.fresh().post("/auth/refresh", {"refreshToken": member["refreshToken"]}, api_key=key).status == 401
    # and the token was single-use
    again = api.fresh().post("/auth/password/reset", {"token": token, "password": "yet-another-password"},
                             api_key=key)
    assert again.status == 400 and again.json["code"] == "INVALID_RESET_TOKEN"
    assert again.json["details"]["field"] == "token"


def test_given_an_unknown_email_when_forgetting_then_the_same_202_and_no_mail(api, demo):
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    reply = api.fresh().post("/auth/password/forgot", {"email": email}, api_key=demo["apiKeys"]["studio"])
    assert reply.status == 202
    assert reply.data == {"message": "If an account exists for this email, a reset link is on its way."}
    assert jobs.drain()
    assert mail.outbox(to=email) == []


def test_given_a_reset_token_older_than_an_hour_then_it_is_refused(api, demo, new_member, clock):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    assert api.fresh().post("/auth/password/forgot", {"email": member["email"]}, api_key=key).status == 202
    token = _reset_token(member["email"])
    clock.advance(3601)
    reply = api.fresh().post("/auth/password/reset", {"token": token, "password": "too-late-password"}, api_key=key)
    assert reply.status == 400 and reply.code == "INVALID_RESET_TOKEN" and reply.json["details"]["field"] == "token"


def test_given_a_reset_token_used_with_another_clients_key_then_it_is_refused(api, demo, new_member):
    member = new_member(demo["apiKeys"]["studio"])
    assert api.fresh().post("/auth/password/forgot", {"email": member["email"]},
                            api_key=demo["apiKeys"]["studio"]).status == 202
    token = _reset_token(member["email"])
    reply = api.fresh().post("/auth/password/reset", {"token": token, "password": "cross-client-pass"},
                             api_key=demo["apiKeys"]["partner"])
    assert reply.status == 400 and reply.code == "INVALID_RESET_TOKEN"
    assert _login(api, demo["apiKeys"]["studio"], member["email"], member["password"]).status == 200


def test_given_many_reset_requests_for_one_email_then_429(api, demo, new_member):
    member = new_member(demo["apiKeys"]["studio"])
    statuses = [api.fresh().post("/auth/password/forgot", {"email": member["email"]},
                                 api_key=demo["apiKeys"]["studio"]).status for _ in range(4)]
    assert statuses == [202, 202, 202, 429]


def test_given_an_unknown_email_then_the_same_argon2_work_as_a_wrong_password(api, demo, new_member, monkeypatch):
    """An unknown account is checked against a dummy hash made with the same parameters, so that timing does not
    tell which emails exist. Counted, not timed: each login verifies exactly one argon2id hash of today's cost."""
    from argon2 import PasswordHasher

    from shared.auth import passwords

    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    verified: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, stored_hash, password):  # type: ignore[override]
            verified.append(str(stored_hash).split("$")[3])  # the "m=...,t=...,p=..." part: the work done
            return super().verify(stored_hash, password)

    real = passwords._hasher
    monkeypatch.setattr(passwords, "_hasher", CountingHasher(
        time_cost=real.time_cost, memory_cost=real.memory_cost, parallelism=real.parallelism,
        hash_len=real.hash_len, salt_len=real.salt_len, type=real.type))
    assert _login(api, key, member["email"], "wrong-password-1").status == 401
    known = list(verified)
    verified.clear()
    assert _login(api, key, f"ghost-{uuid.uuid4().hex[:8]}@example.com", "wrong-password-1").status == 401
    assert known == verified == [f"m={passwords.MEMORY_KIB},t={passwords.TIME_COST},p={passwords.PARALLELISM}"]
