"""A partner's vouchers: batches of codes, lists, revocation, counters and exports.

Storage (shared/db/keys.py). A voucher is the global item `keys.voucher(code)` that registration redeems; a
partner's vouchers also carry GSI2 = (`keys.partner_vouchers_index`, `createdAt#code`), the stable order of
lists, cursors and exports. A voucher's id is its code.

Batches are visible and redeemable all at once: the batch item (`keys.voucher_batch`) is written `creating`,
the codes in transactions of 100 (each code unique by `attribute_not_exists`, a collision regenerates that
chunk), then one transaction turns the batch `complete` and adds its counters. Until then lists, reads and
exports skip the batch's codes, and a registration with one of them fails: it checks the batch in its own
transaction (`redemption_actions`).

Counters, never counts: the partner's (`keys.voucher_stats`), each batch's and each campaign's item hold
`total`, `redeemed`, `revoked` and, per expiry instant, the vouchers neither redeemed nor revoked
(`open#<expiresAt>` or `open#never`). Expiry is derived on read: open vouchers whose instant has passed are
`expired`, the others `active`, so `total = active + redeemed + expired + revoked` always holds. Every write
that moves a voucher between states moves its counters in the same transaction (creation, redemption in
registration, revocation), so reading stats is one GetItem whatever the number of vouchers.

Revocation and redemption race on the voucher item: both are conditional (`status = active`, unexpired) in
their transactions, so exactly one wins; a redeemed voucher is never revoked.
"""
from __future__ import annotations

import re
import secrets
from typing import Any, Iterator

from shared import clock, cursor
from shared.db import keys
from shared.db.repository import Action, TransactionFailed, get_repository
from shared.domain import text, vouchers
from shared.errors import AppError

MAX_QUANTITY = 500
MAX_EXPIRY_DAYS = 730
PREFIX_PATTERN = r"^[A-Za-z0-9]{2,12}$"
STATUSES = ("active", "redeemed", "expired", "revoked")
CHUNK = 100  # actions per TransactWriteItems
EXPORT_MAX_ROWS = 20_000  # ~2.5 MB of CSV: well inside Lambda's 6 MB answer
NEVER = "never"
VISIBILITY_SLACK = 50  # index entries read beyond a page, for codes of a batch not yet complete


# --- rules (pure) ------------------------------------------------------------------------------------------
def prefix_problem(prefix: str) -> str | None:
    return None if re.fullmatch(PREFIX_PATTERN, prefix) else "2 to 12 letters or digits (A-Z, 0-9)"


def expiry_problem(expires_at: str, now: float) -> str | None:
    """Why an expiry instant is refused: unreadable, without a zone, past, or more than two years ahead."""
    try:
        moment = clock.parse_iso(expires_at)
    except ValueError:
        return "an ISO-8601 instant such as 2027-06-30T23:59:59Z"
    if not re.search(r"(Z|[+-]\d\d:?\d\d)$", expires_at):
        return "an instant with its zone (Z or an offset)"
    if moment <= now:
        return "must be in the future"
    if moment > now + MAX_EXPIRY_DAYS * 86400:
        return f"at most {MAX_EXPIRY_DAYS} days ahead"
    return None


def _invalid(field: str, reason: str) -> AppError:
    return AppError("VALIDATION_ERROR", f"Invalid request: {field}", [{"field": field, "reason": reason}])


def status_of(voucher: dict[str, Any], now: float) -> str:
    """active, redeemed, expired or revoked: expiry derived from `expiresAt`, whatever DynamoDB's TTL did."""
    status = voucher.get("status", "active")
    if status in ("redeemed", "revoked"):
        return str(status)
    expires = voucher.get("expiresAt")
    return "expired" if expires and clock.parse_iso(expires) <= now else "active"


def _open_name(expires_at: str | None) -> str:
    return f"open#{expires_at or NEVER}"


