"""SnapStart hooks: registered only under SnapStart, warm the DynamoDB client before the snapshot, renew the
random state after a restore; the template's switch is off by default."""
from __future__ import annotations

import random
import sys
import types

from local.template import load_template
from shared import snapstart


def test_given_the_template_then_snapstart_is_a_parameter_off_by_default_applied_to_published_versions():
    template = load_template()
    assert template["Parameters"]["EnableSnapStart"]["Default"] == "false"
    function = template["Globals"]["Function"]
    assert function["AutoPublishAlias"] == "live"
    assert function["SnapStart"]["ApplyOn"] == {"Fn::If": ["SnapStartOn", "PublishedVersions", "None"]}


def test_given_no_snapstart_then_no_hook_is_registered(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    assert snapstart.prepare() is False


def test_given_snapstart_then_the_hooks_are_registered_and_do_their_work(monkeypatch):
    # Given the Lambda runtime's hook module (stood in for: it exists only inside Lambda)
    registered = {}
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_before_snapshot = lambda hook: registered.setdefault("before", hook)
    runtime.register_after_restore = lambda hook: registered.setdefault("after", hook)
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    # When the app factory prepares a function
    assert snapstart.prepare() is True
    # Then before the snapshot the DynamoDB client exists with its operation models loaded
    registered["before"]()
    from shared.db.repository import get_repository

    assert get_repository.cache_info().currsize == 1
    # And after a restore two containers from one snapshot draw different random numbers
    state = random.getstate()
    registered["after"]()
    first = random.random()
    random.setstate(state)
    registered["after"]()
    assert random.random() != first
