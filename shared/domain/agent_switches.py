"""A studio's switches of its voice agent's tools: every tool is on unless the studio (its client admin, or a
platform admin, through the admin API or CLI) switched it off. A tool switched off leaves the manifest, and a
call of it is refused with 403 TOOL_DISABLED (`details.tool`), so the agent can tell the member.

Stored as the client item's `agentTools` map of tool name -> on. A change sets only the entries that differ from
what it read (a nested path update: two admins switching different tools at once both keep their change), on
condition that each still is as read, so a repeated or concurrent identical request changes nothing a second time
and reports `changed: []`. Other containers see a change within the client cache's few seconds.
"""
from __future__ import annotations

from typing import Any

from shared.db import keys
from shared.db.repository import Action, ConditionFailed, RecordAction, TransactionFailed, get_repository
from shared.domain import clients
from shared.errors import AppError, invalid, not_found

# The tools of functions/agent/app.py (a test holds the two lists equal), in the manifest's order.
TOOL_NAMES = ("get_context", "get_daily_plan", "get_active_plans", "get_progress", "list_my_bookings",
              "find_trainer_slots", "recommend_classes", "prepare_booking", "prepare_cancellation",
              "prepare_class_join", "prepare_programme_change", "log_water", "log_meal", "log_workout", "confirm")
PREPARE_TOOLS = {"book": "prepare_booking", "cancel": "prepare_cancellation", "join_class": "prepare_class_join",
                 "programme_change": "prepare_programme_change"}  # a proposal's action -> its tool
LOG_TOOLS = {"water": "log_water", "meal": "log_meal", "workout": "log_workout"}  # a log's type -> its tool
ATTEMPTS = 3  # of a change, when another one lands between its read and its write


def switches(client: dict[str, Any] | None) -> dict[str, bool]:
    """Every tool and whether the studio has it on."""
    stored = (client or {}).get("agentTools") or {}
    return {name: bool(stored.get(name, True)) for name in TOOL_NAMES}


def require(client_id: str, *tools: str) -> None:
    """Refuse a call of a tool the studio switched off (each of `tools` must be on)."""
    found = switches(clients.get_client(client_id))
    for tool in tools:
        if not found[tool]:
            raise AppError("TOOL_DISABLED", f"The studio has switched off the voice agent's {tool} tool",
                           {"tool": tool})


def set_switches(client_id: str, changes: dict[str, bool], *, audit: RecordAction | None = None) -> dict[str, Any]:
    """Switch the named tools on or off: `{tools: {name: on}, changed: [names whose state changed]}`. With `audit`,
    the admin's audit entry of what changed joins the change's transaction (none when nothing changed)."""
    unknown = sorted(set(changes) - set(TOOL_NAMES))
    if unknown:
        raise invalid(f"tools.{unknown[0]}", f"not a tool; one of {', '.join(TOOL_NAMES)}")
    if not changes:
        raise invalid("tools", "name at least one tool")
    repo = get_repository()
    key = keys.client(client_id)
    try:
        repo.update(key, "SET agentTools = if_not_exists(agentTools, :none)", condition="attribute_exists(PK)",
                    values={":none": {}})
    except ConditionFailed:
        raise not_found("Client") from None
    for _ in range(ATTEMPTS):
        before = switches(repo.get(key, consistent=True))
        changed = [name for name in TOOL_NAMES if name in changes and before[name] != changes[name]]
        if not changed:
            break
        names = {f"#t{i}": name for i, name in enumerate(changed)}
        values = {f":v{i}": changes[name] for i, name in enumerate(changed)}
        # each tool still as read (an unset one is on): a concurrent identical switch leaves this one nothing
        still = [f"agentTools.#t{i} <> :v{i}" if changes[name] else
                 f"(attribute_not_exists(agentTools.#t{i}) OR agentTools.#t{i} <> :v{i})"
                 for i, name in enumerate(changed)]
        update = Action.update(key, "SET " + ", ".join(f"agentTools.#t{i} = :v{i}" for i in range(len(changed))),
                               " AND ".join(["attribute_exists(PK)", *still]), names=names, values=values)
        try:
            repo.transact([update, *([audit({"id": client_id, "changed": changed})] if audit else [])])
            break
        except TransactionFailed:
            continue  # changed meanwhile: read again
    else:
        raise AppError("CONFLICT", "The switches changed meanwhile; try again")
    clients.forget_cached_clients()
    return {"tools": {**before, **changes}, "changed": changed}
