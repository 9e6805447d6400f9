"""POST /auth/register over HTTP: validation, uniqueness, vouchers, the universal key, and the onboarding
profile and coach moving into the account in the same transaction (all of it or none)."""
from __future__ import annotations

import uuid

import pytest

from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import provisioning
from tests.support.http import Api


def _email() -> str:
    return f"reg-{uuid.uuid4().hex[:12]}@example.com"


def _session() -> str:
    return f"sess-{uuid.uuid4().hex}"


@pytest.mark.parametrize("body, field", [
    ({"email": "not-an-email", "password": "securepassword"}, "email"),
    ({"email": "a@b", "password": "securepassword"}, "email"),
    ({"email": "x@example.com", "password": "short"}, "password"),
    ({"email": "x@example.com", "password": "p" * 129}, "password"),
    ({"email": "x@example.com"}, "password"),
    ({"email": "x@example.com", "password": "securepassword", "coachId": "5"}, "coachId"),
    ({"email": "x@example.com", "password": "securepassword", "role": "platform_admin"}, "role"),
    ({"email": "x@example.com", "password": "securepassword", "sessionId": "short"}, "sessionId"),
    ({"email": "x@example.com", "password": "securepassword", "profile": {"age": 12}}, "profile.age"),
    ({"email": "x@example.com", "password": "securepassword", "profile": {"fitnessGoal": "fame"}},
     "profile.fitnessGoal"),
])
def test_given_a_bad_field_when_registering_then_400_naming_it(api, demo, body, field):
    reply = api.fresh().post("/auth/register", body, api_key=demo["apiKeys"]["studio"])
    assert reply.status == 400 and reply.json["code"] == "VALIDATION_ERROR"
    assert field in {d["field"] for d in reply.json["details"]}
    assert "securepassword" not in reply.raw.decode() and "p" * 129 not in reply.raw.decode()


def test_given_a_password_of_8_and_of_128_characters_then_both_are_accepted(api, demo):
    for password in ("12345678", "x" * 128):
        assert api.fresh().post("/auth/register", {"email": _email(), "password": password},
                                api_key=demo["apiKeys"]["studio"]).status == 201


def test_given_an_email_taken_in_another_case_and_with_spaces_then_409_user_exists(api, demo):
    email = _email()
    key = demo["apiKeys"]["studio"]
    assert api.fresh().post("/auth/register", {"email": email, "password": "securepassword"}, api_key=key).status == 201
    again = api.fresh().post("/auth/register", {"email": f"  {email.upper()} ", "password": "securepassword"},
                             api_key=key)
    assert again.status == 409 and again.json["code"] == "USER_EXISTS"


def test_given_one_email_in_two_clients_then_two_separate_accounts(api, demo):
    email = _email()
    first = api.fresh().post("/auth/register", {"email": email, "password": "securepassword"},
                             api_key=demo["apiKeys"]["studio"])
    second = api.fresh().post("/auth/register", {"email": email, "password": "securepassword",
                                                 "voucherCode": "STUDIO-ABC123"}, api_key=demo["apiKeys"]["partner"])
    assert first.status == second.status == 201
    assert first.data["user"]["clientId"] != second.data["user"]["clientId"]


def test_given_the_email_is_stored_then_it_is_trimmed_and_lower_cased(api, demo):
    email = _email()
    reply = api.fresh().post("/auth/register", {"email": f" {email.upper()}  ", "password": "securepassword"},
                             api_key=demo["apiKeys"]["studio"])
    assert reply.data["user"]["email"] == email
    assert reply.data["user"]["id"].startswith("usr_")


@pytest.mark.parametrize("setup, reason", [("unknown", "not_found"), ("expired", "expired"),
                                           ("revoked", "revoked"), ("used", "redeemed")])
def test_given_an_unusable_voucher_then_invalid_voucher_and_validate_says_why(api, demo, setup, reason):
    partner = demo["partner"]
    key = demo["apiKeys"]["partner"]
    if setup == "unknown":
        code = "STUDIO-NOPE2345"
    else:
        voucher = provisioning.create_voucher(partner["clientId"], partner_id=partner["id"], prefix="T")
        code = voucher["code"]
        repo = get_repository()
        if setup == "expired":
            repo.update(keys.voucher(code), "SET expiresAt = :e", values={":e": "2020-01-01T00:00:00Z"})
        elif setup == "revoked":
            repo.update(keys.voucher(code), "SET #s = :r", names={"#s": "status"}, values={":r": "revoked"})
        else:
            assert api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword",
                                                       "voucherCode": code}, api_key=key).status == 201
    validated = api.fresh().post("/auth/voucher/validate", {"code": code}, api_key=key)
    assert validated.status == 200 and validated.data["valid"] is False and validated.data["reason"] == reason
    reply = api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword",
                                                "voucherCode": code}, api_key=key)
    assert reply.status == 400 and reply.json["code"] == "INVALID_VOUCHER"


