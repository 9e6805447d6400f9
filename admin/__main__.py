"""Platform admin CLI: clients, partners, API keys, vouchers, coaches, categories and classes.

By default it talks to the DynamoDB of a running `make run` (read from .local/demo.json). Against AWS, pass
`--table <TableName output>` (and `--region`); credentials come from the usual AWS environment.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from typing import Any

from local.stack import DEMO_FILE, answers

NOT_RUNNING = ("The local API is not running{where}: start it with `make run` (in another terminal) and try again, "
               "or pass --table (and --endpoint, --region) to use another table.")


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _json_object(value: str) -> dict[str, Any]:
    parsed = json.loads(value)
    if not isinstance(parsed, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return parsed


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="admin", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--endpoint", help="DynamoDB endpoint URL (default: the running local API's)")
    top.add_argument("--table", help="table name (default: the running local API's)")
    top.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))
    sub = top.add_subparsers(dest="command", required=True)

    c = sub.add_parser("create-client", help="create a client (tenant)")
    c.add_argument("name")
    c.add_argument("--id", dest="client_id", help="default: from the name (Harbour Gym -> harbour-gym)")
    c.add_argument("--branding", type=_json_object, help='JSON, e.g. {"primaryColor": "#112233"}')
    c.add_argument("--features", type=_json_object, help='JSON, e.g. {"nutrition": true}')
    c.add_argument("--requires-voucher", action="store_true")
    c.add_argument("--default", action="store_true", help="the client of universal-key sign-ups without voucher")
    c.add_argument("--rate", type=int, default=50, help="aggregate requests per second")
    c.add_argument("--burst", type=int, default=100)

    p = sub.add_parser("create-partner", help="create a partner of a client")
    p.add_argument("client_id")
    p.add_argument("name")
    p.add_argument("--id", dest="partner_id", help="default: from the name (FitCo Benefits -> fitco-benefits)")

    ps = sub.add_parser("create-partner-staff", help="create a partner portal login (owner, manager or viewer)")
    ps.add_argument("client_id")
    ps.add_argument("partner_id")
    ps.add_argument("email")
    ps.add_argument("--role", choices=["owner", "manager", "viewer"], default="viewer")
    ps.add_argument("--name", default="")
    ps.add_argument("--password", help="default: a random one, printed once")

    sub.add_parser("list-clients", help="every client (JSON)")
    lk = sub.add_parser("list-keys", help="a client's API keys, or the universal keys (JSON; never the key)")
    lk.add_argument("client_id", nargs="?", help="omit for the universal keys")
    lp = sub.add_parser("list-partners", help="a client's partners (JSON)")
    lp.add_argument("client_id")
    lv = sub.add_parser("list-vouchers", help="a client's vouchers, newest first (JSON)")
    lv.add_argument("client_id")
    lv.add_argument("--partner", dest="partner_id")
    lv.add_argument("--limit", type=int, default=100)
    lst = sub.add_parser("list-partner-staff", help="a partner's portal logins (JSON)")
    lst.add_argument("client_id")
    lst.add_argument("partner_id")

    k = sub.add_parser("issue-key", help="issue an API key for a client (printed once)")
    k.add_argument("client_id")
    k.add_argument("--label", default="")
    k.add_argument("--usage-plan-id", help="AWS: also create the API Gateway usage key and attach it to this plan")

    u = sub.add_parser("issue-universal-key", help="issue the universal key (printed once)")
    u.add_argument("--label", default="universal")
    u.add_argument("--usage-plan-id")

    r = sub.add_parser("revoke-key", help="revoke an API key by its id")
    r.add_argument("key_id")
    r.add_argument("--client", dest="client_id", help="the key's client (omit for a universal key)")

    v = sub.add_parser("create-vouchers", help="create voucher codes")
    v.add_argument("client_id")
    v.add_argument("--partner", dest="partner_id")
    v.add_argument("--prefix", default="")
    v.add_argument("--count", type=int, default=1)
    v.add_argument("--days", type=int, default=90, help="validity in days (0: no expiry)")
    v.add_argument("--max-redemptions", type=int, default=1)
    v.add_argument("--grants", type=lambda text: [g for g in text.split(",") if g], default=[],
                   help="what the code gives its members, e.g. premium (premium classes)")

    co = sub.add_parser("create-coach", help="create a coach (trainer)")
    co.add_argument("client_id")
    co.add_argument("name")
    co.add_argument("--specialties", type=_csv, required=True, help="e.g. weight_loss,endurance")
    co.add_argument("--levels", type=_csv, required=True, help="e.g. beginner,intermediate")
    co.add_argument("--bio", default="")
    co.add_argument("--image", default="")
    co.add_argument("--rating", type=float, default=4.5)
    co.add_argument("--capacity", type=int, default=50)

    it = sub.add_parser("invite-trainer", help="invite a coach to open their trainer portal account (code printed once)")
    it.add_argument("client_id")
    it.add_argument("trainer_id", type=int)
    it.add_argument("--days", type=int, default=7, help="how many days the code can be used (1-30)")

    ca = sub.add_parser("create-category", help="create a content category")
    ca.add_argument("client_id")
    ca.add_argument("name")
    ca.add_argument("--image", default="")
    ca.add_argument("--sort-order", type=int, default=0)

    cl = sub.add_parser("create-class", help="create a class")
    cl.add_argument("client_id")
    cl.add_argument("name")
    cl.add_argument("--trainer", type=int, required=True)
    cl.add_argument("--category", type=int, required=True)
    cl.add_argument("--duration", type=int, required=True, help="minutes")
    cl.add_argument("--intensity", choices=["low", "medium", "high"], default="medium")
    cl.add_argument("--description", default="")
    cl.add_argument("--live", action="store_true")
    cl.add_argument("--scheduled-at", help="ISO-8601 UTC, for live classes")
    cl.add_argument("--premium", action="store_true")
    cl.add_argument("--featured", type=int, help="editorial rank (1 first)")
    ri = sub.add_parser("rebuild-catalog-index", help="write a client's browse entries, word postings and facet "
                                                        "counts again from its classes (a catalog made before them)")
    ri.add_argument("client_id")
    us = sub.add_parser("create-user", help="create a member or staff account (e.g. a studio's client_admin)")
    us.add_argument("client_id")
    us.add_argument("email")
    us.add_argument("--name", default="")
    us.add_argument("--role", default="user",
                    choices=["user", "trainer", "client_admin", "partner_staff", "platform_admin"])
    us.add_argument("--partner", dest="partner_id")
    us.add_argument("--password", help="default: a random one, printed once")

    hc = sub.add_parser("assign-hume-configs", help="let a client's admins use these Hume EVI config ids")
    hc.add_argument("client_id")
    hc.add_argument("config_ids", nargs="+")
    pl = sub.add_parser("set-client-plan", help="premium: every member plays premium classes; standard: vouchers")
    pl.add_argument("client_id")
    pl.add_argument("plan", choices=["standard", "premium"])

    st = sub.add_parser("set-client-status", help="suspend a client (its members stop) or reactivate it")
    st.add_argument("client_id")
    st.add_argument("status", choices=["active", "suspended"])

    at = sub.add_parser("agent-tools", help="a client's voice agent tools and which are on (JSON)")
    at.add_argument("client_id")
    sw = sub.add_parser("switch-agent-tools", help="switch a client's voice agent tools on or off")
    sw.add_argument("client_id")
    sw.add_argument("--on", type=_csv, default=[], help="tool names, e.g. prepare_booking,log_water")
    sw.add_argument("--off", type=_csv, default=[], help="tool names, e.g. prepare_cancellation")

    pe = sub.add_parser("set-plan-engine", help="model: nutrition plans from the language model (when the "
                        "deployment names one, PlanModelId), checked by the rules' limits; rules: the default")
    pe.add_argument("client_id")
    pe.add_argument("engine", choices=["rules", "model"])

    ob = sub.add_parser("outbox", help="mail the local API would have sent (password resets)")
    ob.add_argument("--to", help="only messages to this address")
    ob.add_argument("--limit", type=int, default=10)
    return top


def configure(args: argparse.Namespace) -> None:
    """Point the shared repository at the chosen table before anything reads settings."""
    endpoint, table = args.endpoint, args.table
    if not table and DEMO_FILE.exists():
        local = json.loads(DEMO_FILE.read_text(encoding="utf-8")).get("dynamodb") or {}
        endpoint, table = endpoint or local.get("endpoint"), local.get("table")
        if endpoint and not answers(endpoint):  # its DynamoDB stopped with it
            raise SystemExit(NOT_RUNNING.format(where=f" (nothing answers at {endpoint}, from {DEMO_FILE})"))
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    if not table:
        raise SystemExit(NOT_RUNNING.format(where=f" ({DEMO_FILE} not found)"))
    os.environ["TABLE_NAME"] = table
    if endpoint:
        os.environ["DYNAMODB_ENDPOINT"] = endpoint
    else:
        os.environ.pop("DYNAMODB_ENDPOINT", None)
    if args.region:
        os.environ["AWS_DEFAULT_REGION"] = args.region
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def attach_usage_key(usage_plan_id: str, name: str, region: str | None) -> str:
    """Create an API Gateway API key (the client's usage identifier) and add it to the usage plan."""
    import boto3

    gateway = boto3.client("apigateway", region_name=region)
    value = "usage_" + secrets.token_urlsafe(24)
    created = gateway.create_api_key(name=name, value=value, enabled=True)
    gateway.create_usage_plan_key(usagePlanId=usage_plan_id, keyId=created["id"], keyType="API_KEY")
    return value


def run(args: argparse.Namespace) -> dict[str, Any]:
    from shared.domain import provisioning as p

    command = args.command
    if command == "create-client":
        client = p.create_client(args.name, client_id=args.client_id or p.slug(args.name), branding=args.branding,
                                 features=args.features, requires_voucher=args.requires_voucher,
                                 is_default=args.default, quota={"ratePerSecond": args.rate, "burst": args.burst})
        return {"client": {k: client[k] for k in ("id", "name", "requiresVoucher", "branding", "features")}}
    if command == "create-partner":
        partner = p.create_partner(args.client_id, args.name, partner_id=args.partner_id or p.slug(args.name))
        return {"partner": {"id": partner["id"], "name": partner["name"], "clientId": args.client_id}}
    if command == "create-partner-staff":
        from shared.domain import partner_staff

        password = args.password or secrets.token_urlsafe(12)
        staff = partner_staff.create_staff(args.client_id, args.partner_id, args.email, password, name=args.name,
                                           role=args.role)
        made: dict[str, Any] = {"staff": partner_staff.staff_view(staff)}
        if not args.password:
            made["password"] = password
        return made
    if command == "list-clients":
        return {"clients": p.list_clients()}
    if command == "list-keys":
        return {"keys": p.list_keys(args.client_id)}
    if command == "list-partners":
        return {"partners": p.list_partners(args.client_id)}
    if command == "list-vouchers":
        return {"vouchers": p.list_vouchers(args.client_id, partner_id=args.partner_id, limit=args.limit)}
    if command == "list-partner-staff":
        from shared.domain import partner_staff

        p.require_client(args.client_id)
        return {"staff": partner_staff.list_staff(args.client_id, args.partner_id)}
    if command in ("issue-key", "issue-universal-key"):
        universal = command == "issue-universal-key"
        client_id = None if universal else args.client_id
        if not universal:
            from shared.domain.clients import get_client
            if get_client(client_id) is None:
                raise SystemExit(f"No active client {client_id}")
        usage = attach_usage_key(args.usage_plan_id, f"stvos-{client_id or 'universal'}", args.region) \
            if args.usage_plan_id else None
        raw, record = p.issue_api_key(client_id, label=args.label, universal=universal, usage_key=usage)
        return {"apiKey": raw, "keyId": record["keyId"], "clientId": client_id,
                "note": "Store this key now: it is shown once and only its hash is kept."}
    if command == "revoke-key":
        p.revoke_api_key(args.client_id, args.key_id)
        return {"revoked": args.key_id}
    if command == "create-vouchers":
        made = [p.create_voucher(args.client_id, partner_id=args.partner_id, prefix=args.prefix,
                                 expires_in_days=args.days or None, max_redemptions=args.max_redemptions,
                                 grants=args.grants)
                for _ in range(args.count)]
        return {"vouchers": [{"code": v["code"], "expiresAt": v["expiresAt"]} for v in made]}
    if command == "create-coach":
        coach = p.create_coach(args.client_id, args.name, specialties=args.specialties, levels=args.levels,
                               bio=args.bio, image=args.image, rating=args.rating, capacity=args.capacity)
        return {"coach": {k: coach[k] for k in ("id", "name", "specialties", "levels")}}
    if command == "invite-trainer":
        from shared.domain import trainer_invites

        if not 1 <= args.days <= trainer_invites.MAX_DAYS:
            raise SystemExit(f"--days must be from 1 to {trainer_invites.MAX_DAYS}")
        return {"invite": trainer_invites.create(args.client_id, args.trainer_id, days=args.days, invited_by="cli")}
    if command == "create-category":
        category = p.create_category(args.client_id, args.name, image=args.image, sort_order=args.sort_order)
        return {"category": {"id": category["id"], "name": category["name"]}}
    if command == "create-class":
        klass = p.create_class(args.client_id, args.name, trainer_id=args.trainer, category_id=args.category,
                               duration=args.duration, intensity=args.intensity, description=args.description,
                               is_live=args.live, scheduled_at=args.scheduled_at, is_premium=args.premium,
                               featured_rank=args.featured)
        return {"class": {"id": klass["id"], "name": klass["name"]}}
    if command == "rebuild-catalog-index":
        from shared.domain import catalog_index

        return {"clientId": args.client_id, "classes": catalog_index.rebuild(args.client_id)}
    if command == "create-user":
        from shared.domain import accounts

        password = args.password or secrets.token_urlsafe(12)
        user = accounts.create_member(args.client_id, args.email, password, name=args.name or args.email,
                                      role=args.role, partner_id=args.partner_id)
        result: dict[str, Any] = {"user": {"id": user["id"], "email": user["email"], "role": user["role"],
                                           "clientId": args.client_id}}
        if not args.password:
            result["password"] = password
        return result
    if command == "assign-hume-configs":
        from shared.domain import voice
        from shared.domain.clients import get_client

        if get_client(args.client_id) is None:
            raise SystemExit(f"No active client {args.client_id}")
        voice.assign_config_ids(args.client_id, args.config_ids)
        return {"clientId": args.client_id, "assigned": args.config_ids}
    if command in ("set-client-plan", "set-client-status", "set-plan-engine"):
        setting, change = {"set-client-plan": ("plan", p.set_client_plan),
                           "set-client-status": ("status", p.set_client_status),
                           "set-plan-engine": ("engine", p.set_plan_engine)}[command]
        try:
            change(args.client_id, getattr(args, setting))
        except ValueError as error:
            raise SystemExit(str(error)) from None
        return {"clientId": args.client_id, setting: getattr(args, setting)}
    if command in ("agent-tools", "switch-agent-tools"):
        from shared.domain import agent_switches

        client = p.require_client(args.client_id)
        if command == "agent-tools":
            return {"clientId": args.client_id, "tools": agent_switches.switches(client)}
        both = sorted(set(args.on) & set(args.off))
        if both:
            raise SystemExit(f"Both on and off: {', '.join(both)}")
        done = agent_switches.set_switches(args.client_id, {**{t: True for t in args.on},
                                                            **{t: False for t in args.off}})
        return {"clientId": args.client_id, **done}
    if command == "outbox":
        from shared.domain import mail

        return {"messages": mail.outbox(to=args.to, limit=args.limit)}
    raise SystemExit(f"unknown command {command}")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure(args)
    from shared.errors import AppError

    try:
        result = run(args)
    except AppError as error:
        print(json.dumps({"error": error.message, "code": error.code}), file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
