"""Content and viewing at scale: what one request costs in DynamoDB with 100, 5,000 and 50,000 classes.

For each catalog size, one client is seeded in moto (in this process: the classes' items put straight into its
table, a million of them at 50,000 classes) with that many classes, and one user with 1,000 past sessions (30 of
them unfinished) through the real code. Requests then go through the local gateway in-process (authorizer,
usage plan, Mangum, FastAPI, botocore: no HTTP), with per-caller rate limits off.
For each endpoint the table shows, per request: DynamoDB round trips, items read, read and write capacity
units (estimated from the bytes read and written, as DynamoDB charges them: see CapacityEstimate), and the
median in-process latency. Requests are measured warm (the
function's small caches filled: coaches, categories, facet counts); the first request of each endpoint is
reported apart ("first"), since it also fills them. No request reads the whole catalog: browse, search and
related classes read the catalog's projections (shared/domain/catalog_index.py).

`BENCH_CATALOG_SIZES` (e.g. `100,5000`) runs other sizes; the 50,000-class catalog takes some minutes to seed
into moto.
"""
from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = tuple(int(n) for n in os.environ.get("BENCH_CATALOG_SIZES", "100,5000,50000").split(","))
PAST_SESSIONS = 1000
UNFINISHED = 30
REPEAT = 20
TARGET_RATIO = 1.2
THREADS = 16


def _environment() -> None:
    from local.stack import DEV_ENVIRONMENT

    for name, value in DEV_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ["TABLE_NAME"] = "stvos-bench-content"
    os.environ["RATE_LIMITS_ENABLED"] = "false"
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"


def _seed_catalog(size: int) -> dict[str, Any]:
    """A client with 8 coaches, 5 categories and `size` classes: 12 featured, every 7th live, 15 published in
    the last 6 days (so that every discover shelf is full at both sizes), the rest older."""
    from shared import clock
    from shared.domain import provisioning as p

    client = p.create_client(f"Bench {size}", client_id=f"bench-{size}-{secrets.token_hex(2)}",
                             quota={"ratePerSecond": 1_000_000, "burst": 1_000_000})
    raw_key, _ = p.issue_api_key(client["id"], label="bench")
    coaches = [p.create_coach(client["id"], f"Coach {n}", specialties=["strength"], levels=["beginner"])
               for n in range(8)]
    categories = [p.create_category(client["id"], name, sort_order=n)
                  for n, name in enumerate(["HIIT", "Yoga", "Strength", "Pilates", "Cardio"])]
    now = clock.now()
    names = ["Hiit Blast", "Morning Flow", "Power Lift", "Core Burn", "Cardio Kick", "Sunset Yoga", "Spin Sprint"]

    def spec(n: int) -> dict[str, Any]:
        name = f"{names[n % len(names)]} {n // len(names) + 1}"
        live = n % 7 == 3
        return dict(
            name=name, trainer_id=coaches[n % 8]["id"], category_id=categories[n % 5]["id"],
            duration=[20, 30, 45, 15, 60][n % 5], intensity=["low", "medium", "high"][n % 3],
            description=f"{name} with Coach {n % 8}.", is_live=live,
            scheduled_at=clock.iso(now + 3600 * (2 + n)) if live else None, is_premium=n % 4 == 0,
            featured_rank=n + 1 if n < 12 else None, views=(37 * n) % 900,
            published_at=clock.iso(now - (n + 1) * 30_000 if n < 15 else now - 8 * 86400 - n * 3600))

    classes = p.import_classes(client["id"], [spec(n) for n in range(size)], write=_straight_into_table())
    return {"client": client["id"], "key": raw_key, "classes": [c["id"] for c in classes]}


