"""What free text a member may send: the pure checks behind the request models' string fields.

- Display text (names, gender): one line of printable text. Control characters (NUL, CR, LF, TAB, ESC...)
  and the explicit bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069, which can make a
  name read backwards in every list that shows it) are refused. Right-to-left scripts, emoji and their
  joiners (U+200D) are text like any other and are kept exactly as sent.
- Multi-line text (the voice agent's context): the same, but tab and line breaks are allowed.
- Email addresses: no invisible or format characters at all (Unicode category Cf: zero-width spaces, the
  byte-order mark, bidi controls), so that `jane@example.com` and `jane@example.com` + U+200B can never be
  two accounts, and compared in Unicode NFC so that a composed and a decomposed `ü` are one address.
"""
from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\t\n\r")


def _control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def display_text_problem(value: str) -> str | None:
    """Why `value` cannot be a one-line display text, or None when it can."""
    for char in value:
        if _control(char):
            return f"must not contain control characters (found U+{ord(char):04X})"
        if char in BIDI_CONTROLS:
            return f"must not contain bidirectional override characters (found U+{ord(char):04X})"
    return None


def multiline_text_problem(value: str) -> str | None:
    """Why `value` cannot be free multi-line text, or None when it can (tab, CR and LF are allowed)."""
    return display_text_problem("".join(" " if char in LINE_BREAKS else char for char in value))


def email_text_problem(value: str) -> str | None:
    """Why `value` cannot be part of an email address for its characters alone, or None."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs"):
            return f"must not contain invisible or control characters (found U+{ord(char):04X})"
    return None


# The same rules as JSON Schema patterns, for the OpenAPI document only (the functions here stay the judges).
# Both spellings (Python's `re` and ECMA-262) read these classes alike: the ranges are written out, no `\s`.
_REFUSED = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"  # control characters, bidi overrides and isolates
_SPACE = r"\t-\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # what str.strip() removes
DISPLAY_TEXT_PATTERN = f"^[^{_REFUSED}]*[^{_SPACE}{_REFUSED}][^{_REFUSED}]*$"  # and something left once stripped
MULTILINE_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def display_text(value: str) -> str:
    """A pydantic AfterValidator: the value unchanged, or a ValueError naming the problem."""
    problem = display_text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def multiline_text(value: str) -> str:
    problem = multiline_text_problem(value)
    if problem:
        raise ValueError(problem)
    return value
