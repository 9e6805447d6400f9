"""Viewing sessions: start, heartbeats, completion, history, and the progress summary."""
# No `from __future__ import annotations`: the body models must resolve when this file is loaded by path.

from typing import Any, Literal

from fastapi import Path, Query
from mangum import Mangum
from pydantic import Field

from shared.domain import viewing
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import UserCaller
from shared.http.envelope import Envelope, Instant, Number, View, field
from shared.views import Pagination

app = create_app("sessions")

SessionId = Path(min_length=1, max_length=64)


class StartBody(ApiModel):
    classId: int = Field(ge=1)
    deviceType: Literal["mobile", "tablet", "tv", "web"]


class ProgressBody(ApiModel):
    progressSeconds: float = Field(ge=0, le=86_400)
    totalDurationSeconds: float = Field(gt=0, le=86_400)


class SessionClass(View):
    id: int = field(42, "The class id")
    name: str | None = field("Morning Flow Yoga")
    thumbnailUrl: str | None = field("https://cdn.studiostv.net/classes/42.jpg")


class Session(View):
    """One viewing of a class, as heartbeats left it."""
    id: str = field("ses_019c2f4e8a10b7e1c2d3a4f5", "The session id: `/sessions/{id}/progress` takes it")
    classId: int = field(42)
    class_: SessionClass = Field(alias="class")
    deviceType: Literal["mobile", "tablet", "tv", "web"] | None = field("mobile")
    status: Literal["in_progress", "completed"] = field("in_progress", "Completes by itself at 90%")
    progressSeconds: int = field(540, "The position last reported")
    furthestSeconds: int = field(540, "The furthest position reported")
    totalDurationSeconds: int = field(1800, "The class's length")
    progressPercent: Number = field(30.0, "progressSeconds of totalDurationSeconds, 0-100")
    watchedSeconds: int = field(510, "Watch time credited, at most as fast as the wall clock")
    startedAt: Instant = field("2026-02-28T12:00:00Z")
    lastHeartbeatAt: Instant | None = field("2026-02-28T12:09:00Z", "null before the first heartbeat")
    completedAt: Instant | None = field(None, "Set once, when the session completes")


class SessionAnswer(View):
    session: Session


class History(View):
    items: list[Session] = field([], "The member's sessions, newest first")
    pagination: Pagination
    nextCursor: str | None = field(None, "Pass it back as `cursor` for the next page; null on the last page")


class Week(View):
    minutesWatched: int = field(95)
    classesCompleted: int = field(3)
    activeDays: int = field(2, "Days of the week with a completed class, in `tz`")
    since: Instant = field("2026-02-23T00:00:00Z", "Monday 00:00 in `tz`, as a UTC instant")


class ProgressSummary(View):
    minutesWatched: int = field(640)
    classesCompleted: int = field(18)
    totalSessions: int = field(25)
    currentStreak: int = field(3, "Days in a row with a completed class, up to today (or yesterday)")
    longestStreak: int = field(7)
    thisWeek: Week
    timezone: str = field("Europe/Paris", "The `tz` the days were counted in")


@app.post(f"{API}/sessions/start", operation_id="startSession", status_code=201,
          response_model=Envelope.of(SessionAnswer),
          responses=errors("NOT_FOUND"))
def start(body: StartBody, caller: UserCaller) -> dict[str, Any]:
    session = viewing.start(caller.client_id, caller.user_id, body.classId, body.deviceType)
    return ok({"session": viewing.view(session)})


@app.post(f"{API}/sessions/{{id}}/progress", operation_id="reportSessionProgress",
          response_model=Envelope.of(SessionAnswer),
          responses=errors("CONFLICT", "PROGRESS_PAST_END"))
def progress(body: ProgressBody, caller: UserCaller, id: str = SessionId) -> dict[str, Any]:
    session = viewing.heartbeat(caller.client_id, caller.user_id, id, body.progressSeconds,
                                body.totalDurationSeconds)
    return ok({"session": viewing.view(session)})


@app.post(f"{API}/sessions/{{id}}/complete", operation_id="completeSession",
          response_model=Envelope.of(SessionAnswer), responses=errors("CONFLICT"))
def complete(caller: UserCaller, id: str = SessionId) -> dict[str, Any]:
    return ok({"session": viewing.view(viewing.complete(caller.client_id, caller.user_id, id))})


@app.get(f"{API}/sessions/history", operation_id="listSessionHistory", response_model=Envelope.of(History))
def history(caller: UserCaller,
            page: int = Query(1, ge=1, le=viewing.MAX_HISTORY_PAGE,
                              description=f"Pages 1 to {viewing.MAX_HISTORY_PAGE} by number (each reads the "
                                          "pages before it); further on, follow `nextCursor`"),
            limit: int = Query(20, ge=1, le=100),
            cursor: str | None = Query(None, min_length=1, max_length=512, pattern=r"^[A-Za-z0-9_-]+$",
                                       description="`nextCursor` of the previous page, as given; it takes "
                                                   "precedence over `page`")) -> dict[str, Any]:
    return ok(viewing.history(caller.client_id, caller.user_id, page, limit, cursor))


@app.get(f"{API}/progress/summary", operation_id="getProgressSummary", response_model=Envelope.of(ProgressSummary),
         responses=errors("UNKNOWN_TIME_ZONE"))
def summary(caller: UserCaller, tz: str | None = Query(None, max_length=64)) -> dict[str, Any]:
    return ok(viewing.summary(caller.client_id, caller.user_id, tz))


handler = Mangum(app, lifespan="off")
