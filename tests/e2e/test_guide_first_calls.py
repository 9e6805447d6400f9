"""The guide's first calls, sent as written to the local API over HTTP."""
from __future__ import annotations

import json


def test_given_no_auth_when_get_health_then_the_guide_shape(api):
    reply = api.get("/health")
    assert reply.status == 200
    body = reply.json
    assert body["success"] is True
    assert set(body["data"]) == {"status", "timestamp", "uptime", "version", "environment"}
    assert body["data"]["status"] == "ok"
    assert isinstance(body["data"]["uptime"], int)
    assert body["data"]["timestamp"].endswith("Z")
    assert reply.header("Access-Control-Allow-Origin") == "*"


def test_given_the_studio_key_when_get_app_config_then_its_branding_and_rules(api, demo):
    reply = api.get("/app/config", api_key=demo["apiKeys"]["studio"])
    assert reply.status == 200
    data = reply.data
    assert data["client"] == {"id": demo["clients"]["studio"]["id"], "name": "Zen Flow Studio"}
    assert data["branding"]["primaryColor"] == "#0F766E"
    assert data["requiresVoucher"] is False
    assert data["registration"] == {"requiresVoucher": False, "openRegistration": True}
    assert set(data["features"]) == {"classes", "live_classes", "workout_builder", "nutrition", "coach_connect",
                                     "ai_coach"}
    assert data["enabledFeatures"] == [k for k, v in data["features"].items() if v]


def test_given_the_partner_key_when_get_app_config_then_a_voucher_is_required(api, demo):
    data = api.get("/app/config", api_key=demo["apiKeys"]["partner"]).data
    assert data["client"]["id"] == demo["clients"]["partner"]["id"]
    assert data["requiresVoucher"] is True
    assert data["registration"]["openRegistration"] is False


def test_given_no_key_when_get_app_config_then_the_platform_default(api):
    data = api.get("/app/config").data
    assert data["client"]["id"] is None
    assert data["branding"]["appName"] == "sTvOS"


def test_given_the_universal_key_when_get_app_config_then_the_default_client(api, demo):
    data = api.get("/app/config", api_key=demo["apiKeys"]["universal"]).data
    assert data["client"]["id"] == demo["clients"]["studio"]["id"]


def test_given_a_voucher_code_when_opening_the_deep_link_then_validity_branding_and_partner(api, demo):
    code = demo["vouchers"][1]["code"]
    reply = api.get(f"/app/join/{code}")
    assert reply.status == 200
    data = reply.data
    assert data["valid"] is True and data["voucher"]["code"] == code
    assert data["client"]["id"] == demo["clients"]["partner"]["id"]
    assert data["client"]["branding"]["primaryColor"] == "#7C3AED"
    assert data["partner"] == {"id": demo["partner"]["id"], "name": "FitCo Benefits"}


def test_given_an_unknown_code_when_opening_the_deep_link_then_404_and_validating_it_says_not_found(api, demo):
    # Given: a code no client issued
    # When: the deep link is opened (no key), and the registration form validates the code with a key
    reply = api.get("/app/join/nope-nope-nope")
    validated = api.post("/auth/voucher/validate", {"code": "NOPE-NOPE-NOPE"}, api_key=demo["apiKeys"]["studio"])
    # Then: the link leads nowhere: 404 NOT_FOUND in the envelope, nothing of any client
    assert reply.status == 404
    assert reply.json == {"success": False, "error": "Voucher not found", "code": "NOT_FOUND", "details": {}}
    # And: the form's question is answered, with the reason the app shows
    assert validated.status == 200
    assert validated.data == {"valid": False, "reason": "not_found", "voucher": None, "partner": None,
                              "client": None}


def test_given_a_used_up_or_revoked_code_when_opening_the_deep_link_then_200_with_its_reason_and_client(api, demo):
    # Given: a FitCo Benefits code a member redeemed, and one the partner revoked (the seeded portal's)
    for kind, reason in (("redeemed", "redeemed"), ("revoked", "revoked")):
        code = demo["partnerPortal"][kind][0]
        # When: its deep link is opened
        reply = api.get(f"/app/join/{code}")
        # Then: the code is known, so the app learns whose it is and why it no longer works
        assert reply.status == 200, reply.json
        assert (reply.data["valid"], reply.data["reason"], reply.data["voucher"]["status"]) == (False, reason, reason)
        assert reply.data["client"]["id"] == demo["clients"]["partner"]["id"]
        assert reply.data["partner"] == {"id": demo["partner"]["id"], "name": "FitCo Benefits"}


def test_given_health_detailed_then_dynamodb_is_reported_reachable(api):
    data = api.get("/health/detailed").data
    assert data["dependencies"]["dynamodb"]["status"] == "ok"
    assert "secret" not in str(data).lower()


def test_given_an_anonymous_caller_when_reading_health_detailed_then_no_runtime_version_or_cpu_is_shown(api):
    """Given no key and no token, when anyone reads /health/detailed, then the answer names neither the
    interpreter nor its version nor the CPU architecture (fingerprints for picking exploits)."""
    import platform
    import sys

    reply = api.get("/health/detailed")
    assert reply.status == 200
    shown = json.dumps(reply.data).lower()
    assert "runtime" not in reply.data
    assert sys.version.split()[0] not in shown and "python" not in shown
    assert platform.machine().lower() not in shown


def test_given_an_unknown_route_then_404_in_the_envelope(api):
    reply = api.get("/does/not/exist")
    assert reply.status == 404
    assert reply.json["code"] == "NOT_FOUND" and reply.json["success"] is False


def test_given_a_browser_when_preflighting_then_cors_allows_the_app_headers(api):
    reply = api.request("OPTIONS", "/auth/register", headers={"Origin": "https://app.example",
                                                                "Access-Control-Request-Method": "POST"})
    assert reply.status == 200
    allowed = reply.header("Access-Control-Allow-Headers") or ""
    for header in ("X-API-Key", "Authorization", "Content-Type"):
        assert header in allowed
    assert reply.header("Access-Control-Allow-Origin") == "*"