def tally(counters: dict[str, Any] | None, now: float) -> dict[str, Any]:
    """Stats from a counters item: `{total, active, redeemed, expired, revoked, redemptionRate,
    redemptionRateExcludingRevoked}` (rates in percent, one decimal, 0 when nothing to divide)."""
    counters = counters or {}
    active = expired = 0
    for name, value in counters.items():
        if not name.startswith("open#"):
            continue
        instant = name[len("open#"):]
        if instant != NEVER and clock.parse_iso(instant) <= now:
            expired += int(value)
        else:
            active += int(value)
    total, redeemed, revoked = (int(counters.get(k, 0)) for k in ("total", "redeemed", "revoked"))
    issued = total - revoked
    return {"total": total, "active": active, "redeemed": redeemed, "expired": expired, "revoked": revoked,
            "redemptionRate": round(100 * redeemed / total, 1) if total else 0.0,
            "redemptionRateExcludingRevoked": round(100 * redeemed / issued, 1) if issued > 0 else 0.0}


def _counters(key: dict[str, str], *, condition: str | None = None, total: int = 0, redeemed: int = 0,
              revoked: int = 0, opened: dict[str | None, int] | None = None, sets: dict[str, Any] | None = None,
              values: dict[str, Any] | None = None) -> Action:
    """One UpdateItem that moves a counters item (ADD only what changes, SET `sets`)."""
    names: dict[str, str] = {}
    all_values: dict[str, Any] = dict(values or {})
    adds = []
    for name, amount in (("total", total), ("redeemed", redeemed), ("revoked", revoked)):
        if amount:  # names, not attributes: "total" is one of DynamoDB's reserved words
            names[f"#{name}"] = name
            adds.append(f"#{name} :{name}")
            all_values[f":{name}"] = amount
    for i, (instant, amount) in enumerate((opened or {}).items()):
        if amount:
            names[f"#o{i}"] = _open_name(instant)
            all_values[f":o{i}"] = amount
            adds.append(f"#o{i} :o{i}")
    expression = ""
    if sets:
        for i, (name, value) in enumerate(sets.items()):
            names[f"#s{i}"] = name
            all_values[f":s{i}"] = value
        expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets))) + " "
    expression += ("ADD " + ", ".join(adds)) if adds else ""
    return Action.update(key, expression.strip(), condition, names=names or None, values=all_values or None)


def _counter_keys(client_id: str, partner_id: str, voucher: dict[str, Any]) -> list[dict[str, str]]:
    found = [keys.voucher_stats(client_id, partner_id)]
    if voucher.get("campaign"):
        found.append(keys.voucher_campaign(client_id, partner_id, voucher["campaign"]))
    return found


