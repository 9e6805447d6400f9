"""Pure pieces of the shared core: the DynamoDB codec, keys, voucher codes, settings, envelopes."""
from __future__ import annotations

import math

import pytest

from shared.auth import api_keys
from shared.db import keys
from shared.db.repository import deserialize, serialize
from shared.domain import vouchers
from shared.errors import AppError, error_body
from shared.settings import Settings, SettingsError


def test_given_nested_python_values_when_round_tripped_through_dynamodb_json_then_unchanged():
    item = {"s": "x", "i": 42, "f": 0.1, "neg": -3, "b": True, "n": None, "l": [1, "a", {"k": 2.5}],
            "m": {"inner": {"deep": [False]}}}
    assert deserialize(serialize(item)) == item
    assert serialize({"f": 0.1})["f"] == {"N": "0.1"}


def test_given_an_unstorable_value_then_a_type_error_names_it():
    with pytest.raises(TypeError, match="object"):
        serialize({"x": object()})


def test_given_ids_then_keys_are_tenant_prefixed_and_sortable():
    assert keys.user("c1", "u1")["PK"].startswith("CLIENT#c1#")
    assert keys.klass("c1", 42)["SK"] == "CLASS#00000042"
    assert keys.klass("c1", 9)["SK"] < keys.klass("c1", 10)["SK"]
    assert keys.voucher("studio-abc")["PK"] == "VOUCHER#STUDIO-ABC"


def test_given_many_voucher_codes_then_unambiguous_and_unique():
    codes = {vouchers.new_code("STUDIO") for _ in range(2000)}
    assert len(codes) == 2000
    body_chars = {c for code in codes for c in code.split("-", 1)[1]}
    assert body_chars <= set(vouchers.ALPHABET) and not body_chars & set("01OIL")
    assert math.log2(len(vouchers.ALPHABET)) * vouchers.CODE_LENGTH >= 40


def test_given_api_keys_then_prefixed_random_and_only_hashes_compare():
    first, second = api_keys.new_key(), api_keys.new_key(universal=True)
    assert first.startswith("stv_live_") and second.startswith("stv_univ_") and first != second
    assert api_keys.looks_like_key(first) and not api_keys.looks_like_key("stv_live_a b")
    assert api_keys.hash_key(first) != first and len(api_keys.hash_key(first)) == 64


def test_given_bad_settings_then_startup_fails_loudly_naming_the_variable():
    with pytest.raises(SettingsError, match="RATE_LIMIT_BURST"):
        Settings.from_env({"RATE_LIMIT_BURST": "lots"})
    with pytest.raises(SettingsError, match="RATE_LIMITS_ENABLED"):
        Settings.from_env({"RATE_LIMITS_ENABLED": "maybe"})
    assert Settings.from_env({"RATE_LIMIT_BURST": "7"}).rate_burst == 7


def test_given_an_error_code_then_its_status_and_envelope():
    error = AppError("USER_EXISTS", "Email taken")
    assert error.status == 409
    assert error_body(error.code, error.message) == {"success": False, "error": "Email taken", "code": "USER_EXISTS",
                                                     "details": {}}
    assert AppError("RATE_LIMITED", "slow").status == 429
