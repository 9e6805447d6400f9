"""The fuzz runs' shared parts (tests/e2e/test_fuzz_openapi*.py): a local API of their own, the credentials a run
signs in with, the schemathesis command, and what every run then checks.

The runs are bounded and seeded (MAX_EXAMPLES cases per operation and phase, SEED), so that they repeat. The
document's operations are shared out between runs by path (PARTS) so that the runs go in parallel, one test file
each, each with a local API of its own; together the studio key's runs cover every operation."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from tests.support.http import Api
from tests.support.serve import running

ROOT = Path(__file__).resolve().parent.parent.parent
SEED = 6
MAX_EXAMPLES = 12


@contextmanager
def fuzz_stack(log: Path) -> Iterator[dict[str, Any]]:
    """A local API of its own, rate limits off; yields its demo (keys, users, baseUrl) and its log file."""
    with running({"TABLE_NAME": "stvos-fuzz", "RATE_LIMITS_ENABLED": "false"}, log) as demo:
        # The document is built on its first request (every function's app loaded): build it here, within the
        # test client's 30 s, not within the 10 s schemathesis waits for it on a busy machine.
        assert Api(demo["baseUrl"]).get("/openapi.json").status == 200
        yield {**demo, "log": log}


def member(api: Api, key: str, label: str) -> dict[str, Any]:
    body = {"email": f"fuzz-{label}-{uuid.uuid4().hex[:10]}@example.com", "password": "fuzz-member-password"}
    reply = api.post("/auth/register", body, api_key=key)
    assert reply.status == 201, reply.json
    return reply.data


def summary(output: str) -> str:
    """The failures and the summary of a schemathesis report (the head is progress bars)."""
    start = output.find("=== FAILURES ===")
    if start < 0:
        start = output.find("=== SUMMARY ===")
    return output[start - 40:] if start >= 0 else output[-6000:]


def studio_partner(api: Api, stack: dict[str, Any], key: str, client_id: str) -> str:
    """A partner of the studio (made once per stack by the platform admin), for the studio admin's staff routes."""
    platform = api.post("/auth/login", {"email": stack["platformAdmin"]["email"],
                                        "password": stack["platformAdmin"]["password"]}, api_key=key)
    assert platform.status == 200, platform.json
    made = api.with_auth(key, platform.data["accessToken"]).post(f"/admin/clients/{client_id}/partners",
                                                                 {"name": "Fuzz Partners"})
    assert made.status == 201 or made.code == "CONFLICT", made.json
    return "fuzz-partners"


def credentials(stack: dict[str, Any], key_name: str) -> tuple[Api, str, dict[str, dict[str, Any]]]:
    """The key, a member, two throwaway members and the studio admin's sign-in, all under `key_name`; the admin
    API's run also gets the studio's id and a partner of it."""
    api = Api(stack["baseUrl"])
    key = stack["apiKeys"][key_name]
    admin_login = next(u for u in stack["users"] if u["role"] == "client_admin")
    admin = api.post("/auth/login", {"email": admin_login["email"], "password": admin_login["password"]},
                     api_key=key)
    assert admin.status == 200, admin.json
    members = {label: member(api, key, label) for label in ("member", "logout", "delete")}
    staff = {}
    for label, role in (("partner", "manager"), ("partner_logout", "viewer")):
        login = next(s for s in stack["partnerStaff"] if s["role"] == role)
        signed_in = api.post("/partner-auth/login", {"email": login["email"], "password": login["password"]})
        assert signed_in.status == 200, signed_in.json
        staff[label] = signed_in.data
    trainer_login = stack["trainerUsers"][0]  # the trainer portal runs as the seeded trainer's own account
    trainer = api.post("/auth/login", {"email": trainer_login["email"], "password": trainer_login["password"]},
                       api_key=key)
    assert trainer.status == 200, trainer.json
    studio = admin.data["user"]["clientId"]
    scope = {"client": studio, "partner": studio_partner(api, stack, key, studio)}
    return api, key, {**members, **staff, "admin": admin.data, "trainer": trainer.data, "adminScope": scope}


