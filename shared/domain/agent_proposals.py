"""The voice agent's writes, in two phases: prepare (validate like the real route, hold what can be held, change
nothing else) and, after the member's spoken yes, confirm (do it, once).

A proposal is an item in the member's own partition (keys.agent_proposal): another member's or another client's
id is simply not there (404). It lives PROPOSAL_SECONDS (the booking hold's life), then DynamoDB's TTL removes it.

Exactly once, whatever the agent re-runs:
- confirm first claims the proposal with a conditional update (`prepared` and not expired -> `confirming`), so
  two confirms at once have one winner; the loser answers 409 IDEMPOTENCY_IN_PROGRESS (retryable);
- a claim older than CLAIM_SECONDS (a confirm that died half way) may be taken over; the booking's natural key
  (the member's confirmed booking with that trainer at that start) is looked up before booking again, and the
  booking transaction itself refuses a second booking of the member's time;
- a confirmed proposal keeps its result: a second confirm, with any Idempotency-Key, answers it again with
  `replayed: true`;
- what changed since prepare (the hold lapsed or was replaced, the cancellation quote differs) is 409
  PROPOSAL_STALE with `details.changed`; past `expiresAt` it is 409 PROPOSAL_EXPIRED.
Every prepare and confirm is written to the member's audit of the agent's actions (keys.agent_action).
"""
from __future__ import annotations

import json
import secrets
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import ConditionFailed, get_repository
from shared.domain import (agent_programme_changes, agent_switches, agent_tools, bookings, clients, group_classes,
                           trainers)
from shared.domain.agent_tools import booking_brief
from shared.errors import AppError, not_found

PROPOSAL_SECONDS = bookings.HOLD_SECONDS
CLAIM_SECONDS = 30  # three times the functions' timeout: only a dead confirm holds a claim this long
AUDIT_DAYS = 90
FEATURE = "coach_connect"


def _new_id() -> str:
    return f"prp_{secrets.token_hex(12)}"


# --- the audit --------------------------------------------------------------------------------------------------
def audit(client_id: str, user_id: str, *, action: str, phase: str, outcome: str, proposal_id: str,
          say: str, ref: str | None = None) -> None:
    """One entry of the member's audit (ids and the sentence the member heard; no free text of theirs)."""
    now_ms = clock.now_ms()
    entry_id = secrets.token_hex(6)
    get_repository().put({**keys.agent_action(client_id, user_id, now_ms, entry_id), "id": entry_id,
                          "at": clock.iso(now_ms / 1000), "actor": "agent", "action": action, "phase": phase,
                          "outcome": outcome, "proposalId": proposal_id, "ref": ref, "say": say[:300],
                          "ttl": int(now_ms / 1000) + AUDIT_DAYS * 86400})


def actions_of(client_id: str, user_id: str, limit: int) -> dict[str, Any]:
    """The member's audit, newest first (one Query of their partition's AGENTACT# range)."""
    items = get_repository().query(keys.user_pk(client_id, user_id), sk_prefix=keys.AGENT_ACTION_PREFIX,
                                   forward=False, limit=limit)
    return {"items": [{k: i.get(k) for k in ("id", "at", "actor", "action", "phase", "outcome", "proposalId",
                                             "ref", "say")} for i in items]}


