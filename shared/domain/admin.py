"""The admin API's rules: who may act on which client, and the audit log of every write.

Roles: a `platform_admin` acts on every client; a `client_admin` on its own client only, and another client's id
is answered as if it did not exist (404). The writes themselves are shared/domain/provisioning.py's and
partner_staff.py's, the same code the admin CLI runs.

Audit: each write of the admin API leaves one entry (who: user, client and role; what: the action, the target
and the fields sent, never a secret; when), in the client's partition (`keys.audit_entry`), listed by month
in GSI1 for platform admins. An entry is written after the write it records succeeded; a write whose entry
could not be written answers 503 and says so, and the write stands (each is safe to repeat or undo).
"""
from __future__ import annotations

import secrets
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import provisioning
from shared.errors import AppError

PLATFORM, CLIENT_ADMIN = "platform_admin", "client_admin"
ADMIN_ROLES = (PLATFORM, CLIENT_ADMIN)


def may_act_on(role: str, own_client: str, client_id: str) -> bool:
    """Pure rule: a platform admin acts on any client, a client admin on its own."""
    return role == PLATFORM or (role == CLIENT_ADMIN and own_client == client_id)


def scoped_client(role: str, own_client: str, client_id: str) -> dict[str, Any]:
    """The client a route names, if the caller may act on it: another client's is 404, like a missing one."""
    if not may_act_on(role, own_client, client_id):
        raise AppError("NOT_FOUND", f"No client {client_id}")
    client = get_repository().get(keys.client(client_id))
    if client is None:
        raise AppError("NOT_FOUND", f"No client {client_id}")
    return client


def require_platform(role: str) -> None:
    if role != PLATFORM:
        raise AppError("FORBIDDEN", "Only a platform admin may do this")


def record(actor: dict[str, str], action: str, client_id: str | None, target: str,
           details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write one audit entry and return it."""
    at = clock.iso()
    entry_id = "aud_" + secrets.token_hex(8)
    entry = {**keys.audit_entry(client_id, at, entry_id), "id": entry_id, "at": at, "actor": actor,
             "action": action, "clientId": client_id, "target": target, "details": details or {},
             "GSI1PK": keys.audit_index(at[:7]), "GSI1SK": f"{at}#{entry_id}"}
    get_repository().put(entry, condition="attribute_not_exists(PK)")
    return entry


def audit_view(entry: dict[str, Any]) -> dict[str, Any]:
    return {name: entry.get(name) for name in ("id", "at", "actor", "action", "clientId", "target", "details")}


def audit_log(*, month: str | None = None, client_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """GET /admin/audit: newest first; one client's entries, or every entry of a month (default: this one)."""
    repo = get_repository()
    if client_id:
        pk = keys.audit_entry(client_id, "", "")["PK"]
        items = repo.query(pk, forward=False, limit=limit)
    else:
        items = repo.query(keys.audit_index(month or clock.iso()[:7]), index="GSI1", forward=False, limit=limit)
    return [audit_view(item) for item in items]


def client_row(client: dict[str, Any]) -> dict[str, Any]:
    return {"id": client["id"], "name": client["name"], "status": client.get("status", "active"),
            "requiresVoucher": bool(client.get("requiresVoucher")), "createdAt": client.get("createdAt")}


def client_view(client: dict[str, Any]) -> dict[str, Any]:
    return {**client_row(client), "branding": client.get("branding") or {}, "features": client.get("features") or {}}


def create_client(actor: dict[str, str], name: str, *, client_id: str | None, branding: dict[str, str] | None,
                  features: dict[str, bool] | None, requires_voucher: bool) -> dict[str, Any]:
    client = provisioning.create_client(name, client_id=client_id or provisioning.slug(name), branding=branding,
                                        features=features, requires_voucher=requires_voucher)
    record(actor, "client.create", client["id"], client["id"],
           {"name": name, "requiresVoucher": requires_voucher, "features": features or {}})
    return client_view(client)
