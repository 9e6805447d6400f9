"""Platform provisioning: clients, partners, API keys, vouchers and the catalog (coaches, categories,
classes). Used by the admin CLI, the /admin endpoints (functions/admin) and the local API's demo seed.

Everything made for a client checks, in the same transaction, that the client exists (and a voucher's partner
is that client's), so no call leaves an orphan. The writes the admin API makes take `audit`: given the record
written, the put of its audit entry, which joins the same transaction (shared/domain/admin.py). Ids chosen from names are deterministic (`slug`), and taking
an id that exists is a CONFLICT naming it."""
from __future__ import annotations

import re
import secrets
from typing import Any, Callable

from shared import clock
from shared.auth import api_keys
from shared.db import keys
from shared.db.repository import Action, ConditionFailed, RecordAction, TransactionFailed, get_repository
from shared.domain import catalog_index, partner_vouchers, vouchers
from shared.domain.clients import DEFAULT_BRANDING, DEFAULT_FEATURES, FEATURES
from shared.errors import AppError

Audit = RecordAction | None  # the audit entry's put, given the record written
INTENSITIES = ("low", "medium", "high")
LEVELS = ("beginner", "intermediate", "advanced")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "client"


def slug(name: str) -> str:
    """The id a name gives when none is chosen: lower case letters, digits and dashes (`Harbour Gym` ->
    `harbour-gym`)."""
    return _slug(name)


def client_exists(client_id: str) -> Action:
    """A transaction's check that the client exists (see `_unknown`)."""
    return Action.check(keys.client(client_id), "attribute_exists(PK)")


def _unknown(client_id: str) -> AppError:
    return AppError("NOT_FOUND", f"No client {client_id}: list them with list-clients (or GET /admin/clients)")


def _write_for_client(client_id: str, actions: list[Action], conflict: str | None = None, *,
                      audit: Audit = None, record: dict[str, Any] | None = None) -> None:
    """Run `actions` after a check that the client exists (and with the audit entry of `record`, when given):
    NOT_FOUND for an unknown client, `conflict` (a message) when the first action's condition fails."""
    try:
        get_repository().transact([client_exists(client_id), *actions, *_audit(audit, record)])
    except TransactionFailed as failed:
        if failed.reasons[0] == "ConditionalCheckFailed":
            raise _unknown(client_id) from None
        if conflict and failed.reasons[1] == "ConditionalCheckFailed":
            raise AppError("CONFLICT", conflict) from None
        raise


def _audit(audit: Audit, record: dict[str, Any] | None) -> list[Action]:
    return [audit(record)] if audit and record is not None else []


def create_client(name: str, *, client_id: str | None = None, branding: dict[str, str] | None = None,
                  features: dict[str, bool] | None = None, requires_voucher: bool = False,
                  open_registration: bool | None = None, is_default: bool = False,
                  quota: dict[str, int] | None = None, agent_names: list[str] | None = None,
                  audit: Audit = None) -> dict[str, Any]:
    client_id = client_id or f"{_slug(name)}-{secrets.token_hex(3)}"
    unknown = set(features or {}) - set(FEATURES)
    if unknown:
        raise AppError("VALIDATION_ERROR", f"Unknown features: {', '.join(sorted(unknown))}")
    item = {
        **keys.client(client_id), "id": client_id, "name": name, "status": "active",
        "branding": {**DEFAULT_BRANDING, "appName": name, **(branding or {})},
        "features": {**DEFAULT_FEATURES, **(features or {})},
        "requiresVoucher": requires_voucher,
        "openRegistration": (not requires_voucher) if open_registration is None else open_registration,
        "quota": quota or {"ratePerSecond": 50, "burst": 100},
        "agentNames": agent_names or ["fitness-coach"],
        "createdAt": clock.iso(), "GSI1PK": keys.clients_index(), "GSI1SK": client_id,
    }
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", client_id):
        raise AppError("VALIDATION_ERROR", "A client id is 1-63 lower-case letters, digits and dashes",
                       [{"field": "id", "reason": "lower-case letters, digits and dashes"}])
    taken = AppError("CONFLICT", f"Client {client_id} already exists: choose another id")
    try:
        if audit:
            get_repository().transact([Action.put(item, "attribute_not_exists(PK)"), audit(item)])
        else:
            get_repository().put(item, condition="attribute_not_exists(PK)")
    except ConditionFailed:
        raise taken from None
    except TransactionFailed as failed:
        if failed.reasons[0] == "ConditionalCheckFailed":
            raise taken from None
        raise
    if is_default:
        set_default_client(client_id)
    return item


