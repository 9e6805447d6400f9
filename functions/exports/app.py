"""The partner portal's export jobs: consumes ExportsQueue (shared/jobs.py), runs each job
(shared/domain/partner_exports.py:run) and reports the ones that failed so that SQS delivers them again."""
from __future__ import annotations

from typing import Any

from shared import jobs


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return jobs.handle_sqs(event)
