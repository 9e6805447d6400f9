"""Idempotency-Key (shared/idempotency.py) on a small group of its own, called as API Gateway calls a function:
a proxy event with the authorizer's context, through Mangum and the app factory, against moto's DynamoDB."""
from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from mangum import Mangum
from pydantic import Field

from local.events import proxy_event
from local.gateway import _ensure_event_loop
from shared import idempotency
from shared.db import keys
from shared.db.repository import get_repository
from shared.errors import AppError
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import KeyCaller, UserCaller

CLIENT = ""  # a client of its own, made once (the caller check needs it active)
me = ["u-1"]  # the member of the current test (each test has its own, so rate limits do not add up)
runs: list[str] = []  # one entry per time a handler really ran
gate = threading.Event()  # the slow route waits on it


class OrderBody(ApiModel):
    item: str = Field(min_length=1, max_length=20)
    quantity: int = Field(ge=1, le=10)


router = idempotency.idempotent_router()


@router.post(f"{API}/lab/orders", status_code=201, responses=errors("SLOT_UNAVAILABLE"))
def order(body: OrderBody, caller: UserCaller) -> dict[str, Any]:
    runs.append(body.item)
    if body.item == "sold-out":
        raise AppError("SLOT_UNAVAILABLE", "Sold out", {"reason": "taken"})
    if body.item == "busy":
        raise AppError("SERVICE_UNAVAILABLE", "Busy", headers={"Retry-After": "1"})
    return ok({"orderId": uuid.uuid4().hex, "item": body.item, "quantity": body.quantity})


@router.post(f"{API}/lab/slow")
def slow(caller: UserCaller) -> dict[str, Any]:
    runs.append("slow")
    gate.wait(10)
    return ok({"done": True})


@router.post(f"{API}/lab/notes", status_code=201)
def note(caller: KeyCaller) -> dict[str, Any]:
    """A route a caller with the key alone may use (its answers are kept per key)."""
    runs.append("note")
    return ok({"noted": True})


@router.get(f"{API}/lab/orders")
def listing(caller: UserCaller) -> dict[str, Any]:
    return ok({"items": []})


app = create_app("lab")
app.include_router(router)
handler = Mangum(app, lifespan="off")


class Context:
    function_name = "lab"
    aws_request_id = "lab"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def call(path: str, body: Any = None, *, key: str | None = None, user: str | None = None, method: str = "POST",
         raw: str | None = None, agent: bool = False,
         signed_in: bool = True) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers[idempotency.HEADER] = key
    event = proxy_event(path, method, path, headers=headers, body=raw if raw is not None else
                        (json.dumps(body) if body is not None else None),
                        source_ip=f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}",
                        authorizer={"clientId": CLIENT, "userId": (user or me[0]) if signed_in else "",
                                    "role": "user" if signed_in else "", "keyId": "k-1",
                                    "universal": "false", "tokenExp": "9999999999" if signed_in else "0",
                                    "tokenIatMs": "1" if signed_in else "0",
                                    # the voice agent's credential, as the authorizer describes it
                                    "tokenType": ("agent" if agent else "access") if signed_in else "",
                                    "agentScope": "bookings:write" if agent else ""})
    _ensure_event_loop()
    answer = handler(event, Context())
    return answer["statusCode"], json.loads(answer["body"] or "{}"), {k.lower(): v for k, v in
                                                                      (answer.get("headers") or {}).items()}


@pytest.fixture(autouse=True)
def _fresh(local_api):
    global CLIENT
    if not CLIENT:
        from shared.domain import provisioning

        CLIENT = provisioning.create_client("Idempotency Lab")["id"]
    runs.clear()
    gate.clear()
    me[0] = f"u-{uuid.uuid4().hex[:8]}"
    yield
    gate.set()


def test_given_a_key_when_the_same_post_is_retried_then_the_first_answer_is_replayed_and_runs_once():
    key = f"order-{uuid.uuid4()}"
    status, first, headers = call(f"{API}/lab/orders", {"item": "mat", "quantity": 2}, key=key)
    assert status == 201 and idempotency.REPLAYED_HEADER.lower() not in headers
    # When the same request comes again, keys of the body in another order
    status, again, headers = call(f"{API}/lab/orders", {"quantity": 2, "item": "mat"}, key=key)
    # Then the stored answer comes back, marked as replayed, and the handler ran once
    assert status == 201 and again == first and headers[idempotency.REPLAYED_HEADER.lower()] == "true"
    assert runs == ["mat"]


def test_given_no_key_then_every_post_runs():
    call(f"{API}/lab/orders", {"item": "mat", "quantity": 1})
    call(f"{API}/lab/orders", {"item": "mat", "quantity": 1})
    assert runs == ["mat", "mat"]


