"""What the schemathesis run (tests/e2e/test_fuzz_openapi.py) found, pinned as plain requests."""
from __future__ import annotations

import uuid


def test_given_a_live_onboarding_session_when_only_its_id_is_sent_again_then_200_and_nothing_changes(api, demo):
    # Given: a session started with only its id (201), then given a name
    key = demo["apiKeys"]["studio"]
    session = f"fuzz-touch-{uuid.uuid4().hex[:12]}"
    created = api.post("/onboarding/profile", {"sessionId": session}, api_key=key)
    assert created.status == 201
    assert api.post("/onboarding/profile", {"sessionId": session, "name": "Ada"}, api_key=key).status == 200
    # When: only the id is sent again (it was a 500: an update naming a profile attribute it did not use)
    reply = api.post("/onboarding/profile", {"sessionId": session}, api_key=key)
    # Then: 200 (showing nothing it did not send), and the answers kept, as the resume token reads them
    assert reply.status == 200, reply.json
    assert reply.data["sessionId"] == session and reply.data["profile"]["name"] is None
    resumed = api.get(f"/onboarding/profile/{session}", api_key=key,
                      headers={"X-Resume-Token": created.data["resumeToken"]})
    assert resumed.data["profile"]["name"] == "Ada"


def test_given_an_onboarding_answer_then_the_document_says_201_creates_and_200_merges(api):
    responses = api.get("/openapi.json").json["paths"]["/api/v1/onboarding/profile"]["post"]["responses"]
    assert {"200", "201"} <= set(responses)
    assert responses["201"]["links"]["ResumeProfile"]["parameters"] == {"sessionId": "$response.body#/data/sessionId"}


def test_given_routes_with_their_own_error_codes_then_the_document_lists_them(api):
    paths = api.get("/openapi.json").json["paths"]

    def codes(method: str, path: str, status: str) -> set[str]:
        schema = paths[f"/api/v1{path}"][method]["responses"][status]["content"]["application/json"]["schema"]
        return set(schema["allOf"][1]["properties"]["code"]["enum"])

    assert {"INVALID_CREDENTIALS"} <= codes("post", "/auth/login", "401")
    assert {"INVALID_REFRESH_TOKEN"} <= codes("post", "/auth/refresh", "401")
    assert {"ONBOARDING_SESSION_NOT_FOUND", "NOT_FOUND"} <= codes("post", "/auth/register", "404")
    assert {"INVALID_VOUCHER", "VOUCHER_REQUIRED"} <= codes("post", "/auth/register", "400")
    assert {"ONBOARDING_SESSION_NOT_FOUND"} <= codes("post", "/onboarding/recommend-coaches", "404")
    assert {"ONBOARDING_SESSION_NOT_FOUND", "NOT_FOUND"} <= codes("post", "/onboarding/select-coach", "404")
    assert {"CONFLICT"} <= codes("post", "/sessions/{id}/progress", "409")
