"""Test fixtures. One moto server (DynamoDB over its real wire protocol) and one local API per session,
seeded with the demo data; every test talks to them as a client would, or calls handlers with real events."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local.stack import DEV_ENVIRONMENT, LocalStack  # noqa: E402

for _name, _value in DEV_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)
os.environ["TABLE_NAME"] = os.environ.get("STVOS_TEST_TABLE") or "stvos-test"  # make test-dynamodb sets it

from tests.support.http import Api  # noqa: E402


@pytest.fixture(scope="session")
def local_api() -> Iterator[LocalStack]:
    """The local API on a free port, backed by a fresh moto server and the demo seed."""
    stack = LocalStack(port=0, demo_file=None).start()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def demo(local_api: LocalStack) -> dict[str, Any]:
    return local_api.demo


@pytest.fixture
def api(local_api: LocalStack) -> Api:
    """An HTTP client speaking from an address of its own (rate limits are per address)."""
    return Api(f"{local_api.base_url}/api/v1")


@pytest.fixture
def gateway(local_api: LocalStack) -> Any:
    """The local gateway object, for in-process calls through the same authorizer and handlers."""
    from local.gateway import Gateway

    return Gateway()


@pytest.fixture
def clock() -> Iterator[Any]:
    """The movable clock, put back after the test."""
    from shared import clock as shared_clock

    yield shared_clock
    shared_clock.reset()


@pytest.fixture
def new_member(local_api: LocalStack) -> Any:
    """A factory of freshly registered members over HTTP: `new_member(api_key)` -> {email, password, user,
    accessToken, refreshToken, client} (each from its own address, under the key's client)."""
    import uuid

    def register(api_key: str, **fields: Any) -> dict[str, Any]:
        body = {"email": f"member-{uuid.uuid4().hex[:12]}@example.com", "password": "securepassword", **fields}
        reply = Api(f"{local_api.base_url}/api/v1").post("/auth/register", body, api_key=api_key)
        assert reply.status == 201, reply.json
        return {"email": body["email"], "password": body["password"], **reply.data}

    return register


@pytest.fixture(scope="session")
def bad_input_lab(local_api: LocalStack) -> dict[str, Any]:
    """A client of its own for the bad-input sweeps (hundreds of requests over every route), with a quota
    large enough that they neither meet its throttle nor use up the demo studio's: {clientId, apiKey}."""
    from shared.domain import provisioning

    client = provisioning.create_client("Bad Input Lab", quota={"ratePerSecond": 2000, "burst": 4000})
    key, _ = provisioning.issue_api_key(client["id"], label="bad-input sweeps")
    return {"clientId": client["id"], "apiKey": key}


# Files that take minutes (a fuzz run, every route of the tenant matrix, the large catalog, whole `make run`s): run
# first, so that each worker starts on one while the many short files fill the others, instead of one of them
# starting last and running alone. `make test` passes --no-loadscope-reorder so that xdist keeps this order (it
# otherwise sends the files with the most tests first). A name that matches nothing is harmless.
LONG_FILES = ("test_fuzz_openapi", "test_tenant_matrix", "test_content_scale", "test_local_run_guard",
              "test_admin_cli_provisioning", "test_bookings_flow", "test_partner_vouchers", "test_group_classes")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        stem = item.path.stem
        return next((n for n, name in enumerate(LONG_FILES) if stem.startswith(name)), len(LONG_FILES))

    items.sort(key=rank)  # stable: the order within a file, and of the other files, stays


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A local API of the fuzz run's own (tests/support/fuzz.py), one per fuzz file: the runs go in parallel."""
    from tests.support.fuzz import fuzz_stack as start

    with start(tmp_path_factory.mktemp("fuzz-stack") / "server.log") as stack:
        yield stack
