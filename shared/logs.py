"""Structured JSON logging (powertools). The app factory and the authorizer bind the API Gateway request id
and the clientId, so that every line of a request carries both."""
from __future__ import annotations

import os

from aws_lambda_powertools import Logger

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "stvos"))


def security_event(event: str, **fields: object) -> None:
    """One structured line per security event (denied key, bad token, lockout, refresh reuse, revocation hit,
    rate limit). `fields` carry ids (requestId, clientId, userId, keyId), never a secret, key or token."""
    logger.warning("security", extra={"securityEvent": event, **{k: v for k, v in fields.items() if v not in (None, "")}})
