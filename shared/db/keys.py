"""The one key builder: every PK/SK of the table is spelled here and nowhere else.

Tenant items live in partitions that start with `CLIENT#<clientId>`, so that an IAM `dynamodb:LeadingKeys`
condition could fence a tenant. Global lookups (API key hashes, voucher codes, counters) have their own
partitions; the email index (GSI1) finds a user's clients for the universal key.
"""
from __future__ import annotations

Key = dict[str, str]


def _key(pk: str, sk: str) -> Key:
    return {"PK": pk, "SK": sk}


# --- platform -------------------------------------------------------------------------------------------
def platform_settings() -> Key:
    return _key("PLATFORM", "SETTINGS")


def counter(name: str) -> Key:
    return _key("COUNTER", name)


def api_key(key_hash: str) -> Key:
    return _key(f"APIKEY#{key_hash}", "APIKEY")


def api_key_ref(owner_pk: str, key_id: str) -> Key:
    """The owner's record of a key (client partition, or PLATFORM for universal keys), for listing and revoking."""
    return _key(owner_pk, f"{API_KEY_REF_PREFIX}{key_id}")


def rate_bucket(scope: str) -> Key:
    return _key(f"RATE#{scope}", "BUCKET")


def idempotency(client_id: str, caller_id: str, key_hash: str) -> Key:
    """The first answer to a state-changing POST under one Idempotency-Key (the key's SHA-256), per caller of a
    client (`caller_id`: the user, or `key:<keyId>` without a bearer). Lives 24 hours (TTL)."""
    return _key(f"{client_pk(client_id)}#IDEM#{caller_id}", f"IDEM#{key_hash}")


# --- clients and partners -------------------------------------------------------------------------------
def client_pk(client_id: str) -> str:
    return f"CLIENT#{client_id}"


def client(client_id: str) -> Key:
    return _key(client_pk(client_id), "PROFILE")


def clients_index() -> str:
    """GSI1 partition listing every client by id (the admin CLI's and API's client list)."""
    return "CLIENTS"


def audit_entry(client_id: str | None, at: str, entry_id: str) -> Key:
    """One audited admin write, in the client's partition (or the platform's for platform-wide writes); GSI1
    (`audit_index(month)`) lists every entry of a month for platform admins."""
    return _key(f"{client_pk(client_id)}#AUDIT" if client_id else "PLATFORM#AUDIT", f"{at}#{entry_id}")


def audit_index(month: str) -> str:
    return f"AUDIT#{month}"


def partner(client_id: str, partner_id: str) -> Key:
    return _key(client_pk(client_id), f"{PARTNER_PREFIX}{partner_id}")


PARTNER_PREFIX = "PARTNER#"  # sk_prefix of a client's partners in client_pk(client)
API_KEY_REF_PREFIX = "APIKEYREF#"  # sk_prefix of an owner's key records


# --- partner portal: staff, voucher batches and counters, attributed members -----------------------------------
def partner_pk(client_id: str, partner_id: str) -> str:
    return f"{client_pk(client_id)}#PARTNER#{partner_id}"


def staff_pk(client_id: str, partner_id: str, staff_id: str) -> str:
    """A partner staff member's own partition: the profile and the logins (refresh-token families)."""
    return f"{partner_pk(client_id, partner_id)}#STAFF#{staff_id}"


def partner_staff(client_id: str, partner_id: str, staff_id: str) -> Key:
    return _key(staff_pk(client_id, partner_id, staff_id), "PROFILE")


def partner_staff_index(client_id: str, partner_id: str) -> str:
    """GSI1 partition listing a partner's staff, sorted by `createdAt#staffId`."""
    return f"{partner_pk(client_id, partner_id)}#STAFF"


def staff_email(email: str) -> Key:
    """The global claim on a partner staff email (staff sign in without an API key, so emails are unique across
    clients): it names the client, partner and staff id."""
    return _key(f"STAFFEMAIL#{email}", "STAFFEMAIL")


def staff_refresh_family(client_id: str, partner_id: str, staff_id: str, family_id: str) -> Key:
    return _key(staff_pk(client_id, partner_id, staff_id), f"{refresh_family_prefix()}{family_id}")


