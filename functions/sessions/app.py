"""Viewing sessions: start, heartbeats, completion, history, and the progress summary."""
# No `from __future__ import annotations`: the body models must resolve when this file is loaded by path.

from typing import Any, Literal

from fastapi import Path, Query
from mangum import Mangum
from pydantic import Field

from shared.domain import viewing
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import UserCaller

app = create_app("sessions")

SessionId = Path(min_length=1, max_length=64)


class StartBody(ApiModel):
    classId: int = Field(ge=1)
    deviceType: Literal["mobile", "tablet", "tv", "web"]


class ProgressBody(ApiModel):
    progressSeconds: float = Field(ge=0, le=86_400)
    totalDurationSeconds: float = Field(gt=0, le=86_400)


@app.post(f"{API}/sessions/start", status_code=201, responses=errors("NOT_FOUND"))
def start(body: StartBody, caller: UserCaller) -> dict[str, Any]:
    session = viewing.start(caller.client_id, caller.user_id, body.classId, body.deviceType)
    return ok({"session": viewing.view(session)})


@app.post(f"{API}/sessions/{{id}}/progress", responses=errors("CONFLICT"))
def progress(body: ProgressBody, caller: UserCaller, id: str = SessionId) -> dict[str, Any]:
    session = viewing.heartbeat(caller.client_id, caller.user_id, id, body.progressSeconds,
                                body.totalDurationSeconds)
    return ok({"session": viewing.view(session)})


@app.post(f"{API}/sessions/{{id}}/complete", responses=errors("CONFLICT"))
def complete(caller: UserCaller, id: str = SessionId) -> dict[str, Any]:
    return ok({"session": viewing.view(viewing.complete(caller.client_id, caller.user_id, id))})


@app.get(f"{API}/sessions/history")
def history(caller: UserCaller, page: int = Query(1, ge=1, le=10_000),
            limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    return ok(viewing.history(caller.client_id, caller.user_id, page, limit))


@app.get(f"{API}/progress/summary")
def summary(caller: UserCaller, tz: str | None = Query(None, max_length=64)) -> dict[str, Any]:
    return ok(viewing.summary(caller.client_id, caller.user_id, tz))


handler = Mangum(app, lifespan="off")
