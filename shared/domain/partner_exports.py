"""Export jobs of the partner portal: a CSV too large for one answer, written to S3 and fetched by a short-lived
download link.

GET /partner/vouchers/export and /partner/members/export answer the CSV itself up to EXPORT_MAX_ROWS rows (Lambda
answers at most 6 MB). Past that, or whenever the portal prefers, POST /partner/exports starts a job:
- the job item (`keys.export_job`, in the partner's partition, so another partner's or client's id is 404) is
  written `queued` with its filters, and shared/jobs.py queues its run (SQS in AWS, consumed by the exports
  function; a thread of the local API);
- `run` marks it `running`, reads the rows as the small export does (up to JOB_MAX_ROWS), renders them with
  shared/csv_export.py and puts the file at `exports/<client>/<partner>/<job>.csv` in the exports bucket, then
  marks it `done` with its row count (or `failed` with the reason);
- GET /partner/exports/{id} answers the state and, once done, a presigned GET of the file valid for
  DOWNLOAD_SECONDS. The bucket's lifecycle deletes files after a day; the job item lives as long (TTL, checked
  on read).
Locally the bucket is the embedded moto server's S3 (S3_ENDPOINT), so the code path is the same boto3 calls.

A run is safe to repeat (SQS may deliver twice): the file's key is the job's, and a done job is left alone.
"""
from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any, Callable

from shared import clock, csv_export, jobs
from shared.db import keys
from shared.db.repository import ConditionFailed, get_repository
from shared.domain import partner_members, partner_vouchers
from shared.errors import AppError, service_unavailable
from shared.settings import get_settings

KINDS = ("vouchers", "members")
STATUSES = {"vouchers": partner_vouchers.STATUSES, "members": ("active", "inactive")}
JOB_MAX_ROWS = 500_000  # about 60 MB of CSV, built in the exports function's memory
JOB_SECONDS = 86400  # as long as the bucket keeps the file
DOWNLOAD_SECONDS = 300
JOB_ID_PATTERN = r"^exp_[0-9a-f]{24}$"


def new_job_id() -> str:
    return "exp_" + secrets.token_hex(12)


def object_key(client_id: str, partner_id: str, job_id: str) -> str:
    return f"exports/{client_id}/{partner_id}/{job_id}.csv"


def start(client_id: str, partner_id: str, staff_id: str, kind: str, *, status: str | None = None,
          batch_id: str | None = None, show_email: bool = True) -> dict[str, Any]:
    """POST /partner/exports: the job, queued. `show_email` is the caller's (a viewer's export masks emails)."""
    if kind not in KINDS:
        raise AppError("VALIDATION_ERROR", "Invalid request: type", [{"field": "type", "reason": "vouchers or members"}])
    if status is not None and status not in STATUSES[kind]:
        raise AppError("VALIDATION_ERROR", "Invalid request: status",
                       [{"field": "status", "reason": f"for {kind}: one of {', '.join(STATUSES[kind])}"}])
    if kind == "members" and batch_id:
        raise AppError("VALIDATION_ERROR", "Invalid request: batchId",
                       [{"field": "batchId", "reason": "only for a voucher export"}])
    job_id, now = new_job_id(), clock.now()
    item = {**keys.export_job(client_id, partner_id, job_id), "id": job_id, "type": kind, "status": "queued",
            "filters": {"status": status, "batchId": batch_id}, "showEmail": show_email, "createdBy": staff_id,
            "createdAt": clock.iso(now), "ttl": int(now) + JOB_SECONDS}
    get_repository().put(item, condition="attribute_not_exists(PK)")
    try:
        jobs.enqueue("partner_export", {"client_id": client_id, "partner_id": partner_id, "job_id": job_id})
    except Exception as error:  # the queue refused it: the job says so, and the caller may start another
        _marker(keys.export_job(client_id, partner_id, job_id))(
            status="failed", error="The export could not be queued; start it again", completedAt=clock.iso())
        raise service_unavailable(5) from error
    return job_view(item)