def partner_vouchers_index(client_id: str, partner_id: str) -> str:
    """GSI2 partition of a partner's vouchers, sorted by `createdAt#code` (stable order for lists and cursors)."""
    return f"{partner_pk(client_id, partner_id)}#VOUCHERS"


def voucher_stats(client_id: str, partner_id: str) -> Key:
    """The partner's voucher counters (total, redeemed, revoked, unused ones per expiry instant)."""
    return _key(partner_pk(client_id, partner_id), "VOUCHERSTATS")


def export_job(client_id: str, partner_id: str, job_id: str) -> Key:
    """An export job of the partner portal: its filters, state and the file it wrote (TTL'd)."""
    return _key(partner_pk(client_id, partner_id), f"EXPORT#{job_id}")


def voucher_batch(client_id: str, partner_id: str, batch_id: str) -> Key:
    """A batch of generated codes: its state (creating, complete) and its own counters."""
    return _key(partner_pk(client_id, partner_id), f"BATCH#{batch_id}")


def voucher_campaign(client_id: str, partner_id: str, campaign: str) -> Key:
    """Counters of every batch generated for one campaign name."""
    return _key(partner_pk(client_id, partner_id), f"CAMPAIGN#{campaign}")


def partner_member(client_id: str, user_id: str) -> Key:
    """A member's attribution to a partner, in the member's own partition (an account deletion removes it);
    GSI2 (`partner_members_index`) lists a partner's members."""
    return _key(user_pk(client_id, user_id), "PARTNERMEMBER")


def partner_members_index(client_id: str, partner_id: str) -> str:
    """GSI2 partition of a partner's members, sorted by `joinedAt#userId`."""
    return f"{partner_pk(client_id, partner_id)}#MEMBERS"


def partner_activity(client_id: str, partner_id: str, day: str) -> Key:
    """The partner's counters of one UTC day (YYYY-MM-DD): credited watch seconds, completed classes,
    members joined, and how many members were active that day."""
    return _key(partner_pk(client_id, partner_id), f"DAY#{day}")


def voucher(code: str) -> Key:
    return _key(f"VOUCHER#{code.upper()}", "VOUCHER")


def voucher_index(client_id: str) -> str:
    """GSI1 partition listing a client's vouchers."""
    return f"{client_pk(client_id)}#VOUCHERS"


# --- catalog: coaches, categories, classes --------------------------------------------------------------
def catalog_pk(client_id: str) -> str:
    return f"{client_pk(client_id)}#CATALOG"


COACH_PREFIX = "COACH#"  # sk_prefix of every coach in catalog_pk(client): one Query lists a client's coaches
CATEGORY_PREFIX = "CATEGORY#"  # ... of every category
CLASS_PREFIX = "CLASS#"  # ... of every class
FEATURED_PREFIX = "FEATURED#"  # ... of the editorial shelf's entries, in editorial order
LIVE_PREFIX = "LIVE#"  # ... of the live schedule's entries, soonest first


def coach(client_id: str, coach_id: int) -> Key:
    return _key(catalog_pk(client_id), f"{COACH_PREFIX}{coach_id:08d}")


def category(client_id: str, category_id: int) -> Key:
    return _key(catalog_pk(client_id), f"{CATEGORY_PREFIX}{category_id:08d}")


def klass(client_id: str, class_id: int) -> Key:
    return _key(catalog_pk(client_id), f"{CLASS_PREFIX}{class_id:08d}")


def classes_index(client_id: str) -> str:
    """GSI1 partition of a client's classes, sorted by `publishedAt#id` (newest, new this week)."""
    return f"{catalog_pk(client_id)}#CLASSES"


def featured_entry(client_id: str, rank: int, class_id: int) -> Key:
    """The editorial shelf: one entry per featured class, in editorial order."""
    return _key(catalog_pk(client_id), f"{FEATURED_PREFIX}{rank:06d}#{class_id:08d}")


def live_entry(client_id: str, scheduled_at: str, class_id: int) -> Key:
    """The live schedule: one entry per scheduled live class, soonest first."""
    return _key(catalog_pk(client_id), f"{LIVE_PREFIX}{scheduled_at}#{class_id:08d}")


