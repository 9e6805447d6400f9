"""The login lockout and the reset-mail limit, as an attacker meets them: parallel guesses are counted before any
password is verified, and the buckets belong to one client's account, so that another studio's key can neither
lock a member out nor use up the member's reset mails."""
from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher

from shared import jobs
from shared.auth import passwords
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import accounts, mail
from tests.support.http import Api, fresh_source_ip

GUESSES = 30


def _login(api: Api, key: str, email: str, password: str):
    return api.fresh().post("/auth/login", {"email": email, "password": password}, api_key=key)


def _stored_hash(member: dict) -> str:
    user = get_repository().get(keys.user(member["user"]["clientId"], member["user"]["id"]), consistent=True)
    return str(user["passwordHash"])


class _CountingHasher(PasswordHasher):
    """The real argon2id hasher, counting the verifications of one account's hash (the work an attacker gets)."""

    def __init__(self, account_hash: str, real: PasswordHasher) -> None:
        super().__init__(time_cost=real.time_cost, memory_cost=real.memory_cost, parallelism=real.parallelism,
                         hash_len=real.hash_len, salt_len=real.salt_len, type=real.type)
        self.account_hash = account_hash
        self.verified = 0
        self.lock = threading.Lock()
        self.ten_started = threading.Event()

    def verify(self, hash, password):  # type: ignore[override]  # noqa: A002 - argon2's own parameter name
        if hash == self.account_hash:
            with self.lock:
                self.verified += 1
                if self.verified >= accounts.LOGIN_BURST:
                    self.ten_started.set()
        return super().verify(hash, password)


