"""Structured JSON logging (powertools). The app factory and the authorizer bind the API Gateway request id
and the clientId, so that every line of a request carries both."""
from __future__ import annotations

import os

from aws_lambda_powertools import Logger

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "stvos"))
