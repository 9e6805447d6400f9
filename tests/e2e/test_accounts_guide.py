"""The guide's identity journey, sent as written (bodies byte for byte, the guide's headers) to the local API
over HTTP: "Your First API Call", "Authentication Model", "Token Refresh" and "Voucher-Based Registration".
"your-client-api-key" is the demo studio's key; the voucher requests use the key of the partner client that
owns STUDIO-ABC123 (FitCo Wellness, which requires vouchers)."""
from __future__ import annotations

import json

# The guide's curl bodies, verbatim.
REGISTER_BODY = b'''{
"email": "test@example.com",
"password": "securepassword",
"name": "Test User"
}'''
VALIDATE_BODY = b'{ "code": "STUDIO-ABC123" }'
VOUCHER_REGISTER_BODY = b'''{
"email": "user@example.com",
"password": "securepassword",
"name": "Jane Doe",
"voucherCode": "STUDIO-ABC123"
}'''
REFRESH_PLACEHOLDER_BODY = b'{ "refreshToken": "eyJhbGciOi..." }'
JSON = {"Content-Type": "application/json"}
USER_FIELDS = {"id", "email", "name", "role", "clientId", "profile", "settings", "coach", "partner", "createdAt"}


def _with_key(key: str, token: str | None = None) -> dict[str, str]:
    headers = {**JSON, "X-API-Key": key}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def test_given_the_guide_when_following_your_first_api_call_then_each_answer_is_as_shown(api, demo):
    key = demo["apiKeys"]["studio"]
    # Given the health check and the app config of the guide
    assert api.get("/health").json["data"]["status"] == "ok"
    assert api.get("/app/config", headers={"X-API-Key": key}).data["requiresVoucher"] is False

    # When the guide creates a user account under the client (curl body, byte for byte)
    reply = api.request("POST", "/auth/register", body=REGISTER_BODY, headers=_with_key(key))

    # Then 201 with the fields the guide's JavaScript destructures, flat in data
    assert reply.status == 201, reply.json
    assert reply.json["success"] is True
    data = reply.data
    access_token, refresh_token, user = data["accessToken"], data["refreshToken"], data["user"]
    assert set(data) == {"user", "accessToken", "refreshToken", "expiresIn", "client"}
    assert data["expiresIn"] == 900
    assert set(user) == USER_FIELDS
    assert user["email"] == "test@example.com" and user["name"] == "Test User" and user["role"] == "user"
    assert user["clientId"] == demo["clients"]["studio"]["id"]
    assert data["client"]["id"] == demo["clients"]["studio"]["id"] and "branding" in data["client"]
    assert "password" not in json.dumps(data).lower()
    assert access_token.count(".") == 2 and refresh_token.count(".") == 2 and access_token != refresh_token

    # When the guide uses the bearer token to fetch user-specific data (its curl has no Content-Type)
    me = api.get("/users/me", headers={"X-API-Key": key, "Authorization": f"Bearer {access_token}"})

    # Then the member it just created
    assert me.status == 200
    assert me.data == user


def test_given_the_authentication_model_then_the_key_names_the_client_and_the_bearer_the_user(api, demo, new_member):
    studio_key, partner_key = demo["apiKeys"]["studio"], demo["apiKeys"]["partner"]
    member = new_member(studio_key)

    # A user route with the key alone: 401, in the envelope
    key_only = api.get("/users/me", headers={"X-API-Key": studio_key})
    assert key_only.status == 401 and key_only.json["success"] is False and key_only.json["code"] == "UNAUTHORIZED"
    # The bearer alone: 401 too (every request carries the key)
    bearer_only = api.get("/users/me", headers={"Authorization": f"Bearer {member['accessToken']}"})
    assert bearer_only.status == 401 and bearer_only.json["success"] is False
    # Both layers: the member's data, scoped to the key's client
    both = api.get("/users/me", headers=_with_key(studio_key, member["accessToken"]))
    assert both.status == 200 and both.data["clientId"] == demo["clients"]["studio"]["id"]
    # The member's token with another client's key: refused
    crossed = api.get("/users/me", headers=_with_key(partner_key, member["accessToken"]))
    assert crossed.status == 401 and crossed.json["code"] == "UNAUTHORIZED"


