"""The local API under load: many viewers sending heartbeats at once, over real HTTP.

A local API runs in a child process of its own (moto server, table, demo seed: `tests.support.serve`), so that
the load generator does not share its interpreter. This process provisions a client with a large usage-plan
quota (the per-client throttle of API Gateway is not what is measured) and one member per viewer, then each
viewer, on its own keep-alive connection, starts a session and sends heartbeats back to back for the duration.
Per-caller rate limits are off in the child (a real viewer sends one heartbeat every 30 s, well inside them).

Reported: answers by status, transport errors (connection reset, refused, timeouts), throughput and latency
percentiles. Figures, not pass/fail: the targets are printed beside them.
"""
from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVED_FROM = Path(os.environ.get("BENCH_LOAD_ROOT") or ROOT)  # another checkout's local API, for a before/after
VIEWERS = int(os.environ.get("BENCH_LOAD_VIEWERS", "100"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
BASELINE_RPS = 23.0  # 20 viewers under `make run` before this work: p50 733 ms, 23 requests/s, one reset
TARGET_RATIO = 3.0


class Child:
    """A local API in a child process; it serves until its stdin closes."""

    def __init__(self, environment: dict[str, str]) -> None:
        env = {**os.environ, **environment}
        env.pop("DYNAMODB_ENDPOINT", None)
        self.process = subprocess.Popen([sys.executable, "-m", "tests.support.serve"], cwd=SERVED_FROM, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line:
            raise RuntimeError("the local API did not start")
        self.demo: dict[str, Any] = json.loads(line)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by the API process and by its own children (the embedded DynamoDB)."""
        ticks = os.sysconf("SC_CLK_TCK")

        def used(pid: int) -> float:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / ticks

        def children(pid: int) -> list[int]:
            found: list[int] = []
            for task in Path(f"/proc/{pid}/task").iterdir():
                found += [int(c) for c in (task / "children").read_text().split()]
            return found

        return {"api": used(self.process.pid), "dynamodb": sum(used(c) for c in children(self.process.pid))}

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def _provision(demo: dict[str, Any], viewers: int) -> tuple[str, list[str], int]:
    """A client with a quota no load here reaches, its key, one member token per viewer, and a class id."""
    from local.stack import DEV_ENVIRONMENT

    for name, value in DEV_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ["DYNAMODB_ENDPOINT"] = demo["dynamodb"]["endpoint"]
    os.environ["TABLE_NAME"] = demo["dynamodb"]["table"]
    from shared.db.repository import get_repository
    from shared.settings import reset_caches

    reset_caches()
    get_repository.cache_clear()
    from shared.auth import tokens
    from shared.domain import provisioning

    client = provisioning.create_client("Load", quota={"ratePerSecond": 1_000_000, "burst": 1_000_000})
    key, _ = provisioning.issue_api_key(client["id"], label="load")
    coach = provisioning.create_coach(client["id"], "Coach", specialties=["strength"], levels=["beginner"])
    category = provisioning.create_category(client["id"], "Strength")
    klass = provisioning.create_class(client["id"], "Long Ride", trainer_id=coach["id"], category_id=category["id"],
                                      duration=600)
    users = [tokens.issue(f"load-{n:03d}", client["id"], "user", ttl_seconds=3600)[0] for n in range(viewers)]
    return key, users, int(klass["id"])


class Viewer(threading.Thread):
    def __init__(self, host: str, port: int, key: str, token: str, class_id: int, ready: threading.Barrier,
                 deadline: list[float]) -> None:
        super().__init__(daemon=True)
        self.host, self.port, self.class_id, self.ready, self.deadline = host, port, class_id, ready, deadline
        self.headers = {"X-API-Key": key, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.failures: Counter[str] = Counter()
        self.connection: http.client.HTTPConnection | None = None
        self.sample = ""  # the first error answer, shown in the report

    def _send(self, path: str, body: dict[str, Any], measured: bool = True) -> tuple[int, bytes] | None:
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.connection.request("POST", path, body=json.dumps(body), headers=self.headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.failures[type(error).__name__] += 1
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            return None
        if not measured:
            return response.status, raw
        self.latencies.append(time.perf_counter() - started)
        self.statuses[response.status] += 1
        if response.status >= 400 and not self.sample:
            self.sample = raw[:300].decode("utf-8", "replace")
        return response.status, raw

    def run(self) -> None:
        """Start a session and send its first heartbeat (not measured), then heartbeats until the deadline."""
        started = self._send("/api/v1/sessions/start", {"classId": self.class_id, "deviceType": "tv"}, False)
        session_id = json.loads(started[1])["data"]["session"]["id"] if started and started[0] == 201 else ""
        if not session_id:
            self.failures["start"] += 1
        else:
            self._send(f"/api/v1/sessions/{session_id}/progress",
                       {"progressSeconds": 0, "totalDurationSeconds": 36_000}, False)
        self.ready.wait()
        position = 0
        while session_id and time.monotonic() < self.deadline[0]:
            position += 1
            self._send(f"/api/v1/sessions/{session_id}/progress",
                       {"progressSeconds": position, "totalDurationSeconds": 36_000})
        if self.connection is not None:
            self.connection.close()


def run_load(viewers: int = VIEWERS, seconds: float = SECONDS) -> dict[str, Any]:
    child = Child({"RATE_LIMITS_ENABLED": "false", "TABLE_NAME": "stvos-bench-load",
                   "POWERTOOLS_LOG_LEVEL": "ERROR"})
    try:
        key, tokens, class_id = _provision(child.demo, viewers)
        base = child.demo["baseUrl"].split("//", 1)[1].split("/", 1)[0]
        host, port = base.split(":")
        ready, deadline = threading.Barrier(viewers + 1), [0.0]
        crowd = [Viewer(host, int(port), key, token, class_id, ready, deadline) for token in tokens]
        for viewer in crowd:
            viewer.start()
        deadline[0] = time.monotonic() + 3600
        ready.wait()  # every viewer has its session: the measured window begins
        cpu_before = child.cpu_seconds()
        began = time.monotonic()
        deadline[0] = began + seconds
        for viewer in crowd:
            viewer.join()
        elapsed = time.monotonic() - began
        cpu = {k: v - cpu_before[k] for k, v in child.cpu_seconds().items()}
    finally:
        child.stop()
    latencies = sorted(x for v in crowd for x in v.latencies)
    statuses = sum((v.statuses for v in crowd), Counter())
    failures = sum((v.failures for v in crowd), Counter())
    answered = len(latencies)

    def pct(p: float) -> float:
        return 1000 * latencies[min(answered - 1, int(p * answered))] if answered else float("nan")

    samples = [v.sample for v in crowd if v.sample]
    per = {k: 1000 * v / answered if answered else float("nan") for k, v in cpu.items()}
    return {"cpu_ms": per, "sample": samples[0] if samples else "", "viewers": viewers, "seconds": elapsed, "answered": answered, "statuses": dict(statuses),
            "failures": dict(failures), "rps": answered / elapsed if elapsed else 0.0,
            "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
            "mean": 1000 * statistics.mean(latencies) if latencies else float("nan")}


def report(result: dict[str, Any]) -> str:
    errors = sum(n for status, n in result["statuses"].items() if status >= 400) + sum(result["failures"].values())
    ratio = result["rps"] / BASELINE_RPS
    lines = [
        f"\nLocal API under load: {result['viewers']} viewers, each with a session started, heartbeats back to back"
        f" for {result['seconds']:.0f} s (keep-alive connections; API in a child process)",
        f"  answers   {result['answered']}  by status {result['statuses']}",
        f"  errors    {errors} (transport: {result['failures'] or 'none'})       target: 0, no reset",
        f"  rate      {result['rps']:.1f} requests/s = {ratio:.1f}x the {BASELINE_RPS:.0f}/s before"
        f"       target: >= {TARGET_RATIO:.0f}x",
        *([f"  an error  {result['sample']}"] if result["sample"] else []),
        "  CPU/req   " + "   ".join(f"{k} {v:.1f} ms" for k, v in result["cpu_ms"].items())
        + f"   (one interpreter each: at most {1000 / max(result['cpu_ms'].values()):.0f} requests/s on idle cores)",
        f"  latency   p50 {result['p50']:.0f} ms   p95 {result['p95']:.0f} ms   p99 {result['p99']:.0f} ms",
    ]
    return "\n".join(lines)


def main() -> None:
    print(report(run_load()))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