def set_default_client(client_id: str) -> None:
    get_repository().update(keys.platform_settings(), "SET defaultClientId = :c", values={":c": client_id})


def create_partner(client_id: str, name: str, *, partner_id: str | None = None, audit: Audit = None) -> dict[str, Any]:
    partner_id = partner_id or f"p-{_slug(name)}-{secrets.token_hex(2)}"
    item = {**keys.partner(client_id, partner_id), "id": partner_id, "clientId": client_id, "name": name,
            "createdAt": clock.iso()}
    _write_for_client(client_id, [Action.put(item, "attribute_not_exists(PK)")],
                      f"Partner {partner_id} already exists in client {client_id}: choose another id",
                      audit=audit, record=item)
    return item


def issue_api_key(client_id: str | None, *, label: str = "", universal: bool = False,
                  usage_key: str | None = None, audit: Audit = None) -> tuple[str, dict[str, Any]]:
    """A new key; the raw value is returned once and only its hash is stored."""
    if not universal and not client_id:
        raise AppError("VALIDATION_ERROR", "A client key needs a client")
    raw = api_keys.new_key(universal=universal)
    key_id = f"key_{secrets.token_hex(6)}"
    owner = "PLATFORM" if universal else keys.client_pk(client_id or "")
    record = {**keys.api_key(api_keys.hash_key(raw)), "keyId": key_id, "clientId": None if universal else client_id,
              "universal": universal, "status": "active", "label": label, "last4": raw[-4:],
              "usageKey": usage_key or (f"usage-{client_id}" if client_id else "usage-universal"),
              "createdAt": clock.iso()}
    reference = {**keys.api_key_ref(owner, key_id), "keyId": key_id, "keyHash": api_keys.hash_key(raw),
                 "label": label, "last4": raw[-4:], "status": "active", "createdAt": record["createdAt"]}
    get_repository().transact([Action.put(record, "attribute_not_exists(PK)"), Action.put(reference),
                               *_audit(audit, record)])
    return raw, record


def revoke_api_key(client_id: str | None, key_id: str, *, audit: Audit = None) -> None:
    owner = keys.client_pk(client_id) if client_id else "PLATFORM"
    repo = get_repository()
    reference = repo.get(keys.api_key_ref(owner, key_id))
    if reference is None:
        raise AppError("NOT_FOUND", f"No key {key_id} for this owner")
    revoked = {":r": "revoked", ":t": clock.iso()}
    repo.transact([
        Action.update(keys.api_key(reference["keyHash"]), "SET #s = :r, revokedAt = :t", names={"#s": "status"},
                      values=revoked),
        Action.update(keys.api_key_ref(owner, key_id), "SET #s = :r, revokedAt = :t", names={"#s": "status"},
                      values=revoked),
        *_audit(audit, reference),
    ])


def create_voucher(client_id: str, *, partner_id: str | None = None, prefix: str = "", code: str | None = None,
                   expires_in_days: int | None = 90, max_redemptions: int = 1,
                   grants: list[str] | None = None) -> dict[str, Any]:
    """One voucher; a partner's is listed and counted in the partner portal (shared/domain/partner_vouchers.py).
    `grants` (e.g. ["premium"]) are what it gives the members who register with it (shared/domain/video_access.py)."""
    code = vouchers.normalize(code) if code else vouchers.new_code(prefix)
    if not vouchers.is_well_formed(code):
        raise AppError("VALIDATION_ERROR", "Voucher codes are letters, digits and dashes")
    expires_at = clock.iso(clock.now() + expires_in_days * 86400) if expires_in_days else None
    voucher = partner_vouchers.create_single(client_id, partner_id, code, expires_at=expires_at,
                                             max_redemptions=max_redemptions)
    if grants:
        voucher = get_repository().update(keys.voucher(voucher["code"]), "SET grants = :grants",
                                          values={":grants": list(grants)})
    return voucher


