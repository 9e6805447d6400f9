"""Partner staff: accounts, sign-in, refresh, logout and the profile.

Storage (shared/db/keys.py): the profile at `keys.partner_staff(client, partner, staff)` in the staff member's own
partition (GSI1 lists a partner's staff), the global email claim `keys.staff_email(email)` (staff sign in
without an API key, so a staff email is unique across clients), and the logins as refresh-token families in the
staff partition, rotated with reuse detection by shared/domain/refresh_tokens.py exactly as members' are.
Tokens carry the partner audience (shared/auth/partner_tokens.py).

Roles: `owner` (everything, staff included), `manager` (vouchers and reads), `viewer` (reads; member emails
are masked). Cost: login = failure bucket 1 RCU, claim 0.5, profile 0.5, partner 0.5, family PutItem 1 WCU;
refresh = family 1 RCU, profile 0.5, one conditional UpdateItem.
"""
from __future__ import annotations

import secrets
from typing import Any

from shared import clock, ratelimit
from shared.auth import partner_tokens, passwords, tokens
from shared.auth.revocation import deleted_record, revoke_access_tokens
from shared.db import keys
from shared.db.repository import Action, RecordAction, TransactionFailed, get_repository
from shared.domain import accounts, refresh_tokens
from shared.errors import AppError
from shared.logs import security_event
from shared.settings import get_settings

ROLES = partner_tokens.ROLES
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "owner": ("vouchers:read", "vouchers:write", "members:read", "members:email", "dashboard:read", "staff:manage"),
    "manager": ("vouchers:read", "vouchers:write", "members:read", "members:email", "dashboard:read"),
    "viewer": ("vouchers:read", "members:read", "dashboard:read"),
}


def new_staff_id() -> str:
    return "stf_" + secrets.token_hex(12)


def staff_view(staff: dict[str, Any]) -> dict[str, Any]:
    return {"id": staff["id"], "email": staff["email"], "name": staff.get("name"), "role": staff["role"],
            "partnerId": staff["partnerId"], "createdAt": staff.get("createdAt")}


def partner_view(partner: dict[str, Any]) -> dict[str, Any]:
    return {"id": partner["id"], "name": partner["name"], "clientId": partner["clientId"]}


def get_partner(client_id: str, partner_id: str) -> dict[str, Any]:
    partner = get_repository().get(keys.partner(client_id, partner_id))
    if partner is None:
        raise AppError("NOT_FOUND", "Partner not found")
    return partner


# --- accounts ------------------------------------------------------------------------------------------------
def create_staff(client_id: str, partner_id: str, email: str, password: str, *, name: str = "",
                 role: str = "viewer", audit: RecordAction | None = None) -> dict[str, Any]:
    """A staff account of an existing partner: profile and email claim (and the admin API's audit entry, given
    the account) in one transaction."""
    if role not in ROLES:
        raise AppError("VALIDATION_ERROR", f"role must be one of {', '.join(ROLES)}",
                       [{"field": "role", "reason": f"one of {', '.join(ROLES)}"}])
    email = accounts.normalize_email(email)
    if not accounts.is_valid_email(email):
        raise AppError("VALIDATION_ERROR", "Not a valid email address", [{"field": "email", "reason": "invalid"}])
    if not passwords.MIN_LENGTH <= len(password) <= passwords.MAX_LENGTH:
        raise AppError("VALIDATION_ERROR", f"The password needs {passwords.MIN_LENGTH} to "
                       f"{passwords.MAX_LENGTH} characters", [{"field": "password", "reason": "length"}])
    staff_id, now = new_staff_id(), clock.iso()
    staff = {**keys.partner_staff(client_id, partner_id, staff_id), "id": staff_id, "clientId": client_id,
             "partnerId": partner_id, "email": email, "name": name or None, "role": role, "status": "active",
             "passwordHash": passwords.hash_password(password), "createdAt": now,
             "GSI1PK": keys.partner_staff_index(client_id, partner_id), "GSI1SK": f"{now}#{staff_id}"}
    claim = {**keys.staff_email(email), "email": email, "clientId": client_id, "partnerId": partner_id,
             "staffId": staff_id, "createdAt": now}
    try:
        get_repository().transact([
            Action.check(keys.partner(client_id, partner_id), "attribute_exists(PK)"),
            Action.put(staff, "attribute_not_exists(PK)"),
            Action.put(claim, "attribute_not_exists(PK)"),
            *([audit(staff)] if audit else []),
        ])
    except TransactionFailed as failed:
        if failed.reasons[0] == "ConditionalCheckFailed":
            raise AppError("NOT_FOUND", f"No partner {partner_id} in client {client_id}") from None
        if failed.reasons[2] == "ConditionalCheckFailed":
            raise AppError("USER_EXISTS", "A partner staff account with this email already exists") from None
        raise AppError("CONFLICT", "Please try again") from None
    return staff


