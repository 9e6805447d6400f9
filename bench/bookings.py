"""Trainers and bookings at scale: what availability for 31 days and a booking cost in DynamoDB when the trainer
has 10 and 10,000 past bookings.

For each size one client is seeded in a fresh moto server (DynamoDB's wire protocol): one trainer in
Europe/London working 07:00-21:00 every day, a 30-minute service with 10-minute buffers on both sides, and that
many past bookings (each with its place in the trainer's calendar index and the member's list). Requests go
through the local gateway in-process (authorizer, Mangum, FastAPI), rate limits off, warm; figures per request:
round trips, items read, estimated read and write units (bench.content's CapacityEstimate; a transaction's
writes count double, as DynamoDB charges them) and the median latency.
"""
from __future__ import annotations

import secrets
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from bench.embedded import embedded_table
from bench.content import CapacityEstimate, Meter, _environment, item_bytes

SIZES = (10, 10_000)
REPEAT = 10
TARGET_RATIO = 1.2
THREADS = 16


class TransactionCapacity(CapacityEstimate):
    """CapacityEstimate plus TransactWriteItems: 2 units per KB of each item written, 2 per delete or check."""

    def __getattr__(self, name: str) -> Any:
        if name != "transact_write_items":
            return super().__getattr__(name)
        call = getattr(self.client, name)

        def measured(**params: Any) -> Any:
            response = call(**params)
            for entry in params["TransactItems"]:
                (kind, body), = entry.items()
                self.wcu += 2 * (max(1, -(-item_bytes(body["Item"]) // 1024)) if kind == "Put" else 1)
            return response

        return measured


def _seed(past: int) -> dict[str, Any]:
    from shared import clock
    from shared.db import keys
    from shared.db.repository import get_repository
    from shared.domain import provisioning as p, trainers

    client = p.create_client(f"Bench bookings {past}", client_id=f"bench-bk-{past}-{secrets.token_hex(2)}",
                             features={"coach_connect": True}, quota={"ratePerSecond": 1_000_000, "burst": 1_000_000})
    get_repository().update(keys.client(client["id"]), "SET maxUpcomingBookings = :n",  # one member books them all
                            values={":n": 2 * (REPEAT + 1)})
    raw_key, _ = p.issue_api_key(client["id"], label="bench")
    coach = p.create_coach(client["id"], "Bench Trainer", specialties=["strength"], levels=["beginner"])
    trainers.put_schedule(client["id"], coach["id"], "Europe/London",
                          [{"day": d, "start": "07:00", "end": "21:00"} for d in ("mon", "tue", "wed", "thu", "fri",
                                                                                   "sat", "sun")])
    service = trainers.create_service(client["id"], coach["id"], "Bench Session", duration=30, price_minor=5000,
                                      currency="GBP", buffer_before=10, buffer_after=10, minimum_notice=60)
    repo = get_repository()
    now = int(clock.now())
    member = f"bench-member-{secrets.token_hex(4)}"

    def one(n: int) -> None:
        starts = now - 86400 * 2 - n * 3600  # one an hour, going back from two days ago
        booking_id = secrets.token_hex(12)
        repo.put({**keys.booking(client["id"], booking_id), "id": booking_id, "kind": "booking",
                  "clientId": client["id"], "userId": member, "trainerId": coach["id"], "trainerName": coach["name"],
                  "serviceId": service["id"], "serviceName": service["name"],
                  "status": "completed", "startsAtEpoch": starts, "endsAtEpoch": starts + 1800,
                  "busyFrom": starts - 600, "busyUntil": starts + 2400, "timeZone": "Europe/London",
                  "scheduledDate": "2026-01-01", "scheduledTime": "09:00", "duration": 30, "priceMinor": 5000,
                  "currency": "GBP", "notes": "", "policy": trainers.policy_view(service), "rescheduleCount": 0,
                  "createdAt": clock.iso(starts - 86400),
                  "GSI1PK": keys.member_bookings_index(client["id"], member), "GSI1SK": f"{clock.iso(starts)}#{booking_id}",
                  "GSI2PK": keys.trainer_calendar_index(client["id"], coach["id"]),
                  "GSI2SK": f"{clock.iso(starts - 600)}#{booking_id}"})

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(one, range(past)))
    return {"client": client["id"], "key": raw_key, "trainer": coach["id"], "service": service["id"]}


def _run(past: int) -> dict[str, dict[str, Any]]:
    from local.gateway import Gateway
    from shared.auth import tokens
    from shared.db.repository import get_repository
    from shared.domain import catalog, clients

    catalog.forget_cache()
    clients.forget_cached_clients()
    seeded = _seed(past)
    user_id = f"bench-booker-{secrets.token_hex(4)}"
    token, _ = tokens.issue(user_id, seeded["client"], "user", ttl_seconds=3600)
    repo = get_repository()
    if not isinstance(repo.client, TransactionCapacity):
        from bench.embedded import patient_client

        repo.client = TransactionCapacity(patient_client(120))
    meter = Meter(Gateway(), {"X-API-Key": seeded["key"], "Authorization": f"Bearer {token}"})
    meter.once("GET", "/api/v1/health")
    first = date.today() + timedelta(days=1)
    availability = (f"/api/v1/trainers/{seeded['trainer']}/availability?serviceId={seeded['service']}"
                    f"&from={first}&to={first + timedelta(days=30)}")
    runs = [meter.once("GET", availability) for _ in range(REPEAT + 1)]
    slots = _slots(meter, availability)
    results = {"availability 31 d": _summary(runs)}
    book = f"/api/v1/trainers/{seeded['trainer']}/book"
    runs = [meter.once("POST", book, {"serviceId": seeded["service"], "slotId": slots[i * 6]["id"]})
            for i in range(REPEAT + 1)]
    results["book"] = _summary(runs)
    return results


def _slots(meter: Meter, path: str) -> list[dict[str, Any]]:
    import json

    response = meter.gateway.handle("GET", path, meter.headers, b"", "127.0.0.1")
    return json.loads(response.body)["data"]["slots"]


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    warm = runs[1:]
    return {**{k: statistics.mean(r[k] for r in warm) for k in ("trips", "items", "rcu", "wcu")},
            "ms": statistics.median(r["ms"] for r in warm)}


def _table(by_size: dict[int, dict[str, dict[str, Any]]]) -> str:
    small, large = SIZES
    lines = [f"{'request':<18}{'past':>7}{'trips':>7}{'items':>8}{'RCU':>8}{'WCU':>7}{'p50 ms':>8}"]
    for name in by_size[small]:
        for size in SIZES:
            r = by_size[size][name]
            lines.append(f"{name:<18}{size:>7}{r['trips']:>7.1f}{r['items']:>8.1f}{r['rcu']:>8.1f}{r['wcu']:>7.1f}"
                         f"{r['ms']:>8.1f}")
        a, b = by_size[small][name], by_size[large][name]
        ratios = [(b[k] / a[k]) if a[k] else 1.0 for k in ("trips", "items", "rcu")]
        verdict = "ok" if max(ratios) <= TARGET_RATIO else "OVER TARGET"
        lines.append(f"{'':<18}{'ratio':>7}{ratios[0]:>7.2f}{ratios[1]:>8.2f}{ratios[2]:>8.2f}   "
                     f"(target <= {TARGET_RATIO}x at {large} vs {small} past bookings: {verdict})")
    return "\n".join(lines)


def main() -> None:
    import os

    _environment()
    os.environ["TABLE_NAME"] = "stvos-bench-bookings"

    with embedded_table():
        started = time.perf_counter()
        by_size = {size: _run(size) for size in SIZES}
        print(f"\nTrainers and bookings: DynamoDB cost per request (warm, mean of {REPEAT}; seeded and measured in "
              f"{time.perf_counter() - started:.0f} s)")
        print(_table(by_size))
        print("Availability reads the trainer's partition (schedule, services) and its calendar index over the\n"
              "range shown only; a booking also reads the member's booking places (one small Query), adds the\n"
              "member's own-index check only when refused, and one transaction (the booking, the trainer's schedule\n"
              "guard, the service's booking count, the member's booking place, 10 trainer blocks of 5 minutes for\n"
              "30 + 2x10 minutes, 6 member blocks). Both include the authorizer's revocation GetItem. Latency is\n"
              "against moto, whose Query walks the table in Python.")


if __name__ == "__main__":
    main()