def test_given_a_voucher_of_another_client_with_a_client_key_then_other_client_and_nothing_shown(api, demo):
    key = demo["apiKeys"]["studio"]
    validated = api.fresh().post("/auth/voucher/validate", {"code": "STUDIO-ABC123"}, api_key=key)
    assert validated.data["valid"] is False and validated.data["reason"] == "other_client"
    assert validated.data["client"] is None and validated.data["partner"] is None
    reply = api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword",
                                                "voucherCode": "STUDIO-ABC123"}, api_key=key)
    assert reply.status == 400 and reply.json["code"] == "INVALID_VOUCHER"


def test_given_a_lower_case_voucher_code_then_it_is_the_same_code(api, demo):
    reply = api.fresh().post("/auth/voucher/validate", {"code": " studio-abc123 "}, api_key=demo["apiKeys"]["partner"])
    assert reply.data["valid"] is True and reply.data["voucher"]["code"] == "STUDIO-ABC123"


def test_given_the_universal_key_and_a_voucher_then_the_member_joins_the_vouchers_client(api, demo):
    reply = api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword",
                                                "voucherCode": "STUDIO-ABC123"}, api_key=demo["apiKeys"]["universal"])
    assert reply.status == 201
    assert reply.data["user"]["clientId"] == "fitco-wellness" and reply.data["client"]["name"] == "FitCo Wellness"
    assert reply.data["user"]["partner"]["id"] == "fitco-benefits"
    # and the universal key with that member's token reads the member
    me = api.fresh().get("/users/me", api_key=demo["apiKeys"]["universal"], token=reply.data["accessToken"])
    assert me.status == 200 and me.data["clientId"] == "fitco-wellness"


def test_given_the_universal_key_and_no_voucher_then_the_default_client(api, demo):
    reply = api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword"},
                             api_key=demo["apiKeys"]["universal"])
    assert reply.status == 201 and reply.data["user"]["clientId"] == demo["clients"]["studio"]["id"]


def test_given_the_universal_key_and_no_default_client_then_no_default_client(api, demo):
    repo = get_repository()
    before = repo.get(keys.platform_settings())["defaultClientId"]
    repo.update(keys.platform_settings(), "REMOVE defaultClientId")
    try:
        reply = api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword"},
                                 api_key=demo["apiKeys"]["universal"])
    finally:
        provisioning.set_default_client(before)
    assert reply.status == 400 and reply.json["code"] == "NO_DEFAULT_CLIENT"


def _onboard(api: Api, key: str, session: str, coach_id: int | None = None, **profile) -> None:
    reply = api.fresh().post("/onboarding/profile", {"sessionId": session, **profile}, api_key=key)
    assert reply.status in (200, 201), reply.json
    if coach_id is not None:
        selected = api.fresh().post("/onboarding/select-coach", {"sessionId": session, "coachId": coach_id},
                                    api_key=key)
        assert selected.status == 200, selected.json


def _coach(client_id: str, coach_id: int) -> dict:
    return get_repository().get(keys.coach(client_id, coach_id), consistent=True)


def test_given_an_onboarding_session_and_a_coach_when_registering_then_both_move_into_the_account(api, demo):
    key, studio = demo["apiKeys"]["studio"], demo["clients"]["studio"]["id"]
    session = _session()
    _onboard(api, key, session, name="Jane", age=28, gender="female", height=170, weight=65,
             fitnessGoal="weight_loss", fitnessLevel="intermediate", workoutsPerWeek=4)
    members_before = _coach(studio, 5)["memberCount"]

    # When registering as the guide's onboarding section does, naming coach 5
    reply = api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword", "name": "Jane",
                                                "sessionId": session, "coachId": 5}, api_key=key)

    # Then the profile and the coach are the member's, the coach counts one more member
    assert reply.status == 201, reply.json
    user = reply.data["user"]
    assert user["profile"] == {"age": 28, "gender": "female", "height": 170, "weight": 65,
                               "fitnessGoal": "weight_loss", "fitnessLevel": "intermediate", "workoutsPerWeek": 4}
    assert user["coach"]["id"] == 5 and user["coach"]["name"] == _coach(studio, 5)["name"]
    assert user["name"] == "Jane"
    assert _coach(studio, 5)["memberCount"] == members_before + 1
    # and the onboarding session is consumed: gone for reads, unusable for a second registration
    assert api.fresh().get(f"/onboarding/profile/{session}", api_key=key,
                           headers={"X-Resume-Token": "t" * 32}).status == 404
    again = api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword",
                                                "sessionId": session}, api_key=key)
    assert again.status == 404 and again.json["code"] == "ONBOARDING_SESSION_NOT_FOUND"


