"""Discover costs the same whatever the size of the catalog and of the user's history; no request of the
content and sessions groups scans the table. Requests go through the local gateway in-process."""
from __future__ import annotations

import json
import secrets

import pytest

from shared import clock
from shared.auth import identity, tokens
from shared.db.repository import get_repository
from shared.domain import catalog, clients
from shared.domain import provisioning as p
from shared.domain import viewing


def _studio(size: int) -> dict:
    """A client whose shelves are all full (12 featured, 12+ live, 15 new this week) at any size."""
    client = p.create_client(f"Scale {size}", client_id=f"scale-{size}-{secrets.token_hex(3)}")
    key, _ = p.issue_api_key(client["id"], label="scale test")
    coach = p.create_coach(client["id"], "Ada Strong", specialties=["strength"], levels=["beginner"])
    category = p.create_category(client["id"], "Strength")
    now = clock.now()
    specs = [dict(name=f"Class {n}", trainer_id=coach["id"], category_id=category["id"], duration=30,
                  is_live=n % 2 == 0, scheduled_at=clock.iso(now + 3600 * (n + 1)) if n % 2 == 0 else None,
                  featured_rank=n + 1 if n < 12 else None,
                  published_at=clock.iso(now - 3600 * (n + 1) if n < 15 else now - 30 * 86400 - n))
             for n in range(size)]
    classes = p.import_classes(client["id"], specs)
    return {"client": client["id"], "key": key, "classes": [c["id"] for c in classes]}


def _reads(gateway, studio, user_id, method, path, body=None):
    """DynamoDB round trips and items read by one request (the same on every size is the point)."""
    token, _ = tokens.issue(user_id, studio["client"], "user")
    # Every request starts from the same cold caches (client profile, API key, class list), whatever their
    # lifetimes did between the two studios' requests on a slow machine: the comparison is of reads, not of luck.
    clients.forget_cached_clients()
    identity.forget_cached_keys()
    catalog.forget_cache()
    usage = get_repository().usage
    before = (usage.calls, usage.items_read, dict(usage.by_operation))
    headers = {"X-API-Key": studio["key"], "Authorization": f"Bearer {token}"}
    raw = json.dumps(body).encode() if body is not None else b""
    if body is not None:
        headers["Content-Type"] = "application/json"
    response = gateway.handle(method, f"/api/v1{path}", headers, raw, f"127.9.{secrets.randbelow(250)}.1")
    assert response.status in (200, 201), response.body
    operations = {k: v - before[2].get(k, 0) for k, v in usage.by_operation.items() if v - before[2].get(k, 0)}
    return usage.calls - before[0], usage.items_read - before[1], operations


@pytest.fixture(scope="module")
def studios(local_api):
    return {size: _studio(size) for size in (24, 400)}


def test_given_a_small_and_a_large_catalog_and_history_then_discover_reads_the_same(gateway, studios):
    costs = {}
    for size, studio in studios.items():
        # Given a member with `size // 2` unfinished classes in their history
        user_id = f"u-{secrets.token_hex(5)}"
        for class_id in studio["classes"][: size // 2]:
            viewing.start(studio["client"], user_id, class_id, "tv")
        _reads(gateway, studio, user_id, "GET", "/content/discover")  # warm the function's small caches
        # When the home screen is built
        costs[size] = _reads(gateway, studio, user_id, "GET", "/content/discover")
    # Then the round trips are the same, and the items read stay under one bound whatever the sizes:
    # three shelf Queries of at most 12, continue watching (10) and its sessions (10), one BatchGet of their
    # classes, the auth read
    (small_trips, small_items, small_ops), (large_trips, large_items, large_ops) = costs[24], costs[400]
    bound = 3 * 12 + 10 + 10 + (12 + 12 + 10) + 1
    assert large_trips == small_trips
    assert small_items <= bound and large_items <= bound
    assert "scan" not in small_ops and "scan" not in large_ops


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/content/classes?sort=popular&limit=5", None), ("GET", "/content/search?q=class%2012", None),
    ("GET", "/content/categories", None), ("GET", "/sessions/history", None), ("GET", "/progress/summary", None),
])
def test_given_the_large_catalog_then_no_request_scans(gateway, studios, method, path, body):
    _, _, operations = _reads(gateway, studios[400], f"u-{secrets.token_hex(5)}", method, path, body)
    assert "scan" not in operations


def test_given_the_large_catalog_then_sessions_start_and_heartbeat_cost_the_same_as_on_the_small(gateway, studios):
    costs = {}
    for size, studio in studios.items():
        user_id = f"u-{secrets.token_hex(5)}"
        trips, _, _ = _reads(gateway, studio, user_id, "POST", "/sessions/start",
                             {"classId": studio["classes"][-1], "deviceType": "web"})
        session_id = viewing.continue_watching_entries(studio["client"], user_id)[0]["sessionId"]
        beat, _, operations = _reads(gateway, studio, user_id, "POST", f"/sessions/{session_id}/progress",
                                     {"progressSeconds": 60, "totalDurationSeconds": 1800})
        costs[size] = (trips, beat)
        assert "scan" not in operations
    assert costs[24] == costs[400]
