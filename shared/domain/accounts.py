"""Accounts: registration, login, the member's own profile, and deleting an account.

Storage (shared/db/keys.py):
- the user: `keys.user(client, userId)` in the user partition, which holds everything the member owns
  (logins, pending resets, local mail, and the other groups' items), so that deletion is one Query;
  GSI1 (`keys.client_users_index(client)`) lists a client's members;
- the email claim: `keys.email_claim(client, email)`, unique per client, with GSI1 = (`keys.email_index(email)`,
  client id) so that the universal key finds the clients an email belongs to.

Registration is one TransactWriteItems: the user, the email claim, the voucher's redemption, the consumed
onboarding profile and the coach's member count, each with its condition; all of it happens or none does.

Cost (items under 1 KB; transactional writes cost 2 WCU per item; the client profile is cached 30 s):
- register: the transaction (2 items, up to 5: 4-10 WCU, plus 1 WCU for each of the user's and the
  claim's GSI1 entries) and the login's PutItem (1 WCU); reads only for what is sent: voucher 0.5,
  onboarding 1 (consistent), coach 0.5, partner 0.5 RCU.
- login: email claim 0.5, user 0.5, the account's failure bucket 1-2 WCU (reserved before argon2), the
  login's PutItem 1 WCU and the bucket's give-back 1 WCU; coach and partner 0.5 each when set; the universal
  key adds a GSI1 Query (0.5).
- refresh: family 1 RCU (consistent), user 0.5 RCU, one conditional UpdateItem 1 WCU.
- every signed-in request of every group: the revocation record, 0.5 RCU (shared/auth/revocation.py).
"""
from __future__ import annotations

import random
import re
import secrets
import time
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from shared import clock, metrics, ratelimit
from shared.auth import passwords
from shared.auth.principal import Caller
from shared.db import keys
from shared.db.repository import Action, ConditionFailed, TransactionConflict, TransactionFailed, get_repository
from shared.domain import clients, partner_members, partner_vouchers, refresh_tokens, text, vouchers
from shared.domain import onboarding as onboarding_sessions
from shared.errors import AppError, rate_limited
from shared.logs import security_event

# --- input ---------------------------------------------------------------------------------------------------
MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"[^@\s]{1,64}@(?!-)[^@\s.]+(?<!-)(\.(?!-)[^@\s.]+(?<!-))+")


# What the OpenAPI document says an email is: a part of what _email accepts (ASCII, Latin, Cyrillic and CJK
# letters; no label starting or ending with a hyphen), so that every address it describes is one we take.
# U+0130 is left out: lower() makes it two characters, which could push a 64-character local part over.
_LETTERS = r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u012f\u0131-\u024f\u0400-\u04ff\u4e00-\u9fff"
_LABEL = f"[A-Za-z0-9{_LETTERS}](?:[A-Za-z0-9{_LETTERS}-]*[A-Za-z0-9{_LETTERS}])?"
EMAIL_PATTERN = f"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~{_LETTERS}-]{{1,64}}@{_LABEL}(?:\\.{_LABEL})+$"


_DOCUMENTED_DOMAIN = re.compile(f"{_LABEL}(?:\\.{_LABEL})+")


def normalize_email(raw: str) -> str:
    """The one spelling of an address: NFC, lower case, and the domain in its ASCII (IDNA) form, so that
    `user@bücher.example` and `user@xn--bcher-kva.example` claim one account."""
    email = text.nfc(raw.strip()).lower()
    local, at, domain = email.rpartition("@")
    converted = f"{local}{at}{ascii_domain(domain)}" if at else email
    # An address too long in ASCII is refused in that spelling, so the sent one cannot meet another and stays
    return converted if len(converted) <= MAX_EMAIL_LENGTH else email


