"""Plans and progress: generation time per plan type (the rules engine alone, in-process), and what the daily plan,
the dashboard, a log write and the log list cost in DynamoDB for a member with 10 and with 10,000 progress logs.

Generation: GENERATIONS requests per type with inputs drawn from a seeded generator (levels, goals, days,
equipment, injuries, restrictions, durations up to 16 weeks); median and p95 of the engine call. Requests go
through the local gateway in-process (authorizer, Mangum, FastAPI: no HTTP) against a fresh moto server, per-caller
rate limits off; each figure is the mean of REPEAT warm requests (see bench/content.py for how capacity is
estimated). The logs are written through the real code path (one transaction each, day counters included),
spread over the last 90 local days: 10 through the real code path, 10,000 written in batches as the same
items (the logs and their days' counters), which seeds in seconds instead of many minutes on moto.
"""
from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.embedded import embedded_table
from bench.content import Meter, _environment

GENERATIONS = 60
LOG_COUNTS = (10, 10_000)
REPEAT = 10
TARGET_RATIO = 1.2


def _requests(rng: random.Random) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    from shared.domain.planning import limits

    days = rng.sample(limits.WEEKDAYS, rng.randint(2, 7))
    body = {"age": rng.randint(18, 80), "gender": rng.choice(["male", "female"]), "weight": rng.randint(50, 110),
            "height": rng.randint(150, 200), "fitnessLevel": rng.choice(limits.LEVELS),
            "goals": rng.sample(limits.GOALS, rng.randint(1, 3))}
    return {
        "workout": ({**body, "workoutDays": days, "sessionDuration": rng.choice([20, 30, 45, 60, 90]),
                     "equipment": rng.sample(limits.EQUIPMENT[1:], rng.randint(0, 5)),
                     "injuries": rng.sample(limits.INJURIES, rng.randint(0, 2))},
                    {"daysPerWeek": rng.randint(1, len(days)), "durationWeeks": rng.randint(1, 16)}),
        "nutrition": ({**body, "dietaryRestrictions": rng.sample(limits.DIETARY_RESTRICTIONS, rng.randint(0, 2))},
                      {"mealTypes": ["breakfast", "lunch", "dinner", "snack"], "durationDays": rng.randint(7, 28)}),
        "class": ({**body, "availableDays": days}, {"durationWeeks": rng.randint(1, 16), "sessionDuration": 45}),
    }


def _generation() -> dict[str, tuple[float, float]]:
    from shared.domain.planning import class_plan, nutrition, workout

    catalog = [{"id": n, "name": f"Class {n}", "duration": [15, 20, 30, 45, 60][n % 5],
                "intensity": ["low", "medium", "high"][n % 3],
                "category": ["HIIT", "Yoga", "Strength", "Pilates", "Cardio"][n % 5], "isLive": False}
               for n in range(1, 201)]
    engines = {"workout": workout.generate, "nutrition": nutrition.generate,
               "class": lambda p, q: class_plan.generate(p, q, catalog)}
    rng = random.Random(7)
    times: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(GENERATIONS):
        for name, (profile, preferences) in _requests(rng).items():
            started = time.perf_counter()
            engines[name](profile, preferences)
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: (statistics.median(t), sorted(t)[int(len(t) * 0.95) - 1]) for name, t in times.items()}


def _member(logs: int) -> tuple[str, str, str]:
    """A client and member with saved plans and `logs` progress logs; (client id, api key, user id)."""
    from shared import clock
    from shared.domain import accounts, plans, progress
    from shared.domain import provisioning as p

    client = p.create_client(f"Bench plans {logs}", client_id=f"bench-plans-{logs}-{secrets.token_hex(2)}",
                             quota={"ratePerSecond": 1_000_000, "burst": 1_000_000},
                             features={"workout_builder": True, "nutrition": True})
    key, _ = p.issue_api_key(client["id"], label="bench")
    user = accounts.create_member(client["id"], f"bench-{secrets.token_hex(4)}@example.com", "bench-password-1",
                                  name="Bench Member")
    today = date.fromtimestamp(clock.now())
    start = (today - timedelta(days=60)).isoformat()
    plans.save(client["id"], user["id"], "workout", {"workoutDays": ["mon", "wed", "fri"]},
               {"durationWeeks": 16}, start)
    plans.save(client["id"], user["id"], "nutrition", {"age": 35, "gender": "female", "weight": 65, "height": 168},
               {"duration": "16 weeks"}, start)

    if logs <= 100:  # a few logs through the real code path (one transaction each, day counters included)
        for n in range(logs):
            progress.add_log(client["id"], user["id"], *_log(n, today))
    else:  # many: the same items (logs and their days' counters) written in batches, which is quicker to seed
        _bulk_logs(client["id"], user["id"], logs, today)
    return client["id"], key, user["id"]


def _log(n: int, today: date) -> tuple[str, dict[str, Any]]:
    on = (today - timedelta(days=n % 90)).isoformat()
    kind = ("water", "nutrition", "workout")[n % 3]
    fields: dict[str, Any] = {"date": on}
    if kind == "water":
        fields["amountMl"] = 250
    elif kind == "nutrition":
        fields.update({"mealType": "lunch", "name": "Salad", "calories": 500})
    else:
        fields.update({"name": "Full body A", "durationMinutes": 40})
    return kind, fields


