"""Opaque cursors for lists read in key order: where the next page starts, encoded so that clients pass it
back untouched (`?cursor=...`) and never build one.

A cursor is base64url (no padding) of a small JSON object. It is validated, not signed: it only names a
position inside the caller's own partition, which the route's Query is bound to by the authorizer's
context, so a forged cursor can at most skip or repeat the caller's own items. Anything that does not decode
to the expected shape is a 400 VALIDATION_ERROR naming the parameter.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Callable

from shared.errors import invalid

MAX_CURSOR_CHARS = 512
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def encode(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str, valid: Callable[[dict[str, Any]], bool], field: str = "cursor") -> dict[str, Any]:
    """The position in `text`, if it decodes to a JSON object that `valid` accepts; else a 400 naming `field`."""
    try:
        if len(text) > MAX_CURSOR_CHARS or not _BASE64URL.fullmatch(text):
            raise ValueError
        position = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(position, dict) or not valid(position):
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid(field, "not a cursor this list gave out; pass nextCursor back as it is") from None
    return position
