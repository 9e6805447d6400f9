"""The admin CLI refuses orphans (unknown clients, another client's partner), gives deterministic ids with a
clear conflict error, and lists clients, keys, partners, partner staff and vouchers as JSON."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from shared.db import keys
from shared.db.repository import get_repository

ROOT = Path(__file__).resolve().parents[2]


def _run(local_api, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "admin", "--endpoint", local_api.endpoint,
                           "--table", os.environ["TABLE_NAME"], *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def _ok(local_api, *args: str) -> Any:
    done = _run(local_api, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _refused(local_api, *args: str) -> dict[str, Any]:
    done = _run(local_api, *args)
    assert done.returncode == 2 and done.stdout == "", (done.stdout, done.stderr)
    return json.loads(done.stderr)


def test_given_an_unknown_client_then_every_create_command_refuses_and_writes_nothing(local_api):
    ghost = f"ghost-{uuid.uuid4().hex[:8]}"
    for args in (("create-partner", ghost, "Ghost Partner"),
                 ("create-coach", ghost, "Ghost Coach", "--specialties", "strength", "--levels", "beginner"),
                 ("create-category", ghost, "Ghost Category"),
                 ("create-vouchers", ghost, "--count", "2")):
        error = _refused(local_api, *args)
        assert error["code"] == "NOT_FOUND" and ghost in error["error"], (args, error)
    repo = get_repository()
    assert repo.query(keys.client_pk(ghost)) == [] and repo.query(keys.catalog_pk(ghost)) == []
    assert repo.query(keys.voucher_index(ghost), index="GSI1") == []


def test_given_another_clients_partner_then_create_vouchers_refuses(local_api, demo):
    studio = demo["clients"]["studio"]["id"]
    error = _refused(local_api, "create-vouchers", studio, "--partner", demo["partner"]["id"], "--count", "1")
    assert error["code"] == "NOT_FOUND" and demo["partner"]["id"] in error["error"]
    assert _ok(local_api, "list-vouchers", studio, "--partner", demo["partner"]["id"])["vouchers"] == []


def test_given_a_name_then_the_id_is_deterministic_and_taking_it_again_is_a_clear_conflict(local_api):
    name = f"Det Gym {uuid.uuid4().hex[:6]}"
    client = _ok(local_api, "create-client", name)["client"]
    assert client["id"] == name.lower().replace(" ", "-")
    again = _refused(local_api, "create-client", name)
    assert again["code"] == "CONFLICT" and client["id"] in again["error"] and "id" in again["error"]
    partner = _ok(local_api, "create-partner", client["id"], "Acme Employer Benefits")["partner"]
    assert partner["id"] == "acme-employer-benefits"
    assert _refused(local_api, "create-partner", client["id"], "Acme Employer Benefits")["code"] == "CONFLICT"
    other = _ok(local_api, "create-partner", client["id"], "Acme Employer Benefits", "--id", "acme-2")["partner"]
    assert other["id"] == "acme-2"


def test_given_provisioned_things_then_the_list_commands_show_them_as_json_without_secrets(local_api):
    client = _ok(local_api, "create-client", f"List Gym {uuid.uuid4().hex[:6]}")["client"]
    issued = _ok(local_api, "issue-key", client["id"], "--label", "android")
    partner = _ok(local_api, "create-partner", client["id"], "List Partner")["partner"]
    staff = _ok(local_api, "create-partner-staff", client["id"], partner["id"],
                f"lister-{uuid.uuid4().hex[:6]}@example.com", "--role", "manager")
    assert staff["staff"]["role"] == "manager" and len(staff["password"]) >= 12
    made = _ok(local_api, "create-vouchers", client["id"], "--partner", partner["id"], "--count", "2")["vouchers"]

    assert client["id"] in [c["id"] for c in _ok(local_api, "list-clients")["clients"]]
    listed_keys = _ok(local_api, "list-keys", client["id"])["keys"]
    assert [k["keyId"] for k in listed_keys] == [issued["keyId"]] and listed_keys[0]["label"] == "android"
    assert issued["apiKey"] not in json.dumps(listed_keys)
    assert _ok(local_api, "list-partners", client["id"])["partners"][0]["id"] == partner["id"]
    assert _ok(local_api, "list-partner-staff", client["id"], partner["id"])["staff"][0]["role"] == "manager"
    vouchers = _ok(local_api, "list-vouchers", client["id"], "--partner", partner["id"])["vouchers"]
    assert {v["code"] for v in vouchers} == {v["code"] for v in made}
    assert all(v["status"] == "active" for v in vouchers)
    assert _refused(local_api, "list-partners", "no-such-client")["code"] == "NOT_FOUND"
