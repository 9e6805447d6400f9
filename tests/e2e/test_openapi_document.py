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


def test_given_the_local_api_then_it_serves_the_document_with_every_route_and_its_errors(api):
    reply = api.get("/openapi.json")
    assert reply.status == 200
    document = reply.json
    assert document["openapi"].startswith("3.1")
    assert set(document["components"]["securitySchemes"]) == {"ApiKey", "Bearer", "PartnerBearer"}
    for route in documented_routes():
        operation = document["paths"][route.path][route.method.lower()]
        assert "429" in operation["responses"] and "500" in operation["responses"]
        for status, answer in operation["responses"].items():
            if int(status) >= 400:
                schema = answer["content"]["application/json"]["schema"]
                assert schema["allOf"][0]["$ref"] == "#/components/schemas/ErrorEnvelope"


PATH_VALUES = {"id": "1", "code": "STUDIO-ABC123", "sessionId": "unique-session-id"}


def _path(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), template).removeprefix("/api/v1")


def _call(api, method: str, template: str, **auth):
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None
    return api.request(method, _path(template), body=body, headers={"Content-Type": "application/json"} if body
                       else {}, **auth)


def _own_credential(operation: dict) -> bool:
    """A public route that takes a credential of its own in a required header (the agent worker's secret)."""
    return any(p.get("in") == "header" and p.get("required") for p in operation.get("parameters", []))


def test_given_every_route_then_its_documented_security_is_what_it_does_without_a_key_and_without_a_bearer(
        api, demo):
    # Given: the document's security for each route (alternatives; {} means "nothing needed")
    document = api.get("/openapi.json").json
    wrong = []
    for route in documented_routes():
        operation = document["paths"][route.path][route.method.lower()]
        options = operation["security"]
        needs_nothing = options == [] or {} in options
        key_suffices = needs_nothing or {"ApiKey": []} in options
        # When: called with no credentials, then with the studio's key alone
        bare = _call(api.fresh(), route.method, route.path)
        keyed = _call(api.fresh(), route.method, route.path, api_key=demo["apiKeys"]["studio"])
        # Then: 401 exactly where the document says a credential is missing
        if (bare.status == 401) != (not needs_nothing) and not (needs_nothing and _own_credential(operation)):
            wrong.append((route.method, route.path, "no credentials", bare.status, options))
        if (keyed.status == 401) != (not key_suffices) and not (key_suffices and _own_credential(operation)):
            wrong.append((route.method, route.path, "key alone", keyed.status, options))
    assert wrong == []


def test_given_the_document_then_its_server_is_the_address_it_was_fetched_from(api, local_api):
    servers = api.get("/openapi.json").json["servers"]
    assert servers == [{"url": f"http://127.0.0.1:{local_api.port}", "description": "this local API"}]
    assert json.loads(DOCUMENT.read_text(encoding="utf-8"))["servers"][0]["url"] == "https://api.studiostv.net"


def test_given_the_document_then_every_operation_has_a_unique_readable_operation_id():
    document = build()
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*", i) for i in ids), ids
    by_route = {(m.upper(), p): op["operationId"] for p, ops in document["paths"].items() for m, op in ops.items()}
    assert by_route[("POST", "/api/v1/auth/register")] == "registerUser"
    assert by_route[("POST", "/api/v1/sessions/start")] == "startSession"


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


def test_given_the_docs_page_then_models_are_field_tables_linked_to_each_other_not_raw_schemas():
    from local.docs_page import render
    from shared.domain.accounts import EMAIL_PATTERN

    # Given: the page rendered from the document
    page = render(build())
    # Then: a model is a table of its fields with type, required, description and the guide's example
    user = page[page.index('id="schema-UserView"'):]
    user = user[:user.index("</section>")]
    assert "<th>field</th><th>type</th><th>required</th><th>description</th><th>example</th>" in user
    assert "<td><code>email</code></td><td>string</td><td>yes</td>" in user and "test@example.com" in user
    # And: a field of another model's type links to that model, and every link has its target
    assert '<a href="#schema-ProfileView">ProfileView</a>' in user
    targets = set(re.findall(r'id="schema-([^"]+)"', page))
    assert set(re.findall(r'href="#schema-([^"]+)"', page)) <= targets
    # And: nothing is dumped as raw JSON Schema (the email pattern alone is 600 characters)
    assert '"properties"' not in page and '"$ref"' not in page and EMAIL_PATTERN not in page
