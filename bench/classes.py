"""Group classes at scale: what a join (onto the waitlist), a leave that promotes the waitlist's head, leaving the
waitlist and the class list cost when a full class has 10 and 1,000 members waiting.

For each size one client is seeded in a fresh moto server: a trainer, a week of 7 classes, one of them full (20
places booked) with that many members waiting (places and tickets written directly, with the class's counters
set to match). Requests go through the local gateway in-process (authorizer, Mangum, FastAPI), rate limits off,
warm, each by a member of its own; figures per request: round trips, items read, estimated read and write units
(bench.bookings' TransactionCapacity: a transaction's writes count double) and the median latency.
"""
from __future__ import annotations

import secrets
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from bench.bookings import TransactionCapacity
from bench.content import Meter, _environment
from bench.embedded import embedded_table

SIZES = (10, 1_000)
BOOKED = 20
REPEAT = 8
THREADS = 16
DAY = 86400


def _seed(waiting: int) -> dict[str, Any]:
    from shared import clock
    from shared.db import keys
    from shared.db.repository import get_repository
    from shared.domain import group_classes as gc
    from shared.domain import provisioning as p

    client = p.create_client(f"Bench classes {waiting}", client_id=f"bench-gc-{waiting}-{secrets.token_hex(2)}",
                             features={"coach_connect": True}, quota={"ratePerSecond": 1_000_000, "burst": 1_000_000})
    raw_key, _ = p.issue_api_key(client["id"], label="bench")
    coach = p.create_coach(client["id"], "Bench Trainer", specialties=["hiit"], levels=["beginner"])
    now = int(clock.now())
    week = [gc.create_class(client["id"], trainer_id=coach["id"], name=f"Bench class {n}",
                            starts_at=now + (n + 1) * DAY, duration=45, time_zone="Europe/London", capacity=BOOKED,
                            waitlist={"enabled": True, "capacity": waiting + REPEAT * 4, "closeMinutes": 720})
            for n in range(7)]
    full = week[2]  # three days ahead: inside the booking window, before the promotion cut-off
    repo = get_repository()

    def place(n: int) -> None:
        user_id = f"bench-{'booked' if n < BOOKED else 'waiting'}-{n:05d}"
        ticket = n - BOOKED + 1
        extra = {"ticket": ticket, "promoteUntil": None} if n >= BOOKED else {}
        repo.put(gc._place_item(client["id"], full, user_id, gc.BOOKED if n < BOOKED else gc.WAITLISTED, **extra))
        if n >= BOOKED:
            repo.put({**keys.waitlist_entry(client["id"], int(full["id"]), ticket), "userId": user_id,
                      "promoteUntil": None})

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(place, range(BOOKED + waiting)))
    repo.update(keys.group_class(client["id"], int(full["id"])),
                "SET bookedCount = :b, waitlistCount = :w, waitlistSeq = :w",
                values={":b": BOOKED, ":w": waiting}, return_values="NONE")
    return {"client": client["id"], "key": raw_key, "class": int(full["id"]),
            "day": datetime.fromtimestamp(int(full["startsAt"]), timezone.utc).date().isoformat()}


def _run(waiting: int) -> dict[str, dict[str, Any]]:
    from local.gateway import Gateway
    from shared.auth import tokens
    from shared.db.repository import get_repository
    from shared.domain import catalog, clients
    from shared.settings import get_settings

    catalog.forget_cache()
    clients.forget_cached_clients()
    seeded = _seed(waiting)
    repo = get_repository()
    if not isinstance(repo.client, TransactionCapacity):
        import botocore.session
        from botocore.config import Config

        slow = botocore.session.get_session().create_client(
            "dynamodb", region_name=get_settings().region, endpoint_url=get_settings().dynamodb_endpoint,
            config=Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=120))
        from local import iam

        iam.enforce(slow)
        repo.client = TransactionCapacity(slow)
    meter = Meter(Gateway(), {"X-API-Key": seeded["key"]})

    def as_member(user_id: str) -> Meter:
        token, _ = tokens.issue(user_id, seeded["client"], "user", ttl_seconds=3600)
        meter.headers = {"X-API-Key": seeded["key"], "Authorization": f"Bearer {token}"}
        return meter

    path = f"/api/v1/group-classes/{seeded['class']}"
    newcomers = [f"bench-newcomer-{n}" for n in range(REPEAT + 1)]
    results = {
        "join (waitlist)": _summary([as_member(u).once("POST", f"{path}/join", {}) for u in newcomers]),
        "leave, promote": _summary([as_member(f"bench-booked-{n:05d}").once("POST", f"{path}/leave", {})
                                    for n in range(REPEAT + 1)]),
        "leave waitlist": _summary([as_member(u).once("POST", f"{path}/leave", {}) for u in newcomers]),
        "class list 7 d": _summary([as_member(newcomers[0]).once(
            "GET", f"/api/v1/group-classes?from={seeded['day']}&to={seeded['day']}") for _ in range(REPEAT + 1)]),
    }
    return results


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    warm = runs[1:]
    return {**{k: statistics.mean(r[k] for r in warm) for k in ("trips", "items", "rcu", "wcu")},
            "ms": statistics.median(r["ms"] for r in warm)}


def _table(by_size: dict[int, dict[str, dict[str, Any]]]) -> str:
    lines = [f"{'request':<17}{'waiting':>8}{'trips':>7}{'items':>8}{'RCU':>8}{'WCU':>7}{'p50 ms':>8}"]
    for name in by_size[SIZES[0]]:
        for size in SIZES:
            r = by_size[size][name]
            lines.append(f"{name:<17}{size:>8}{r['trips']:>7.1f}{r['items']:>8.1f}{r['rcu']:>8.1f}{r['wcu']:>7.1f}"
                         f"{r['ms']:>8.1f}")
    return "\n".join(lines)


def main() -> None:
    import os

    _environment()
    os.environ["TABLE_NAME"] = "stvos-bench-classes"

    with embedded_table():
        started = time.perf_counter()
        by_size = {size: _run(size) for size in SIZES}
        print(f"\nGroup classes: DynamoDB cost per request (warm, mean of {REPEAT}; seeded and measured in "
              f"{time.perf_counter() - started:.0f} s)")
        print(_table(by_size))
        print("A join onto the waitlist and a leave that promotes read the class and the member's place, and write\n"
              "one transaction; the waitlist's head is one Query bounded by 26 tickets. A new waiting member's\n"
              "position counts the tickets ahead (a Query over them): the one figure that grows with the waitlist.\n"
              "The class list reads the schedule index and the member's places. Latency is against moto.")


if __name__ == "__main__":
    main()
