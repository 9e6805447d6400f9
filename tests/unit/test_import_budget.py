"""What loading each function imports, in a fresh process as a Lambda container would: cold starts are paid per
function, so the authorizer (in front of every uncached request) and the export jobs' queue consumer load no web framework,
validation library, boto3 or powertools, and only the voice function loads livekit."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from local.template import api_definition

ROOT = Path(__file__).resolve().parents[2]
AUTHORIZER_MUST_NOT_LOAD = {"pydantic", "fastapi", "starlette", "boto3", "aws_lambda_powertools"}
ONLY_FOR_VOICE = {"livekit"}

PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from local.loader import load_function
before = set(sys.modules)
module = load_function(Path(sys.argv[2]), "app")
assert sys.modules["app"] is module and getattr(module, sys.argv[3])  # registered by name, as Lambda does
print(json.dumps(sorted({name.split(".")[0] for name in set(sys.modules) - before})))
"""


def _functions() -> dict[str, tuple[Path, str]]:
    definition = api_definition()
    return {logical_id: (code_dir, definition.handlers[logical_id])
            for logical_id, code_dir in definition.functions.items()}


def _loaded(code_dir: Path, handler: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT), str(code_dir), handler], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("logical_id", sorted(_functions()))
def test_given_a_function_when_a_new_container_loads_it_then_it_imports_only_what_its_kind_may(logical_id):
    code_dir, handler = _functions()[logical_id]
    loaded = _loaded(code_dir, handler)
    assert "shared" in loaded  # the probe sees the function's own imports
    if code_dir.name in ("authorizer", "exports"):  # the exports function consumes a queue: no web framework
        assert not loaded & AUTHORIZER_MUST_NOT_LOAD, sorted(loaded & AUTHORIZER_MUST_NOT_LOAD)
    else:
        assert "fastapi" in loaded  # (a FastAPI function: the probe sees third-party imports too)
    if code_dir.name != "voice":  # voice itself loads livekit when it first mints a room token
        assert not loaded & ONLY_FOR_VOICE, sorted(loaded & ONLY_FOR_VOICE)
