"""The guide's "Session Tracking" section over HTTP: start, heartbeats, auto-completion at 90%, manual
completion, continue watching, concurrency and validation."""
from __future__ import annotations

import secrets
import threading
import time

import pytest

from shared.auth import tokens


def _user(api, demo):
    token, _ = tokens.issue(f"u-{secrets.token_hex(6)}", demo["clients"]["studio"]["id"], "user")
    return api.with_auth(demo["apiKeys"]["studio"], token), token


def _guide_start(api, demo, token):
    """The guide's start request, byte for byte."""
    return api.request("POST", "/sessions/start", body=b'{ "classId": 42, "deviceType": "mobile" }', headers={
        "Content-Type": "application/json", "X-API-Key": demo["apiKeys"]["studio"],
        "Authorization": f"Bearer {token}"})


def _guide_progress(api, demo, token, session_id, body=b'{ "progressSeconds": 540, "totalDurationSeconds": 1800 }'):
    return api.request("POST", f"/sessions/{session_id}/progress", body=body, headers={
        "Content-Type": "application/json", "X-API-Key": demo["apiKeys"]["studio"],
        "Authorization": f"Bearer {token}"})


def _continue_ids(user):
    return [c["id"] for c in user.get("/content/discover").data["continueWatching"]]


def test_given_the_guide_requests_then_a_session_starts_and_records_progress(api, demo):
    _, token = _user(api, demo)
    started = _guide_start(api, demo, token)
    assert started.status == 201 and started.json["success"] is True
    session = started.data["session"]
    assert session["classId"] == 42 and session["status"] == "in_progress"
    assert session["progressSeconds"] == 0 and session["totalDurationSeconds"] == 1800
    assert session["startedAt"].endswith("Z") and session["id"]
    progressed = _guide_progress(api, demo, token, session["id"])
    assert progressed.status == 200
    assert progressed.data["session"]["progressSeconds"] == 540
    assert progressed.data["session"]["progressPercent"] == 30.0
    assert progressed.data["session"]["status"] == "in_progress"


def test_given_heartbeats_crossing_90_percent_then_completed_exactly_once_and_off_continue_watching(api, demo, clock):
    user, _ = _user(api, demo)
    session_id = user.post("/sessions/start", {"classId": 42, "deviceType": "tv"}).data["session"]["id"]
    assert _continue_ids(user) == [42]
    for position in (540, 1200, 1590):
        clock.advance(30)
        assert user.post(f"/sessions/{session_id}/progress",
                         {"progressSeconds": position, "totalDurationSeconds": 1800}).data["session"]["status"] \
            == "in_progress"
    clock.advance(30)
    done = user.post(f"/sessions/{session_id}/progress", {"progressSeconds": 1620, "totalDurationSeconds": 1800})
    completed = done.data["session"]
    assert completed["status"] == "completed" and completed["completedAt"]
    # Later heartbeats and an explicit complete change nothing
    clock.advance(30)
    later = user.post(f"/sessions/{session_id}/progress", {"progressSeconds": 1700, "totalDurationSeconds": 1800})
    assert later.status == 200 and later.data["session"] == completed
    clock.advance(30)
    again = user.post(f"/sessions/{session_id}/complete")
    assert again.status == 200 and again.data["session"] == completed
    summary = user.get("/progress/summary").data
    assert summary["classesCompleted"] == 1
    # The class leaves continue watching; starting it again later puts it back
    assert _continue_ids(user) == []
    user.post("/sessions/start", {"classId": 42, "deviceType": "tv"})
    assert _continue_ids(user) == [42]


def test_given_manual_completion_then_idempotent(api, demo):
    user, _ = _user(api, demo)
    session_id = user.post("/sessions/start", {"classId": 7, "deviceType": "web"}).data["session"]["id"]
    first = user.post(f"/sessions/{session_id}/complete")
    second = user.post(f"/sessions/{session_id}/complete")
    assert first.status == second.status == 200
    assert first.data["session"]["status"] == "completed" and first.data == second.data
    assert user.get("/progress/summary").data["classesCompleted"] == 1
    assert 7 not in _continue_ids(user)


