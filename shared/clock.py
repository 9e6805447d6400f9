"""The one clock. Tests move it; nothing else reads the system time."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, TypeGuard

_offset_seconds = 0.0
_frozen_at: float | None = None  # tests only: the wall clock stands still (a burst that must not refill)


def now() -> float:
    """Epoch seconds."""
    return (time.time() if _frozen_at is None else _frozen_at) + _offset_seconds


def now_ms() -> int:
    """Epoch milliseconds (token issue instants and revocation compare at this precision)."""
    return int(now() * 1000)


def utcnow() -> datetime:
    return datetime.fromtimestamp(now(), tz=timezone.utc)


def iso(epoch: float | None = None) -> str:
    """ISO-8601 UTC with a Z, to the second: 2026-02-28T12:00:00Z."""
    moment = datetime.fromtimestamp(now() if epoch is None else epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def alive(item: dict[str, Any] | None, at: float | None = None) -> TypeGuard[dict[str, Any]]:
    """Whether an item with a DynamoDB TTL (`ttl`, epoch seconds) is still alive. DynamoDB deletes expired items
    late (hours, even days), so every read of a TTL'd item asks this instead of trusting its presence."""
    return item is not None and int(item.get("ttl") or 0) > (now() if at is None else at)


def advance(seconds: float) -> None:
    """Move the clock forward (tests only)."""
    global _offset_seconds
    _offset_seconds += seconds


def freeze() -> None:
    """Stop the clock where it is (tests only; `advance` still moves it, `reset` starts it again)."""
    global _frozen_at
    _frozen_at = time.time()


def reset() -> None:
    global _offset_seconds, _frozen_at
    _offset_seconds = 0.0
    _frozen_at = None