# --- prepare ------------------------------------------------------------------------------------------------------
def prepare(client_id: str, user_id: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    clients.require_feature(client_id, FEATURE)
    agent_switches.require(client_id, agent_switches.PREPARE_TOOLS[action])
    preparers = {"book": _prepare_book, "cancel": _prepare_cancel, "join_class": _prepare_join,
                 "programme_change": agent_programme_changes.prepare}
    found = preparers[action](client_id, user_id, params)
    proposal_id = _new_id()
    expires = int(found.pop("expiresAtEpoch"))
    item = {**keys.agent_proposal(client_id, user_id, proposal_id), "proposalId": proposal_id, "action": action,
            "params": found.pop("params"), "status": "prepared", "expiresAtEpoch": expires,
            "createdAt": clock.iso(), "summary": found["summary"], "say": found["say"],
            "expected": found.pop("expected"), "ttl": expires + 3600}
    get_repository().put(item, condition="attribute_not_exists(PK)")
    audit(client_id, user_id, action=action, phase="prepare", outcome="prepared", proposal_id=proposal_id,
          say=found["say"], ref=item["params"].get("bookingId") or item["params"].get("holdId") or
          item["params"].get("subscriptionId") or
          (str(item["params"]["classId"]) if "classId" in item["params"] else None))
    return {"proposalId": proposal_id, "action": action, "status": "prepared", "expiresAt": clock.iso(expires),
            "summary": found["summary"], "say": found["say"]}


def _prepare_book(client_id: str, user_id: str, params: dict[str, Any]) -> dict[str, Any]:
    trainer_id = params.get("trainerId")
    if trainer_id is None:
        coach = agent_tools.coach_of(client_id, user_id)
        if coach is None:
            raise AppError("VALIDATION_ERROR", "Invalid request: trainerId",
                           [{"field": "trainerId", "reason": "required: you have no coach yet"}])
        trainer_id = int(coach["id"])
    trainer = trainers.get(client_id, int(trainer_id))
    try:
        held = bookings.hold(client_id, user_id, trainer.id, int(params["serviceId"]), int(params["slotId"]))
    except AppError as refused:
        if refused.code != "SLOT_UNAVAILABLE" or not isinstance(refused.details, dict):
            raise
        mine = _own_booking(client_id, user_id, trainer.id, int(params["slotId"]) * 60)
        if mine is not None:  # the natural key: a re-run after an unheard confirm
            brief = booking_brief(mine)
            raise AppError("ALREADY_BOOKED", "You have already booked this slot",
                           {"bookingId": brief["id"], "when": brief["when"]}) from None
        refused.details = {**refused.details, "timeZone": trainer.time_zone}
        raise
    service = trainer.service(int(params["serviceId"])) or {}
    policy = trainers.policy_view(service)
    when = agent_tools.spoken_when(clock.parse_iso(held["slot"]["startsAt"]), trainer.time_zone)
    price = trainers.price_of(int(service["priceMinor"]), str(service["currency"]))
    penalty = policy["lateCancelPenalty"]
    free_hours = policy["freeCancelMinutes"] // 60
    late = "" if penalty["type"] == "none" else f"; later than that the penalty is {_money(penalty)}"
    summary = {"what": f"{service.get('name', '')} with {trainer.profile.get('name', '')}", "when": when,
               "startsAt": held["slot"]["startsAt"], "timeZone": trainer.time_zone, "price": price,
               "priceMinor": int(service["priceMinor"]), "currency": str(service["currency"]),
               "cancellationPolicy": f"free cancellation until {free_hours} hours before{late}",
               "penalty": None, "bookingId": None, "classId": None}
    say = (f"{summary['what']} on {when}, {_money({'amount': price, 'currency': summary['currency']})}, "
           f"{summary['cancellationPolicy']}. Shall I book it?")
    return {"params": {"trainerId": trainer.id, "serviceId": int(params["serviceId"]),
                       "slotId": int(params["slotId"]), "notes": params.get("notes"), "holdId": held["holdId"]},
            "expiresAtEpoch": clock.parse_iso(held["expiresAt"]), "summary": summary, "say": say,
            "expected": json.dumps({"holdId": held["holdId"]})}


def _cancel_terms(quote: dict[str, Any]) -> str:
    """What cancelling now leads to (status and penalty), canonical, to compare prepare with confirm."""
    return json.dumps({"status": quote["status"], "penalty": quote["penalty"] or {"type": "none"}}, sort_keys=True)


def _prepare_cancel(client_id: str, user_id: str, params: dict[str, Any]) -> dict[str, Any]:
    booking_id = str(params["bookingId"])
    current = bookings.get_booking(client_id, user_id, booking_id)
    if current["status"] != "confirmed":
        raise AppError("BOOKING_NOT_CANCELLABLE", "This booking is not a confirmed one",
                       {"reason": "cancelled" if current["status"] in bookings.CANCELLED else "completed",
                        "bookingId": booking_id})
    quote = bookings.cancel(client_id, user_id, booking_id, dry_run=True)  # refuses what cannot be cancelled
    penalty = quote["penalty"] or {"type": "none"}
    brief = booking_brief(quote)
    cost = "at no cost" if penalty["type"] == "none" else f"as a late cancellation: the penalty is {_money(penalty)}"
    summary = {"what": f"cancel {brief['serviceName']} with {brief['trainerName']}", "when": brief["when"],
               "startsAt": quote["startsAt"], "timeZone": quote["timeZone"], "price": None, "priceMinor": None,
               "currency": quote["currency"], "cancellationPolicy": f"you can cancel {cost}",
               "penalty": penalty, "bookingId": booking_id, "classId": None}
    say = f"Cancelling {brief['serviceName']} with {brief['trainerName']} on {brief['when']} is {cost}. Go ahead?"
    return {"params": {"bookingId": booking_id}, "expiresAtEpoch": int(clock.now()) + PROPOSAL_SECONDS,
            "summary": summary, "say": say, "expected": _cancel_terms(quote)}


def _prepare_join(client_id: str, user_id: str, params: dict[str, Any]) -> dict[str, Any]:
    class_id = int(params["classId"])
    item = group_classes.join_preview(client_id, user_id, class_id)
    view = group_classes.class_view(item, detail=True)
    when = agent_tools.spoken_when(clock.parse_iso(view["startsAt"]), view["timeZone"])
    full = view["spotsLeft"] == 0
    free_hours = view["cancellationPolicy"]["freeCancelMinutes"] // 60
    place = f"the class is full: you would join the waitlist ({view['waitlist']['count']} waiting)" if full else \
        f"{view['spotsLeft']} place{'s' if view['spotsLeft'] != 1 else ''} left"
    summary = {"what": f"{view['name']} ({view['duration']} minutes)", "when": when, "startsAt": view["startsAt"],
               "timeZone": view["timeZone"], "price": None, "priceMinor": None,
               "currency": view["cancellationPolicy"]["lateCancelPenalty"]["currency"],
               "cancellationPolicy": f"free cancellation until {free_hours} hours before; {place}",
               "penalty": None, "bookingId": None, "classId": class_id}
    verb = "join the waitlist of" if full else "book"
    say = f"{view['name']} on {when}: {place}, free cancellation until {free_hours} hours before. Shall I {verb} it?"
    return {"params": {"classId": class_id}, "expiresAtEpoch": int(clock.now()) + PROPOSAL_SECONDS,
            "summary": summary, "say": say, "expected": json.dumps({"full": full})}


def _join(client_id: str, user_id: str, item: dict[str, Any]) -> dict[str, Any]:
    class_id = int(item["params"]["classId"])
    full = json.loads(item["expected"])["full"]
    try:
        place = group_classes.join(client_id, user_id, class_id, waitlist=full)[1]["classBooking"]
    except AppError as refused:
        if refused.code == "CLASS_FULL" and not full:
            raise AppError("PROPOSAL_STALE", "The class filled up since the proposal",
                           {"proposalId": item["proposalId"], "changed": {"spotsLeft": 0}}) from None
        if refused.code not in ("ALREADY_BOOKED", "ALREADY_ON_WAITLIST"):
            raise
        klass = group_classes.get_class(client_id, class_id, consistent=True)  # the natural key: one per member
        stored = get_repository().get(keys.class_booking(client_id, class_id, user_id), consistent=True) or {}
        place = group_classes.place_view(klass, stored, (refused.details or {}).get("position"))
    klass = group_classes.get_class(client_id, class_id)
    when = agent_tools.spoken_when(int(klass["startsAt"]), str(klass["timeZone"]))
    brief = {"id": place["id"], "classId": class_id, "className": place["className"], "status": place["status"],
             "position": place["position"], "startsAt": place["startsAt"], "timeZone": klass["timeZone"],
             "when": when}
    said = f"You're on the waitlist of {brief['className']} on {when}, position {brief['position']}." \
        if place["status"] == "waitlisted" else f"Booked: {brief['className']} on {when}."
    return {"classBooking": brief, "say": said}


def _money(value: dict[str, Any]) -> str:
    amount = value.get("amount")
    if value.get("type") == "credit_forfeit":
        return "one session credit"
    return f"{amount:.2f} {value.get('currency', '')}".strip() if isinstance(amount, (int, float)) else "a fee"


# --- confirm ------------------------------------------------------------------------------------------------------
def confirm(client_id: str, user_id: str, proposal_id: str) -> dict[str, Any]:
    repo = get_repository()
    key = keys.agent_proposal(client_id, user_id, proposal_id)
    now = int(clock.now())
    try:
        item = repo.update(key, "SET #s = :confirming, claimedAt = :now",
                           condition="attribute_exists(PK) AND ((#s = :prepared AND expiresAtEpoch > :now) OR "
                                     "(#s = :confirming AND claimedAt < :stale))",
                           names={"#s": "status"},
                           values={":confirming": "confirming", ":prepared": "prepared", ":now": now,
                                   ":stale": now - CLAIM_SECONDS})
    except ConditionFailed as failed:
        return _answer_unclaimed(failed.old_item, proposal_id)
    action = str(item["action"])
    try:
        agent_switches.require(client_id, agent_switches.PREPARE_TOOLS[action])  # switched off since prepare
        result = {"book": _book, "cancel": _cancel, "join_class": _join,
                  "programme_change": agent_programme_changes.confirm}[action](client_id, user_id, item)
    except AppError as refused:
        outcome = "stale" if refused.code == "PROPOSAL_STALE" else "refused"
        repo.update(key, "SET #s = :outcome, refusal = :code", names={"#s": "status"},
                    values={":outcome": outcome, ":code": refused.code})
        audit(client_id, user_id, action=action, phase="confirm", outcome=outcome, proposal_id=proposal_id,
              say=f"Not done: {refused.message}")
        raise
    answer = {"proposalId": proposal_id, "action": action, "status": "confirmed", "replayed": False,
              "booking": None, "classBooking": None, "subscription": None, **result}
    repo.update(key, "SET #s = :confirmed, #r = :result, confirmedAt = :at", names={"#s": "status", "#r": "result"},
                values={":confirmed": "confirmed", ":result": json.dumps(answer), ":at": clock.iso()})
    audit(client_id, user_id, action=action, phase="confirm", outcome="done", proposal_id=proposal_id,
          say=answer["say"], ref=(answer["booking"] or answer["classBooking"] or answer["subscription"])["id"])
    return answer


def _answer_unclaimed(item: dict[str, Any] | None, proposal_id: str) -> dict[str, Any]:
    if not item:
        raise not_found("Proposal")
    status = item.get("status")
    if status == "confirmed":
        return {**json.loads(item["result"]), "replayed": True}
    if status == "confirming":
        raise AppError("IDEMPOTENCY_IN_PROGRESS", "This proposal is being confirmed right now",
                       {"proposalId": proposal_id, "retryAfter": 1}, headers={"Retry-After": "1"})
    if status in ("stale", "refused"):
        raise AppError("PROPOSAL_STALE", "This proposal can no longer be confirmed; prepare it again",
                       {"proposalId": proposal_id, "changed": {"reason": item.get("refusal") or status}})
    raise AppError("PROPOSAL_EXPIRED", "This proposal has expired; prepare it again",
                   {"proposalId": proposal_id, "expiredAt": clock.iso(int(item["expiresAtEpoch"]))})


def _book(client_id: str, user_id: str, item: dict[str, Any]) -> dict[str, Any]:
    params = item["params"]
    trainer_id, starts = int(params["trainerId"]), int(params["slotId"]) * 60
    existing = _own_booking(client_id, user_id, trainer_id, starts)
    if existing is None:
        try:
            existing = bookings.book(client_id, user_id, trainer_id, int(params["serviceId"]),
                                     int(params["slotId"]), params.get("notes"), str(params["holdId"]))
        except AppError as refused:
            if refused.code != "SLOT_UNAVAILABLE":
                raise
            details = refused.details if isinstance(refused.details, dict) else {}
            raise AppError("PROPOSAL_STALE", "The held time was released or taken since the proposal",
                           {"proposalId": item["proposalId"],
                            "changed": {"reason": details.get("reason", "taken"),
                                        "alternatives": details.get("alternatives", [])}}) from None
    brief = booking_brief(existing)
    return {"booking": brief, "classBooking": None, "say": f"Booked: {brief['serviceName']} with {brief['trainerName']} on "
                                     f"{brief['when']}."}


def _own_booking(client_id: str, user_id: str, trainer_id: int, starts: int) -> dict[str, Any] | None:
    """The member's confirmed booking with this trainer at this start (the natural key of a booking)."""
    upcoming: list[dict[str, Any]] = bookings.list_bookings(client_id, user_id, "upcoming", 1, 100)["items"]
    return next((found for found in upcoming
                 if found["trainerId"] == trainer_id and clock.parse_iso(found["startsAt"]) == starts), None)


def _cancel(client_id: str, user_id: str, item: dict[str, Any]) -> dict[str, Any]:
    booking_id = str(item["params"]["bookingId"])
    current = bookings.get_booking(client_id, user_id, booking_id)
    if current["status"] == "confirmed":
        quote = bookings.cancel(client_id, user_id, booking_id, dry_run=True)
        if _cancel_terms(quote) != item["expected"]:
            raise AppError("PROPOSAL_STALE", "The cancellation terms changed since the proposal",
                           {"proposalId": item["proposalId"],
                            "changed": {"before": json.loads(item["expected"]), "now": json.loads(_cancel_terms(quote))}})
    # a cancelled booking answers its stored state (a confirm that died after cancelling, retried)
    done = bookings.cancel(client_id, user_id, booking_id, dry_run=False)
    brief = booking_brief(done)
    penalty = done["penalty"] or {"type": "none"}
    cost = "" if penalty["type"] == "none" else f" The late-cancellation penalty is {_money(penalty)}."
    return {"booking": brief, "classBooking": None, "say": f"Cancelled {brief['serviceName']} with {brief['trainerName']} on "
                                     f"{brief['when']}.{cost}"}
