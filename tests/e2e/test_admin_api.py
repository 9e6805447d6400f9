"""The admin API over HTTP: a platform admin runs any client, a studio admin only its own (another client's id
is 404), members are refused, every write is in the audit log, and the CLI's rules hold here too."""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.http import Api, fresh_source_ip


def _api(local_api) -> Api:
    return Api(f"{local_api.base_url}/api/v1", fresh_source_ip())


def _login(local_api, key: str, email: str, password: str) -> str:
    reply = _api(local_api).post("/auth/login", {"email": email, "password": password}, api_key=key)
    assert reply.status == 200, reply.json
    return reply.data["accessToken"]


@pytest.fixture(scope="module")
def admins(local_api, demo) -> dict[str, Any]:
    studio_key = demo["apiKeys"]["studio"]
    studio_admin = next(u for u in demo["users"] if u["role"] == "client_admin")
    member = next(u for u in demo["users"] if u["email"] == "member@zenflow.example")
    return {"key": studio_key, "studio": demo["clients"]["studio"]["id"], "fitco": demo["clients"]["partner"]["id"],
            "platform": _login(local_api, studio_key, demo["platformAdmin"]["email"],
                               demo["platformAdmin"]["password"]),
            "studio_admin": _login(local_api, studio_key, studio_admin["email"], studio_admin["password"]),
            "member": _login(local_api, studio_key, member["email"], member["password"])}


def test_given_a_platform_admin_when_running_a_new_studio_over_http_then_it_works_end_to_end(local_api, admins):
    api = _api(local_api).with_auth(admins["key"], admins["platform"])
    name = f"Harbour Gym {uuid.uuid4().hex[:6]}"
    made = api.post("/admin/clients", {"name": name, "requiresVoucher": True})
    assert made.status == 201, made.json
    client_id = made.data["id"]
    assert client_id == name.lower().replace(" ", "-")
    assert api.post("/admin/clients", {"name": name}).code == "CONFLICT"
    key = api.post(f"/admin/clients/{client_id}/keys", {"label": "ios"})
    assert key.status == 201 and key.data["apiKey"].startswith("stv_live_")
    listed = api.get(f"/admin/clients/{client_id}/keys").data["items"]
    assert [k["keyId"] for k in listed] == [key.data["keyId"]] and key.data["apiKey"] not in str(listed)
    partner = api.post(f"/admin/clients/{client_id}/partners", {"name": "Harbour Employers"})
    assert partner.status == 201 and partner.data["id"] == "harbour-employers"
    staff = api.post(f"/admin/clients/{client_id}/partners/harbour-employers/staff",
                     {"email": f"hr-{uuid.uuid4().hex[:6]}@harbour.example", "password": "harbour-staff-pass",
                      "role": "manager"})
    assert staff.status == 201, staff.json
    login = _api(local_api).post("/partner-auth/login", {"email": staff.data["email"],
                                                         "password": "harbour-staff-pass"})
    assert login.status == 200 and login.data["partner"]["clientId"] == client_id
    coach = api.post(f"/admin/clients/{client_id}/coaches", {"name": "Ivy Park", "specialties": ["strength"],
                                                             "levels": ["beginner"]})
    category = api.post(f"/admin/clients/{client_id}/categories", {"name": "Kettlebells"})
    assert coach.status == category.status == 201
    klass = api.post(f"/admin/clients/{client_id}/classes", {"name": "Bell Basics", "trainerId": coach.data["id"],
                                                             "categoryId": category.data["id"], "duration": 25})
    assert klass.status == 201, klass.json
    codes = api.post(f"/admin/clients/{client_id}/vouchers", {"count": 2, "partnerId": "harbour-employers",
                                                              "prefix": "HARBOUR"})
    assert codes.status == 201 and all(v["code"].startswith("HARBOUR-") for v in codes.data["items"])
    app_config = _api(local_api).get("/app/config", api_key=key.data["apiKey"]).data
    assert app_config["client"]["id"] == client_id and app_config["requiresVoucher"] is True
    revoked = api.delete(f"/admin/clients/{client_id}/keys/{key.data['keyId']}")
    assert revoked.status == 200
    audit = api.get(f"/admin/audit?clientId={client_id}").data["items"]
    actions = [entry["action"] for entry in audit]
    for action in ("client.create", "key.issue", "partner.create", "partner_staff.create", "coach.create",
                   "category.create", "class.create", "vouchers.create", "key.revoke"):
        assert action in actions, (action, actions)
    assert all(e["actor"]["role"] == "platform_admin" and e["at"].endswith("Z") for e in audit)
    assert "harbour-staff-pass" not in str(audit) and key.data["apiKey"] not in str(audit)
    month = api.get("/admin/audit").data["items"]
    assert any(e["clientId"] == client_id for e in month)


