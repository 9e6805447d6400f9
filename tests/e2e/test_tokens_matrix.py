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
from shared.domain import refresh_tokens
from tests.support.members import me, refresh, rotate


def _b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def member(new_member, demo):
    return new_member(demo["apiKeys"]["studio"])


def test_given_an_expired_access_token_then_401_token_expired(api, demo, member, clock):
    key = demo["apiKeys"]["studio"]
    assert me(api, key, member["accessToken"]).status == 200
    clock.advance(901)
    reply = me(api, key, member["accessToken"])
    assert reply.status == 401 and reply.json["code"] == "TOKEN_EXPIRED" and reply.json["success"] is False


def test_given_a_token_signed_with_another_key_then_401(api, demo, member):
    forged = jwt.encode(_claims(member["accessToken"]), "another-signing-key-0123456789abcdef0123456789",
                        algorithm="HS256")
    reply = me(api, demo["apiKeys"]["studio"], forged)
    assert reply.status == 401 and reply.json["code"] == "UNAUTHORIZED"


def test_given_an_unsigned_alg_none_token_then_401(api, demo, member):
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(member['accessToken']))}."
    reply = me(api, demo["apiKeys"]["studio"], unsigned)
    assert reply.status == 401 and reply.json["code"] == "UNAUTHORIZED"


def test_given_a_refresh_token_used_as_an_access_token_then_401(api, demo, member):
    reply = me(api, demo["apiKeys"]["studio"], member["refreshToken"])
    assert reply.status == 401 and reply.json["code"] == "UNAUTHORIZED"


# --- refresh refusals: every refresh token that must not work, one table ------------------------------------------
# Each case: (api, demo, member, clock) -> (the key it is sent with, the token presented), after whatever it takes.
def _an_access_token(api, demo, member, clock):
    return demo["apiKeys"]["studio"], member["accessToken"]


def _with_another_clients_key(api, demo, member, clock):
    return demo["apiKeys"]["partner"], member["refreshToken"]


def _of_a_forged_login(api, demo, member, clock):
    claims = _claims(member["refreshToken"])
    forged, _ = tokens.issue(claims["sub"], claims["cid"], "user", typ="refresh", ttl_seconds=3600,
                             extra={"fam": "fam_000000000000000000000000"})
    return demo["apiKeys"]["studio"], forged


def _expired(api, demo, member, clock):
    clock.advance(30 * 86400 + 1)
    return demo["apiKeys"]["studio"], member["refreshToken"]


def _retired_and_presented_after_the_grace(api, demo, member, clock):
    rotate(api, demo["apiKeys"]["studio"], member)
    clock.advance(refresh_tokens.GRACE_SECONDS + 1)
    return demo["apiKeys"]["studio"], member["refreshToken"]


def _two_rotations_old_within_the_grace(api, demo, member, clock):
    rotate(api, demo["apiKeys"]["studio"], rotate(api, demo["apiKeys"]["studio"], member))
    return demo["apiKeys"]["studio"], member["refreshToken"]


def _of_a_signed_out_login(api, demo, member, clock):
    assert api.fresh().post("/auth/logout", api_key=demo["apiKeys"]["studio"],
                            token=member["accessToken"]).status == 200
    return demo["apiKeys"]["studio"], member["refreshToken"]


def _of_a_partner_staff_sign_in(api, demo, member, clock):
    staff = next(s for s in demo["partnerStaff"] if s["role"] == "viewer")
    signed_in = api.fresh().post("/partner-auth/login", {"email": staff["email"], "password": staff["password"]})
    assert signed_in.status == 200, signed_in.json
    return demo["apiKeys"]["partner"], signed_in.data["refreshToken"]


def _the_guides_placeholder(api, demo, member, clock):
    return demo["apiKeys"]["studio"], "eyJhbGciOi..."


REFRESH_REFUSALS = {
    "an access token": _an_access_token,
    "with another client's key": _with_another_clients_key,
    "of a forged login": _of_a_forged_login,
    "expired": _expired,
    "retired, after the grace": _retired_and_presented_after_the_grace,
    "two rotations old, within the grace": _two_rotations_old_within_the_grace,
    "of a signed-out login": _of_a_signed_out_login,
    "of a partner staff sign-in": _of_a_partner_staff_sign_in,
    "the guide's placeholder": _the_guides_placeholder,
}


@pytest.mark.parametrize("case", list(REFRESH_REFUSALS))
def test_given_a_refresh_token_that_must_not_work_then_401_invalid_refresh_token(api, demo, member, clock, case):
    # Given: a token presented to POST /auth/refresh that the case says must not work
    key, token = REFRESH_REFUSALS[case](api, demo, member, clock)
    # When: the app refreshes with it
    reply = refresh(api, key, token)
    # Then: 401 INVALID_REFRESH_TOKEN in the envelope, and no new pair
    assert reply.status == 401, reply.json
    assert reply.json["success"] is False and reply.json["code"] == "INVALID_REFRESH_TOKEN"
    assert isinstance(reply.json["details"], dict) and "data" not in reply.json