def list_staff(client_id: str, partner_id: str) -> list[dict[str, Any]]:
    items = get_repository().query(keys.partner_staff_index(client_id, partner_id), index="GSI1")
    return [staff_view(s) for s in items if s.get("status") == "active"]


def remove_staff(client_id: str, partner_id: str, staff_id: str,
                 audit: RecordAction | None = None) -> dict[str, Any]:
    """Delete the account and its email claim (with the admin API's audit entry, given the account, in the same
    transaction); its logins end and its access tokens stop at once."""
    repo = get_repository()
    staff = repo.get(keys.partner_staff(client_id, partner_id, staff_id), consistent=True)
    if staff is None:
        raise AppError("NOT_FOUND", "Staff member not found")
    repo.put(deleted_record(client_id, staff_id))
    refresh_tokens.revoke_families(keys.staff_pk(client_id, partner_id, staff_id))
    repo.transact([
        Action.delete(keys.partner_staff(client_id, partner_id, staff_id)),
        Action.delete(keys.staff_email(staff["email"]), "attribute_not_exists(PK) OR staffId = :sid",
                      values={":sid": staff_id}),
        *([audit(staff)] if audit else []),
    ])
    return {"deleted": True, "id": staff_id}


# --- sign-in ---------------------------------------------------------------------------------------------------
def _throttle_scope(staff: dict[str, Any]) -> str:
    return f"partner-login#{staff['id']}"  # its own failure bucket: a member of the same email is another account


