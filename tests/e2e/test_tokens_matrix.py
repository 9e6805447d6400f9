"""The token matrix, over HTTP: every token that must not work is refused with a 401 envelope, and a reused
refresh token revokes its whole login, successors included. Logout ends logins and, when full, access
tokens too."""
from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from shared.auth import tokens
from tests.support.http import Api


def _b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def member(new_member, demo):
    return new_member(demo["apiKeys"]["studio"])


def _me(api: Api, key: str, token: str):
    return api.fresh().get("/users/me", api_key=key, token=token)


def test_given_an_expired_access_token_then_401_token_expired(api, demo, member, clock):
    key = demo["apiKeys"]["studio"]
    assert _me(api, key, member["accessToken"]).status == 200
    clock.advance(901)
    reply = _me(api, key, member["accessToken"])
    assert reply.status == 401 and reply.json["code"] == "TOKEN_EXPIRED" and reply.json["success"] is False


def test_given_a_token_signed_with_another_key_then_401(api, demo, member):
    forged = jwt.encode(_claims(member["accessToken"]), "another-signing-key-0123456789abcdef0123456789",
                        algorithm="HS256")
    reply = _me(api, demo["apiKeys"]["studio"], forged)
    assert reply.status == 401 and reply.json["code"] == "UNAUTHORIZED"


def test_given_an_unsigned_alg_none_token_then_401(api, demo, member):
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(member['accessToken']))}."
    reply = _me(api, demo["apiKeys"]["studio"], unsigned)
    assert reply.status == 401 and reply.json["code"] == "UNAUTHORIZED"


def test_given_a_refresh_token_used_as_an_access_token_then_401(api, demo, member):
    reply = _me(api, demo["apiKeys"]["studio"], member["refreshToken"])
    assert reply.status == 401 and reply.json["code"] == "UNAUTHORIZED"


def test_given_an_access_token_used_as_a_refresh_token_then_401_invalid_refresh_token(api, demo, member):
    reply = api.fresh().post("/auth/refresh", {"refreshToken": member["accessToken"]},
                             api_key=demo["apiKeys"]["studio"])
    assert reply.status == 401 and reply.json["code"] == "INVALID_REFRESH_TOKEN"


def test_given_client_a_tokens_with_client_b_key_then_both_are_refused(api, demo, member):
    partner_key = demo["apiKeys"]["partner"]
    assert _me(api, partner_key, member["accessToken"]).status == 401
    refreshed = api.fresh().post("/auth/refresh", {"refreshToken": member["refreshToken"]}, api_key=partner_key)
    assert refreshed.status == 401 and refreshed.json["code"] == "INVALID_REFRESH_TOKEN"
    # and the refused attempt did not spend the token: its own client still refreshes it
    own = api.fresh().post("/auth/refresh", {"refreshToken": member["refreshToken"]},
                           api_key=demo["apiKeys"]["studio"])
    assert own.status == 200


def test_given_a_refresh_token_from_a_forged_family_then_401(api, demo, member):
    claims = _claims(member["refreshToken"])
    forged, _ = tokens.issue(claims["sub"], claims["cid"], "user", typ="refresh", ttl_seconds=3600,
                             extra={"fam": "fam_000000000000000000000000"})
    reply = api.fresh().post("/auth/refresh", {"refreshToken": forged}, api_key=demo["apiKeys"]["studio"])
    assert reply.status == 401 and reply.json["code"] == "INVALID_REFRESH_TOKEN"


def test_given_a_reused_refresh_token_then_the_login_and_its_successors_are_revoked(api, demo, member):
    key = demo["apiKeys"]["studio"]
    first = member["refreshToken"]
    second = api.fresh().post("/auth/refresh", {"refreshToken": first}, api_key=key).data["refreshToken"]
    third = api.fresh().post("/auth/refresh", {"refreshToken": second}, api_key=key).data["refreshToken"]

    # When the first (retired) token comes back, as a thief would replay it
    replay = api.fresh().post("/auth/refresh", {"refreshToken": first}, api_key=key)

    # Then it is refused, and so is the newest token of that login
    assert replay.status == 401 and replay.json["code"] == "INVALID_REFRESH_TOKEN"
    successor = api.fresh().post("/auth/refresh", {"refreshToken": third}, api_key=key)
    assert successor.status == 401 and successor.json["code"] == "INVALID_REFRESH_TOKEN"


def test_given_a_reuse_in_one_login_then_the_other_logins_go_on(api, demo, member, clock):
    key = demo["apiKeys"]["studio"]
    other = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]},
                             api_key=key).data
    api.fresh().post("/auth/refresh", {"refreshToken": member["refreshToken"]}, api_key=key)
    clock.advance(31)  # past the rotation's grace
    reuse = api.fresh().post("/auth/refresh", {"refreshToken": member["refreshToken"]}, api_key=key)
    assert reuse.status == 401
    assert api.fresh().post("/auth/refresh", {"refreshToken": other["refreshToken"]}, api_key=key).status == 200


