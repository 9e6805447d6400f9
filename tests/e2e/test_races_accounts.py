"""Races against the moto server, over HTTP from 10 concurrent threads (each from its own address):
uniqueness holds by conditional writes inside one transaction, never by check-then-write."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import provisioning
from tests.support.http import Api, fresh_source_ip

THREADS = 10


def _race(base: Api, bodies: list[dict], api_key: str) -> list:
    """Send every body at once: the threads wait at a barrier, then post together."""
    barrier = threading.Barrier(len(bodies))
    clients = [Api(f"http://{base.host}:{base.port}{base.prefix}", fresh_source_ip()) for _ in bodies]

    def one(i: int):
        barrier.wait()
        return clients[i].post("/auth/register", bodies[i], api_key=api_key)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, range(len(bodies))))


def _members_with(client_id: str, emails: set[str]) -> list[dict]:
    """The client's members (GSI1, a Query) whose email is one of `emails`."""
    return [u for u in get_repository().query(keys.client_users_index(client_id), index="GSI1")
            if u.get("email") in emails]


def test_given_a_single_use_voucher_when_10_register_at_once_then_exactly_one_wins(api, demo):
    # Given a fresh single-use voucher of the partner client
    partner = demo["partner"]
    voucher = provisioning.create_voucher(partner["clientId"], partner_id=partner["id"], prefix="RACE",
                                          max_redemptions=1)
    emails = [f"race-{uuid.uuid4().hex[:10]}@example.com" for _ in range(THREADS)]
    bodies = [{"email": e, "password": "securepassword", "voucherCode": voucher["code"]} for e in emails]

    # When 10 registrations use it at the same moment
    replies = _race(api, bodies, demo["apiKeys"]["partner"])

    # Then exactly one account exists, the other nine were told INVALID_VOUCHER
    statuses = sorted(r.status for r in replies)
    assert statuses == [201] + [400] * (THREADS - 1), [r.json for r in replies]
    losers = [r for r in replies if r.status == 400]
    assert {r.json["code"] for r in losers} == {"INVALID_VOUCHER"}
    assert {r.json["details"]["reason"] for r in losers} == {"redeemed"}
    winner = next(r for r in replies if r.status == 201).data["user"]
    repo = get_repository()
    stored = repo.get(keys.voucher(voucher["code"]), consistent=True)
    assert stored["redemptions"] == 1 and stored["status"] == "redeemed"
    # and no stray user or email claim is left behind by the losers
    loser_emails = set(emails) - {winner["email"]}
    for email in loser_emails:
        assert repo.get(keys.email_claim(partner["clientId"], email), consistent=True) is None
        assert repo.query(keys.email_index(email), index="GSI1") == []
    members = _members_with(partner["clientId"], set(emails))
    assert [m["id"] for m in members] == [winner["id"]]


def test_given_one_email_when_10_register_at_once_then_exactly_one_user(api, demo):
    # Given one email, written ten ways (case and spaces differ; the email is the same)
    email = f"twin-{uuid.uuid4().hex[:10]}@example.com"
    spellings = [email, email.upper(), f"  {email}", f"{email} ", email.title()] * 2
    bodies = [{"email": s, "password": "securepassword", "name": f"Twin {i}"} for i, s in enumerate(spellings)]

    # When all ten register at the same moment with the studio key
    replies = _race(api, bodies, demo["apiKeys"]["studio"])

    # Then one account, nine USER_EXISTS
    assert sorted(r.status for r in replies) == [201] + [409] * (THREADS - 1), [r.json for r in replies]
    assert {r.json["code"] for r in replies if r.status == 409} == {"USER_EXISTS"}
    studio = demo["clients"]["studio"]["id"]
    members = _members_with(studio, {email})
    assert len(members) == 1
    assert get_repository().get(keys.email_claim(studio, email), consistent=True)["userId"] == members[0]["id"]


def test_given_one_onboarding_session_when_10_register_with_it_at_once_then_it_is_merged_once(api, demo):
    # Given one onboarding session of the studio
    key = demo["apiKeys"]["studio"]
    session = f"race-{uuid.uuid4().hex}"
    saved = Api(f"http://{api.host}:{api.port}{api.prefix}", fresh_source_ip()).post(
        "/onboarding/profile", {"sessionId": session, "age": 44, "fitnessGoal": "strength"}, api_key=key)
    assert saved.status in (200, 201), saved.json
    emails = [f"onb-{uuid.uuid4().hex[:10]}@example.com" for _ in range(THREADS)]

    # When ten registrations (ten different emails) name it at the same moment
    replies = _race(api, [{"email": e, "password": "securepassword", "sessionId": session} for e in emails], key)

    # Then one account got the profile; the session could not be consumed again
    assert sorted(r.status for r in replies) == [201] + [404] * (THREADS - 1), [r.json for r in replies]
    assert {r.json["code"] for r in replies if r.status == 404} == {"ONBOARDING_SESSION_NOT_FOUND"}
    winner = next(r for r in replies if r.status == 201).data["user"]
    assert winner["profile"]["age"] == 44
    assert [m["id"] for m in _members_with(demo["clients"]["studio"]["id"], set(emails))] == [winner["id"]]