def live_entries_since(scheduled_at: str) -> tuple[str, str]:
    """sk_between of the live schedule's entries scheduled at or after `scheduled_at` (an ISO instant)."""
    return f"{LIVE_PREFIX}{scheduled_at}", f"{LIVE_PREFIX}~"


def catalog_facets(client_id: str) -> Key:
    """Class counts per (category, trainer, intensity, live, duration): every browse total is a sum of cells."""
    return _key(catalog_pk(client_id), "FACETS")


BROWSE_ALL = "all"  # the browse scope of every class of a client


def browse_category(category_id: int) -> str:
    return f"c{category_id}"


def browse_trainer(trainer_id: int) -> str:
    return f"t{trainer_id}"


def browse_index(client_id: str, scope: str) -> str:
    """A browse partition: BROWSE_ALL, one category or one trainer (above), one entry per sort order."""
    return f"{catalog_pk(client_id)}#BROWSE#{scope}"


def browse_order(tag: str, value: str = "") -> str:
    """The sort key prefix of one sort order's entries (`N#<publishedAt>`, `D#0030`, ...); `value` narrows it."""
    return f"{tag}#{value}"


def browse_entry(client_id: str, scope: str, order: str, class_id: int) -> Key:
    """`order` is browse_order(tag, value): the partition reads in the sort's order."""
    return _key(browse_index(client_id, scope), f"{order}#{class_id:08d}")


def search_words(client_id: str) -> str:
    """The word postings of a client's classes, sorted by word: a word prefix is one `begins_with` Query."""
    return f"{catalog_pk(client_id)}#WORDS"


def word_posting(client_id: str, word: str, class_id: int) -> Key:
    return _key(search_words(client_id), f"{word}#{class_id:08d}")


def words_from(start: str, *, whole: bool) -> str:
    """The sort key prefix of the postings of the word `start` (whole) or of every word beginning with it."""
    return f"{start}#" if whole else start


# --- users -----------------------------------------------------------------------------------------------
def user_pk(client_id: str, user_id: str) -> str:
    return f"{client_pk(client_id)}#USER#{user_id}"


def user(client_id: str, user_id: str) -> Key:
    return _key(user_pk(client_id, user_id), "PROFILE")


SESSION_PREFIX = "SESSION#"  # sk_prefix of a user's viewing sessions in user_pk(client, user)


def viewing_session(client_id: str, user_id: str, session_id: str) -> Key:
    """A viewing session (ids sort by start time, so the SESSION# prefix reads newest first in reverse)."""
    return _key(user_pk(client_id, user_id), f"{SESSION_PREFIX}{session_id}")


def continue_watching(client_id: str, user_id: str, class_id: int) -> Key:
    """One continue-watching entry per class the user started and has not finished."""
    return _key(user_pk(client_id, user_id), f"CW#{class_id:08d}")


def continue_watching_index(client_id: str, user_id: str) -> str:
    """GSI1 partition of the user's continue-watching entries, sorted by `lastWatchedAt#classId`."""
    return f"{user_pk(client_id, user_id)}#CW"


def viewing_stats(client_id: str, user_id: str) -> Key:
    """Small totals: watch seconds, sessions, classes completed."""
    return _key(user_pk(client_id, user_id), "VIEWSTATS")


def viewing_completions(client_id: str, user_id: str) -> Key:
    """The instants of the user's completions (streaks in any time zone); apart from VIEWSTATS so that the
    heartbeats' small updates do not rewrite a growing set."""
    return _key(user_pk(client_id, user_id), "VIEWCOMPLETIONS")


def viewing_hour(client_id: str, user_id: str, epoch_hour: int) -> Key:
    """Watch seconds credited within one UTC hour (epoch seconds // 3600)."""
    return _key(user_pk(client_id, user_id), f"VIEWHOUR#{epoch_hour:08d}")


def email_claim(client_id: str, email: str) -> Key:
    return _key(f"{client_pk(client_id)}#EMAIL#{email}", "EMAIL")


def email_index(email: str) -> str:
    """GSI1 partition of every client's claim on one email (universal-key login)."""
    return f"EMAIL#{email}"


def client_users_index(client_id: str) -> str:
    """GSI1 partition of a client's members, sorted by `createdAt#userId` (member lists, checks)."""
    return f"{client_pk(client_id)}#USERS"