def test_given_a_used_key_when_another_body_comes_with_it_then_422_and_nothing_runs():
    key = f"order-{uuid.uuid4()}"
    call(f"{API}/lab/orders", {"item": "mat", "quantity": 1}, key=key)
    status, body, _ = call(f"{API}/lab/orders", {"item": "mat", "quantity": 3}, key=key)
    assert status == 422 and body["code"] == "IDEMPOTENCY_KEY_REUSED" and body["success"] is False
    assert body["details"]["field"] == idempotency.HEADER
    assert runs == ["mat"]


def test_given_a_used_key_when_another_route_uses_it_then_422():
    key = f"order-{uuid.uuid4()}"
    call(f"{API}/lab/orders", {"item": "mat", "quantity": 1}, key=key)
    gate.set()
    status, body, _ = call(f"{API}/lab/slow", key=key)
    assert status == 422 and body["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_given_a_key_used_without_a_sign_in_when_a_members_route_gets_it_without_one_then_401_not_422():
    # Given: an app without a signed-in member used a key on a route the API key alone opens (kept per key)
    key = f"note-{uuid.uuid4()}"
    assert call(f"{API}/lab/notes", key=key, signed_in=False)[0] == 201
    # When: the same key comes, still without a sign-in, to a route for members only
    status, body, _ = call(f"{API}/lab/orders", {"item": "mat", "quantity": 1}, key=key, signed_in=False)
    # Then: the missing sign-in is what the answer says (as without the key), and nothing ran
    assert (status, body["code"]) == (401, "UNAUTHORIZED"), body
    assert runs == ["note"]


def test_given_two_users_when_they_use_the_same_key_then_each_gets_their_own_answer():
    key = f"order-{uuid.uuid4()}"
    _, first, _ = call(f"{API}/lab/orders", {"item": "mat", "quantity": 1}, key=key, user="u-a")
    status, second, headers = call(f"{API}/lab/orders", {"item": "mat", "quantity": 1}, key=key, user="u-b")
    assert status == 201 and second["data"]["orderId"] != first["data"]["orderId"]
    assert idempotency.REPLAYED_HEADER.lower() not in headers and runs == ["mat", "mat"]


def test_given_a_first_request_still_running_when_it_is_retried_then_409_with_retry_after():
    key = f"slow-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(call, f"{API}/lab/slow", None, key=key)
        while "slow" not in runs:  # the first holds the key and is inside the handler
            threading.Event().wait(0.01)
        status, body, headers = call(f"{API}/lab/slow", key=key)
        assert status == 409 and body["code"] == "IDEMPOTENCY_IN_PROGRESS" and int(headers["retry-after"]) >= 1
        gate.set()
        assert first.result()[0] == 200
    # Then once it has finished, the retry gets its answer
    status, body, headers = call(f"{API}/lab/slow", key=key)
    assert status == 200 and body["data"] == {"done": True} and headers["idempotency-replayed"] == "true"
    assert runs == ["slow"]


def test_given_ten_parallel_retries_of_one_key_then_the_handler_runs_exactly_once():
    key = f"order-{uuid.uuid4()}"
    barrier = threading.Barrier(10)

    def one(_: int) -> tuple[int, dict[str, Any], dict[str, str]]:
        barrier.wait()
        return call(f"{API}/lab/orders", {"item": "rope", "quantity": 1}, key=key)

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(one, range(10)))
    assert runs == ["rope"]
    created = [a for a in answers if a[0] == 201]
    assert all(a[0] == 409 and a[1]["code"] == "IDEMPOTENCY_IN_PROGRESS" for a in answers if a[0] != 201)
    assert len({a[1]["data"]["orderId"] for a in created}) == 1  # replays carry the one order


def test_given_a_business_refusal_then_it_is_kept_and_replayed():
    key = f"order-{uuid.uuid4()}"
    first = call(f"{API}/lab/orders", {"item": "sold-out", "quantity": 1}, key=key)
    second = call(f"{API}/lab/orders", {"item": "sold-out", "quantity": 1}, key=key)
    assert first[0] == second[0] == 409 and second[1] == first[1] and second[2]["idempotency-replayed"] == "true"
    assert runs == ["sold-out"]


