"""Onboarding before registration: a profile saved under a session id, coach recommendations and the chosen coach.

The session id is a bearer secret: whoever holds it can add answers, rank coaches, choose one and register with
the profile. An app that sends no `sessionId` gets one made by the server (192 random bits); an app may still
choose its own (the guide's `"unique-session-id"`), at the risk of its being guessed. Creating a session also
returns a `resumeToken` (192 random bits, stored only as its SHA-256) that reading the profile back
(`GET /onboarding/profile/{sessionId}`) requires in the `X-Resume-Token` header. Answers to a caller without it
show only the answers that caller sent in the same request, never the stored age, weight or height.
Lookups by id are throttled per source address: each takes a token from the address's probe bucket up front
(so concurrent guesses cannot all pass) and a hit gives it back; a miss is a security event.

The item lives at `keys.onboarding(client, sessionId)` with `profile` (a map of the fields below), an
optional `coachId`, `resumeTokenHash`, `createdAt`, `expiresAt` (ISO) and `ttl` (epoch seconds), both 24 hours
after creation and never moved by later merges. DynamoDB deletes expired items late, so every read checks `ttl`
itself; every write is conditional on the item being alive, so nothing revives a session that expired or that a
registration consumed (registration reads the item and deletes it in the user's transaction).

Cost: a save is one conditional UpdateItem (two writes when it creates the session), a read one strongly
consistent GetItem plus the probe bucket's UpdateItem (two when it gives the token back), a recommendation one
GetItem and one Query of the client's coaches, a selection one two-item transaction (both plus the probe bucket).
"""
from __future__ import annotations

import contextlib
import secrets
from typing import Annotated, Any, Iterator, Literal

from pydantic import Field, StringConstraints

from shared import clock, ratelimit
from shared.auth.principal import Caller
from shared.db import keys
from shared.db.repository import Action, ConditionFailed, TransactionFailed, get_repository
from shared.domain import coach_matching
from shared.domain.refresh_tokens import token_hash
from shared.errors import AppError, service_unavailable
from shared.logs import security_event

SESSION_SECONDS = 24 * 3600
SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{16,128}$"
PROFILE_FIELDS = ("name", "age", "gender", "height", "weight", "fitnessGoal", "fitnessLevel", "workoutsPerWeek")

FitnessGoal = Literal["weight_loss", "muscle_gain", "strength", "endurance", "flexibility", "general_fitness",
                      "stress_relief"]
FitnessLevel = Literal["beginner", "intermediate", "advanced"]
SESSION_ID_SECRET = ("A bearer secret: whoever holds it can add to this profile, rank coaches for it, choose one and "
                     "register with it. Keep it on the device that made it; never share it.")
SessionId = Annotated[str, StringConstraints(pattern=SESSION_ID_PATTERN), Field(description=SESSION_ID_SECRET)]
RESUME_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{32,128}$"
RESUME_TOKEN_HEADER = "X-Resume-Token"
PROBE_BURST = 10  # lookups of unknown session ids one address may make in a row...
PROBE_PER_MINUTE = 10  # ...then one more every 6 seconds


def session_not_found() -> AppError:
    return AppError("ONBOARDING_SESSION_NOT_FOUND", "No onboarding session with this id (unknown, expired or "
                                                    "already used by a registration)")


def check_agent_session(caller: Caller, session_id: str) -> None:
    """A voice agent's credential works on its own onboarding session only."""
    if caller.is_agent and caller.agent_session != session_id:
        raise AppError("FORBIDDEN", "The voice agent's credential is bound to another onboarding session")


def view(item: dict[str, Any], shown: set[str] | frozenset[str] | None = None) -> dict[str, Any]:
    """The session as answered; `shown` limits the profile to those fields, the others null (None: every field)."""
    stored = item.get("profile") or {}
    profile = {name: stored.get(name) if shown is None or name in shown else None for name in PROFILE_FIELDS}
    return {"sessionId": item["sessionId"], "profile": profile,
            "coachId": item.get("coachId"), "expiresAt": item["expiresAt"], "createdAt": item["createdAt"]}


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


def holds_resume_token(item: dict[str, Any], resume_token: str | None) -> bool:
    stored = str(item.get("resumeTokenHash") or "")
    return bool(stored and resume_token) and secrets.compare_digest(stored, token_hash(str(resume_token)))


def probe_scope(source_ip: str) -> str:
    return f"onboarding-probe#{source_ip}"


@contextlib.contextmanager
def probe_guard(client_id: str, source_ip: str) -> Iterator[None]:
    """Around a lookup by session id from `source_ip`: one probe token is taken up front (so that concurrent
    guesses cannot all pass) and given back when the session was found; a miss keeps it and is logged."""
    ratelimit.take(probe_scope(source_ip), PROBE_PER_MINUTE, PROBE_BURST)
    try:
        yield
    except AppError as error:
        if error.code == "ONBOARDING_SESSION_NOT_FOUND":
            security_event("onboarding_session_probe", clientId=client_id, sourceIp=source_ip)
        raise
    ratelimit.give_back(probe_scope(source_ip), PROBE_PER_MINUTE)


def resume(client_id: str, session_id: str, resume_token: str, source_ip: str) -> dict[str, Any]:
    """The live session for its creator: 404 ONBOARDING_SESSION_NOT_FOUND alike for an unknown, expired or
    consumed id and for a wrong resume token (an id's existence is not told to who lacks its token)."""
    with probe_guard(client_id, source_ip):
        item = get_session(client_id, session_id)
        if not holds_resume_token(item, resume_token):
            raise session_not_found()
    return item


