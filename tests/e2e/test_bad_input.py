"""Hostile and careless input over HTTP against the local API, for what fuzzers miss: huge and deeply nested
bodies, wrong media types, unicode and control characters in emails and names, numbers of the wrong kind,
another client's ids, odd path ids and header injection into the LiveKit room. Every answer is the envelope
with the right status, never a 5xx or a redirect, and nothing is stored mangled (each acceptance is read back).

Path and query ids, and other clients' ids: test_bad_input_ids.py. Injection into POST /livekit/token:
test_bad_input_livekit.py.
"""
from __future__ import annotations

import itertools
import json
import unicodedata
import uuid
from typing import Any

import pytest

from local.template import documented_routes
from tests.support.http import Api, Reply, envelope

JSON = {"Content-Type": "application/json"}
BODY_ROUTES = [(r.method, r.path.removeprefix("/api/v1")) for r in documented_routes()
               if r.method in ("POST", "PUT", "PATCH")]
BODYLESS = {("POST", "/sessions/{id}/complete")}  # take no body: one sent is never parsed, so never a 400
PLACEHOLDERS = {"{id}": "ses_" + "0" * 24, "{code}": "ZEN-NOPE", "{sessionId}": "bad-input-session-0001"}


# --- helpers ------------------------------------------------------------------------------------------------------
def names_field(reply: Reply, field: str) -> None:
    """A 400 VALIDATION_ERROR whose details name `field`."""
    body = envelope(reply, 400, "VALIDATION_ERROR")
    assert field in {d["field"] for d in body["details"]}, body["details"]


