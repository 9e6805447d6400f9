"""The DynamoDB token bucket against moto, with the clock moved by hand."""
from __future__ import annotations

import uuid

import pytest

from shared import ratelimit
from shared.errors import AppError


def test_given_a_full_bucket_then_burst_passes_then_one_per_interval(local_api, clock):
    scope = f"test#{uuid.uuid4()}"
    for _ in range(5):
        ratelimit.take(scope, per_minute=60, burst=5)
    with pytest.raises(AppError) as refused:
        ratelimit.take(scope, per_minute=60, burst=5)
    assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "1"
    clock.advance(1.01)
    ratelimit.take(scope, per_minute=60, burst=5)
    with pytest.raises(AppError):
        ratelimit.take(scope, per_minute=60, burst=5)


def test_given_an_idle_bucket_then_it_refills_to_burst_and_no_further(local_api, clock):
    scope = f"test#{uuid.uuid4()}"
    for _ in range(3):
        ratelimit.take(scope, per_minute=6, burst=3)
    clock.advance(3600)
    for _ in range(3):
        ratelimit.take(scope, per_minute=6, burst=3)
    with pytest.raises(AppError) as refused:
        ratelimit.take(scope, per_minute=6, burst=3)
    assert refused.value.headers["Retry-After"] == "10"


def test_given_concurrent_takers_then_exactly_burst_pass(local_api):
    from concurrent.futures import ThreadPoolExecutor

    scope = f"test#{uuid.uuid4()}"

    def attempt(_: int) -> bool:
        try:
            ratelimit.take(scope, per_minute=1, burst=4)
            return True
        except AppError:
            return False
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(12)))
    assert results.count(True) == 4
