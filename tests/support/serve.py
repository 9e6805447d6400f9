"""A local API of its own in a child process: `python -m tests.support.serve`, or `with running(environment)`.

Its own moto server, table and demo seed, on a free port, with the environment the parent gives it (so that a
test can change settings such as RATE_LIMITS_ENABLED without touching the session's local API). It writes no
demo file; it prints one JSON line (the demo: keys, ids, baseUrl) and serves until its stdin closes, so it
never outlives the test that started it.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from local.stack import LocalStack  # noqa: E402


@contextlib.contextmanager
def running(environment: dict[str, str], log: Path | None = None) -> Iterator[dict[str, Any]]:
    """A child local API with `environment` on top of this process's (no shared DynamoDB endpoint): yields its
    demo (keys, users, baseUrl); its output goes to `log` (a temporary file when None). Stopped on exit."""
    with contextlib.ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stvos-serve-"))) / "server.log"
        child_environment = {k: v for k, v in os.environ.items() if k not in ("DYNAMODB_ENDPOINT", "DYNAMODB_PORT")}
        child_environment.update({"PYTHONUNBUFFERED": "1", **environment})
        with log.open("wb") as out:
            child = subprocess.Popen([sys.executable, "-m", "tests.support.serve"], cwd=ROOT, env=child_environment,
                                     stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield _first_line(log, child)
        finally:
            assert child.stdin is not None
            child.stdin.close()  # the child stops when its stdin closes
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _first_line(log: Path, child: subprocess.Popen[bytes]) -> dict[str, Any]:
    """The demo: the first whole line of the child's output that is a JSON object (a warning may come first)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        for line in text.split("\n")[:-1]:
            if line.startswith("{"):
                return dict(json.loads(line))
        if child.poll() is not None:
            raise RuntimeError(f"the local API did not start:\n{text}")
        time.sleep(0.1)
    raise RuntimeError("the local API did not start within 60 s")


def main() -> int:
    stack = LocalStack(port=0, demo_file=None).start()
    print(json.dumps(stack.demo), flush=True)
    try:
        sys.stdin.read()  # until the parent closes the pipe (or dies)
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
