"""Least privilege in template.yaml: each function may call only the DynamoDB actions its code calls and read only
the secrets it uses. The local API enforces the same policies (local/iam.py), so the end-to-end tests prove
they are wide enough; these tests prove they are no wider, and that the enforcement itself refuses."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from local import iam
from local.template import load_template

# What each function's code calls, read from its code paths (shared/domain/*, shared/auth/*, ratelimit):
#   RATE  = UpdateItem on rate-limit buckets only (partition keys RATE#...): the app factory's limiter
READ = {"GetItem", "BatchGetItem", "Query"}
EXPECTED_DYNAMODB = {
    # API key by hash, the user's revocation record, the client: GetItem only
    "AuthorizerFunction": {"GetItem"},
    "KeyAuthorizerFunction": {"GetItem"},
    # /health/detailed describes the table; nothing else but its limiter
    "HealthFunction": {"DescribeTable", "UpdateItem"},
    # client config, voucher and partner by key
    "AppFunction": {"GetItem", "UpdateItem"},
    "ContentFunction": READ | {"UpdateItem"},
    # registration and login transactions, refresh families, password resets, email index
    "AuthFunction": READ | {"PutItem", "UpdateItem", "DeleteItem"},
    # profile updates, account deletion (its own partition)
    "UsersFunction": READ | {"PutItem", "UpdateItem", "DeleteItem"},
    "OnboardingFunction": {"GetItem", "Query", "PutItem", "UpdateItem", "ConditionCheckItem"},
    "VoiceFunction": {"GetItem", "Query", "PutItem", "UpdateItem", "ConditionCheckItem"},
    # + DeleteItem of browse entries only, when a start moves a class to another popularity step
    "SessionsFunction": READ | {"PutItem", "UpdateItem", "DeleteItem"},
    # takes a room's ticket once (conditional delete), reads the member it stands for
    "AgentFunction": {"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"},  # + the tools
    # bookings, holds and their lock items in transactions; calendars (GSI2) and member lists (GSI1)
    "TrainersFunction": {"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"},
    # ... and the group classes of a page of the member's class places (BatchGetItem)
    "BookingsFunction": {"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"},
    "TrainerFunction": {"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"},
    # class places and waitlist tickets in transactions, the schedule (GSI1) and members' places (GSI2)
    "ClassesFunction": {"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"},
}
# Functions whose only write is the rate limiter: their UpdateItem must be fenced to RATE# partitions.
LIMITER_ONLY_WRITES = {"HealthFunction", "AppFunction", "ContentFunction"}
EXPECTED_SECRETS = {
    "AuthorizerFunction": {"JwtSigningSecret"},  # verifies access tokens
    "PartnerAuthorizerFunction": {"JwtSigningSecret"},  # verifies partner staff tokens
    "PartnerFunction": {"JwtSigningSecret"},  # issues them (/partner-auth/*)
    "AuthFunction": {"JwtSigningSecret"},  # issues them
    "VoiceFunction": {"LiveKitSecret", "HumeSecret"},  # room tokens, Hume
    "AgentFunction": {"JwtSigningSecret", "AgentWorkerSecret"},  # checks the worker, issues its credential
    "BookingsFunction": {"LiveKitSecret"},  # the call's room tokens
    "TrainerFunction": {"LiveKitSecret"},  # the trainer's side of the call
    "ContentFunction": {"VideoSigningSecret"},  # signs playback URLs
    "ClassesFunction": {"LiveKitSecret"},  # live-video class rooms
}
SECRET_ARN_VARIABLE = {"JwtSigningSecret": "JWT_SECRET_ARN", "LiveKitSecret": "LIVEKIT_SECRET_ARN",
                       "AgentWorkerSecret": "AGENT_SECRET_ARN", "HumeSecret": "HUME_SECRET_ARN",
                       "VideoSigningSecret": "VIDEO_SECRET_ARN"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "PartiQLInsert", "PartiQLUpdate",
          "PartiQLDelete"}


def _functions() -> dict[str, dict]:
    return {k: v["Properties"] for k, v in load_template()["Resources"].items()
            if v["Type"] == "AWS::Serverless::Function"}


def test_given_the_template_then_no_function_may_scan_or_holds_the_whole_crud_policy():
    for logical_id, properties in _functions().items():
        names = {name for policy in properties.get("Policies") or [] if isinstance(policy, dict) for name in policy}
        assert "DynamoDBCrudPolicy" not in names, f"{logical_id}: list the actions its code calls instead"
        assert "Scan" not in iam.function_policies()[logical_id].dynamodb_actions, logical_id


@pytest.mark.parametrize("logical_id", sorted(EXPECTED_DYNAMODB))
def test_given_a_stage_one_function_then_it_is_granted_exactly_the_dynamodb_actions_it_calls(logical_id):
    assert iam.function_policies()[logical_id].dynamodb_actions == EXPECTED_DYNAMODB[logical_id]


def test_given_the_authorizers_then_they_only_read():
    authorizers = [k for k, v in _functions().items() if v["CodeUri"].rstrip("/") == "functions/authorizer"]
    assert {"AuthorizerFunction", "KeyAuthorizerFunction"} <= set(authorizers)
    for logical_id in authorizers:
        assert not iam.function_policies()[logical_id].dynamodb_actions & WRITES, logical_id


@pytest.mark.parametrize("logical_id", sorted(LIMITER_ONLY_WRITES))
def test_given_a_read_only_function_then_its_one_write_is_fenced_to_rate_limit_buckets(logical_id):
    policies = iam.function_policies()[logical_id]
    assert policies.allows("UpdateItem", partition_key="RATE#ip#203.0.113.9")
    assert not policies.allows("UpdateItem", partition_key="CLIENT#c1#USER#u1")
    assert not policies.allows("PutItem", partition_key="RATE#ip#203.0.113.9")


def test_given_the_template_then_each_function_reads_only_the_secrets_it_uses_and_knows_only_their_arns():
    for logical_id, properties in _functions().items():
        granted = iam.function_policies()[logical_id].secrets
        assert granted == EXPECTED_SECRETS.get(logical_id, set()), logical_id
        variables = set((properties.get("Environment") or {}).get("Variables") or {})
        assert {v for v in variables if v.endswith("_SECRET_ARN")} == {SECRET_ARN_VARIABLE[s] for s in granted}, \
            logical_id


def test_given_the_template_then_each_credential_is_a_secret_of_its_own_and_no_arn_is_global():
    template = load_template()
    secrets = {k for k, v in template["Resources"].items() if v["Type"] == "AWS::SecretsManager::Secret"}
    assert secrets == set(SECRET_ARN_VARIABLE)
    assert not [v for v in template["Globals"]["Function"]["Environment"]["Variables"] if v.endswith("ARN")]


def test_given_a_function_running_locally_when_it_calls_what_its_policies_do_not_grant_then_access_is_denied(
        local_api):
    from shared.db import keys
    from shared.db.repository import get_repository

    repo = get_repository()
    bucket = keys.rate_bucket("ip#198.51.100.77")

    def content_handler(event, _context):  # stands for ContentFunction's code
        return repo.update(bucket, "SET tat = :t", values={":t": 1}, return_values="NONE") if event == "limit" \
            else repo.put({**keys.user("c-iam", "u-iam"), "name": "x"})

    as_content = iam.as_function("ContentFunction", content_handler)
    as_content("limit", None)  # its rate-limit bucket: granted
    with pytest.raises(ClientError) as denied:
        as_content("write", None)  # any other write: refused as AWS would
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "ContentFunction" in denied.value.response["Error"]["Message"]
    assert repo.get(keys.user("c-iam", "u-iam")) is None  # nothing written; outside a function, not checked


def test_given_a_function_running_locally_when_it_reads_a_secret_it_is_not_granted_then_it_is_refused(local_api):
    from shared.settings import get_secret

    def read_signing_key(_event, _context):
        return get_secret("jwtSigningKey")

    assert iam.as_function("AuthFunction", read_signing_key)(None, None)  # granted: ARN variable and policy
    for logical_id in ("KeyAuthorizerFunction", "ContentFunction", "VoiceFunction"):
        with pytest.raises(RuntimeError, match=f"local IAM: {logical_id} may not read the secret jwtSigningKey"):
            iam.as_function(logical_id, read_signing_key)(None, None)
    assert get_secret("jwtSigningKey")  # outside a function (tests, the admin CLI): not checked


def test_given_the_sessions_function_then_its_deletes_are_fenced_to_browse_entries():
    policies = iam.function_policies()["SessionsFunction"]
    assert policies.allows("DeleteItem", partition_key="CLIENT#c1#CATALOG#BROWSE#all")
    assert not policies.allows("DeleteItem", partition_key="CLIENT#c1#USER#u1")
    assert not policies.allows("DeleteItem", partition_key="CLIENT#c1#CATALOG")