def ascii_domain(domain: str) -> str:
    """The domain after UTS-46 processing (non-transitional, IDNA 2008), in its ASCII form. Plain ASCII
    domains without an `xn--` label are their own form and skip the `idna` tables. A domain that UTS-46
    refuses (a leading combining mark, `--` in the third and fourth places...) is the ASCII form of no domain,
    so it is kept as sent and cannot meet another spelling. Not the standard library's codec: it implements
    IDNA 2003, which maps `ß` to `ss` and `ς` to `σ`, so `user@faß.de` would become `user@fass.de`, a domain
    with another owner, who would then receive the account's reset mail."""
    if domain.isascii() and "xn--" not in domain:
        return domain
    import idna  # only for internationalised domains

    try:
        return idna.encode(domain, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return domain


def is_valid_email(email: str) -> bool:
    return len(email) <= MAX_EMAIL_LENGTH and bool(_EMAIL.fullmatch(email)) and text.email_text_problem(email) is None


def _email(value: str) -> str:
    """Valid as sent (UTS-46 would silently drop an invisible character such as U+200B), then in its one
    spelling."""
    email = normalize_email(value)
    sent = text.nfc(value.strip())
    if not is_valid_email(email) or text.email_text_problem(sent.lower()) is not None \
            or not _DOCUMENTED_DOMAIN.fullmatch(sent.rpartition("@")[2]):  # a domain the document refuses
        raise ValueError("not a valid email address")
    return email


Email = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(_email),
                  Field(json_schema_extra={"pattern": EMAIL_PATTERN, "maxLength": 254})]
