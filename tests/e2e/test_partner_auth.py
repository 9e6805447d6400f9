"""Partner staff sign-in over HTTP: login for each role, the profile, refresh rotation with reuse detection,
logout, and the wall between partner tokens and member tokens."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support.http import Api, fresh_source_ip


def _staff(demo: dict[str, Any], role: str) -> dict[str, Any]:
    return next(s for s in demo["partnerStaff"] if s["role"] == role)


def _login(api: Api, demo: dict[str, Any], role: str) -> dict[str, Any]:
    staff = _staff(demo, role)
    reply = api.post("/partner-auth/login", {"email": staff["email"], "password": staff["password"]})
    assert reply.status == 200, reply.json
    return reply.data


@pytest.mark.parametrize("role", ["owner", "manager", "viewer"])
def test_given_a_staff_login_of_each_role_when_signing_in_then_me_shows_the_role_partner_and_permissions(
        api, demo, role):
    data = _login(api, demo, role)
    assert data["staff"]["role"] == role and data["partner"]["id"] == "fitco-benefits"
    assert data["partner"]["clientId"] == demo["clients"]["partner"]["id"]
    assert data["expiresIn"] == 900 and "passwordHash" not in str(data)
    me = api.get("/partner-auth/me", token=data["accessToken"])
    assert me.status == 200, me.json
    assert me.data["staff"]["email"] == _staff(demo, role)["email"]
    writes = "vouchers:write" in me.data["permissions"]
    assert writes == (role in ("owner", "manager"))
    assert ("staff:manage" in me.data["permissions"]) == (role == "owner")


def test_given_a_wrong_password_or_an_unknown_email_then_both_answer_invalid_credentials_alike(api, demo):
    staff = _staff(demo, "viewer")
    wrong = api.post("/partner-auth/login", {"email": staff["email"], "password": "not-the-password"})
    unknown = api.post("/partner-auth/login", {"email": f"nobody-{uuid.uuid4().hex[:6]}@example.com",
                                               "password": "not-the-password"})
    assert (wrong.status, wrong.code) == (unknown.status, unknown.code) == (401, "INVALID_CREDENTIALS")
    assert wrong.json["error"] == unknown.json["error"]


def test_given_a_member_account_then_it_cannot_sign_in_to_the_partner_portal(api, demo):
    member = next(u for u in demo["users"] if u["email"] == "member@fitco.example")
    reply = api.post("/partner-auth/login", {"email": member["email"], "password": member["password"]})
    assert (reply.status, reply.code) == (401, "INVALID_CREDENTIALS")


def test_given_a_partner_token_then_member_routes_refuse_it_and_a_member_token_is_refused_on_partner_routes(
        api, demo):
    partner_key = demo["apiKeys"]["partner"]
    staff = _login(api, demo, "owner")
    for path in ("/users/me", "/auth/me", "/sessions/history"):
        reply = api.get(path, api_key=partner_key, token=staff["accessToken"])
        assert reply.status == 401 and reply.code == "UNAUTHORIZED", (path, reply.json)
    member = next(u for u in demo["users"] if u["email"] == "member@fitco.example")
    signed_in = api.post("/auth/login", {"email": member["email"], "password": member["password"]},
                         api_key=partner_key)
    assert signed_in.status == 200
    for path in ("/partner-auth/me",):
        reply = api.get(path, token=signed_in.data["accessToken"])
        assert reply.status == 401 and reply.code == "UNAUTHORIZED", (path, reply.json)
        with_key = api.get(path, api_key=partner_key, token=signed_in.data["accessToken"])
        assert with_key.status == 401, (path, with_key.json)
    refreshed_as_partner = api.post("/partner-auth/refresh", {"refreshToken": signed_in.data["refreshToken"]})
    assert (refreshed_as_partner.status, refreshed_as_partner.code) == (401, "INVALID_REFRESH_TOKEN")
    refreshed_as_member = api.post("/auth/refresh", {"refreshToken": staff["refreshToken"]}, api_key=partner_key)
    assert (refreshed_as_member.status, refreshed_as_member.code) == (401, "INVALID_REFRESH_TOKEN")


def test_given_no_bearer_then_partner_routes_answer_401_in_the_envelope(api):
    reply = api.get("/partner-auth/me")
    assert reply.status == 401 and reply.json["success"] is False and reply.code == "UNAUTHORIZED"


def test_given_an_api_key_on_a_partner_route_then_it_must_be_the_partners_clients(api, demo):
    token = _login(api, demo, "viewer")["accessToken"]
    assert api.get("/partner-auth/me", token=token, api_key=demo["apiKeys"]["partner"]).status == 200
    other = api.get("/partner-auth/me", token=token, api_key=demo["apiKeys"]["studio"])
    assert (other.status, other.code) == (403, "FORBIDDEN")
    garbage = api.get("/partner-auth/me", token=token, api_key="not-a-key")
    assert (garbage.status, garbage.code) == (401, "INVALID_API_KEY")


def test_given_a_refresh_token_when_rotated_then_the_new_pair_works_and_reusing_the_old_one_ends_the_login(
        api, demo, clock):
    first = _login(api, demo, "manager")
    second = api.post("/partner-auth/refresh", {"refreshToken": first["refreshToken"]})
    assert second.status == 200, second.json
    assert second.data["refreshToken"] != first["refreshToken"]
    assert api.get("/partner-auth/me", token=second.data["accessToken"]).status == 200
    clock.advance(31)  # past the members' grace for a token just rotated (shared/domain/refresh_tokens.py)
    reused = api.post("/partner-auth/refresh", {"refreshToken": first["refreshToken"]})
    assert (reused.status, reused.code) == (401, "INVALID_REFRESH_TOKEN")
    successor = api.post("/partner-auth/refresh", {"refreshToken": second.data["refreshToken"]})
    assert (successor.status, successor.code) == (401, "INVALID_REFRESH_TOKEN"), "reuse must end the whole login"


def test_given_ten_parallel_refreshes_of_one_token_then_all_get_the_same_pair_and_the_login_lives(local_api, demo):
    api = Api(f"{local_api.base_url}/api/v1", fresh_source_ip())
    token = _login(api, demo, "viewer")["refreshToken"]

    def attempt(_: int) -> Any:
        return Api(f"{local_api.base_url}/api/v1", fresh_source_ip()).post(
            "/partner-auth/refresh", {"refreshToken": token})

    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(attempt, range(10)))
    assert {r.status for r in replies} == {200}, [r.json for r in replies]
    assert len({r.data["refreshToken"] for r in replies}) == 1  # one rotation; the others got its pair again
    assert api.post("/partner-auth/refresh", {"refreshToken": replies[0].data["refreshToken"]}).status == 200


def test_given_logout_then_the_refresh_token_is_dead_and_all_devices_stops_access_tokens(api, demo, clock):
    one = _login(api, demo, "owner")
    out = api.post("/partner-auth/logout", {"refreshToken": one["refreshToken"]}, token=one["accessToken"])
    assert out.status == 200 and out.data["endedLogins"] == 1
    dead = api.post("/partner-auth/refresh", {"refreshToken": one["refreshToken"]})
    assert dead.status == 401
    clock.advance(2)  # validAfter has a one-second grain
    two = _login(api, demo, "owner")
    three = _login(api, demo, "owner")
    clock.advance(1)  # tokens of the very second of a full logout still pass (shared/auth/revocation.py)
    everywhere = api.post("/partner-auth/logout", {"allDevices": True}, token=two["accessToken"])
    assert everywhere.status == 200 and everywhere.data["endedLogins"] >= 2
    refused = api.get("/partner-auth/me", token=three["accessToken"])
    assert (refused.status, refused.code) == (401, "UNAUTHORIZED")
    assert api.post("/partner-auth/refresh", {"refreshToken": three["refreshToken"]}).status == 401
    clock.advance(2)
    assert api.get("/partner-auth/me", token=_login(api, demo, "owner")["accessToken"]).status == 200


def test_given_an_expired_partner_token_then_401_token_expired(api, demo, clock):
    token = _login(api, demo, "viewer")["accessToken"]
    clock.advance(901)
    reply = api.get("/partner-auth/me", token=token)
    assert (reply.status, reply.code) == (401, "TOKEN_EXPIRED")


def test_given_ten_wrong_passwords_then_the_staff_account_is_locked_with_retry_after(api, demo):
    from shared.domain import partner_staff

    email = f"lockout-{uuid.uuid4().hex[:8]}@fitcobenefits.example"
    partner_staff.create_staff(demo["partner"]["clientId"], demo["partner"]["id"], email, "right-password",
                               role="viewer")
    for _ in range(10):
        assert api.post("/partner-auth/login", {"email": email, "password": "wrong-password"}).status == 401
    locked = api.post("/partner-auth/login", {"email": email, "password": "right-password"})
    assert (locked.status, locked.code) == (429, "RATE_LIMITED") and int(locked.header("Retry-After")) >= 1
