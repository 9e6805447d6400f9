"""DELETE /users/me as a resumable, idempotent process: mark, delete in steps, finish, sweep.

A deletion cannot be one transaction (a member may own thousands of items; a transaction holds 100), and a
Lambda may time out half-way. So every step can run again and the next call carries on where the last stopped:

1. **Mark** (one transaction, once): the user item goes from `active` to `deleting` and the coach counts one
   member less. From here the account is unusable (sign-in, `GET /users/me` and updates see no active account,
   the email stays claimed so nobody registers it meanwhile), but the member's access token still works for one
   thing that matters: calling `DELETE /users/me` again, which skips the mark and continues.
2. **Steps**: the items of the user's partitions (the user partition, the stored Idempotency-Key answers) are
   deleted 100 at a time, re-reading what is left each time, so a retry only does what remains.
3. **Finish** (one transaction): the user item and the email claim go, the revocation record that refuses every
   token of the account is written (shared/auth/revocation.py), the sign-in and reset-mail buckets go, and the
   account's request bucket is closed (see below).
4. **Sweep**: a request that passed its checks just before the finish may still write an item; the partitions
   are read once more and emptied.

The revocation is written last, not first, so that a timeout never leaves an account that can neither be used
nor deleted again (revoked tokens, no way back in). A retry after the finish gets 401: the account is gone.

The rate limiter runs before a route's checks, so a request with a deleted account's token would recreate the
account's bucket. The finish therefore leaves the bucket closed (`closed`, no `tat`, a TTL past the life of any
token and of any Allow the gateway caches), which shared/ratelimit.py refuses with 401 without writing; it holds
no personal data and expires with the revocation record's need.
"""
from __future__ import annotations

from typing import Any

from shared import clock, ratelimit
from shared.auth.revocation import deleted_record
from shared.db import keys
from shared.db.repository import Action, TransactionFailed, get_repository
from shared.errors import AppError
from shared.logs import security_event
from shared.settings import get_settings

DELETING = "deleting"
STEP_ITEMS = 100  # one transaction's worth of deletes
AUTHORIZER_CACHE_SECONDS = 300  # the longest an API Gateway authorizer answer is cached (template.yaml)


def _not_found() -> AppError:
    return AppError("NOT_FOUND", "Account not found")


def delete_account(client_id: str, user_id: str, *, request_id: str = "") -> dict[str, Any]:
    """Delete the account, or continue a deletion that stopped half-way. Safe to call any number of times."""
    repo = get_repository()
    user = repo.get(keys.user(client_id, user_id), consistent=True)
    if user is None:
        raise _not_found()
    if user.get("status", "active") == "active":
        _mark(user)
        security_event("account-deletion-started", requestId=request_id, clientId=client_id, userId=user_id)
    elif user.get("status") != DELETING:
        raise _not_found()
    else:
        security_event("account-deletion-resumed", requestId=request_id, clientId=client_id, userId=user_id)
    delete_owned_items(client_id, user_id)
    _finish(client_id, user_id, str(user["email"]), user.get("trainerId"))
    delete_owned_items(client_id, user_id)  # what a request already past its checks wrote meanwhile
    return {"deleted": True, "id": user_id}


def _mark(user: dict[str, Any]) -> None:
    """`active` -> `deleting` and the coach's count, together and once (a concurrent mark finds `deleting`)."""
    client_id, user_id = user["clientId"], user["id"]
    mark = Action.update(keys.user(client_id, user_id), "SET #status = :deleting, deletionStartedAt = :now",
                         condition="attribute_exists(PK) AND (attribute_not_exists(#status) OR #status = :active)",
                         names={"#status": "status"},
                         values={":deleting": DELETING, ":active": "active", ":now": clock.iso()})
    coach = Action.update(keys.coach(client_id, user["coachId"]), "ADD memberCount :minus",
                          condition="attribute_exists(PK) AND memberCount > :zero",
                          values={":minus": -1, ":zero": 0}) if isinstance(user.get("coachId"), int) else None
    from shared.domain.partner_members import leaving_actions

    leaving = leaving_actions(user)  # the partner's member count, if a partner brought the member
    try:
        get_repository().transact([mark, coach, *leaving] if coach else [mark, *leaving])
    except TransactionFailed as failed:
        if failed.reasons[0] == "ConditionalCheckFailed":
            return  # another call marked it first (and counted the coach): continue its deletion
        if coach is None or failed.reasons[1] != "ConditionalCheckFailed":
            raise
        get_repository().transact([mark, *leaving])  # the coach is gone or counts nobody: mark without it
        # (a concurrent mark between the two is as above: its condition fails and it continues)


def _partitions(client_id: str, user_id: str) -> list[tuple[str, str | None]]:
    """(partition, the sort key kept until the finish) of everything the member owns."""
    return [(keys.user_pk(client_id, user_id), keys.user(client_id, user_id)["SK"]),
            (keys.idempotency(client_id, user_id, "")["PK"], None)]


def delete_owned_items(client_id: str, user_id: str) -> int:
    """Delete the member's items (but the user item) in steps of STEP_ITEMS: the number deleted."""
    repo = get_repository()
    deleted = 0
    for partition, kept in _partitions(client_id, user_id):
        while True:
            page = [item for item in repo.query(partition, consistent=True, limit=STEP_ITEMS + 1)
                    if item["SK"] != kept][:STEP_ITEMS]
            if not page:
                break
            repo.transact([Action.delete({"PK": item["PK"], "SK": item["SK"]}) for item in page])
            deleted += len(page)
    return deleted


def _finish(client_id: str, user_id: str, email: str, trainer_id: Any = None) -> None:
    from shared.domain.accounts import forgot_scope, login_scope

    settings = get_settings()
    closed_until = int(clock.now()) + settings.access_token_seconds + AUTHORIZER_CACHE_SECONDS + 60
    user_scope = ratelimit.scope_for(client_id, user_id, "", "")
    # a trainer's account frees the trainer's one account claim, so that a new invitation can open another
    trainer_claim = [Action.delete(keys.trainer_account(client_id, int(trainer_id)),
                                   "attribute_not_exists(PK) OR userId = :uid", values={":uid": user_id})] \
        if isinstance(trainer_id, int) else []
    try:
        get_repository().transact([
            Action.delete(keys.user(client_id, user_id), "#status = :deleting", names={"#status": "status"},
                          values={":deleting": DELETING}),
            Action.delete(keys.email_claim(client_id, email), "attribute_not_exists(PK) OR userId = :uid",
                          values={":uid": user_id}),
            Action.put(deleted_record(client_id, user_id)),
            Action.put(ratelimit.closed_bucket(user_scope, closed_until)),
            Action.delete(keys.rate_bucket(login_scope(client_id, email))),
            Action.delete(keys.rate_bucket(forgot_scope(client_id, email))),
            *trainer_claim,
        ])
    except TransactionFailed as failed:
        if failed.reasons[0] != "ConditionalCheckFailed":
            raise
        # a concurrent call finished first: the user item is gone, which is what this call wanted