def concrete(path: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        path = path.replace(placeholder, value)
    return path


def raw_json(value: Any) -> bytes:
    """JSON as an app would send it: UTF-8, not \\u-escaped."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def email() -> str:
    return f"bad-input-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture(scope="module")
def tokens(local_api, bad_input_lab) -> Any:
    """`tokens(path)`: a bearer of the lab client that the route's own door lets through, so that the sweep
    reaches the function's body handling: a member (a new one every 10 requests, so that none meets its own rate
    limit, burst 20 and 100 a minute, in a sweep over every route), a trainer on /trainer/*, the voice agent's
    credential on /agent/*, and a partner manager (a new one every 10 requests) on the partner portal."""
    from shared.auth import tokens as signed
    from shared.domain import partner_staff, provisioning
    from shared.http.caller import AGENT_SCOPES_FOR_USER

    base = f"{local_api.base_url}/api/v1"
    lab = bad_input_lab["clientId"]
    uses = itertools.count()
    current: dict[str, str] = {}
    partner = provisioning.create_partner(lab, "Bad Input Partner")

    def member() -> str:
        reply = Api(base).post("/auth/register", {"email": email(), "password": "securepassword"},
                               api_key=bad_input_lab["apiKey"])
        assert reply.status == 201, reply.raw
        return str(reply.data["accessToken"])

    def manager() -> str:
        staff_email = f"manager-{uuid.uuid4().hex[:10]}@partner.example"
        partner_staff.create_staff(lab, partner["id"], staff_email, "bad-input-staff-pass", role="manager")
        reply = Api(base).post("/partner-auth/login", {"email": staff_email, "password": "bad-input-staff-pass"},
                               api_key=bad_input_lab["apiKey"])
        assert reply.status == 200, reply.raw
        return str(reply.data["accessToken"])

    def next_token(path: str = "") -> str:
        if path.startswith("/trainer/"):
            return signed.issue(f"usr_{uuid.uuid4().hex[:24]}", lab, "trainer")[0]
        if path.startswith("/agent/"):
            return signed.issue(f"usr_{uuid.uuid4().hex[:24]}", lab, "user", typ=signed.AGENT,
                                extra={"scope": list(AGENT_SCOPES_FOR_USER)})[0]
        kind = "partner" if path.startswith(("/partner/", "/partner-auth/")) else "member"
        if next(uses) % 10 == 0 or kind not in current:
            current.update(member=member(), partner=manager())
        return current[kind]

    return next_token


def send(api: Api, method: str, path: str, body: bytes, key: str, token: str | None,
         headers: dict[str, str] | None = None) -> Reply:
    return api.fresh().request(method, path, body=body, headers=headers if headers is not None else JSON,
                              api_key=key, token=token)


# --- bodies of 1 MB and more ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("method, path", BODY_ROUTES)
def test_given_a_1_mb_body_on_any_route_then_413_payload_too_large_in_the_envelope(api, bad_input_lab, tokens,
                                                                                   method, path):
    body = raw_json({"email": "x" * (1 << 20)})
    reply = send(api, method, concrete(path), body, bad_input_lab["apiKey"], tokens(path))
    envelope(reply, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize("method, path", [(r.method, r.path.removeprefix("/api/v1")) for r in documented_routes()
                                          if r.method in ("GET", "DELETE")])
def test_given_a_1_mb_body_on_a_get_or_delete_then_413_too(api, bad_input_lab, tokens, method, path):
    reply = send(api, method, concrete(path), b"[" + b" " * (1 << 20) + b"]", bad_input_lab["apiKey"], tokens(path))
    envelope(reply, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize("size", [5 * 1024 * 1024, 10 * 1024 * 1024])
def test_given_bodies_up_to_the_gateways_10_mb_then_the_function_answers_413(api, demo, size):
    reply = send(api, "POST", "/auth/login", b"[" + b" " * (size - 2) + b"]", demo["apiKeys"]["studio"], None)
    envelope(reply, 413, "PAYLOAD_TOO_LARGE")


def test_given_a_body_at_the_256_kib_limit_then_it_is_read_and_one_byte_more_is_refused(api, demo):
    key = demo["apiKeys"]["studio"]
    login = b'{"email": "nobody@example.com", "password": "whatever-it-is"}'
    padded = login[:-1] + b" " * (256 * 1024 - len(login)) + b"}"
    assert len(padded) == 256 * 1024
    envelope(send(api, "POST", "/auth/login", padded, key, None), 401, "INVALID_CREDENTIALS")
    envelope(send(api, "POST", "/auth/login", padded[:-1] + b" }", key, None), 413, "PAYLOAD_TOO_LARGE")


def test_given_a_long_string_under_the_body_limit_then_400_naming_the_field_not_413(api, demo):
    reply = send(api, "POST", "/auth/register", raw_json({"email": email(), "password": "p" * 200_000}),
                 demo["apiKeys"]["studio"], None)
    names_field(reply, "password")


# --- deeply nested JSON -------------------------------------------------------------------------------------------
NESTINGS = {
    "10k lists": b"[" * 10_000 + b"]" * 10_000,
    "10k objects": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "10k lists in a field": b'{"email":' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "100k open brackets": b"[" * 100_000,
}


@pytest.mark.timeout(60)  # a parser that hangs on nesting fails here instead of holding the suite
@pytest.mark.parametrize("method, path", BODY_ROUTES)
@pytest.mark.parametrize("nesting", list(NESTINGS))
def test_given_deeply_nested_json_on_any_route_then_a_400_never_a_500(api, bad_input_lab, tokens, method,
                                                                      path, nesting):
    reply = send(api, method, concrete(path), NESTINGS[nesting], bad_input_lab["apiKey"], tokens(path))
    if (method, path) in BODYLESS:
        envelope(reply, 404, "NOT_FOUND")  # the placeholder session is unknown; the body was never read
    else:
        envelope(reply, 400, "INVALID_JSON", "VALIDATION_ERROR")


def test_given_nesting_python_can_parse_then_validation_names_the_field(api, demo):
    body = b'{"email": "a@example.com", "password": ' + b"[" * 500 + b"]" * 500 + b"}"
    names_field(send(api, "POST", "/auth/login", body, demo["apiKeys"]["studio"], None), "password")


# --- wrong content types ------------------------------------------------------------------------------------------
WRONG_TYPES = {"text/plain": "text/plain", "form": "application/x-www-form-urlencoded",
               "multipart": "multipart/form-data; boundary=x", "xml": "application/xml", "none": None}


@pytest.mark.parametrize("method, path", BODY_ROUTES)
@pytest.mark.parametrize("kind", list(WRONG_TYPES))
def test_given_a_body_that_is_not_declared_json_on_any_route_then_415(api, bad_input_lab, tokens, method, path,
                                                                      kind):
    content_type = WRONG_TYPES[kind]
    headers = {"Content-Type": content_type} if content_type else {}
    reply = send(api, method, concrete(path), b'{"sessionId": "bad-input-session-0001"}', bad_input_lab["apiKey"],
                 tokens(path), headers=headers)
    envelope(reply, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_given_a_registration_sent_as_a_form_then_415_and_no_account_is_made(api, demo):
    address, key = email(), demo["apiKeys"]["studio"]
    form = f"email={address}&password=securepassword".encode()
    envelope(send(api, "POST", "/auth/register", form, key, None,
                  headers={"Content-Type": "application/x-www-form-urlencoded"}), 415, "UNSUPPORTED_MEDIA_TYPE")
    # Then: the email is still free
    created = send(api, "POST", "/auth/register", raw_json({"email": address, "password": "securepassword"}), key, None)
    assert created.status == 201, created.raw


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON",
                                          "application/json;charset=UTF-8"])
def test_given_json_declared_with_a_charset_or_in_capitals_then_it_is_read(api, demo, content_type):
    body = raw_json({"email": "nobody@example.com", "password": "whatever-it-is"})
    reply = send(api, "POST", "/auth/login", body, demo["apiKeys"]["studio"], None,
                 headers={"Content-Type": content_type})
    envelope(reply, 401, "INVALID_CREDENTIALS")


@pytest.mark.parametrize("body", [b"null", b"[]", b'"text"', b"42", b"true", b""])
def test_given_a_json_body_that_is_not_an_object_then_400(api, demo, body):
    reply = send(api, "POST", "/auth/register", body, demo["apiKeys"]["studio"], None)
    envelope(reply, 400, "VALIDATION_ERROR", "INVALID_JSON")


def test_given_bytes_that_are_not_utf8_then_400_invalid_json_and_nothing_is_stored(api, demo):
    key, address = demo["apiKeys"]["studio"], email()
    body = b'{"email": "' + address.encode() + b'", "password": "securepassword", "name": "Zo\xeb \xff\xfe"}'
    envelope(send(api, "POST", "/auth/register", body, key, None), 400, "INVALID_JSON")
    created = send(api, "POST", "/auth/register", raw_json({"email": address, "password": "securepassword"}), key,
                   None)
    assert created.status == 201 and created.data["user"]["name"] is None


# --- unicode in emails --------------------------------------------------------------------------------------------
ACCEPTED_EMAILS = {
    "IDN domain": "jane-{}@bücher.de",
    "punycode domain": "jane-{}@xn--bcher-kva.de",
    "unicode everywhere": "用户-{}@例子.广告",
    "emoji local part": "😀-{}@example.com",
    "cyrillic": "юля-{}@пример.рф",
    "capitals": "Jane.Doe-{}@Example.COM",
}
# The one spelling an address is kept in: the local part NFC and lower case, the domain in its ASCII form.
ASCII_DOMAINS = {"bücher.de": "xn--bcher-kva.de", "例子.广告": "xn--fsqu00a.xn--4rr70v",
                 "пример.рф": "xn--e1afmkfd.xn--p1ai"}


@pytest.mark.parametrize("kind", list(ACCEPTED_EMAILS))
def test_given_an_international_email_then_it_is_kept_in_its_one_spelling_and_signs_in_as_sent(api, demo, kind):
    key = demo["apiKeys"]["studio"]
    address = ACCEPTED_EMAILS[kind].format(uuid.uuid4().hex[:8])
    created = send(api, "POST", "/auth/register", raw_json({"email": address, "password": "securepassword"}), key,
                   None)
    assert created.status == 201, created.raw
    local, _, domain = unicodedata.normalize("NFC", address).lower().rpartition("@")
    expected = f"{local}@{ASCII_DOMAINS.get(domain, domain)}"
    me = api.fresh().get("/users/me", api_key=key, token=created.data["accessToken"])
    assert me.data["email"] == expected
    login = send(api, "POST", "/auth/login", raw_json({"email": address, "password": "securepassword"}), key, None)
    assert login.status == 200 and login.data["user"]["id"] == created.data["user"]["id"]


REFUSED_EMAILS = {
    "NUL": "ja\x00ne@example.com", "line feed": "jane\n@example.com", "CR LF": "jane\r\n@example.com",
    "zero-width space": "jane@example.com\u200b", "byte-order mark": "\ufeffjane@example.com",
    "right-to-left override": "jane@exa\u202emple.com", "soft hyphen": "ja\u00adne@example.com",
    "no-break space": "jane\u00a0doe@example.com", "line separator": "jane@exam\u2028ple.com",
    "local part of 65": "j" * 65 + "@example.com", "address of 255": "jane@" + "d" * 246 + ".com",
    "overlong": "j" * 5000 + "@example.com", "label starting with a hyphen": "jane@-example.com",
    "no domain dot": "jane@example", "two ats": "jane@doe@example.com", "escape": "jane\x1b[31m@example.com",
}


@pytest.mark.parametrize("kind", list(REFUSED_EMAILS))
def test_given_an_email_with_control_or_invisible_characters_then_400_naming_email(api, demo, kind):
    reply = send(api, "POST", "/auth/register", raw_json({"email": REFUSED_EMAILS[kind], "password": "securepassword"}),
                 demo["apiKeys"]["studio"], None)
    names_field(reply, "email")


def test_given_a_decomposed_spelling_of_a_registered_email_then_it_is_the_same_account(api, demo):
    key, tag = demo["apiKeys"]["studio"], uuid.uuid4().hex[:8]
    composed, decomposed = f"j\u00fcrgen-{tag}@example.com", f"ju\u0308rgen-{tag}@example.com"
    first = send(api, "POST", "/auth/register", raw_json({"email": decomposed, "password": "securepassword"}), key,
                 None)
    assert first.status == 201 and first.data["user"]["email"] == composed
    envelope(send(api, "POST", "/auth/register", raw_json({"email": composed, "password": "securepassword"}), key,
                  None), 409, "USER_EXISTS")


def test_given_a_registered_email_with_an_invisible_character_added_then_no_second_account(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    twin = member["email"].replace("@", "\u200b@")
    names_field(send(api, "POST", "/auth/register", raw_json({"email": twin, "password": "securepassword"}), key,
                     None), "email")


def test_given_a_password_with_nul_and_emoji_then_it_works_exactly_as_sent(api, demo):
    key, address, password = demo["apiKeys"]["studio"], email(), "pa\x00ss 😀 wörd"
    assert send(api, "POST", "/auth/register", raw_json({"email": address, "password": password}), key,
                None).status == 201
    assert send(api, "POST", "/auth/login", raw_json({"email": address, "password": password}), key,
                None).status == 200
    envelope(send(api, "POST", "/auth/login", raw_json({"email": address, "password": "pa"}), key, None), 401,
             "INVALID_CREDENTIALS")


# --- unicode in names ---------------------------------------------------------------------------------------------
ACCEPTED_NAMES = {
    "arabic (RTL)": "مرحبا بالعالم", "hebrew (RTL)": "שלום עולם", "emoji with joiners": "Jane 🏋️‍♀️💪🏽",
    "CJK": "山田 太郎", "combining marks": "Zoe\u0308 Ångström", "100 emoji": "😀" * 100,
    "markup is text": "<script>alert(1)</script>", "persian with a zero-width non-joiner": "می\u200cخواهم",
    "astral plane": "\U0001d49c\U0010fffd",
}


@pytest.mark.parametrize("kind", list(ACCEPTED_NAMES))
def test_given_a_unicode_name_at_registration_then_it_reads_back_exactly(api, demo, kind):
    key, name = demo["apiKeys"]["studio"], ACCEPTED_NAMES[kind]
    created = send(api, "POST", "/auth/register",
                   raw_json({"email": email(), "password": "securepassword", "name": name}), key, None)
    assert created.status == 201, created.raw
    me = api.fresh().get("/users/me", api_key=key, token=created.data["accessToken"])
    assert me.data["name"] == name


REFUSED_NAMES = {
    "NUL": "Zo\u00eb\x00", "line feed": "Jane\nDoe", "CR LF": "Jane\r\nSet-Cookie: x=1", "tab": "Jane\tDoe",
    "escape sequence": "\x1b[31mJane", "DEL": "Jane\x7f", "C1 control": "Ja\x85ne",
    "right-to-left override": "evil\u202egnp.exe", "left-to-right isolate": "Jane\u2066Doe",
    "101 characters": "x" * 101, "only spaces": "   ",
}


@pytest.mark.parametrize("kind", list(REFUSED_NAMES))
def test_given_a_name_with_control_characters_or_too_long_then_400_naming_name_and_no_account(api, demo, kind):
    key, address = demo["apiKeys"]["studio"], email()
    reply = send(api, "POST", "/auth/register",
                 raw_json({"email": address, "password": "securepassword", "name": REFUSED_NAMES[kind]}), key, None)
    names_field(reply, "name")
    login = send(api, "POST", "/auth/login", raw_json({"email": address, "password": "securepassword"}), key, None)
    envelope(login, 401, "INVALID_CREDENTIALS")


def test_given_a_lone_surrogate_escape_in_a_name_then_400_naming_name(api, demo):
    body = b'{"email": "' + email().encode() + b'", "password": "securepassword", "name": "\\ud800"}'
    names_field(send(api, "POST", "/auth/register", body, demo["apiKeys"]["studio"], None), "name")


def test_given_a_member_renaming_to_control_characters_then_400_and_the_name_is_unchanged(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key, name="مرحبا Jane")
    for method in ("PUT", "PATCH"):
        for bad in ("Jane\x00", "Jane\r\nDoe", "x" * 101):
            names_field(send(api, method, "/users/me", raw_json({"name": bad}), key, member["accessToken"]), "name")
        names_field(send(api, method, "/users/me", raw_json({"profile": {"gender": "f\x00"}}), key,
                         member["accessToken"]), "profile.gender")
    me = api.fresh().get("/users/me", api_key=key, token=member["accessToken"]).data
    assert me["name"] == "مرحبا Jane" and me["profile"]["gender"] is None


def test_given_onboarding_answers_in_unicode_then_they_read_back_exactly_and_control_characters_are_refused(api,
                                                                                                          demo):
    key, session = demo["apiKeys"]["studio"], f"bad-input-{uuid.uuid4().hex}"
    saved = send(api, "POST", "/onboarding/profile",
                 raw_json({"sessionId": session, "name": "ياسمين 🌸", "gender": "نساء"}), key, None)
    assert saved.status == 201, saved.raw
    resume = {"X-Resume-Token": json.loads(saved.raw)["data"]["resumeToken"]}
    for field, bad in (("name", "Jane\x00"), ("name", "a\u202eb"), ("gender", "f\nm"), ("name", "x" * 101)):
        names_field(send(api, "POST", "/onboarding/profile", raw_json({"sessionId": session, field: bad}), key,
                         None), field)
    profile = api.fresh().get(f"/onboarding/profile/{session}", api_key=key, headers=resume).data["profile"]
    assert profile["name"] == "ياسمين 🌸" and profile["gender"] == "نساء"


# --- numbers as strings, floats for integers ------------------------------------------------------------------------
WRONG_INTEGERS = {"string": "28", "float": 28.5, "boolean": True}


@pytest.mark.parametrize("kind", list(WRONG_INTEGERS))
def test_given_age_that_is_not_an_integer_then_400_naming_age_wherever_it_is_sent(api, demo, new_member, kind):
    key, value = demo["apiKeys"]["studio"], WRONG_INTEGERS[kind]
    session = f"bad-input-{uuid.uuid4().hex}"
    names_field(send(api, "POST", "/onboarding/profile", raw_json({"sessionId": session, "age": value}), key, None),
                "age")
    names_field(send(api, "POST", "/auth/register",
                     raw_json({"email": email(), "password": "securepassword", "profile": {"age": value}}), key,
                     None), "profile.age")
    member = new_member(key)
    names_field(send(api, "PATCH", "/users/me", raw_json({"profile": {"age": value}}), key, member["accessToken"]),
                "profile.age")
    assert api.fresh().get("/users/me", api_key=key, token=member["accessToken"]).data["profile"]["age"] is None


@pytest.mark.parametrize("value", ["42", 42.5, True, None, [42], {"id": 42}])
def test_given_a_class_id_that_is_not_an_integer_then_400_naming_classid_and_no_session(api, demo, new_member, value):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    names_field(send(api, "POST", "/sessions/start", raw_json({"classId": value, "deviceType": "mobile"}), key,
                     member["accessToken"]), "classId")
    history = api.fresh().get("/sessions/history", api_key=key, token=member["accessToken"]).data
    assert history["items"] == [] and history["pagination"]["total"] == 0


@pytest.mark.parametrize("value", ["5", 5.5])
def test_given_a_coach_id_that_is_not_an_integer_then_400_naming_coachid(api, demo, value):
    key, session = demo["apiKeys"]["studio"], f"bad-input-{uuid.uuid4().hex}"
    started = send(api, "POST", "/onboarding/profile", raw_json({"sessionId": session}), key, None)
    assert started.status == 201
    resume = {"X-Resume-Token": json.loads(started.raw)["data"]["resumeToken"]}
    names_field(send(api, "POST", "/onboarding/select-coach", raw_json({"sessionId": session, "coachId": value}), key,
                     None), "coachId")
    names_field(send(api, "POST", "/auth/register",
                     raw_json({"email": email(), "password": "securepassword", "coachId": value}), key, None),
                "coachId")
    assert api.fresh().get(f"/onboarding/profile/{session}", api_key=key, headers=resume).data["coachId"] is None


@pytest.mark.parametrize("field, value", [("workoutsPerWeek", 4.5), ("workoutsPerWeek", "4"), ("height", "170"),
                                          ("weight", "65.5"), ("fitnessGoal", 1), ("fitnessLevel", ["beginner"])])
def test_given_other_profile_numbers_of_the_wrong_kind_then_400_naming_them(api, demo, field, value):
    body = {"sessionId": f"bad-input-{uuid.uuid4().hex}", field: value}
    names_field(send(api, "POST", "/onboarding/profile", raw_json(body), demo["apiKeys"]["studio"], None), field)


def test_given_heartbeat_numbers_as_strings_then_400_naming_them(api, demo, new_member):
    key = demo["apiKeys"]["studio"]
    member = new_member(key)
    started = send(api, "POST", "/sessions/start", b'{ "classId": 42, "deviceType": "mobile" }', key,
                   member["accessToken"])
    session = started.data["session"]["id"]
    for body, field in (({"progressSeconds": "540", "totalDurationSeconds": 1800}, "progressSeconds"),
                        ({"progressSeconds": 540, "totalDurationSeconds": "1800"}, "totalDurationSeconds")):
        names_field(send(api, "POST", f"/sessions/{session}/progress", raw_json(body), key, member["accessToken"]),
                    field)
    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        body = b'{"progressSeconds": ' + literal + b', "totalDurationSeconds": 1800}'
        reply = send(api, "POST", f"/sessions/{session}/progress", body, key, member["accessToken"])
        envelope(reply, 400, "VALIDATION_ERROR", "INVALID_JSON")
    history = api.fresh().get("/sessions/history", api_key=key, token=member["accessToken"]).data
    assert history["items"][0]["progressSeconds"] == 0 and history["items"][0]["status"] == "in_progress"


def test_given_a_trainer_id_with_a_fraction_then_400_naming_it_in_the_list(api, demo):
    key = demo["apiKeys"]["studio"]
    admin = next(u for u in demo["users"] if u["role"] == "client_admin")
    signed_in = send(api, "POST", "/auth/login", raw_json({"email": admin["email"], "password": admin["password"]}),
                     key, None)
    reply = send(api, "PUT", "/hume-config/trainers",
                 raw_json({"trainers": [{"trainerId": 1.5, "configId": "maya-chen-evi-config"}]}), key,
                 signed_in.data["accessToken"])
    names_field(reply, "trainers.0.trainerId")


def test_given_whole_floats_where_integers_are_documented_then_they_are_the_integers_they_spell(api, demo,
                                                                                              new_member):
    # Given: Python clients write 28.0 for 28 (json.dumps(28.0)), and JSON Schema counts it as an integer
    key = demo["apiKeys"]["studio"]
    session = f"bad-input-{uuid.uuid4().hex}"
    # When: the wizard sends age 28.0 and workoutsPerWeek 4.0, then selects coach 5.0
    saved = send(api, "POST", "/onboarding/profile",
                 raw_json({"sessionId": session, "age": 28.0, "workoutsPerWeek": 4.0}), key, None)
    chosen = send(api, "POST", "/onboarding/select-coach", raw_json({"sessionId": session, "coachId": 5.0}), key,
                  None)
    # Then: they are stored and answered as the integers 28, 4 and 5
    assert saved.status == 201 and chosen.status == 200, (saved.raw, chosen.raw)
    read_back = api.fresh().get(f"/onboarding/profile/{session}", api_key=key,
                                headers={"X-Resume-Token": saved.data["resumeToken"]})
    resumed = read_back.data
    assert resumed["profile"]["age"] == 28 and type(resumed["profile"]["age"]) is int
    assert resumed["profile"]["workoutsPerWeek"] == 4 and resumed["coachId"] == 5
    assert b'"age":28,' in read_back.raw
    # And: a member starts class 42.0 and updates age 31.0 like any other client
    member = new_member(key)
    started = send(api, "POST", "/sessions/start", raw_json({"classId": 42.0, "deviceType": "mobile"}), key,
                   member["accessToken"])
    assert started.status == 201 and started.data["session"]["classId"] == 42
    patched = send(api, "PATCH", "/users/me", raw_json({"profile": {"age": 31.0}}), key, member["accessToken"])
    assert patched.status == 200 and patched.data["profile"]["age"] == 31


def test_given_an_integer_of_5000_digits_then_a_400_not_a_500(api, demo):
    body = b'{"sessionId": "bad-input-session-0001", "age": ' + b"9" * 5000 + b"}"
    envelope(send(api, "POST", "/onboarding/profile", body, demo["apiKeys"]["studio"], None), 400,
             "INVALID_JSON", "VALIDATION_ERROR")


def test_given_an_unknown_field_then_400_naming_it(api, demo):
    body = {"email": email(), "password": "securepassword", "clientId": "fitco-wellness"}
    names_field(send(api, "POST", "/auth/register", raw_json(body), demo["apiKeys"]["studio"], None), "clientId")


def test_given_a_gzipped_json_body_then_400_invalid_json_not_garbage(api, demo):
    import gzip

    body = gzip.compress(raw_json({"email": email(), "password": "securepassword", "name": "Zip"}))
    reply = send(api, "POST", "/auth/register", body, demo["apiKeys"]["studio"], None,
                 headers={**JSON, "Content-Encoding": "gzip"})
    envelope(reply, 400, "INVALID_JSON")


def test_given_20000_unknown_fields_then_a_short_400_that_still_names_the_real_ones(api, demo):
    body = ("{" + ",".join(f'"k{i}": 0' for i in range(20_000)) + "}").encode()
    assert len(body) < 256 * 1024
    reply = send(api, "POST", "/auth/login", body, demo["apiKeys"]["studio"], None)
    body = envelope(reply, 400, "VALIDATION_ERROR")
    assert len(reply.raw) < 4096 and len(body["details"]) <= 20
    assert {"email", "password"} <= {d["field"] for d in body["details"]} and body["error"].endswith("more")
