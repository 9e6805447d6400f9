"""Accounts: the argon2id hash time, and the DynamoDB reads and writes of register, login and refresh.

Requests go through the local gateway in-process (authorizer, usage plan, handler), against moto; the
repository counts round trips and capacity. Rate limits are off so that only the endpoint's own work counts.
"""
from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from typing import Any

N = 15


def _hash_times() -> tuple[float, float]:
    from shared.auth import passwords

    hashes, verifies = [], []
    for _ in range(N):
        started = time.perf_counter()
        stored = passwords.hash_password("correct horse battery staple")
        hashes.append(time.perf_counter() - started)
        started = time.perf_counter()
        passwords.verify(stored, "correct horse battery staple")
        verifies.append(time.perf_counter() - started)
    return statistics.median(hashes), statistics.median(verifies)


def main() -> None:
    os.environ["RATE_LIMITS_ENABLED"] = "false"
    from local.gateway import Gateway
    from local.stack import LocalStack
    from shared.db.repository import get_repository

    stack = LocalStack(port=0, demo_file=None).start()
    try:
        gateway = Gateway()
        key = stack.demo["apiKeys"]["studio"]
        usage = get_repository().usage

        def call(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, float]]:
            before = (usage.calls, usage.items_read, usage.read_units, usage.write_units)
            started = time.perf_counter()
            response = gateway.handle("POST", f"/api/v1{path}", {"X-API-Key": key, "Content-Type": "application/json"},
                                      json.dumps(body).encode(), "127.0.0.1")
            elapsed = time.perf_counter() - started
            after = (usage.calls, usage.items_read, usage.read_units, usage.write_units)
            delta = {"calls": after[0] - before[0], "items": after[1] - before[1],
                     "rcu": after[2] - before[2], "wcu": after[3] - before[3], "ms": elapsed * 1000}
            return response.status, json.loads(response.body or b"{}"), delta

        rows: dict[str, list[dict[str, float]]] = {"register": [], "login": [], "refresh": []}
        for _ in range(N):
            email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
            status, body, delta = call("/auth/register", {"email": email, "password": "securepassword"})
            assert status == 201, body
            rows["register"].append(delta)
            status, body, delta = call("/auth/login", {"email": email, "password": "securepassword"})
            assert status == 200, body
            rows["login"].append(delta)
            status, body, delta = call("/auth/refresh", {"refreshToken": body["data"]["refreshToken"]})
            assert status == 200, body
            rows["refresh"].append(delta)
        hash_s, verify_s = _hash_times()
    finally:
        stack.stop()

    print(f"\nAccounts (median of {N}; in-process through the gateway, moto; rate limits off)")
    print(f"argon2id hash {hash_s * 1000:.0f} ms, verify {verify_s * 1000:.0f} ms (m=19 MiB, t=2, p=1)")
    print(f"{'endpoint':<10} {'round trips':>11} {'items read':>10} {'RCU':>6} {'WCU':>6} {'ms':>7}")
    for name, deltas in rows.items():
        med = {k: statistics.median(d[k] for d in deltas) for k in deltas[0]}
        print(f"{name:<10} {med['calls']:>11.0f} {med['items']:>10.0f} {med['rcu']:>6.1f} {med['wcu']:>6.1f} "
              f"{med['ms']:>7.1f}")
    print("(round trips include the authorizer's key lookup only when its 60 s in-memory cache is cold; "
          "moto reports no consumed capacity for some operations, so RCU/WCU are a lower bound)")


if __name__ == "__main__":
    main()
