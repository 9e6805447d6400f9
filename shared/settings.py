"""Settings read once from the environment and validated.

Secrets never live in the environment in AWS: there `SECRETS_ARN` names one Secrets Manager secret (a JSON
object) that is fetched on first use. Locally the same values come straight from the environment.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    environment: str = "development"
    version: str = "1.0.0"
    region: str = "us-east-1"
    table_name: str = "stvos"
    dynamodb_endpoint: str | None = None
    secrets_arn: str | None = None

    jwt_issuer: str = "https://api.studiostv.net"
    jwt_audience: str = "stvos-api"
    access_token_seconds: int = Field(900, ge=60, le=3600)
    refresh_token_days: int = Field(30, ge=1, le=365)
    api_key_cache_seconds: int = Field(60, ge=0, le=3600)

    livekit_url: str = "ws://127.0.0.1:7880"
    livekit_token_seconds: int = Field(600, ge=60, le=3600)

    # Token buckets: requests per minute and burst (see shared/ratelimit.py).
    rate_per_minute: int = Field(100, ge=1)
    rate_burst: int = Field(20, ge=1)
    rate_limits_enabled: bool = True

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        values: dict[str, object] = {
            "environment": env.get("ENVIRONMENT"),
            "version": env.get("APP_VERSION"),
            "region": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
            "table_name": env.get("TABLE_NAME"),
            "dynamodb_endpoint": env.get("DYNAMODB_ENDPOINT") or None,
            "secrets_arn": env.get("SECRETS_ARN") or None,
            "jwt_issuer": env.get("JWT_ISSUER"),
            "jwt_audience": env.get("JWT_AUDIENCE"),
            "access_token_seconds": env.get("ACCESS_TOKEN_SECONDS"),
            "refresh_token_days": env.get("REFRESH_TOKEN_DAYS"),
            "api_key_cache_seconds": env.get("API_KEY_CACHE_SECONDS"),
            "livekit_url": env.get("LIVEKIT_URL"),
            "livekit_token_seconds": env.get("LIVEKIT_TOKEN_SECONDS"),
            "rate_per_minute": env.get("RATE_LIMIT_PER_MINUTE"),
            "rate_burst": env.get("RATE_LIMIT_BURST"),
            "rate_limits_enabled": env.get("RATE_LIMITS_ENABLED"),
        }
        return cls(**{k: v for k, v in values.items() if v is not None})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()


# Secret names as they appear in the Secrets Manager JSON and, upper-cased, in the local environment.
SECRET_NAMES = ("jwtSigningKey", "livekitApiKey", "livekitApiSecret", "humeApiKey", "humeSecretKey")


def _env_name(secret: str) -> str:
    return "".join("_" + c if c.isupper() else c.upper() for c in secret)  # jwtSigningKey -> JWT_SIGNING_KEY


@lru_cache(maxsize=1)
def _secret_bundle() -> dict[str, str]:
    settings = get_settings()
    if not settings.secrets_arn:
        return {}
    import boto3  # only in AWS, only once per container

    client = boto3.client("secretsmanager", region_name=settings.region)
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
