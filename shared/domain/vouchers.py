"""Voucher codes: generation, lookup and their state as a member's app sees it."""
from __future__ import annotations

import secrets
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import get_repository

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read aloud and typed by hand
CODE_LENGTH = 10  # 31^10 ~ 2^49.5: at least 40 bits of randomness
CODE_PATTERN = r"^[A-Za-z0-9-]{1,64}$"  # what is_well_formed accepts, for documents and path parameters


def new_code(prefix: str = "") -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{prefix.upper().rstrip('-')}-{body}" if prefix else body


def normalize(code: str) -> str:
    return code.strip().upper()


def is_well_formed(code: str) -> bool:
    return 0 < len(code) <= 64 and all(c.isalnum() or c == "-" for c in code) and code.isascii()


def get_voucher(code: str) -> dict[str, Any] | None:
    code = normalize(code)
    if not is_well_formed(code):
        return None
    return get_repository().get(keys.voucher(code))


def state(voucher: dict[str, Any] | None) -> tuple[bool, str | None]:
    """(valid, reason) with reason one of not_found, expired, redeemed, revoked."""
    if voucher is None:
        return False, "not_found"
    status = voucher.get("status", "active")
    if status == "revoked":
        return False, "revoked"
    if status == "redeemed" or int(voucher.get("redemptions", 0)) >= int(voucher.get("maxRedemptions", 1)):
        return False, "redeemed"
    expires = voucher.get("expiresAt")
    if expires and clock.parse_iso(expires) <= clock.now():
        return False, "expired"
    return True, None


def public_view(voucher: dict[str, Any]) -> dict[str, Any]:
    valid, reason = state(voucher)
    status = "active" if valid else reason
    return {"code": voucher["code"], "status": status, "expiresAt": voucher.get("expiresAt")}
