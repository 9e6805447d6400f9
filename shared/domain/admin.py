"""The admin API's rules: who may act on which client, and the audit log of every write.

Roles: a `platform_admin` acts on every client; a `client_admin` on its own client only, and another client's id
is answered as if it did not exist (404). The writes themselves are shared/domain/provisioning.py's and
partner_staff.py's, the same code the admin CLI runs.

Audit: each write of the admin API leaves one entry (who: user, client and role; what: the action, the target
and the fields sent, never a secret; when), in the client's partition (`keys.audit_entry`), listed by month
in GSI1 for platform admins. The entry is one more action of the transaction that makes the change
(`audited(...)` is handed to the domain write, which adds it given the record it writes): a change without its
entry, or an entry of a change that did not happen, cannot exist. Voucher codes are written in transactions of
at most VOUCHERS_PER_TRANSACTION codes, each with the entry naming its codes.
"""
from __future__ import annotations

import secrets
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import Action, RecordAction, get_repository
from shared.domain import partner_vouchers, provisioning, vouchers
from shared.errors import AppError

PLATFORM, CLIENT_ADMIN = "platform_admin", "client_admin"
ADMIN_ROLES = (PLATFORM, CLIENT_ADMIN)
VOUCHER_CHECKS = 4  # a voucher transaction's other actions: client, partner, counters, the audit entry
VOUCHERS_PER_TRANSACTION = 100 - VOUCHER_CHECKS  # DynamoDB takes at most 100 actions per transaction


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


def entry(actor: dict[str, str], action: str, client_id: str | None, target: str,
          details: dict[str, Any] | None = None) -> dict[str, Any]:
    """One audit entry as stored (pure but for the clock and its random id)."""
    at = clock.iso()
    entry_id = "aud_" + secrets.token_hex(8)
    return {**keys.audit_entry(client_id, at, entry_id), "id": entry_id, "at": at, "actor": actor,
            "action": action, "clientId": client_id, "target": target, "details": details or {},
            "GSI1PK": keys.audit_index(at[:7]), "GSI1SK": f"{at}#{entry_id}"}


def audited(actor: dict[str, str], action: str, client_id: str | None, details: dict[str, Any] | None = None,
            *, target: str = "id") -> RecordAction:
    """The audit entry's put for the transaction that writes a record: given the record, an action naming it
    (its `target` attribute, "id" by default) as the change's target."""
    def put(record: dict[str, Any]) -> Action:
        return Action.put(entry(actor, action, client_id, str(record[target]), details), "attribute_not_exists(PK)")

    return put


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
    client_id = client_id or provisioning.slug(name)
    client = provisioning.create_client(
        name, client_id=client_id, branding=branding, features=features, requires_voucher=requires_voucher,
        audit=audited(actor, "client.create", client_id,
                      {"name": name, "requiresVoucher": requires_voucher, "features": features or {}}))
    return client_view(client)


def create_vouchers(actor: dict[str, str], client_id: str, *, count: int, partner_id: str | None, prefix: str,
                    days: int) -> list[dict[str, Any]]:
    """`count` codes of the client (a partner's when `partner_id`), in transactions of at most
    VOUCHERS_PER_TRANSACTION codes, each with its own audit entry listing the codes it made."""
    expires_at = clock.iso(clock.now() + days * 86400)
    made: list[dict[str, Any]] = []
    while len(made) < count:
        codes = sorted({vouchers.new_code(prefix) for _ in range(min(VOUCHERS_PER_TRANSACTION, count - len(made)))})
        audit = Action.put(entry(actor, "vouchers.create", client_id, partner_id or client_id,
                                 {"count": len(codes), "partnerId": partner_id, "codes": codes}),
                           "attribute_not_exists(PK)")
        made += partner_vouchers.create_codes(client_id, partner_id, codes, expires_at=expires_at, also=[audit])
    return made
