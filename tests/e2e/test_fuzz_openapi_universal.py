"""schemathesis with the universal key, which takes its client from the bearer, a voucher or the platform default:
other code paths than the studio key's. The coverage phase (the same boundary values whatever the key) runs with
the studio key (tests/e2e/test_fuzz_openapi.py and _staff.py); this run fuzzes every route but the admin API's."""
from __future__ import annotations

import pytest

from tests.support.fuzz import credentials, run_part, then_every_operation_of_the_part_was_tested_and_nothing_crashed


@pytest.mark.timeout(900)
def test_given_the_universal_key_when_schemathesis_fuzzes_every_route_then_no_check_fails(fuzz_stack):
    api, key, people = credentials(fuzz_stack, "universal")
    output = run_part(fuzz_stack, key, people, "all but admin", "--phases", "examples,fuzzing,stateful")
    then_every_operation_of_the_part_was_tested_and_nothing_crashed(api, fuzz_stack, output, "all but admin")
    assert api.get("/users/me", api_key=key, token=people["member"]["accessToken"]).status == 200
