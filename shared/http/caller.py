"""The caller dependencies: the caller as the authorizer resolved it (shared/auth/principal.py), read from the API
Gateway event that Mangum hands to FastAPI, with the checks every route shares.

Handlers take the tenant only from here, never from the body or the path.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Callable

from fastapi import Depends, Request

from shared import clock
from shared.auth.principal import AGENT_SCOPES_FOR_ONBOARDING as AGENT_SCOPES_FOR_ONBOARDING
from shared.auth.principal import AGENT_SCOPES_FOR_USER as AGENT_SCOPES_FOR_USER
from shared.auth.principal import SCOPE_BOOKINGS, SCOPE_CLASSES, SCOPE_PLANS, SCOPE_PROGRESS
from shared.auth.principal import SCOPE_ONBOARDING as SCOPE_ONBOARDING
from shared.auth.principal import Caller as Caller
from shared.errors import AppError
from shared.paths import API
from shared.logs import security_event


# --- the voice agent's credential ---------------------------------------------------------------------------
# The voice agent acts through this API for one user (or one anonymous onboarding session) with a short-lived
# credential of its own token type (`typ: "agent"`), which the agent worker obtains by exchanging the single-use
# ticket of its room's dispatch metadata (shared/auth/agent_credentials.py); the app never holds one. The
# authorizer verifies it and passes `tokenType`, `agentScope` and `agentSession` in its context; every route
# then refuses it with 403 FORBIDDEN, here, centrally, unless AGENT_ROUTES lists the route with a scope it holds:
#   onboarding      save and read the answers of its own onboarding session (anonymous agents only; the
#                   onboarding handlers also check that the body's sessionId is the credential's session)
#   classes:read    browse the client's classes to recommend them
#   plans:read      read the user's plans          (its routes join AGENT_ROUTES when they exist)
#   bookings:write  book sessions for the user     (its routes join AGENT_ROUTES when they exist)
#   progress:write  log the user's water, meals and workouts (deduplicated: shared/domain/agent_logs.py)
# Routes of AGENT_ROUTES sit behind the uncached OptionalAuthorizer, so the credential is verified on each call
# (it also works without an X-API-Key there: it names its client itself).
AGENT_ROUTES: dict[tuple[str, str], str] = {
    ("POST", f"{API}/onboarding/profile"): SCOPE_ONBOARDING,
    ("GET", f"{API}/onboarding/profile/{{sessionId}}"): SCOPE_ONBOARDING,
    ("POST", f"{API}/onboarding/recommend-coaches"): SCOPE_ONBOARDING,
    ("POST", f"{API}/onboarding/select-coach"): SCOPE_ONBOARDING,
    ("GET", f"{API}/content/classes"): SCOPE_CLASSES,
    ("GET", f"{API}/content/classes/{{id}}"): SCOPE_CLASSES,
    ("GET", f"{API}/content/search"): SCOPE_CLASSES,
    ("GET", f"{API}/content/categories"): SCOPE_CLASSES,
    ("GET", f"{API}/agent/tools"): SCOPE_CLASSES,
    ("GET", f"{API}/agent/context"): SCOPE_PLANS,
    ("GET", f"{API}/agent/daily-plan"): SCOPE_PLANS,
    ("GET", f"{API}/agent/plans"): SCOPE_PLANS,
    ("GET", f"{API}/agent/progress"): SCOPE_PLANS,
    ("GET", f"{API}/agent/class-recommendations"): SCOPE_CLASSES,
    ("GET", f"{API}/agent/bookings"): SCOPE_BOOKINGS,
    ("GET", f"{API}/agent/trainer-slots"): SCOPE_BOOKINGS,
    ("POST", f"{API}/agent/proposals"): SCOPE_BOOKINGS,
    ("POST", f"{API}/agent/proposals/{{id}}/confirm"): SCOPE_BOOKINGS,
    ("POST", f"{API}/agent/logs"): SCOPE_PROGRESS,
}


def _refuse_agent_off_its_routes(request: Request, found: Caller) -> None:
    if not found.is_agent:
        return
    template = getattr(request.scope.get("route"), "path", "") or \
        str((request.scope.get("aws.event") or {}).get("resource") or "")
    needed = AGENT_ROUTES.get((request.method, template))
    if needed is None or needed not in found.agent_scope:
        raise AppError("FORBIDDEN", "The voice agent's credential cannot be used here")


def _refuse_ended_credential(found: Caller) -> None:
    """Wherever a bearer was verified, on every route: not expired (the gateway may cache an Allow past
    expiry), not revoked (logout-all, reset, deletion, refresh reuse; one GetItem), and its client active."""
    if not found.token_type:
        return
    if found.token_exp <= clock.now():
        raise AppError("TOKEN_EXPIRED", "The access token has expired; refresh it")
    from shared.auth.revocation import access_refused  # one GetItem; see that module for why
    from shared.domain.clients import get_client  # cached for a few seconds per container

    if found.user_id and access_refused(found.client_id, found.user_id, found.token_iat_ms):
        security_event("revoked-token", requestId=found.request_id, clientId=found.client_id, userId=found.user_id)
        raise AppError("UNAUTHORIZED", "This sign-in has ended; sign in again")
    if get_client(found.client_id) is None:
        security_event("inactive-client", requestId=found.request_id, clientId=found.client_id)
        raise AppError("CLIENT_SUSPENDED", "This studio's account is not active")


def caller(request: Request) -> Caller:
    found = Caller.from_event(request.scope.get("aws.event") or {})
    _refuse_agent_off_its_routes(request, found)
    _refuse_ended_credential(found)
    return found


def key_caller(request: Request) -> Caller:
    """A caller with a valid API key (the authorizer has already refused invalid ones), or the voice agent's
    credential, which names its client itself."""
    found = caller(request)
    if not found.key_id and not found.is_agent:
        raise AppError("MISSING_API_KEY", "The X-API-Key header is required")
    return found


def user_caller(request: Request) -> Caller:
    """A caller with a signed-in user whose token is still valid now (checked in `caller`)."""
    found = key_caller(request)
    if not found.user_id:
        raise AppError("UNAUTHORIZED", "A Bearer access token is required")
    return found


def _has_role(found: Caller, roles: tuple[str, ...]) -> Caller:
    if not found.user_id:
        raise AppError("UNAUTHORIZED", "A Bearer access token is required")
    if found.role not in roles:
        raise AppError("FORBIDDEN", "Your role may not do this")
    return found


def require_role(*roles: str) -> Callable[[Request], Caller]:
    """A dependency: the signed-in caller, if it holds one of `roles`."""
    def check(request: Request) -> Caller:
        return _has_role(user_caller(request), roles)
    return check


# --- the tenant: which client a request is for --------------------------------------------------------------
def client_id_of(found: Caller) -> str:
    """The client a request is for: its key's (or its verified token's, which the authorizer matched with the
    key); with the universal key and no bearer, the platform's default client; "" when there is none."""
    if found.client_id or not found.universal:
        return found.client_id
    from shared.domain.clients import default_client_id

    return default_client_id()