def get_session(client_id: str, session_id: str) -> dict[str, Any]:
    """The live onboarding item, or 404 ONBOARDING_SESSION_NOT_FOUND (unknown, expired or consumed)."""
    item = get_repository().get(keys.onboarding(client_id, session_id), consistent=True)
    if not clock.alive(item):
        raise session_not_found()
    return item


def save_profile(client_id: str, session_id: str | None,
                 fields: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Merge `fields` into a live session, or start a new one (under a new id when `session_id` is None):
    (the stored item, the resume token when this call created the session, else None)."""
    if session_id is None:
        for _ in range(3):  # 192 random bits do not collide; an expired item may sit under the id all the same
            try:
                return _create(client_id, new_session_id(), fields)
            except ConditionFailed:
                continue
        raise service_unavailable(1)
    for _ in range(3):  # a concurrent create or expiry between the two conditional writes: try again
        try:
            return _merge(client_id, session_id, fields), None
        except ConditionFailed:
            pass
        try:
            return _create(client_id, session_id, fields)
        except ConditionFailed:
            continue
    raise service_unavailable(1)


def _merge(client_id: str, session_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    names: dict[str, str] = {"#ttl": "ttl"}
    values: dict[str, Any] = {":now": int(clock.now()), ":updated": clock.iso()}
    sets = ["updatedAt = :updated"]
    if fields:  # only the session id sent: a touch (DynamoDB refuses an expression name it does not use)
        names["#p"] = "profile"
    for index, (name, value) in enumerate(sorted(fields.items())):
        names[f"#f{index}"] = name
        values[f":v{index}"] = value
        sets.append(f"#p.#f{index} = :v{index}")
    return get_repository().update(keys.onboarding(client_id, session_id), "SET " + ", ".join(sets),
                                   condition="attribute_exists(PK) AND #ttl > :now", names=names, values=values)


def _create(client_id: str, session_id: str, fields: dict[str, Any]) -> tuple[dict[str, Any], str]:
    created = int(clock.now())
    expires = created + SESSION_SECONDS
    resume_token = secrets.token_urlsafe(24)
    item = {**keys.onboarding(client_id, session_id), "sessionId": session_id, "clientId": client_id,
            "profile": dict(fields), "resumeTokenHash": token_hash(resume_token), "createdAt": clock.iso(created),
            "updatedAt": clock.iso(created), "expiresAt": clock.iso(expires), "ttl": expires}
    get_repository().put(item, condition="attribute_not_exists(PK) OR #ttl <= :now", names={"#ttl": "ttl"},
                         values={":now": created})
    return item, resume_token


def list_coaches(client_id: str) -> list[dict[str, Any]]:
    """Every coach of the client's catalog: one Query (active or not; ranking filters)."""
    return get_repository().query(keys.catalog_pk(client_id), sk_prefix=keys.COACH_PREFIX)


def recommend(client_id: str, session_id: str, goal: str | None, level: str | None,
              source_ip: str) -> dict[str, Any]:
    """Active coaches of the client ranked for the stored profile; `goal`/`level` override it for this call."""
    with probe_guard(client_id, source_ip):
        profile = get_session(client_id, session_id).get("profile") or {}
    goal = goal or profile.get("fitnessGoal")
    level = level or profile.get("fitnessLevel")
    matches = coach_matching.rank(list_coaches(client_id), client_id, goal, level)
    return {"sessionId": session_id, "fitnessGoal": goal, "fitnessLevel": level,
            "coaches": [_coach_card(m) for m in matches]}


def _coach_card(match: coach_matching.Match) -> dict[str, Any]:
    coach = match.coach
    return {"id": coach["id"], "name": coach["name"], "image": coach.get("image"), "bio": coach.get("bio", ""),
            "specialties": coach.get("specialties") or [], "levels": coach.get("levels") or [],
            "rating": coach.get("rating"), "score": match.score, "scoreBreakdown": match.breakdown,
            "reasons": list(match.reasons)}


def select_coach(client_id: str, session_id: str, coach_id: int, source_ip: str) -> dict[str, Any]:
    """Save the chosen coach on a live session; the coach must be an active coach of the same client."""
    with probe_guard(client_id, source_ip):
        return _select_coach(client_id, session_id, coach_id)


def _select_coach(client_id: str, session_id: str, coach_id: int) -> dict[str, Any]:
    repo = get_repository()
    now = int(clock.now())
    try:
        repo.transact([
            Action.update(keys.onboarding(client_id, session_id), "SET coachId = :c, updatedAt = :u",
                          condition="attribute_exists(PK) AND #ttl > :now", names={"#ttl": "ttl"},
                          values={":c": coach_id, ":u": clock.iso(now), ":now": now}),
            Action.check(keys.coach(client_id, coach_id), "attribute_exists(PK) AND active = :yes",
                         values={":yes": True}),
        ])
    except TransactionFailed as failed:
        if failed.reasons[0] == "ConditionalCheckFailed":
            raise session_not_found() from None
        if failed.reasons[1] == "ConditionalCheckFailed":
            raise AppError("NOT_FOUND", "Coach not found", f"No active coach {coach_id} in this client") from None
        raise
    return get_session(client_id, session_id)
