"""The one OpenAPI document: built from the apps and template.yaml, committed, served with a page that a
headless browser renders with no network at all."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from local.openapi import DOCUMENT, build
from local.template import documented_routes


def test_given_the_committed_document_then_it_is_what_the_code_builds():
    assert DOCUMENT.exists(), "run `make openapi`"
    assert json.loads(DOCUMENT.read_text(encoding="utf-8")) == json.loads(json.dumps(build())), \
        "docs/openapi.json is stale: run `make openapi`"


def test_given_the_local_api_then_it_serves_the_document_with_every_route_and_its_security(api):
    reply = api.get("/openapi.json")
    assert reply.status == 200
    document = reply.json
    assert document["openapi"].startswith("3.1")
    assert set(document["components"]["securitySchemes"]) == {"ApiKey", "Bearer", "PartnerBearer"}
    for route in documented_routes():
        operation = document["paths"][route.path][route.method.lower()]
        expected = {None: [], "KeyAuthorizer": [{"ApiKey": []}], "UserAuthorizer": [{"ApiKey": [], "Bearer": []}],
                    "PartnerAuthorizer": [{"PartnerBearer": []}]}
        if route.authorizer in expected:
            assert operation["security"] == expected[route.authorizer], route.path
        assert "429" in operation["responses"] and "500" in operation["responses"]
        for status, answer in operation["responses"].items():
            if int(status) >= 400:
                schema = answer["content"]["application/json"]["schema"]
                assert schema["allOf"][0]["$ref"] == "#/components/schemas/ErrorEnvelope"


def test_given_the_guide_then_its_requests_are_the_documents_examples(api):
    document = api.get("/openapi.json").json
    register = document["paths"]["/api/v1/auth/register"]["post"]["requestBody"]["content"]["application/json"]
    assert register["example"] == {"email": "test@example.com", "password": "securepassword", "name": "Test User"}
    health = document["paths"]["/api/v1/health"]["get"]["responses"]["200"]["content"]["application/json"]
    assert health["example"]["data"]["status"] == "ok"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_given_a_headless_browser_without_network_then_the_docs_page_renders_every_operation(api):
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium (.ci/run installs it)")
        pytest.skip("no chromium here: `apt-get install chromium` to run this check")
    page = api.get("/docs")
    assert page.status == 200 and page.header("Content-Type").startswith("text/html")
    external = [u for u in re.findall(r'(?:src|href)="([^"]+)"', page.raw.decode()) if "://" in u]
    assert external == [], "the docs page must not load anything from elsewhere"
    url = f"http://127.0.0.1:{api.port}/api/v1/docs"
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
             "--proxy-server=direct://", "--virtual-time-budget=3000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
    dom = done.stdout
    assert "<h1>sTvOS v1 API" in dom, done.stderr[-2000:]
    rendered = re.findall(r'<span class="m (\w+)">\1</span><code class="path">([^<]+)</code>', dom)
    assert {(m, p) for m, p in rendered} == {(r.method, r.path) for r in documented_routes()}
