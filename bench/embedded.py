"""The embedded DynamoDB for one benchmark: moto's server in a child process, the table made from the template,
and the settings pointed at it; everything put back afterwards."""
from __future__ import annotations

import contextlib
import os
from typing import Iterator


@contextlib.contextmanager
def embedded_table() -> Iterator[None]:
    from local.dynamo import create_table, start_moto
    from shared.db.repository import get_repository
    from shared.settings import get_settings, reset_caches

    server, endpoint = start_moto()
    previous = os.environ.get("DYNAMODB_ENDPOINT")
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    reset_caches()
    get_repository.cache_clear()
    try:
        create_table(get_repository().client, get_settings().table_name)
        yield
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("DYNAMODB_ENDPOINT", None)
        else:
            os.environ["DYNAMODB_ENDPOINT"] = previous
        reset_caches()
        get_repository.cache_clear()