def refresh_family(client_id: str, user_id: str, family_id: str) -> Key:
    """One login (refresh-token family): the SHA-256 of its current refresh token, with a TTL."""
    return _key(user_pk(client_id, user_id), f"REFRESH#{family_id}")


def refresh_family_prefix() -> str:
    return "REFRESH#"


def token_revocation(client_id: str, user_id: str) -> Key:
    """Access tokens of this user issued before `validAfter` are refused (full logout, reset, deletion).
    Lives only as long as an access token (TTL); it holds no personal data."""
    return _key(f"{client_pk(client_id)}#REVOKED#{user_id}", "REVOKED")


PASSWORD_RESET_PREFIX = "PWRESET#"  # sk_prefix of a user's pending resets in user_pk(client, user)


def password_reset(client_id: str, user_id: str, token_hash: str) -> Key:
    """A pending password reset (the token's SHA-256 only), in the user partition, with a TTL."""
    return _key(user_pk(client_id, user_id), f"{PASSWORD_RESET_PREFIX}{token_hash}")


def password_reset_index(token_hash: str) -> str:
    """GSI1 partition that finds a pending reset from its token's hash."""
    return f"PWRESET#{token_hash}"


def mail_message(client_id: str, user_id: str, sent_at: str, message_id: str) -> Key:
    """A message of the local outbox (development only), in its recipient's partition."""
    return _key(user_pk(client_id, user_id), f"OUTBOX#{sent_at}#{message_id}")


def outbox_index() -> str:
    """GSI1 partition listing the local outbox, newest last (`sentAt#messageId`)."""
    return "OUTBOX"


# --- onboarding ------------------------------------------------------------------------------------------
def onboarding(client_id: str, session_id: str) -> Key:
    return _key(f"{client_pk(client_id)}#ONBOARDING#{session_id}", "PROFILE")


# --- voice: Hume EVI configs (one Query on client_pk with sk_prefix HUME_PREFIX reads them all) ------------
HUME_PREFIX = "HUME#"


def hume_config(client_id: str) -> Key:
    return _key(client_pk(client_id), "HUME#DEFAULT")


def hume_assigned_configs(client_id: str) -> Key:
    """The Hume config ids the platform assigned to this client (a string set): the only ones its admins may use."""
    return _key(client_pk(client_id), "HUME#ASSIGNED")


def hume_trainer_config(client_id: str, trainer_id: int) -> Key:
    return _key(client_pk(client_id), f"HUME#TRAINER#{trainer_id:08d}")


# --- the voice agent ---------------------------------------------------------------------------------------
def agent_ticket(client_id: str, ticket_hash: str) -> Key:
    """A single-use ticket of a room's agent dispatch (its SHA-256 only), exchanged once for the agent's
    credential; TTL'd like the room token it rides in."""
    return _key(f"{client_pk(client_id)}#AGENTTICKET#{ticket_hash}", "TICKET")


# --- plans and progress (all in the user partition, so that deleting the account deletes them) ---------------
PLAN_PREFIX = "PLAN#"  # sk_prefix of the user's plan summaries, oldest first


def plan_pointers(client_id: str, user_id: str) -> Key:
    """The active plan of each type (the SK of its summary) and how many plans of each type were saved."""
    return _key(user_pk(client_id, user_id), "PLANPTR")


def plan_summary(client_id: str, user_id: str, created_ms: int, plan_id: str) -> Key:
    """A saved plan's summary (status, dates, title); sorts by creation time."""
    return _key(user_pk(client_id, user_id), f"{PLAN_PREFIX}{created_ms:012x}#{plan_id}")


def plan_body(client_id: str, user_id: str, plan_id: str) -> Key:
    """A saved plan's content (compressed), read only when the plan itself is."""
    return _key(user_pk(client_id, user_id), f"PLANBODY#{plan_id}")


LOG_PREFIX = "LOG#"  # sk_prefix of the user's progress logs, by local date
DAY_PREFIX = "DAY#"  # sk_prefix of the user's per-day progress totals


def progress_log(client_id: str, user_id: str, local_date: str, log_id: str) -> Key:
    """One progress log (workout, meal or water) on the member's local date."""
    return _key(user_pk(client_id, user_id), f"{LOG_PREFIX}{local_date}#{log_id}")


