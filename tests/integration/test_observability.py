"""Observability as an operator meets it: every log line of an invocation carries its correlation id (API
Gateway's request id), Lambda's request id and the cold-start flag; the events an operator alerts on become
CloudWatch metrics in the embedded metric format."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from shared import metrics
from tests.support.faults import dynamodb_fault
from tests.support.http import Api

ROOT = Path(__file__).resolve().parents[2]

# Two invocations of one function in a fresh process (a new container), each answered with a logged refusal.
CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from local.loader import load_function
from local.events import proxy_event

class Context:
    memory_limit_in_mb, invoked_function_arn = 256, "arn:aws:lambda:us-east-1:1:function:f"
    def __init__(self, n, name):
        self.aws_request_id, self.function_name = f"lambda-{n}", name

function = sys.argv[2]
module = load_function(Path(sys.argv[1]) / "functions" / function, "app")
for n in (1, 2):
    if function == "authorizer":
        event = {"type": "REQUEST", "headers": {"X-API-Key": "not-a-key"}, "requestContext": {"requestId": f"gw-{n}"},
                 "methodArn": "arn:aws:execute-api:us-east-1:1:api/v1/GET/api/v1/users/me"}
        answer = module.handler(event, Context(n, "stvos-authorizer"))
        assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    else:
        event = proxy_event("/api/v1/agent/credentials", "POST", "/api/v1/agent/credentials",
                            headers={"Content-Type": "application/json", "X-Agent-Secret": "not-the-secret"},
                            body=json.dumps({"ticket": "c1." + "A" * 43}), request_id=f"gw-{n}")
        answer = module.handler(event, Context(n, "stvos-agent"))
        assert answer["statusCode"] == 401, answer
"""


def _log_lines(function: str) -> list[dict]:
    env = {**os.environ, "RATE_LIMITS_ENABLED": "false", "POWERTOOLS_LOG_LEVEL": "INFO"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), function], env=env, capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("function", ["authorizer", "agent"])
def test_given_a_new_container_when_two_requests_log_then_each_line_has_its_ids_and_only_the_first_is_cold(
        function):
    lines = [line for line in _log_lines(function) if line.get("securityEvent")]
    assert [line["correlation_id"] for line in lines] == ["gw-1", "gw-2"]
    assert [line["requestId"] for line in lines] == ["gw-1", "gw-2"]
    assert [line["function_request_id"] for line in lines] == ["lambda-1", "lambda-2"]
    assert [line["cold_start"] for line in lines] == [True, False]
    assert {line["function_name"] for line in lines} == {f"stvos-{function}"}


def test_given_lambda_when_an_event_is_counted_then_one_embedded_metric_format_line_is_printed(monkeypatch, capsys):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "stvos-auth")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "auth")
    metrics.record(metrics.FAILED_LOGINS)
    (line,) = capsys.readouterr().out.splitlines()
    document = json.loads(line)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "sTvOS"
    assert directive["Metrics"] == [{"Name": "FailedLogins", "Unit": "Count"}]
    assert all(name in document for dimensions in directive["Dimensions"] for name in dimensions)
    assert document["service"] == "auth" and document["FailedLogins"] == 1
    assert isinstance(document["_aws"]["Timestamp"], int)


def _counted(name: str) -> int:
    return len(metrics.recent(name))


def test_given_wrong_passwords_until_the_lockout_then_failed_logins_and_the_rate_limit_are_counted(
        local_api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    failed, limited = _counted("FailedLogins"), _counted("RateLimited")
    statuses = [Api(f"{local_api.base_url}/api/v1").post(
        "/auth/login", {"email": member["email"], "password": "not-the-password"}, api_key=key).status
        for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    assert _counted("FailedLogins") - failed == 10
    assert _counted("RateLimited") - limited == 1


def test_given_a_refresh_token_presented_after_its_grace_then_refresh_reuse_is_counted(
        local_api, demo, new_member, clock):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    api = Api(f"{local_api.base_url}/api/v1")
    assert api.post("/auth/refresh", {"refreshToken": member["refreshToken"]}, api_key=key).status == 200
    clock.advance(120)  # past the rotation's grace period
    before = _counted("RefreshReuse")
    assert api.post("/auth/refresh", {"refreshToken": member["refreshToken"]}, api_key=key).status == 401
    assert _counted("RefreshReuse") - before == 1


def test_given_dynamodb_failing_past_its_retries_then_the_503_is_counted_as_a_server_error(local_api, demo,
                                                                                            new_member):
    member = new_member(demo["apiKeys"]["studio"])
    before = _counted("ServerErrors")
    with dynamodb_fault("server", "Query"):
        reply = Api(f"{local_api.base_url}/api/v1").get("/sessions/history", api_key=demo["apiKeys"]["studio"],
                                                        token=member["accessToken"])
    assert reply.status == 503
    assert _counted("ServerErrors") - before == 1


def test_given_a_registration_cancelled_by_a_concurrent_transaction_then_the_conflict_is_counted_and_retried(
        local_api, demo):
    before = _counted("TransactionConflicts")
    body = {"email": f"conflict-{uuid.uuid4().hex[:10]}@example.com", "password": "securepassword"}
    with dynamodb_fault("conflict", "TransactWriteItems", times=1) as injected:
        reply = Api(f"{local_api.base_url}/api/v1").post("/auth/register", body, api_key=demo["apiKeys"]["studio"])
    assert injected.injected == 1
    assert reply.status == 201  # the retry after the conflict went through
    assert _counted("TransactionConflicts") - before == 1
