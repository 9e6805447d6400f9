"""DynamoDB calls counted on a botocore client through its own event hooks (nothing of ours is wrapped).

`CallMeter(client)` records every call's operation and parameters as botocore is about to send them
(`before-call`), so round trips are counted where they leave the process. Used by `make bench` and by the
tests that pin a request's round trips.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    operation: str  # GetItem, UpdateItem, TransactWriteItems...
    params: dict[str, Any]

    def partitions(self) -> list[str]:
        """The partition keys a call touches (for telling a request's own calls from the rate limiter's)."""
        found: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                if "PK" in value and isinstance(value["PK"], dict) and "S" in value["PK"]:
                    found.append(value["PK"]["S"])
                for inner in value.values():
                    walk(inner)
            elif isinstance(value, list):
                for inner in value:
                    walk(inner)

        walk({k: v for k, v in self.params.items() if k in ("Key", "Item", "RequestItems", "TransactItems")})
        return found


@dataclass
class CallMeter:
    client: Any
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client.meta.events.register("before-call.dynamodb", self._record)

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(Call(model.name, dict(params.get("body") or {}) if isinstance(params.get("body"), dict)
                               else _decoded(params.get("body"))))

    def close(self) -> None:
        self.client.meta.events.unregister("before-call.dynamodb", self._record)

    def take(self) -> list[Call]:
        """The calls recorded since the last take."""
        taken, self.calls = self.calls, []
        return taken


def _decoded(body: Any) -> dict[str, Any]:
    import json

    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8")
    try:
        return json.loads(body) if body else {}
    except ValueError:
        return {}
