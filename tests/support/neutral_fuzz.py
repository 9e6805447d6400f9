"""A neutral schemathesis run: no project settings (an empty config file, run from outside the repository), every
check, seeded; only the credentials are given, as headers. It passes when every failure it finds is a refusal the
document itself lists on that route and status (a rule beyond the schema, such as an unknown voucher or a date
range that ends before it starts), and it prints everything else it found.

    python -m tests.support.neutral_fuzz [--max-examples N] [--seed S]        (make fuzz-neutral)

Signing out and deleting the account end the sign-in that made the request, so those two operations run
apart, each as a throwaway member of its own; every other operation runs with the studio key and one member.
The API is a local API of its own (tests/support/serve.py), with rate limits off.
"""
from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.http import Api  # noqa: E402
from tests.support.serve import running  # noqa: E402

APART = ("logoutUser", "deleteCurrentUser")  # each ends the sign-in it runs with


@dataclass(frozen=True)
class Finding:
    """One failed check of one test case: the operation, the check, and the answer that failed it."""
    operation: str
    check: str
    status: int | None
    code: str | None
    message: str


def listed_codes(document: dict[str, Any], operation: str, status: int) -> set[str]:
    """The error codes the document lists for `operation` ("POST /api/v1/auth/register") and `status`."""
    method, path = operation.split(" ", 1)
    answer = document["paths"].get(path, {}).get(method.lower(), {}).get("responses", {}).get(str(status)) or {}
    schema = (answer.get("content") or {}).get("application/json", {}).get("schema") or {}
    codes: set[str] = set()
    for part in schema.get("allOf", []):
        codes.update(((part.get("properties") or {}).get("code") or {}).get("enum") or [])
    return codes


def is_documented_rule_refusal(document: dict[str, Any], finding: Finding) -> bool:
    """A schema-valid request refused with a 4xx error the document lists on that route for that status: the
    one kind of failure a neutral run may find (the fuzzer cannot know a rule the schema does not state)."""
    return (finding.check == "positive_data_acceptance" and finding.status is not None
            and 400 <= finding.status < 500 and finding.code is not None
            and finding.code in listed_codes(document, finding.operation, finding.status))


def findings(events: Iterable[dict[str, Any]]) -> Iterator[Finding]:
    """Every failed check of a run's NDJSON report, with the operation of its case (stateful scenarios chain
    several) and the status and error code of the answer; a run error (the fuzzer could not test an operation) is
    a finding too."""
    for event in events:
        if "NonFatalError" in event:
            error = event["NonFatalError"]
            yield Finding(str(error.get("label") or "?"), "error", None, None, json.dumps(error)[:300])
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                failure = (check.get("failure_info") or {}).get("failure") or {}
                response = ((recorder.get("interactions") or {}).get(case_id) or {}).get("response") or {}
                case = ((recorder.get("cases") or {}).get(case_id) or {}).get("value") or {}
                operation = f"{case['method']} {case['path']}" if "method" in case else recorder["label"]
                yield Finding(operation, check["name"], response.get("status_code"), _code(response),
                              str(failure.get("title") or failure.get("message") or ""))


def _code(response: dict[str, Any]) -> str | None:
    content = response.get("content") or {}
    raw = base64.b64decode(content["$base64"]) if "$base64" in content else str(content.get("string") or "")
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _schemathesis(base_url: str, headers: dict[str, str], selection: list[str], options: argparse.Namespace,
                  workdir: Path) -> list[dict[str, Any]]:
    """One run from `workdir` (outside the repository, with an empty config file): its NDJSON events."""
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is installed with requirements-dev.txt"
    config = workdir / "empty.toml"
    config.write_text("", encoding="utf-8")
    report = workdir / f"report-{uuid.uuid4().hex[:8]}.ndjson"
    command = [schemathesis, "--config-file", str(config), "run", f"{base_url}/openapi.json", "--checks", "all",
               "--seed", str(options.seed), "--max-examples", str(options.max_examples), "--workers", "1",
               "--generation-database", "none", "--no-color", "--report", "ndjson", "--report-ndjson-path",
               str(report), *selection, *(["--include-path-regex", options.paths] if options.paths else [])]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    run = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=options.timeout)
    if not report.exists():
        raise RuntimeError(f"schemathesis wrote no report:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines() if line.strip()]


def _member(api: Api, key: str) -> str:
    reply = api.post("/auth/register", {"email": f"neutral-{uuid.uuid4().hex[:10]}@example.com",
                                        "password": "neutral-member-password"}, api_key=key)
    assert reply.status == 201, reply.json
    return str(reply.data["accessToken"])


def run(options: argparse.Namespace) -> tuple[list[Finding], list[Finding]]:
    """(documented rule refusals, everything else) of a neutral run against a local API of its own."""
    with running({"RATE_LIMITS_ENABLED": "false", "TABLE_NAME": "stvos-neutral-fuzz"}) as demo, \
            tempfile.TemporaryDirectory(prefix="neutral-fuzz-") as temporary:
        folder = options.keep or temporary
        Path(folder).mkdir(parents=True, exist_ok=True)
        api, key = Api(demo["baseUrl"]), demo["apiKeys"]["studio"]
        document = api.get("/openapi.json").json  # built on this first request, cached for schemathesis
        events = _schemathesis(demo["baseUrl"], {"X-API-Key": key, "Authorization": f"Bearer {_member(api, key)}"},
                               [arg for op in APART for arg in ("--exclude-operation-id", op)], options,
                               Path(folder))
        for operation in APART:
            events += _schemathesis(demo["baseUrl"], {"X-API-Key": key,
                                                      "Authorization": f"Bearer {_member(api, key)}"},
                                    ["--include-operation-id", operation,  # one operation: no links to follow
                                     "--phases", "examples,coverage,fuzzing"], options, Path(folder))
    found = list(findings(events))
    documented = [f for f in found if is_documented_rule_refusal(document, f)]
    return documented, [f for f in found if not is_documented_rule_refusal(document, f)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds for one schemathesis run")
    parser.add_argument("--paths", default="", help="only the operations whose path matches this regex")
    parser.add_argument("--keep", type=Path, help="a folder to keep the NDJSON reports in (to replay findings)")
    options = parser.parse_args(argv)
    documented, others = run(options)
    print(f"documented rule refusals: {len(documented)}")
    for (operation, status, code), count in sorted(Counter((f.operation, f.status, f.code) for f in documented)
                                                   .items()):
        print(f"  {operation}: {status} {code} x{count}")
    print(f"other findings: {len(others)}")
    for finding in others:
        print(f"  {finding.operation}: {finding.check} -> {finding.status} {finding.code}: {finding.message}")
    return 1 if others else 0


if __name__ == "__main__":
    sys.exit(main())