def test_given_duplicate_replayed_and_late_heartbeats_then_watch_time_never_beats_the_wall_clock(api, demo, clock):
    user, _ = _user(api, demo)
    session_id = user.post("/sessions/start", {"classId": 42, "deviceType": "mobile"}).data["session"]["id"]
    beat = lambda p: user.post(f"/sessions/{session_id}/progress",  # noqa: E731
                               {"progressSeconds": p, "totalDurationSeconds": 1800}).data["session"]
    clock.advance(30)
    assert beat(30)["watchedSeconds"] == 30
    for _ in range(3):  # duplicates sent at once
        assert beat(30)["watchedSeconds"] == 30
    clock.advance(30)
    assert beat(60)["watchedSeconds"] == 60
    late = beat(45)  # a late heartbeat: the resume position follows it, the furthest position stays
    assert (late["progressSeconds"], late["furthestSeconds"], late["watchedSeconds"]) == (45, 60, 60)
    clock.advance(30)
    jumped = beat(900)  # a seek far ahead earns only the 30 s that passed
    assert jumped["watchedSeconds"] == 90 and jumped["furthestSeconds"] == 900
    assert user.get("/progress/summary").data["minutesWatched"] == 1


def test_given_a_fast_replay_to_the_end_then_the_class_completes_but_adds_no_minutes(api, demo, clock):
    # Given: a member starts class 42 (30 minutes)
    user, _ = _user(api, demo)
    session_id = user.post("/sessions/start", {"classId": 42, "deviceType": "tv"}).data["session"]["id"]
    # When: within three seconds of wall time the player reports 10, 20 and 27 minutes (a replay at 60x, a seek)
    for position in (600, 1200, 1620):
        clock.advance(1)
        session = user.post(f"/sessions/{session_id}/progress",
                            {"progressSeconds": position, "totalDurationSeconds": 1800}).data["session"]
    # Then: the furthest position passed 90%, so the class is completed and counted...
    assert session["status"] == "completed" and session["furthestSeconds"] == 1620
    # ...but only the wall-clock seconds that passed are credited: no minute watched
    assert session["watchedSeconds"] <= 3.5
    summary = user.get("/progress/summary").data
    assert summary["classesCompleted"] == 1 and summary["minutesWatched"] == 0


