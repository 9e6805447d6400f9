"""What one request costs in AWS, per route of the guide's journey and for a heartbeat.

Each request goes through the local gateway in-process (authorizer, usage plan, Mangum, FastAPI) against moto,
with per-caller rate limits off (they add one conditional UpdateItem, 1 WCU, to every request; added back in
the table's last column note). DynamoDB round trips are counted on the botocore client's own events
(`local.meter`). Capacity is estimated from the bytes DynamoDB would bill: each item read or written is
measured (an UpdateItem is billed for the larger of the item before and after; both are read beside the
figures with a second, unmetered client), reads in 4 KB units (half when eventually consistent), writes in
1 KB units, transactions twice, and one more write unit for each global secondary index an item enters,
leaves or changes in (two when its index key changes).

Lambda duration is an estimate for AWS: the time the function spent outside DynamoDB calls here, plus
DDB_MS per round trip (single-digit milliseconds in region), at the template's memory size. Prices are the
named constants below (us-east-1 list prices, PRICES_AS_OF); the authorizer is not counted (API Gateway caches
it for 300 s on signed-in routes).
"""
from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PRICES_AS_OF = "2025-01 (us-east-1 list prices)"
API_GATEWAY_REST_PER_MILLION = 3.50  # first 333 million requests a month
LAMBDA_REQUESTS_PER_MILLION = 0.20
LAMBDA_ARM64_PER_GB_SECOND = 0.0000133334  # first 7.5 billion GB-s a month
DYNAMODB_WRITE_UNIT_PER_MILLION = 0.625  # on-demand write request units (since 2024-11-01)
DYNAMODB_READ_UNIT_PER_MILLION = 0.125  # on-demand read request units
DDB_MS = 5.0  # a DynamoDB round trip within the region, for the duration estimate
REPEAT = 5
GSI_KEYS = (("GSI1PK", "GSI1SK"), ("GSI2PK", "GSI2SK"))


def _size(raw: dict[str, Any]) -> int:
    from bench.content import item_bytes

    return item_bytes(raw or {})


def _write_units(before: dict[str, Any] | None, after: dict[str, Any] | None, transactional: bool) -> float:
    units = max(1, math.ceil(max(_size(before or {}), _size(after or {})) / 1024))
    for pk, sk in GSI_KEYS:
        was = (before or {}).get(pk), (before or {}).get(sk)
        now = (after or {}).get(pk), (after or {}).get(sk)
        inside_before, inside_after = None not in was, None not in now
        if inside_before and inside_after:
            units += 2 if was != now else max(1, math.ceil(_size(after or {}) / 1024))
        elif inside_before or inside_after:
            units += 1
    return units * (2 if transactional else 1)


