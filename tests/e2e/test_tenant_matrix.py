"""Cross-tenant matrix, generated from the OpenAPI document: every route that a key opens, called as client B
(B's key with B's member, B's studio admin, and the universal key with B's member) using the ids of client A's
member, viewing session, onboarding session, voucher, coach and class, sees nothing of A and changes nothing of
A. A route added to the API is covered here without anyone adding it.

Public routes (health, the app config default, the deep link whose code is the capability) are out of scope."""
from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import pytest

from shared.db import keys
from shared.db.repository import get_repository
from tests.support.http import Api, fresh_source_ip


@pytest.fixture(scope="module")
def tenant_a(local_api, demo) -> dict[str, Any]:
    """Client A (the studio) with a member who has an onboarding session, a viewing session and a login."""
    api = Api(f"{local_api.base_url}/api/v1", fresh_source_ip())
    key = demo["apiKeys"]["studio"]
    onboarding_sid = f"tenant-a-wizard-{uuid.uuid4().hex[:12]}"
    marker = f"Ada{uuid.uuid4().hex[:10]}"  # A's own words: they must never appear in an answer to B
    wizard = api.post("/onboarding/profile", {"sessionId": onboarding_sid, "name": marker, "age": 33,
                                              "fitnessGoal": "strength"}, api_key=key)
    assert wizard.status == 201, wizard.json
    email = f"tenant-a-{uuid.uuid4().hex[:8]}@example.com"
    registered = api.post("/auth/register", {"email": email, "password": "tenant-a-secret", "name": marker,
                                             "coachId": 5}, api_key=key)
    assert registered.status == 201, registered.json
    data = registered.data
    session = api.post("/sessions/start", {"classId": 42, "deviceType": "tv"}, api_key=key,
                       token=data["accessToken"])
    assert session.status == 201, session.json
    plan = api.post("/users/me/workout-plan", {"userProfile": {"workoutDays": ["mon", "thu"]}}, api_key=key,
                    token=data["accessToken"])  # A's saved plan: in A's partition, which the snapshot reads
    assert plan.status == 201, plan.json
    water = api.post("/progress/water", {"amountMl": 250, "clientLogId": "tenant-a-glass"}, api_key=key,
                     token=data["accessToken"])  # A's progress log: B may not undo it, nor see it
    assert water.status == 201, water.json
    voucher = next(v["code"] for v in demo["vouchers"] if v["clientId"] == demo["clients"]["studio"]["id"])
    from shared.domain import partner_vouchers, provisioning

    a_partner = provisioning.create_partner(demo["clients"]["studio"]["id"], f"A Partner {marker}")
    a_batch = partner_vouchers.create_batch(demo["clients"]["studio"]["id"], a_partner["id"], "stf_tenant_a",
                                            quantity=2, prefix="ABATCH", campaign=marker)
    from shared import jobs
    from shared.domain import partner_exports

    a_export = partner_exports.start(demo["clients"]["studio"]["id"], a_partner["id"], "stf_tenant_a", "vouchers")
    assert jobs.drain(), "A's export job did not finish"  # done before the snapshot: B must not change it
    member = Api(f"{local_api.base_url}/api/v1", fresh_source_ip(), key, data["accessToken"])
    slots = member.get("/trainers/5/availability?serviceId=1").data["slots"]  # A's trainer 5, service 1
    booking = member.post("/trainers/5/book", {"serviceId": 1, "slotId": slots[-1]["id"], "notes": marker})
    assert booking.status == 201, booking.json
    held = member.post("/trainers/5/holds", {"serviceId": 1, "slotId": slots[-3]["id"]})
    assert held.status == 201, held.json
    from shared.domain import trainer_invites

    invite = trainer_invites.create(demo["clients"]["studio"]["id"], 2)  # A's trainer 2, invited, not yet used
    from shared.auth import tokens
    from shared.http.caller import AGENT_SCOPES_FOR_USER

    agent_token = tokens.issue(data["user"]["id"], demo["clients"]["studio"]["id"], "user", typ=tokens.AGENT,
                               extra={"scope": list(AGENT_SCOPES_FOR_USER), "uk": ""})[0]
    proposal = Api(f"{local_api.base_url}/api/v1", fresh_source_ip(), key, agent_token).post(
        "/agent/proposals", {"action": "cancel", "bookingId": booking.data["booking"]["id"]},
        headers={"Idempotency-Key": "tenant-a-proposal"})  # A's agent's proposal: B may not confirm it
    assert proposal.status == 201, proposal.json
    from shared import clock
    from shared.domain import group_classes, programmes

    group_class = group_classes.create_class(demo["clients"]["studio"]["id"], trainer_id=5, name=f"A class {marker}",
                                             starts_at=int(clock.now()) + 3 * 86400, duration=45,
                                             time_zone="Europe/London", capacity=5)
    place = member.post(f"/group-classes/{group_class['id']}/join", {})  # A's member's place in A's class
    assert place.status == 201, place.json
    programme = programmes.create_programme(demo["clients"]["studio"]["id"], trainer_id=5, name=f"A plan {marker}",
                                            description=marker, duration_weeks=4, sessions_per_week=2,
                                            level="beginner", price=10.0, currency="GBP")
    subscription = member.post(f"/programmes/{programme['id']}/subscribe", {})
    assert subscription.status == 201, subscription.json
    return {
        "groupClassId": int(group_class["id"]), "placeId": place.data["classBooking"]["id"],
        "programmeId": int(programme["id"]), "subscriptionId": subscription.data["subscription"]["id"],
        "clientId": demo["clients"]["studio"]["id"], "clientName": "Zen Flow Studio", "key": key,
        "userId": data["user"]["id"], "email": email, "password": "tenant-a-secret",
        "accessToken": data["accessToken"], "refreshToken": data["refreshToken"],
        "viewingSessionId": session.data["session"]["id"], "onboardingSessionId": onboarding_sid,
        "partnerId": a_partner["id"], "partnerVoucher": a_batch["vouchers"][0]["code"],
        "batchId": a_batch["batchId"], "exportId": a_export["id"],
        "voucher": voucher, "coachId": 5, "classId": 42, "marker": marker,
        "planId": plan.data["workoutPlan"]["id"], "logId": water.data["log"]["id"], "trainerId": 5, "serviceId": 1,
        "resumeToken": wizard.data["resumeToken"],
        "bookingId": booking.data["booking"]["id"], "slotId": slots[-2]["id"], "holdId": held.data["holdId"],
        "proposalId": proposal.data["proposalId"], "inviteCode": invite["code"],
    }


