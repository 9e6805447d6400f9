"""schemathesis fuzzes the whole API over HTTP from the OpenAPI document, with every check on.

The runs are bounded and seeded (MAX_EXAMPLES cases per operation and phase, SEED), so that they repeat and take
about two and a half minutes on two cores. The studio key's run goes through schemathesis' four phases: the
document's examples, coverage (boundaries and each kind of invalid value), fuzzing, and stateful sequences
along the document's links (a session started, then its heartbeats and completion; an onboarding profile, then
its coaches and the choice of one; a registration, then its refresh). It passes when no check fails: no 5xx,
every answer matches the document (status, media type, headers, envelope and codes), schema-valid requests are
accepted (or refused only where schemathesis.toml says a rule beyond the schema decides), invalid ones are
refused with a 4xx envelope, no method the document lacks is served, and no route that needs credentials
answers without them.

The fuzzed API is a local API of its own (tests/support/serve.py in a child process: its own moto server and
demo seed). The session's local API is left alone: the fuzzer registers accounts with whatever emails it draws,
so it could otherwise take an address a guide test registers verbatim, and it changes the studio's voice
settings as the studio admin. The child runs with RATE_LIMITS_ENABLED=false: thousands of requests from one
address and one member would otherwise be answered 429 after the first twenty, and the fuzzer would test the
rate limiter instead of the routes (the limits have their own tests: tests/e2e/test_rate_limits.py).

Credentials: the studio key (then the universal key, without the coverage phase), and a member registered for
the run. Signing out and deleting the account end the sign-in that made the request, so each of them runs as
another throwaway member (schemathesis.toml), and the studio's voice settings (admins only) are changed as the
seeded studio admin. The admin API (/admin/*) has a run of its own as that studio admin, on its own client and on
a partner of it that the platform admin makes for the run, so that its writes (catalog, partner staff, vouchers,
each with its audit entry) are fuzzed signed in, not only refused; the two other runs leave it out.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.support.http import Api
from tests.support.serve import running

ROOT = Path(__file__).resolve().parent.parent.parent
SEED = 6
MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A local API of its own, rate limits off; yields its demo (keys, users, baseUrl) and its log file."""
    log = tmp_path_factory.mktemp("fuzz-stack") / "server.log"
    with running({"TABLE_NAME": "stvos-fuzz", "RATE_LIMITS_ENABLED": "false"}, log) as demo:
        # The document is built on its first request (every function's app loaded): build it here, within the
        # test client's 30 s, not within the 10 s schemathesis waits for it on a busy machine.
        assert Api(demo["baseUrl"]).get("/openapi.json").status == 200
        yield {**demo, "log": log}


def _member(api: Api, key: str, label: str) -> dict[str, Any]:
    body = {"email": f"fuzz-{label}-{uuid.uuid4().hex[:10]}@example.com", "password": "fuzz-member-password"}
    reply = api.post("/auth/register", body, api_key=key)
    assert reply.status == 201, reply.json
    return reply.data


def _summary(output: str) -> str:
    """The failures and the summary of a schemathesis report (the head is progress bars)."""
    start = output.find("=== FAILURES ===")
    if start < 0:
        start = output.find("=== SUMMARY ===")
    return output[start - 40:] if start >= 0 else output[-6000:]


def _studio_partner(api: Api, stack: dict[str, Any], key: str, client_id: str) -> str:
    """A partner of the studio (made once per stack by the platform admin), for the studio admin's staff routes."""
    platform = api.post("/auth/login", {"email": stack["platformAdmin"]["email"],
                                        "password": stack["platformAdmin"]["password"]}, api_key=key)
    assert platform.status == 200, platform.json
    made = api.with_auth(key, platform.data["accessToken"]).post(f"/admin/clients/{client_id}/partners",
                                                                 {"name": "Fuzz Partners"})
    assert made.status == 201 or made.code == "CONFLICT", made.json
    return "fuzz-partners"


def _credentials(stack: dict[str, Any], key_name: str) -> tuple[Api, str, dict[str, dict[str, Any]]]:
    """The key, a member, two throwaway members and the studio admin's sign-in, all under `key_name`; the admin
    API's run also gets the studio's id and a partner of it."""
    api = Api(stack["baseUrl"])
    key = stack["apiKeys"][key_name]
    admin_login = next(u for u in stack["users"] if u["role"] == "client_admin")
    admin = api.post("/auth/login", {"email": admin_login["email"], "password": admin_login["password"]},
                     api_key=key)
    assert admin.status == 200, admin.json
    members = {label: _member(api, key, label) for label in ("member", "logout", "delete")}
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
    scope = {"client": studio, "partner": _studio_partner(api, stack, key, studio)}
    return api, key, {**members, **staff, "admin": admin.data, "trainer": trainer.data, "adminScope": scope}


