"""The partner portal at scale: generating 500 codes, and what stats, voucher and member list pages (unfiltered,
deep, filtered by status) and the dashboard cost when the partner has 100, 10,000 and 100,000 vouchers and as many
members.

For each size one client and partner are seeded in a fresh moto server: that many vouchers and members (written
directly in parallel BatchWriteItems, as the portal's own code shapes them, with the partner's counters set to
match) and a manager. Requests go through the local gateway
in-process (authorizer, Mangum, FastAPI), rate limits off, warm; figures per request: round trips, items read,
items DynamoDB read for it (scanned), estimated read and write units (bench.bookings' TransactionCapacity) and
the median latency.
"""
from __future__ import annotations

import secrets
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.bookings import TransactionCapacity
from bench.embedded import embedded_table
from bench.content import Meter, _environment

SIZES = (100, 10_000, 100_000)
REPEAT = 5
THREADS = 8
REDEEMED_EVERY = 50  # one voucher in 50 redeemed: a status filter's matches are that sparse in the index
ACTIVE_EVERY = 10  # one member in 10 active in the last 30 days


def _seed(size: int) -> dict[str, Any]:
    """A client and partner with `size` vouchers (one in REDEEMED_EVERY redeemed) and `size` members it brought
    (one in ACTIVE_EVERY active lately), written as the portal's own code writes them, with the partner's
    counters set to match; and a manager."""
    from shared import clock
    from shared.db import keys
    from shared.db.repository import get_repository
    from shared.domain import partner_members, partner_staff, partner_vouchers, provisioning as p, vouchers

    client = p.create_client(f"Bench partner {size}", client_id=f"bench-pt-{size}-{secrets.token_hex(2)}",
                             quota={"ratePerSecond": 1_000_000, "burst": 1_000_000})
    partner = p.create_partner(client["id"], "Bench Partner", partner_id="bench-partner")
    email = f"bench-{secrets.token_hex(4)}@partners.example"
    partner_staff.create_staff(client["id"], partner["id"], email, "bench-partner-pass", role="manager")
    now = clock.now()
    expires = clock.iso(now + 90 * 86400)
    items: list[dict[str, Any]] = []
    for n in range(size):
        created = clock.iso(now - 86400 + n * 0.5)  # distinct instants, oldest first, all in the past
        item = partner_vouchers.voucher_item(client["id"], partner["id"], vouchers.new_code("BENCH"),
                                             created_at=created, expires_at=expires)
        if n % REDEEMED_EVERY == 0:
            item.update({"status": "redeemed", "redemptions": 1, "lastRedeemedAt": created})
        items.append(item)
        user_id = f"usr_{n:024x}"
        user = {"id": user_id, "email": f"member{n}@bench.example", "name": f"Member {n}",
                "createdAt": created, "partnerId": partner["id"], "voucherCode": item["code"]}
        attribution = partner_members.joining_actions(client["id"], user)[0].key_or_item
        if n % ACTIVE_EVERY == 0:
            attribution.update({"lastActiveAt": clock.iso(now - 3600), "lastActiveDay": clock.iso(now)[:10]})
        items += [attribution, {**keys.user(client["id"], user_id), **user, "clientId": client["id"],
                                "role": "user", "status": "active"}]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:  # BatchWriteItems in parallel: 300,000 items at 100,000
        list(pool.map(get_repository().put_many, [items[i:i + 2500] for i in range(0, len(items), 2500)]))
    redeemed = len(range(0, size, REDEEMED_EVERY))
    repo = get_repository()
    repo.update(keys.voucher_stats(client["id"], partner["id"]), "ADD #t :n, #r :r, #o :o",
                names={"#t": "total", "#r": "redeemed", "#o": f"open#{expires}"},
                values={":n": size, ":r": redeemed, ":o": size - redeemed})
    repo.update(keys.partner(client["id"], partner["id"]), "ADD members :n", values={":n": size})
    token = partner_staff.login(email, "bench-partner-pass")["accessToken"]
    return {"client": client["id"], "token": token}