def _snapshot(a: dict[str, Any]) -> dict[str, Any]:
    """Every item of A that B could conceivably touch, read strongly consistent."""
    repo = get_repository()
    client = a["clientId"]
    single = [keys.client(client), keys.onboarding(client, a["onboardingSessionId"]), keys.voucher(a["voucher"]),
              keys.coach(client, a["coachId"]), keys.klass(client, a["classId"]),
              keys.email_claim(client, a["email"])]
    state: dict[str, Any] = {f"{k['PK']}|{k['SK']}": repo.get(k, consistent=True) for k in single}
    state["user"] = repo.query(keys.user_pk(client, a["userId"]), consistent=True)
    state["partner"] = repo.query(keys.partner_pk(client, a["partnerId"]), consistent=True)
    state["partnerVoucher"] = repo.get(keys.voucher(a["partnerVoucher"]), consistent=True)
    state["hume"] = repo.query(keys.client_pk(client), sk_prefix="HUME", consistent=True)
    state["booking"] = repo.get(keys.booking(client, a["bookingId"]), consistent=True)
    state["hold"] = repo.get(keys.slot_hold(client, a["holdId"]), consistent=True)
    state["trainer"] = repo.query(keys.trainer_pk(client, a["trainerId"]), consistent=True)
    state["trainerTime"] = repo.query(f"{keys.trainer_pk(client, a['trainerId'])}#BUSY", consistent=True)
    from shared.domain import trainer_invites

    state["invite"] = repo.get(keys.trainer_invite(trainer_invites.code_hash(a["inviteCode"])), consistent=True)
    state["invitedTrainer"] = repo.query(keys.trainer_pk(client, 2), consistent=True)
    state["groupClass"] = repo.query(keys.group_class_pk(client, a["groupClassId"]), consistent=True)
    state["programme"] = repo.get(keys.programme(client, a["programmeId"]), consistent=True)
    return json.loads(json.dumps(state, sort_keys=True, default=str))


