"""The voice agent's credential and the life of a sign-in, as an attacker would try them over HTTP.

The app receives only a single-use ticket; the agent worker exchanges it with its own secret. Functions decide
from the authorizer's verified context alone, so no trick with the Authorization header turns an agent's
credential into a member's. A revoked, expired or suspended sign-in stops on every route that reads a bearer,
and what is derived from it stops with it."""
from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.auth import tokens
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import clients, provisioning
from shared.settings import get_secret
from tests.e2e.test_livekit_token import dispatch_of, verified
from tests.support.http import Api, Reply



def ticket_of(room: dict[str, Any]) -> str:
    return dispatch_of(verified(room["token"]))[1]["api"]["ticket"]


def exchange(api: Api, ticket: str, secret: str | None = None) -> Reply:
    return api.post("/agent/credentials", {"ticket": ticket},
                    headers={"X-Agent-Secret": get_secret("agentWorkerSecret") if secret is None else secret})


def member_room(api: Api, key: str, member: dict[str, Any]) -> dict[str, Any]:
    reply = api.post("/livekit/token", {}, api_key=key, token=member["accessToken"])
    assert reply.status == 200, reply.json
    return reply.data


def raw_request(api: Api, method: str, path: str, headers: list[tuple[str, str]], body: Any = None) -> Reply:
    """A request with headers exactly as given: repeated names, odd spacing, any case."""
    connection = http.client.HTTPConnection(api.host, api.port, timeout=30, source_address=(api.source_ip, 0))
    try:
        connection.putrequest(method, api.prefix + path, skip_accept_encoding=True)
        payload = json.dumps(body).encode() if body is not None else b""
        for name, value in [*headers, ("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]:
            connection.putheader(name, value)
        connection.endheaders(payload)
        response = connection.getresponse()
        return Reply(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


# --- item 1: the app never holds a usable agent credential ----------------------------------------------------
def test_given_a_room_token_then_its_metadata_holds_a_ticket_that_is_no_bearer(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    ticket = ticket_of(member_room(api, key, member))
    # When the app tries the ticket as a bearer, Then every kind of route refuses it
    assert api.get("/users/me", api_key=key, token=ticket).status == 401
    assert api.get("/content/classes", api_key=key, token=ticket).status == 401
    assert api.post("/livekit/token", {}, api_key=key, token=ticket).status == 401
    # and without the worker's secret it cannot be exchanged either (nor is it used up by trying)
    for secret in ("", "guess", get_secret("agentWorkerSecret") + "x"):
        assert exchange(api, ticket, secret).status in (400, 401)
    assert exchange(api, ticket).status == 200


def test_given_one_ticket_exchanged_ten_times_at_once_then_exactly_one_credential(api, demo):
    ticket = ticket_of(api.post("/livekit/token", {}, api_key=demo["apiKeys"]["studio"]).data)
    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(lambda _: exchange(Api(f"http://{api.host}:{api.port}{api.prefix}"),
                                                      ticket).status, range(10)))
    assert statuses == [200] + [401] * 9


def test_given_an_expired_ticket_then_it_is_refused(api, demo, clock):
    ticket = ticket_of(api.post("/livekit/token", {}, api_key=demo["apiKeys"]["studio"]).data)
    clock.advance(601)
    reply = exchange(api, ticket)
    assert reply.status == 401 and reply.code == "UNAUTHORIZED"


def test_given_a_refused_exchange_then_the_worker_reads_what_to_fix_and_no_sentence_meant_for_the_member(
        api, demo, new_member, clock):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    # Given a wrong worker secret, a used ticket, and a ticket whose member signed out everywhere
    wrong_secret = exchange(api, ticket_of(member_room(api, key, member)), "not-the-worker-secret")
    used = ticket_of(member_room(api, key, member))
    assert exchange(api, used).status == 200
    used_again = exchange(api, used)
    pending = ticket_of(member_room(api, key, member))
    assert api.post("/auth/logout", {"allDevices": True}, api_key=key, token=member["accessToken"]).status == 200
    clock.advance(1)
    signed_out = exchange(api, pending)
    # Then each is 401 UNAUTHORIZED in the plain envelope, with the reason the worker acts on (fix its
    # configuration, or leave the room), and no spoken `say` addressed to a member who is not the caller
    reasons = []
    for reply in (wrong_secret, used_again, signed_out):
        assert reply.status == 401 and reply.code == "UNAUTHORIZED", reply.json
        assert set(reply.json) == {"success", "error", "code", "details"}, reply.json
        reasons.append(reply.json["details"]["reason"])
    assert reasons == ["worker_secret", "ticket", "sign_in_ended"]
    assert "configuration" in wrong_secret.json["error"] and "leave the room" in signed_out.json["error"]


def _header_variants(credential: str) -> list[list[tuple[str, str]]]:
    return [
        [("Authorization", "Bearer " + " " * 4100 + credential)],
        [("Authorization", f"Bearer\t{credential}")],
        [("authorization", f"bearer {credential}")],
        [("AUTHORIZATION", f"BEARER {credential}")],
        [("Authorization", f"Bearer {credential}"), ("authorization", f"Bearer {credential}")],
    ]


ROUTE_FAMILIES = [
    ("GET", "/users/me", None),
    ("GET", "/sessions/history", None),
    ("POST", "/sessions/start", {"classId": 42}),
    ("GET", "/content/discover", None),
    ("POST", "/livekit/token", {}),
    ("PUT", "/hume-config", {"configId": "agent-was-here"}),
    ("POST", "/auth/logout", {"allDevices": True}),
]


@pytest.mark.parametrize("method, path, body", ROUTE_FAMILIES)
def test_given_an_agent_credential_in_any_header_form_then_no_member_route_takes_it_for_a_user(
        api, demo, method, path, body):
    # Given only the studio's public key: an anonymous room, its agent's credential (as the worker holds it)
    key = demo["apiKeys"]["studio"]
    credential = exchange(api, ticket_of(api.post("/livekit/token", {}, api_key=key).data)).data["accessToken"]
    for headers in _header_variants(credential):
        reply = raw_request(api, method, path, [("X-API-Key", key), *headers], body)
        # Then the route refuses it (forbidden for an agent, or not a valid bearer), never serves it
        assert reply.status in (401, 403), (headers[0][0], len(headers), reply.status, reply.raw[:200])


def test_given_an_anonymous_agent_credential_then_it_mints_no_rooms(api, demo):
    key = demo["apiKeys"]["studio"]
    credential = exchange(api, ticket_of(api.post("/livekit/token", {}, api_key=key).data)).data["accessToken"]
    statuses = {api.post("/livekit/token", {}, api_key=key, token=credential).status for _ in range(8)}
    assert statuses == {403}


# --- item 2: revocation everywhere, derived credentials never outlive their parent ---------------------------
def _logout_everywhere(api: Api, key: str, member: dict[str, Any]) -> None:
    reply = api.post("/auth/logout", {"allDevices": True}, api_key=key, token=member["accessToken"])
    assert reply.status == 200, reply.json


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/livekit/token", {}), ("GET", "/hume-config", None), ("GET", "/content/classes", None),
    ("GET", "/content/classes/42", None), ("GET", "/content/search?q=yoga", None),
])
def test_given_a_logout_everywhere_then_the_old_token_stops_on_optional_bearer_routes(
        api, demo, new_member, method, path, body):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    assert api.request(method, path, json_body=body, api_key=key, token=member["accessToken"]).status == 200
    _logout_everywhere(api, key, member)
    reply = api.request(method, path, json_body=body, api_key=key, token=member["accessToken"])
    assert reply.status == 401 and reply.code == "UNAUTHORIZED", reply.json


def test_given_a_logout_everywhere_then_tickets_and_agent_credentials_of_the_login_stop(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    exchanged = exchange(api, ticket_of(member_room(api, key, member))).data["accessToken"]
    pending_ticket = ticket_of(member_room(api, key, member))
    assert api.get("/content/classes", api_key=key, token=exchanged).status == 200
    _logout_everywhere(api, key, member)
    assert api.get("/content/classes", api_key=key, token=exchanged).status == 401
    assert exchange(api, pending_ticket).status == 401


def test_given_a_demoted_admin_then_the_agent_credential_carries_the_role_read_at_the_exchange(api, demo, new_member):
    key, studio = demo["apiKeys"]["studio"], demo["clients"]["studio"]["id"]
    member = new_member(key)
    user_key = keys.user(studio, member["user"]["id"])
    get_repository().update(user_key, "SET #r = :r", names={"#r": "role"}, values={":r": "client_admin"})
    admin_token, _ = tokens.issue(member["user"]["id"], studio, "client_admin")
    ticket = ticket_of(member_room(api, key, {"accessToken": admin_token}))
    get_repository().update(user_key, "SET #r = :r", names={"#r": "role"}, values={":r": "user"})  # demoted
    credential = tokens.verify(exchange(api, ticket).data["accessToken"], typ="agent")
    parent = tokens.verify(admin_token)
    assert credential["role"] == "user"
    assert credential["iatMs"] == parent["iatMs"] and credential["exp"] <= parent["exp"]


def test_given_a_token_issued_in_the_same_second_before_a_logout_everywhere_then_it_is_refused(
        api, demo, new_member):
    key, studio = demo["apiKeys"]["studio"], demo["clients"]["studio"]["id"]
    member = new_member(key)
    while time.time() % 1 > 0.5:  # leave room in this second for the logout below
        time.sleep(0.05)
    from shared import clock as shared_clock

    earlier, _ = tokens.issue(member["user"]["id"], studio, "user", issued_ms=shared_clock.now_ms() - 1)
    _logout_everywhere(api, key, member)
    assert api.get("/users/me", api_key=key, token=earlier).status == 401
    later, claims = tokens.issue(member["user"]["id"], studio, "user")
    assert api.get("/users/me", api_key=key, token=later).status == 200  # a sign-in after it works


# --- item 9: a suspended client's members stop, whatever key they use -----------------------------------------
def test_given_a_suspended_client_then_its_members_stop_on_every_route_and_refresh(api, demo, new_member):
    client = provisioning.create_client("Suspended Studio")
    key, _ = provisioning.issue_api_key(client["id"], label="app")
    member = new_member(key)
    universal = demo["apiKeys"]["universal"]
    provisioning.set_client_status(client["id"], "suspended")
    clients.forget_cached_clients()
    try:
        for reply in (api.get("/users/me", api_key=universal, token=member["accessToken"]),
                      api.post("/livekit/token", {}, api_key=universal, token=member["accessToken"]),
                      api.post("/auth/refresh", {"refreshToken": member["refreshToken"]}, api_key=universal)):
            assert reply.status in (401, 403) and reply.code in ("CLIENT_SUSPENDED", "INVALID_API_KEY"), reply.json
        assert api.get("/users/me", api_key=universal, token=member["accessToken"]).code == "CLIENT_SUSPENDED"
        # and its own (still active) key answers the same on every group that names a tenant
        for method, path, body in (("GET", "/content/classes", None), ("GET", "/hume-config", None),
                                   ("POST", "/onboarding/profile", {"sessionId": "suspended-studio-wizard"}),
                                   ("POST", "/livekit/token", {})):
            reply = api.request(method, path, json_body=body, api_key=key)
            assert reply.status == 403 and reply.code == "CLIENT_SUSPENDED", (path, reply.json)
    finally:
        provisioning.set_client_status(client["id"], "active")
        clients.forget_cached_clients()
    assert api.get("/users/me", api_key=universal, token=member["accessToken"]).status == 200