def _bulk_logs(client_id: str, user_id: str, count: int, today: date) -> None:
    """`count` logs as progress.add_log writes them, and each day's counters as its ADDs leave them."""
    from shared import clock
    from shared.db import keys
    from shared.db.repository import get_repository, serialize
    from shared.domain import progress

    items: list[dict[str, Any]] = []
    days: dict[str, dict[str, Any]] = {}
    for n in range(count):
        kind, fields = _log(n, today)
        on = fields.pop("date")
        log_id = progress.new_log_id(date.fromisoformat(on))[:-8] + f"{n:08x}"
        item = {**keys.progress_log(client_id, user_id, on, log_id), "id": log_id, "type": kind, "date": on,
                "loggedAt": clock.iso(), **fields}
        items.append(item)
        expression, names, values = progress._day_changes(item, 1)  # the same counters a log adds
        day = days.setdefault(on, {**keys.progress_day(client_id, user_id, on), "date": on})
        for placeholder, name in names.items():
            if name != "date":
                day[name] = day.get(name, 0) + values[":" + placeholder[1:]]
    items += list(days.values())
    repo = get_repository()
    for start in range(0, len(items), 25):
        pending = {repo.table: [{"PutRequest": {"Item": serialize(i)}} for i in items[start:start + 25]]}
        while pending:
            pending = repo.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def _costs(logs: int) -> dict[str, dict[str, float]]:
    from local.gateway import Gateway
    from shared.auth import tokens

    client_id, key, user_id = _member(logs)
    token, _ = tokens.issue(user_id, client_id, "user", ttl_seconds=3600)
    meter = Meter(Gateway(), {"X-API-Key": key, "Authorization": f"Bearer {token}"})
    meter.once("GET", "/api/v1/health")
    requests = {
        "daily plan": ("GET", "/api/v1/users/me/daily-plan", None),
        "dashboard week": ("GET", "/api/v1/progress/dashboard?period=week", None),
        "dashboard month": ("GET", "/api/v1/progress/dashboard?period=month", None),
        "log water": ("POST", "/api/v1/progress/water", {"amountMl": 200}),
        "logs list": ("GET", "/api/v1/progress/logs", None),
        "logs list water": ("GET", "/api/v1/progress/logs?type=water", None),
        "logs list p5": ("GET", "/api/v1/progress/logs?page=5&limit=20", None),
    }
    def once(request: tuple[str, str, Any]) -> dict[str, float]:
        for attempt in range(4):  # the embedded DynamoDB may time out on a loaded machine: measure again
            try:
                return meter.once(*request)
            except RuntimeError as error:
                if " 503 " not in str(error) or attempt == 3:
                    raise
                time.sleep(2)
        raise AssertionError("unreachable")

    results = {}
    for name, request in requests.items():
        once(request)
        runs = [once(request) for _ in range(REPEAT)]
        results[name] = {k: statistics.mean(r[k] for r in runs) for k in ("trips", "items", "rcu", "wcu")}
        results[name]["ms"] = statistics.median(r["ms"] for r in runs)
    return results


def main() -> None:
    _environment()
    os.environ["TABLE_NAME"] = "stvos-bench-plans"

    generation = _generation()
    print("\nPlan generation, rules engine in-process (ms over "
          f"{GENERATIONS} varied requests per type)")
    print(f"{'plan':<11}{'p50':>8}{'p95':>8}")
    for name, (p50, p95) in generation.items():
        print(f"{name:<11}{p50:>8.1f}{p95:>8.1f}")
    with embedded_table():
        started = time.perf_counter()
        by_logs = {count: _costs(count) for count in LOG_COUNTS}
        print(f"\nPlans and progress: DynamoDB cost per request with {LOG_COUNTS[0]} and {LOG_COUNTS[1]:,} logs "
              f"(warm, mean of {REPEAT}; seeded and measured in {time.perf_counter() - started:.0f} s)")
        print(f"{'request':<17}{'logs':>7}{'trips':>7}{'items':>8}{'RCU':>7}{'WCU':>6}{'p50 ms':>8}")
        small, large = LOG_COUNTS
        for name in by_logs[small]:
            for count in LOG_COUNTS:
                r = by_logs[count][name]
                print(f"{name:<17}{count:>7}{r['trips']:>7.1f}{r['items']:>8.1f}{r['rcu']:>7.1f}{r['wcu']:>6.1f}"
                      f"{r['ms']:>8.1f}")
            a, b = by_logs[small][name], by_logs[large][name]
            ratio = max((b[k] / a[k]) if a[k] else 1.0 for k in ("trips", "items"))
            print(f"{'':<17}{'ratio':>7}{ratio:>7.2f}   (target <= {TARGET_RATIO}x: "
                  f"{'ok' if ratio <= TARGET_RATIO else 'OVER TARGET'})")
        print("Items include the authorizer's revocation GetItem. The daily plan reads the member, the plan pointer,\n"
              "the active plans, the day's counters and the day's bookings; the dashboard reads day items, not logs:\n"
              "the period, the one before and a 92-day streak window (at most ~190 items). The 10-log member has\n"
              "logs on 10 days, the 10,000-log member on all 90, hence more day items; more logs on the same days\n"
              "add none. WCU of a log is its transaction (not counted by the estimate). The log list reads the\n"
              "range's day items (its total, from counters) and the logs up to its page (page x limit), whatever\n"
              "the history; with a type filter DynamoDB evaluates page x limit logs, then twice as many per request, and items\n"
              "counts the matches. Latency is moto's, whose Query walks the table in Python: it grows with the\n"
              "table here, unlike DynamoDB's.")


if __name__ == "__main__":
    main()
