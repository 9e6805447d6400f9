"""schemathesis over the staff's routes and the voice agent's tools (the trainer portal as the seeded trainer, the
partner portal as a partner manager, /agent/* with the member's bearer, which those routes refuse as documented),
with the studio key and every phase: the share of tests/e2e/test_fuzz_openapi.py's run that goes in parallel."""
from __future__ import annotations

import pytest

from tests.support.fuzz import credentials, run_part, then_every_operation_of_the_part_was_tested_and_nothing_crashed


@pytest.mark.timeout(900)
def test_given_the_studio_key_when_schemathesis_runs_every_phase_on_the_staff_routes_then_no_check_fails(fuzz_stack):
    api, key, people = credentials(fuzz_stack, "studio")
    output = run_part(fuzz_stack, key, people, "staff")
    then_every_operation_of_the_part_was_tested_and_nothing_crashed(api, fuzz_stack, output, "staff")
    assert api.get("/users/me", api_key=key, token=people["member"]["accessToken"]).status == 200
