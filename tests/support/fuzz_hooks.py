"""schemathesis hooks for tests/e2e/test_fuzz_openapi.py (schemathesis.toml names this module).

Whole numbers in request bodies travel as JSON integers. The API refuses `28.0` where it wants an integer
(tests/e2e/test_bad_input.py holds that rule), but JSON Schema, which an OpenAPI 3.1 document follows, counts
`28.0` as the integer 28, and schemathesis 4 draws such spellings on purpose. No schema keyword can tell the two
apart, so the fuzzer writes whole floats as integers before each call; `28.5` and every other value stay as drawn,
and a case that changes is validated again by schemathesis before it is sent.
"""
from __future__ import annotations

from typing import Any

import schemathesis


def whole_numbers_as_integers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: whole_numbers_as_integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers_as_integers(item) for item in value]
    return value


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if isinstance(case.body, (dict, list)):
        case.body = whole_numbers_as_integers(case.body)