def progress_day(client_id: str, user_id: str, local_date: str) -> Key:
    """Counters of one local day (minutes, calories, water...), kept by every log and undo."""
    return _key(user_pk(client_id, user_id), f"{DAY_PREFIX}{local_date}")


def progress_log_claim(client_id: str, user_id: str, client_log_id: str) -> Key:
    """The app's own id for a log: the same clientLogId never logs twice."""
    return _key(user_pk(client_id, user_id), f"LOGREF#{client_log_id}")


def progress_log_dedupe(client_id: str, user_id: str, content_digest: str) -> Key:
    """The latest log of one content (the voice agent's logs): the same content within its window logs once."""
    return _key(user_pk(client_id, user_id), f"LOGSAME#{content_digest}")


# --- the voice agent's proposals and actions (in the user partition: bound to the member and the client) -------
AGENT_ACTION_PREFIX = "AGENTACT#"  # sk_prefix of the member's audit of the agent's actions, oldest first


def agent_proposal(client_id: str, user_id: str, proposal_id: str) -> Key:
    """A prepared write of the voice agent (book, cancel...) awaiting the member's spoken yes; TTL'd."""
    return _key(user_pk(client_id, user_id), f"PROPOSAL#{proposal_id}")


def agent_action(client_id: str, user_id: str, at_ms: int, action_id: str) -> Key:
    """One entry of the audit of what the agent prepared and did for the member; sorts by time."""
    return _key(user_pk(client_id, user_id), f"{AGENT_ACTION_PREFIX}{at_ms:013d}#{action_id}")


# --- trainers and 1:1 bookings ---------------------------------------------------------------------------
# A trainer is a coach of the catalog (keys.coach); its schedule and services live in a partition of its own.
SERVICE_PREFIX = "SERVICE#"


def trainer_pk(client_id: str, trainer_id: int) -> str:
    return f"{client_pk(client_id)}#TRAINER#{trainer_id:08d}"


def trainer_schedule(client_id: str, trainer_id: int) -> Key:
    """Weekly windows (local wall clock), date overrides, time off and the zone: one item."""
    return _key(trainer_pk(client_id, trainer_id), "SCHEDULE")


def trainer_service(client_id: str, trainer_id: int, service_id: int) -> Key:
    return _key(trainer_pk(client_id, trainer_id), f"{SERVICE_PREFIX}{service_id:08d}")


def trainer_busy_block(client_id: str, trainer_id: int, epoch_minute: int) -> Key:
    """One 5-minute block of a trainer's real time held by a booking (buffers included) or a hold: the lock
    that makes double booking impossible (conditional puts in the booking's transaction)."""
    return _key(f"{trainer_pk(client_id, trainer_id)}#BUSY", f"{epoch_minute:010d}")


def member_busy_block(client_id: str, user_id: str, epoch_minute: int) -> Key:
    """One 5-minute block of a member's own time held by one of their bookings."""
    return _key(f"{user_pk(client_id, user_id)}#BUSY", f"{epoch_minute:010d}")


def trainer_calendar_index(client_id: str, trainer_id: int) -> str:
    """GSI2 partition of what holds a trainer's time (confirmed bookings, live holds), by `busyFrom#id`;
    cancelled bookings leave it (sparse), so availability reads only the range it shows."""
    return f"{trainer_pk(client_id, trainer_id)}#CAL"


def trainer_account(client_id: str, trainer_id: int) -> Key:
    """The one user account of a trainer (its user id): an invite's registration claims it once."""
    return _key(trainer_pk(client_id, trainer_id), "ACCOUNT")


def trainer_schedule_guard(client_id: str, trainer_id: int) -> Key:
    """A small item every booking of the trainer touches (its `bookingSeq`) and every schedule change moves (its
    `version`): a booking made against an old schedule, or a schedule change that missed a new booking, fails its
    condition instead of stranding a session."""
    return _key(trainer_pk(client_id, trainer_id), "GUARD")


def trainer_invite(code_hash: str) -> Key:
    """An invitation of a trainer to open their account (the code's SHA-256 only), global like a voucher so that
    the universal key finds its client; TTL'd some days after it expires."""
    return _key(f"INVITE#{code_hash}", "INVITE")


