"""Registration when DynamoDB cancels its transaction for a conflict or for throttling. The faults are
injected with botocore's event hooks on the repository's own client (the moto server then never sees the
call), as DynamoDB would answer them; the registrations go over HTTP to the local API."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Iterator

import pytest

from shared.db import keys
from shared.db.repository import Action, TransactionFailed, get_repository
from shared.domain.accounts import commit
from shared.errors import AppError
from tests.support.http import Api, fresh_source_ip


@contextmanager
def cancelled_transactions(reason: str, times: int) -> Iterator[list[int]]:
    """The next `times` TransactWriteItems calls are cancelled with `reason`; yields the call counter."""
    calls = [0]

    def answer(**_: object):
        calls[0] += 1
        if calls[0] > times:
            return None  # let the call through to the moto server
        error = {"Error": {"Code": "TransactionCanceledException", "Message": f"Transaction cancelled ({reason})"},
                 "CancellationReasons": [{"Code": reason}, {"Code": "None"}]}
        return SimpleNamespace(status_code=400, headers={}), error

    events = get_repository().client.meta.events
    events.register("before-call.dynamodb.TransactWriteItems", answer, unique_id="accounts-fault")
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems", unique_id="accounts-fault")


def _register(api: Api, key: str, email: str):
    return Api(f"http://{api.host}:{api.port}{api.prefix}", fresh_source_ip()).post(
        "/auth/register", {"email": email, "password": "securepassword"}, api_key=key)


def _claim(demo: dict, email: str):
    return get_repository().get(keys.email_claim(demo["clients"]["studio"]["id"], email), consistent=True)


def test_given_a_transaction_conflict_when_registering_then_it_is_retried_and_succeeds(api, demo):
    email = f"conflict-{uuid.uuid4().hex[:10]}@example.com"
    with cancelled_transactions("TransactionConflict", times=2) as calls:
        reply = _register(api, demo["apiKeys"]["studio"], email)
    assert reply.status == 201, reply.json
    assert calls[0] == 3
    assert _claim(demo, email)["userId"] == reply.data["user"]["id"]


def test_given_conflicts_that_do_not_end_then_503_with_retry_after_and_nothing_written(api, demo):
    email = f"conflict-{uuid.uuid4().hex[:10]}@example.com"
    with cancelled_transactions("TransactionConflict", times=100) as calls:
        reply = _register(api, demo["apiKeys"]["studio"], email)
    assert reply.status == 503 and reply.json["code"] == "SERVICE_UNAVAILABLE"
    assert reply.header("Retry-After") is not None
    assert calls[0] == 4
    assert _claim(demo, email) is None


def test_given_throttling_when_registering_then_503_at_once_without_retrying(api, demo):
    email = f"throttled-{uuid.uuid4().hex[:10]}@example.com"
    with cancelled_transactions("ThrottlingError", times=100) as calls:
        reply = _register(api, demo["apiKeys"]["studio"], email)
    assert reply.status == 503 and reply.json["code"] == "SERVICE_UNAVAILABLE"
    assert calls[0] == 1
    assert _claim(demo, email) is None


def test_given_the_failing_action_anywhere_in_the_transaction_then_its_own_failure_is_the_answer(local_api):
    """Each action carries what its failed condition means (Action.failing_as): the answer does not depend on where
    the action stands in the transaction, and an action that names no failure is not given another's."""
    repo = get_repository()
    taken = {"PK": f"TEST#{uuid.uuid4().hex}", "SK": "CLAIM"}
    repo.put(taken)
    for position in range(3):
        # Given two free items and one taken claim at `position`
        free = [{"PK": f"TEST#{uuid.uuid4().hex}", "SK": "FREE"} for _ in range(2)]
        actions = [Action.put(item, "attribute_not_exists(PK)").failing_as("user") for item in free]
        actions.insert(position, Action.put(taken, "attribute_not_exists(PK)").failing_as("email"))
        # When the transaction runs, then the claim's own failure is the answer, and nothing was written
        with pytest.raises(AppError) as refused:
            commit(actions)
        assert refused.value.code == "USER_EXISTS", position
        assert all(repo.get(item, consistent=True) is None for item in free)
    # An action whose failure is not named is not mistaken for another's: the cancellation itself is raised
    with pytest.raises(TransactionFailed):
        commit([Action.put({"PK": f"TEST#{uuid.uuid4().hex}", "SK": "FREE"}).failing_as("user"),
                Action.put(taken, "attribute_not_exists(PK)")])
