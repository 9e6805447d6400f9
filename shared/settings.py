"""Settings read once from the environment and validated.

Secrets never live in the environment in AWS: there `SECRETS_ARN` names one Secrets Manager secret (a JSON
object) that is fetched on first use. Locally the same values come straight from the environment.

A frozen dataclass with its own checks rather than a pydantic model: the authorizer imports this module and
stands in front of every uncached request, and pydantic would add ~40 ms to its cold start.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from functools import lru_cache


class SettingsError(ValueError):
    pass


# name -> (environment variable, minimum, maximum) for the bounded integers
_BOUNDS = {
    "access_token_seconds": (60, 3600), "refresh_token_days": (1, 365), "api_key_cache_seconds": (0, 3600),
    "livekit_token_seconds": (60, 3600), "rate_per_minute": (1, 1_000_000), "rate_burst": (1, 1_000_000),
}
_ENV = {
    "environment": "ENVIRONMENT", "version": "APP_VERSION", "table_name": "TABLE_NAME",
    "dynamodb_endpoint": "DYNAMODB_ENDPOINT", "secrets_arn": "SECRETS_ARN", "jwt_issuer": "JWT_ISSUER",
    "jwt_audience": "JWT_AUDIENCE", "access_token_seconds": "ACCESS_TOKEN_SECONDS",
    "refresh_token_days": "REFRESH_TOKEN_DAYS", "api_key_cache_seconds": "API_KEY_CACHE_SECONDS",
    "livekit_url": "LIVEKIT_URL", "livekit_token_seconds": "LIVEKIT_TOKEN_SECONDS",
    "rate_per_minute": "RATE_LIMIT_PER_MINUTE", "rate_burst": "RATE_LIMIT_BURST",
    "rate_limits_enabled": "RATE_LIMITS_ENABLED",
}


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    version: str = "1.0.0"
    region: str = "us-east-1"
    table_name: str = "stvos"
    dynamodb_endpoint: str | None = None
    secrets_arn: str | None = None

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


# Secret names as they appear in the Secrets Manager JSON and, upper-cased, in the local environment.
SECRET_NAMES = ("jwtSigningKey", "livekitApiKey", "livekitApiSecret", "agentWorkerSecret", "humeApiKey", "humeSecretKey")


def _env_name(secret: str) -> str:
    return "".join("_" + c if c.isupper() else c.upper() for c in secret)  # jwtSigningKey -> JWT_SIGNING_KEY


@lru_cache(maxsize=1)
def _secret_bundle() -> dict[str, str]:
    settings = get_settings()
    if not settings.secrets_arn:
        return {}
    import botocore.session  # only in AWS, only once per container

    client = botocore.session.get_session().create_client("secretsmanager", region_name=settings.region)
    return json.loads(client.get_secret_value(SecretId=settings.secrets_arn)["SecretString"])


def get_secret(name: str) -> str:
    """A secret by name: the environment first (local), then the Secrets Manager bundle (AWS)."""
    if name not in SECRET_NAMES:
        raise KeyError(name)
    value = os.environ.get(_env_name(name)) or _secret_bundle().get(name)
    if not value:
        raise RuntimeError(f"secret {name} is not configured")
    return value


def reset_caches() -> None:
    """Forget settings and secrets (tests change the environment)."""
    get_settings.cache_clear()
    _secret_bundle.cache_clear()