# --- views -------------------------------------------------------------------------------------------------
def voucher_view(voucher: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    status = status_of(voucher, clock.now() if now is None else now)
    redeemed = status == "redeemed"
    return {"id": voucher["code"], "code": voucher["code"], "status": status, "batchId": voucher.get("batchId"),
            "campaign": voucher.get("campaign"), "createdAt": voucher.get("createdAt"),
            "expiresAt": voucher.get("expiresAt"),
            "redeemedAt": voucher.get("lastRedeemedAt") if redeemed else None,
            "redeemedBy": {"memberId": voucher["lastRedeemedBy"]}
            if redeemed and voucher.get("lastRedeemedBy") else None,
            "revokedAt": voucher.get("revokedAt"), "revokedBy": voucher.get("revokedBy")}


def voucher_item(client_id: str, partner_id: str | None, code: str, *, created_at: str, expires_at: str | None,
                 max_redemptions: int = 1, batch_id: str | None = None, campaign: str | None = None,
                 created_by: str | None = None) -> dict[str, Any]:
    """A voucher as stored; a partner's is listed in the partner's index (GSI2)."""
    item = {**keys.voucher(code), "code": code, "clientId": client_id, "partnerId": partner_id,
            "status": "active", "redemptions": 0, "maxRedemptions": max_redemptions, "expiresAt": expires_at,
            "createdAt": created_at, "GSI1PK": keys.voucher_index(client_id), "GSI1SK": f"{created_at}#{code}"}
    if partner_id:
        item.update({"GSI2PK": keys.partner_vouchers_index(client_id, partner_id), "GSI2SK": f"{created_at}#{code}"})
    if batch_id:
        item["batchId"] = batch_id
    if campaign:
        item["campaign"] = campaign
    if created_by:
        item["createdBy"] = created_by
    return item


# --- creating ------------------------------------------------------------------------------------------------
def create_single(client_id: str, partner_id: str | None, code: str, *, expires_at: str | None,
                  max_redemptions: int = 1) -> dict[str, Any]:
    """One voucher (the admin CLI, the seed); see create_codes."""
    return create_codes(client_id, partner_id, [code], expires_at=expires_at, max_redemptions=max_redemptions)[0]


def create_codes(client_id: str, partner_id: str | None, codes: list[str], *, expires_at: str | None,
                 max_redemptions: int = 1, also: list[Action] | None = None) -> list[dict[str, Any]]:
    """Vouchers with the given codes in one transaction (with `also`, e.g. their audit entry), counted at once
    when they are a partner's. The client, and the partner as one of that client's, are checked in the same
    transaction: no orphan code. A code that exists is a CONFLICT naming it."""
    created = clock.iso()
    items = [voucher_item(client_id, partner_id, code, created_at=created, expires_at=expires_at,
                          max_redemptions=max_redemptions) for code in codes]
    checks = [Action.check(keys.client(client_id), "attribute_exists(PK)")]
    if partner_id:
        checks += [Action.check(keys.partner(client_id, partner_id), "attribute_exists(PK)"),
                   _counters(keys.voucher_stats(client_id, partner_id), total=len(items),
                             opened={expires_at: len(items)})]
    try:
        get_repository().transact([*checks, *[Action.put(item, "attribute_not_exists(PK)") for item in items],
                                   *(also or [])])
    except TransactionFailed as failed:
        if failed.reasons[0] == "ConditionalCheckFailed":
            raise AppError("NOT_FOUND", f"No client {client_id}") from None
        if partner_id and failed.reasons[1] == "ConditionalCheckFailed":
            raise AppError("NOT_FOUND", f"No partner {partner_id} in client {client_id}") from None
        taken = [item["code"] for item, reason in zip(items, failed.reasons[len(checks):])
                 if reason == "ConditionalCheckFailed"]
        if taken:
            raise AppError("CONFLICT", f"Voucher {taken[0]} already exists") from None
        raise
    return items


def new_batch_id() -> str:
    return "bat_" + secrets.token_hex(12)


def create_batch(client_id: str, partner_id: str, staff_id: str, *, quantity: int, prefix: str | None = None,
                 expires_at: str | None = None, campaign: str | None = None) -> dict[str, Any]:
    """POST /partner/vouchers: `{batchId, count, campaign, expiresAt, vouchers}`; see the module for how a
    batch appears at once. Cost for 500 codes: 1 + 5 + 1 transactions, 500 voucher puts (2 WCU each, plus
    their two index entries) and a handful of counter updates."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise _invalid("quantity", f"1 to {MAX_QUANTITY} codes per request")
    if prefix is not None and prefix_problem(prefix):
        raise _invalid("prefix", str(prefix_problem(prefix)))
    if expires_at is not None:
        problem = expiry_problem(expires_at, clock.now())
        if problem:
            raise _invalid("expiresAt", problem)
        expires_at = clock.iso(clock.parse_iso(expires_at))
    if campaign is not None:
        campaign = text.display_text(campaign.strip()) if campaign.strip() else None
    repo = get_repository()
    batch_id, created = new_batch_id(), clock.iso()
    batch_key = keys.voucher_batch(client_id, partner_id, batch_id)
    repo.put({**batch_key, "id": batch_id, "status": "creating", "quantity": quantity, "prefix": prefix,
              "expiresAt": expires_at, "campaign": campaign, "createdBy": staff_id, "createdAt": created},
             condition="attribute_not_exists(PK)")
    items: list[dict[str, Any]] = []
    for start in range(0, quantity, CHUNK):
        items += _write_chunk(client_id, partner_id, min(CHUNK, quantity - start), prefix=prefix or "",
                              created=created, expires_at=expires_at, batch_id=batch_id, campaign=campaign,
                              staff_id=staff_id)
    complete = [_counters(batch_key, condition="#s0 = :creating", total=quantity, opened={expires_at: quantity},
                          sets={"status": "complete", "completedAt": clock.iso()}, values={":creating": "creating"})]
    complete += [_counters(key, total=quantity, opened={expires_at: quantity})
                 for key in _counter_keys(client_id, partner_id, {"campaign": campaign})]
    repo.transact(complete)
    now = clock.now()
    return {"batchId": batch_id, "count": quantity, "campaign": campaign, "expiresAt": expires_at,
            "vouchers": [voucher_view(item, now) for item in items]}


def _write_chunk(client_id: str, partner_id: str, size: int, *, prefix: str, created: str,
                 expires_at: str | None, batch_id: str, campaign: str | None, staff_id: str) -> list[dict[str, Any]]:
    """Up to 100 new codes in one transaction; a code that exists already (2^-49 a pair) redraws the chunk."""
    for _attempt in range(3):
        codes = {vouchers.new_code(prefix) for _ in range(size)}
        if len(codes) < size:
            continue
        items = [voucher_item(client_id, partner_id, code, created_at=created, expires_at=expires_at,
                              batch_id=batch_id, campaign=campaign, created_by=staff_id) for code in sorted(codes)]
        try:
            get_repository().transact([Action.put(item, "attribute_not_exists(PK)") for item in items])
        except TransactionFailed as failed:
            clashes = [old for reason, old in zip(failed.reasons, failed.old_items)
                       if reason == "ConditionalCheckFailed"]
            if clashes and all((old or {}).get("batchId") == batch_id for old in clashes):
                return items  # our own write: it landed, and the SDK's retry after a timeout met it
            if clashes:
                continue
            raise
        return items
    raise AppError("CONFLICT", "Could not draw unique codes; try again")


# --- redemption (called by registration) ----------------------------------------------------------------------
def redemption_actions(voucher: dict[str, Any]) -> list[tuple[Action, str]]:
    """What registering with `voucher` adds to the registration's transaction, with each action's kind: a code
    of a batch still being created fails (kind "voucher"); the last use of a partner's voucher moves its
    counters from open to redeemed."""
    partner_id, client_id = voucher.get("partnerId"), voucher["clientId"]
    if not partner_id:
        return []
    last_use = int(voucher.get("redemptions", 0)) + 1 >= int(voucher.get("maxRedemptions", 1))
    moved: dict[str, Any] = {"redeemed": 1, "opened": {voucher.get("expiresAt"): -1}} if last_use else {}
    actions: list[tuple[Action, str]] = []
    if voucher.get("batchId"):
        actions.append((_counters(keys.voucher_batch(client_id, partner_id, voucher["batchId"]),
                                  condition="#s0 = :complete", sets={"status": "complete"},
                                  values={":complete": "complete"}, **moved), "voucher"))
    if last_use:
        actions += [(_counters(key, **moved), "partner") for key in _counter_keys(client_id, partner_id, voucher)]
    return actions


# --- reading ---------------------------------------------------------------------------------------------------
class _Visibility:
    """Which batches are complete, read once per request (a list page usually spans one or two batches)."""

    def __init__(self, client_id: str, partner_id: str) -> None:
        self.client_id, self.partner_id = client_id, partner_id
        self.known: dict[str, bool] = {}

    def __call__(self, voucher: dict[str, Any]) -> bool:
        batch_id = voucher.get("batchId")
        if not batch_id:
            return True
        if batch_id not in self.known:
            batch = get_repository().get(keys.voucher_batch(self.client_id, self.partner_id, batch_id))
            self.known[batch_id] = bool(batch and batch.get("status") == "complete")
        return self.known[batch_id]


def _own(client_id: str, partner_id: str, code: str) -> dict[str, Any]:
    code = vouchers.normalize(code)
    voucher = get_repository().get(keys.voucher(code), consistent=True) if vouchers.is_well_formed(code) else None
    if voucher is None or voucher.get("clientId") != client_id or voucher.get("partnerId") != partner_id \
            or not _Visibility(client_id, partner_id)(voucher):
        raise AppError("NOT_FOUND", "Voucher not found")
    return voucher


def get_voucher(client_id: str, partner_id: str, code: str) -> dict[str, Any]:
    return voucher_view(_own(client_id, partner_id, code))


def _filter(status: str | None, search: str | None, batch_id: str | None,
            campaign: str | None) -> tuple[str | None, dict[str, Any], dict[str, str]]:
    parts: list[str] = []
    values: dict[str, Any] = {}
    names: dict[str, str] = {}
    if status:
        names["#st"] = "status"
        if status in ("redeemed", "revoked"):
            parts.append("#st = :st")
            values[":st"] = status
        else:
            values.update({":st": "active", ":now": clock.iso(), ":null": "NULL"})
            parts.append("#st = :st AND " + (
                "(attribute_not_exists(expiresAt) OR attribute_type(expiresAt, :null) OR expiresAt > :now)"
                if status == "active" else "expiresAt <= :now"))
    if search:
        parts.append("begins_with(code, :search)")
        values[":search"] = vouchers.normalize(search)
    if batch_id:
        parts.append("batchId = :batch")
        values[":batch"] = batch_id
    if campaign:
        parts.append("campaign = :campaign")
        values[":campaign"] = campaign
    return (" AND ".join(f"({p})" for p in parts) or None), values, names


def _walk(client_id: str, partner_id: str, *, status: str | None = None, search: str | None = None,
          batch_id: str | None = None, campaign: str | None = None, newest_first: bool = True,
          after: str | None = None, wanted: int | None = None) -> Iterator[dict[str, Any]]:
    """The partner's visible vouchers in index order, filtered, starting after the sort key `after`. Without a
    filter, `wanted` bounds what DynamoDB reads (plus a slack for codes of a batch still being created, which are
    skipped); with one, the first request reads that many and each next one twice as many, until enough match."""
    expression, values, names = _filter(status, search, batch_id, campaign)
    bound = wanted + VISIBILITY_SLACK if wanted is not None else None
    read_limit = bound if expression is None else None
    between = None
    if after:
        between = ("0", after) if newest_first else (after, "9~")
    visible = _Visibility(client_id, partner_id)
    for item in get_repository().iterate(keys.partner_vouchers_index(client_id, partner_id), index="GSI2",
                                         forward=not newest_first, sk_between=between,
                                         filter_expression=expression, values=values or None, names=names or None,
                                         limit=read_limit, page_size=bound if expression else None):
        if item.get("GSI2SK") == after or not visible(item):
            continue
        yield item


_SORT_KEY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ#[A-Z0-9-]{1,64}")


def encode_cursor(sort_key: str) -> str:
    return cursor.encode({"after": sort_key})


def decode_cursor(text: str) -> str:
    position = cursor.decode(text, lambda p: isinstance(p.get("after"), str) and bool(_SORT_KEY.fullmatch(p["after"])))
    return str(position["after"])


def _total(client_id: str, partner_id: str, status: str | None, batch_id: str | None,
           campaign: str | None) -> int:
    """The number of matches, from counters (one GetItem)."""
    if batch_id:
        key = keys.voucher_batch(client_id, partner_id, batch_id)
    elif campaign:
        key = keys.voucher_campaign(client_id, partner_id, campaign)
    else:
        key = keys.voucher_stats(client_id, partner_id)
    counters = get_repository().get(key)
    if counters is None or (batch_id and (counters.get("status") != "complete"
                                          or (campaign and counters.get("campaign") != campaign))):
        return 0
    return int(tally(counters, clock.now())[status or "total"])


def list_vouchers(client_id: str, partner_id: str, *, status: str | None = None, search: str | None = None,
                  batch_id: str | None = None, campaign: str | None = None, page: int = 1, limit: int = 20,
                  newest_first: bool = True, cursor_text: str | None = None) -> dict[str, Any]:
    """GET /partner/vouchers: `{items, pagination{page, limit, total, totalPages, nextCursor}}`. Order is
    (createdAt, code), newest first unless asked otherwise; `cursor` continues exactly after the last item of
    a page even while new codes arrive. `total` comes from counters; with a code search it is null (counting
    matches would read every voucher). Cost: one Query page per 1 MB read, plus one GetItem per batch seen."""
    after = decode_cursor(cursor_text) if cursor_text else None
    skip = 0 if after else (page - 1) * limit
    items: list[dict[str, Any]] = []
    walker = _walk(client_id, partner_id, status=status, search=search, batch_id=batch_id, campaign=campaign,
                   newest_first=newest_first, after=after, wanted=skip + limit + 1)
    for item in walker:
        if skip:
            skip -= 1
            continue
        items.append(item)
        if len(items) == limit + 1:
            break
    more = len(items) > limit
    items = items[:limit]
    total = None if search else _total(client_id, partner_id, status, batch_id, campaign)
    now = clock.now()
    return {"items": [voucher_view(item, now) for item in items],
            "pagination": {"page": 1 if after else page, "limit": limit, "total": total,
                           "totalPages": (total + limit - 1) // limit if total is not None else None,
                           "nextCursor": encode_cursor(items[-1]["GSI2SK"]) if more and items else None}}


def stats(client_id: str, partner_id: str, *, batch_id: str | None = None,
          campaign: str | None = None) -> dict[str, Any]:
    """GET /partner/vouchers/stats: one GetItem of the right counters, whatever the number of vouchers."""
    if batch_id:
        counters = get_repository().get(keys.voucher_batch(client_id, partner_id, batch_id))
        if counters is None or counters.get("status") != "complete":
            raise AppError("NOT_FOUND", "Batch not found")
    elif campaign:
        counters = get_repository().get(keys.voucher_campaign(client_id, partner_id, campaign))
    else:
        counters = get_repository().get(keys.voucher_stats(client_id, partner_id))
    return {**tally(counters, clock.now()), "batchId": batch_id, "campaign": campaign}


EXPORT_HEADER = ("code", "status", "batchId", "campaign", "createdAt", "expiresAt", "redeemedAt", "memberId",
                 "revokedAt")


def export_rows(client_id: str, partner_id: str, *, status: str | None = None, batch_id: str | None = None,
                max_rows: int = EXPORT_MAX_ROWS) -> list[list[Any]]:
    """The rows of a voucher export (oldest first), or 422 EXPORT_TOO_LARGE past `max_rows` (the CSV answer's
    EXPORT_MAX_ROWS; an export job's is larger: shared/domain/partner_exports.py)."""
    rows: list[list[Any]] = []
    now = clock.now()
    for item in _walk(client_id, partner_id, status=status, batch_id=batch_id, newest_first=False):
        if len(rows) == max_rows:
            raise AppError("EXPORT_TOO_LARGE", f"More than {max_rows} vouchers: start an export job "
                           "(POST /partner/exports), or export by status or batchId")
        view = voucher_view(item, now)
        rows.append([view["code"], view["status"], view["batchId"], view["campaign"], view["createdAt"],
                     view["expiresAt"], view["redeemedAt"], (view["redeemedBy"] or {}).get("memberId"),
                     view["revokedAt"]])
    return rows


# --- revoking --------------------------------------------------------------------------------------------------
def revoke(client_id: str, partner_id: str, code: str, staff_id: str) -> dict[str, Any]:
    """DELETE /partner/vouchers/{id}: `{voucher}` revoked. Already revoked: the same answer (DELETE is
    idempotent). Redeemed: 409 VOUCHER_ALREADY_REDEEMED; expired: 409 VOUCHER_NOT_ACTIVE. One transaction:
    the voucher (only while active and unexpired) and its counters."""
    voucher = _own(client_id, partner_id, code)
    current = status_of(voucher, clock.now())
    if current != "active":
        return _not_revocable(voucher, current)
    now_iso = clock.iso()
    actions = [Action.update(
        keys.voucher(voucher["code"]), "SET #s = :revoked, revokedAt = :now, revokedBy = :staff",
        "#s = :active AND partnerId = :partner AND "
        "(attribute_not_exists(expiresAt) OR attribute_type(expiresAt, :null) OR expiresAt > :now)",
        names={"#s": "status"}, values={":revoked": "revoked", ":now": now_iso, ":staff": staff_id,
                                        ":active": "active", ":partner": partner_id, ":null": "NULL"})]
    moved: dict[str, Any] = {"revoked": 1, "opened": {voucher.get("expiresAt"): -1}}
    if voucher.get("batchId"):
        actions.append(_counters(keys.voucher_batch(client_id, partner_id, voucher["batchId"]), **moved))
    actions += [_counters(key, **moved) for key in _counter_keys(client_id, partner_id, voucher)]
    try:
        get_repository().transact(actions)
    except TransactionFailed as failed:
        if failed.reasons[0] != "ConditionalCheckFailed":
            raise
        latest = get_repository().get(keys.voucher(voucher["code"]), consistent=True) or voucher
        return _not_revocable(latest, status_of(latest, clock.now()))
    return {"voucher": voucher_view({**voucher, "status": "revoked", "revokedAt": now_iso, "revokedBy": staff_id})}


def _not_revocable(voucher: dict[str, Any], status: str) -> dict[str, Any]:
    if status == "revoked":
        return {"voucher": voucher_view(voucher)}
    if status == "redeemed":
        raise AppError("VOUCHER_ALREADY_REDEEMED", "A redeemed voucher cannot be revoked",
                       {"id": voucher["code"], "status": status})
    raise AppError("VOUCHER_NOT_ACTIVE", f"This voucher is {status} and cannot be revoked",
                   {"id": voucher["code"], "status": status})
