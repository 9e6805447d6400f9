"""A typed Python client generated from docs/openapi.json by openapi-python-client (a standard generator, as an
app developer would run it): it compiles, every operation is a function named after its operationId
(`register_user`, `start_session`), and it speaks to the local API with typed answers.

Offline: the generator reads the committed document from disk and runs no formatter hooks."""
from __future__ import annotations

import compileall
import importlib
import json
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import pytest

from local.openapi import DOCUMENT
from tests.support.http import fresh_source_ip

PACKAGE = "stvos_client"
# The names FastAPI makes up without an operationId (`register_api_v1_auth_register_post`): the path, then the method.
MACHINE_NAME = re.compile(r"api_v1|_(get|post|put|patch|delete)$")


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return [(method.upper(), path, operation) for path, methods in document["paths"].items()
            for method, operation in methods.items()]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The package generated from the committed document, importable for the module's tests."""
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator, "openapi-python-client is installed with requirements-dev.txt"
    folder = tmp_path_factory.mktemp("generated-client")
    config = folder / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n", encoding="utf-8")
    run = subprocess.run([generator, "generate", "--path", str(DOCUMENT), "--meta", "none", "--config", str(config),
                          "--output-path", str(folder / PACKAGE), "--fail-on-warning"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(folder))
    try:
        yield folder / PACKAGE
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _function_module(operation: dict[str, Any]) -> ModuleType:
    tag = operation["tags"][0].replace("-", "_")
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{_snake(operation['operationId'])}")


def test_given_the_document_when_a_client_is_generated_then_it_compiles_and_every_operation_has_a_readable_name(
        generated):
    # Given: the committed document. When: openapi-python-client generated a package from it (the fixture)
    # Then: every generated file compiles
    assert compileall.compile_dir(str(generated), quiet=2, force=True, workers=1)
    # And: each operation is a module named after its operationId, with the four calls the generator writes
    unreadable = []
    for method, path, operation in _operations():
        module = _function_module(operation)
        for call in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
            assert callable(getattr(module, call, None)), (method, path, call)
        name = module.__name__.rsplit(".", 1)[1]
        if MACHINE_NAME.search(name) or len(name) > 40:
            unreadable.append((method, path, name))
    assert unreadable == []
    # And: the guide's calls read as what they do
    for tag, name in (("auth", "register_user"), ("auth", "login_user"), ("auth", "refresh_tokens"),
                      ("sessions", "start_session"), ("sessions", "report_session_progress"),
                      ("content", "get_discover"), ("users", "get_current_user"), ("app", "open_join_link")):
        assert (generated / "api" / tag / f"{name}.py").is_file(), (tag, name)


def test_given_the_generated_client_when_a_member_registers_then_the_answers_are_typed_models(generated, local_api,
                                                                                             demo):
    import httpx

    from stvos_client.api.auth import register_user
    from stvos_client.api.users import get_current_user
    from stvos_client.client import AuthenticatedClient
    from stvos_client.models.register_body import RegisterBody

    base_url, key = local_api.base_url, demo["apiKeys"]["studio"]

    def client(**credentials: Any) -> AuthenticatedClient:
        transport = httpx.HTTPTransport(local_address=fresh_source_ip())  # rate limits are per address
        return AuthenticatedClient(base_url=base_url, httpx_args={"transport": transport}, **credentials)

    # Given: a client holding the studio's key (the key-only routes' credential)
    keyed = client(token=key, prefix="", auth_header_name="X-API-Key")
    email = f"generated-{uuid.uuid4().hex[:10]}@example.com"
    # When: the guide's registration is sent through the generated function
    registered = register_user.sync_detailed(client=keyed, body=RegisterBody.from_dict(
        {"email": email, "password": "securepassword", "name": "Test User"}))
    # Then: 201, parsed into the document's SignedIn model with snake_case attributes
    assert registered.status_code == 201, registered.content
    signed_in = registered.parsed.data  # type: ignore[union-attr]
    assert signed_in.user.email == email and signed_in.expires_in > 0
    # And: the member's bearer (beside the key) reads the profile back as a typed UserView
    member = client(token=signed_in.access_token, headers={"X-API-Key": key})
    me = get_current_user.sync(client=member)
    assert type(me).__name__ == "UserViewEnvelope" and me.data.email == email  # type: ignore[union-attr]
    # And: an error is parsed too, as the documented envelope of its status
    refused = get_current_user.sync_detailed(client=client(token="not-a-token", headers={"X-API-Key": key}))
    assert refused.status_code == 401 and refused.parsed.code == "UNAUTHORIZED"  # type: ignore[union-attr]