def _b_personas(local_api, demo) -> dict[str, tuple[str, str]]:
    from shared.auth import tokens
    from shared.domain import accounts

    partner = demo["clients"]["partner"]["id"]
    personas = {}
    for name, role, key in (("b-member", "user", demo["apiKeys"]["partner"]),
                            ("b-admin", "client_admin", demo["apiKeys"]["partner"]),
                            ("universal+b-member", "user", demo["apiKeys"]["universal"])):
        user = accounts.create_member(partner, f"{name}-{uuid.uuid4().hex[:8]}@fitco.example", "tenant-b-secret",
                                      name=name, role=role)
        personas[name] = (key, tokens.issue(user["id"], partner, role)[0])
        if name == "b-member":  # and the voice agent acting for B's member (the credential the exchange gives)
            from shared.http.caller import AGENT_SCOPES_FOR_USER

            personas["b-agent"] = (key, tokens.issue(user["id"], partner, role, typ=tokens.AGENT,
                                                     extra={"scope": list(AGENT_SCOPES_FOR_USER), "uk": ""})[0])
    from shared.domain import trainer_portal

    b_trainer = next(t for t in demo["trainers"] if t["timeZone"] == "Europe/Berlin")  # B's own trainer's account
    account = accounts.create_member(partner, f"b-trainer-{uuid.uuid4().hex[:8]}@fitco.example", "tenant-b-secret",
                                     name="b-trainer", role="trainer")
    trainer_portal.link_user(partner, account["id"], b_trainer["id"])
    personas["b-trainer"] = (demo["apiKeys"]["partner"], tokens.issue(account["id"], partner, "trainer")[0])
    from shared.domain import partner_staff

    email = f"b-partner-{uuid.uuid4().hex[:8]}@fitcobenefits.example"
    partner_staff.create_staff(partner, demo["partner"]["id"], email, "tenant-b-secret", role="manager")
    personas["b-partner-manager"] = (demo["apiKeys"]["partner"],
                                     partner_staff.login(email, "tenant-b-secret")["accessToken"])
    return personas


def _request_for(path: str, method: str, operation: dict[str, Any], a: dict[str, Any]) -> tuple[str, Any, str]:
    """Fill the route with A's ids: path parameters, query filters and every id-like body field."""
    values = {"id": a["partnerVoucher"] if path.startswith("/api/v1/partner/vouchers/") else
              a["exportId"] if path.startswith("/api/v1/partner/exports/") else
              a["userId"] if path.startswith("/api/v1/partner/members/") else
              a["viewingSessionId"] if path.startswith("/api/v1/sessions/") else
              a["logId"] if path.startswith("/api/v1/progress/logs/") else
              a["trainerId"] if path.startswith("/api/v1/trainers/") else
              a["bookingId"] if path.startswith(("/api/v1/bookings/", "/api/v1/trainer/bookings/")) else
              a["serviceId"] if path.startswith("/api/v1/trainer/services/") else
              "0123456789abcdef" if path.startswith("/api/v1/trainer/time-off/") else
              a["proposalId"] if path.startswith("/api/v1/agent/proposals/") else
              a["groupClassId"] if path.startswith(("/api/v1/group-classes/", "/api/v1/trainer/group-classes/")) else
              a["programmeId"] if path.startswith(("/api/v1/programmes/", "/api/v1/trainer/programmes/")) else
              a["subscriptionId"] if path.startswith("/api/v1/programme-subscriptions/") else a["classId"],
              "placeId": a["placeId"],
              "sessionId": a["onboardingSessionId"], "code": a["voucher"], "classId": a["classId"],
              "clientId": a["clientId"], "partnerId": a["partnerId"],  # the admin API's paths
              "keyId": "key_000000000000", "staffId": "stf_" + "0" * 24, "trainerId": a["trainerId"],
              "date": "2026-12-24"}
    concrete = re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), path)
    query = ""
    if method == "get" and path.endswith("/content/classes"):
        query = f"?trainer={a['coachId']}"
    if method == "get" and path.endswith("/content/search"):
        query = "?q=Glute"
    if method == "get" and path.endswith("/agent/trainer-slots"):  # A's trainer and service
        query = f"?trainerId={a['trainerId']}&serviceId={a['serviceId']}"
    if method == "get" and path.startswith("/api/v1/partner/vouchers"):  # A's batch and codes as filters
        query = f"?batchId={a['batchId']}" + ("&search=ABATCH" if path.endswith("/vouchers") else "")
    body = None
    if "requestBody" in operation:
        example = operation["requestBody"]["content"]["application/json"].get("example") or {}
        body = dict(example)
        overrides = {"classId": a["classId"], "coachId": a["coachId"], "sessionId": a["onboardingSessionId"],
                     "voucherCode": a["voucher"], "code": a["voucher"], "refreshToken": a["refreshToken"],
                     "email": a["email"], "password": "not-a-members-password",  # B never holds A's secrets
                     "serviceId": a["serviceId"], "slotId": a["slotId"], "holdId": a["holdId"]}
        for field, value in overrides.items():
            schema_props = _properties(operation)
            if field in schema_props or field in body:
                body[field] = value
        if "trainers" in _properties(operation):
            body["trainers"] = [{"trainerId": a["coachId"], "configId": "b-config"}]
        if "configId" in _properties(operation) and "trainers" not in _properties(operation):
            body["configId"] = "b-config"
    if method == "post" and path == "/api/v1/invite/check":  # A's unused trainer invitation, checked as B
        body = {"code": a["inviteCode"]}
    if method == "post" and path == "/api/v1/agent/proposals":  # B's agent proposes to cancel A's booking
        body = {"action": "cancel", "bookingId": a["bookingId"]}
    return concrete + query, body, concrete


