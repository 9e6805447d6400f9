"""A member's tokens as an app handles them, over HTTP: each call from an address of its own (limits per address
start over), with the key it is given."""
from __future__ import annotations

from typing import Any

from tests.support.http import Api, Reply


def refresh(api: Api, key: str, refresh_token: str) -> Reply:
    """POST /auth/refresh with `refresh_token`: the app trades it for a new pair (or is refused)."""
    return api.fresh().post("/auth/refresh", {"refreshToken": refresh_token}, api_key=key)


def rotate(api: Api, key: str, member: dict[str, Any]) -> dict[str, Any]:
    """The member after one refresh: the new pair in place of the one it retired."""
    reply = refresh(api, key, member["refreshToken"])
    assert reply.status == 200, reply.json
    return {**member, "accessToken": reply.data["accessToken"], "refreshToken": reply.data["refreshToken"]}


def me(api: Api, key: str, access_token: str) -> Reply:
    """GET /users/me with `access_token`: whether a sign-in still works."""
    return api.fresh().get("/users/me", api_key=key, token=access_token)
