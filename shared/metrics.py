"""Operational counters as CloudWatch metrics, in the embedded metric format (EMF): one JSON line on stdout per
event, which CloudWatch Logs turns into a metric in the `POWERTOOLS_METRICS_NAMESPACE` namespace (sTvOS) with
the function's service name as its one dimension. No client, no API call, no import beyond the standard
library, so that the authorizer can count too.

The counters an operator alerts on (template.yaml has the alarms, README the list):
    RateLimited           a 429 answered by a function (per-caller buckets, login lockout)
    ServerErrors          a 5xx answered by a function
    FailedLogins          a sign-in refused for a wrong email or password
    RefreshReuse          a refresh token presented again: its login is revoked
    TransactionConflicts  a DynamoDB transaction cancelled by a concurrent one

Outside Lambda (the local API, tests) nothing is printed; the latest events are kept in `recent()`.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from typing import Any

RATE_LIMITED = "RateLimited"
SERVER_ERRORS = "ServerErrors"
FAILED_LOGINS = "FailedLogins"
REFRESH_REUSE = "RefreshReuse"
TRANSACTION_CONFLICTS = "TransactionConflicts"
NAMES = frozenset({RATE_LIMITED, SERVER_ERRORS, FAILED_LOGINS, REFRESH_REUSE, TRANSACTION_CONFLICTS})

_recent: deque[dict[str, Any]] = deque(maxlen=1000)


def record(name: str, value: int = 1) -> dict[str, Any]:
    """Count one event: `name` is one of NAMES. Returns the EMF document (printed in Lambda)."""
    if name not in NAMES:
        raise ValueError(f"unknown metric {name}")
    service = os.environ.get("POWERTOOLS_SERVICE_NAME", "stvos")
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "sTvOS"),
                "Dimensions": [["service"]],
                "Metrics": [{"Name": name, "Unit": "Count"}],
            }],
        },
        "service": service,
        name: value,
    }
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
        sys.stdout.flush()
    else:
        _recent.append(document)
    return document


def for_status(status: int) -> None:
    """Count an answer by its status: 429 and 5xx are worth an operator's attention."""
    if status == 429:
        record(RATE_LIMITED)
    elif status >= 500:
        record(SERVER_ERRORS)


def recent(name: str | None = None) -> list[dict[str, Any]]:
    """Events counted outside Lambda, oldest first (optionally of one metric)."""
    return [doc for doc in _recent if name is None or name in doc]
