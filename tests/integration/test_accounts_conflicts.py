"""Registration when DynamoDB cancels its transaction for a conflict or for throttling. The faults are
injected with botocore's event hooks on the repository's own client (the moto server then never sees the
call), as DynamoDB would answer them; the registrations go over HTTP to the local API."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Iterator

from shared.db import keys
from shared.db.repository import get_repository
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