REQUESTS = (
    ("stats", "GET", "/api/v1/partner/vouchers/stats"),
    ("vouchers page 1", "GET", "/api/v1/partner/vouchers"),
    ("vouchers page 50", "GET", "/api/v1/partner/vouchers?page=50&limit=20"),
    ("vouchers redeemed", "GET", "/api/v1/partner/vouchers?status=redeemed"),
    ("members page 1", "GET", "/api/v1/partner/members"),
    ("members active", "GET", "/api/v1/partner/members?status=active"),
    ("dashboard 90d", "GET", "/api/v1/partner/dashboard?period=90d"),
)


def _run(size: int) -> dict[str, dict[str, Any]]:
    from local.gateway import Gateway
    from shared.db.repository import get_repository
    from shared.domain import clients
    from shared.settings import get_settings

    clients.forget_cached_clients()
    started = time.perf_counter()
    seeded = _seed(size)
    print(f"  seeded {size:,} vouchers and members in {time.perf_counter() - started:.0f} s", flush=True)
    repo = get_repository()
    if not isinstance(repo.client, TransactionCapacity):
        import botocore.session
        from botocore.config import Config

        slow = botocore.session.get_session().create_client(
            "dynamodb", region_name=get_settings().region, endpoint_url=get_settings().dynamodb_endpoint,
            config=Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=300))
        repo.client = TransactionCapacity(slow)
    meter = Meter(Gateway(), {"Authorization": f"Bearer {seeded['token']}"})
    results = {}
    for name, method, path in REQUESTS:
        results[name] = _summary([meter.once(method, path) for _ in range(REPEAT + 1)])
    results["500 codes"] = _summary([meter.once("POST", "/api/v1/partner/vouchers", {"quantity": 500})
                                     for _ in range(2)])
    return results


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    warm = runs[1:]
    return {**{k: statistics.mean(r[k] for r in warm) for k in ("trips", "items", "scanned", "rcu", "wcu")},
            "ms": statistics.median(r["ms"] for r in warm)}


def _table(by_size: dict[int, dict[str, dict[str, Any]]]) -> str:
    lines = [f"{'request':<19}{'size':>8}{'trips':>7}{'items':>8}{'scanned':>9}{'RCU':>8}{'WCU':>8}{'p50 ms':>9}"]
    for name in by_size[SIZES[0]]:
        for size in SIZES:
            r = by_size[size][name]
            lines.append(f"{name:<19}{size:>8}{r['trips']:>7.1f}{r['items']:>8.1f}{r['scanned']:>9.1f}"
                         f"{r['rcu']:>8.1f}{r['wcu']:>8.1f}"
                         f"{r['ms']:>9.1f}")
    return "\n".join(lines)


def main() -> None:
    import os

    _environment()
    os.environ["TABLE_NAME"] = "stvos-bench-partner"

    with embedded_table():
        started = time.perf_counter()
        by_size = {size: _run(size) for size in SIZES}
        print(f"\nPartner portal: DynamoDB cost per request (warm; seeded and measured in "
              f"{time.perf_counter() - started:.0f} s)")
        print(_table(by_size))
        print("Stats read one counters item and the dashboard at most 180 day items, whatever the number of\n"
              "vouchers or members. An unfiltered list page reads one bounded index Query (page x limit items and a\n"
              "slack of 50 for codes of batches being created); a filtered one (status) reads page x limit first and\n"
              "twice as many at each next request until enough match, so it reads about (page x limit) / (share of\n"
              "matches) items: 1 redeemed in 50, 1 member in 10 active here. 'scanned' is what DynamoDB read (and\n"
              "charges, RCU), 'items' what it returned (members add one BatchGetItem of the page's accounts). 500\n"
              "codes: the batch item, 5 transactions of 100 codes and the completing transaction. Latency is\n"
              "moto's, not DynamoDB's.")


if __name__ == "__main__":
    main()
