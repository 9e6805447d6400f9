"""schemathesis over the admin API signed in as the studio admin, on its own client and a partner of it
(schemathesis.toml): its writes are fuzzed, not only refused. Another client's id is the tenant matrix's (404)."""
from __future__ import annotations

import pytest

from tests.support.fuzz import (audit_count, credentials, run_part,
                                then_every_operation_of_the_part_was_tested_and_nothing_crashed)


@pytest.mark.timeout(900)
def test_given_the_studio_admin_when_schemathesis_runs_every_phase_on_the_admin_api_then_no_check_fails(fuzz_stack):
    api, key, people = credentials(fuzz_stack, "studio")
    audit_before = audit_count(api, fuzz_stack, key, people)
    output = run_part(fuzz_stack, key, people, "admin")
    then_every_operation_of_the_part_was_tested_and_nothing_crashed(api, fuzz_stack, output, "admin")
    assert audit_count(api, fuzz_stack, key, people) > audit_before  # writes were made, each with its entry
