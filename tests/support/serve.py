"""A local API of its own in a child process: `python -m tests.support.serve`.

Its own moto server, table and demo seed, on a free port, with the environment the parent gives it (so that a
test can change settings such as RATE_LIMITS_ENABLED without touching the session's local API). It writes no
demo file; it prints one JSON line (the demo: keys, ids, baseUrl) and serves until its stdin closes, so it
never outlives the test that started it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from local.stack import LocalStack


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
