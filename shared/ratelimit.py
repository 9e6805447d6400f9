"""Per-caller rate limits as token buckets kept in DynamoDB, so that every Lambda instance shares them.

The bucket is stored as GCRA state: one number, the theoretical arrival time (`tat`) of the next request.
A request passes when `tat - now <= (burst - 1) * interval`; then `tat` moves one interval on. That is
exactly a token bucket of `burst` tokens refilled at `rate` per minute, in one conditional UpdateItem when
the bucket is full and two when it is draining. Over the limit the old `tat` tells the whole seconds until
a request would pass (`Retry-After`).

A bucket can be closed (`closed`, no `tat`): the deletion of an account closes the account's bucket, so that a
request still carrying the deleted account's token is refused (401) without writing anything under it.
"""
from __future__ import annotations

import math

from shared import clock
from shared.db import keys
from shared.db.repository import ConditionFailed, get_repository
from shared.errors import AppError, rate_limited

_OPEN = "(attribute_not_exists(closed) OR #ttl <= :now)"  # a closed bucket whose TTL passed is open again


def take(scope: str, per_minute: int, burst: int) -> None:
    """Take one token from `scope`'s bucket or raise 429 `RATE_LIMITED` with Retry-After."""
    wait = reserve(scope, per_minute, burst)
    if wait:
        raise rate_limited(wait)


def reserve(scope: str, per_minute: int, burst: int) -> int:
    """Take one token from `scope`'s bucket: 0 when taken, else the whole seconds until one would be."""
    repo = get_repository()
    interval = 60.0 / per_minute
    tolerance = interval * (burst - 1)
    now = clock.now()
    key = keys.rate_bucket(scope)
    expires = int(now + tolerance + interval) + 60
    names = {"#ttl": "ttl"}
    try:
        repo.update(key, "SET tat = :next, #ttl = :ttl REMOVE closed",
                    condition=f"{_OPEN} AND (attribute_not_exists(tat) OR tat <= :now)",
                    names=names, values={":next": now + interval, ":now": now, ":ttl": expires},
                    return_values="NONE")
        return 0
    except ConditionFailed as refused:
        _refuse_closed(refused)  # else the bucket is not full: tat lies in the future
    try:
        repo.update(key, "SET tat = tat + :interval, #ttl = :ttl", condition="tat <= :limit",
                    names=names, values={":interval": interval, ":limit": now + tolerance, ":ttl": expires},
                    return_values="NONE")
        return 0
    except ConditionFailed as refused:
        _refuse_closed(refused)
        tat = float((refused.old_item or {}).get("tat", now + tolerance + interval))
        return max(1, math.ceil(tat - tolerance - now))


def give_back(scope: str, per_minute: int) -> None:
    """Return a token taken by `reserve` (the reserved work turned out not to count). One UpdateItem; a bucket
    that has expired meanwhile is left alone."""
    try:
        get_repository().update(keys.rate_bucket(scope), "SET tat = tat - :interval",
                                condition="attribute_exists(tat)", values={":interval": 60.0 / per_minute},
                                return_values="NONE")
    except ConditionFailed:
        pass


def closed_bucket(scope: str, until: int) -> dict[str, object]:
    """The item of a closed bucket, kept until `until` (epoch seconds, its TTL)."""
    return {**keys.rate_bucket(scope), "closed": True, "ttl": until}


def _refuse_closed(refused: ConditionFailed) -> None:
    bucket = refused.old_item or {}
    if bucket.get("closed") and clock.alive(bucket):
        raise AppError("UNAUTHORIZED", "This sign-in has ended; sign in again")


def scope_for(client_id: str, user_id: str, key_id: str, source_ip: str) -> str:
    """Signed-in users have their own bucket; without a bearer, key and source address; without a key, the address."""
    if user_id:
        return f"user#{client_id}#{user_id}"
    if key_id:
        return f"key#{key_id}#{source_ip}"
    return f"ip#{source_ip}"
