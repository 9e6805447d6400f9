"""`python -m local`: serve the sTvOS API on http://127.0.0.1:3000 (PORT overrides) with demo data."""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading

from local.stack import DEMO_FILE, LocalStack, running_demo
from shared.paths import API


def main() -> int:
    logging.basicConfig(level=logging.INFO if os.environ.get("LOCAL_ACCESS_LOG") else logging.WARNING,
                        format="%(message)s")
    running = running_demo()
    if running:  # a second one would overwrite the demo file (keys, endpoint) that the first one's users read
        print(f"This checkout's local API is already running at {running.get('baseUrl')} (pid {running['pid']}); "
              f"its keys are in {DEMO_FILE}. Use it, or stop it (Ctrl-C in its terminal) before `make run`.",
              file=sys.stderr)
        return 1
    from shared.settings import Settings, SettingsError

    try:
        Settings.from_env()  # the variables the caller set, checked before anything starts
        port = int(os.environ.get("PORT", "3000"))
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    except ValueError:
        print(f"Configuration error: PORT must be a port number, not {os.environ.get('PORT')!r}", file=sys.stderr)
        return 2
    stack = LocalStack(host=os.environ.get("HOST", "127.0.0.1"), port=port)
    try:
        stack.start()
    except OSError as error:
        print(f"Cannot listen on {stack.host}:{stack.port}: {error}. Set PORT to another port.", file=sys.stderr)
        return 1
    demo = stack.demo
    print(f"sTvOS local API on {stack.base_url}{API}  (DynamoDB: {stack.endpoint})")
    if "apiKeys" in demo:
        print("API keys (also in .local/demo.json):")
        for name, key in demo["apiKeys"].items():
            print(f"  {name:<10} {key}")
        print("Vouchers:", ", ".join(v["code"] for v in demo["vouchers"]))
        for user in demo.get("users", []):
            print(f"User:     {user['email']} / {user['password']} ({user['role']}, {user['clientId']})")
        print("Coaches: ", ", ".join(f"{c['id']} {c['name']}" for c in demo["coaches"][:8]), "...")
        print(f"Try: curl {stack.base_url}{API}/app/config -H 'X-API-Key: {demo['apiKeys']['studio']}'")
    else:
        print(json.dumps(demo))
    print("Ctrl-C stops.")
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    print("\nStopping...")
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
