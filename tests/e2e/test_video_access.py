"""Premium entitlements and playback URLs: catalog answers carry no video URL; `GET /video/access/{classId}`
answers a short-lived signed URL, for a premium class only when the client's plan or the member's voucher grants
it; the URL passes the CDN's check (shared/domain/video_access.verify) only unaltered and unexpired."""
from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlsplit

import pytest

from shared import clock as shared_clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import video_access
from shared.settings import get_secret
from tests.support.http import Api


def _studio_classes(api: Api, key: str) -> list[dict[str, Any]]:
    return api.fresh().get("/content/classes?limit=100", api_key=key).data["items"]


@pytest.fixture(scope="module")
def premium_gym(local_api) -> dict[str, Any]:
    """A client whose plan includes premium content, with one premium class."""
    from shared.domain import provisioning as p

    client = p.create_client("Premium Gym", client_id=f"premium-gym-{secrets.token_hex(3)}")
    p.set_client_plan(client["id"], "premium")
    key, _ = p.issue_api_key(client["id"], label="video tests")
    coach = p.create_coach(client["id"], "Vera Video", specialties=["strength"], levels=["beginner"])
    category = p.create_category(client["id"], "Strength")
    klass = p.create_class(client["id"], "Premium Power", trainer_id=coach["id"], category_id=category["id"],
                           duration=40, is_premium=True)
    return {"id": client["id"], "key": key, "classId": klass["id"]}


def _voucher(client_id: str, grants: list[str]) -> str:
    from shared.domain import provisioning as p

    return p.create_voucher(client_id, prefix="VIDEO", grants=grants)["code"]


def test_given_any_catalog_answer_then_it_carries_no_video_url(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    answers = [api.fresh().get("/content/classes/42", api_key=key), api.fresh().get("/content/classes?limit=100",
                                                                                     api_key=key),
               api.fresh().get("/content/search?q=yoga", api_key=key),
               api.fresh().get("/content/discover", api_key=key, token=member["accessToken"])]
    for reply in answers:
        assert reply.status == 200, reply.json
        shown = json.dumps(reply.json)
        assert "videoUrl" not in shown and ".m3u8" not in shown
    assert "isPremium" in answers[0].data


def test_given_a_member_and_a_free_class_then_a_signed_url_that_only_the_unaltered_path_passes(api, demo,
                                                                                                new_member):
    key = demo["apiKeys"]["studio"]
    free = next(c for c in _studio_classes(api, key) if not c["isPremium"])
    member = new_member(key)
    reply = api.fresh().get(f"/video/access/{free['id']}", api_key=key, token=member["accessToken"])
    assert reply.status == 200, reply.json
    assert reply.data["classId"] == free["id"] and reply.data["isPremium"] is False
    expires = shared_clock.parse_iso(reply.data["expiresAt"])
    assert expires - shared_clock.now() <= free["duration"] * 60 + 900 + 5  # short-lived: the class and 15 min
    # The CDN's check: the signed playlist and its segments pass and map to the origin's path...
    path, signing_key = urlsplit(reply.data["url"]).path, get_secret("videoSigningKey")
    origin = f"/classes/{free['id']}/index.m3u8"
    assert path.endswith(origin) and video_access.verify(path, signing_key, shared_clock.now()) == origin
    segment = path.rsplit("/", 1)[0] + "/segment-00042.ts"
    assert video_access.verify(segment, signing_key, shared_clock.now()) == f"/classes/{free['id']}/segment-00042.ts"
    # ...while another class's directory, a changed signature or expiry, and a late request do not
    other = path.replace(f"/classes/{free['id']}/", "/classes/7/")
    forged = path.split("/")
    forged[3] = forged[3][:-1] + ("A" if forged[3][-1] != "A" else "B")
    stretched = path.replace(f"/t/{int(expires)}/", f"/t/{int(expires) + 86400}/")
    for bad in (other, "/".join(forged), stretched, origin, path.replace(origin, "/classes/../secrets/x")):
        assert video_access.verify(bad, signing_key, shared_clock.now()) is None, bad
    assert video_access.verify(path, signing_key, expires + 1) is None


def test_given_a_premium_class_then_only_a_plan_or_a_voucher_that_grants_it_plays_it(api, demo, new_member,
                                                                                     premium_gym):
    key, studio = demo["apiKeys"]["studio"], demo["clients"]["studio"]["id"]
    premium = next(c for c in _studio_classes(api, key) if c["isPremium"])
    path = f"/video/access/{premium['id']}"
    # Given a member of a studio whose plan does not include premium, and no voucher
    plain = new_member(key)
    refused = api.fresh().get(path, api_key=key, token=plain["accessToken"])
    assert refused.status == 403 and refused.code == "PREMIUM_REQUIRED" and "url" not in json.dumps(refused.json)
    # Given a member who registered with a voucher of the studio that does not grant premium
    ordinary = new_member(key, voucherCode=_voucher(studio, grants=[]))
    assert api.fresh().get(path, api_key=key, token=ordinary["accessToken"]).code == "PREMIUM_REQUIRED"
    # Given one whose voucher grants premium: it plays, until the voucher is revoked
    code = _voucher(studio, grants=["premium"])
    granted = new_member(key, voucherCode=code)
    played = api.fresh().get(path, api_key=key, token=granted["accessToken"])
    assert played.status == 200 and played.data["isPremium"] is True
    get_repository().update(keys.voucher(code), "SET #s = :revoked", names={"#s": "status"},
                            values={":revoked": "revoked"})
    assert api.fresh().get(path, api_key=key, token=granted["accessToken"]).code == "PREMIUM_REQUIRED"
    # Given a client whose plan includes premium: any member plays its premium class
    member = new_member(premium_gym["key"])
    gym = api.fresh().get(f"/video/access/{premium_gym['classId']}", api_key=premium_gym["key"],
                          token=member["accessToken"])
    assert gym.status == 200 and gym.data["isPremium"] is True


def test_given_another_clients_class_or_no_bearer_then_nothing_is_signed(api, demo, new_member, premium_gym):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    # a class of another client (even one whose plan is premium) is unknown to the studio's member
    reply = api.fresh().get(f"/video/access/{premium_gym['classId']}", api_key=key, token=member["accessToken"])
    assert reply.status == 404 and reply.code == "NOT_FOUND"
    assert api.fresh().get("/video/access/42", api_key=key).status == 401  # a member's route
    assert api.fresh().get("/video/access/4.2", api_key=key, token=member["accessToken"]).status == 400