def test_given_30_parallel_guesses_with_the_right_password_last_then_at_most_10_are_verified(
        api, gateway, demo, new_member, monkeypatch):
    # Given a member, and an attacker with 29 wrong guesses and the right password as the 30th
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    hasher = _CountingHasher(_stored_hash(member), passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    guesses = [f"wrong-guess-{n:02d}" for n in range(GUESSES - 1)] + [member["password"]]
    barrier = threading.Barrier(GUESSES - 1)
    others_done = threading.Semaphore(0)

    def attempt(n: int):
        if n < GUESSES - 1:
            barrier.wait()
        else:  # the right password goes last: once ten verifications are under way, or every guess answered
            if not hasher.ten_started.wait(timeout=60):
                for _ in range(GUESSES - 1):
                    others_done.acquire(timeout=60)
        body = json.dumps({"email": member["email"], "password": guesses[n]}).encode()
        try:
            return gateway.handle("POST", "/api/v1/auth/login", {"X-API-Key": key, "Content-Type": "application/json"},
                                  body, fresh_source_ip())
        finally:
            others_done.release()

    # When all 30 are sent in parallel (through the same gateway, authorizer and function as over HTTP)
    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        replies = list(pool.map(attempt, range(GUESSES)))

    # Then at most ten passwords were verified, the rest were refused before argon2, and the right one is locked out
    statuses = [r.status for r in replies]
    assert hasher.verified <= accounts.LOGIN_BURST, (hasher.verified, statuses)
    assert statuses.count(401) <= accounts.LOGIN_BURST and set(statuses) <= {401, 429}, statuses
    assert statuses[-1] == 429 and json.loads(replies[-1].body)["code"] == "RATE_LIMITED"
    assert {k.lower(): v for k, v in replies[-1].headers.items()}["retry-after"].isdigit()
    # and the lock holds for the next attempt too
    assert _login(api, key, member["email"], member["password"]).status == 429


def test_given_a_right_password_then_its_reserved_attempt_is_given_back(api, demo, new_member):
    # Given a member who mistyped nine times
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    for _ in range(accounts.LOGIN_BURST - 1):
        assert _login(api, key, member["email"], "mistyped-password").status == 401
    # When the member signs in right, three times over
    for _ in range(3):
        assert _login(api, key, member["email"], member["password"]).status == 200
    # Then the successes cost nothing: one more mistake is still allowed before the lock
    assert _login(api, key, member["email"], "mistyped-password").status == 401
    assert _login(api, key, member["email"], "mistyped-password").status == 429


def test_given_another_studios_key_when_guessing_a_members_password_then_the_member_is_not_locked_out(
        api, demo, new_member):
    # Given a member of the studio
    member = new_member(demo["apiKeys"]["studio"])
    # When someone with FitCo's public key fails 12 logins with the member's email
    replies = [_login(api, demo["apiKeys"]["partner"], member["email"], "guess-guess") for _ in range(12)]
    # Then each is a plain 401 (there is no such account at FitCo, so nothing is counted anywhere)
    assert {r.status for r in replies} == {401}
    assert get_repository().get(keys.rate_bucket(accounts.login_scope("fitco-wellness", member["email"])),
                                consistent=True) is None
    # and the member signs in to their own studio at once
    assert _login(api, demo["apiKeys"]["studio"], member["email"], member["password"]).status == 200


def test_given_an_email_in_two_studios_when_one_is_locked_then_the_other_signs_in(api, demo, new_member):
    # Given one person with an account in the studio and another at FitCo (same email, different passwords)
    email = f"both-{uuid.uuid4().hex[:10]}@example.com"
    assert api.fresh().post("/auth/register", {"email": email, "password": "studio-password"},
                            api_key=demo["apiKeys"]["studio"]).status == 201
    assert api.fresh().post("/auth/register", {"email": email, "password": "fitco-password",
                                               "voucherCode": "STUDIO-ABC123"},
                            api_key=demo["apiKeys"]["partner"]).status == 201
    # When the FitCo account is locked by ten failures through FitCo's key
    for _ in range(accounts.LOGIN_BURST):
        assert _login(api, demo["apiKeys"]["partner"], email, "guess-guess").status == 401
    assert _login(api, demo["apiKeys"]["partner"], email, "fitco-password").status == 429
    # Then the studio account is untouched
    assert _login(api, demo["apiKeys"]["studio"], email, "studio-password").status == 200
    # and with the universal key, a login that would also try the locked account waits (429) until the app
    # names the studio with clientId
    universal = api.fresh().post("/auth/login", {"email": email, "password": "studio-password"},
                                 api_key=demo["apiKeys"]["universal"])
    assert universal.status == 429
    chosen = api.fresh().post("/auth/login", {"email": email, "password": "studio-password",
                                              "clientId": demo["clients"]["studio"]["id"]},
                              api_key=demo["apiKeys"]["universal"])
    assert chosen.status == 200 and chosen.data["client"]["id"] == demo["clients"]["studio"]["id"]


def test_given_a_lockout_then_a_security_event_names_the_account_by_id_only(api, demo, new_member, monkeypatch):
    member = new_member(demo["apiKeys"]["studio"])
    seen: list[tuple[str, dict]] = []
    real = accounts.security_event
    monkeypatch.setattr(accounts, "security_event", lambda event, **f: (seen.append((event, f)), real(event, **f)))
    for _ in range(accounts.LOGIN_BURST):
        _login(api, demo["apiKeys"]["studio"], member["email"], "guess-guess")
    assert seen == []
    assert _login(api, demo["apiKeys"]["studio"], member["email"], "guess-guess").status == 429
    assert [event for event, _ in seen] == ["login_locked"]
    fields = seen[0][1]
    assert fields["userId"] == member["user"]["id"] and fields["clientId"] == member["user"]["clientId"]
    assert member["email"] not in str(fields) and "guess-guess" not in str(fields)


def test_given_four_reset_requests_through_another_studio_then_the_members_own_reset_still_comes(
        api, demo, new_member):
    # Given a member of the studio
    member = new_member(demo["apiKeys"]["studio"])
    # When someone with FitCo's key asks four times for the member's email
    statuses = [api.fresh().post("/auth/password/forgot", {"email": member["email"]},
                                 api_key=demo["apiKeys"]["partner"]).status for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    assert jobs.drain()
    assert mail.outbox(to=member["email"]) == []
    # Then the member's own app still gets the reset mail through
    asked = api.fresh().post("/auth/password/forgot", {"email": member["email"]}, api_key=demo["apiKeys"]["studio"])
    assert asked.status == 202
    assert jobs.drain()
    assert len(mail.outbox(to=member["email"])) == 1
