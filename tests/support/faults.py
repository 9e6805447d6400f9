"""Inject DynamoDB faults with botocore's own event hooks: the request never leaves, and botocore parses our
answer as if the service had sent it (so its retries, backoff and error parsing all run for real)."""
from __future__ import annotations

import contextlib
import json
import threading
from typing import Any, Iterator

from botocore.awsrequest import AWSResponse


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


FAULTS = {
    "throttle": (400, "com.amazonaws.dynamodb.v20120810#ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    "capacity": (400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "Throughput exceeded"),
    "server": (500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error"),
    # a transaction cancelled because another one was writing the same items (the reasons follow the body)
    "conflict": (400, "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                 "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]"),
}
EXTRA_BODY = {"conflict": {"CancellationReasons": [{"Code": "TransactionConflict",
                                                    "Message": "Transaction is ongoing for the item"}]}}


class Injector:
    """Answers `operations` with `fault` for the next `times` calls (None: every call), after letting the first
    `after` of them through (a process that fails half-way)."""

    def __init__(self, operations: tuple[str, ...], fault: str, times: int | None, after: int = 0) -> None:
        self.operations, self.fault, self.remaining, self.passing = operations, fault, times, after
        self.injected = 0
        self.lock = threading.Lock()

    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        operation = kwargs.get("event_name", "").rsplit(".", 1)[-1]
        if self.operations and operation not in self.operations:
            return None
        with self.lock:
            if self.passing > 0:
                self.passing -= 1
                return None
            if self.remaining is not None:
                if self.remaining <= 0:
                    return None
                self.remaining -= 1
            self.injected += 1
        status, error_type, message = FAULTS[self.fault]
        body = json.dumps({"__type": error_type, "message": message, **EXTRA_BODY.get(self.fault, {})}).encode()
        return AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.0",
                                                 "x-amzn-RequestId": "fault-injected"}, _Raw(body))


@contextlib.contextmanager
def dynamodb_fault(fault: str, *operations: str, times: int | None = None, after: int = 0) -> Iterator[Injector]:
    """Within the block, the shared repository's DynamoDB calls of `operations` (all when none) fail, but the
    first `after` of them."""
    from shared.db.repository import get_repository

    client = get_repository().client
    injector = Injector(tuple(operations), fault, times, after)
    client.meta.events.register_first("before-send.dynamodb", injector)
    try:
        yield injector
    finally:
        client.meta.events.unregister("before-send.dynamodb", injector)


class LostAnswer:
    """Sends the first matching call for real, then tells botocore the service failed: the write is applied but
    its answer is lost, as after a read timeout. botocore then retries the very same request."""

    def __init__(self, operation: str) -> None:
        self.operation, self.sent = operation, 0

    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        if kwargs.get("event_name", "").rsplit(".", 1)[-1] != self.operation or self.sent:
            return None
        from botocore.httpsession import URLLib3Session

        self.sent += 1
        self.first = URLLib3Session().send(request)  # the service applies it; its answer goes nowhere
        status, error_type, message = FAULTS["server"]
        body = json.dumps({"__type": error_type, "message": message}).encode()
        return AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body))


@contextlib.contextmanager
def lost_answer(operation: str) -> Iterator[LostAnswer]:
    from shared.db.repository import get_repository

    client = get_repository().client
    hook = LostAnswer(operation)
    client.meta.events.register_first("before-send.dynamodb", hook)
    try:
        yield hook
    finally:
        client.meta.events.unregister("before-send.dynamodb", hook)