def test_given_an_expired_refresh_token_then_401(api, demo, member, clock):
    clock.advance(30 * 86400 + 1)
    reply = api.fresh().post("/auth/refresh", {"refreshToken": member["refreshToken"]},
                             api_key=demo["apiKeys"]["studio"])
    assert reply.status == 401 and reply.json["code"] == "INVALID_REFRESH_TOKEN"


def test_given_the_universal_key_then_a_members_tokens_work_and_refresh(api, demo, member):
    universal = demo["apiKeys"]["universal"]
    assert _me(api, universal, member["accessToken"]).data["id"] == member["user"]["id"]
    assert api.fresh().post("/auth/refresh", {"refreshToken": member["refreshToken"]},
                            api_key=universal).status == 200


def test_given_a_logout_then_that_login_cannot_refresh_and_others_can(api, demo, member):
    key = demo["apiKeys"]["studio"]
    other = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]},
                             api_key=key).data

    # When the member logs out of the first login (no body: the bearer's own login)
    out = api.fresh().post("/auth/logout", api_key=key, token=member["accessToken"])

    # Then that refresh token is dead, the other login lives
    assert out.status == 200 and out.data["endedLogins"] == 1
    assert api.fresh().post("/auth/refresh", {"refreshToken": member["refreshToken"]},
                            api_key=key).status == 401
    assert api.fresh().post("/auth/refresh", {"refreshToken": other["refreshToken"]}, api_key=key).status == 200


def test_given_a_logout_naming_a_refresh_token_then_that_login_ends(api, demo, member):
    key = demo["apiKeys"]["studio"]
    other = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]},
                             api_key=key).data
    out = api.fresh().post("/auth/logout", {"refreshToken": other["refreshToken"]}, api_key=key,
                           token=member["accessToken"])
    assert out.status == 200 and out.data["endedLogins"] == 1
    assert api.fresh().post("/auth/refresh", {"refreshToken": other["refreshToken"]}, api_key=key).status == 401
    assert api.fresh().post("/auth/refresh", {"refreshToken": member["refreshToken"]},
                            api_key=key).status == 200


def test_given_a_logout_naming_someone_elses_refresh_token_then_it_is_refused(api, demo, member, new_member):
    key = demo["apiKeys"]["studio"]
    stranger = new_member(key)
    out = api.fresh().post("/auth/logout", {"refreshToken": stranger["refreshToken"]}, api_key=key,
                           token=member["accessToken"])
    assert out.status == 401 and out.json["code"] == "INVALID_REFRESH_TOKEN"
    assert api.fresh().post("/auth/refresh", {"refreshToken": stranger["refreshToken"]},
                            api_key=key).status == 200


def _next_second() -> None:
    """Revocation is to the second (tokens of the logout's own second live out their 15 minutes). The real
    clock is used: tokens issued on a moved clock would carry an `iat` in the future."""
    time.sleep(1.01 - time.time() % 1)


def test_given_a_logout_from_all_devices_then_every_login_and_earlier_access_token_stops(api, demo, member):
    key = demo["apiKeys"]["studio"]
    other = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]},
                             api_key=key).data
    assert _me(api, key, other["accessToken"]).status == 200
    _next_second()

    out = api.fresh().post("/auth/logout", {"allDevices": True}, api_key=key, token=member["accessToken"])

    assert out.status == 200 and out.data["endedLogins"] == 2 and out.data["allDevices"] is True
    for token in (member["accessToken"], other["accessToken"]):
        refused = _me(api, key, token)
        assert refused.status == 401 and refused.json["code"] == "UNAUTHORIZED"
    for token in (member["refreshToken"], other["refreshToken"]):
        assert api.fresh().post("/auth/refresh", {"refreshToken": token}, api_key=key).status == 401
    # and a new sign-in works at once
    again = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]},
                             api_key=key)
    assert again.status == 200 and _me(api, key, again.data["accessToken"]).status == 200


def test_given_a_login_then_only_the_refresh_tokens_hash_is_stored_with_a_ttl(api, demo, member):
    import hashlib

    from shared.db import keys
    from shared.db.repository import get_repository

    stored = get_repository().query(keys.user_pk(member["user"]["clientId"], member["user"]["id"]),
                                    sk_prefix="REFRESH#", consistent=True)
    assert len(stored) == 1
    family = stored[0]
    assert member["refreshToken"] not in str(family) and member["accessToken"] not in str(family)
    assert family["tokenHash"] == hashlib.sha256(member["refreshToken"].encode()).hexdigest()
    assert family["ttl"] == _claims(member["refreshToken"])["exp"]
    assert family["ttl"] - _claims(member["refreshToken"])["iat"] == 30 * 86400