Password = Annotated[str, Field(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                 AfterValidator(text.display_text),
                 Field(json_schema_extra={"pattern": text.DISPLAY_TEXT_PATTERN})]
FitnessGoal = Literal["weight_loss", "muscle_gain", "strength", "endurance", "flexibility", "general_fitness",
                      "stress_relief"]
FitnessLevel = Literal["beginner", "intermediate", "advanced"]
PROFILE_FIELDS = ("age", "gender", "height", "weight", "fitnessGoal", "fitnessLevel", "workoutsPerWeek")
SETTINGS_FIELDS = ("notifications", "timeZone")
DEFAULT_SETTINGS: dict[str, Any] = {"notifications": True}


def time_zone(value: str) -> str:
    """An IANA zone (Europe/London) or a UTC offset: the zone the member's days are counted in."""
    from shared.domain.viewing import parse_tz  # only the routes that take settings pay for it

    try:
        parse_tz(value)
    except AppError:
        raise ValueError("an IANA time zone such as Europe/London") from None
    return value


# --- pure helpers -----------------------------------------------------------------------------------------------
def new_user_id() -> str:
    return "usr_" + secrets.token_hex(12)


def merge_profile(onboarding: dict[str, Any] | None, given: dict[str, Any] | None) -> dict[str, Any]:
    """The stored profile: the onboarding answers, overridden by what the registration itself sent."""
    merged = {k: v for k, v in (onboarding or {}).items() if k in PROFILE_FIELDS and v is not None}
    merged.update({k: v for k, v in (given or {}).items() if k in PROFILE_FIELDS and v is not None})
    return merged


def user_view(user: dict[str, Any], coach: dict[str, Any] | None = None,
              partner: dict[str, Any] | None = None) -> dict[str, Any]:
    """The member as GET /users/me shows it; never the password hash."""
    profile = user.get("profile") or {}
    settings = {**DEFAULT_SETTINGS, **(user.get("settings") or {})}
    return {
        "id": user["id"], "email": user["email"], "name": user.get("name"), "role": user.get("role", "user"),
        "clientId": user["clientId"],
        "profile": {field: profile.get(field) for field in PROFILE_FIELDS},
        "settings": {field: settings.get(field) for field in SETTINGS_FIELDS},
        "coach": {"id": coach["id"], "name": coach["name"]} if coach else None,
        "partner": {"id": partner["id"], "name": partner["name"]} if partner else None,
        "createdAt": user.get("createdAt"),
    }


def new_user_item(client_id: str, user_id: str, email: str, password_hash: str, *, role: str = "user",
                  name: str | None = None, profile: dict[str, Any] | None = None,
                  settings: dict[str, Any] | None = None, coach_id: int | None = None,
                  partner_id: str | None = None, voucher_code: str | None = None) -> dict[str, Any]:
    now = clock.iso()
    return {
        **keys.user(client_id, user_id), "id": user_id, "clientId": client_id, "email": email, "name": name,
        "role": role, "status": "active", "passwordHash": password_hash,
        "profile": profile or {}, "settings": {**DEFAULT_SETTINGS, **(settings or {})},
        "coachId": coach_id, "partnerId": partner_id, "voucherCode": voucher_code,
        "createdAt": now, "updatedAt": now,
        "GSI1PK": keys.client_users_index(client_id), "GSI1SK": f"{now}#{user_id}",
    }


def email_claim_item(client_id: str, email: str, user_id: str) -> dict[str, Any]:
    return {**keys.email_claim(client_id, email), "userId": user_id, "clientId": client_id, "email": email,
            "GSI1PK": keys.email_index(email), "GSI1SK": client_id, "createdAt": clock.iso()}


# --- registration -------------------------------------------------------------------------------------------------
def registration_client(caller: Caller, voucher_code: str | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(client, voucher) the member will belong to. Key-only routes: for the universal key the client comes
    from the voucher or the platform default, never from the authorizer context."""
    if voucher_code:
        voucher = vouchers.get_voucher(voucher_code)
        valid, reason = vouchers.state(voucher)
        if voucher is not None and not caller.universal and voucher.get("clientId") != caller.client_id:
            valid, reason = False, "other_client"
        client = clients.get_client(voucher["clientId"]) if voucher is not None and valid else None
        if not valid or client is None:
            raise AppError("INVALID_VOUCHER", "The voucher code cannot be used", {"reason": reason or "not_found"})
        return client, voucher
    if caller.universal:
        client = clients.get_client(clients.default_client_id())
        if client is None:
            raise AppError("NO_DEFAULT_CLIENT", "This app has no default studio: register with a voucher code")
    else:
        client = clients.get_client(caller.client_id)
        if client is None:
            raise AppError("INVALID_API_KEY", "The API key is not valid")
    if client.get("requiresVoucher"):
        raise AppError("VOUCHER_REQUIRED", f"{client['name']} needs a voucher code to register")
    return client, None


def _voucher_redemption(voucher: dict[str, Any], client_id: str, user_id: str) -> Action:
    """Redeem one use, only while the voucher is active, unexpired, of this client and not used up."""
    redemptions = int(voucher.get("redemptions", 0))
    last_use = redemptions + 1 >= int(voucher.get("maxRedemptions", 1))
    values: dict[str, Any] = {":one": 1, ":active": "active", ":client": client_id, ":null": "NULL",
                              ":now": clock.iso(), ":uid": user_id}
    condition = ("#s = :active AND clientId = :client AND redemptions < maxRedemptions AND "
                 "(attribute_not_exists(expiresAt) OR attribute_type(expiresAt, :null) OR expiresAt > :now)")
    expression = "SET redemptions = redemptions + :one, lastRedeemedAt = :now, lastRedeemedBy = :uid"
    if last_use:  # only one registration can take the last use, and it marks the voucher redeemed
        expression += ", #s = :redeemed"
        condition += " AND redemptions = :seen"
        values.update({":redeemed": "redeemed", ":seen": redemptions})
    return Action.update(keys.voucher(voucher["code"]), expression, condition, names={"#s": "status"},
                         values=values)


def _coach(client_id: str, coach_id: int) -> dict[str, Any] | None:
    item = get_repository().get(keys.coach(client_id, coach_id))
    return item if item and item.get("active") else None


_FAILURES = {  # what a failed condition of each kind of action means to the member, in this order of precedence
    "email": AppError("USER_EXISTS", "An account with this email already exists"),
    "voucher": AppError("INVALID_VOUCHER", "The voucher code cannot be used", {"reason": "redeemed"}),
    "onboarding": onboarding_sessions.session_not_found(),
    "coach": AppError("NOT_FOUND", "Coach not found"),
    "user": AppError("CONFLICT", "Please try again"),
}


def commit(actions: list[Action], failures: dict[str, AppError] | None = None, attempts: int = 4) -> None:
    """Run the transaction; the failed condition of an action failing as K (`Action.failing_as`) becomes
    `failures[K]` (the first in the dict's order wins). A transaction cancelled only by a conflict with another transaction on the
    same items is retried: once the other one has committed, the retry meets its condition instead (and
    answers USER_EXISTS or INVALID_VOUCHER, not 503). Throttling stays a 503 for the caller."""
    failures = failures or _FAILURES
    for attempt in range(attempts):
        try:
            get_repository().transact(actions)
            return
        except TransactionFailed as failed:
            failing = {action.failure: old for action, reason, old in zip(actions, failed.reasons, failed.old_items)
                       if reason == "ConditionalCheckFailed"}
            for kind, error in failures.items():
                if kind in failing:
                    details = error.details
                    if kind == "voucher":  # why, as the voucher stood when the condition failed
                        details = {"reason": vouchers.state(failing[kind])[1] or "redeemed"}
                    raise AppError(error.code, error.message, details) from None
            raise
        except TransactionConflict:
            if attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.005, 0.03) * (attempt + 1))  # noqa: S311 - jitter, not a secret


def _invited_client(caller: Caller, invite_code: str, voucher_code: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(client, invitation) of a trainer's registration: the invitation names the client (an invitation of
    another client than the key's is unknown); it stands in for a voucher."""
    from shared.domain import trainer_invites  # only trainers' registrations pay for it

    if voucher_code:
        raise AppError("VALIDATION_ERROR", "Invalid request: inviteCode",
                       [{"field": "inviteCode", "reason": "an invitation and a voucher cannot be used together"}])
    invite = trainer_invites.usable(invite_code, None if caller.universal else caller.client_id)
    client = clients.get_client(str(invite["clientId"]))
    if client is None:
        raise trainer_invites.refusal("not_found")
    return client, invite


def register(caller: Caller, email: str, password: str, *, name: str | None = None, voucher_code: str | None = None,
             session_id: str | None = None, coach_id: int | None = None, profile: dict[str, Any] | None = None,
             settings: dict[str, Any] | None = None, invite_code: str | None = None) -> dict[str, Any]:
    """POST /auth/register: 201 `{user, accessToken, refreshToken, expiresIn, client}`. `email` is normalized
    (the Email type); `profile` and `settings` hold the fields sent (PROFILE_FIELDS, SETTINGS_FIELDS). With
    `invite_code`, the account of the invited trainer (role trainer), the code taken in the same transaction."""
    invite: dict[str, Any] | None = None
    if invite_code:
        client, invite = _invited_client(caller, invite_code, voucher_code)
        voucher = None
    else:
        client, voucher = registration_client(caller, voucher_code)
    client_id = client["id"]
    repo = get_repository()
    onboarding = onboarding_sessions.get_session(client_id, session_id) if session_id else None
    coach = None
    if coach_id is not None:
        coach = _coach(client_id, coach_id)
        if coach is None:
            raise AppError("NOT_FOUND", "Coach not found")
    elif onboarding and isinstance(onboarding.get("coachId"), int):
        coach = _coach(client_id, onboarding["coachId"])  # a coach who left since is simply not assigned
    onboarding_profile = (onboarding or {}).get("profile") or {}
    given = {field: value for field, value in (profile or {}).items() if value is not None}
    name = name or onboarding_profile.get("name") or None
    partner_id = (voucher or {}).get("partnerId")
    user_id = new_user_id()
    chosen = {field: value for field, value in (settings or {}).items() if value is not None}
    user = new_user_item(client_id, user_id, email, passwords.hash_password(password), name=name,
                         profile=merge_profile(onboarding_profile, given),
                         settings=chosen if settings is not None else None,
                         coach_id=coach["id"] if coach else None, partner_id=partner_id,
                         voucher_code=voucher["code"] if voucher else None,
                         role="trainer" if invite else "user")
    actions = [Action.put(user, "attribute_not_exists(PK)").failing_as("user"),
               Action.put(email_claim_item(client_id, email, user_id), "attribute_not_exists(PK)").failing_as("email")]
    failures = _FAILURES
    if invite:
        from shared.domain import trainer_invites

        user["trainerId"] = int(invite["trainerId"])
        actions.extend(action.failing_as(kind) for action, kind in trainer_invites.redemption_actions(invite, user_id))
        failures = {"email": _FAILURES["email"], "invite": trainer_invites.refusal("used"),
                    "trainer_account": trainer_invites.refusal("already_linked"), **_FAILURES}
    if voucher:
        actions.append(_voucher_redemption(voucher, client_id, user_id).failing_as("voucher"))
        # the partner's counters move with it
        actions.extend(action.failing_as(kind) for action, kind in partner_vouchers.redemption_actions(voucher))
    # attribution to the partner, if any
    actions.extend(action.failing_as("user") for action in partner_members.joining_actions(client_id, user))
    if onboarding:
        actions.append(Action.delete(keys.onboarding(client_id, str(session_id)),
                                     "attribute_exists(PK) AND #ttl > :now", names={"#ttl": "ttl"},
                                     values={":now": int(clock.now())}).failing_as("onboarding"))
    if coach:
        actions.append(Action.update(keys.coach(client_id, coach["id"]), "ADD memberCount :one",
                                     "attribute_exists(PK) AND active = :true",
                                     values={":one": 1, ":true": True}).failing_as("coach"))
    commit(actions, failures)
    partner = repo.get(keys.partner(client_id, partner_id)) if partner_id else None
    session = refresh_tokens.start(client_id, user_id, str(user["role"]))
    return {"user": user_view(user, coach, partner), **session, "client": clients.summary(client)}


def create_member(client_id: str, email: str, password: str, *, name: str, role: str = "user",
                  partner_id: str | None = None) -> dict[str, Any]:
    """Provision an account directly (seed, admin tools): the user and its email claim, no voucher."""
    email = _email(email)
    user = new_user_item(client_id, new_user_id(), email, passwords.hash_password(password), role=role, name=name,
                         partner_id=partner_id)
    attribution = partner_members.joining_actions(client_id, user)
    commit([Action.put(user, "attribute_not_exists(PK)").failing_as("user"),
            Action.put(email_claim_item(client_id, email, user["id"]), "attribute_not_exists(PK)").failing_as("email"),
            *(action.failing_as("user") for action in attribution)])
    return user


# --- login ----------------------------------------------------------------------------------------------------------
LOGIN_BURST = 10  # failed logins one account may have in a row...
LOGIN_PER_MINUTE = 1  # ...then one more a minute (Retry-After tells when), whatever the key or address


def login_scope(client_id: str, email: str) -> str:
    """The failure bucket of one account: a client's member, never the email across clients."""
    return f"login#{client_id}#{email}"


def _reserve_attempts(caller: Caller, users: list[dict[str, Any]], email: str) -> list[str]:
    """Take one token from each account's failure bucket before any password is verified, so that parallel
    guesses cannot all pass a check made before the first of them is counted. Returns the scopes taken; when
    an account is locked, gives them back and answers 429 with the longest Retry-After."""
    taken: list[str] = []
    waits: list[int] = []
    for user in users:
        scope = login_scope(user["clientId"], email)
        wait = ratelimit.reserve(scope, LOGIN_PER_MINUTE, LOGIN_BURST)
        if wait:
            waits.append(wait)
            security_event("login_locked", requestId=caller.request_id, keyId=caller.key_id,
                           clientId=user["clientId"], userId=user["id"])
        else:
            taken.append(scope)
    if waits:
        _give_back(taken)
        raise rate_limited(max(waits), "Too many failed sign-ins for this account")
    return taken


def _give_back(scopes: list[str]) -> None:
    for scope in scopes:
        ratelimit.give_back(scope, LOGIN_PER_MINUTE)


def _invalid_credentials() -> AppError:
    metrics.record(metrics.FAILED_LOGINS)
    return AppError("INVALID_CREDENTIALS", "The email or password is not correct")


def _candidate_clients(caller: Caller, email: str, client_id: str | None) -> list[str]:
    if not caller.universal:
        if client_id and client_id != caller.client_id:
            raise AppError("FORBIDDEN", "clientId does not match the API key")
        return [caller.client_id]
    claims = get_repository().query(keys.email_index(email), index="GSI1", limit=20)
    found = [str(c["GSI1SK"]) for c in claims]
    if client_id:
        return [client_id] if client_id in found else []
    return found


def _account(client_id: str, email: str) -> dict[str, Any] | None:
    repo = get_repository()
    claim = repo.get(keys.email_claim(client_id, email))
    user = repo.get(keys.user(client_id, claim["userId"])) if claim else None
    return user if user and user.get("status", "active") == "active" else None


def _maybe_rehash(user: dict[str, Any], password: str) -> None:
    if passwords.needs_rehash(user["passwordHash"]):
        try:
            get_repository().update(keys.user(user["clientId"], user["id"]), "SET passwordHash = :new",
                                    condition="passwordHash = :old",
                                    values={":new": passwords.hash_password(password), ":old": user["passwordHash"]},
                                    return_values="NONE")
        except ConditionFailed:
            pass  # the password changed meanwhile; the new hash is already current


def login(caller: Caller, email: str, password: str, client_id: str | None = None) -> dict[str, Any]:
    """POST /auth/login (`email` normalized; `client_id` names the client when the universal key finds several).
    Unknown email and wrong password answer alike, after the same hashing work.

    Failures count per account (client and email) and only where the account exists, so that another
    client's key cannot lock a member out; each attempt reserves its token before argon2 runs and a correct
    password gives it back. The reservation is one write more for an existing account than for an unknown
    email: that tells no more than registration's USER_EXISTS already does."""
    candidates = _candidate_clients(caller, email, client_id)
    users = [user for user in (_account(candidate, email) for candidate in candidates) if user is not None]
    reserved = _reserve_attempts(caller, users, email)
    matches = [user for user in users if passwords.verify(user["passwordHash"], password)]
    for _ in range(max(1, len(candidates)) - len(users)):
        passwords.burn_time(password)  # the candidates without an account cost what a real one does
    if not matches:
        raise _invalid_credentials()
    _give_back(reserved)
    if len(matches) > 1:
        choices = [clients.summary(c) for c in (clients.get_client(u["clientId"]) for u in matches) if c]
        raise AppError("CLIENT_SELECTION_REQUIRED", "This account exists in several studios: choose one and "
                       "send its id as clientId", {"clients": choices})
    user = matches[0]
    client = clients.get_client(user["clientId"])
    if client is None:
        raise _invalid_credentials()
    _maybe_rehash(user, password)
    session = refresh_tokens.start(client["id"], user["id"], str(user.get("role") or "user"))
    coach, partner = related(user)
    return {"user": user_view(user, coach, partner), **session, "client": clients.summary(client)}


# --- the member's own account -------------------------------------------------------------------------------------
def related(user: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The user's coach and partner (one BatchGetItem when there is any)."""
    wanted = []
    if isinstance(user.get("coachId"), int):
        wanted.append(keys.coach(user["clientId"], user["coachId"]))
    if user.get("partnerId"):
        wanted.append(keys.partner(user["clientId"], user["partnerId"]))
    found = {item["SK"]: item for item in get_repository().get_many(wanted)} if wanted else {}
    coach = found.get(wanted[0]["SK"]) if wanted and isinstance(user.get("coachId"), int) else None
    partner = found.get(keys.partner(user["clientId"], user["partnerId"])["SK"]) if user.get("partnerId") else None
    return coach, partner


def get_user(caller: Caller) -> dict[str, Any]:
    user = get_repository().get(keys.user(caller.client_id, caller.user_id))
    if user is None or user.get("status", "active") != "active":
        raise AppError("NOT_FOUND", "Account not found")
    return user


def me(caller: Caller) -> dict[str, Any]:
    user = get_user(caller)
    return user_view(user, *related(user))


def update_me(caller: Caller, changes: dict[str, Any]) -> dict[str, Any]:
    """PUT/PATCH /users/me: only what is sent changes; a field sent as null is cleared (name included).
    `changes` holds what the request sent: `name`, and `profile` and `settings` as maps of the fields sent."""
    sets, removes = ["updatedAt = :now"], []
    names: dict[str, str] = {}
    values: dict[str, Any] = {":now": clock.iso()}
    if "name" in changes:
        names["#name"] = "name"
        if changes["name"] is None:
            removes.append("#name")
        else:
            sets.append("#name = :name")
            values[":name"] = changes["name"]
    for group, fields in (("profile", PROFILE_FIELDS), ("settings", SETTINGS_FIELDS)):
        given = changes.get(group) or {}
        sent = [f for f in fields if f in given]
        if sent:
            names[f"#{group}"] = group
        for i, field in enumerate(sent):
            names[f"#{group}{i}"] = field
            value = given[field]
            if value is None:
                removes.append(f"#{group}.#{group}{i}")
            else:
                sets.append(f"#{group}.#{group}{i} = :{group}{i}")
                values[f":{group}{i}"] = value
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    try:
        user = get_repository().update(  # not an account being deleted (shared/domain/account_deletion.py)
            keys.user(caller.client_id, caller.user_id), expression,
            condition="attribute_exists(PK) AND (attribute_not_exists(#status) OR #status = :active)",
            names={**names, "#status": "status"}, values={**values, ":active": "active"})
    except ConditionFailed:
        raise AppError("NOT_FOUND", "Account not found") from None
    return user_view(user, *related(user))


def forgot_scope(client_id: str, email: str) -> str:
    """The reset-mail bucket of one client's email (see password_reset.forgot)."""
    return f"pwforgot#{client_id}#{email}"


# --- vouchers, as the registration form sees them -----------------------------------------------------------------
def validate_voucher(caller: Caller, code: str) -> dict[str, Any]:
    """POST /auth/voucher/validate: `{valid, reason, voucher, partner, client}` (reason null when valid).
    A voucher of another client than the key's is `other_client`, and shows nothing of that client."""
    voucher = vouchers.get_voucher(code)
    if voucher is None:
        return {"valid": False, "reason": "not_found", "voucher": None, "partner": None, "client": None}
    valid, reason = vouchers.state(voucher)
    if not caller.universal and voucher.get("clientId") != caller.client_id:  # nothing of its state either
        return {"valid": False, "reason": "other_client", "voucher": None, "partner": None, "client": None}
    client = clients.get_client(voucher["clientId"])
    if client is None:
        return {"valid": False, "reason": "not_found", "voucher": None, "partner": None, "client": None}
    partner = get_repository().get(keys.partner(client["id"], voucher["partnerId"])) \
        if voucher.get("partnerId") else None
    return {"valid": valid, "reason": reason, "voucher": vouchers.public_view(voucher),
            "partner": {"id": partner["id"], "name": partner["name"]} if partner else None,
            "client": clients.summary(client)}


# --- logout -----------------------------------------------------------------------------------------------------------
def _bearer_family(authorization: str) -> str | None:
    """The login (family) of the access token this request carries."""
    from shared.auth import tokens

    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        family = tokens.verify(token.strip()).get("fam")
    except tokens.TokenError:
        return None
    return family if isinstance(family, str) else None


def logout(caller: Caller, authorization: str, refresh_token: str | None = None,
           all_devices: bool = False) -> dict[str, Any]:
    """POST /auth/logout: end this login (the refresh token sent, else the bearer's own login, read from the
    `authorization` header), or with `all_devices` every login of the member, and refuse every access token
    issued before now."""
    from shared.auth.revocation import revoke_access_tokens

    if all_devices:
        ended = refresh_tokens.revoke_all(caller.client_id, caller.user_id)
        revoke_access_tokens(caller.client_id, caller.user_id)
        return {"loggedOut": True, "allDevices": True, "endedLogins": ended}
    if refresh_token:
        claims = refresh_tokens.read_claims(refresh_token)
        if claims["sub"] != caller.user_id or claims["cid"] != caller.client_id:
            raise AppError("INVALID_REFRESH_TOKEN", "This refresh token belongs to another sign-in")
        family = str(claims["fam"])
    else:
        family = _bearer_family(authorization) or ""
    ended = refresh_tokens.revoke(caller.client_id, caller.user_id, family) if family else 0
    return {"loggedOut": True, "allDevices": False, "endedLogins": ended}


def me_with_features(caller: Caller) -> dict[str, Any]:
    """GET /auth/me: the member as in GET /users/me, plus the client's enabled features."""
    view = me(caller)
    flags = clients.features(clients.get_client(caller.client_id))
    return {**view, "enabledFeatures": [name for name in clients.FEATURES if flags[name]]}