def booking(client_id: str, booking_id: str) -> Key:
    return _key(f"{client_pk(client_id)}#BOOKING#{booking_id}", "BOOKING")


def slot_hold(client_id: str, hold_id: str) -> Key:
    """A 5-minute hold on a slot (TTL), which `book` turns into the booking."""
    return _key(f"{client_pk(client_id)}#HOLD#{hold_id}", "HOLD")


def member_hold(client_id: str, user_id: str) -> Key:
    """The member's one live hold (a new hold replaces it), so that no member can sit on a trainer's week."""
    return _key(user_pk(client_id, user_id), "HOLD")


BOOKING_TOKEN_PREFIX = "BOOKTOKEN#"


def member_booking_token(client_id: str, user_id: str, slot: int) -> Key:
    """One of the member's places for an upcoming 1:1 booking (as many as the client's limit): a booking takes a
    free one (absent, or held by a session that has started) in its transaction, so the limit holds in races."""
    return _key(user_pk(client_id, user_id), f"{BOOKING_TOKEN_PREFIX}{slot:03d}")


def member_bookings_index(client_id: str, user_id: str) -> str:
    """GSI1 partition of a member's bookings (any status), by `startsAt#id`."""
    return f"{user_pk(client_id, user_id)}#BOOKINGS"


# --- group classes: the class, its members and its waitlist share one partition ---------------------------------
WAITLIST_PREFIX = "WAIT#"
CLASS_MEMBER_PREFIX = "MEMBER#"


def group_class_pk(client_id: str, class_id: int) -> str:
    return f"{client_pk(client_id)}#GCLASS#{class_id:08d}"


def group_class(client_id: str, class_id: int) -> Key:
    """A scheduled group class: capacity, counters (booked, waitlisted, the waitlist's ticket sequence), policy."""
    return _key(group_class_pk(client_id, class_id), "CLASS")


def group_class_index(client_id: str) -> str:
    """GSI1 partition of a client's group classes, sorted by `startsAt#id` (the schedule)."""
    return f"{client_pk(client_id)}#GCLASSES"


def class_booking(client_id: str, class_id: int, user_id: str) -> Key:
    """One member's place in one class (booked, waitlisted, offered, cancelled...): one per class and member."""
    return _key(group_class_pk(client_id, class_id), f"{CLASS_MEMBER_PREFIX}{user_id}")


def member_class_bookings_index(client_id: str, user_id: str) -> str:
    """GSI2 partition of a member's class bookings, sorted by the class's `startsAt#id`."""
    return f"{user_pk(client_id, user_id)}#CLASSBOOKINGS"


def waitlist_entry(client_id: str, class_id: int, ticket: int) -> Key:
    """A waitlist ticket: SK order is the server's first-in-first-out order."""
    return _key(group_class_pk(client_id, class_id), f"{WAITLIST_PREFIX}{ticket:010d}")


# --- programmes ----------------------------------------------------------------------------------------------------
def programme(client_id: str, programme_id: int) -> Key:
    """A programme template's current version (earlier versions stay as PROGRAMME#V<n> in the same partition)."""
    return _key(f"{client_pk(client_id)}#PROGRAMME#{programme_id:08d}", "CURRENT")


def programme_version(client_id: str, programme_id: int, version: int) -> Key:
    return _key(f"{client_pk(client_id)}#PROGRAMME#{programme_id:08d}", f"V#{version:06d}")


def programme_index(client_id: str) -> str:
    """GSI1 partition of a client's programmes, sorted by `name#id`."""
    return f"{client_pk(client_id)}#PROGRAMMES"


def programme_subscription(client_id: str, user_id: str, subscription_id: str) -> Key:
    return _key(user_pk(client_id, user_id), f"PROGSUB#{subscription_id}")


PROGRAMME_SUBSCRIPTION_PREFIX = "PROGSUB#"


def programme_enrolment(client_id: str, user_id: str, programme_id: int) -> Key:
    """The member's one live subscription of a programme (its id), so subscribing twice cannot make two."""
    return _key(user_pk(client_id, user_id), f"PROGLIVE#{programme_id:08d}")
