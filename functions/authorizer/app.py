"""Lambda REQUEST authorizer: X-API-Key -> client, Bearer JWT -> user.

Allow covers the whole API (`<api>/<stage>/*/*`) because API Gateway caches the answer per identity source.
A Deny carries `errorCode`/`errorMessage` in its context; the ACCESS_DENIED gateway response renders them
as the error envelope with status 401. Plain handler, no FastAPI: it stands in front of every uncached request.
"""
from __future__ import annotations

from typing import Any

from shared.auth.identity import AuthFailure, resolve
from shared.logs import bind_invocation  # the log lines' ids and cold start (powertools itself loads on denial only)


def _whole_api(method_arn: str) -> str:
    # arn:aws:execute-api:region:account:apiId/stage/METHOD/path -> arn:...:apiId/stage/*/*
    prefix, _, path = method_arn.partition("/")
    stage = path.split("/", 1)[0] if path else "*"
    return f"{prefix}/{stage}/*/*"


def _policy(effect: str, resource: str, principal: str, context: dict[str, Any],
            usage_key: str = "") -> dict[str, Any]:
    answer: dict[str, Any] = {
        "principalId": principal or "anonymous",
        "policyDocument": {"Version": "2012-10-17",
                           "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
        "context": context,
    }
    if usage_key:
        answer["usageIdentifierKey"] = usage_key
    return answer


def _authorize(event: dict[str, Any], *, with_bearer: bool) -> dict[str, Any]:
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items() if isinstance(v, str)}
    resource = _whole_api(str(event.get("methodArn", "")))
    try:
        identity = resolve(headers.get("x-api-key"), headers.get("authorization") if with_bearer else None)
    except AuthFailure as failure:
        from shared.logs import security_event  # only denials are logged: the Allow path stays free of powertools

        security_event("denied-key" if failure.code == "INVALID_API_KEY" else "bad-token", code=failure.code,
                       requestId=(event.get("requestContext") or {}).get("requestId"))  # never the secret itself
        return _policy("Deny", resource, "denied", {"errorCode": failure.code, "errorMessage": failure.message})
    return _policy("Allow", resource, identity.user_id or identity.key_id, identity.context(), identity.usage_key)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Key and bearer: for authorizers whose identity sources include Authorization, or that are not cached."""
    bind_invocation(event, context)
    return _authorize(event, with_bearer=True)


def key_only_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Key alone, the bearer ignored: API Gateway caches this answer per X-API-Key, so it must not depend on
    any other header (else one member's identity would be served to the next caller with the same key)."""
    bind_invocation(event, context)
    return _authorize(event, with_bearer=False)


def partner_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Partner staff routes (/partner/*): the partner bearer alone, cached per Authorization header
    (shared/auth/partner_tokens.py). Member tokens are refused here, partner tokens on every other route."""
    bind_invocation(event, context)
    from shared.auth.partner_tokens import PartnerAuthFailure, resolve as resolve_partner

    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items() if isinstance(v, str)}
    resource = _whole_api(str(event.get("methodArn", "")))
    try:
        identity = resolve_partner(headers.get("authorization"))
    except PartnerAuthFailure as failure:
        from shared.logs import security_event

        security_event("partner_token_refused", code=failure.code,
                       requestId=(event.get("requestContext") or {}).get("requestId"))
        return _policy("Deny", resource, "denied", {"errorCode": failure.code, "errorMessage": failure.message})
    return _policy("Allow", resource, identity.staff_id, identity.context())
