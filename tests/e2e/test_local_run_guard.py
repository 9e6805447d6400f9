"""`make run` and `make admin` as a developer meets them: one local API per checkout, a clear word when it is not
running, and a one-line message for a bad setting. Each test runs the real commands (`python -m local`,
`python -m admin`) in child processes, with a demo file of its own (LOCAL_DEMO_FILE)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(demo_file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DYNAMODB_ENDPOINT", "PORT", "TABLE_NAME")}
    return {**env, "PYTHONPATH": str(ROOT), "LOCAL_DEMO_FILE": str(demo_file), "PORT": "0", **extra}


def _run(module: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_given_a_running_local_api_when_make_run_starts_again_then_it_refuses_and_after_stop_admin_says_not_running(
        tmp_path):
    demo_file = tmp_path / "demo.json"
    first = subprocess.Popen([sys.executable, "-m", "local"], cwd=ROOT, env=_env(demo_file),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = first.stdout.readline()  # printed once the API listens and the demo file is written
        assert banner.startswith("sTvOS local API on"), banner + first.stderr.read()
        written = json.loads(demo_file.read_text(encoding="utf-8"))
        assert written["pid"] == first.pid

        # When a second `make run` starts in the same checkout
        second = _run("local", _env(demo_file))
        # Then it refuses, says where the first one is, and leaves the first one's demo file alone
        assert second.returncode == 1
        assert "already running at " + written["baseUrl"] in second.stderr
        assert json.loads(demo_file.read_text(encoding="utf-8")) == written
        # and the admin CLI works against the running one
        assert _run("admin", _env(demo_file), "outbox").returncode == 0
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=30)

    # Given the local API stopped, when the admin CLI runs, then it says so and how to start it
    stopped = _run("admin", _env(demo_file), "outbox")
    assert stopped.returncode == 1
    assert "The local API is not running" in stopped.stderr and "make run" in stopped.stderr
    assert "Traceback" not in stopped.stderr and "busy" not in stopped.stderr


def test_given_no_local_api_ever_started_when_admin_runs_then_it_says_the_local_api_is_not_running(tmp_path):
    done = _run("admin", _env(tmp_path / "missing.json"), "outbox")
    assert done.returncode == 1
    assert "The local API is not running" in done.stderr and "--table" in done.stderr


def test_given_an_out_of_range_setting_when_make_run_starts_then_one_line_names_the_variable_and_its_range(tmp_path):
    done = _run("local", _env(tmp_path / "demo.json", ACCESS_TOKEN_SECONDS="5"))
    assert done.returncode == 2
    assert done.stderr.strip() == ("Configuration error: ACCESS_TOKEN_SECONDS must be an integer from 60 to 3600, "
                                   "not '5'")
    assert not (tmp_path / "demo.json").exists()  # nothing started
