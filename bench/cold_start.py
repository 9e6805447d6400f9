"""Cold import time and peak memory of each function's module, in fresh processes, against a floor.

Each measurement is the module's import plus the creation of its DynamoDB client (which every function
needs on its first request), in a process started with -S so that only the layers are importable.

The layers are installed for this machine's Python into .bench/ and compiled the way the SAM build compiles
them (unchecked-hash bytecode), so the figures reflect what a Lambda container imports. The floor is a bare
FastAPI + Mangum app with a boto3 DynamoDB client, measured in the same run.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"
RUNS = 7
FUNCTIONS = ["authorizer", "health", "app", "auth", "users", "onboarding", "voice", "content", "sessions"]
TARGETS = {"authorizer": 0.5}
DEFAULT_TARGET = 1.25

FLOOR = """
import boto3
from fastapi import FastAPI
from mangum import Mangum
client = boto3.client("dynamodb", region_name="us-east-1")
app = FastAPI()
handler = Mangum(app, lifespan="off")
"""

PROBE = """
import importlib.util, resource, sys, time
started = time.perf_counter()
target = sys.argv[1]
if target == "-":
    exec(compile(sys.argv[2], "floor", "exec"), {})
else:
    spec = importlib.util.spec_from_file_location("app", target)
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module  # as Lambda's runtime imports it
    spec.loader.exec_module(module)
    from shared.db.repository import get_repository
    get_repository()  # the DynamoDB client every function makes on its first request, as the floor does
elapsed = time.perf_counter() - started
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _compile(folder: Path) -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                    str(folder)], check=True, stdout=subprocess.DEVNULL)


def build_layers() -> dict[str, Path]:
    """Install each layer's requirements for this Python into .bench (cached by the requirements' hash)."""
    paths: dict[str, Path] = {}
    for layer in ("core", "livekit"):
        requirements = ROOT / "layers" / layer / "requirements.txt"
        digest = hashlib.sha256(requirements.read_bytes() + sys.version.encode()).hexdigest()[:12]
        target = BENCH / f"{layer}-{digest}" / "python"
        if not target.exists():
            shutil.rmtree(BENCH / f"{layer}-{digest}", ignore_errors=True)
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            "--target", str(target), "-r", str(requirements)], check=True)
            _compile(target)
        paths[layer] = target
    shared = BENCH / "shared" / "python"
    shutil.rmtree(shared.parent, ignore_errors=True)
    shutil.copytree(ROOT / "shared", shared / "shared", ignore=shutil.ignore_patterns("__pycache__", "Makefile"))
    _compile(shared)
    paths["shared"] = shared
    return paths


def measure(target: str, python_path: list[Path], source: str = "") -> tuple[float, float]:
    """Median seconds and median peak RSS (MiB) over RUNS fresh processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update({"PYTHONPATH": os.pathsep.join(str(p) for p in python_path), "PYTHONDONTWRITEBYTECODE": "1",
                "TABLE_NAME": "bench", "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "bench"})
    times, memory = [], []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-S", "-c", PROBE, target, source], env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        times.append(float(out[0]))
        memory.append(int(out[1]) / 1024)
    return statistics.median(times), statistics.median(memory)


def main() -> list[dict[str, object]]:
    layers = build_layers()
    base = [layers["core"], layers["shared"]]
    floor_s, floor_mb = measure("-", base, FLOOR)
    rows: list[dict[str, object]] = []
    print(f"\nCold import per function (median of {RUNS} fresh processes, Python {sys.version.split()[0]}, "
          "compiled layers)")
    print(f"{'module':<12} {'import ms':>10} {'peak MiB':>9} {'x floor':>8} {'target':>7}  ok")
    print(f"{'floor':<12} {floor_s * 1000:>10.0f} {floor_mb:>9.1f} {1.0:>8.2f} {'':>7}")
    for name in FUNCTIONS:
        code = ROOT / "functions" / name / "app.py"
        path = base + ([layers["livekit"]] if name == "voice" else [])
        seconds, megabytes = measure(str(code), path)
        ratio = seconds / floor_s
        target = TARGETS.get(name, DEFAULT_TARGET)
        rows.append({"module": name, "importMs": round(seconds * 1000), "peakMiB": round(megabytes, 1),
                     "ratio": round(ratio, 2), "target": target})
        print(f"{name:<12} {seconds * 1000:>10.0f} {megabytes:>9.1f} {ratio:>8.2f} {target:>7.2f}  "
              f"{'yes' if ratio <= target else 'NO'}")
    return rows


if __name__ == "__main__":
    json.dumps(main())