class Bill:
    """Round trips, capacity and time in DynamoDB, gathered from botocore's events on the app's client."""

    def __init__(self, client: Any, table: str) -> None:
        from shared.db.repository import make_client

        self.client, self.table, self.peek = client, table, make_client()  # peek: unmetered, for item images
        self.trips, self.rcu, self.wcu, self.in_dynamodb = 0, 0.0, 0.0, 0.0
        self._before: list[tuple[dict[str, Any], dict[str, Any] | None, bool]] = []
        self._started = 0.0
        self._peeking = 0.0
        client.meta.events.register("before-call.dynamodb", self._before_call)
        client.meta.events.register("after-call.dynamodb", self._after_call)

    def close(self) -> None:
        self.client.meta.events.unregister("before-call.dynamodb", self._before_call)
        self.client.meta.events.unregister("after-call.dynamodb", self._after_call)

    def _image(self, key: dict[str, Any]) -> dict[str, Any] | None:
        started = time.perf_counter()
        found = self.peek.get_item(TableName=self.table, Key={"PK": key["PK"], "SK": key["SK"]}).get("Item")
        self._peeking += time.perf_counter() - started
        return found

    def _writes(self, operation: str, body: dict[str, Any]) -> list[tuple[dict[str, Any], bool]]:
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            return [(body.get("Key") or body.get("Item") or {}, False)]
        if operation == "TransactWriteItems":
            found = []
            for action in body.get("TransactItems", []):
                (kind, spec), = action.items()
                if kind != "ConditionCheck":
                    found.append((spec.get("Key") or spec.get("Item") or {}, True))
            return found
        return []

    def _before_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        body = json.loads(params.get("body") or b"{}")
        self._before = [(key, self._image(key), transactional) for key, transactional in self._writes(model.name, body)]
        self._body, self._started = body, time.perf_counter()

    def _after_call(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.in_dynamodb += time.perf_counter() - self._started
        self.trips += 1
        name, body = model.name, self._body
        half = 1.0 if body.get("ConsistentRead") else 0.5
        if name == "GetItem":
            self.rcu += max(1, math.ceil(_size(parsed.get("Item") or {}) / 4096)) * half
        elif name == "Query":
            self.rcu += max(1, math.ceil(sum(_size(i) for i in parsed.get("Items", [])) / 4096)) * half
        elif name == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                self.rcu += sum(max(1, math.ceil(_size(i) / 4096)) * 0.5 for i in items)
        if parsed.get("Error") or parsed.get("ResponseMetadata", {}).get("HTTPStatusCode", 200) >= 400:
            failed = True  # a failed conditional write is still billed (1 unit a 1 KB item, twice in a transaction)
        else:
            failed = False
        for key, before, transactional in self._before:
            after = before if failed else self._image(key)
            self.wcu += _write_units(before, after, transactional)
        self._before = []


def _lambda_ms(measured_ms: float, in_dynamodb_ms: float, trips: float) -> float:
    return max(1.0, measured_ms - in_dynamodb_ms) + trips * DDB_MS


def dollars_per_million(trips: float, rcu: float, wcu: float, duration_ms: float, memory_mb: int) -> dict[str, float]:
    billed_ms = math.ceil(duration_ms)
    return {
        "apigw": API_GATEWAY_REST_PER_MILLION,
        "lambda": LAMBDA_REQUESTS_PER_MILLION + 1e6 * billed_ms / 1000 * memory_mb / 1024 * LAMBDA_ARM64_PER_GB_SECOND,
        "dynamodb": rcu * DYNAMODB_READ_UNIT_PER_MILLION + wcu * DYNAMODB_WRITE_UNIT_PER_MILLION,
    }


def _memory_mb() -> int:
    from local.template import load_template

    return int(load_template().get("Globals", {}).get("Function", {}).get("MemorySize", 128))


def journey(stack: Any) -> list[tuple[str, str, str, Any, dict[str, str]]]:
    """(label, method, path, body, headers) of the guide's journey, in order; {sid} is the started session."""
    demo = stack.demo
    key = demo["apiKeys"]["studio"]
    keyed = {"X-API-Key": key}
    return [
        ("health", "GET", "/health", None, {}),
        ("app config", "GET", "/app/config", None, keyed),
        ("register", "POST", "/auth/register", "REGISTER", keyed),
        ("login", "POST", "/auth/login", "LOGIN", keyed),
        ("users/me", "GET", "/users/me", None, "USER"),
        ("refresh", "POST", "/auth/refresh", "REFRESH", keyed),
        ("hume-config", "GET", "/hume-config", None, keyed),
        ("livekit token", "POST", "/livekit/token", {"roomName": "onboarding-session", "context": "Starting",
                                                     "agentName": "fitness-coach"}, keyed),
        ("discover", "GET", "/content/discover", None, "USER"),
        ("browse", "GET", "/content/classes?limit=20", None, keyed),
        ("class detail", "GET", "/content/classes/42", None, keyed),
        ("search", "GET", "/content/search?q=yoga", None, keyed),
        ("session start", "POST", "/sessions/start", {"classId": 42, "deviceType": "mobile"}, "USER"),
        ("1st heartbeat", "POST", "/sessions/{sid}/progress", {"progressSeconds": 30, "totalDurationSeconds": 1800},
         "USER"),
        ("heartbeat", "POST", "/sessions/{sid}/progress", "BEAT", "USER"),
        ("complete", "POST", "/sessions/{sid}/complete", None, "USER"),
        ("history", "GET", "/sessions/history", None, "USER"),
        ("summary", "GET", "/progress/summary", None, "USER"),
    ]


def measure() -> list[dict[str, Any]]:
    import uuid

    os.environ["RATE_LIMITS_ENABLED"] = "false"
    os.environ["TABLE_NAME"] = "stvos-bench-cost"
    from local.gateway import Gateway
    from local.stack import LocalStack
    from shared import clock
    from shared.db.repository import get_repository
    from shared.domain import clients
    from shared.settings import get_settings

    stack = LocalStack(port=0, demo_file=None).start()
    rows: list[dict[str, Any]] = []
    try:
        gateway = Gateway()
        key = stack.demo["apiKeys"]["studio"]
        state: dict[str, Any] = {"beat": 30}
        bill = Bill(get_repository().client, get_settings().table_name)

        def body_of(spec: Any) -> Any:
            email = state.setdefault("email", f"cost-{uuid.uuid4().hex[:10]}@example.com")
            if spec == "REGISTER":
                state["email"] = email = f"cost-{uuid.uuid4().hex[:10]}@example.com"
                return {"email": email, "password": "securepassword", "name": "Cost"}
            if spec == "LOGIN":
                return {"email": email, "password": "securepassword"}
            if spec == "REFRESH":
                return {"refreshToken": state["refresh"]}
            if spec == "BEAT":
                state["beat"] += 30
                return {"progressSeconds": state["beat"], "totalDurationSeconds": 1800}
            return spec

        for label, method, path, spec, headers in journey(stack):
            runs = []
            for _ in range(REPEAT):
                if label in ("session start", "1st heartbeat", "complete") and runs:
                    break  # each changes what it measures: once is the honest figure
                if label == "heartbeat":
                    clock.advance(30)
                    clients.get_client(stack.demo["clients"]["studio"]["id"])  # a warm container's 30 s cache
                sent = dict(headers) if isinstance(headers, dict) else {"X-API-Key": key,
                                                                        "Authorization": f"Bearer {state['access']}"}
                body = body_of(spec)
                raw = json.dumps(body).encode() if body is not None else b""
                if body is not None:
                    sent["Content-Type"] = "application/json"
                url = "/api/v1" + path.replace("{sid}", state.get("sid", ""))
                before = (bill.trips, bill.rcu, bill.wcu, bill.in_dynamodb, bill._peeking)
                started = time.perf_counter()
                reply = gateway.handle(method, url, sent, raw, f"127.5.{len(rows)}.{len(runs) + 1}")
                elapsed = time.perf_counter() - started - (bill._peeking - before[4])
                if reply.status >= 400:
                    raise RuntimeError(f"{label}: {reply.status} {reply.body[:200]!r}")
                data = json.loads(reply.body).get("data") or {}
                if "accessToken" in data:
                    state["access"], state["refresh"] = data["accessToken"], data.get("refreshToken")
                if label == "session start":
                    state["sid"] = data["session"]["id"]
                runs.append({"trips": bill.trips - before[0], "rcu": bill.rcu - before[1], "wcu": bill.wcu - before[2],
                             "ms": 1000 * elapsed, "ddb_ms": 1000 * (bill.in_dynamodb - before[3])})
                if label in ("register", "login", "refresh"):
                    break  # argon2 and single-use tokens: one run each
            row = {"route": label, **{k: statistics.mean(r[k] for r in runs) for k in ("trips", "rcu", "wcu")},
                   "ms": statistics.median(r["ms"] for r in runs), "ddb_ms": statistics.median(r["ddb_ms"] for r in runs)}
            rows.append(row)
        bill.close()
    finally:
        stack.stop()
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    memory = _memory_mb()
    lines = [f"{'route':<15}{'trips':>6}{'RCU':>6}{'WCU':>6}{'Lambda ms':>11}{'APIGW $':>9}{'Lambda $':>10}"
             f"{'DynamoDB $':>12}{'total $/M':>11}"]
    for row in rows:
        duration = _lambda_ms(row["ms"], row["ddb_ms"], row["trips"])
        price = dollars_per_million(row["trips"], row["rcu"], row["wcu"], duration, memory)
        lines.append(f"{row['route']:<15}{row['trips']:>6.1f}{row['rcu']:>6.1f}{row['wcu']:>6.1f}{duration:>11.0f}"
                     f"{price['apigw']:>9.2f}{price['lambda']:>10.2f}{price['dynamodb']:>12.2f}"
                     f"{sum(price.values()):>11.2f}")
    return "\n".join(lines)


def main() -> None:
    rows = measure()
    print(f"\nCost per route, dollars per million requests (prices {PRICES_AS_OF}; Lambda arm64 at {_memory_mb()} MB;"
          f" duration = time outside DynamoDB here + {DDB_MS:.0f} ms a round trip)")
    print(table(rows))
    beat = next(r for r in rows if r["route"] == "heartbeat")
    print(f"Heartbeat target: <= 3 round trips, <= 2 write units; measured {beat['trips']:.1f} and {beat['wcu']:.1f}"
          " (mid-session, same hour;\nthe function's 30 s cache of the client profile warm: a container reads it once"
          " for all its callers).\nPer-caller rate limits add 1 trip and 1 WCU (+$0.63/M) to every request; the authorizer, when API\n"
          "Gateway's 300 s cache misses, one Lambda invocation and one GetItem. 500 viewers send 1,000 heartbeats a\n"
          f"minute: {1000 * 60 * 24 * 30 / 1e6:.1f} M a month.")


if __name__ == "__main__":
    main()
