"""Trainer invitations over HTTP: a studio admin invites a trainer, the trainer checks the code and registers
with it, which makes an account with role trainer linked to that trainer; a code works once (racing
registrations included), never for another studio, and a trainer has one account."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.db import keys
from shared.db.repository import get_repository
from tests.support.http import Api, fresh_source_ip


def _api(local_api, key: str | None = None, token: str | None = None) -> Api:
    return Api(f"{local_api.base_url}/api/v1", fresh_source_ip(), key, token)


@pytest.fixture(scope="module")
def studio(local_api, demo) -> dict[str, Any]:
    key = demo["apiKeys"]["studio"]
    admin = next(u for u in demo["users"] if u["role"] == "client_admin")
    token = _api(local_api, key).post("/auth/login", {"email": admin["email"], "password": admin["password"]})
    assert token.status == 200, token.json
    return {"key": key, "id": demo["clients"]["studio"]["id"], "admin": token.data["accessToken"],
            "partnerKey": demo["apiKeys"]["partner"], "partnerId": demo["clients"]["partner"]["id"],
            "universal": demo["apiKeys"]["universal"]}


def _new_trainer(client_id: str) -> int:
    """A coach of the client without an account yet (each test its own)."""
    from shared.domain import catalog, provisioning

    coach = provisioning.create_coach(client_id, f"Invited Coach {uuid.uuid4().hex[:6]}", specialties=["strength"],
                                      levels=["beginner"], bio="Strength coach")
    catalog.forget_cache()
    return int(coach["id"])


def _invite(local_api, studio: dict[str, Any], trainer_id: int, **body: Any) -> Any:
    return _api(local_api, studio["key"], studio["admin"]).post(
        f"/admin/clients/{studio['id']}/trainers/{trainer_id}/invites", body or None)


def _register(local_api, key: str, code: str, email: str | None = None) -> Any:
    return _api(local_api, key).post("/auth/register", {
        "email": email or f"coach-{uuid.uuid4().hex[:10]}@example.com", "password": "trainer-secret",
        "name": "New Coach", "inviteCode": code})


def test_given_an_invitation_when_the_trainer_checks_and_registers_then_the_account_is_that_trainers(
        local_api, studio):
    trainer_id = _new_trainer(studio["id"])
    # Given a studio admin's invitation
    invite = _invite(local_api, studio, trainer_id)
    assert invite.status == 201, invite.json
    code = invite.data["code"]
    assert invite.data["trainerId"] == trainer_id and invite.data["clientId"] == studio["id"]
    # When the trainer checks the code: it is valid, and says whose it is
    checked = _api(local_api, studio["key"]).post("/invite/check", {"code": code})
    assert checked.status == 200 and checked.data["valid"] is True and checked.data["reason"] is None
    assert checked.data["trainer"]["id"] == trainer_id and checked.data["client"]["id"] == studio["id"]
    # And registers with it: an account with role trainer, which opens the portal as that trainer
    registered = _register(local_api, studio["key"], code)
    assert registered.status == 201, registered.json
    assert registered.data["user"]["role"] == "trainer"
    me = _api(local_api, studio["key"], registered.data["accessToken"]).get("/trainer/me")
    assert me.status == 200 and me.data["trainer"]["id"] == trainer_id
    # Then the code is spent: the check says so and a second registration is refused, changing nothing
    assert _api(local_api, studio["key"]).post("/invite/check", {"code": code}).data == {
        "valid": False, "reason": "used", "trainer": None, "client": None, "expiresAt": None}
    again = _register(local_api, studio["key"], code)
    assert again.status == 400 and again.code == "INVALID_INVITE" and again.json["details"] == {"reason": "used"}
    # And the audit log has the invitation, without the code
    audit = get_repository().query(keys.audit_entry(studio["id"], "", "")["PK"], forward=False, limit=20)
    entry = next(e for e in audit if e["action"] == "trainer.invite" and e["target"] == str(trainer_id))
    assert code not in str(entry)


def test_given_one_code_when_eight_registrations_race_then_exactly_one_account_is_made(local_api, studio):
    trainer_id = _new_trainer(studio["id"])
    code = _invite(local_api, studio, trainer_id).data["code"]
    emails = [f"racer-{n}-{uuid.uuid4().hex[:8]}@example.com" for n in range(8)]
    # When eight registrations with the one code run at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda e: _register(local_api, studio["key"], code, e), emails))
    # Then exactly one wins; the others are INVALID_INVITE and left no account behind
    winners = [r for r in replies if r.status == 201]
    assert len(winners) == 1, [(r.status, r.json) for r in replies]
    assert all(r.status == 400 and r.code == "INVALID_INVITE" for r in replies if r.status != 201)
    linked = get_repository().get(keys.trainer_account(studio["id"], trainer_id), consistent=True)
    assert linked["userId"] == winners[0].data["user"]["id"]
    claimed = [e for e in emails if get_repository().get(keys.email_claim(studio["id"], e), consistent=True)]
    assert claimed == [winners[0].data["user"]["email"]]


def test_given_a_trainer_with_an_account_then_a_second_invitation_cannot_make_another(local_api, studio, demo):
    priya = demo["trainerUsers"][0]["trainerId"]  # seeded with an account
    code = _invite(local_api, studio, priya).data["code"]
    checked = _api(local_api, studio["key"]).post("/invite/check", {"code": code})
    assert checked.data["valid"] is False and checked.data["reason"] == "already_linked"
    refused = _register(local_api, studio["key"], code)
    assert refused.status == 400 and refused.json["details"] == {"reason": "already_linked"}


def test_given_another_studio_then_its_key_cannot_use_the_code_and_its_trainers_cannot_be_invited(
        local_api, studio, demo):
    trainer_id = _new_trainer(studio["id"])
    code = _invite(local_api, studio, trainer_id).data["code"]
    # Another studio's key: the code does not exist for it
    other = _api(local_api, studio["partnerKey"]).post("/invite/check", {"code": code})
    assert other.data == {"valid": False, "reason": "not_found", "trainer": None, "client": None, "expiresAt": None}
    refused = _register(local_api, studio["partnerKey"], code)
    assert refused.status == 400 and refused.json["details"] == {"reason": "not_found"}
    # A studio admin cannot invite another studio's trainer, nor act on another studio
    fitco_trainer = next(t["id"] for t in demo["trainers"] if t["timeZone"] == "Europe/Berlin")
    assert _invite(local_api, studio, fitco_trainer).status == 404
    assert _api(local_api, studio["key"], studio["admin"]).post(
        f"/admin/clients/{studio['partnerId']}/trainers/{fitco_trainer}/invites", None).status == 404
    # A lifetime out of range, or not a number, is refused naming it (the fuzz run's pinned client cannot say so)
    for days in (0, 10_000, "soon"):
        bad = _invite(local_api, studio, trainer_id, days=days)
        assert bad.status == 400 and bad.json["details"][0]["field"] == "days", bad.json
    # The universal key finds the code's studio, and the account is made there
    made = _register(local_api, studio["universal"], code)
    assert made.status == 201 and made.data["user"]["clientId"] == studio["id"], made.json


def test_given_a_member_then_inviting_is_forbidden_and_bad_codes_are_named(local_api, studio, new_member):
    member = new_member(studio["key"])
    trainer_id = _new_trainer(studio["id"])
    forbidden = _api(local_api, studio["key"], member["accessToken"]).post(
        f"/admin/clients/{studio['id']}/trainers/{trainer_id}/invites", None)
    assert forbidden.status == 403
    assert _api(local_api, studio["key"]).post("/invite/check", {"code": "x"}).status == 400
    unknown = _api(local_api, studio["key"]).post("/invite/check", {"code": "TRN-AAAA-BBBB-CCCC"})
    assert unknown.status == 200 and unknown.data["reason"] == "not_found"
    both = _api(local_api, studio["key"]).post("/auth/register", {
        "email": f"both-{uuid.uuid4().hex[:8]}@example.com", "password": "trainer-secret",
        "inviteCode": "TRN-AAAA-BBBB-CCCC", "voucherCode": "ZEN-ABC"})
    assert both.status == 400 and both.json["details"][0]["field"] == "inviteCode"


def test_given_a_trainer_who_deleted_their_account_then_a_new_invitation_opens_another(local_api, studio):
    trainer_id = _new_trainer(studio["id"])
    first = _register(local_api, studio["key"], _invite(local_api, studio, trainer_id).data["code"])
    assert _api(local_api, studio["key"], first.data["accessToken"]).delete("/users/me").status == 200
    code = _invite(local_api, studio, trainer_id).data["code"]
    assert _api(local_api, studio["key"]).post("/invite/check", {"code": code}).data["valid"] is True
    second = _register(local_api, studio["key"], code)
    assert second.status == 201 and second.data["user"]["id"] != first.data["user"]["id"]


def test_given_the_admin_cli_then_it_invites_a_trainer_whose_code_opens_the_account(local_api, studio):
    from tests.e2e.test_admin_cli import admin

    trainer_id = _new_trainer(studio["id"])
    invite = admin(local_api, "invite-trainer", studio["id"], str(trainer_id), "--days", "3")["invite"]
    assert invite["trainerId"] == trainer_id and invite["code"].startswith("TRN-")
    registered = _register(local_api, studio["key"], invite["code"])
    assert registered.status == 201 and registered.data["user"]["role"] == "trainer"


# Last: it moves the clock.
def test_given_an_expired_invitation_then_it_is_refused(local_api, studio, clock):
    trainer_id = _new_trainer(studio["id"])
    code = _invite(local_api, studio, trainer_id, days=1).data["code"]
    clock.advance(86400 + 60)
    assert _api(local_api, studio["key"]).post("/invite/check", {"code": code}).data["reason"] == "expired"
    refused = _register(local_api, studio["key"], code)
    assert refused.status == 400 and refused.json["details"] == {"reason": "expired"}
