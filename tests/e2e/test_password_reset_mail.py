"""The reset mail as a member and an attacker meet it: the answer comes before the mail and costs the same for
every email, and the mail speaks as the member's own app (name, sender, deep link)."""
from __future__ import annotations

import json
import re
import threading
import uuid

import pytest

from shared import jobs
from shared.db.repository import get_repository
from shared.domain import accounts, clients, mail, password_reset, provisioning
from tests.support.http import Api


def _forgot(api: Api, key: str, email: str):
    return api.fresh().post("/auth/password/forgot", {"email": email}, api_key=key)


@pytest.fixture
def held_delivery(monkeypatch):
    """The real delivery job, held until the test opens the gate (so that the answer can be looked at first)."""
    gate = threading.Event()
    real = password_reset.deliver

    def held(**payload):
        gate.wait(30)
        return real(**payload)

    monkeypatch.setattr(password_reset, "deliver", held)
    yield gate
    gate.set()
    jobs.drain()


def test_given_a_member_when_asking_for_a_reset_then_the_answer_comes_before_the_mail(api, demo, new_member,
                                                                                   held_delivery):
    member = new_member(demo["apiKeys"]["studio"])

    asked = _forgot(api, demo["apiKeys"]["studio"], member["email"])

    # Then the 202 is out while nothing has been sent yet
    assert asked.status == 202
    assert mail.outbox(to=member["email"]) == []
    # and the mail follows once the job runs
    held_delivery.set()
    assert jobs.drain()
    assert len(mail.outbox(to=member["email"])) == 1


def _request_cost(api: Api, key: str, email: str) -> dict[str, int]:
    usage = get_repository().usage
    before = dict(usage.by_operation)
    assert _forgot(api, key, email).status == 202
    return {op: n - before.get(op, 0) for op, n in usage.by_operation.items() if n - before.get(op, 0)}


def test_given_a_member_and_a_stranger_then_asking_for_their_resets_costs_the_same(api, demo, new_member,
                                                                                  held_delivery):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    _request_cost(api, key, f"warm-{uuid.uuid4().hex[:8]}@example.com")  # the key's cache, the function's import

    known = _request_cost(api, key, member["email"])
    unknown = _request_cost(api, key, f"stranger-{uuid.uuid4().hex[:8]}@example.com")

    # Then the request path does the same DynamoDB calls for both (the lookup and the mail are the job's)
    assert known == unknown, (known, unknown)
    assert "PutItem" not in known and "GetItem" not in known


@pytest.fixture(scope="module")
def harbour(local_api):
    """A client with its own branding for mail, a key and a member."""
    client = provisioning.create_client("Harbour Gym", branding={
        "appName": "Harbour Gym", "mailFromName": "Harbour Gym Team", "deepLinkScheme": "harbourgym"})
    key, _ = provisioning.issue_api_key(client["id"], label="mail tests")
    email = f"sailor-{uuid.uuid4().hex[:8]}@example.com"
    accounts.create_member(client["id"], email, "harbour-password", name="Sailor")
    return {"key": key, "email": email}


def test_given_a_client_with_its_own_branding_then_the_reset_mail_speaks_as_its_app(api, harbour):
    assert _forgot(api, harbour["key"], harbour["email"]).status == 202
    assert jobs.drain()

    message = mail.outbox(to=harbour["email"], limit=1)[0]
    assert message["subject"] == "Reset your Harbour Gym password"
    assert message["from"] == "Harbour Gym Team"  # locally MAIL_FROM is unset: the name alone
    assert "your Harbour Gym account" in message["text"] and "sTvOS" not in message["text"]
    token = re.search(r"harbourgym://reset-password\?token=([A-Za-z0-9_-]+)", message["text"]).group(1)
    # and the link's token resets the password
    reset = api.fresh().post("/auth/password/reset", {"token": token, "password": "new-harbour-password"},
                             api_key=harbour["key"])
    assert reset.status == 200