def test_given_ten_concurrent_heartbeats_then_the_session_stays_consistent(api, demo):
    user, _ = _user(api, demo)
    began = time.time()
    session_id = user.post("/sessions/start", {"classId": 12, "deviceType": "tablet"}).data["session"]["id"]
    positions = [60 * n for n in range(1, 11)]
    replies, barrier = [], threading.Barrier(10)

    def send(position):
        barrier.wait()
        replies.append(user.post(f"/sessions/{session_id}/progress",
                                 {"progressSeconds": position, "totalDurationSeconds": 1200}))

    threads = [threading.Thread(target=send, args=(p,)) for p in positions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - began
    assert [r.status for r in replies] == [200] * 10
    final = user.get("/sessions/history").data["items"][0]
    # Every heartbeat was applied once, in some order: the furthest is the largest, the resume position one sent
    assert final["furthestSeconds"] == 600 and final["progressSeconds"] in positions
    assert final["watchedSeconds"] <= elapsed + 1
    card = next(c for c in user.get("/content/discover").data["continueWatching"] if c["id"] == 12)
    assert card["progressSeconds"] == final["progressSeconds"] and card["sessionId"] == session_id


@pytest.mark.parametrize("body, field", [
    ({"progressSeconds": -1, "totalDurationSeconds": 1800}, "progressSeconds"),
    ({"progressSeconds": 10, "totalDurationSeconds": -5}, "totalDurationSeconds"),
    ({"progressSeconds": "540", "totalDurationSeconds": 1800}, "progressSeconds"),
    ({"progressSeconds": 540}, "totalDurationSeconds"),
    ({"progressSeconds": 540, "totalDurationSeconds": 1800, "extra": 1}, "extra"),
])
def test_given_a_bad_heartbeat_then_validation_error_naming_the_field(api, demo, body, field):
    user, _ = _user(api, demo)
    session_id = user.post("/sessions/start", {"classId": 42, "deviceType": "mobile"}).data["session"]["id"]
    reply = user.post(f"/sessions/{session_id}/progress", body)
    assert reply.status == 400 and reply.code == "VALIDATION_ERROR"
    assert field in [d["field"] for d in reply.json["details"]]


def test_given_a_position_far_past_the_end_of_the_class_then_400_progress_past_end_and_nothing_recorded(api, demo):
    # Given: a session of a 30-minute class (1800 s)
    user, _ = _user(api, demo)
    session = user.post("/sessions/start", {"classId": 42, "deviceType": "mobile"}).data["session"]
    # When: a heartbeat reports a position well beyond 125% of it (schema-valid: the limit is the class's own)
    reply = user.post(f"/sessions/{session['id']}/progress",
                      {"progressSeconds": session["totalDurationSeconds"] * 2, "totalDurationSeconds": 1800})
    # Then: a code of its own naming the field and the largest position accepted; the session did not move
    assert reply.status == 400 and reply.code == "PROGRESS_PAST_END"
    assert reply.json["details"]["field"] == "progressSeconds" and "at most" in reply.json["details"]["reason"]
    history = user.get("/sessions/history").data["items"]
    assert [s["progressSeconds"] for s in history if s["id"] == session["id"]] == [session["progressSeconds"]]


@pytest.mark.parametrize("body, field", [
    ({"classId": 42, "deviceType": "fridge"}, "deviceType"),
    ({"classId": "42", "deviceType": "mobile"}, "classId"),
    ({"deviceType": "mobile"}, "classId"),
])
def test_given_a_bad_start_then_validation_error_naming_the_field(api, demo, body, field):
    user, _ = _user(api, demo)
    reply = user.post("/sessions/start", body)
    assert reply.status == 400 and field in [d["field"] for d in reply.json["details"]]


def test_given_a_start_then_the_class_counts_one_more_view(api, demo):
    user, _ = _user(api, demo)
    before = user.get("/content/classes/9").data["views"]
    user.post("/sessions/start", {"classId": 9, "deviceType": "web"})
    assert user.get("/content/classes/9").data["views"] == before + 1


def test_given_an_unknown_class_then_start_is_404(api, demo):
    user, _ = _user(api, demo)
    assert user.post("/sessions/start", {"classId": 987654, "deviceType": "mobile"}).code == "NOT_FOUND"


def test_given_another_users_session_then_404_everywhere(api, demo):
    owner, _ = _user(api, demo)
    session_id = owner.post("/sessions/start", {"classId": 42, "deviceType": "mobile"}).data["session"]["id"]
    intruder, _ = _user(api, demo)
    assert intruder.post(f"/sessions/{session_id}/progress",
                         {"progressSeconds": 100, "totalDurationSeconds": 1800}).status == 404
    assert intruder.post(f"/sessions/{session_id}/complete").status == 404
    assert intruder.get("/sessions/history").data["items"] == []
    assert owner.get("/sessions/history").data["items"][0]["status"] == "in_progress"
    assert owner.post("/sessions/ses_000000000000000000000000/complete").status == 404


def test_given_sessions_then_history_is_newest_first_and_paginated(api, demo, clock):
    user, _ = _user(api, demo)
    started = []
    for class_id in (1, 2, 3, 4, 5):
        started.append(user.post("/sessions/start", {"classId": class_id, "deviceType": "web"}).data["session"]["id"])
        clock.advance(1)
    first = user.get("/sessions/history?limit=2").data
    assert first["pagination"] == {"page": 1, "limit": 2, "total": 5, "totalPages": 3}
    pages = [first] + [user.get(f"/sessions/history?limit=2&page={p}").data for p in (2, 3)]
    assert [s["id"] for page in pages for s in page["items"]] == started[::-1]
    assert pages[0]["items"][0]["class"]["id"] == 5


def test_given_an_unfinished_class_when_started_again_then_it_resumes_where_it_stopped(api, demo, clock):
    user, _ = _user(api, demo)
    session_id = user.post("/sessions/start", {"classId": 42, "deviceType": "mobile"}).data["session"]["id"]
    clock.advance(30)
    user.post(f"/sessions/{session_id}/progress", {"progressSeconds": 600, "totalDurationSeconds": 1800})
    resumed = user.post("/sessions/start", {"classId": 42, "deviceType": "tv"}).data["session"]
    assert resumed["progressSeconds"] == 600 and resumed["id"] != session_id
