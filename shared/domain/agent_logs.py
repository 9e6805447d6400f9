"""The voice agent's logs of water, meals and workouts: no proposal (low risk, and the member hears what was
logged), but deduplicated. A voice agent re-runs a tool after an interruption with a new call id, so neither
Idempotency-Key nor a clientLogId catches the re-run: the same content (type, local date and fields) for the
same member within DEDUPE_SECONDS answers the first log with `deduplicated: true` (shared/domain/progress.py
claims the content in the log's own transaction).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from shared.domain import progress
from shared.domain.agent_tools import spoken_date

DEDUPE_SECONDS = 120
PROGRESS_TYPES = {"water": "water", "meal": "nutrition", "workout": "workout"}


def log(client_id: str, user_id: str, kind: str, fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """({logId, type, date, deduplicated, day, say}, created)."""
    found, created = progress.add_log(client_id, user_id, PROGRESS_TYPES[kind],
                                      {k: v for k, v in fields.items() if v is not None},
                                      dedupe_seconds=DEDUPE_SECONDS)
    entry, day = found["log"], found["day"]
    on = spoken_date(date.fromisoformat(entry["date"]))
    if kind == "water":
        said = (f"Logged {entry['amountMl']:,} ml of water: {day['totalMl']:,} ml on {on}, "
                f"of your {day['goalMl']:,} ml goal.")
    elif kind == "meal":
        target = f" of your {day['targetCalories']:,}" if day.get("targetCalories") else ""
        said = (f"Logged {entry['name']} for {entry['mealType']}, {entry['calories']:,} kcal: "
                f"{day['calories']:,} kcal{target} on {on}.")
    else:
        said = (f"Logged {entry['name']}, {entry['durationMinutes']} minutes: {day['workoutsLogged']} "
                f"workout{'s' if day['workoutsLogged'] != 1 else ''} on {on}.")
    if found["deduplicated"]:
        said = f"That was already logged a moment ago, so once only. {said}"
    return {"logId": entry["id"], "type": kind, "date": entry["date"], "deduplicated": found["deduplicated"],
            "day": {k: day[k] for k in ("totalMl", "goalMl", "calories", "targetCalories", "workoutsLogged",
                                        "workoutMinutes")},
            "say": said}, created
