"""The authorizer, called with real REQUEST events against moto: its bad-input matrix."""
from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest

from local.events import authorizer_event
from local.loader import load_function

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def authorize(local_api):
    module = load_function(ROOT / "functions/authorizer", "authorizer_under_test")

    def call(headers: dict[str, str]) -> dict:
        return module.handler(authorizer_event("/api/v1/users/me", "GET", "/api/v1/users/me", headers))
    return call


def _token(client_id: str, *, user: str = "usr_test", role: str = "user", **overrides) -> str:
    from shared.auth import tokens

    if not overrides:
        return tokens.issue(user, client_id, role)[0]
    from shared.settings import get_secret, get_settings

    settings = get_settings()
    now = int(time.time())
    claims = {"sub": user, "cid": client_id, "role": role, "typ": "access", "iss": settings.jwt_issuer,
              "aud": settings.jwt_audience, "iat": now, "exp": now + 600, "jti": "j1"}
    key = overrides.pop("key", get_secret("jwtSigningKey"))
    algorithm = overrides.pop("algorithm", "HS256")
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm=algorithm)


def _denied(answer: dict) -> str:
    statement = answer["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Deny"
    return answer["context"]["errorCode"]


def test_given_a_valid_key_and_token_then_allow_for_the_whole_api_with_a_flat_context(authorize, demo):
    studio = demo["clients"]["studio"]["id"]
    answer = authorize({"X-API-Key": demo["apiKeys"]["studio"], "Authorization": f"Bearer {_token(studio)}"})
    statement = answer["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"].endswith(":local/v1/*/*")
    context = answer["context"]
    assert context["clientId"] == studio and context["userId"] == "usr_test" and context["role"] == "user"
    assert context["universal"] == "false" and context["keyId"].startswith("key_")
    token = _token(studio)
    claims = jwt.decode(token, options={"verify_signature": False})
    again = authorize({"X-API-Key": demo["apiKeys"]["studio"], "Authorization": f"Bearer {token}"})
    assert again["context"]["tokenIatMs"] == str(claims["iatMs"])  # revocation compares it with validAfterMs
    assert again["context"]["tokenType"] == "access" and again["context"]["agentScope"] == ""
    assert again["context"]["tokenExp"] == str(claims["exp"])
    assert all(isinstance(v, str) for v in context.values())
    assert answer["usageIdentifierKey"]


def test_given_only_a_key_then_allow_without_a_user(authorize, demo):
    answer = authorize({"x-api-key": demo["apiKeys"]["partner"]})
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert answer["context"]["clientId"] == demo["clients"]["partner"]["id"]
    assert answer["context"]["userId"] == ""


@pytest.mark.parametrize("key", ["stv_live_unknownunknownunknown", "garbage", "stv_live_\u00e9\u00e9", "x" * 5000,
                                 "stv_live_' OR 1=1 --"])
def test_given_an_unknown_or_garbage_key_then_invalid_api_key(authorize, key):
    assert _denied(authorize({"X-API-Key": key})) == "INVALID_API_KEY"


def test_given_a_revoked_key_then_invalid_api_key(authorize, demo):
    from shared.auth.identity import forget_cached_keys
    from shared.domain import provisioning

    raw, record = provisioning.issue_api_key(demo["clients"]["studio"]["id"], label="to revoke")
    assert authorize({"X-API-Key": raw})["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    provisioning.revoke_api_key(demo["clients"]["studio"]["id"], record["keyId"])
    forget_cached_keys()  # the in-memory cache keeps a key for API_KEY_CACHE_SECONDS at most
    assert _denied(authorize({"X-API-Key": raw})) == "INVALID_API_KEY"


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "Bearer not.a.jwt", "Bearer a.b",
                                    "bearer \x00\x01", "Token xyz"])
def test_given_a_malformed_bearer_then_unauthorized(authorize, demo, header):
    assert _denied(authorize({"X-API-Key": demo["apiKeys"]["studio"], "Authorization": header})) == "UNAUTHORIZED"


def test_given_alg_none_then_unauthorized(authorize, demo):
    studio = demo["clients"]["studio"]["id"]
    forged = _token(studio, algorithm="none", key=None, role="platform_admin")
    assert _denied(authorize({"X-API-Key": demo["apiKeys"]["studio"], "Authorization": f"Bearer {forged}"})) \
        == "UNAUTHORIZED"


def test_given_a_wrong_signature_then_unauthorized(authorize, demo):
    studio = demo["clients"]["studio"]["id"]
    forged = _token(studio, key="another-secret-of-enough-length-0123456789abcdef")
    assert _denied(authorize({"X-API-Key": demo["apiKeys"]["studio"], "Authorization": f"Bearer {forged}"})) \
        == "UNAUTHORIZED"


def test_given_an_expired_token_then_token_expired(authorize, demo):
    studio = demo["clients"]["studio"]["id"]
    old = _token(studio, iat=int(time.time()) - 2000, exp=int(time.time()) - 1000)
    assert _denied(authorize({"X-API-Key": demo["apiKeys"]["studio"], "Authorization": f"Bearer {old}"})) \
        == "TOKEN_EXPIRED"


@pytest.mark.parametrize("claim,value", [("iss", "https://evil.example"), ("aud", "other-api"),
                                         ("typ", "refresh")])
def test_given_a_token_with_a_foreign_issuer_audience_or_type_then_unauthorized(authorize, demo, claim, value):
    studio = demo["clients"]["studio"]["id"]
    token = _token(studio, **{claim: value})
    assert _denied(authorize({"X-API-Key": demo["apiKeys"]["studio"], "Authorization": f"Bearer {token}"})) \
        == "UNAUTHORIZED"


def test_given_a_token_of_client_a_with_the_key_of_client_b_then_refused(authorize, demo):
    studio_token = _token(demo["clients"]["studio"]["id"])
    answer = authorize({"X-API-Key": demo["apiKeys"]["partner"], "Authorization": f"Bearer {studio_token}"})
    assert _denied(answer) == "UNAUTHORIZED"


def test_given_the_universal_key_and_a_token_then_the_client_comes_from_the_token(authorize, demo):
    partner = demo["clients"]["partner"]["id"]
    answer = authorize({"X-API-Key": demo["apiKeys"]["universal"], "Authorization": f"Bearer {_token(partner)}"})
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert answer["context"]["clientId"] == partner and answer["context"]["universal"] == "true"


def test_given_no_headers_at_all_then_the_anonymous_identity(authorize):
    answer = authorize({})
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert answer["context"]["clientId"] == "" and answer["context"]["keyId"] == ""


def test_given_the_key_only_authorizer_then_its_cached_answer_ignores_any_bearer(demo):
    """API Gateway caches the key-only authorizer per X-API-Key: its answer must not carry a member's identity
    (or, with the universal key, a member's client) to the next caller with the same key."""
    module = load_function(ROOT / "functions/authorizer", "authorizer_under_test")
    partner = demo["clients"]["partner"]["id"]
    for key, expected_client in ((demo["apiKeys"]["partner"], partner), (demo["apiKeys"]["universal"], "")):
        event = authorizer_event("/api/v1/content/classes", "GET", "/api/v1/content/classes",
                                 {"X-API-Key": key, "Authorization": f"Bearer {_token(partner)}"})
        answer = module.key_only_handler(event)
        assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
        assert answer["context"]["userId"] == "" and answer["context"]["role"] == ""
        assert answer["context"]["clientId"] == expected_client