def create_coach(client_id: str, name: str, *, specialties: list[str], levels: list[str], bio: str = "",
                 image: str = "", rating: float = 4.5, capacity: int = 50, active: bool = True,
                 coach_id: int | None = None, audit: Audit = None) -> dict[str, Any]:
    bad = set(levels) - set(LEVELS)
    if bad:
        raise AppError("VALIDATION_ERROR", f"Unknown levels: {', '.join(sorted(bad))}")
    repo = get_repository()
    coach_id = coach_id or repo.next_id("coach")
    item = {**keys.coach(client_id, coach_id), "id": coach_id, "clientId": client_id, "name": name,
            "specialties": specialties, "levels": levels, "bio": bio,
            "image": image or f"https://cdn.studiostv.net/coaches/{coach_id}.jpg", "rating": rating,
            "capacity": capacity, "memberCount": 0, "active": active, "createdAt": clock.iso()}
    _write_for_client(client_id, [Action.put(item, "attribute_not_exists(PK)")], f"Coach {coach_id} already exists",
                      audit=audit, record=item)
    return item


def create_category(client_id: str, name: str, *, image: str = "", sort_order: int = 0,
                    active: bool = True, audit: Audit = None) -> dict[str, Any]:
    repo = get_repository()
    category_id = repo.next_id("category")
    item = {**keys.category(client_id, category_id), "id": category_id, "clientId": client_id, "name": name,
            "image": image or f"https://cdn.studiostv.net/categories/{_slug(name)}.jpg",
            "sortOrder": sort_order, "active": active, "classCount": 0, "createdAt": clock.iso()}
    _write_for_client(client_id, [Action.put(item, "attribute_not_exists(PK)")], audit=audit, record=item)
    return item


