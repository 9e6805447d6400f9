"""Settings read once from the environment and validated.

Secrets never live in the environment in AWS: there each function gets the ARNs of only the Secrets Manager
secrets it uses (`JWT_SECRET_ARN`, `LIVEKIT_SECRET_ARN`, `HUME_SECRET_ARN`; each a JSON object), fetched on
first use. Locally (no ARN set, not in a deployed Lambda) the same values come straight from the environment.

A frozen dataclass with its own checks rather than a pydantic model: the authorizer imports this module and
stands in front of every uncached request, and pydantic would add ~40 ms to its cold start.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Callable


class SettingsError(ValueError):
    pass


# name -> (environment variable, minimum, maximum) for the bounded integers
_BOUNDS = {
    "access_token_seconds": (60, 3600), "refresh_token_days": (1, 365), "api_key_cache_seconds": (0, 3600),
    "livekit_token_seconds": (60, 3600), "rate_per_minute": (1, 1_000_000), "rate_burst": (1, 1_000_000),
    "plan_model_timeout_seconds": (1, 25),
}
_ENV = {
    "environment": "ENVIRONMENT", "version": "APP_VERSION", "table_name": "TABLE_NAME",
    "dynamodb_endpoint": "DYNAMODB_ENDPOINT", "jwt_secret_arn": "JWT_SECRET_ARN",
    "livekit_secret_arn": "LIVEKIT_SECRET_ARN", "agent_secret_arn": "AGENT_SECRET_ARN",
    "hume_secret_arn": "HUME_SECRET_ARN", "video_secret_arn": "VIDEO_SECRET_ARN", "jwt_issuer": "JWT_ISSUER",
    "jwt_audience": "JWT_AUDIENCE", "access_token_seconds": "ACCESS_TOKEN_SECONDS",
    "refresh_token_days": "REFRESH_TOKEN_DAYS", "api_key_cache_seconds": "API_KEY_CACHE_SECONDS",
    "livekit_url": "LIVEKIT_URL", "livekit_token_seconds": "LIVEKIT_TOKEN_SECONDS",
    "rate_per_minute": "RATE_LIMIT_PER_MINUTE", "rate_burst": "RATE_LIMIT_BURST",
    "rate_limits_enabled": "RATE_LIMITS_ENABLED", "exports_bucket": "EXPORTS_BUCKET", "s3_endpoint": "S3_ENDPOINT",
    "plan_model_id": "PLAN_MODEL_ID", "bedrock_endpoint": "BEDROCK_ENDPOINT",
    "plan_model_timeout_seconds": "PLAN_MODEL_TIMEOUT_SECONDS",
}


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    version: str = "1.0.0"
    region: str = "us-east-1"
    table_name: str = "stvos"
    dynamodb_endpoint: str | None = None
    jwt_secret_arn: str | None = None
    livekit_secret_arn: str | None = None
    agent_secret_arn: str | None = None
    hume_secret_arn: str | None = None
    video_secret_arn: str | None = None
    deployed: bool = False  # running in a deployed Lambda (not the local API, not `sam local`)
    exports_bucket: str | None = None  # where export jobs write their CSV files (shared/domain/partner_exports.py)
    s3_endpoint: str | None = None  # locally: the embedded moto server, which speaks S3 too
    # The optional language-model engine for nutrition plans (shared/domain/planning/model_engine.py): off
    # without a model id; each client opts in (planEngine). The endpoint is for tests (a fake Bedrock).
    plan_model_id: str | None = None
    bedrock_endpoint: str | None = None
    plan_model_timeout_seconds: int = 8

    jwt_issuer: str = "https://api.studiostv.net"
    jwt_audience: str = "stvos-api"
    access_token_seconds: int = 900
    refresh_token_days: int = 30
    api_key_cache_seconds: int = 60

    livekit_url: str = "ws://127.0.0.1:7880"
    livekit_token_seconds: int = 600

    # Token buckets: requests per minute and burst (see shared/ratelimit.py).
    rate_per_minute: int = 100
    rate_burst: int = 20
    rate_limits_enabled: bool = True

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if region:
            values["region"] = region
        values["deployed"] = bool(env.get("AWS_LAMBDA_FUNCTION_NAME")) and env.get("AWS_SAM_LOCAL") != "true"
        if values["deployed"] and env.get("MAIL_OUTBOX", "").strip().lower() == "local":
            raise SettingsError("MAIL_OUTBOX=local keeps mail (reset links included) in the table: it is for "
                                "development only and refused in a deployed stack; unset it")
        types = {f.name: f.type for f in fields(cls)}
        for name, variable in _ENV.items():
            raw = env.get(variable)
            if raw is None or raw == "":
                continue
            if name in _BOUNDS:
                low, high = _BOUNDS[name]
                if not raw.strip().isdigit() or not low <= int(raw) <= high:
                    raise SettingsError(f"{variable} must be an integer from {low} to {high}, not {raw!r}")
                values[name] = int(raw)
            elif types[name] == "bool":
                if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise SettingsError(f"{variable} must be true or false, not {raw!r}")
                values[name] = raw.lower() in ("true", "1", "yes")
            else:
                values[name] = raw
        return cls(**values)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()


# Secret name (as in its Secrets Manager JSON document) -> the setting that holds that secret's ARN.
SECRET_ARN_OF = {
    "jwtSigningKey": "jwt_secret_arn",
    "livekitApiKey": "livekit_secret_arn", "livekitApiSecret": "livekit_secret_arn",
    "agentWorkerSecret": "agent_secret_arn",
    "humeApiKey": "hume_secret_arn", "humeSecretKey": "hume_secret_arn",
    "videoSigningKey": "video_secret_arn",
}
SECRET_NAMES = tuple(SECRET_ARN_OF)


def _env_name(secret: str) -> str:
    return "".join("_" + c if c.isupper() else c.upper() for c in secret)  # jwtSigningKey -> JWT_SIGNING_KEY


@lru_cache(maxsize=8)
def _secret_document(arn: str) -> dict[str, str]:
    import botocore.session  # only in AWS, only once per secret and container

    client = botocore.session.get_session().create_client("secretsmanager", region_name=get_settings().region)
    document = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    return {str(k): str(v) for k, v in document.items()} if isinstance(document, dict) else {}


# Set by the local API (local/iam.py), which emulates IAM: called with a secret's name before it is read from the
# environment, it refuses a secret that the current function's template does not grant. None in AWS.
local_secret_guard: Callable[[str], None] | None = None


def get_secret(name: str) -> str:
    """A secret by name. Where any secret ARN is set, or in a deployed Lambda, only from Secrets Manager (and
    only from the secret this function was given): a value in the environment is then ignored, so that no
    variable can override or leak a credential. Otherwise (the local API, tests) from the environment."""
    if name not in SECRET_ARN_OF:
        raise KeyError(name)
    settings = get_settings()
    arn = getattr(settings, SECRET_ARN_OF[name])
    from_aws = settings.deployed or any(getattr(settings, field) for field in set(SECRET_ARN_OF.values()))
    if from_aws:
        value = _secret_document(arn).get(name) if arn else None
    else:
        if local_secret_guard is not None:
            local_secret_guard(name)
        value = os.environ.get(_env_name(name))
    if not value:
        raise RuntimeError(f"secret {name} is not configured")
    return value


def reset_caches() -> None:
    """Forget settings and secrets (tests change the environment)."""
    get_settings.cache_clear()
    _secret_document.cache_clear()
