"""The one way secrets are stored: as the SHA-256 of their UTF-8 bytes, in hex (refresh tokens, reset tokens,
Idempotency-Keys). A digest can be looked up, never turned back into the secret."""
from __future__ import annotations

import hashlib


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
