"""The embedded DynamoDB for one benchmark: moto's server in a child process, the table made from the template,
and the settings pointed at it; everything put back afterwards."""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator


@contextlib.contextmanager
def _table_at(endpoint: str | None) -> Iterator[None]:
    """The settings pointed at `endpoint` (None: moto in this process), the table made from the template, and
    everything put back afterwards."""
    from local.dynamo import create_table
    from shared.db.repository import get_repository
    from shared.settings import get_settings, reset_caches

    previous = os.environ.pop("DYNAMODB_ENDPOINT", None)
    if endpoint is not None:
        os.environ["DYNAMODB_ENDPOINT"] = endpoint
    reset_caches()
    get_repository.cache_clear()
    try:
        create_table(get_repository().client, get_settings().table_name)
        yield
    finally:
        os.environ.pop("DYNAMODB_ENDPOINT", None)
        if previous is not None:
            os.environ["DYNAMODB_ENDPOINT"] = previous
        reset_caches()
        get_repository.cache_clear()


@contextlib.contextmanager
def embedded_table() -> Iterator[None]:
    from local.dynamo import start_moto

    server, endpoint = start_moto()
    try:
        with _table_at(endpoint):
            yield
    finally:
        server.stop()


@contextlib.contextmanager
def in_process_table() -> Iterator[None]:
    """moto in this process (mock_aws) with the embedded DynamoDB's fixes (transactions journaled by item, Queries
    from their partition, plain JSON answers: moto would copy or sort the whole table for each call), for a table
    too big to seed through the wire protocol."""
    from moto import mock_aws

    from local.dynamo import _journaled_transactions, _plain_json_results, _queries_read_their_partition

    with mock_aws():
        _journaled_transactions()
        _queries_read_their_partition()
        _plain_json_results()
        with _table_at(None):
            yield


def patient_client(read_timeout: int = 300) -> Any:
    """A DynamoDB client of the embedded table with a longer read timeout than the functions' 5 s, checked by the
    local IAM like theirs: moto walks the whole table in Python for an index Query, seconds at a million items,
    which is moto's slowness, not DynamoDB being unavailable."""
    import botocore.session
    from botocore.config import Config

    from local import iam
    from shared.settings import get_settings

    client = botocore.session.get_session().create_client(
        "dynamodb", region_name=get_settings().region, endpoint_url=get_settings().dynamodb_endpoint,
        config=Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=read_timeout))
    iam.enforce(client)
    return client