def test_given_a_studio_admin_then_its_own_client_works_and_another_clients_is_404(local_api, admins):
    api = _api(local_api).with_auth(admins["key"], admins["studio_admin"])
    own = api.get(f"/admin/clients/{admins['studio']}")
    assert own.status == 200 and own.data["id"] == admins["studio"]
    assert [c["id"] for c in api.get("/admin/clients").data["items"]] == [admins["studio"]]
    made = api.post(f"/admin/clients/{admins['studio']}/categories", {"name": f"Studio Cat {uuid.uuid4().hex[:4]}"})
    assert made.status == 201
    for method, path, body in (
            ("GET", f"/admin/clients/{admins['fitco']}", None),
            ("GET", f"/admin/clients/{admins['fitco']}/partners", None),
            ("POST", f"/admin/clients/{admins['fitco']}/categories", {"name": "Not Mine"}),
            ("POST", f"/admin/clients/{admins['fitco']}/partners/fitco-benefits/staff",
             {"email": "sneak@example.com", "password": "sneaky-password", "role": "owner"}),
            ("POST", f"/admin/clients/{admins['fitco']}/vouchers", {"count": 1})):
        reply = api.request(method, path, json_body=body)
        assert (reply.status, reply.code) == (404, "NOT_FOUND"), (method, path, reply.json)
    for method, path, body in (("POST", "/admin/clients", {"name": "Not Allowed"}),
                               ("GET", "/admin/audit", None),
                               ("GET", f"/admin/clients/{admins['studio']}/keys", None)):
        reply = api.request(method, path, json_body=body)
        assert (reply.status, reply.code) == (403, "FORBIDDEN"), (method, path, reply.json)


def test_given_a_member_then_every_admin_route_is_403(local_api, admins):
    api = _api(local_api).with_auth(admins["key"], admins["member"])
    for path in ("/admin/clients", f"/admin/clients/{admins['studio']}", "/admin/audit"):
        assert api.get(path).status == 403


@pytest.mark.parametrize("body,field", [({"count": 0}, "count"), ({"count": 101}, "count"),
                                        ({"count": 1, "prefix": "x"}, "prefix"),
                                        ({"count": 1, "days": 0}, "days")])
def test_given_bad_voucher_input_then_400_names_the_field(local_api, admins, body, field):
    api = _api(local_api).with_auth(admins["key"], admins["studio_admin"])
    reply = api.post(f"/admin/clients/{admins['studio']}/vouchers", body)
    assert reply.status == 400 and field in [d["field"] for d in reply.json["details"]]


def test_given_another_clients_partner_then_admin_vouchers_are_refused_and_none_written(local_api, admins, demo):
    api = _api(local_api).with_auth(admins["key"], admins["platform"])
    reply = api.post(f"/admin/clients/{admins['studio']}/vouchers", {"count": 3, "partnerId": demo["partner"]["id"]})
    assert (reply.status, reply.code) == (404, "NOT_FOUND")
    from shared.domain import provisioning

    assert provisioning.list_vouchers(admins["studio"], partner_id=demo["partner"]["id"]) == []
