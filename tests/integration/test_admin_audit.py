"""The admin API's audit entries travel in the transaction of the change they record: no change without its
entry, no entry of a change that did not happen. DynamoDB faults are injected with botocore's own hooks
(tests/support/faults.py); everything else is the real gateway, authorizer, handler and moto."""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.db import keys
from shared.db.repository import get_repository
from tests.support.faults import dynamodb_fault
from tests.support.http import gateway_call as _call


@pytest.fixture(scope="module")
def people(local_api, demo) -> dict[str, Any]:
    from local.gateway import Gateway

    gateway, key = Gateway(), demo["apiKeys"]["studio"]
    studio_admin = next(u for u in demo["users"] if u["role"] == "client_admin")

    def login(email: str, password: str) -> str:
        status, body = _call(gateway, "POST", "/auth/login", key, body={"email": email, "password": password})
        assert status == 200, body
        return str(body["data"]["accessToken"])

    client = demo["clients"]["studio"]["id"]
    platform = login(demo["platformAdmin"]["email"], demo["platformAdmin"]["password"])
    status, partner = _call(gateway, "POST", f"/admin/clients/{client}/partners", key, platform,
                            {"name": f"Audit Partner {uuid.uuid4().hex[:6]}"})
    assert status == 201, partner
    return {"key": key, "client": client, "partner": partner["data"]["id"], "platform": platform,
            "admin": login(studio_admin["email"], studio_admin["password"])}


def _audit(gateway: Any, people: dict[str, Any]) -> list[dict[str, Any]]:
    status, body = _call(gateway, "GET", f"/admin/audit?clientId={people['client']}&limit=200", people["key"],
                         people["platform"])
    assert status == 200, body
    return list(body["data"]["items"])


def test_given_single_item_writes_fail_when_a_studio_admin_creates_then_change_and_entry_land_together(
        gateway, people):
    # Given: DynamoDB refuses every single-item put (an entry written on its own, after the change, would fail)
    client, partner = people["client"], people["partner"]
    email = f"audit-{uuid.uuid4().hex[:8]}@partners.example"
    with dynamodb_fault("throttle", "PutItem"):
        # When: the studio admin creates a category and a partner staff account
        category = _call(gateway, "POST", f"/admin/clients/{client}/categories", people["key"], people["admin"],
                         {"name": "Audit Kettlebells"})
        staff = _call(gateway, "POST", f"/admin/clients/{client}/partners/{partner}/staff", people["key"],
                      people["admin"], {"email": email, "password": "audit-staff-pass", "role": "viewer"})
    # Then: both are made, and each has its entry naming it
    assert category[0] == 201 and staff[0] == 201, (category, staff)
    entries = {(e["action"], e["target"]): e for e in _audit(gateway, people)}
    made = entries[("category.create", str(category[1]["data"]["id"]))]
    assert made["details"]["name"] == "Audit Kettlebells" and made["actor"]["role"] == "client_admin"
    assert entries[("partner_staff.create", staff[1]["data"]["id"])]["details"]["email"] == email


def test_given_the_transaction_fails_when_a_studio_admin_creates_then_neither_change_nor_entry(gateway, people):
    client = people["client"]
    before = len(_audit(gateway, people))
    # Given: DynamoDB refuses every transaction
    with dynamodb_fault("capacity", "TransactWriteItems"):
        # When: the studio admin creates a category
        status, body = _call(gateway, "POST", f"/admin/clients/{client}/categories", people["key"],
                             people["admin"], {"name": "Never Made"})
    # Then: 503, the category whose id was drawn does not exist, and the audit log has no new entry
    assert status == 503 and body["code"] == "SERVICE_UNAVAILABLE"
    drawn = int(get_repository().get(keys.counter("category"), consistent=True)["value"])
    assert get_repository().get(keys.category(client, drawn), consistent=True) is None
    assert len(_audit(gateway, people)) == before


def test_given_a_hundred_codes_when_a_studio_admin_makes_them_then_each_transaction_carries_its_entry(
        gateway, people):
    client, partner = people["client"], people["partner"]
    stats_before = get_repository().get(keys.voucher_stats(client, partner), consistent=True) or {}
    # When: the studio admin makes 100 codes for the partner (more than one transaction holds with its checks)
    status, body = _call(gateway, "POST", f"/admin/clients/{client}/vouchers", people["key"], people["admin"],
                         {"count": 100, "partnerId": partner, "prefix": "AUDIT"})
    assert status == 201, body
    codes = [v["code"] for v in body["data"]["items"]]
    # Then: 100 distinct codes, the partner's counters moved by 100, and the entries list exactly those codes
    assert len(set(codes)) == 100 and all(c.startswith("AUDIT") for c in codes)
    stats = get_repository().get(keys.voucher_stats(client, partner), consistent=True)
    assert int(stats["total"]) - int(stats_before.get("total", 0)) == 100
    entries = [e for e in _audit(gateway, people) if e["action"] == "vouchers.create"
               and set(e["details"]["codes"]) <= set(codes)]
    assert len(entries) == 2 and sorted(c for e in entries for c in e["details"]["codes"]) == sorted(codes)
    assert all(e["details"]["count"] == len(e["details"]["codes"]) <= 96 for e in entries)