def get(client_id: str, partner_id: str, job_id: str) -> dict[str, Any]:
    """GET /partner/exports/{id}: the job; once done, with a download link valid for DOWNLOAD_SECONDS."""
    item = get_repository().get(keys.export_job(client_id, partner_id, job_id), consistent=True)
    if not clock.alive(item):
        raise AppError("NOT_FOUND", "Export not found")
    view = job_view(item)
    if item["status"] == "done":
        filename = f"{item['type']}-{item['createdAt'][:10].replace('-', '')}.csv"
        view["downloadUrl"] = s3_client().generate_presigned_url("get_object", ExpiresIn=DOWNLOAD_SECONDS, Params={
            "Bucket": _bucket(), "Key": item["objectKey"], "ResponseContentType": csv_export.MEDIA_TYPE,
            "ResponseContentDisposition": csv_export.attachment_headers(filename)["Content-Disposition"]})
        view["downloadExpiresAt"] = clock.iso(clock.now() + DOWNLOAD_SECONDS)
    return view


def job_view(item: dict[str, Any]) -> dict[str, Any]:
    filters = item.get("filters") or {}
    return {"id": item["id"], "type": item["type"], "status": item["status"],
            "filters": {"status": filters.get("status"), "batchId": filters.get("batchId")},
            "rows": item.get("rows"), "createdAt": item["createdAt"], "completedAt": item.get("completedAt"),
            "error": item.get("error"), "downloadUrl": None, "downloadExpiresAt": None}


def _rows(item: dict[str, Any], client_id: str, partner_id: str) -> tuple[tuple[str, ...], list[list[Any]]]:
    filters = item.get("filters") or {}
    if item["type"] == "vouchers":
        return partner_vouchers.EXPORT_HEADER, partner_vouchers.export_rows(
            client_id, partner_id, status=filters.get("status"), batch_id=filters.get("batchId"),
            max_rows=JOB_MAX_ROWS)
    return partner_members.EXPORT_HEADER, partner_members.export_rows(
        client_id, partner_id, status=filters.get("status"), show_email=bool(item.get("showEmail")),
        max_rows=JOB_MAX_ROWS)


def run(client_id: str, partner_id: str, job_id: str) -> None:
    """The job (shared/jobs.py kind `partner_export`): rows, the file, the job marked done or failed."""
    repo = get_repository()
    key = keys.export_job(client_id, partner_id, job_id)
    try:
        item = repo.update(key, "SET #s = :running, startedAt = :now",
                           condition="attribute_exists(PK) AND #s <> :done", names={"#s": "status"},
                           values={":running": "running", ":done": "done", ":now": clock.iso()},
                           return_values="ALL_NEW")
    except ConditionFailed:
        return  # done already (a second delivery), or gone
    mark: Callable[..., Any] = _marker(key)
    try:
        header, rows = _rows(item, client_id, partner_id)
        body = csv_export.render(header, rows).encode("utf-8")
        name = object_key(client_id, partner_id, job_id)
        s3_client().put_object(Bucket=_bucket(), Key=name, Body=body, ContentType=csv_export.MEDIA_TYPE)
        mark(status="done", rows=len(rows), bytes=len(body), objectKey=name, completedAt=clock.iso())
    except AppError as refused:  # a rule (too many rows): final, not worth a retry
        mark(status="failed", error=refused.message, completedAt=clock.iso())
    except Exception:
        mark(status="failed", error="The export could not be written; start it again", completedAt=clock.iso())
        raise  # the queue delivers it again; a later run that succeeds marks it done


def _marker(key: dict[str, str]) -> Callable[..., Any]:
    def mark(**fields: Any) -> None:
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":f{i}": value for i, value in enumerate(fields.values())}
        get_repository().update(key, "SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields))),
                                names=names, values=values)
    return mark


def _bucket() -> str:
    bucket = get_settings().exports_bucket
    if not bucket:
        raise AppError("SERVICE_UNAVAILABLE", "Exports are not configured here (EXPORTS_BUCKET)")
    return bucket


@lru_cache(maxsize=1)
def s3_client() -> Any:
    import botocore.session  # only where exports are written or fetched
    from botocore.config import Config

    settings = get_settings()
    return botocore.session.get_session().create_client(
        "s3", region_name=settings.region, endpoint_url=settings.s3_endpoint,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path" if settings.s3_endpoint else "auto"}))


def forget_client() -> None:
    """After the settings change (tests, the local API): the next call makes a new S3 client."""
    s3_client.cache_clear()