def test_given_the_token_refresh_section_when_refreshing_then_a_new_pair_and_the_old_one_is_retired(
        api, demo, new_member, clock):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)

    # The guide's literal placeholder is not a token: a clean 401 envelope, no crash
    placeholder = api.request("POST", "/auth/refresh", body=REFRESH_PLACEHOLDER_BODY, headers=_with_key(key))
    assert placeholder.status == 401
    assert placeholder.json == {"success": False, "code": "INVALID_REFRESH_TOKEN",
                                "error": placeholder.json["error"], "details": {}}

    # The same request with the member's real refresh token
    body = ('{ "refreshToken": "%s" }' % member["refreshToken"]).encode()
    reply = api.request("POST", "/auth/refresh", body=body, headers=_with_key(key))
    assert reply.status == 200, reply.json
    assert set(reply.data) == {"accessToken", "refreshToken", "expiresIn"}
    assert reply.data["refreshToken"] != member["refreshToken"]
    assert reply.data["expiresIn"] == 900

    # The new access token works; the old refresh token answers the same pair for a few seconds (an app's
    # parallel refreshes), then it is retired
    assert api.get("/users/me", headers=_with_key(key, reply.data["accessToken"])).status == 200
    within_grace = api.request("POST", "/auth/refresh", body=body, headers=_with_key(key))
    assert within_grace.status == 200 and within_grace.data["refreshToken"] == reply.data["refreshToken"]
    clock.advance(31)
    again = api.request("POST", "/auth/refresh", body=body, headers=_with_key(key))
    assert again.status == 401 and again.json["code"] == "INVALID_REFRESH_TOKEN"


def test_given_the_voucher_section_when_validating_then_registering_then_the_user_is_in_the_partner_client(
        api, demo):
    key = demo["apiKeys"]["partner"]
    # GET /app/config says a voucher is needed
    assert api.get("/app/config", headers={"X-API-Key": key}).data["requiresVoucher"] is True

    # When the app validates the code (the guide's body, verbatim)
    reply = api.request("POST", "/auth/voucher/validate", body=VALIDATE_BODY, headers=_with_key(key))

    # Then it is valid, with the partner's name and the client's information
    assert reply.status == 200, reply.json
    data = reply.data
    assert data["valid"] is True and data["reason"] is None
    assert data["voucher"]["code"] == "STUDIO-ABC123" and data["voucher"]["status"] == "active"
    assert data["partner"] == {"id": "fitco-benefits", "name": "FitCo Benefits"}
    assert data["client"]["id"] == "fitco-wellness" and data["client"]["name"] == "FitCo Wellness"
    assert data["client"]["branding"]["primaryColor"] == "#7C3AED"

    # When the app registers with the code (verbatim)
    registered = api.request("POST", "/auth/register", body=VOUCHER_REGISTER_BODY, headers=_with_key(key))

    # Then user + accessToken + refreshToken, the user mapped to the partner's client
    assert registered.status == 201, registered.json
    user = registered.data["user"]
    assert user["email"] == "user@example.com" and user["name"] == "Jane Doe"
    assert user["clientId"] == "fitco-wellness"
    assert user["partner"] == {"id": "fitco-benefits", "name": "FitCo Benefits"}
    assert registered.data["client"]["id"] == "fitco-wellness"
    # and the new member reads the partner client's content with its token
    me = api.get("/users/me", headers=_with_key(key, registered.data["accessToken"]))
    assert me.status == 200 and me.data["partner"]["name"] == "FitCo Benefits"

    # Without a voucher the same client refuses registration
    no_voucher = api.post("/auth/register", {"email": "nobody@example.com", "password": "securepassword"},
                          api_key=key)
    assert no_voucher.status == 400 and no_voucher.json["code"] == "VOUCHER_REQUIRED"


def test_given_a_deep_link_when_opening_it_then_the_voucher_and_branding_without_auth(api):
    reply = api.get("/app/join/STUDIO-ABC123")
    assert reply.status == 200
    assert reply.data["valid"] is True and reply.data["partner"]["name"] == "FitCo Benefits"
