"""The member's own days: their time zone (settings.timeZone, else the studio's, else UTC), today there, and
the local date of an instant. Daily plans, progress logs, streaks and dashboards all count days this way."""
from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from shared import clock
from shared.domain.viewing import parse_tz
from shared.errors import invalid


def zone_name(user: dict[str, Any] | None, client: dict[str, Any] | None) -> str:
    return str(((user or {}).get("settings") or {}).get("timeZone") or (client or {}).get("timeZone") or "UTC")


def zone(name: str) -> tzinfo:
    return parse_tz(name)


def today(tz: tzinfo) -> date:
    return datetime.fromtimestamp(clock.now(), tz).date()


def local_date(instant: str, tz: tzinfo, field: str = "completedAt") -> date:
    try:
        return datetime.fromtimestamp(clock.parse_iso(instant), tz).date()
    except (ValueError, OverflowError, OSError):
        raise invalid(field, "an ISO-8601 UTC instant such as 2026-03-02T08:15:00Z") from None


# A calendar date as the API takes it (years 2000-2099: arithmetic on a plan's weeks never leaves the calendar).
DATE_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
INSTANT_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(field, "a date as YYYY-MM-DD") from None
