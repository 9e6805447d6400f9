"""Ids that are odd or not the caller's, over HTTP: path traversal and strange characters in path ids are a
400 or a 404 in the envelope (never a 5xx, a redirect or another route's answer), and another client's class,
coach, viewing session, onboarding session or voucher is unknown to the caller, who sees and changes nothing."""
from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest

from tests.support.http import Api, envelope

PATH_ID_ROUTES = [("GET", "/app/join/{}"), ("GET", "/content/classes/{}"), ("GET", "/onboarding/profile/{}"),
                  ("POST", "/sessions/{}/progress"), ("POST", "/sessions/{}/complete"), ("GET", "/video/access/{}")]
ODD_IDS = {
    "dot dot": "..", "encoded dot dot": "%2e%2e", "encoded dot dot slash": "%2e%2e%2f",
    "encoded climb to health": "..%2f..%2fhealth", "double-encoded climb": "%252e%252e%252fhealth",
    "backslash climb": "..%5c..%5chealth", "encoded slash": "a%2fb", "NUL": "%00", "NUL inside": "abc%00def",
    "CR LF": "%0d%0aX-Injected:%201", "very long": "x" * 5000, "emoji": "%F0%9F%98%80",
    "RTL override": "abc%E2%80%AEdef", "not UTF-8": "%ff%fe", "lone percent": "%", "bad escape": "%zz",
    "semicolon": ";", "space": "%20", "markup": "%3Cscript%3E", "quote": "'%20OR%201=1",
    "key prefix": "CLIENT%23fitco-wellness", "hash": "%23", "question mark": "%3F", "negative": "-1",
    "zero": "0", "float": "1.5", "huge number": "9" * 40, "exponent": "1e3",
}
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def lab_tokens(local_api, bad_input_lab) -> Any:
    """Access tokens of members of the lab client: a new member every 10 requests, so that none meets its own
    rate limit (burst 20, 100 a minute) in a sweep of hundreds of requests."""
    base = f"{local_api.base_url}/api/v1"
    uses = itertools.count()
    current: list[str] = []

    def next_token() -> str:
        if next(uses) % 10 == 0:
            reply = Api(base).post("/auth/register", {"email": f"ids-{uuid.uuid4().hex[:12]}@example.com",
                                                      "password": "securepassword"}, api_key=bad_input_lab["apiKey"])
            assert reply.status == 201, reply.raw
            current[:] = [reply.data["accessToken"]]
        return current[0]

    return next_token


# --- odd path ids -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method, template", PATH_ID_ROUTES)
@pytest.mark.parametrize("kind", list(ODD_IDS))
def test_given_an_odd_path_id_then_400_or_404_in_the_envelope(api, bad_input_lab, lab_tokens, method, template,
                                                                   kind):
    body = b'{"progressSeconds": 1, "totalDurationSeconds": 10}' if template.endswith("progress") else None
    reply = api.fresh().request(method, template.format(ODD_IDS[kind]), body=body, headers=JSON if body else {},
                               api_key=bad_input_lab["apiKey"], token=lab_tokens())
    assert reply.status in (400, 404), (reply.status, reply.raw[:300])
    envelope(reply, reply.status)
    assert reply.header("Location") is None and reply.header("X-Injected") is None


@pytest.mark.parametrize("path", ["/content/classes/../../health", "/content/classes/%2e%2e/%2e%2e/health",
                                  "/app/join/../../health", "/onboarding/profile/..%2f..%2f..%2fhealth",
                                  "/sessions/..%2fhistory/complete", "/./health", "//health", "/health/"])
def test_given_a_path_that_climbs_to_another_route_then_404_never_that_routes_answer(api, bad_input_lab, lab_tokens,
                                                                                    path):
    reply = api.fresh().get(path, api_key=bad_input_lab["apiKey"], token=lab_tokens())
    envelope(reply, 404, "NOT_FOUND")
    assert b'"status":"ok"' not in reply.raw


def test_given_a_class_id_written_as_a_float_in_the_path_then_it_is_never_another_class(api, demo):
    reply = api.fresh().get("/content/classes/42.5", api_key=demo["apiKeys"]["studio"])
    envelope(reply, 400, "VALIDATION_ERROR")


# --- another client's ids ---------------------------------------------------------------------------------------------
def _of(demo: dict[str, Any], kind: str, client: str) -> dict[str, Any]:
    return next(item for item in demo[kind] if item["clientId"] == demo["clients"][client]["id"])


