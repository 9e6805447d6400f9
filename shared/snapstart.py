"""Lambda SnapStart runtime hooks (template parameter EnableSnapStart, off by default).

With SnapStart, Lambda runs a function's init once per published version, snapshots the memory and restores
new containers from it, so a cold start skips the imports. Before the snapshot we also build what every first
request would build: the settings and the DynamoDB client with its service model and operation shapes. After
a restore, what must differ between containers is renewed: the `random` module's state (it would be the same
in every container restored from one snapshot). Connections are not carried over: botocore opens new ones.

Nothing secret is fetched before the snapshot: secrets are read on first use, after the restore, so a
snapshot holds no secret and a rotated secret is picked up by new containers.
Outside Lambda, or without SnapStart, `prepare()` registers nothing.
"""
from __future__ import annotations

import os
import random

OPERATIONS = ("GetItem", "PutItem", "UpdateItem", "Query", "BatchGetItem", "TransactWriteItems")


def warm_clients() -> None:
    """Build the DynamoDB client and load the operation models the functions call."""
    from shared.db.repository import get_repository

    model = get_repository().client.meta.service_model
    for name in OPERATIONS:
        model.operation_model(name)


def renew_after_restore() -> None:
    random.seed()


def prepare() -> bool:
    """Register the hooks when running under SnapStart; True when registered."""
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "snap-start":
        return False
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot  # Lambda runtime only
    except ImportError:
        return False
    register_before_snapshot(warm_clients)
    register_after_restore(renew_after_restore)
    return True
