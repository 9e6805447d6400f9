"""What the neutral schemathesis run (tests/support/neutral_fuzz.py, `make fuzz-neutral`) lets pass: only a
schema-valid request refused with a 4xx code that the document lists on that route and status."""
from __future__ import annotations

import base64
import json

from local.openapi import DOCUMENT
from tests.support.neutral_fuzz import Finding, findings, is_documented_rule_refusal, listed_codes

DOC = json.loads(DOCUMENT.read_text(encoding="utf-8"))
REGISTER = "POST /api/v1/auth/register"


def _scenario(label: str, check: str, status: int, body: dict) -> dict:
    """A ScenarioFinished event as schemathesis writes it to its NDJSON report: one case, one failed check."""
    content = {"$base64": base64.b64encode(json.dumps(body).encode()).decode()}
    method, path = label.split(" ", 1)
    return {"ScenarioFinished": {"recorder": {
        "label": "Stateful tests",  # a scenario's label; the case names its operation
        "cases": {"c1": {"value": {"method": method, "path": path, "id": "c1"}}},
        "checks": {"c1": [{"name": "not_a_server_error", "status": "success"},
                          {"name": check, "status": "failure",
                           "failure_info": {"failure": {"title": "Schema-valid request rejected"}}}]},
        "interactions": {"c1": {"response": {"status_code": status, "content": content}}}}}}


def test_given_the_document_then_the_codes_listed_per_route_and_status_are_read():
    assert {"INVALID_VOUCHER", "VOUCHER_REQUIRED", "VALIDATION_ERROR"} <= listed_codes(DOC, REGISTER, 400)
    assert "USER_EXISTS" in listed_codes(DOC, REGISTER, 409)
    assert listed_codes(DOC, REGISTER, 418) == set() and listed_codes(DOC, "GET /api/v1/nowhere", 400) == set()


def test_given_a_report_then_each_failed_check_is_a_finding_with_the_answers_status_and_code():
    refusal = {"success": False, "error": "The voucher code cannot be used", "code": "INVALID_VOUCHER",
               "details": {"reason": "not_found"}}
    events = [{"Initialize": {}}, _scenario(REGISTER, "positive_data_acceptance", 400, refusal),
              {"NonFatalError": {"label": "GET /api/v1/health", "info": "connection reset"}}]
    found = list(findings(events))
    assert found[0] == Finding(REGISTER, "positive_data_acceptance", 400, "INVALID_VOUCHER",
                               "Schema-valid request rejected")
    assert (found[1].operation, found[1].check) == ("GET /api/v1/health", "error") and len(found) == 2


def test_given_a_valid_request_refused_with_a_code_its_route_lists_then_it_is_a_documented_rule_refusal():
    finding = Finding(REGISTER, "positive_data_acceptance", 400, "INVALID_VOUCHER", "")
    assert is_documented_rule_refusal(DOC, finding)


def test_given_anything_else_then_it_is_a_finding_the_run_reports():
    others = [
        Finding(REGISTER, "positive_data_acceptance", 400, "NOT_A_CODE_OF_THIS_ROUTE", ""),  # undocumented code
        Finding(REGISTER, "positive_data_acceptance", 409, "INVALID_VOUCHER", ""),  # listed, but at another status
        Finding(REGISTER, "positive_data_acceptance", 500, "INTERNAL_ERROR", ""),  # a server error
        Finding(REGISTER, "response_schema_conformance", 400, "INVALID_VOUCHER", ""),  # another check failed
        Finding(REGISTER, "positive_data_acceptance", 400, None, ""),  # not the error envelope
        Finding("GET /api/v1/health", "error", None, None, "connection reset"),
    ]
    assert [f for f in others if is_documented_rule_refusal(DOC, f)] == []
