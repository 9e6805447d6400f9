"""The pure text rules behind names, the voice context and email addresses (shared/domain/text.py)."""
from __future__ import annotations

import pytest

from shared.domain import accounts, text


@pytest.mark.parametrize("value", ["Jane Doe", "مرحبا بالعالم", "שלום", "Jane 🏋️‍♀️", "山田 太郎", "می\u200cخواهم",
                                   "<b>bold</b>", "Zoe\u0308", ""])
def test_given_printable_text_in_any_script_then_it_is_a_display_text_unchanged(value):
    assert text.display_text_problem(value) is None
    assert text.display_text(value) == value


@pytest.mark.parametrize("value, code_point", [("a\x00b", "U+0000"), ("a\nb", "U+000A"), ("a\tb", "U+0009"),
                                               ("\x1b[31m", "U+001B"), ("a\x7f", "U+007F"), ("a\x85", "U+0085"),
                                               ("evil\u202egnp", "U+202E"), ("a\u2066b", "U+2066")])
def test_given_control_or_bidi_override_characters_then_the_display_text_problem_names_the_character(value,
                                                                                                  code_point):
    problem = text.display_text_problem(value)
    assert problem is not None and code_point in problem
    with pytest.raises(ValueError):
        text.display_text(value)


def test_given_multiline_text_then_breaks_and_tabs_pass_but_other_controls_do_not():
    assert text.multiline_text("one\r\ntwo\tthree\n") == "one\r\ntwo\tthree\n"
    for bad in ("nul\x00", "esc\x1b", "bell\x07", "rtl\u202e"):
        with pytest.raises(ValueError):
            text.multiline_text(bad)


@pytest.mark.parametrize("value", ["jane@example.com", "用户@例子.广告", "😀@example.com", "jane@bücher.de"])
def test_given_visible_characters_then_they_may_be_in_an_email(value):
    assert text.email_text_problem(value) is None


@pytest.mark.parametrize("value", ["jane@example.com\u200b", "\ufeffjane@example.com", "ja\u00adne@example.com",
                                   "jane@exa\u202emple.com", "ja\u200dne@example.com", "jane@exam\u2028ple.com",
                                   "jane\ue000@example.com"])
def test_given_invisible_format_or_private_characters_then_they_may_not_be_in_an_email(value):
    assert text.email_text_problem(value) is not None
    assert accounts.is_valid_email(value) is False


def test_given_a_decomposed_address_then_it_normalizes_to_the_composed_one():
    assert accounts.normalize_email(" JU\u0308RGEN@Example.com ") == "j\u00fcrgen@example.com"
    assert accounts.normalize_email("j\u00fcrgen@example.com") == "j\u00fcrgen@example.com"


@pytest.mark.parametrize("value, valid", [("jane@-example.com", False), ("jane@example-.com", False),
                                          ("jane@ex-ample.com", True), ("jane@example.c-o", True),
                                          ("jane@sub.-example.com", False)])
def test_given_domain_labels_then_they_may_not_start_or_end_with_a_hyphen(value, valid):
    assert accounts.is_valid_email(value) is valid
