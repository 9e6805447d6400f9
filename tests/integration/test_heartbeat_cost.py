"""A heartbeat's cost and its exactness: the common case is the session's own read and write (counted on the
botocore client's events), and credit held in sessions is settled into the totals exactly once, at hour
boundaries, at completion, at the next start, or at once past OPEN_CAP. Through the local gateway and moto."""
from __future__ import annotations

import json
import secrets

import pytest

from local.meter import CallMeter
from shared.auth import tokens
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import viewing

HOUR = 3600


@pytest.fixture
def member(local_api, gateway):
    """A fresh member of the demo studio, calling through the gateway from an address of its own."""
    demo = local_api.demo
    client_id = demo["clients"]["studio"]["id"]
    user_id = f"u-{secrets.token_hex(5)}"
    token, _ = tokens.issue(user_id, client_id, "user", ttl_seconds=30 * 86400)
    headers = {"X-API-Key": demo["apiKeys"]["studio"], "Authorization": f"Bearer {token}",
               "Content-Type": "application/json"}
    source = f"127.8.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"

    def call(method, path, body=None):
        raw = json.dumps(body).encode() if body is not None else b""
        reply = gateway.handle(method, f"/api/v1{path}", headers, raw, source)
        assert reply.status in (200, 201), reply.body
        return json.loads(reply.body)["data"]

    call.client_id, call.user_id = client_id, user_id
    return call


def _beat(member, session_id, position, total=3600):
    return member("POST", f"/sessions/{session_id}/progress",
                  {"progressSeconds": position, "totalDurationSeconds": total})["session"]


def _own(calls, client_id):
    """The request's own calls: not the per-caller rate limiter's bucket, nor the read of the client's profile
    that a function makes once per 30 s for all its callers (shared.domain.clients.CACHE_SECONDS)."""
    shared = {keys.client_pk(client_id)}
    return [c for c in calls if not any(pk.startswith("RATE#") or pk in shared for pk in c.partitions())]


def _credited(member):
    """Watch seconds the totals and the sessions' open credit hold (the summary's sum, unrounded)."""
    stats = get_repository().get(keys.viewing_stats(member.client_id, member.user_id)) or {}
    return float(stats.get("watchedSeconds") or 0) + sum(viewing.open_credit(member.client_id, member.user_id,
                                                                             stats).values())


def test_given_a_session_mid_hour_then_a_heartbeat_is_three_round_trips_and_writes_the_session_alone(member, clock):
    # Given a session with a first heartbeat (the boundary that lists it), well inside one UTC hour
    clock.advance(HOUR - clock.now() % HOUR + 60)
    session_id = member("POST", "/sessions/start", {"classId": 42, "deviceType": "tv"})["session"]["id"]
    clock.advance(30)
    _beat(member, session_id, 30)
    meter = CallMeter(get_repository().client)
    try:
        # When the next heartbeats arrive
        costs = []
        for n in range(2, 6):
            clock.advance(30)
            _beat(member, session_id, 30 * n)
            costs.append([c.operation for c in _own(meter.take(), member.client_id)])
    finally:
        meter.close()
    # Then each is the revocation read, the session's read and one conditional update of the session item
    assert costs == [["GetItem", "GetItem", "UpdateItem"]] * 4


def test_given_heartbeats_across_hours_then_each_hour_gets_its_own_seconds_exactly(member, clock):
    clock.advance(HOUR - clock.now() % HOUR + HOUR - 100)  # 100 s before an hour ends
    first_hour = int(clock.now() // HOUR)
    session_id = member("POST", "/sessions/start", {"classId": 42, "deviceType": "tv"})["session"]["id"]
    for n in range(1, 7):  # 30 s apart: three in the first hour, three in the next
        clock.advance(30)
        _beat(member, session_id, 30 * n)
    hours = {h: float((get_repository().get(keys.viewing_hour(member.client_id, member.user_id, h)) or {})
                      .get("seconds") or 0) for h in (first_hour, first_hour + 1)}
    # The first hour's 90 s are settled into its item; the second hour's are still held by the session
    assert hours == {first_hour: 90.0, first_hour + 1: 0.0}
    assert _credited(member) == 180.0
    summary = member("GET", "/progress/summary")
    monday = int(viewing.week_start(clock.now(), viewing.parse_tz("UTC")).timestamp() // HOUR)
    this_week = 90 * (first_hour >= monday) + 90 * (first_hour + 1 >= monday)  # the hours may straddle Monday 00:00
    assert (summary["minutesWatched"], summary["thisWeek"]["minutesWatched"]) == (3, this_week // 60)


def test_given_an_abandoned_session_then_the_next_start_settles_its_credit(member, clock):
    session_id = member("POST", "/sessions/start", {"classId": 42, "deviceType": "tv"})["session"]["id"]
    for n in range(1, 5):
        clock.advance(30)
        _beat(member, session_id, 30 * n)
    # Given the viewer left; two hours later they start another class
    clock.advance(2 * HOUR)
    member("POST", "/sessions/start", {"classId": 7, "deviceType": "tv"})
    # Then the abandoned session's 120 s are in the totals, and it no longer holds any
    stats = get_repository().get(keys.viewing_stats(member.client_id, member.user_id))
    assert float(stats["watchedSeconds"]) == 120.0 and session_id not in (stats.get("openSessions") or [])
    assert member("GET", "/progress/summary")["minutesWatched"] == 2


def test_given_more_open_sessions_than_the_cap_then_the_extra_credit_is_settled_at_once(member, clock):
    # Given OPEN_CAP + 3 sessions started, then each credited once within the same hour
    clock.advance(HOUR - clock.now() % HOUR + 60)
    # (a second apart, and so the beats: one member's 46 requests at once would meet its own rate limit)
    ids = []
    for n in range(viewing.OPEN_CAP + 3):
        ids.append(member("POST", "/sessions/start", {"classId": 1 + n % 40, "deviceType": "web"})["session"]["id"])
        clock.advance(1)
    clock.advance(30)
    watched = 0.0
    for session_id in ids:
        watched += _beat(member, session_id, 20)["watchedSeconds"]
        clock.advance(1)
    # Then the set holds at most OPEN_CAP sessions, and the totals plus open credit are exactly what was earned
    stats = get_repository().get(keys.viewing_stats(member.client_id, member.user_id))
    assert len(stats["openSessions"]) == viewing.OPEN_CAP
    assert _credited(member) == watched == 20.0 * len(ids)


def test_given_concurrent_heartbeats_at_an_hour_boundary_then_nothing_is_credited_twice(member, clock):
    import threading

    clock.advance(HOUR - clock.now() % HOUR + HOUR - 40)
    session_id = member("POST", "/sessions/start", {"classId": 42, "deviceType": "tv"})["session"]["id"]
    clock.advance(30)
    _beat(member, session_id, 30)
    clock.advance(30)  # now 20 s into the next hour: every one of these settles the previous hour
    barrier = threading.Barrier(8)

    def send(position):
        barrier.wait()
        _beat(member, session_id, position)

    threads = [threading.Thread(target=send, args=(60 + n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then the totals plus the open credit are exactly the session's own watch time
    final = get_repository().get(keys.viewing_session(member.client_id, member.user_id, session_id))
    assert final["heartbeats"] == 9
    assert _credited(member) == pytest.approx(float(final["watchedSeconds"]), abs=1e-6)
