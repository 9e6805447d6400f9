"""Every error from every layer reaches the client in the envelope, over HTTP against the local API."""
from __future__ import annotations

import pytest


def _envelope(reply, status: int, code: str) -> None:
    """The error envelope, whatever layer answered: `details` in its kind's shape, and the request's id."""
    assert reply.status == status, reply.raw
    body = reply.json
    assert body["success"] is False and body["code"] == code and isinstance(body["error"], str)
    assert "message" not in body
    assert isinstance(body["details"], list if code == "VALIDATION_ERROR" else dict), body
    assert reply.header("X-Request-Id"), reply.headers


def test_given_a_key_only_route_without_a_key_then_401_from_the_gateway(api):
    _envelope(api.post("/auth/register", {"email": "a@b.co", "password": "securepassword"}), 401, "UNAUTHORIZED")


def test_given_a_user_route_with_a_key_but_no_bearer_then_401(api, demo):
    _envelope(api.get("/users/me", api_key=demo["apiKeys"]["studio"]), 401, "UNAUTHORIZED")


@pytest.mark.parametrize("key", ["nonsense", "stv_live_doesnotexistdoesnotexist", "\u2603"])
def test_given_a_garbage_key_then_401_invalid_api_key(api, key):
    reply = api.get("/app/config", headers={"X-API-Key": key.encode("utf-8").decode("latin-1")})
    _envelope(reply, 401, "INVALID_API_KEY")


def test_given_a_garbage_bearer_then_401_unauthorized(api, demo):
    reply = api.get("/users/me", api_key=demo["apiKeys"]["studio"], headers={"Authorization": "Bearer x.y.z"})
    _envelope(reply, 401, "UNAUTHORIZED")


def test_given_another_clients_token_then_refused_and_nothing_is_read(api, demo):
    from shared.auth import tokens

    token, _ = tokens.issue("usr_someone", demo["clients"]["studio"]["id"], "user")
    _envelope(api.get("/users/me", api_key=demo["apiKeys"]["partner"], token=token), 401, "UNAUTHORIZED")


def test_given_optional_bearer_routes_then_a_bad_bearer_is_still_refused(api, demo):
    reply = api.get("/app/config", api_key=demo["apiKeys"]["studio"], headers={"Authorization": "Bearer junk"})
    _envelope(reply, 401, "UNAUTHORIZED")


@pytest.mark.parametrize("method", ["DELETE", "TRACE", "PATCH"])
def test_given_a_method_the_path_does_not_serve_then_405_in_the_envelope(api, method):
    reply = api.request(method, "/health")
    _envelope(reply, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in (reply.header("Allow") or "")


def test_given_a_method_a_path_with_four_methods_does_not_serve_then_allow_lists_all_four(api, demo):
    # Given: /users/me serves GET, PUT, PATCH and DELETE. When: POST is sent
    reply = api.post("/users/me", {}, api_key=demo["apiKeys"]["studio"])
    # Then: 405, and Allow (and details) name every method of the path, not only the first route's
    _envelope(reply, 405, "METHOD_NOT_ALLOWED")
    assert reply.header("Allow") == "DELETE, GET, PATCH, PUT"
    assert reply.json["details"] == {"allowed": ["DELETE", "GET", "PATCH", "PUT"]}


def test_given_a_client_over_its_quota_then_the_gateways_429_exposes_retry_after_and_carries_a_request_id(api):
    from shared.domain import provisioning

    # Given: a client whose usage plan allows one request a second, burst one
    client = provisioning.create_client("Tiny Quota Gym", quota={"ratePerSecond": 1, "burst": 1})
    key, _ = provisioning.issue_api_key(client["id"], label="quota test")
    # When: it sends requests back to back
    replies = [api.post("/auth/voucher/validate", {"code": "NOPE"}, api_key=key) for _ in range(5)]
    # Then: API Gateway's own 429 is the envelope, with Retry-After a browser app may read, and a request id
    throttled = next(r for r in replies if r.status == 429)
    _envelope(throttled, 429, "RATE_LIMITED")
    assert int(throttled.header("Retry-After")) >= 1 and throttled.json["details"]["retryAfter"] >= 1
    exposed = {h.strip().lower() for h in throttled.header("Access-Control-Expose-Headers").split(",")}
    assert {"retry-after", "x-request-id"} <= exposed


def test_given_a_wrong_method_on_a_user_route_then_405_without_reaching_any_data(api, demo):
    _envelope(api.request("PUT", "/content/discover", api_key=demo["apiKeys"]["studio"]), 405,
              "METHOD_NOT_ALLOWED")


def test_given_a_body_over_the_gateway_limit_then_413(api, demo):
    reply = api.post("/auth/login", body=b"{" + b" " * (11 * 1024 * 1024) + b"}", api_key=demo["apiKeys"]["studio"],
                     headers={"Content-Type": "application/json"})
    _envelope(reply, 413, "PAYLOAD_TOO_LARGE")