def test_given_a_5xx_or_bad_input_then_the_key_is_freed_and_a_retry_runs_again():
    key = f"order-{uuid.uuid4()}"
    assert call(f"{API}/lab/orders", {"item": "busy", "quantity": 1}, key=key)[0] == 503
    assert call(f"{API}/lab/orders", {"item": "busy", "quantity": 1}, key=key)[0] == 503
    assert runs == ["busy", "busy"]
    other = f"order-{uuid.uuid4()}"
    status, body, _ = call(f"{API}/lab/orders", {"item": "mat", "quantity": 99}, key=other)
    assert status == 400 and body["code"] == "VALIDATION_ERROR"
    assert call(f"{API}/lab/orders", {"item": "mat", "quantity": 9}, key=other)[0] == 201  # not 422: freed


def test_given_a_bad_key_then_400_naming_the_header():
    for bad in ("", "x" * 256, "with space", "naïve"):
        status, body, _ = call(f"{API}/lab/orders", {"item": "mat", "quantity": 1}, key=bad)
        assert status == 400 and body["code"] == "VALIDATION_ERROR", bad
        assert body["details"][0]["field"] == idempotency.HEADER
    assert runs == []


def test_given_the_voice_agent_without_a_key_then_400_and_with_one_it_passes_the_check():
    status, body, _ = call(f"{API}/lab/orders", {"item": "mat", "quantity": 1}, agent=True)
    assert status == 400 and body["details"][0]["field"] == idempotency.HEADER
    # With a key the request reaches the caller check (this lab route is not one of the agent's: 403, not kept)
    key = f"agent-{uuid.uuid4()}"
    status, body, _ = call(f"{API}/lab/orders", {"item": "mat", "quantity": 1}, agent=True, key=key)
    assert status == 403 and body["code"] == "FORBIDDEN"
    record = get_repository().get(keys.idempotency(CLIENT, me[0], idempotency.key_hash(key)), consistent=True)
    assert record is None and runs == []


def test_given_a_get_then_the_key_is_ignored():
    key = f"get-{uuid.uuid4()}"
    assert call(f"{API}/lab/orders", key=key, method="GET")[0] == 200
    assert get_repository().get(keys.idempotency(CLIENT, me[0], idempotency.key_hash(key))) is None


def test_given_two_claims_of_one_key_in_the_same_second_then_only_the_first_holds_it():
    """Two parallel retries write records that differ only by their claim id: the second must not pass for the
    first (the repository accepts a put that finds exactly its own item, as after an SDK retry)."""
    hashed, request_print = idempotency.key_hash(f"same-{uuid.uuid4()}"), "fp"
    assert idempotency.claim(CLIENT, me[0], hashed, request_print, idempotency.new_claim_id()) is None
    with pytest.raises(AppError) as second:
        idempotency.claim(CLIENT, me[0], hashed, request_print, idempotency.new_claim_id())
    assert second.value.code == "IDEMPOTENCY_IN_PROGRESS"


def test_given_a_day_has_passed_then_the_key_is_fresh_again(clock):
    key = f"order-{uuid.uuid4()}"
    call(f"{API}/lab/orders", {"item": "mat", "quantity": 1}, key=key)
    clock.advance(idempotency.TTL_SECONDS + 1)
    status, _, headers = call(f"{API}/lab/orders", {"item": "mat", "quantity": 5}, key=key)
    assert status == 201 and "idempotency-replayed" not in headers and runs == ["mat", "mat"]


def test_given_a_first_request_that_died_holding_the_key_then_a_retry_takes_it_over_after_the_lock(clock):
    key = f"order-{uuid.uuid4()}"
    body = {"item": "mat", "quantity": 1}
    request_print = idempotency.fingerprint("POST", f"{API}/lab/orders", "", json.dumps(body).encode())
    assert idempotency.claim(CLIENT, me[0], idempotency.key_hash(key), request_print,
                             idempotency.new_claim_id()) is None  # then it died
    assert call(f"{API}/lab/orders", body, key=key)[0] == 409
    clock.advance(idempotency.LOCK_SECONDS + 1)
    assert call(f"{API}/lab/orders", body, key=key)[0] == 201 and runs == ["mat"]


def test_the_openapi_of_an_idempotent_post_names_the_header_and_its_errors():
    spec = app.openapi()
    operation = spec["paths"][f"{API}/lab/orders"]["post"]
    assert any(p["name"] == idempotency.HEADER and p["in"] == "header" for p in operation["parameters"])
    assert set(operation["responses"]["409"]["x-error-codes"]) == {"SLOT_UNAVAILABLE", "IDEMPOTENCY_IN_PROGRESS"}
    assert operation["responses"]["422"]["x-error-codes"] == ["IDEMPOTENCY_KEY_REUSED"]
    assert "parameters" not in spec["paths"][f"{API}/lab/orders"]["get"] or all(
        p["name"] != idempotency.HEADER for p in spec["paths"][f"{API}/lab/orders"]["get"]["parameters"])
