"""DynamoDB misbehaving: throttling and 5xx are retried with backoff; past the retries the client gets
503 SERVICE_UNAVAILABLE with Retry-After, and nothing is left half-written."""
from __future__ import annotations

import json
import uuid

from shared.db import keys
from shared.db.repository import get_repository
from tests.support.faults import dynamodb_fault, lost_answer


def _call(gateway, method: str, path: str, key: str | None = None, body: dict | None = None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["X-API-Key"] = key
    response = gateway.handle(method, f"/api/v1{path}", headers, json.dumps(body).encode() if body else b"",
                              f"127.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}")
    return response.status, json.loads(response.body or b"{}"), response.headers


def test_given_dynamodb_throttles_every_call_then_503_with_retry_after(gateway, demo):
    code = demo["vouchers"][2]["code"]
    with dynamodb_fault("throttle") as injector:
        status, body, headers = _call(gateway, "GET", f"/app/join/{code}")
    assert status == 503 and body["code"] == "SERVICE_UNAVAILABLE" and body["success"] is False
    assert int({k.lower(): v for k, v in headers.items()}["retry-after"]) >= 1
    assert injector.injected >= 4  # botocore tried, backed off and tried again before giving up


def test_given_a_transient_5xx_then_the_retry_hides_it(gateway, demo):
    code = demo["vouchers"][2]["code"]
    with dynamodb_fault("server", "GetItem", times=2) as injector:
        status, body, _ = _call(gateway, "GET", f"/app/join/{code}")
    assert injector.injected == 2
    assert status == 200 and body["data"]["voucher"]["code"] == code


def test_given_the_registration_write_is_throttled_then_503_and_no_trace_of_the_user(gateway, demo):
    email = f"fault-{uuid.uuid4().hex[:8]}@example.com"
    registration = {"email": email, "password": "securepassword", "name": "Fault Test"}
    with dynamodb_fault("capacity", "TransactWriteItems"):
        status, body, headers = _call(gateway, "POST", "/auth/register", demo["apiKeys"]["studio"], registration)
    assert status == 503 and body["code"] == "SERVICE_UNAVAILABLE" and "retry-after" in {k.lower() for k in headers}
    studio = demo["clients"]["studio"]["id"]
    assert get_repository().get(keys.email_claim(studio, email), consistent=True) is None
    assert get_repository().query(keys.email_index(email), index="GSI1") == []

    status, body, _ = _call(gateway, "POST", "/auth/register", demo["apiKeys"]["studio"], registration)
    assert status == 201, body  # nothing half-written stood in the way


def test_given_a_voucher_registration_fails_midway_then_the_voucher_is_untouched(gateway, demo):
    """A transaction that fails in its last action (the email already taken) leaves every item as before."""
    partner_key = demo["apiKeys"]["partner"]
    voucher = demo["vouchers"][3]["code"]
    email = f"taken-{uuid.uuid4().hex[:8]}@example.com"
    status, _, _ = _call(gateway, "POST", "/auth/register", partner_key,
                         {"email": email, "password": "securepassword", "voucherCode": demo["vouchers"][4]["code"]})
    assert status == 201
    before = get_repository().get(keys.voucher(voucher), consistent=True)
    status, body, _ = _call(gateway, "POST", "/auth/register", partner_key,
                            {"email": email, "password": "securepassword", "voucherCode": voucher})
    assert status == 409 and body["code"] == "USER_EXISTS"
    assert get_repository().get(keys.voucher(voucher), consistent=True) == before


def test_given_a_registration_committed_but_its_answer_lost_then_the_retry_succeeds_and_one_account_exists(
        gateway, demo):
    # Given DynamoDB applies the registration's transaction and the answer is lost on the way back
    email = f"lost-answer-{uuid.uuid4().hex[:8]}@example.com"
    registration = {"email": email, "password": "securepassword", "name": "Lost Answer"}
    with lost_answer("TransactWriteItems") as hook:
        status, body, _ = _call(gateway, "POST", "/auth/register", demo["apiKeys"]["studio"], registration)
    # Then botocore's retry repeats the ClientRequestToken it generated: success, not USER_EXISTS against itself
    assert hook.sent == 1 and hook.first.status_code == 200, hook.first.content[:300]
    assert status == 201, body
    studio = demo["clients"]["studio"]["id"]
    claim = get_repository().get(keys.email_claim(studio, email), consistent=True)
    assert claim is not None and claim["userId"] == body["data"]["user"]["id"]


def test_given_a_conditional_put_landed_but_its_answer_lost_then_the_retry_is_not_taken_for_a_conflict(
        gateway, demo):
    # Given the login's first conditional put (its refresh-token family) lands and its answer is lost
    email = f"lost-put-{uuid.uuid4().hex[:8]}@example.com"
    registration = {"email": email, "password": "securepassword", "name": "Lost Put"}
    with lost_answer("PutItem") as hook:
        status, body, _ = _call(gateway, "POST", "/auth/register", demo["apiKeys"]["studio"], registration)
    # Then the retry finds exactly what it wrote: the put succeeded, the sign-in works (not a 500)
    assert hook.sent == 1 and hook.first.status_code == 200
    assert status == 201, body
    refreshed = gateway.handle("POST", "/api/v1/auth/refresh",
                               {"Content-Type": "application/json", "X-API-Key": demo["apiKeys"]["studio"]},
                               json.dumps({"refreshToken": body["data"]["refreshToken"]}).encode(), "127.9.9.9")
    assert refreshed.status == 200, refreshed.body  # the family the lost put wrote is the login's own