def test_given_a_class_of_another_client_then_404_and_no_session_is_started(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    theirs = _of(demo, "classes", "partner")["id"]
    envelope(api.fresh().get(f"/content/classes/{theirs}", api_key=key), 404, "NOT_FOUND")
    started = api.fresh().post("/sessions/start", {"classId": theirs, "deviceType": "mobile"}, api_key=key,
                              token=member["accessToken"])
    body = envelope(started, 404, "NOT_FOUND")
    assert str(theirs) not in body["error"] and "fitco" not in started.raw.decode().lower()
    history = api.fresh().get("/sessions/history", api_key=key, token=member["accessToken"]).data
    assert history["items"] == [] and history["pagination"]["total"] == 0


def test_given_a_coach_of_another_client_then_404_and_the_onboarding_choice_is_unchanged(api, demo):
    key, session = demo["apiKeys"]["studio"], f"ids-{uuid.uuid4().hex}"
    theirs, ours = _of(demo, "coaches", "partner")["id"], _of(demo, "coaches", "studio")["id"]
    started = api.fresh().post("/onboarding/profile", {"sessionId": session}, api_key=key)
    assert started.status == 201
    resume = {"X-Resume-Token": started.data["resumeToken"]}
    assert api.fresh().post("/onboarding/select-coach", {"sessionId": session, "coachId": ours},
                           api_key=key).status == 200
    envelope(api.fresh().post("/onboarding/select-coach", {"sessionId": session, "coachId": theirs}, api_key=key),
             404, "NOT_FOUND")
    assert api.fresh().get(f"/onboarding/profile/{session}", api_key=key, headers=resume).data["coachId"] == ours
    address = f"ids-{uuid.uuid4().hex[:12]}@example.com"
    envelope(api.fresh().post("/auth/register", {"email": address, "password": "securepassword", "coachId": theirs},
                             api_key=key), 404, "NOT_FOUND")
    # Then: nothing was made, the address is still free
    assert api.fresh().post("/auth/register", {"email": address, "password": "securepassword"},
                           api_key=key).status == 201


def test_given_a_viewing_session_of_another_member_or_client_then_404_and_it_is_unchanged(api, demo, new_member):
    studio, partner = demo["apiKeys"]["studio"], demo["apiKeys"]["partner"]
    owner, neighbour = new_member(studio), new_member(studio)
    outsider = new_member(partner, voucherCode="STUDIO-ABC123")
    started = api.fresh().post("/sessions/start", {"classId": 42, "deviceType": "tv"}, api_key=studio,
                              token=owner["accessToken"])
    session = started.data["session"]["id"]
    for key, member in ((studio, neighbour), (partner, outsider)):
        for action, body in (("progress", {"progressSeconds": 1700, "totalDurationSeconds": 1800}), ("complete", None)):
            reply = api.fresh().post(f"/sessions/{session}/{action}", body, api_key=key, token=member["accessToken"])
            envelope(reply, 404, "NOT_FOUND")
        assert api.fresh().get("/sessions/history", api_key=key, token=member["accessToken"]).data["items"] == []
    # The outsider's token with the owner's key is refused before any data is read
    envelope(api.fresh().post(f"/sessions/{session}/complete", api_key=studio, token=outsider["accessToken"]), 401)
    mine = api.fresh().get("/sessions/history", api_key=studio, token=owner["accessToken"]).data["items"]
    assert [(s["id"], s["status"], s["progressSeconds"]) for s in mine] == [(session, "in_progress", 0)]


def test_given_an_onboarding_session_of_another_client_then_it_is_unknown_and_unchanged(api, demo):
    studio, partner = demo["apiKeys"]["studio"], demo["apiKeys"]["partner"]
    session = f"ids-{uuid.uuid4().hex}"
    started = api.fresh().post("/onboarding/profile", {"sessionId": session, "name": "Jane", "age": 28},
                              api_key=studio)
    assert started.status == 201
    resume = {"X-Resume-Token": started.data["resumeToken"]}  # even the studio's own resume token
    envelope(api.fresh().get(f"/onboarding/profile/{session}", api_key=partner, headers=resume), 404,
             "ONBOARDING_SESSION_NOT_FOUND")
    envelope(api.fresh().post("/onboarding/recommend-coaches", {"sessionId": session}, api_key=partner), 404,
             "ONBOARDING_SESSION_NOT_FOUND")
    envelope(api.fresh().post("/onboarding/select-coach",
                             {"sessionId": session, "coachId": _of(demo, "coaches", "partner")["id"]}, api_key=partner),
             404, "ONBOARDING_SESSION_NOT_FOUND")
    address = f"ids-{uuid.uuid4().hex[:12]}@example.com"
    envelope(api.fresh().post("/auth/register", {"email": address, "password": "securepassword", "sessionId": session,
                                                "voucherCode": "STUDIO-ABC123"}, api_key=partner),
             404, "ONBOARDING_SESSION_NOT_FOUND")
    # The same id under the partner's key is a session of the partner's own, not a write into the studio's
    theirs = api.fresh().post("/onboarding/profile", {"sessionId": session, "name": "Mallory", "age": 99},
                             api_key=partner)
    assert theirs.status == 201 and theirs.data["profile"]["name"] == "Mallory"
    ours = api.fresh().get(f"/onboarding/profile/{session}", api_key=studio, headers=resume).data
    assert ours["profile"]["name"] == "Jane" and ours["profile"]["age"] == 28


def test_given_a_voucher_of_another_client_then_invalid_nothing_of_it_shown_and_it_is_not_used(api, demo):
    studio, partner = demo["apiKeys"]["studio"], demo["apiKeys"]["partner"]
    theirs = next(v["code"] for v in demo["vouchers"] if v["clientId"] == demo["clients"]["partner"]["id"]
                  and v["code"] != "STUDIO-ABC123")
    before = api.fresh().post("/auth/voucher/validate", {"code": theirs}, api_key=partner).data
    validated = api.fresh().post("/auth/voucher/validate", {"code": theirs}, api_key=studio).data
    assert validated == {"valid": False, "reason": "other_client", "voucher": None, "partner": None, "client": None}
    address = f"ids-{uuid.uuid4().hex[:12]}@example.com"
    reply = api.fresh().post("/auth/register", {"email": address, "password": "securepassword", "voucherCode": theirs},
                            api_key=studio)
    envelope(reply, 400, "INVALID_VOUCHER")
    assert "fitco" not in reply.raw.decode().lower()
    after = api.fresh().post("/auth/voucher/validate", {"code": theirs}, api_key=partner).data
    assert after == before
    ours = next(v["code"] for v in demo["vouchers"] if v["clientId"] == demo["clients"]["studio"]["id"])
    envelope(api.fresh().post("/auth/register", {"email": address, "password": "securepassword", "voucherCode": ours},
                             api_key=partner), 400, "INVALID_VOUCHER")
    # Then: the address was never taken in either client
    assert api.fresh().post("/auth/register", {"email": address, "password": "securepassword"},
                           api_key=studio).status == 201


# --- odd query values ---------------------------------------------------------------------------------------------
QUERY_ROUTES = ["/content/classes?category={}", "/content/classes?trainer={}", "/content/classes?intensity={}",
                "/content/classes?minDuration={}", "/content/classes?isLive={}", "/content/classes?sort={}",
                "/content/classes?page={}", "/content/classes?limit={}", "/content/search?q={}",
                "/content/search?q=yoga&limit={}", "/sessions/history?page={}", "/progress/summary?tz={}"]
ODD_QUERY_VALUES = {"NUL": "%00", "not UTF-8": "%ff%fe", "climb": "..%2f..%2fetc%2fpasswd", "long": "x" * 5000,
                    "CR LF": "%0d%0aX-Injected:%201", "exponent": "1e3", "huge": "9" * 30, "NaN": "NaN",
                    "RTL override": "%E2%80%AE", "brackets": "%5B%5D"}


@pytest.mark.parametrize("template", QUERY_ROUTES)
@pytest.mark.parametrize("kind", list(ODD_QUERY_VALUES))
def test_given_an_odd_query_value_then_an_answer_or_400_naming_the_parameter_never_a_5xx(api, bad_input_lab,
                                                                                        lab_tokens, template, kind):
    reply = api.fresh().get(template.format(ODD_QUERY_VALUES[kind]), api_key=bad_input_lab["apiKey"],
                           token=lab_tokens())
    assert reply.status in (200, 400), (reply.status, reply.raw[:300])
    if reply.status == 400:
        body = envelope(reply, 400, "VALIDATION_ERROR", "UNKNOWN_TIME_ZONE")
        parameter = template.rsplit("&", 1)[-1].split("?")[-1].split("=")[0]
        named = [body["details"]] if isinstance(body["details"], dict) else body["details"]
        assert parameter in {d["field"] for d in named}, body["details"]
    else:
        assert reply.json["success"] is True
    assert reply.header("X-Injected") is None


@pytest.mark.parametrize("spelling", ["42.0", "042", "4e1", "+42", " 42"])
def test_given_a_class_id_spelled_otherwise_than_digits_then_400_naming_it(api, demo, spelling):
    """Only the canonical spelling names a class: 42.0 or 042 are not aliases of class 42."""
    from urllib.parse import quote

    reply = api.get(f"/content/classes/{quote(spelling)}", api_key=demo["apiKeys"]["studio"])
    assert reply.status == 400 and reply.json["code"] == "VALIDATION_ERROR"
    assert reply.json["details"][0]["field"] == "id"