@dataclass(frozen=True)
class Tenant:
    """The caller and the active client it acts in (its profile item: branding, features, rules)."""
    caller: Caller
    client: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.client["id"])


def tenant(request: Request) -> Tenant:
    """The one way a route learns its client: 400 NO_DEFAULT_CLIENT when none can be named (the universal key
    without a bearer on a platform without a default), 403 CLIENT_SUSPENDED when it is not active."""
    found = key_caller(request)
    client_id = client_id_of(found)
    if not client_id:
        raise AppError("NO_DEFAULT_CLIENT", "No client for this request: use a client key or sign in")
    from shared.domain.clients import get_client

    client = get_client(client_id)
    if client is None:
        raise AppError("CLIENT_SUSPENDED", "This studio's account is not active")
    return Tenant(found, client)


def require_tenant_role(*roles: str) -> Callable[[Request], Tenant]:
    """The tenant of a signed-in caller holding one of `roles` (studio admin routes)."""
    def check(request: Request) -> Tenant:
        found = tenant(request)
        _has_role(found.caller, roles)
        return found
    return check


# --- what a route's dependencies require -----------------------------------------------------------------------
MEMBER_DEPENDENCIES = ("user_caller", "require_role.", "require_tenant_role.")  # qualnames (factories' closures)


def dependency_names(dependant: Any) -> set[str]:
    """The qualified names of every dependency a FastAPI route resolves, nested ones included."""
    names: set[str] = set()
    for sub in dependant.dependencies:
        names.add(getattr(sub.call, "__qualname__", ""))
        names |= dependency_names(sub)
    return names


def needs_member(dependant: Any) -> bool:
    """Whether a route refuses a caller without a signed-in user (401) before its code runs."""
    return any(name == dependency or (dependency.endswith(".") and name.startswith(dependency))
               for name in dependency_names(dependant) for dependency in MEMBER_DEPENDENCIES)


AnyCaller = Annotated[Caller, Depends(caller)]
ClientTenant = Annotated[Tenant, Depends(tenant)]
KeyCaller = Annotated[Caller, Depends(key_caller)]
UserCaller = Annotated[Caller, Depends(user_caller)]