def test_given_client_a_tokens_with_client_b_key_then_both_are_refused(api, demo, member):
    partner_key = demo["apiKeys"]["partner"]
    assert me(api, partner_key, member["accessToken"]).status == 401
    refreshed = refresh(api, partner_key, member["refreshToken"])
    assert refreshed.status == 401 and refreshed.json["code"] == "INVALID_REFRESH_TOKEN"
    # and the refused attempt did not spend the token: its own client still refreshes it
    own = refresh(api, demo["apiKeys"]["studio"], member["refreshToken"])
    assert own.status == 200


def test_given_a_reused_refresh_token_then_the_login_and_its_successors_are_revoked(api, demo, member):
    key = demo["apiKeys"]["studio"]
    first = member["refreshToken"]
    second = refresh(api, key, first).data["refreshToken"]
    third = refresh(api, key, second).data["refreshToken"]

    # When the first (retired) token comes back, as a thief would replay it
    replay = refresh(api, key, first)

    # Then it is refused, and so is the newest token of that login
    assert replay.status == 401 and replay.json["code"] == "INVALID_REFRESH_TOKEN"
    successor = refresh(api, key, third)
    assert successor.status == 401 and successor.json["code"] == "INVALID_REFRESH_TOKEN"


def test_given_a_reuse_in_one_login_then_the_other_logins_go_on(api, demo, member, clock):
    key = demo["apiKeys"]["studio"]
    other = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]},
                             api_key=key).data
    refresh(api, key, member["refreshToken"])
    clock.advance(31)  # past the rotation's grace
    reuse = refresh(api, key, member["refreshToken"])
    assert reuse.status == 401
    assert refresh(api, key, other["refreshToken"]).status == 200


def test_given_the_universal_key_then_a_members_tokens_work_and_refresh(api, demo, member):
    universal = demo["apiKeys"]["universal"]
    assert me(api, universal, member["accessToken"]).data["id"] == member["user"]["id"]
    assert refresh(api, universal, member["refreshToken"]).status == 200


def test_given_a_logout_then_that_login_cannot_refresh_and_others_can(api, demo, member):
    key = demo["apiKeys"]["studio"]
    other = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]},
                             api_key=key).data

    # When the member logs out of the first login (no body: the bearer's own login)
    out = api.fresh().post("/auth/logout", api_key=key, token=member["accessToken"])

    # Then that refresh token is dead, the other login lives
    assert out.status == 200 and out.data["endedLogins"] == 1
    assert refresh(api, key, member["refreshToken"]).status == 401
    assert refresh(api, key, other["refreshToken"]).status == 200


def test_given_a_logout_naming_a_refresh_token_then_that_login_ends(api, demo, member):
    key = demo["apiKeys"]["studio"]
    other = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]},
                             api_key=key).data
    out = api.fresh().post("/auth/logout", {"refreshToken": other["refreshToken"]}, api_key=key,
                           token=member["accessToken"])
    assert out.status == 200 and out.data["endedLogins"] == 1
    assert refresh(api, key, other["refreshToken"]).status == 401
    assert refresh(api, key, member["refreshToken"]).status == 200


def test_given_a_logout_naming_someone_elses_refresh_token_then_it_is_refused(api, demo, member, new_member):
    key = demo["apiKeys"]["studio"]
    stranger = new_member(key)
    out = api.fresh().post("/auth/logout", {"refreshToken": stranger["refreshToken"]}, api_key=key,
                           token=member["accessToken"])
    assert out.status == 401 and out.json["code"] == "INVALID_REFRESH_TOKEN"
    assert refresh(api, key, stranger["refreshToken"]).status == 200


def _next_second() -> None:
    """Revocation is to the second (tokens of the logout's own second live out their 15 minutes). The real
    clock is used: tokens issued on a moved clock would carry an `iat` in the future."""
    time.sleep(1.01 - time.time() % 1)


def test_given_a_logout_from_all_devices_then_every_login_and_earlier_access_token_stops(api, demo, member):
    key = demo["apiKeys"]["studio"]
    other = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]},
                             api_key=key).data
    assert me(api, key, other["accessToken"]).status == 200
    _next_second()

    out = api.fresh().post("/auth/logout", {"allDevices": True}, api_key=key, token=member["accessToken"])

    assert out.status == 200 and out.data["endedLogins"] == 2 and out.data["allDevices"] is True
    for token in (member["accessToken"], other["accessToken"]):
        refused = me(api, key, token)
        assert refused.status == 401 and refused.json["code"] == "UNAUTHORIZED"
    for token in (member["refreshToken"], other["refreshToken"]):
        assert refresh(api, key, token).status == 401
    # and a new sign-in works at once
    again = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]},
                             api_key=key)
    assert again.status == 200 and me(api, key, again.data["accessToken"]).status == 200


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
