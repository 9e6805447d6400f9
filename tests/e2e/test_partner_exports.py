"""The partner portal's export jobs over HTTP: a job started with POST /partner/exports (idempotent) runs after
the answer, writes the CSV to the exports bucket (locally the embedded moto server's S3, through the same boto3
calls as in AWS) and GET /partner/exports/{id} then hands out a short-lived download link whose file is the same
CSV the small export answers; another partner's job is 404; bad filters are 400 naming the field."""
from __future__ import annotations

import csv
import io
import time
import urllib.request
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.http import Api, fresh_source_ip


def _api(local_api) -> Api:
    return Api(f"{local_api.base_url}/api/v1", fresh_source_ip())


def _staff(local_api, client_id: str, partner_id: str, role: str) -> str:
    from shared.domain import partner_staff

    email = f"export-{role}-{uuid.uuid4().hex[:8]}@partners.example"
    partner_staff.create_staff(client_id, partner_id, email, "partner-staff-pass", role=role)
    login = _api(local_api).post("/partner-auth/login", {"email": email, "password": "partner-staff-pass"})
    assert login.status == 200, login.json
    return str(login.data["accessToken"])


@pytest.fixture(scope="module")
def partners(local_api, demo) -> dict[str, Any]:
    """Two new partners of FitCo Wellness, each with a manager; the first with a batch of 7 codes. And the demo
    partner's viewer (FitCo Benefits has members)."""
    from shared.domain import provisioning

    client_id = demo["clients"]["partner"]["id"]
    made: dict[str, Any] = {"clientId": client_id}
    for label in ("mine", "other"):
        partner = provisioning.create_partner(client_id, f"Export Test {label} {uuid.uuid4().hex[:6]}")["id"]
        made[label] = _staff(local_api, client_id, partner, "manager")
    batch = _api(local_api).post("/partner/vouchers", {"quantity": 7, "prefix": "EXPORT"}, token=made["mine"])
    assert batch.status == 201, batch.json
    made["batch"] = batch.data
    made["demo_viewer"] = _staff(local_api, client_id, demo["partner"]["id"], "viewer")
    return made


def _finished(api: Api, token: str, job_id: str) -> dict[str, Any]:
    """Poll the job as a portal would, until it is done or failed (at most 60 s)."""
    deadline = time.monotonic() + 60
    while True:
        reply = api.get(f"/partner/exports/{job_id}", token=token)
        assert reply.status == 200, reply.json
        if reply.data["status"] in ("done", "failed") or time.monotonic() > deadline:
            return dict(reply.data)
        time.sleep(0.2)


def _download(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - the link the API handed out
        return answer.status, answer.headers.get("Content-Type", ""), answer.read()


def test_given_a_voucher_export_job_when_it_is_done_then_its_link_serves_the_same_csv(local_api, partners):
    api = _api(local_api)
    batch_id = partners["batch"]["batchId"]
    # Given: the manager starts an export of one batch
    started = api.post("/partner/exports", {"type": "vouchers", "batchId": batch_id}, token=partners["mine"],
                       headers={"Idempotency-Key": f"export-{uuid.uuid4().hex}"})
    assert started.status == 202, started.json
    assert started.data["id"].startswith("exp_") and started.data["status"] in ("queued", "running", "done")
    assert started.data["filters"] == {"status": None, "batchId": batch_id} and started.data["downloadUrl"] is None
    # When: it is done
    job = _finished(api, partners["mine"], started.data["id"])
    # Then: 7 rows, and a link valid for five minutes whose file is the small export's CSV, byte for byte
    assert job["status"] == "done" and job["rows"] == 7 and job["error"] is None, job
    query = parse_qs(urlsplit(job["downloadUrl"]).query)
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    status, media_type, body = _download(job["downloadUrl"])
    small = api.get(f"/partner/vouchers/export?batchId={batch_id}", token=partners["mine"])
    assert status == 200 and media_type.startswith("text/csv") and body == small.raw
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert rows[0][0] == "code" and sorted(r[0] for r in rows[1:]) == \
        sorted(v["code"] for v in partners["batch"]["vouchers"])


def test_given_the_same_idempotency_key_when_an_export_is_retried_then_it_is_the_same_job(local_api, partners):
    api = _api(local_api)
    key = f"export-retry-{uuid.uuid4().hex}"
    first = api.post("/partner/exports", {"type": "vouchers", "status": "active"}, token=partners["mine"],
                     headers={"Idempotency-Key": key})
    again = api.post("/partner/exports", {"type": "vouchers", "status": "active"}, token=partners["mine"],
                     headers={"Idempotency-Key": key})
    other = api.post("/partner/exports", {"type": "vouchers", "status": "active"}, token=partners["mine"],
                     headers={"Idempotency-Key": f"{key}-2"})
    assert first.status == again.status == other.status == 202
    assert again.data["id"] == first.data["id"] and other.data["id"] != first.data["id"]
    assert _finished(api, partners["mine"], first.data["id"])["rows"] == 7


def test_given_another_partners_job_when_its_id_is_asked_then_404(local_api, partners):
    api = _api(local_api)
    started = api.post("/partner/exports", {"type": "vouchers"}, token=partners["mine"])
    assert started.status == 202
    _finished(api, partners["mine"], started.data["id"])
    # When: the other partner's manager asks for it; Then: it does not exist for them
    reply = api.get(f"/partner/exports/{started.data['id']}", token=partners["other"])
    assert reply.status == 404 and reply.code == "NOT_FOUND" and "downloadUrl" not in reply.raw.decode()
    missing = api.get(f"/partner/exports/exp_{'0' * 24}", token=partners["mine"])
    assert missing.status == 404 and missing.code == "NOT_FOUND"


def test_given_a_viewer_when_exporting_members_as_a_job_then_emails_are_masked_as_in_the_small_export(
        local_api, partners):
    api = _api(local_api)
    started = api.post("/partner/exports", {"type": "members"}, token=partners["demo_viewer"])
    assert started.status == 202, started.json
    job = _finished(api, partners["demo_viewer"], started.data["id"])
    assert job["status"] == "done" and job["rows"] >= 1, job
    _, _, body = _download(job["downloadUrl"])
    small = api.get("/partner/members/export", token=partners["demo_viewer"])
    assert body == small.raw and "@" in body.decode() and "***" in body.decode()


@pytest.mark.parametrize("body,field", [({"type": "members", "batchId": "bat_" + "0" * 24}, "batchId"),
                                        ({"type": "vouchers", "status": "inactive"}, "status"),
                                        ({"type": "members", "status": "redeemed"}, "status"),
                                        ({"type": "coupons"}, "type"), ({}, "type"),
                                        ({"type": "vouchers", "batchId": "batch-1"}, "batchId")])
def test_given_bad_filters_when_starting_an_export_then_400_naming_the_field(local_api, partners, body, field):
    reply = _api(local_api).post("/partner/exports", body, token=partners["mine"])
    assert reply.status == 400 and reply.code == "VALIDATION_ERROR", reply.json
    assert field in str(reply.json["details"])
