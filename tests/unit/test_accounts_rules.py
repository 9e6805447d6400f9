"""The accounts' pure rules: emails, profiles, the member's public view, password hashing parameters,
the revocation rule and the voucher redemption's condition."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from shared.auth import passwords
from shared.auth.revocation import is_refused
from shared.domain import accounts


@pytest.mark.parametrize("raw, expected", [("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
                                           ("a@b.co", "a@b.co")])
def test_given_an_email_when_normalized_then_trimmed_and_lower_cased(raw, expected):
    assert accounts.normalize_email(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("user@bücher.example", "user@xn--bcher-kva.example"),
    ("USER@BÜCHER.EXAMPLE", "user@xn--bcher-kva.example"),
    ("user@bu\u0308cher.example", "user@xn--bcher-kva.example"),  # decomposed ü
    ("user@XN--BCHER-KVA.example", "user@xn--bcher-kva.example"),
    ("user@faß.de", "user@xn--fa-hia.de"),  # UTS-46 non-transitional: not fass.de, a domain of another owner
    ("юля@пример.рф", "юля@xn--e1afmkfd.xn--p1ai"),  # the local part is left as it is
    ("user@ab--ü.de", "user@ab--ü.de"),  # no IDNA name: kept as sent, the spelling of no ASCII domain
])
def test_given_an_international_domain_when_normalized_then_its_ascii_form(raw, expected):
    assert accounts.normalize_email(raw) == expected


@pytest.mark.parametrize("email, valid", [
    ("jane@example.com", True), ("j+tag@sub.example.co.uk", True), ("jane@example", False),
    ("jane@@example.com", False), ("jane example@example.com", False), ("@example.com", False),
    ("jane@.com", False), ("jane@example.com\n", False), ("x" * 65 + "@example.com", False),
    ("jane@exa\x00mple.com", False),
])
def test_given_an_address_then_its_syntax_is_judged(email, valid):
    assert accounts.is_valid_email(email) is valid


def test_given_onboarding_answers_and_registration_fields_then_the_registration_wins_and_name_is_not_profile():
    onboarding = {"name": "Jane", "age": 28, "fitnessGoal": "weight_loss", "weight": 65, "junk": "x"}
    given = {"age": 29, "workoutsPerWeek": 3, "height": None}
    assert accounts.merge_profile(onboarding, given) == {"age": 29, "fitnessGoal": "weight_loss", "weight": 65,
                                                         "workoutsPerWeek": 3}
    assert accounts.merge_profile(None, None) == {}


def test_given_a_stored_user_then_the_view_never_shows_the_password_hash_and_has_every_field():
    item = accounts.new_user_item("c1", "usr_1", "a@b.co", "$argon2id$secret", name="A", profile={"age": 40},
                                  partner_id="p1")
    view = accounts.user_view(item, coach={"id": 5, "name": "Maya", "bio": "x"}, partner={"id": "p1", "name": "P"})
    assert "passwordHash" not in view and "$argon2id$secret" not in str(view)
    assert view["profile"] == {"age": 40, "gender": None, "height": None, "weight": None, "fitnessGoal": None,
                               "fitnessLevel": None, "workoutsPerWeek": None}
    assert view["coach"] == {"id": 5, "name": "Maya"} and view["partner"] == {"id": "p1", "name": "P"}
    assert view["settings"] == {"notifications": True, "timeZone": None} and view["role"] == "user"
    assert item["GSI1PK"] == "CLIENT#c1#USERS" and item["PK"] == "CLIENT#c1#USER#usr_1"


def test_given_the_hasher_then_it_is_argon2id_at_owasps_minimum():
    made = passwords.hash_password("securepassword")
    assert made.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify(made, "securepassword") and not passwords.verify(made, "securepassworD")
    assert not passwords.needs_rehash(made)


def test_given_weaker_or_foreign_hashes_then_they_need_a_rehash_and_never_raise():
    weaker = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw-123456")
    assert passwords.verify(weaker, "pw-123456") and passwords.needs_rehash(weaker)
    assert passwords.needs_rehash("$2b$12$notargon") and not passwords.verify("garbage", "pw")


def test_given_a_revocation_millisecond_then_older_tokens_are_refused_and_newer_are_not():
    assert is_refused(1_000_500, issued_ms=1_000_499)  # issued in the same second, a millisecond before
    assert not is_refused(1_000_500, issued_ms=1_000_500)  # issued in the revocation's own millisecond
    assert not is_refused(None, issued_ms=5)


def test_given_a_vouchers_last_use_then_the_redemption_also_marks_it_redeemed_and_pins_the_count():
    last = accounts._voucher_redemption({"code": "V-1", "redemptions": 2, "maxRedemptions": 3}, "c1", "usr_1")
    assert ":redeemed" in (last.values or {}) and "redemptions = :seen" in (last.condition or "")
    assert (last.values or {})[":seen"] == 2
    early = accounts._voucher_redemption({"code": "V-1", "redemptions": 0, "maxRedemptions": 3}, "c1", "usr_1")
    assert ":redeemed" not in (early.values or {}) and "redemptions < maxRedemptions" in (early.condition or "")
    assert "expiresAt > :now" in (early.condition or "") and "clientId = :client" in (early.condition or "")


def test_given_no_mail_from_outside_lambda_then_the_local_outbox_is_used(monkeypatch):
    from shared.domain import mail

    monkeypatch.delenv("MAIL_FROM", raising=False)
    monkeypatch.delenv("MAIL_OUTBOX", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    assert mail.uses_local_outbox()
    monkeypatch.setenv("MAIL_FROM", "no-reply@studiostv.net")
    assert not mail.uses_local_outbox()
    monkeypatch.setenv("MAIL_OUTBOX", "local")
    assert mail.uses_local_outbox()


def test_given_lambda_without_mail_from_then_a_reset_link_is_neither_stored_nor_printed(monkeypatch, capsys):
    from shared.domain import mail

    monkeypatch.delenv("MAIL_FROM", raising=False)
    monkeypatch.delenv("MAIL_OUTBOX", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "stvos-auth")
    sent = mail.send(to="a@b.co", subject="Reset", text="token=SECRET-LINK", client_id="c", user_id="u")
    assert sent == ""
    captured = capsys.readouterr()
    assert "SECRET-LINK" not in captured.out + captured.err
