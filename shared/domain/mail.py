"""Outgoing mail: Amazon SES (v2) in AWS, a local outbox everywhere else.

In AWS set MAIL_FROM to a verified SES identity; the function then needs `ses:SendEmail` on that identity
(template.yaml: a `SESCrudPolicy` or an inline statement for `ses:SendEmail`). Without MAIL_FROM, or with
MAIL_OUTBOX=local, a message is stored in the table instead, in its recipient's user partition (so that
deleting the account deletes it) with a one-hour TTL, printed on the local API's console, and listed by
`outbox()`, which the admin CLI can show. The local outbox holds the message as sent, reset links included:
it is for development only, and never used when MAIL_FROM is set.
"""
from __future__ import annotations

import os
import secrets
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.settings import get_settings

OUTBOX_TTL_SECONDS = 3600


def uses_local_outbox() -> bool:
    return os.environ.get("MAIL_OUTBOX", "").lower() == "local" or not os.environ.get("MAIL_FROM")


def send(*, to: str, subject: str, text: str, client_id: str, user_id: str) -> str:
    """Send one plain-text message; returns its id (the SES message id in AWS)."""
    if uses_local_outbox():
        return _store_locally(to=to, subject=subject, text=text, client_id=client_id, user_id=user_id)
    import boto3  # only where mail really leaves, and only when it does

    response = boto3.client("sesv2", region_name=get_settings().region).send_email(
        FromEmailAddress=os.environ["MAIL_FROM"],
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"},
                            "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}}},
    )
    return str(response.get("MessageId", ""))


def _store_locally(*, to: str, subject: str, text: str, client_id: str, user_id: str) -> str:
    message_id = "msg_" + secrets.token_hex(8)
    sent_at = clock.iso()
    get_repository().put({
        **keys.mail_message(client_id, user_id, sent_at, message_id), "id": message_id, "to": to,
        "subject": subject, "text": text, "clientId": client_id, "sentAt": sent_at,
        "ttl": int(clock.now()) + OUTBOX_TTL_SECONDS,
        "GSI1PK": keys.outbox_index(), "GSI1SK": f"{sent_at}#{message_id}",
    })
    print(f"[outbox] to {to}: {subject}\n{text}\n", flush=True)
    return message_id


def outbox(*, to: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The local outbox, newest first, unexpired messages only (optionally for one address)."""
    now = clock.now()
    found: list[dict[str, Any]] = []
    for item in get_repository().iterate(keys.outbox_index(), index="GSI1", forward=False):
        if int(item.get("ttl", 0)) <= now or (to and item.get("to") != to.strip().lower()):
            continue
        found.append({k: item[k] for k in ("id", "to", "subject", "text", "clientId", "sentAt")})
        if len(found) >= limit:
            break
    return found
