"""The platform admin CLI, run as a user would, against the local API's DynamoDB."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from shared import jobs

ROOT = Path(__file__).resolve().parents[2]


def admin(local_api, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "admin", "--endpoint", local_api.endpoint,
                           "--table", os.environ["TABLE_NAME"], *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_given_a_new_studio_made_with_the_cli_then_its_key_serves_its_config(local_api, api):
    client = admin(local_api, "create-client", "Harbour Gym", "--branding", '{"primaryColor": "#123456"}',
                   "--features", '{"nutrition": true}', "--requires-voucher")["client"]
    issued = admin(local_api, "issue-key", client["id"], "--label", "ios app")
    assert issued["apiKey"].startswith("stv_live_") and "shown once" in issued["note"]

    data = api.get("/app/config", api_key=issued["apiKey"]).data
    assert data["client"] == {"id": client["id"], "name": "Harbour Gym"}
    assert data["branding"]["primaryColor"] == "#123456"
    assert data["features"]["nutrition"] is True and data["requiresVoucher"] is True


def test_given_vouchers_made_with_the_cli_then_the_deep_link_knows_the_partner(local_api, api):
    client = admin(local_api, "create-client", "Pier Pilates")["client"]
    partner = admin(local_api, "create-partner", client["id"], "Pier Employers")["partner"]
    vouchers = admin(local_api, "create-vouchers", client["id"], "--partner", partner["id"], "--prefix", "PIER",
                     "--count", "3")["vouchers"]
    assert len({v["code"] for v in vouchers}) == 3
    assert all(v["code"].startswith("PIER-") for v in vouchers)
    data = api.get(f"/app/join/{vouchers[0]['code']}").data
    assert data["valid"] is True and data["partner"]["name"] == "Pier Employers"


def test_given_catalog_commands_then_ids_come_back(local_api):
    client = admin(local_api, "create-client", "Catalog Corner")["client"]
    coach = admin(local_api, "create-coach", client["id"], "Ivy Park", "--specialties", "strength,endurance",
                  "--levels", "beginner")["coach"]
    category = admin(local_api, "create-category", client["id"], "Kettlebells")["category"]
    klass = admin(local_api, "create-class", client["id"], "Bell Basics", "--trainer", str(coach["id"]),
                  "--category", str(category["id"]), "--duration", "25")["class"]
    assert coach["specialties"] == ["strength", "endurance"]
    assert isinstance(klass["id"], int) and klass["name"] == "Bell Basics"


def test_given_a_bad_feature_name_then_the_cli_refuses_and_writes_nothing(local_api):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "admin", "--endpoint", local_api.endpoint, "--table",
                           os.environ["TABLE_NAME"], "create-client", "Typo Gym", "--id", "typo-gym",
                           "--features", '{"nutritionn": true}'], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "VALIDATION_ERROR" in done.stderr
    from shared.domain.clients import get_client

    assert get_client("typo-gym") is None


def test_given_a_studio_admin_made_with_the_cli_then_they_can_sign_in_with_the_studio_key(local_api, api, demo):
    studio = demo["clients"]["studio"]["id"]
    made = admin(local_api, "create-user", studio, "coach.admin@zenflow.example", "--role", "client_admin",
                 "--name", "Cleo Admin")
    assert made["user"]["role"] == "client_admin" and len(made["password"]) >= 12
    reply = api.post("/auth/login", {"email": "coach.admin@zenflow.example", "password": made["password"]},
                     api_key=demo["apiKeys"]["studio"])
    assert reply.status == 200 and reply.data["user"]["role"] == "client_admin"


def test_given_a_password_reset_request_then_the_outbox_command_shows_the_mail(local_api, api, demo):
    email = demo["users"][0]["email"]
    assert api.post("/auth/password/forgot", {"email": email}, api_key=demo["apiKeys"]["studio"]).status == 202
    assert jobs.drain()  # the mail is sent after the answer
    messages = admin(local_api, "outbox", "--to", email)["messages"]
    assert messages and messages[0]["to"] == email and "reset" in messages[0]["subject"].lower()


def test_given_a_hume_config_assigned_with_the_cli_then_the_studio_admin_may_use_it(local_api, api):
    from shared.auth import tokens

    client = admin(local_api, "create-client", "Voice Gym")["client"]
    key = admin(local_api, "issue-key", client["id"])["apiKey"]
    studio_admin, _ = tokens.issue("usr_voice_admin", client["id"], "client_admin")
    assert api.put("/hume-config", {"configId": "voice-gym-evi"}, api_key=key, token=studio_admin).status == 403
    admin(local_api, "assign-hume-configs", client["id"], "voice-gym-evi")
    assert api.put("/hume-config", {"configId": "voice-gym-evi"}, api_key=key, token=studio_admin).status == 200


def test_given_a_client_suspended_with_the_cli_then_its_members_stop_until_it_is_reactivated(
        local_api, api, new_member):
    from shared.domain.clients import forget_cached_clients

    client = admin(local_api, "create-client", "Paused Gym")["client"]
    key = admin(local_api, "issue-key", client["id"])["apiKey"]
    member = new_member(key)
    admin(local_api, "set-client-status", client["id"], "suspended")
    forget_cached_clients()  # the local API shares this process's cache; deployed functions forget within 30 s
    assert api.get("/users/me", api_key=key, token=member["accessToken"]).code == "CLIENT_SUSPENDED"
    admin(local_api, "set-client-status", client["id"], "active")
    forget_cached_clients()
    assert api.get("/users/me", api_key=key, token=member["accessToken"]).status == 200


def test_given_a_plan_and_a_voucher_grant_made_with_the_cli_then_members_play_premium_classes(local_api, api,
                                                                                             new_member):
    from shared.domain import provisioning as p
    from shared.domain.clients import forget_cached_clients

    client = admin(local_api, "create-client", "Vault Vinyasa")["client"]
    key = admin(local_api, "issue-key", client["id"])["apiKey"]
    coach = p.create_coach(client["id"], "Pia Premium", specialties=["flexibility"], levels=["beginner"])
    category = p.create_category(client["id"], "Yoga")
    premium = p.create_class(client["id"], "Deep Stretch", trainer_id=coach["id"], category_id=category["id"],
                             duration=30, is_premium=True)["id"]
    code = admin(local_api, "create-vouchers", client["id"], "--grants", "premium")["vouchers"][0]["code"]
    plain, granted = new_member(key), new_member(key, voucherCode=code)
    play = f"/video/access/{premium}"
    assert api.get(play, api_key=key, token=plain["accessToken"]).code == "PREMIUM_REQUIRED"
    assert api.get(play, api_key=key, token=granted["accessToken"]).status == 200
    assert admin(local_api, "set-client-plan", client["id"], "premium") == {"clientId": client["id"],
                                                                           "plan": "premium"}
    forget_cached_clients()  # the local API shares this process's cache; deployed functions forget within 30 s
    assert api.get(play, api_key=key, token=plain["accessToken"]).status == 200
