"""Work that must not hold up an answer, done after it (password-reset mail, the partner portal's export jobs).

Why: an answer that waits for the work tells the caller what the work was. POST /auth/password/forgot would
answer later for an email with an account (a token written, a message sent) than for one without, and so
name the members. The request only enqueues `{kind, payload}`, the same for every email, and answers.

Where the work runs:
- In AWS (`JOBS_QUEUE_URL` set): one SQS SendMessage to the calling function's queue. The mail queue's consumer
  is the auth function itself (an SQS event source in template.yaml): `handler(http)` sends queue events to
  `handle_sqs` and the rest to FastAPI. The export queue's is the exports function (functions/exports), whose
  longer timeout and own grants the partner function does not need.
  A job that raises is reported as a batch item failure, SQS delivers it again after the visibility timeout,
  and after three receives it parks in the dead-letter queue. Not a thread started before returning: Lambda
  freezes the execution environment once the handler returns, so such work would run minutes later or never.
- Outside Lambda (the local API, tests): one daemon thread per process runs the jobs in order, each in the
  context of the request that queued it (so the local IAM check sees the same function); `drain()` waits
  until they are done.
- Inside Lambda without a queue (`sam local`): inline, as there is no process that outlives the invocation.

Jobs carry ids and the address the member typed, never a secret: the reset token is made by the job itself.
"""
from __future__ import annotations

import contextvars
import importlib
import json
import os
import queue
import threading
from functools import lru_cache
from typing import Any, Callable

# kind -> "module:function" taking the payload; resolved when a job runs, so that enqueuing imports nothing
KINDS: dict[str, str] = {"password_reset": "shared.domain.password_reset:deliver",
                         "partner_export": "shared.domain.partner_exports:run"}

_local: queue.Queue[tuple[contextvars.Context, str, dict[str, Any]]] = queue.Queue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def enqueue(kind: str, payload: dict[str, Any]) -> None:
    """Queue one job; returns as soon as it is queued (one SQS SendMessage in AWS)."""
    if kind not in KINDS:
        raise KeyError(kind)
    queue_url = os.environ.get("JOBS_QUEUE_URL")
    if queue_url:
        _sqs().send_message(QueueUrl=queue_url, MessageBody=json.dumps({"kind": kind, "payload": payload}))
    elif os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        run(kind, payload)
    else:
        _local.put((contextvars.copy_context(), kind, payload))
        _start_local_worker()


def run(kind: str, payload: dict[str, Any]) -> None:
    module, _, function = KINDS[kind].partition(":")
    getattr(importlib.import_module(module), function)(**payload)


def handle_sqs(event: dict[str, Any]) -> dict[str, Any]:
    """An SQS batch: run each job; the ones that fail go back to the queue (ReportBatchItemFailures)."""
    from shared.logs import logger

    failures = []
    for record in event.get("Records") or []:
        try:
            job = json.loads(record["body"])
            run(str(job["kind"]), dict(job["payload"]))
        except Exception:  # noqa: BLE001 - one bad job must not fail the batch; SQS retries it, then parks it
            logger.exception("job failed", extra={"messageId": record.get("messageId")})
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}


def handler(http: Callable[[dict[str, Any], Any], Any]) -> Callable[[dict[str, Any], Any], Any]:
    """The Lambda handler of a function that serves HTTP (`http`, the Mangum app) and consumes the job queue."""
    def dispatch(event: dict[str, Any], context: Any) -> Any:
        records = event.get("Records") if isinstance(event, dict) else None
        if records and all(r.get("eventSource") == "aws:sqs" for r in records):
            return handle_sqs(event)
        return http(event, context)

    return dispatch


def drain(timeout: float = 30.0) -> bool:
    """Wait until the local worker has run every queued job (tests, the admin CLI). True when it has."""
    done = threading.Event()

    def wait() -> None:
        _local.join()
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    return done.wait(timeout)


def _start_local_worker() -> None:
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work, name="stvos-jobs", daemon=True)
            _worker.start()


def _work() -> None:
    from shared.logs import logger

    while True:
        context, kind, payload = _local.get()
        try:
            context.run(run, kind, payload)
        except Exception:  # noqa: BLE001 - the local worker logs and goes on, as the queue would retry
            logger.exception("job failed", extra={"kind": kind})
        finally:
            _local.task_done()


@lru_cache(maxsize=1)
def _sqs() -> Any:
    import botocore.session  # only where jobs really leave the process

    from shared.settings import get_settings

    return botocore.session.get_session().create_client("sqs", region_name=get_settings().region)
