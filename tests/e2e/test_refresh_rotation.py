"""Refresh rotation as an app meets it, over HTTP: parallel refreshes with one token share one new pair (the
grace window), and a retired token presented after it ends the login and the access tokens it handed out."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import refresh_tokens
from tests.support.members import me, refresh


@pytest.fixture
def member(new_member, demo):
    return new_member(demo["apiKeys"]["studio"])


def test_given_two_requests_that_refresh_in_parallel_with_one_token_then_both_get_the_same_pair_and_the_login_lives(
        api, demo, member):
    key = demo["apiKeys"]["studio"]
    barrier = threading.Barrier(2)

    def at_once(_: int):
        barrier.wait()
        return refresh(api, key, member["refreshToken"])

    # When two requests of the app hit 401 at once and both refresh with the one refresh token they hold
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(at_once, range(2))

    # Then both succeed, with the very same new pair
    assert (first.status, second.status) == (200, 200), (first.json, second.json)
    assert first.data["accessToken"] == second.data["accessToken"]
    assert first.data["refreshToken"] == second.data["refreshToken"] != member["refreshToken"]
    # and the login rotated exactly once
    claims = jwt.decode(member["refreshToken"], options={"verify_signature": False})
    family = get_repository().get(keys.refresh_family(claims["cid"], claims["sub"], claims["fam"]), consistent=True)
    assert family["rotations"] == 1
    # and the login lives on: the access token works and the new refresh token refreshes again
    assert me(api, key, first.data["accessToken"]).status == 200
    assert refresh(api, key, first.data["refreshToken"]).status == 200


def test_given_a_token_just_rotated_when_presented_again_within_the_grace_then_the_same_pair(api, demo, member,
                                                                                            clock):
    key = demo["apiKeys"]["studio"]
    rotated = refresh(api, key, member["refreshToken"])
    assert rotated.status == 200
    clock.advance(refresh_tokens.GRACE_SECONDS - 5)

    again = refresh(api, key, member["refreshToken"])

    assert again.status == 200
    assert (again.data["accessToken"], again.data["refreshToken"]) == \
        (rotated.data["accessToken"], rotated.data["refreshToken"])
    assert 0 < again.data["expiresIn"] <= rotated.data["expiresIn"]
    assert refresh(api, key, rotated.data["refreshToken"]).status == 200


def test_given_a_retired_token_after_the_grace_then_the_login_and_its_access_tokens_are_revoked(
        api, demo, member, clock):
    # Given a member whose app refreshed once (a thief kept the first refresh token)
    key = demo["apiKeys"]["studio"]
    rotated = refresh(api, key, member["refreshToken"]).data
    assert me(api, key, rotated["accessToken"]).status == 200
    clock.advance(refresh_tokens.GRACE_SECONDS + 1)

    # When the retired token comes back after the grace window
    replay = refresh(api, key, member["refreshToken"])

    # Then it is refused as reuse, the login's newest refresh token is dead, and so are its access tokens
    assert replay.status == 401 and replay.json["code"] == "INVALID_REFRESH_TOKEN"
    assert "already used" in replay.json["error"]
    assert refresh(api, key, rotated["refreshToken"]).status == 401
    for token in (rotated["accessToken"], member["accessToken"]):
        refused = me(api, key, token)
        assert refused.status == 401 and refused.json["code"] == "UNAUTHORIZED", refused.json
    # while signing in again works
    login = api.fresh().post("/auth/login", {"email": member["email"], "password": member["password"]}, api_key=key)
    assert login.status == 200 and me(api, key, login.data["accessToken"]).status == 200


def test_given_a_refresh_reuse_then_a_security_event_with_ids_only(api, demo, member, clock, monkeypatch):
    key = demo["apiKeys"]["studio"]
    seen: list[tuple[str, dict]] = []
    real = refresh_tokens.security_event
    monkeypatch.setattr(refresh_tokens, "security_event",
                        lambda event, **fields: (seen.append((event, fields)), real(event, **fields)))
    refresh(api, key, member["refreshToken"])
    assert refresh(api, key, member["refreshToken"]).status == 200  # the grace: no event
    assert seen == []
    clock.advance(refresh_tokens.GRACE_SECONDS + 1)
    assert refresh(api, key, member["refreshToken"]).status == 401
    assert [event for event, _ in seen] == ["refresh_reuse"]
    fields = seen[0][1]
    assert fields["userId"] == member["user"]["id"] and fields["clientId"] == member["user"]["clientId"]
    assert fields["familyId"].startswith("fam_")
    assert member["refreshToken"] not in str(fields) and member["email"] not in str(fields)


def test_given_ten_parallel_rotations_of_one_token_then_one_rotation_and_ten_identical_pairs(demo, member):
    # Given one refresh token; When ten rotations of it run at once (the domain function, on the real table)
    barrier = threading.Barrier(10)

    def rotate(_: int):
        barrier.wait()
        return refresh_tokens.rotate(member["refreshToken"], key_client_id=member["user"]["clientId"],
                                     universal=False)

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(rotate, range(10)))

    # Then exactly one rotation won, and every caller holds its pair
    assert len({(a["accessToken"], a["refreshToken"]) for a in answers}) == 1
    claims = jwt.decode(member["refreshToken"], options={"verify_signature": False})
    family = get_repository().get(keys.refresh_family(claims["cid"], claims["sub"], claims["fam"]), consistent=True)
    assert family["rotations"] == 1 and family["tokenHash"] == refresh_tokens.token_hash(answers[0]["refreshToken"])