_SCHEMAS: dict[str, Any] = {}


def _key_only(path: str, method: str, document: dict[str, Any]) -> bool:
    from local.template import documented_routes

    route = next(r for r in documented_routes() if r.path == path and r.method.lower() == method)
    return route.authorizer == "KeyAuthorizer"


def _properties(operation: dict[str, Any]) -> dict[str, Any]:
    schema = operation["requestBody"]["content"]["application/json"].get("schema", {})
    if "$ref" in schema:
        schema = _SCHEMAS.get(schema["$ref"].rsplit("/", 1)[-1], {})
    for option in schema.get("anyOf", []):
        if "$ref" in option:
            schema = _SCHEMAS.get(option["$ref"].rsplit("/", 1)[-1], {})
    return schema.get("properties", {})


def test_given_client_b_with_client_a_ids_then_every_route_sees_and_changes_nothing_of_a(
        local_api, demo, tenant_a, api):
    document = api.get("/openapi.json").json
    _SCHEMAS.update(document["components"]["schemas"])
    personas = _b_personas(local_api, demo)
    secrets_of_a = {tenant_a[k] for k in ("userId", "email", "viewingSessionId", "onboardingSessionId",
                                           "clientId", "clientName", "refreshToken", "accessToken", "marker",
                                           "planId", "logId", "bookingId", "holdId", "partnerId", "partnerVoucher", "batchId",
                                           "exportId", "proposalId", "inviteCode", "placeId", "subscriptionId")}
    before = _snapshot(tenant_a)
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not operation.get("security"):
                continue  # public
            for persona, (key, token) in personas.items():
                if persona.startswith("universal") and _key_only(path, method, document):
                    continue  # universal key, bearer not read: that is the default client's anonymous app, not B
                target, body, concrete = _request_for(path, method, operation, tenant_a)
                caller = Api(f"http://{api.host}:{api.port}", fresh_source_ip())
                headers = {p["name"]: tenant_a["resumeToken"] for p in operation.get("parameters", [])
                           if p.get("in") == "header" and p["name"] == "X-Resume-Token"}  # even A's own secret
                if path.startswith("/api/v1/agent/") and method == "post":
                    headers["Idempotency-Key"] = uuid.uuid4().hex  # the agent's POSTs carry one
                reply = caller.request(method.upper(), target, json_body=body, api_key=key, token=token,
                                       headers=headers)
                for _ in range(5):  # B's member spends its own rate limit over ~100 routes: wait, not the subject
                    if reply.status != 429:
                        break
                    time.sleep(int(reply.header("Retry-After") or 1))
                    reply = caller.request(method.upper(), target, json_body=body, api_key=key, token=token,
                                           headers=headers)
                where = f"{persona} {method.upper()} {target}"
                assert reply.status < 500, f"{where}: {reply.status} {reply.raw[:300]!r}"
                sent = json.dumps(body or {}) + target
                hidden = set(secrets_of_a)
                if persona.startswith("universal") and tenant_a["voucher"] in sent:
                    # with the universal key a voucher names its client by design (as the public deep link does)
                    hidden -= {tenant_a["clientId"], tenant_a["clientName"]}
                leaked = [s for s in hidden if s not in sent and s in reply.raw.decode("utf-8", "replace")]
                assert leaked == [], f"{where} shows A's {leaked}"
                if "{id}" in path or "{classId}" in path or "{placeId}" in path:  # ids the server assigned to A: never B's to use
                    assert reply.status in (400, 401, 403, 404, 405), f"{where}: {reply.status} {reply.raw[:200]!r}"
                checked += 1
    assert checked >= 3 * 25
    after = _snapshot(tenant_a)
    changed = {k: (before.get(k), after.get(k)) for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed == {}, f"client B changed client A's data: {changed}"


def test_given_a_still_works_after_the_matrix(tenant_a, api):
    """The matrix refused B everything of A; A itself still sees its own data (the ids were real)."""
    reply = api.get("/users/me", api_key=tenant_a["key"], token=tenant_a["accessToken"])
    assert reply.status == 200 and reply.data["id"] == tenant_a["userId"]
    wizard = api.get(f"/onboarding/profile/{tenant_a['onboardingSessionId']}", api_key=tenant_a["key"],
                     headers={"X-Resume-Token": tenant_a["resumeToken"]})
    assert wizard.status == 200 and wizard.data["profile"]["name"] == tenant_a["marker"]
    history = api.get("/sessions/history", api_key=tenant_a["key"], token=tenant_a["accessToken"])
    assert tenant_a["viewingSessionId"] in json.dumps(history.json)