def class_records(client_id: str, class_id: int, name: str, *, trainer_id: int, category_id: int, duration: int,
                  intensity: str = "medium", description: str = "", is_live: bool = False,
                  scheduled_at: str | None = None, is_premium: bool = False, featured_rank: int | None = None,
                  published_at: str | None = None, views: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A class item (with its GSI1 "newest" key) and its index entries: the editorial shelf entry (featured),
    the live schedule entry, and its browse entries and word postings (shared/domain/catalog_index.py).
    Validates the fields; pure."""
    if intensity not in INTENSITIES:
        raise AppError("VALIDATION_ERROR", f"intensity must be one of {', '.join(INTENSITIES)}")
    if duration <= 0:
        raise AppError("VALIDATION_ERROR", "duration (minutes) must be positive")
    if is_live and not scheduled_at:
        raise AppError("VALIDATION_ERROR", "a live class needs scheduledAt")
    created = clock.iso()
    published = published_at or created
    item = {**keys.klass(client_id, class_id), "id": class_id, "clientId": client_id, "name": name,
            "description": description, "trainerId": trainer_id, "categoryId": category_id,
            "duration": duration, "intensity": intensity, "isLive": is_live, "scheduledAt": scheduled_at,
            "isPremium": is_premium, "featuredRank": featured_rank, "views": views,
            "thumbnailUrl": f"https://cdn.studiostv.net/classes/{class_id}.jpg",
            "videoUrl": f"https://cdn.studiostv.net/classes/{class_id}/index.m3u8",
            "publishedAt": published, "status": "active", "createdAt": created,
            "popularStep": catalog_index.popularity_step(views),
            "GSI1PK": keys.classes_index(client_id), "GSI1SK": f"{published}#{class_id:08d}"}
    entries = []
    if featured_rank is not None:
        entries.append({**keys.featured_entry(client_id, featured_rank, class_id), "classId": class_id,
                        "rank": featured_rank})
    if is_live and scheduled_at:
        entries.append({**keys.live_entry(client_id, scheduled_at, class_id), "classId": class_id,
                        "scheduledAt": scheduled_at})
    return item, entries + catalog_index.projections(client_id, item)


def create_class(client_id: str, name: str, *, trainer_id: int, category_id: int, duration: int,
                 class_id: int | None = None, audit: Audit = None, **fields: Any) -> dict[str, Any]:
    """A class of the client's catalog, written with its index entries, its category's `classCount` and its facet
    count in one transaction (at most about 60 actions: 12 browse entries and up to 44 word postings). The trainer
    and the category must be the client's own. `fields`: see class_records."""
    repo = get_repository()
    class_id = class_id or repo.next_id("class")
    item, entries = class_records(client_id, class_id, name, trainer_id=trainer_id, category_id=category_id,
                                  duration=duration, **fields)
    actions = [
        Action.put(item, "attribute_not_exists(PK)"),
        Action.check(keys.coach(client_id, trainer_id), "attribute_exists(PK)"),
        Action.update(keys.category(client_id, category_id), "ADD classCount :one", "attribute_exists(PK)",
                      values={":one": 1}),
        catalog_index.count_action(client_id, {catalog_index.facet_cell(item): 1}),
        *[Action.put(entry) for entry in entries],
        *_audit(audit, item),
    ]
    try:
        repo.transact(actions)
    except TransactionFailed as failed:
        if failed.reasons[0] == "ConditionalCheckFailed":
            raise AppError("CONFLICT", f"Class {class_id} already exists") from None
        if failed.reasons[1] == "ConditionalCheckFailed":
            raise AppError("VALIDATION_ERROR", f"No trainer {trainer_id} in this client") from None
        raise AppError("VALIDATION_ERROR", f"No category {category_id} in this client") from None
    return item


def import_classes(client_id: str, specs: list[dict[str, Any]], *, threads: int = 8,
                   write: Callable[[list[dict[str, Any]]], None] | None = None) -> list[dict[str, Any]]:
    """Bulk import (catalog migrations, benchmarks): one block of class ids, the classes with their index entries
    and projections in batches, then one `classCount` ADD per category and one facet count update per 50
    cells. Not one transaction: a failed import leaves the classes written so far (and their projections, or
    not: `catalog_index.rebuild` writes them again). Each spec holds create_class's keyword arguments plus
    `name`. `write` puts a block of items some other way (a benchmark seeding its own embedded table)."""
    from concurrent.futures import ThreadPoolExecutor

    repo = get_repository()
    catalog = keys.catalog_pk(client_id)
    coach_ids = {int(c["id"]) for c in repo.query(catalog, sk_prefix=keys.COACH_PREFIX)}
    category_ids = {int(c["id"]) for c in repo.query(catalog, sk_prefix=keys.CATEGORY_PREFIX)}
    for spec in specs:
        if spec["trainer_id"] not in coach_ids or spec["category_id"] not in category_ids:
            raise AppError("VALIDATION_ERROR", f"Class {spec['name']!r}: trainer or category not in this client")
    last = int(repo.update(keys.counter("class"), "ADD #v :n", names={"#v": "value"}, values={":n": len(specs)},
                           return_values="UPDATED_NEW")["value"])
    records = [class_records(client_id, last - len(specs) + 1 + n, **spec) for n, spec in enumerate(specs)]

    put = write or repo.put_many

    def write_block(block: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
        # unconditional: the ids were just reserved from the counter, so no other writer holds them
        put([part for item, entries in block for part in (item, *entries)])

    with ThreadPoolExecutor(threads if write is None else 1) as pool:
        list(pool.map(write_block, [records[n:n + 20] for n in range(0, len(records), 20)]))
    counts: dict[int, int] = {}
    cells: dict[str, int] = {}
    for spec, (item, _) in zip(specs, records):
        counts[spec["category_id"]] = counts.get(spec["category_id"], 0) + 1
        cells[catalog_index.facet_cell(item)] = cells.get(catalog_index.facet_cell(item), 0) + 1
    for category_id, count in counts.items():
        repo.update(keys.category(client_id, category_id), "ADD classCount :n", values={":n": count})
    catalog_index.add_counts(client_id, cells)
    return [item for item, _ in records]


def _set_client_field(client_id: str, name: str, value: str) -> None:
    try:
        get_repository().update(keys.client(client_id), "SET #f = :v, updatedAt = :t", condition="attribute_exists(PK)",
                                names={"#f": name}, values={":v": value, ":t": clock.iso()}, return_values="NONE")
    except ConditionFailed:
        raise ValueError(f"unknown client {client_id!r}") from None


def set_client_plan(client_id: str, plan: str) -> None:
    """`premium`: every member of the client plays premium classes; `standard`: only those whose voucher grants
    it (shared/domain/video_access.py). Seen within the client cache's lifetime in every warm function."""
    if plan not in ("standard", "premium"):
        raise ValueError(f"unknown plan {plan!r}")
    _set_client_field(client_id, "plan", plan)


def set_client_status(client_id: str, status: str) -> None:
    """Suspend (`suspended`) or reactivate (`active`) a client. Its members' tokens, refreshes and keys stop
    within the client cache's lifetime (shared.domain.clients.CACHE_SECONDS) in every warm function."""
    if status not in ("active", "suspended"):
        raise ValueError(f"unknown client status {status!r}")
    _set_client_field(client_id, "status", status)


def set_plan_engine(client_id: str, engine: str) -> None:
    """`model`: the client's nutrition plans come from the language-model engine when the deployment names a
    model (shared/domain/planning/model_engine.py); `rules`: the rules engine alone (the default)."""
    if engine not in ("rules", "model"):
        raise ValueError(f"unknown plan engine {engine!r}")
    _set_client_field(client_id, "planEngine", engine)


# --- listing (the admin CLI's list-* commands and the admin API's GET routes) ------------------------------------
def list_clients() -> list[dict[str, Any]]:
    """Every client, by id (one Query of the client index)."""
    return [{"id": c["id"], "name": c["name"], "status": c.get("status", "active"),
             "requiresVoucher": bool(c.get("requiresVoucher")), "createdAt": c.get("createdAt")}
            for c in get_repository().query(keys.clients_index(), index="GSI1")]


def require_client(client_id: str) -> dict[str, Any]:
    client = get_repository().get(keys.client(client_id))
    if client is None:
        raise _unknown(client_id)
    return client


def list_keys(client_id: str | None) -> list[dict[str, Any]]:
    """A client's API keys (the universal keys without a client): ids, labels, last four characters, status."""
    if client_id:
        require_client(client_id)
    owner = keys.client_pk(client_id) if client_id else "PLATFORM"
    return [{"keyId": k["keyId"], "label": k.get("label", ""), "last4": k.get("last4"), "status": k.get("status"),
             "createdAt": k.get("createdAt")}
            for k in get_repository().query(owner, sk_prefix=keys.API_KEY_REF_PREFIX)]


def list_partners(client_id: str) -> list[dict[str, Any]]:
    require_client(client_id)
    return [{"id": p["id"], "name": p["name"], "clientId": client_id, "members": int(p.get("members", 0)),
             "createdAt": p.get("createdAt")}
            for p in get_repository().query(keys.client_pk(client_id), sk_prefix=keys.PARTNER_PREFIX)]


def list_vouchers(client_id: str, *, partner_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """A client's vouchers, newest first (a partner's only, with `partner_id`)."""
    require_client(client_id)
    index, name = (keys.partner_vouchers_index(client_id, partner_id), "GSI2") if partner_id else \
        (keys.voucher_index(client_id), "GSI1")
    now = clock.now()
    return [{"code": v["code"], "partnerId": v.get("partnerId"), "status": partner_vouchers.status_of(v, now),
             "redemptions": int(v.get("redemptions", 0)), "maxRedemptions": int(v.get("maxRedemptions", 1)),
             "expiresAt": v.get("expiresAt"), "createdAt": v.get("createdAt")}
            for v in get_repository().query(index, index=name, forward=False, limit=limit)]