def _straight_into_table() -> Any:
    """Puts the import's items (the same items import_classes writes) straight into the in-process table: a
    million items through the wire protocol take hours in moto; the requests measured still go through it."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from shared.db.repository import serialize
    from shared.settings import get_settings

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][get_settings().region].get_table(get_settings().table_name)

    def write(items: list[dict[str, Any]]) -> None:
        for item in items:
            table.put_item(serialize(item))

    return write


def _seed_history(client_id: str, class_ids: list[int]) -> str:
    """A user with PAST_SESSIONS sessions through the real code path; the last UNFINISHED stay open."""
    from shared.domain import viewing

    user_id = f"bench-user-{secrets.token_hex(4)}"

    def one(n: int) -> None:
        session = viewing.start(client_id, user_id, class_ids[n % len(class_ids)], "tv")
        if n < PAST_SESSIONS - UNFINISHED:
            viewing.complete(client_id, user_id, session["id"])

    for n in range(PAST_SESSIONS):  # one user: its writes meet on one totals item, so one after the other
        one(n)
    return user_id


def _value_bytes(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value (strings by UTF-8 length, numbers about 1 byte per 2 digits)."""
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "")) // 2 + 2
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode()) for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_bytes(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(_value_bytes(v) + 1 for v in inner)
    return len(str(inner))


def item_bytes(raw: dict[str, Any]) -> int:
    return sum(len(name.encode()) + _value_bytes(value) for name, value in raw.items())


class CapacityEstimate:
    """Read and write units as DynamoDB would charge them, from the bytes of the items read and written
    (moto's own ConsumedCapacity figures are not DynamoDB's). Wraps the botocore client, not our code:
    reads are 4 KB units (half for eventually consistent reads; a Query rounds its page's total), writes
    1 KB units of the item written (an UpdateItem is charged for the larger of the item before and after; it
    is estimated here from the item after, read back outside the figures). A filtered Query is charged for
    what it read: its returned bytes scaled by ScannedCount / Count."""

    def __init__(self, client: Any) -> None:
        self.client, self.rcu, self.wcu, self.overhead = client, 0.0, 0.0, 0.0
        self.scanned = 0  # items a Query read, filtered out or not

    def __getattr__(self, name: str) -> Any:
        call = getattr(self.client, name)
        if name not in ("get_item", "query", "batch_get_item", "put_item", "update_item", "delete_item"):
            return call

        def measured(**params: Any) -> Any:
            response = call(**params)
            half = 1.0 if params.get("ConsistentRead") else 0.5
            if name == "get_item":
                self.rcu += max(1, -(-item_bytes(response.get("Item") or {}) // 4096)) * half
            elif name == "query":
                returned = response.get("Items", [])
                size = sum(item_bytes(i) for i in returned)
                scanned = int(response.get("ScannedCount", len(returned)))
                if returned and scanned > len(returned):  # a filter: DynamoDB charges the items it read
                    size = size * scanned // len(returned)
                self.scanned += scanned
                self.rcu += max(1, -(-size // 4096)) * half
            elif name == "batch_get_item":
                for items in response.get("Responses", {}).values():
                    self.rcu += sum(max(1, -(-item_bytes(i) // 4096)) * 0.5 for i in items)
            elif name == "put_item":
                self.wcu += max(1, -(-item_bytes(params["Item"]) // 1024))
            elif name == "update_item":
                started = time.perf_counter()
                after = self.client.get_item(TableName=params["TableName"], Key=params["Key"]).get("Item") or {}
                self.overhead += time.perf_counter() - started  # not part of the request's latency
                self.wcu += max(1, -(-item_bytes(after) // 1024))
            else:
                self.wcu += 1
            return response

        return measured


class Meter:
    def __init__(self, gateway: Any, headers: dict[str, str]) -> None:
        from shared.db.repository import get_repository

        repo = get_repository()
        if not isinstance(repo.client, CapacityEstimate):
            repo.client = CapacityEstimate(repo.client)
        self.gateway, self.headers, self.usage, self.capacity = gateway, headers, repo.usage, repo.client

    def once(self, method: str, path: str, body: Any = None) -> dict[str, float]:
        before = (self.usage.calls, self.usage.items_read, self.capacity.rcu, self.capacity.wcu,
                  self.capacity.scanned)
        raw = json.dumps(body).encode() if body is not None else b""
        headers = {**self.headers, **({"Content-Type": "application/json"} if body is not None else {})}
        started, overhead = time.perf_counter(), self.capacity.overhead
        response = self.gateway.handle(method, path, headers, raw, "127.0.0.1")
        elapsed = (time.perf_counter() - started - (self.capacity.overhead - overhead)) * 1000
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {response.body[:200]!r}")
        after = (self.usage.calls, self.usage.items_read, self.capacity.rcu, self.capacity.wcu,
                 self.capacity.scanned)
        trips, items, rcu, wcu, scanned = (a - b for a, b in zip(after, before))
        return {"trips": trips, "items": items, "rcu": rcu, "wcu": wcu, "scanned": scanned, "ms": elapsed}


def _measure(meter: Meter, requests: list[tuple[str, str, Any]]) -> dict[str, Any]:
    first = meter.once(*requests[0])
    runs = [meter.once(*r) for r in requests[1:]]
    return {"first": first, **{k: statistics.mean(r[k] for r in runs) for k in ("trips", "items", "rcu", "wcu")},
            "ms": statistics.median(r["ms"] for r in runs)}


def _run_size(size: int) -> dict[str, dict[str, Any]]:
    from local.gateway import Gateway
    from shared.auth import tokens
    from shared.domain import catalog, clients

    catalog.forget_cache()
    clients.forget_cached_clients()
    seeded = _seed_catalog(size)
    user_id = _seed_history(seeded["client"], seeded["classes"])
    token, _ = tokens.issue(user_id, seeded["client"], "user", ttl_seconds=3600)
    meter = Meter(Gateway(), {"X-API-Key": seeded["key"], "Authorization": f"Bearer {token}"})
    meter.once("GET", "/api/v1/health")  # load the gateway and resolve the key once, outside the figures
    classes = seeded["classes"]
    n = REPEAT + 1
    results: dict[str, dict[str, Any]] = {}
    results["discover"] = _measure(meter, [("GET", "/api/v1/content/discover", None)] * n)
    results["browse"] = _measure(meter, [("GET", f"/api/v1/content/classes?category=HIIT&sort=popular&page={1 + i % 3}"
                                                 f"&limit=20", None) for i in range(n)])
    results["browse narrow"] = _measure(meter, [("GET", "/api/v1/content/classes?category=HIIT&intensity=low&"
                                                        f"maxDuration=20&sort=name&page={1 + i % 2}&limit=20", None)
                                                for i in range(n)])
    results["search"] = _measure(meter, [("GET", f"/api/v1/content/search?q={q}", None)
                                         for q in (["hiit%20blast", "coach%203", "yoga"] * n)[:n]])
    results["search common"] = _measure(meter, [("GET", "/api/v1/content/search?q=with%20coach", None)] * n)
    results["class detail"] = _measure(meter, [("GET", f"/api/v1/content/classes/{classes[i * 3]}", None)
                                               for i in range(n)])
    started = []
    start_requests = [("POST", "/api/v1/sessions/start", {"classId": classes[-1 - i], "deviceType": "mobile"})
                      for i in range(n)]
    results["start"] = _measure(meter, start_requests)
    from shared.domain import viewing

    started = viewing.continue_watching_entries(seeded["client"], user_id, size=1)[0]["sessionId"]
    results["progress"] = _measure(meter, [("POST", f"/api/v1/sessions/{started}/progress",
                                            {"progressSeconds": 30 * (i + 1), "totalDurationSeconds": 3600})
                                           for i in range(n)])
    results["summary"] = _measure(meter, [("GET", "/api/v1/progress/summary?tz=Europe/Paris", None)] * n)
    results["history p1"] = _measure(meter, [("GET", "/api/v1/sessions/history?page=1&limit=20", None)] * n)
    return results


def _table(by_size: dict[int, dict[str, dict[str, Any]]]) -> str:
    small, large = SIZES[0], SIZES[-1]
    lines = [f"{'endpoint':<13}{'classes':>8}{'trips':>7}{'items':>8}{'RCU':>8}{'WCU':>7}{'p50 ms':>8}"
             f"   first: trips/items/RCU"]
    for endpoint in by_size[small]:
        for size in SIZES:
            r = by_size[size][endpoint]
            f = r["first"]
            lines.append(f"{endpoint:<13}{size:>8}{r['trips']:>7.1f}{r['items']:>8.1f}{r['rcu']:>8.1f}{r['wcu']:>7.1f}"
                         f"{r['ms']:>8.1f}   {f['trips']:.0f}/{f['items']:.0f}/{f['rcu']:.1f}")
        a, b = by_size[small][endpoint], by_size[large][endpoint]
        ratios = [(b[k] / a[k]) if a[k] else (1.0 if not b[k] else float("inf")) for k in ("trips", "items")]
        verdict = "ok" if max(ratios) <= TARGET_RATIO else "OVER TARGET"
        lines.append(f"{'':<13}{'ratio':>8}{ratios[0]:>7.2f}{ratios[1]:>8.2f}   "
                     f"(target <= {TARGET_RATIO}x at {large} vs {small}: {verdict})")
    return "\n".join(lines)


def main() -> None:
    _environment()
    from bench.embedded import in_process_table

    with in_process_table():
        started = time.perf_counter()
        by_size = {size: _run_size(size) for size in SIZES}
        print(f"\nContent and viewing: DynamoDB cost per request (warm, mean of {REPEAT}; user with "
              f"{PAST_SESSIONS} past sessions; seeded and measured in {time.perf_counter() - started:.0f} s)")
        print(_table(by_size))
        print("Warm = the function's small caches are filled (coaches, categories, facet counts: 60 s). 'first'\n"
              "is the first request of a fresh function, which fills them (two Queries and one GetItem, whatever\n"
              "the catalog's size). Browse reads one browse partition (limit + 1 entries, more only for filters\n"
              "the partition does not answer, at most 1,000); search at most 500 postings per word; class detail\n"
              "two partitions of at most 13 entries for related classes. Totals may be 60 s stale.\n"
              "Bearer requests include the authorizer's revocation GetItem (1 trip, 1 item; API Gateway caches\n"
              "the authorizer in AWS). Latency is in-process against moto in this process, whose index Query walks\n"
              "the whole table in Python: it grows with the table here, unlike DynamoDB's, while trips, items and\n"
              "units are DynamoDB's.")


if __name__ == "__main__":
    main()
