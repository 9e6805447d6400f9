"""Outgoing mail: Amazon SES (v2 API, through botocore) in AWS, a local outbox everywhere else.

In AWS set MAIL_FROM to a verified SES identity; the function then needs `ses:SendEmail` on that identity
(template.yaml: a `MAIL_FROM` variable and a `SESCrudPolicy`, or an inline statement for `ses:SendEmail`).
Outside Lambda without MAIL_FROM (the local API, tests), or anywhere with MAIL_OUTBOX=local (`sam local`
with env.json), a message is stored in the table instead, in its recipient's user partition (so that
deleting the account deletes it) with a one-hour TTL, printed on the console, and listed by `outbox()`.
The local outbox holds the message as sent, reset links included: it is for development only. In Lambda
without MAIL_FROM nothing is stored or printed (a reset link must never reach the logs); the failure is
logged without the message.

A message may speak for a client: its display name (`sender_name`) and an address of its own
(`sender_address`), which is used only when it lies in MAIL_FROM's domain (the identity SES has verified and
the function may send from); any other address falls back to MAIL_FROM, under the client's name.
"""
from __future__ import annotations

import os
import secrets
import unicodedata
from email.utils import formataddr, parseaddr
from typing import Any

from shared import clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.settings import get_settings

OUTBOX_TTL_SECONDS = 3600


def uses_local_outbox() -> bool:
    if os.environ.get("MAIL_OUTBOX", "").lower() == "local":
        return True
    return not os.environ.get("MAIL_FROM") and not os.environ.get("AWS_LAMBDA_FUNCTION_NAME")


def header_text(value: str) -> str:
    """`value` fit for a mail header or subject: one line, no control or format characters, at most 100."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in value)
    return " ".join(kept.split())[:100]


def sender(name: str = "", address: str = "") -> str:
    """The From header: `name` (encoded as RFC 2047 needs) and `address` when it lies in MAIL_FROM's domain,
    else MAIL_FROM's address ("" when no MAIL_FROM is set)."""
    platform = parseaddr(os.environ.get("MAIL_FROM", ""))[1]
    domain = platform.rpartition("@")[2].lower()
    own = address.strip().lower()
    chosen = own if domain and own.endswith("@" + domain) and own.count("@") == 1 else platform
    if not chosen:
        return ""
    return formataddr((header_text(name), chosen)) if name else chosen


def send(*, to: str, subject: str, text: str, client_id: str, user_id: str, sender_name: str = "",
         sender_address: str = "") -> str:
    """Send one plain-text message; returns its id (the SES message id in AWS, "" when not sent)."""
    from_header = sender(sender_name, sender_address)
    if uses_local_outbox():
        return _store_locally(to=to, subject=subject, text=text, client_id=client_id, user_id=user_id,
                              sender_name=sender_name, from_header=from_header)
    if not os.environ.get("MAIL_FROM"):
        from shared.logs import logger

        logger.error("mail not sent: MAIL_FROM is not configured", extra={"subject": subject})
        return ""
    import botocore.session  # only where mail really leaves, and only when it does

    ses = botocore.session.get_session().create_client("sesv2", region_name=get_settings().region)
    response = ses.send_email(
        FromEmailAddress=from_header,
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"},
                            "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}}},
    )
    return str(response.get("MessageId", ""))


def _store_locally(*, to: str, subject: str, text: str, client_id: str, user_id: str, sender_name: str,
                   from_header: str) -> str:
    message_id = "msg_" + secrets.token_hex(8)
    sent_at = clock.iso()
    shown_from = from_header or sender_name
    get_repository().put({
        **keys.mail_message(client_id, user_id, sent_at, message_id), "id": message_id, "to": to,
        "from": shown_from, "subject": subject, "text": text, "clientId": client_id, "sentAt": sent_at,
        "ttl": int(clock.now()) + OUTBOX_TTL_SECONDS,
        "GSI1PK": keys.outbox_index(), "GSI1SK": f"{sent_at}#{message_id}",
    })
    print(f"[outbox] from {shown_from} to {to}: {subject}\n{text}\n", flush=True)
    return message_id


def outbox(*, to: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The local outbox, newest first, unexpired messages only (optionally for one address)."""
    now = clock.now()
    found: list[dict[str, Any]] = []
    for item in get_repository().iterate(keys.outbox_index(), index="GSI1", forward=False):
        if not clock.alive(item, now) or (to and item.get("to") != to.strip().lower()):
            continue
        found.append({**{k: item[k] for k in ("id", "to", "subject", "text", "clientId", "sentAt")},
                      "from": item.get("from", "")})
        if len(found) >= limit:
            break
    return found
