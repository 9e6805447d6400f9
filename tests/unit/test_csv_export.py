"""CSV exports: RFC 4180 quoting, formula injection neutralised, UTF-8 with a header row."""
from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.csv_export import attachment_headers, render, safe_cell


def _parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_given_cells_that_a_spreadsheet_would_run_then_each_is_written_as_text():
    # Given: the classic payloads of CSV injection, in every position
    payloads = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rx", "\x00y"]
    # When
    rows = _parse(render(["value"], [[p] for p in payloads]))
    # Then: each starts with a quote mark and keeps its text after it
    assert [row[0] for row in rows[1:]] == ["'" + p for p in payloads]


def test_given_commas_quotes_and_line_breaks_then_fields_are_quoted_and_rows_end_with_crlf():
    text = render(["name", "note"], [["Smith, Jo", 'said "hi"'], ["line\nbreak", "ok"]])
    assert text.startswith("name,note\r\n")
    assert '"Smith, Jo","said ""hi"""\r\n' in text
    assert _parse(text) == [["name", "note"], ["Smith, Jo", 'said "hi"'], ["line\nbreak", "ok"]]


def test_given_numbers_none_and_booleans_then_numbers_stay_numbers_even_when_negative():
    assert [safe_cell(v) for v in (-3, 2.5, None, True, False)] == [-3, 2.5, "", "true", "false"]
    assert _parse(render(["n"], [[-3]]))[1] == ["-3"]


def test_given_unicode_then_it_survives_as_utf8():
    text = render(["name"], [["Zoë Ñandú 李雷"]])
    assert _parse(text.encode("utf-8").decode("utf-8"))[1] == ["Zoë Ñandú 李雷"]


def test_given_a_filename_with_quotes_or_paths_then_the_disposition_keeps_only_safe_characters():
    assert attachment_headers('../x".csv') == {"Content-Disposition": 'attachment; filename="..x.csv"'}


@settings(max_examples=300, database=None, deadline=None)  # a busy machine is no failure
@given(st.lists(st.lists(st.text(max_size=20), min_size=3, max_size=3), max_size=8))
def test_given_any_text_then_parsing_the_export_gives_it_back_with_only_formula_cells_prefixed(rows):
    parsed = _parse(render(["a", "b", "c"], rows))
    assert parsed[0] == ["a", "b", "c"] and len(parsed) == len(rows) + 1
    for written, original in zip(parsed[1:], rows):
        for cell, value in zip(written, original):
            danger = value.startswith(("=", "+", "-", "@", "\t", "\r", "\x00"))
            assert cell == ("'" + value if danger else value)
