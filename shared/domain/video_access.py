"""Playback: who may play a class, and the short-lived signed URL that plays it (`GET /video/access/{classId}`).

Catalog answers carry no video URL; an app asks here when playback starts.

**Entitlements.** A class with `isPremium` plays only for a member whom something grants premium content:
- the client's plan: a client item with `plan: "premium"` includes premium classes for every member;
- the member's voucher: a voucher with `"premium"` in its `grants` (a partner's benefit) grants it to the
  members who registered with it, as long as the voucher is of the member's client and not revoked.
Other classes play for every signed-in member of the client. A refusal is 403 PREMIUM_REQUIRED and a security
event (ids only). Cost: one GetItem of the class; for a premium class the client (cached) and, unless its plan
covers it, the user item and the voucher item (two GetItems).

**Signed URLs.** The class's `videoUrl` (an HLS playlist on the CDN) is answered as
`https://<cdn>/t/<expires>/<signature><path>`, where `signature` is the unpadded base64url HMAC-SHA256, under the
`videoSigningKey` secret, of `"<expires>:<directory of path>/"`. Signing the directory rather than the file covers
the playlist's segments, which the player fetches by relative URL and so under the same `/t/<expires>/<sig>/`
prefix. The URL lives for the class's length plus ACCESS_GRACE_SECONDS, so that the last segments still pass;
after a longer pause the app asks again.

**At the CDN.** The check is the `verify` function below, run at the edge before the cache: in AWS a CloudFront
Function on viewer-request (its `crypto` module has HMAC-SHA256; the key lives in a CloudFront KeyValueStore
filled from the secret) recomputes the signature of the directory, compares it in constant time, refuses an
expired or altered URL with 403, and strips `/t/<expires>/<sig>` from the URI before the origin (a private S3
bucket reachable only through the distribution's origin access control). CloudFront's own signed URLs (RSA
key pairs, a `Policy` with a wildcard resource and `DateLessThan`) would do the same without a function; the
HMAC form keeps one symmetric key and works on any CDN that runs code at the edge.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlsplit

from shared import clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import catalog, clients
from shared.errors import AppError, not_found
from shared.logs import security_event
from shared.settings import get_secret

PREMIUM_PLAN = "premium"
PREMIUM_GRANT = "premium"
ACCESS_GRACE_SECONDS = 900
TOKEN_PREFIX = "/t/"


def plan_grants_premium(client: dict[str, Any] | None) -> bool:
    return bool(client) and client.get("plan") == PREMIUM_PLAN  # type: ignore[union-attr]


def voucher_grants_premium(voucher: dict[str, Any] | None, client_id: str) -> bool:
    return (bool(voucher) and voucher.get("clientId") == client_id  # type: ignore[union-attr]
            and voucher.get("status", "active") != "revoked"  # type: ignore[union-attr]
            and PREMIUM_GRANT in (voucher.get("grants") or []))  # type: ignore[union-attr]


def _signature(key: str, expires: int, directory: str) -> str:
    digest = hmac.new(key.encode("utf-8"), f"{expires}:{directory}".encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign(video_url: str, expires: int, key: str) -> str:
    """The playable URL of `video_url` until `expires` (epoch seconds)."""
    parts = urlsplit(video_url)
    directory = parts.path.rsplit("/", 1)[0] + "/"
    return f"{parts.scheme}://{parts.netloc}{TOKEN_PREFIX}{expires}/{_signature(key, expires, directory)}{parts.path}"


def verify(path: str, key: str, now: float) -> str | None:
    """The CDN's check of a request path: the origin path it may serve, or None (altered, expired or unsigned)."""
    if not path.startswith(TOKEN_PREFIX):
        return None
    expires_text, _, rest = path[len(TOKEN_PREFIX):].partition("/")
    signature, _, origin = rest.partition("/")
    if not expires_text.isdigit() or not origin or int(expires_text) <= now:
        return None
    origin = "/" + origin
    directory = origin.rsplit("/", 1)[0] + "/"
    if ".." in origin.split("/") or not hmac.compare_digest(signature, _signature(key, int(expires_text), directory)):
        return None
    return origin


def _entitled(client_id: str, user_id: str) -> bool:
    if plan_grants_premium(clients.get_client(client_id)):
        return True
    user = get_repository().get(keys.user(client_id, user_id))
    code = (user or {}).get("voucherCode")
    return bool(code) and voucher_grants_premium(get_repository().get(keys.voucher(str(code))), client_id)


def access(client_id: str, user_id: str, class_id: int, *, request_id: str = "") -> dict[str, Any]:
    """A signed playback URL of one class for one member, after the entitlement check."""
    item = catalog.get_class(client_id, class_id)
    premium = bool(item.get("isPremium"))
    if premium and not _entitled(client_id, user_id):
        security_event("premium-denied", requestId=request_id, clientId=client_id, userId=user_id,
                       classId=class_id)
        raise AppError("PREMIUM_REQUIRED", "This class is premium: your studio's plan or your voucher does not "
                                           "include it")
    if not item.get("videoUrl"):
        raise not_found("Video")
    expires = int(clock.now()) + int(item.get("duration") or 0) * 60 + ACCESS_GRACE_SECONDS
    return {"classId": class_id, "isPremium": premium, "url": sign(str(item["videoUrl"]), expires,
                                                                   get_secret("videoSigningKey")),
            "expiresAt": clock.iso(expires)}
