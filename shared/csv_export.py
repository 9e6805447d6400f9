"""CSV exports, the one way: RFC 4180 text that a spreadsheet cannot be tricked into running.

- RFC 4180: CRLF line ends, a header row, fields quoted with `"` when they hold a comma, a quote, CR or LF,
  and quotes inside doubled (the csv module's `QUOTE_MINIMAL` with the `excel` dialect does exactly this).
- Formula injection (CWE-1236, OWASP's CSV injection): a cell that starts with `=`, `+`, `-`, `@`, a tab, a CR
  or NUL is read by Excel, LibreOffice and Sheets as a formula. Such a cell gets a leading `'`, which the
  spreadsheet shows as text. Numbers written by us (ints, floats) are not text and are left alone, so a
  negative count stays a number.
- UTF-8 without a byte-order mark, `text/csv; charset=utf-8; header=present` (RFC 7111's parameter).
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence

MEDIA_TYPE = "text/csv; charset=utf-8; header=present"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")


def safe_cell(value: Any) -> str | int | float:
    """One cell as written: None is empty, booleans are true/false, text that a spreadsheet would evaluate
    is prefixed with `'`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def render(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole document: the header row, then one row per record."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def attachment_headers(filename: str) -> dict[str, str]:
    """`Content-Disposition` for a download; the name is ours (ASCII letters, digits, dots and dashes)."""
    safe = "".join(c for c in filename if c.isascii() and (c.isalnum() or c in ".-_")) or "export.csv"
    return {"Content-Disposition": f'attachment; filename="{safe}"'}