def test_given_a_client_without_mail_branding_then_the_platform_link_and_its_app_name(api, demo, new_member):
    member = new_member(demo["apiKeys"]["studio"])
    assert _forgot(api, demo["apiKeys"]["studio"], member["email"]).status == 202
    assert jobs.drain()
    message = mail.outbox(to=member["email"], limit=1)[0]
    assert "studiostv://reset-password?token=" in message["text"]
    app_name = clients.branding(clients.get_client(member["user"]["clientId"]))["appName"]
    assert message["subject"] == f"Reset your {app_name} password"


@pytest.mark.parametrize("branding, link_start, name", [
    ({"deepLinkScheme": "javascript:alert(1)//"}, "studiostv://", "sTvOS"),
    ({"deepLinkScheme": "Zen.Flow"}, "zen.flow://", "sTvOS"),
    ({"appName": "Evil\r\nBcc: all@example.com"}, "studiostv://", "Evil Bcc: all@example.com"),
])
def test_given_odd_branding_then_the_mail_keeps_one_line_names_and_a_valid_scheme(branding, link_start, name):
    message = password_reset.reset_message(branding, "t" * 43)
    assert f"{link_start}reset-password?token={'t' * 43}" in message["text"]
    assert message["subject"] == f"Reset your {name} password"
    assert "\n" not in message["sender_name"] and "\r" not in message["subject"]


def test_given_mail_from_then_a_client_address_is_used_only_within_its_domain(monkeypatch):
    monkeypatch.setenv("MAIL_FROM", "noreply@mail.studiostv.net")
    assert mail.sender("Harbour Gym", "harbour@mail.studiostv.net") == "Harbour Gym <harbour@mail.studiostv.net>"
    assert mail.sender("Harbour Gym", "ceo@harbour.example") == "Harbour Gym <noreply@mail.studiostv.net>"
    assert mail.sender("Zoë's Gym", "") == "=?utf-8?q?Zo=C3=AB=27s_Gym?= <noreply@mail.studiostv.net>"
    assert mail.sender("", "") == "noreply@mail.studiostv.net"


def test_given_a_queue_batch_then_each_job_runs_and_a_broken_one_goes_back(demo, new_member, gateway):
    member = new_member(demo["apiKeys"]["studio"])
    good = {"kind": "password_reset", "payload": {"email": member["email"],
                                                  "client_ids": [member["user"]["clientId"]]}}
    event = {"Records": [
        {"messageId": "m-1", "eventSource": "aws:sqs", "body": json.dumps(good)},
        {"messageId": "m-2", "eventSource": "aws:sqs", "body": json.dumps({"kind": "unknown", "payload": {}})},
    ]}

    # When the auth function (its real handler) receives the batch from the queue
    answer = gateway.handler("AuthFunction")(event, None)

    # Then the good job sent its mail, and only the broken one is handed back for a retry
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert len(mail.outbox(to=member["email"])) == 1


def test_given_a_job_queue_when_asking_for_a_reset_then_the_job_travels_through_sqs_to_the_auth_function(
        api, demo, new_member, gateway, local_api, monkeypatch):
    """The AWS path over SQS's real wire protocol (moto's server, which also serves DynamoDB here): the request
    sends one message, and the auth function, handed the batch as Lambda's event source would, sends the mail."""
    import botocore.session

    sqs = botocore.session.get_session().create_client("sqs", region_name="us-east-1",
                                                       endpoint_url=local_api.endpoint)
    queue_url = sqs.create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", local_api.endpoint)
    monkeypatch.setenv("JOBS_QUEUE_URL", queue_url)
    jobs._sqs.cache_clear()
    member = new_member(demo["apiKeys"]["studio"])
    try:
        # When the member asks for a reset
        assert _forgot(api, demo["apiKeys"]["studio"], member["email"]).status == 202
        # Then one message waits in the queue, holding no secret, and nothing was sent yet
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
        assert len(received) == 1 and "token" not in received[0]["Body"]
        assert jobs.drain() and mail.outbox(to=member["email"]) == []
        # and the auth function, given the batch, sends the mail
        event = {"Records": [{"messageId": m["MessageId"], "eventSource": "aws:sqs", "body": m["Body"]}
                             for m in received]}
        assert gateway.handler("AuthFunction")(event, None) == {"batchItemFailures": []}
        assert len(mail.outbox(to=member["email"])) == 1
    finally:
        jobs._sqs.cache_clear()
