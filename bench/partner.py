"""The partner portal at scale: generating 500 codes, and what stats, the first list page and the dashboard cost
when the partner has 100 and 10,000 vouchers.

For each size one client and partner are seeded in a fresh moto server: that many vouchers (written directly,
in parallel, with the partner's counters set to match) and a manager. Requests go through the local gateway
in-process (authorizer, Mangum, FastAPI), rate limits off, warm; figures per request: round trips, items read,
estimated read and write units (bench.bookings' TransactionCapacity) and the median latency.
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

SIZES = (100, 10_000)
REPEAT = 5
THREADS = 16


def _seed(size: int) -> dict[str, Any]:
    from shared import clock
    from shared.db import keys
    from shared.db.repository import get_repository
    from shared.domain import partner_staff, partner_vouchers, provisioning as p, vouchers

    client = p.create_client(f"Bench partner {size}", client_id=f"bench-pt-{size}-{secrets.token_hex(2)}",
                             quota={"ratePerSecond": 1_000_000, "burst": 1_000_000})
    partner = p.create_partner(client["id"], "Bench Partner", partner_id="bench-partner")
    email = f"bench-{secrets.token_hex(4)}@partners.example"
    partner_staff.create_staff(client["id"], partner["id"], email, "bench-partner-pass", role="manager")
    repo = get_repository()
    created, expires = clock.iso(), clock.iso(clock.now() + 90 * 86400)

    def one(_: int) -> None:
        item = partner_vouchers.voucher_item(client["id"], partner["id"], vouchers.new_code("BENCH"),
                                             created_at=created, expires_at=expires)
        repo.put(item, condition="attribute_not_exists(PK)")

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(one, range(size)))
    repo.update(keys.voucher_stats(client["id"], partner["id"]), "ADD #t :n, #o :n",
                names={"#t": "total", "#o": f"open#{expires}"}, values={":n": size})
    token = partner_staff.login(email, "bench-partner-pass")["accessToken"]
    return {"client": client["id"], "token": token}


def _run(size: int) -> dict[str, dict[str, Any]]:
    from local.gateway import Gateway
    from shared.db.repository import get_repository
    from shared.domain import clients
    from shared.settings import get_settings

    clients.forget_cached_clients()
    seeded = _seed(size)
    repo = get_repository()
    if not isinstance(repo.client, TransactionCapacity):
        import botocore.session
        from botocore.config import Config

        slow = botocore.session.get_session().create_client(
            "dynamodb", region_name=get_settings().region, endpoint_url=get_settings().dynamodb_endpoint,
            config=Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=120))
        repo.client = TransactionCapacity(slow)
    meter = Meter(Gateway(), {"Authorization": f"Bearer {seeded['token']}"})
    results = {}
    for name, path in (("stats", "/api/v1/partner/vouchers/stats"), ("list page", "/api/v1/partner/vouchers"),
                       ("dashboard 90d", "/api/v1/partner/dashboard?period=90d")):
        results[name] = _summary([meter.once("GET", path) for _ in range(REPEAT + 1)])
    results["500 codes"] = _summary([meter.once("POST", "/api/v1/partner/vouchers", {"quantity": 500})
                                     for _ in range(2)])
    return results


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    warm = runs[1:]
    return {**{k: statistics.mean(r[k] for r in warm) for k in ("trips", "items", "rcu", "wcu")},
            "ms": statistics.median(r["ms"] for r in warm)}


def _table(by_size: dict[int, dict[str, dict[str, Any]]]) -> str:
    lines = [f"{'request':<15}{'vouchers':>9}{'trips':>7}{'items':>8}{'RCU':>8}{'WCU':>8}{'p50 ms':>9}"]
    for name in by_size[SIZES[0]]:
        for size in SIZES:
            r = by_size[size][name]
            lines.append(f"{name:<15}{size:>9}{r['trips']:>7.1f}{r['items']:>8.1f}{r['rcu']:>8.1f}{r['wcu']:>8.1f}"
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
              "vouchers or members; the list reads one index page. 500 codes: the batch item, 5 transactions of 100\n"
              "codes and the completing transaction. Latency is against moto, not DynamoDB.")


if __name__ == "__main__":
    main()