def schemathesis(stack: dict[str, Any], key: str, people: dict[str, dict[str, Any]], *options: str) -> str:
    """Run the CLI (schemathesis.toml at the root applies) with every check, seeded; its output when it passes."""
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert command, "schemathesis is installed with requirements-dev.txt"
    environment = {**os.environ, "STVOS_API_KEY": key, "STVOS_TOKEN": people["member"]["accessToken"],
                   "STVOS_LOGOUT_TOKEN": people["logout"]["accessToken"],
                   "STVOS_DELETE_TOKEN": people["delete"]["accessToken"],
                   "STVOS_ADMIN_TOKEN": people["admin"]["accessToken"],
                   "STVOS_ADMIN_CLIENT": people["adminScope"]["client"],
                   "STVOS_ADMIN_PARTNER": people["adminScope"]["partner"],
                   "STVOS_PARTNER_TOKEN": people["partner"]["accessToken"],
                   "STVOS_PARTNER_LOGOUT_TOKEN": people["partner_logout"]["accessToken"],
                   "STVOS_TRAINER_TOKEN": people["trainer"]["accessToken"], "NO_COLOR": "1"}
    run = subprocess.run([command, "run", f"{stack['baseUrl']}/openapi.json", "--checks", "all",
                          "--seed", str(SEED), "--workers", "1", "--no-color", *options],
                         cwd=ROOT, env=environment, capture_output=True, text=True, timeout=840)
    output = run.stdout + run.stderr
    assert run.returncode == 0, summary(output)
    return output


# The document's operations, shared out between runs by path: the admin API (each case a real write, as the studio
# admin), the staff's and the voice agent's routes, and the member's (everything else).
STAFF_PATHS = "^/api/v1/(trainer|partner|partner-auth|agent)(/|$)"
ADMIN_PATHS = "^/api/v1/admin(/|$)"
PARTS = {
    "member": ("--exclude-path-regex", f"{STAFF_PATHS}|{ADMIN_PATHS}"),
    "staff": ("--include-path-regex", STAFF_PATHS),
    "admin": ("--include-path-regex", ADMIN_PATHS),
    "all but admin": ("--exclude-path-regex", ADMIN_PATHS),
}


def operations_of(document: dict[str, Any], part: str) -> int:
    """How many of the document's operations a part selects."""
    mode, pattern = PARTS[part]
    chosen = sum(len(methods) for path, methods in document["paths"].items() if re.search(pattern, path))
    return chosen if mode == "--include-path-regex" else operations_of_all(document) - chosen


def operations_of_all(document: dict[str, Any]) -> int:
    return sum(len(methods) for methods in document["paths"].values())


def run_part(stack: dict[str, Any], key: str, people: dict[str, dict[str, Any]], part: str, *options: str) -> str:
    """schemathesis over one part of the document, MAX_EXAMPLES cases per operation and phase."""
    return schemathesis(stack, key, people, "--max-examples", str(MAX_EXAMPLES), *PARTS[part], *options)


def then_every_operation_of_the_part_was_tested_and_nothing_crashed(api: Api, stack: dict[str, Any], output: str,
                                                                    part: str) -> None:
    document = api.get("/openapi.json").json
    selected, operations = operations_of(document, part), operations_of_all(document)
    assert selected and f"Selected: {selected}/{operations}" in output and f"Tested: {selected}" in output, \
        summary(output)
    assert "unhandled error" not in stack["log"].read_text(encoding="utf-8", errors="replace")


def then_only_the_throwaway_members_signed_out(api: Api, key: str, people: dict[str, dict[str, Any]]) -> None:
    """The coverage phase always sends the plain valid request (logout with no body, DELETE): they succeeded."""
    assert api.get("/users/me", api_key=key, token=people["member"]["accessToken"]).status == 200
    assert api.get("/users/me", api_key=key, token=people["logout"]["accessToken"]).status == 401
    assert api.get("/users/me", api_key=key, token=people["delete"]["accessToken"]).status == 401
    relogin = api.post("/auth/login", {"email": people["delete"]["user"]["email"],
                                       "password": "fuzz-member-password"}, api_key=key)
    assert relogin.status == 401 and relogin.code == "INVALID_CREDENTIALS"  # that account is gone


def audit_count(api: Api, stack: dict[str, Any], key: str, people: dict[str, dict[str, Any]]) -> int:
    platform = api.post("/auth/login", {"email": stack["platformAdmin"]["email"],
                                        "password": stack["platformAdmin"]["password"]}, api_key=key)
    client = people["adminScope"]["client"]
    audit = api.with_auth(key, platform.data["accessToken"]).get(f"/admin/audit?clientId={client}&limit=200")
    assert audit.status == 200, audit.json
    return len(audit.data["items"])
