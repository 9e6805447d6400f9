"""schemathesis fuzzes the whole API over HTTP from the OpenAPI document, with every check on.

The runs are bounded and seeded (tests/support/fuzz.py: MAX_EXAMPLES cases per operation and phase, SEED), so that
they repeat. The document's operations are shared out by path between four runs, one file each, so that they go in
parallel on a local API each: this file (the member's routes, studio key), test_fuzz_openapi_staff.py (the
trainer portal, the partner portal and the voice agent's tools), test_fuzz_openapi_admin.py (the admin API as the
studio admin) and test_fuzz_openapi_universal.py (the universal key over all but the admin API). The studio key's
runs go through schemathesis' four phases: the document's examples, coverage (boundaries and each kind of invalid
value), fuzzing, and stateful sequences along the document's links (a session started, then its heartbeats and completion; an onboarding profile, then
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

Credentials: the studio key (or the universal key, without the coverage phase), and a member registered for
the run. Signing out and deleting the account end the sign-in that made the request, so each of them runs as
another throwaway member (schemathesis.toml), and the studio's voice settings (admins only) are changed as the
seeded studio admin. The admin API (/admin/*) has a run of its own as that studio admin, on its own client and on
a partner of it that the platform admin makes for the run, so that its writes (catalog, partner staff, vouchers,
each with its audit entry) are fuzzed signed in, not only refused; the other runs leave it out.
"""
from __future__ import annotations

import pytest

from tests.support.fuzz import (credentials, run_part, then_every_operation_of_the_part_was_tested_and_nothing_crashed,
                                then_only_the_throwaway_members_signed_out)


@pytest.mark.timeout(900)
def test_given_the_studio_key_when_schemathesis_runs_every_phase_on_the_members_routes_then_no_check_fails(
        fuzz_stack):
    # Given: the studio key, a member, two throwaway members and the studio admin
    api, key, people = credentials(fuzz_stack, "studio")
    # When: examples, coverage, fuzzing and stateful phases over every route but the staff's and the admin API's
    output = run_part(fuzz_stack, key, people, "member")
    # Then: no check failed, every operation of the part was tested, the API logged no unhandled error
    then_every_operation_of_the_part_was_tested_and_nothing_crashed(api, fuzz_stack, output, "member")
    # And: the member the run used still works; the throwaway members' sign-ins were ended by the run itself
    then_only_the_throwaway_members_signed_out(api, key, people)
