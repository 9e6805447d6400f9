"""Trainer invitations: a studio admin invites one of the client's trainers, the trainer checks the code
(POST /invite/check) and registers with it (POST /auth/register with `inviteCode`), which creates a user with
role `trainer` linked to that trainer.

A code is a secret capability, single use: only its SHA-256 is stored (keys.trainer_invite), and the
registration's transaction takes it (`status` pending -> used, conditioned on still being pending and unexpired)
together with the trainer's one account claim (keys.trainer_account). Two registrations racing with one code
leave exactly one account; a trainer who already has an account cannot be given a second one.
"""
from __future__ import annotations

import secrets
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import Action, RecordAction, get_repository
from shared.digest import sha256_hex
from shared.domain.vouchers import ALPHABET
from shared.errors import AppError, not_found

CODE_PATTERN = r"^[A-Za-z0-9-]{8,40}$"
DEFAULT_DAYS = 7
MAX_DAYS = 30
REASONS = ("not_found", "expired", "used", "revoked", "already_linked")


def new_code() -> str:
    """TRN-XXXX-XXXX-XXXX: 12 characters of a 31-letter alphabet (about 59 bits), easy to read aloud."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"TRN-{body[:4]}-{body[4:8]}-{body[8:]}"


def code_hash(code: str) -> str:
    return sha256_hex(code.strip().upper())


def create(client_id: str, trainer_id: int, *, days: int = DEFAULT_DAYS, invited_by: str = "",
           audit: RecordAction | None = None) -> dict[str, Any]:
    """A new invitation of one of the client's trainers (404 for a trainer of another client or none). The code is
    answered once: only its hash is kept. `audit`: the admin API's audit entry, written in the same transaction
    (given `{"trainerId"}`)."""
    from shared.domain import trainers

    coach = trainers.coaches(client_id).get(int(trainer_id))
    if coach is None:
        raise not_found("Trainer")
    code = new_code()
    now = int(clock.now())
    expires = now + days * 86400
    item = {**keys.trainer_invite(code_hash(code)), "clientId": client_id, "trainerId": int(trainer_id),
            "status": "pending", "invitedBy": invited_by, "createdAt": clock.iso(now), "expiresAt": clock.iso(expires),
            "expiresAtEpoch": expires, "ttl": expires + 30 * 86400}
    actions = [Action.put(item, "attribute_not_exists(PK)")]
    if audit:
        actions.append(audit({"trainerId": int(trainer_id)}))
    get_repository().transact(actions)
    return {"code": code, "clientId": client_id, "trainerId": int(trainer_id), "trainerName": coach.get("name", ""),
            "expiresAt": clock.iso(expires)}


def lookup(code: str) -> dict[str, Any] | None:
    return get_repository().get(keys.trainer_invite(code_hash(code)), consistent=True)


def state(invite: dict[str, Any] | None, client_id: str | None) -> tuple[bool, str | None]:
    """(valid, reason). An invitation of another client than the key's (`client_id`; None for the universal key)
    is `not_found`: its existence is not told."""
    if invite is None or (client_id is not None and invite.get("clientId") != client_id):
        return False, "not_found"
    if invite.get("status") == "used":
        return False, "used"
    if invite.get("status") == "revoked":
        return False, "revoked"
    if int(invite.get("expiresAtEpoch", 0)) <= clock.now():
        return False, "expired"
    return True, None


def check(code: str, client_id: str | None) -> dict[str, Any]:
    """POST /invite/check: whether the code can open a trainer account, and whose it is."""
    invite = lookup(code)
    valid, reason = state(invite, client_id)
    if valid and invite is not None and get_repository().get(
            keys.trainer_account(str(invite["clientId"]), int(invite["trainerId"]))):
        valid, reason = False, "already_linked"  # the trainer has an account: registering would be refused
    if not valid or invite is None:
        return {"valid": False, "reason": reason, "trainer": None, "client": None, "expiresAt": None}
    from shared.domain import clients, trainers

    coach = trainers.coaches(invite["clientId"]).get(int(invite["trainerId"])) or {}
    client = clients.get_client(invite["clientId"]) or {}
    return {"valid": True, "reason": None,
            "trainer": {"id": int(invite["trainerId"]), "name": coach.get("name", ""), "image": coach.get("image")},
            "client": {"id": invite["clientId"], "name": client.get("name", "")}, "expiresAt": invite["expiresAt"]}


def usable(code: str, client_id: str | None) -> dict[str, Any]:
    """The invitation a registration may use, or 400 INVALID_INVITE with the reason."""
    invite = lookup(code)
    valid, reason = state(invite, client_id)
    if not valid or invite is None:
        raise refusal(reason or "not_found")
    return invite


def refusal(reason: str) -> AppError:
    return AppError("INVALID_INVITE", "The invitation code cannot be used", {"reason": reason})


def redemption_actions(invite: dict[str, Any], user_id: str) -> list[tuple[Action, str]]:
    """What a registration with this invitation writes beside the user, with the kind each failure means: the
    code taken once (`invite`) and the trainer's one account claimed (`trainer_account`)."""
    client_id, trainer_id = str(invite["clientId"]), int(invite["trainerId"])
    now = int(clock.now())
    take = Action.update(keys.trainer_invite(str(invite["PK"]).split("#", 1)[1]),
                         "SET #s = :used, usedBy = :uid, usedAt = :at",
                         "#s = :pending AND expiresAtEpoch > :now", names={"#s": "status"},
                         values={":used": "used", ":uid": user_id, ":at": clock.iso(now), ":pending": "pending",
                                 ":now": now})
    claim = Action.put({**keys.trainer_account(client_id, trainer_id), "userId": user_id, "createdAt": clock.iso(now)},
                       "attribute_not_exists(PK)")
    return [(take, "invite"), (claim, "trainer_account")]