def test_given_the_coach_chosen_in_onboarding_and_none_in_the_body_then_that_coach(api, demo):
    key = demo["apiKeys"]["studio"]
    session = _session()
    _onboard(api, key, session, coach_id=3, fitnessGoal="flexibility")
    reply = api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword",
                                                "sessionId": session, "name": "Flex",
                                                "profile": {"age": 40}}, api_key=key)
    assert reply.status == 201
    assert reply.data["user"]["coach"]["id"] == 3
    assert reply.data["user"]["profile"]["fitnessGoal"] == "flexibility" and reply.data["user"]["profile"]["age"] == 40


def test_given_an_expired_onboarding_session_then_404(api, demo, clock):
    key = demo["apiKeys"]["studio"]
    session = _session()
    _onboard(api, key, session, age=30)
    clock.advance(24 * 3600 + 1)
    reply = api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword",
                                                "sessionId": session}, api_key=key)
    assert reply.status == 404 and reply.json["code"] == "ONBOARDING_SESSION_NOT_FOUND"


def test_given_a_coach_of_another_client_then_404_and_nothing_is_written(api, demo):
    key = demo["apiKeys"]["studio"]
    partner_coach = next(c for c in demo["coaches"] if c["clientId"] == "fitco-wellness")
    email = _email()
    reply = api.fresh().post("/auth/register", {"email": email, "password": "securepassword",
                                                "coachId": partner_coach["id"]}, api_key=key)
    assert reply.status == 404 and reply.json["code"] == "NOT_FOUND"
    assert get_repository().get(keys.email_claim(demo["clients"]["studio"]["id"], email)) is None


def test_given_a_valid_voucher_and_a_consumed_session_then_nothing_happens_at_all(api, demo):
    """All or nothing: the voucher is not spent when another part of the registration fails."""
    partner = demo["partner"]
    key = demo["apiKeys"]["partner"]
    voucher = provisioning.create_voucher(partner["clientId"], partner_id=partner["id"], prefix="ATOM")
    session = _session()
    _onboard(api, key, session, age=33)
    assert api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword",
                                               "voucherCode": "STUDIO-ABC123", "sessionId": session},
                            api_key=key).status == 201
    email = _email()

    reply = api.fresh().post("/auth/register", {"email": email, "password": "securepassword",
                                                "voucherCode": voucher["code"], "sessionId": session}, api_key=key)

    assert reply.status == 404 and reply.json["code"] == "ONBOARDING_SESSION_NOT_FOUND"
    stored = get_repository().get(keys.voucher(voucher["code"]), consistent=True)
    assert stored["redemptions"] == 0 and stored["status"] == "active"
    assert get_repository().get(keys.email_claim(partner["clientId"], email), consistent=True) is None


def test_given_a_voucher_without_expiry_and_several_uses_then_each_use_counts_until_used_up(api, demo):
    partner = demo["partner"]
    key = demo["apiKeys"]["partner"]
    voucher = provisioning.create_voucher(partner["clientId"], partner_id=partner["id"], prefix="TEAM",
                                          expires_in_days=None, max_redemptions=2)
    replies = [api.fresh().post("/auth/register", {"email": _email(), "password": "securepassword",
                                                   "voucherCode": voucher["code"]}, api_key=key) for _ in range(3)]
    assert [r.status for r in replies] == [201, 201, 400]
    stored = get_repository().get(keys.voucher(voucher["code"]), consistent=True)
    assert stored["redemptions"] == 2 and stored["status"] == "redeemed"


def test_given_an_account_at_an_international_domain_when_registering_its_ascii_spelling_then_user_exists(api, demo):
    # Given a member registered as user@bücher.example (a fresh subdomain keeps the test independent)
    key = demo["apiKeys"]["studio"]
    label = uuid.uuid4().hex[:8]
    first = api.fresh().post("/auth/register", {"email": f"user@bücher-{label}.example",
                                                    "password": "securepassword"}, api_key=key)
    assert first.status == 201, first.json
    ascii_form = "user@" + f"bücher-{label}.example".encode("idna").decode()  # xn--bcher-...: IDNA 2003 agrees here
    assert first.data["user"]["email"] == ascii_form
    # When the same address is registered in its ASCII (punycode) form
    second = api.fresh().post("/auth/register", {"email": ascii_form, "password": "securepassword"},
                                  api_key=key)
    # Then it is the same account
    assert second.status == 409 and second.json["code"] == "USER_EXISTS"
    # and both spellings sign in to it
    for spelling in (f"USER@BÜCHER-{label}.example", ascii_form):
        login = api.fresh().post("/auth/login", {"email": spelling, "password": "securepassword"}, api_key=key)
        assert login.status == 200 and login.data["user"]["id"] == first.data["user"]["id"]

