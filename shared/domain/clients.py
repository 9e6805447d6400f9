"""Clients (tenants): their branding, features and registration rules, and the platform default."""
from __future__ import annotations

from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.errors import AppError

FEATURES = ("classes", "live_classes", "workout_builder", "nutrition", "coach_connect", "ai_coach")

DEFAULT_BRANDING: dict[str, str] = {
    "appName": "sTvOS", "logoUrl": "https://cdn.studiostv.net/brand/stvos-logo.png",
    "primaryColor": "#1E3A5F", "secondaryColor": "#DBEAFE", "accentColor": "#60A5FA",
    "fontFamily": "Inter, system-ui, sans-serif",
}
DEFAULT_FEATURES: dict[str, bool] = {name: name in ("classes", "live_classes", "ai_coach") for name in FEATURES}

CACHE_SECONDS = 30  # a client's profile may be this stale in a warm function
_cache: dict[str, tuple[float, dict[str, Any] | None]] = {}


def get_client(client_id: str) -> dict[str, Any] | None:
    """The client's profile item, or None; kept in memory for CACHE_SECONDS."""
    if not client_id:
        return None
    hit = _cache.get(client_id)
    if hit and hit[0] > clock.now():
        return hit[1]
    item = get_repository().get(keys.client(client_id))
    if item and item.get("status", "active") != "active":
        item = None
    _cache[client_id] = (clock.now() + CACHE_SECONDS, item)
    return item


def forget_cached_clients() -> None:
    _cache.clear()


def default_client_id() -> str:
    settings = get_repository().get(keys.platform_settings()) or {}
    return str(settings.get("defaultClientId") or "")


def branding(client: dict[str, Any] | None) -> dict[str, Any]:
    return {**DEFAULT_BRANDING, **((client or {}).get("branding") or {})}


def features(client: dict[str, Any] | None) -> dict[str, bool]:
    stored = (client or {}).get("features") or {}
    return {name: bool(stored.get(name, DEFAULT_FEATURES[name])) for name in FEATURES}


def require_feature(client_id: str, name: str) -> dict[str, Any] | None:
    """The client, when `name` is enabled for it; else 403 FEATURE_DISABLED."""
    client = get_client(client_id)
    if not features(client)[name]:
        raise AppError("FEATURE_DISABLED", f"The {name} feature is not enabled for this app", {"feature": name})
    return client


def summary(client: dict[str, Any]) -> dict[str, Any]:
    """`{id, name, branding}`: how a client appears inside other answers (login, vouchers)."""
    return {"id": client["id"], "name": client["name"], "branding": branding(client)}


def app_config(client: dict[str, Any] | None) -> dict[str, Any]:
    """GET /app/config for a client, or the platform default when `client` is None."""
    feature_flags = features(client)
    requires_voucher = bool((client or {}).get("requiresVoucher", False))
    open_registration = bool((client or {}).get("openRegistration", not requires_voucher))
    return {
        "client": {"id": client["id"], "name": client["name"]} if client else {"id": None, "name": "sTvOS"},
        "branding": branding(client),
        "features": feature_flags,
        "enabledFeatures": [name for name in FEATURES if feature_flags[name]],
        "requiresVoucher": requires_voucher,
        "registration": {"requiresVoucher": requires_voucher, "openRegistration": open_registration},
    }
