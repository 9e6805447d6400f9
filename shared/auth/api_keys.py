"""API keys: random, prefixed, stored only as SHA-256 hashes (one GetItem resolves a key)."""
from __future__ import annotations

import hashlib
import secrets

CLIENT_PREFIX = "stv_live_"
UNIVERSAL_PREFIX = "stv_univ_"
_MAX_LENGTH = 128


def new_key(universal: bool = False) -> str:
    return (UNIVERSAL_PREFIX if universal else CLIENT_PREFIX) + secrets.token_urlsafe(30)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def looks_like_key(raw: str) -> bool:
    """Cheap shape check before touching the table: garbage never costs a read."""
    return (0 < len(raw) <= _MAX_LENGTH and raw.startswith((CLIENT_PREFIX, UNIVERSAL_PREFIX))
            and raw.isascii() and all(c.isalnum() or c in "_-" for c in raw))
