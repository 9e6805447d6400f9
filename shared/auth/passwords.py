"""Password hashing: argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1) or stronger.

Hashes carry their own parameters, so raising them here takes effect at each member's next login:
`needs_rehash` tells the login to store a fresh hash. Passwords are never logged and never returned.
An unknown account is checked against a dummy hash made with the same parameters, so that a wrong
email costs the same time as a wrong password.
"""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM,
                         hash_len=32, salt_len=16, type=Type.ID)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str, password: str) -> bool:
    """True when `password` matches; never raises for a wrong password or a damaged hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (or is not argon2id at all)."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-for-timing-only")


def burn_time(password: str) -> None:
    """Spend what a real verification costs (unknown accounts), and learn nothing from it."""
    verify(_dummy_hash(), password)