def _schemathesis(stack: dict[str, Any], key: str, people: dict[str, dict[str, Any]], *options: str) -> str:
    """Run the CLI (schemathesis.toml at the root applies) with every check, seeded; its output when it passes."""
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is installed with requirements-dev.txt"
    environment = {**os.environ, "STVOS_API_KEY": key, "STVOS_TOKEN": people["member"]["accessToken"],
                   "STVOS_LOGOUT_TOKEN": people["logout"]["accessToken"],
                   "STVOS_DELETE_TOKEN": people["delete"]["accessToken"],
                   "STVOS_ADMIN_TOKEN": people["admin"]["accessToken"],
                   "STVOS_ADMIN_CLIENT": people["adminScope"]["client"],
                   "STVOS_ADMIN_PARTNER": people["adminScope"]["partner"],
                   "STVOS_PARTNER_TOKEN": people["partner"]["accessToken"],
                   "STVOS_PARTNER_LOGOUT_TOKEN": people["partner_logout"]["accessToken"],
                   "STVOS_TRAINER_TOKEN": people["trainer"]["accessToken"], "NO_COLOR": "1"}
    run = subprocess.run([schemathesis, "run", f"{stack['baseUrl']}/openapi.json", "--checks", "all",
                          "--seed", str(SEED), "--workers", "1", "--no-color", *options],
                         cwd=ROOT, env=environment, capture_output=True, text=True, timeout=840)
    output = run.stdout + run.stderr
    assert run.returncode == 0, _summary(output)
    return output


ADMIN = "^/api/v1/admin/"  # the admin API's routes: a run of their own (each case a real write)


def _then_every_operation_was_tested_and_nothing_crashed(api: Api, stack: dict[str, Any], output: str, *,
                                                         admin: bool = False) -> None:
    """Every operation of the run's share (the admin API's, or all the others) was tested; no crash logged."""
    document = api.get("/openapi.json").json
    operations = sum(len(methods) for methods in document["paths"].values())
    admins = sum(len(methods) for path, methods in document["paths"].items() if re.match(ADMIN, path))
    selected = admins if admin else operations - admins
    assert admins and f"Selected: {selected}/{operations}" in output and f"Tested: {selected}" in output, \
        _summary(output)
    assert "unhandled error" not in stack["log"].read_text(encoding="utf-8", errors="replace")


def _then_only_the_throwaway_members_signed_out(api: Api, key: str, people: dict[str, dict[str, Any]]) -> None:
    """The coverage phase always sends the plain valid request (logout with no body, DELETE): they succeeded."""
    assert api.get("/users/me", api_key=key, token=people["member"]["accessToken"]).status == 200
    assert api.get("/users/me", api_key=key, token=people["logout"]["accessToken"]).status == 401
    assert api.get("/users/me", api_key=key, token=people["delete"]["accessToken"]).status == 401
    relogin = api.post("/auth/login", {"email": people["delete"]["user"]["email"],
                                       "password": "fuzz-member-password"}, api_key=key)
    assert relogin.status == 401 and relogin.code == "INVALID_CREDENTIALS"  # that account is gone


@pytest.mark.timeout(900)
def test_given_the_studio_key_when_schemathesis_runs_every_phase_on_every_route_then_no_check_fails(fuzz_stack):
    # Given: the studio key, a member, two throwaway members and the studio admin
    api, key, people = _credentials(fuzz_stack, "studio")
    # When: examples, coverage, fuzzing and stateful phases, MAX_EXAMPLES cases each
    output = _schemathesis(fuzz_stack, key, people, "--max-examples", str(MAX_EXAMPLES),
                           "--exclude-path-regex", ADMIN)
    # Then: no check failed, every operation was tested, the API logged no unhandled error
    _then_every_operation_was_tested_and_nothing_crashed(api, fuzz_stack, output)
    # And: the member the run used still works; the throwaway members' sign-ins were ended by the run itself
    _then_only_the_throwaway_members_signed_out(api, key, people)


@pytest.mark.timeout(900)
def test_given_the_universal_key_when_schemathesis_fuzzes_every_route_then_no_check_fails(fuzz_stack):
    """The universal key takes its client from the bearer, a voucher or the platform default: other code paths.
    The coverage phase (the same boundary values whatever the key) ran with the studio key; this run fuzzes."""
    api, key, people = _credentials(fuzz_stack, "universal")
    output = _schemathesis(fuzz_stack, key, people, "--max-examples", str(MAX_EXAMPLES),
                           "--phases", "examples,fuzzing,stateful", "--exclude-path-regex", ADMIN)
    _then_every_operation_was_tested_and_nothing_crashed(api, fuzz_stack, output)
    assert api.get("/users/me", api_key=key, token=people["member"]["accessToken"]).status == 200


@pytest.mark.timeout(900)
def test_given_the_studio_admin_when_schemathesis_runs_every_phase_on_the_admin_api_then_no_check_fails(fuzz_stack):
    """The admin API signed in as the studio admin, on its own client and a partner of it (schemathesis.toml): its
    writes are fuzzed, not only refused. Another client's id is the tenant matrix's (404)."""
    api, key, people = _credentials(fuzz_stack, "studio")
    audit_before = _audit_count(api, fuzz_stack, key, people)
    output = _schemathesis(fuzz_stack, key, people, "--max-examples", str(MAX_EXAMPLES),
                           "--include-path-regex", ADMIN)
    _then_every_operation_was_tested_and_nothing_crashed(api, fuzz_stack, output, admin=True)
    assert _audit_count(api, fuzz_stack, key, people) > audit_before  # writes were made, each with its entry


def _audit_count(api: Api, stack: dict[str, Any], key: str, people: dict[str, dict[str, Any]]) -> int:
    platform = api.post("/auth/login", {"email": stack["platformAdmin"]["email"],
                                        "password": stack["platformAdmin"]["password"]}, api_key=key)
    client = people["adminScope"]["client"]
    audit = api.with_auth(key, platform.data["accessToken"]).get(f"/admin/audit?clientId={client}&limit=200")
    assert audit.status == 200, audit.json
    return len(audit.data["items"])
