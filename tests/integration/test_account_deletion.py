"""DELETE /users/me is resumable and idempotent: a deletion that fails half-way (DynamoDB faults injected with
botocore's own event hooks, tests/support/faults.py) leaves an account that cannot be used but can be deleted
again with the same token, and the retry finishes it; concurrent deletions count the coach once."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.db import keys
from shared.db.repository import get_repository
from tests.support.faults import dynamodb_fault
from tests.support.http import gateway_call as _call


def _member_with_history(gateway: Any, key: str, studio: str, hours: int) -> dict[str, Any]:
    """A member of coach 5 whose partition holds `hours` watch-hour items besides the usual ones."""
    email = f"leaver-{uuid.uuid4().hex[:10]}@example.com"
    status, body = _call(gateway, "POST", "/auth/register", key,
                         body={"email": email, "password": "securepassword", "coachId": 5})
    assert status == 201, body
    member = {"email": email, **body["data"]}
    repo = get_repository()
    for hour in range(hours):
        repo.put({**keys.viewing_hour(studio, member["user"]["id"], 490_000 + hour), "seconds": 60})
    return member


def _left_of(studio: str, user_id: str, email: str) -> dict[str, Any]:
    repo = get_repository()
    return {"partition": repo.query(keys.user_pk(studio, user_id), consistent=True),
            "claim": repo.get(keys.email_claim(studio, email), consistent=True)}


def test_given_a_deletion_that_fails_half_way_then_the_same_token_finishes_it_on_retry(gateway, demo):
    key, studio = demo["apiKeys"]["studio"], demo["clients"]["studio"]["id"]
    repo = get_repository()
    coach_before = repo.get(keys.coach(studio, 5), consistent=True)["memberCount"]
    member = _member_with_history(gateway, key, studio, hours=150)  # more than one step of 100
    user_id, token = member["user"]["id"], member["accessToken"]
    coach_with = repo.get(keys.coach(studio, 5), consistent=True)["memberCount"]
    assert coach_with == coach_before + 1

    # When DynamoDB fails for good after the first two transactions (the mark and the first step of deletes)
    with dynamodb_fault("server", "TransactWriteItems", after=2) as injector:
        status, body = _call(gateway, "DELETE", "/users/me", key, token)
    assert injector.injected >= 1
    assert status == 503 and body["code"] == "SERVICE_UNAVAILABLE"

    # Then the account is half gone: it cannot be used (no profile, no sign-in, the email still held)...
    left = _left_of(studio, user_id, email=member["email"])
    assert 0 < len(left["partition"]) < 150 and left["claim"] is not None
    assert _call(gateway, "GET", "/users/me", key, token)[0] == 404
    assert _call(gateway, "PATCH", "/users/me", key, token, body={"name": "Still Here"})[0] == 404
    assert _call(gateway, "POST", "/auth/login", key,
                 body={"email": member["email"], "password": "securepassword"})[0] == 401
    # ...but it can be deleted again with the same token, which finishes the work and counts the coach once
    status, body = _call(gateway, "DELETE", "/users/me", key, token)
    assert status == 200 and body["data"] == {"deleted": True, "id": user_id}
    assert _left_of(studio, user_id, member["email"]) == {"partition": [], "claim": None}
    assert repo.get(keys.coach(studio, 5), consistent=True)["memberCount"] == coach_before
    assert _call(gateway, "GET", "/users/me", key, token)[0] == 401
    status, body = _call(gateway, "POST", "/auth/register", key,
                         body={"email": member["email"], "password": "securepassword"})
    assert status == 201 and body["data"]["user"]["id"] != user_id


def test_given_the_finishing_transaction_fails_then_the_account_is_still_deletable(gateway, demo):
    key, studio = demo["apiKeys"]["studio"], demo["clients"]["studio"]["id"]
    member = _member_with_history(gateway, key, studio, hours=3)
    user_id, token = member["user"]["id"], member["accessToken"]
    # When every step succeeds but the last transaction (user item, email claim, revocation) keeps failing
    with dynamodb_fault("throttle", "TransactWriteItems", after=2):  # the mark, one step of deletes
        status, _ = _call(gateway, "DELETE", "/users/me", key, token)
    assert status == 503
    # Then no revocation was written, so the token still reaches DELETE, and the retry completes
    assert get_repository().get(keys.token_revocation(studio, user_id), consistent=True) is None
    status, body = _call(gateway, "DELETE", "/users/me", key, token)
    assert status == 200 and body["data"]["deleted"] is True
    assert _left_of(studio, user_id, member["email"]) == {"partition": [], "claim": None}


def test_given_five_concurrent_deletions_then_one_account_is_deleted_and_the_coach_counted_once(gateway, demo):
    key, studio = demo["apiKeys"]["studio"], demo["clients"]["studio"]["id"]
    repo = get_repository()
    coach_before = repo.get(keys.coach(studio, 5), consistent=True)["memberCount"]
    member = _member_with_history(gateway, key, studio, hours=30)
    token = member["accessToken"]
    # When the app sends DELETE five times at once
    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = list(pool.map(lambda _: _call(gateway, "DELETE", "/users/me", key, token)[0], range(5)))
    # Then each answer is a success or, once the deletion had finished, the token's refusal; nothing remains
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 401}, statuses
    assert _left_of(studio, member["user"]["id"], member["email"]) == {"partition": [], "claim": None}
    assert repo.get(keys.coach(studio, 5), consistent=True)["memberCount"] == coach_before
