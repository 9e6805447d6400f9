"""What the OpenAPI document promises about request fields, checked against the validators that judge them.

The fuzzer takes the document at its word: a string that matches a documented pattern must be accepted. So
every string drawn from the email, display-text and multi-line-text patterns must pass the API's own rules, and
the strings those rules refuse must fall outside the patterns. Hypothesis draws the strings, with a fixed seed.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from local.loader import load_function
from local.openapi import LINKS, _json_schema_bounds
from local.template import ROOT
from shared.domain import accounts, text

EMAILS = st.from_regex(accounts.EMAIL_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 254)
NAME = TypeAdapter(accounts.Name)


def _requests_of(function: str):
    """A function's app module, whose request models are the ones its routes validate with."""
    return load_function(ROOT / "functions" / function, f"requests_of_{function}")


@seed(20261128)
@settings(max_examples=300, deadline=None, database=None)
@given(EMAILS)
def test_given_any_address_the_document_describes_then_the_api_takes_it(address):
    assert accounts.is_valid_email(accounts.normalize_email(address)), address


@pytest.mark.parametrize("address", ["jane@example.com", "Jane.Doe@Example.COM", "jane-1@bücher.de",
                                     "jane@xn--bcher-kva.de", "用户@例子.广告", "юля@пример.рф"])
def test_given_the_guides_and_international_addresses_then_the_document_describes_them(address):
    assert re.fullmatch(accounts.EMAIL_PATTERN, address)


@pytest.mark.parametrize("address", ["000", "jane@example", "jane@-example.com", "jane@example-.com",
                                     "two@ats@example.com", "ja ne@example.com", "jane@example.com\u200b",
                                     "\u0130stanbul@example.com", "j" * 65 + "@example.com"])
def test_given_an_address_the_api_refuses_or_may_refuse_then_the_document_does_not_describe_it(address):
    assert not re.fullmatch(accounts.EMAIL_PATTERN, address)


@seed(20261128)
@settings(max_examples=300, deadline=None, database=None)
@given(st.from_regex(text.DISPLAY_TEXT_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 100))
def test_given_any_display_text_the_document_describes_then_a_name_takes_it(value):
    assert NAME.validate_python(value) == value.strip()


@pytest.mark.parametrize("value", ["", "   ", "\u3000", "Ja\x00ne", "Ja\nne", "evil\u202egnp", "a\u2066b", "\x85"])
def test_given_text_a_name_refuses_then_the_document_does_not_describe_it(value):
    with pytest.raises(ValidationError):
        NAME.validate_python(value)
    assert not re.fullmatch(text.DISPLAY_TEXT_PATTERN, value)


@seed(20261128)
@settings(max_examples=300, deadline=None, database=None)
@given(st.from_regex(text.MULTILINE_TEXT_PATTERN, fullmatch=True))
def test_given_any_multiline_text_the_document_describes_then_the_voice_context_takes_it(value):
    assert text.multiline_text(value) == value


def test_given_a_constrained_union_then_the_document_spells_its_bounds_as_json_schema():
    schema = _requests_of("onboarding").ProfileFields.model_json_schema()["properties"]["height"]
    fixed = _json_schema_bounds(schema)
    member = fixed["anyOf"][0]
    assert (member["minimum"], member["maximum"]) == (100, 250) and "ge" not in member and "le" not in member


def test_given_a_property_named_like_a_bound_then_it_keeps_its_name():
    schema = {"properties": {"lt": {"type": "string"}}, "ge": 1}
    assert _json_schema_bounds(schema) == {"properties": {"lt": {"type": "string"}}, "minimum": 1}


def test_given_whole_floats_where_integers_are_documented_then_the_models_take_them_and_refuse_fractions():
    PutTrainerConfigs = _requests_of("voice").PutTrainerConfigs  # noqa: N806 - the route's model, by its name
    SaveProfile = _requests_of("onboarding").SaveProfile  # noqa: N806

    # Given: JSON Schema's integers, 28.0 included, as a Python client writes them
    profile = SaveProfile.model_validate({"sessionId": "s" * 16, "age": 28.0, "height": 170.5,
                                                     "workoutsPerWeek": 4.0})
    trainers = PutTrainerConfigs.model_validate({"trainers": [{"trainerId": 1.0, "configId": "x"}]})
    # Then: the integers they spell, and a fraction stays a fraction
    assert (profile.age, profile.workoutsPerWeek, profile.height) == (28, 4, 170.5) and type(profile.age) is int
    assert trainers.trainers[0].trainerId == 1 and type(trainers.trainers[0].trainerId) is int
    # And: 28.5, true and "28" are still not integers
    for wrong in (28.5, True, "28"):
        with pytest.raises(ValidationError):
            SaveProfile.model_validate({"sessionId": "s" * 16, "age": wrong})


def test_given_the_links_then_each_points_at_a_route_of_the_api():
    from local.template import documented_routes

    operations = {f"#/paths/{r.path.replace('/', '~1')}/{r.method.lower()}" for r in documented_routes()}
    for source, links in LINKS.items():
        assert source in {(r.method, r.path) for r in documented_routes()}, source
        for name, link in links.items():
            assert link["operationRef"] in operations, (source, name)
