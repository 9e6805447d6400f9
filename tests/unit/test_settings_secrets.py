"""Where secrets come from: Secrets Manager whenever an ARN is set or the function is deployed (the environment is
then ignored), the environment only locally; and what a deployed stack refuses to start with."""
from __future__ import annotations

import json
from typing import Iterator

import pytest
from moto import mock_aws

from shared.settings import Settings, SettingsError, get_secret, reset_caches

ENV_KEY = "env-signing-key-0123456789abcdef0123456789abcdef"
STORED_KEY = "stored-signing-key-0123456789abcdef0123456789abcdef"


@pytest.fixture
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("JWT_SECRET_ARN", "LIVEKIT_SECRET_ARN", "HUME_SECRET_ARN", "AWS_LAMBDA_FUNCTION_NAME",
                 "AWS_SAM_LOCAL", "MAIL_OUTBOX"):
        monkeypatch.delenv(name, raising=False)
    reset_caches()
    yield monkeypatch
    monkeypatch.undo()
    reset_caches()


@pytest.fixture
def secrets_manager(clean_settings: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Secrets Manager (moto) holding the JWT and LiveKit secrets as the template creates them."""
    import botocore.session

    with mock_aws():
        client = botocore.session.get_session().create_client("secretsmanager", region_name="us-east-1")
        arns = {
            "jwt": client.create_secret(Name="jwt", SecretString=json.dumps({"jwtSigningKey": STORED_KEY}))["ARN"],
            "livekit": client.create_secret(Name="lk", SecretString=json.dumps(
                {"livekitApiKey": "stored-lk", "livekitApiSecret": "stored-lk-secret"}))["ARN"],
        }
        yield arns


def test_given_no_arn_locally_then_secrets_come_from_the_environment(clean_settings):
    clean_settings.setenv("JWT_SIGNING_KEY", ENV_KEY)
    assert get_secret("jwtSigningKey") == ENV_KEY


def test_given_the_signing_key_arn_then_the_stored_key_is_used_and_the_environment_ignored(secrets_manager,
                                                                                          clean_settings):
    clean_settings.setenv("JWT_SIGNING_KEY", ENV_KEY)  # e.g. left over in a function's configuration
    clean_settings.setenv("JWT_SECRET_ARN", secrets_manager["jwt"])
    assert get_secret("jwtSigningKey") == STORED_KEY


def test_given_only_the_signing_key_arn_then_livekit_secrets_in_the_environment_are_not_read(secrets_manager,
                                                                                            clean_settings):
    clean_settings.setenv("JWT_SECRET_ARN", secrets_manager["jwt"])
    clean_settings.setenv("LIVEKIT_API_SECRET", "env-livekit-secret")
    with pytest.raises(RuntimeError, match="livekitApiSecret is not configured"):
        get_secret("livekitApiSecret")


def test_given_each_secret_its_own_arn_then_each_name_is_read_from_its_own_secret(secrets_manager, clean_settings):
    clean_settings.setenv("JWT_SECRET_ARN", secrets_manager["jwt"])
    clean_settings.setenv("LIVEKIT_SECRET_ARN", secrets_manager["livekit"])
    assert get_secret("livekitApiKey") == "stored-lk"
    assert get_secret("livekitApiSecret") == "stored-lk-secret"
    assert get_secret("jwtSigningKey") == STORED_KEY


def test_given_a_deployed_function_without_an_arn_then_an_environment_secret_is_ignored(clean_settings):
    clean_settings.setenv("AWS_LAMBDA_FUNCTION_NAME", "stvos-content")
    clean_settings.setenv("JWT_SIGNING_KEY", ENV_KEY)
    with pytest.raises(RuntimeError, match="jwtSigningKey is not configured"):
        get_secret("jwtSigningKey")


def test_given_an_unknown_secret_name_then_it_is_refused(clean_settings):
    with pytest.raises(KeyError):
        get_secret("awsSecretAccessKey")


def test_given_mail_outbox_local_in_a_deployed_stack_then_the_function_refuses_to_start():
    deployed = {"AWS_LAMBDA_FUNCTION_NAME": "stvos-auth", "MAIL_OUTBOX": "local"}
    with pytest.raises(SettingsError, match="MAIL_OUTBOX=local"):
        Settings.from_env(deployed)
    with pytest.raises(SettingsError, match="MAIL_OUTBOX=local"):
        Settings.from_env({**deployed, "MAIL_OUTBOX": " Local "})


def test_given_mail_outbox_local_under_sam_local_or_the_local_api_then_it_is_allowed():
    assert Settings.from_env({"AWS_LAMBDA_FUNCTION_NAME": "AuthFunction", "AWS_SAM_LOCAL": "true",
                              "MAIL_OUTBOX": "local"}).deployed is False
    assert Settings.from_env({"MAIL_OUTBOX": "local"}).deployed is False


def test_given_the_readme_configuration_table_then_every_bounded_setting_shows_its_default_and_range():
    from pathlib import Path

    from shared.settings import _BOUNDS, _ENV

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration"):].split("\n## ", 1)[0]
    defaults = Settings()

    def shown(n: int) -> str:
        return f"{n:,}" if n >= 10_000 else str(n)

    for name, (low, high) in _BOUNDS.items():
        row = next((line for line in table.splitlines() if f"`{_ENV[name]}`" in line), "")
        assert f"`{_ENV[name]}` ({getattr(defaults, name)}, from {shown(low)} to {shown(high)})" in row, _ENV[name]