def _mint(staff: dict[str, Any], family_id: str, role: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new partner pair: (answer, {"access": claims, "refresh": claims}), as refresh_tokens stores families."""
    settings = get_settings()
    who = (staff["id"], staff["clientId"], staff["partnerId"], role or staff["role"], family_id)
    refresh, refresh_claims = partner_tokens.issue(*who, typ="refresh",
                                                   ttl_seconds=settings.refresh_token_days * 86400)
    access, access_claims = partner_tokens.issue(*who)
    answer = {"accessToken": access, "refreshToken": refresh, "expiresIn": settings.access_token_seconds}
    return answer, {"access": access_claims, "refresh": refresh_claims}


def _start(staff: dict[str, Any]) -> dict[str, Any]:
    family_id = refresh_tokens.new_family_id()
    family_key = keys.staff_refresh_family(staff["clientId"], staff["partnerId"], staff["id"], family_id)
    return refresh_tokens.start_family(family_key, family_id, lambda: _mint(staff, family_id),
                                       userId=staff["id"], clientId=staff["clientId"], partnerId=staff["partnerId"])


def _active_staff(claim: dict[str, Any] | None) -> dict[str, Any] | None:
    if claim is None:
        return None
    staff = get_repository().get(keys.partner_staff(claim["clientId"], claim["partnerId"], claim["staffId"]))
    return staff if staff and staff.get("status") == "active" else None


def login(email: str, password: str) -> dict[str, Any]:
    """POST /partner-auth/login: `{staff, partner, accessToken, refreshToken, expiresIn}`. An unknown email
    and a wrong password answer alike, after the same hashing work. Failures count per staff account with the
    members' rule (shared/domain/accounts.py): each attempt reserves its token before argon2 runs, and a
    correct password gives it back."""
    email = accounts.normalize_email(email)
    staff = _active_staff(get_repository().get(keys.staff_email(email)))
    if staff is None:
        passwords.burn_time(password)
        raise AppError("INVALID_CREDENTIALS", "The email or password is not correct")
    scope = _throttle_scope(staff)
    wait = ratelimit.reserve(scope, accounts.LOGIN_PER_MINUTE, accounts.LOGIN_BURST)
    if wait:
        security_event("partner_login_locked", clientId=staff["clientId"], userId=staff["id"])
        raise AppError("RATE_LIMITED", "Too many failed sign-ins for this account", f"Retry after {wait} seconds",
                       headers={"Retry-After": str(wait)})
    if not passwords.verify(staff["passwordHash"], password):
        raise AppError("INVALID_CREDENTIALS", "The email or password is not correct")
    ratelimit.give_back(scope, accounts.LOGIN_PER_MINUTE)
    partner = get_partner(staff["clientId"], staff["partnerId"])
    return {"staff": staff_view(staff), "partner": partner_view(partner), **_start(staff)}


def _invalid_refresh(message: str = "The refresh token is not valid; sign in again") -> AppError:
    return AppError("INVALID_REFRESH_TOKEN", message)


def read_refresh_claims(token: str) -> dict[str, Any]:
    try:
        return partner_tokens.verify(token, typ="refresh")
    except tokens.TokenError as error:
        raise _invalid_refresh("The refresh token has expired; sign in again" if error.code == "TOKEN_EXPIRED"
                               else "The refresh token is not valid; sign in again") from None


def refresh(token: str) -> dict[str, Any]:
    """POST /partner-auth/refresh: a new pair; a retired token presented again ends its login."""
    claims = read_refresh_claims(token)
    client_id, partner_id, staff_id, family_id = claims["cid"], claims["pid"], claims["sub"], claims["fam"]
    family_key = keys.staff_refresh_family(client_id, partner_id, staff_id, family_id)
    holder: dict[str, Any] = {}

    def holder_role() -> str | None:
        staff = get_repository().get(keys.partner_staff(client_id, partner_id, staff_id))
        if not staff or staff.get("status") != "active":
            return None
        holder.update(staff)
        return str(staff["role"])

    return refresh_tokens.rotate_family(family_key, token, client_id, holder_role,
                                        lambda role: _mint(holder, family_id, role))


def logout(client_id: str, partner_id: str, staff_id: str, *, refresh_token: str | None, all_devices: bool,
           bearer_family: str | None) -> dict[str, Any]:
    """POST /partner-auth/logout: end this login (the refresh token sent, else the bearer's), or every login of
    the staff member with `allDevices` (their access tokens then stop at once)."""
    if all_devices:
        ended = refresh_tokens.revoke_families(keys.staff_pk(client_id, partner_id, staff_id))
        revoke_access_tokens(client_id, staff_id)
        return {"loggedOut": True, "allDevices": True, "endedLogins": ended}
    family = bearer_family or ""
    if refresh_token:
        claims = read_refresh_claims(refresh_token)
        if claims["sub"] != staff_id or claims["cid"] != client_id or claims["pid"] != partner_id:
            raise AppError("INVALID_REFRESH_TOKEN", "This refresh token belongs to another sign-in")
        family = str(claims["fam"])
    ended = refresh_tokens.end_family(keys.staff_refresh_family(client_id, partner_id, staff_id, family)) \
        if family else 0
    return {"loggedOut": True, "allDevices": False, "endedLogins": ended}


def bearer_family(authorization: str) -> str | None:
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        return str(partner_tokens.verify(token.strip())["fam"])
    except tokens.TokenError:
        return None


def me(client_id: str, partner_id: str, staff_id: str) -> dict[str, Any]:
    """GET /partner-auth/me: `{staff, partner, permissions}`."""
    staff = get_repository().get(keys.partner_staff(client_id, partner_id, staff_id))
    if staff is None or staff.get("status") != "active":
        raise AppError("UNAUTHORIZED", "This staff account no longer exists; sign in again")
    return {"staff": staff_view(staff), "partner": partner_view(get_partner(client_id, partner_id)),
            "permissions": list(PERMISSIONS[staff["role"]])}
