"""Reading the catalog: class cards, discover shelves, browsing with filters and sorts, search, categories.

Where the data comes from, and how stale it may be:
- Coaches and categories of a client (a few dozen items) are kept in the function's memory for
  `PEOPLE_CACHE_SECONDS` (60 s): names on cards and category `classCount`s may be up to 60 s old.
- Browse, search and related classes work on the client's class list kept in memory for
  `CLASSES_CACHE_SECONDS` (60 s): a class created or changed is seen by them within 60 s. Filling that
  cache reads the CLASS# items of the catalog partition once per warm function per 60 s.
- Discover never loads the whole catalog: it reads the editorial shelf (FEATURED#), the live schedule (LIVE#)
  and the newest classes (GSI1) with small limits, plus one BatchGetItem for their class items; so its cost
  does not grow with the catalog.
- A class detail (`GET /content/classes/{id}`) reads its item directly, so it is never stale.
"""
from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

from shared import clock
from shared.db import keys
from shared.db.repository import get_repository
from shared.errors import not_found

PEOPLE_CACHE_SECONDS = 60
CLASSES_CACHE_SECONDS = 60
SHELF_SIZE = 10
RELATED_SIZE = 6
NEW_WINDOW_SECONDS = 7 * 86400
LIVE_GRACE_SECONDS = 3600  # a live class that began up to an hour ago (and is still on) is still "upcoming live"
SORTS = ("newest", "popular", "duration", "name")


# --- in-memory caches -------------------------------------------------------------------------------------
@dataclass
class People:
    coaches: dict[int, dict[str, Any]] = field(default_factory=dict)
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)


_lock = threading.Lock()
_people: dict[str, tuple[float, People]] = {}
_classes: dict[str, tuple[float, list[dict[str, Any]]]] = {}


def forget_cache() -> None:
    with _lock:
        _people.clear()
        _classes.clear()


def _fresh(expires: float, ttl: float) -> bool:
    """Not expired, and not filled "in the future" (a clock moved back must not keep an entry alive)."""
    now = clock.now()
    return now < expires <= now + ttl


def people(client_id: str) -> People:
    """The client's coaches and categories (two small Queries, cached PEOPLE_CACHE_SECONDS)."""
    hit = _people.get(client_id)
    if hit and _fresh(hit[0], PEOPLE_CACHE_SECONDS):
        return hit[1]
    repo = get_repository()
    pk = keys.catalog_pk(client_id)
    found = People(coaches={int(c["id"]): c for c in repo.query(pk, sk_prefix=keys.COACH_PREFIX)},
                   categories={int(c["id"]): c for c in repo.query(pk, sk_prefix=keys.CATEGORY_PREFIX)})
    with _lock:
        _people[client_id] = (clock.now() + PEOPLE_CACHE_SECONDS, found)
    return found


def all_classes(client_id: str) -> list[dict[str, Any]]:
    """Every active class of the client (one paginated Query, cached CLASSES_CACHE_SECONDS)."""
    hit = _classes.get(client_id)
    if hit and _fresh(hit[0], CLASSES_CACHE_SECONDS):
        return hit[1]
    items = [c for c in get_repository().query(keys.catalog_pk(client_id), sk_prefix=keys.CLASS_PREFIX) if is_active(c)]
    for item in items:
        item["_search"] = None  # search tokens are computed on first use
    with _lock:
        _classes[client_id] = (clock.now() + CLASSES_CACHE_SECONDS, items)
    return items


# --- cards ------------------------------------------------------------------------------------------------
def is_active(item: dict[str, Any] | None) -> bool:
    return item is not None and bool(item) and item.get("status", "active") == "active"


def _ref(item: dict[str, Any] | None) -> dict[str, Any] | None:
    return {"id": item["id"], "name": item["name"]} if item else None


def card(item: dict[str, Any], folks: People) -> dict[str, Any]:
    """The spec's class card."""
    answer = {
        "id": item["id"], "name": item["name"], "thumbnailUrl": item.get("thumbnailUrl"),
        "duration": item["duration"], "intensity": item.get("intensity"),
        "trainer": _ref(folks.coaches.get(int(item.get("trainerId") or 0))),
        "category": _ref(folks.categories.get(int(item.get("categoryId") or 0))),
        "isLive": bool(item.get("isLive")), "isPremium": bool(item.get("isPremium")),
    }
    if item.get("scheduledAt"):
        answer["scheduledAt"] = item["scheduledAt"]
    return answer


def detail(item: dict[str, Any], folks: People, related: list[dict[str, Any]]) -> dict[str, Any]:
    coach = folks.coaches.get(int(item.get("trainerId") or 0))
    category = folks.categories.get(int(item.get("categoryId") or 0))
    return {
        **card(item, folks),
        "description": item.get("description", ""),
        "trainer": {"id": coach["id"], "name": coach["name"], "image": coach.get("image"),
                    "bio": coach.get("bio", ""), "specialties": coach.get("specialties", [])} if coach else None,
        "category": {"id": category["id"], "name": category["name"], "image": category.get("image")}
        if category else None,
        "publishedAt": item.get("publishedAt"),  # no video URL: playback goes through shared/domain/video_access.py
        "views": int(item.get("views") or 0),
        "relatedClasses": [card(r, folks) for r in related],
    }


# --- categories -------------------------------------------------------------------------------------------
def category_views(folks: People) -> list[dict[str, Any]]:
    """Active categories of the client, in their sort order, each with `classCount` and `image`."""
    active = [c for c in folks.categories.values() if c.get("active", True)]
    active.sort(key=lambda c: (int(c.get("sortOrder") or 0), c["name"].casefold(), c["id"]))
    return [{"id": c["id"], "name": c["name"], "image": c.get("image"), "classCount": int(c.get("classCount") or 0)}
            for c in active]


# --- discover ---------------------------------------------------------------------------------------------
def shelf_reads(client_id: str) -> tuple[list[int], list[int], list[dict[str, Any]]]:
    """Featured ids (editorial order), upcoming live ids (soonest first), and new-this-week class items
    (newest first): three Queries with small limits, whatever the size of the catalog."""
    repo = get_repository()
    pk = keys.catalog_pk(client_id)
    now = clock.now()
    featured = [int(e["classId"]) for e in repo.query(pk, sk_prefix=keys.FEATURED_PREFIX, limit=SHELF_SIZE + 2)]
    live = [int(e["classId"]) for e in repo.query(pk, sk_between=keys.live_entries_since(
        clock.iso(now - LIVE_GRACE_SECONDS)), limit=SHELF_SIZE + 2)]
    newest = repo.query(keys.classes_index(client_id), index="GSI1", forward=False, limit=SHELF_SIZE + 2,
                        sk_between=(clock.iso(now - NEW_WINDOW_SECONDS), clock.iso(now) + "~"))
    return featured, live, newest


def classes_by_id(client_id: str, class_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Active class items by id with one BatchGetItem (ids of other clients simply are not found)."""
    wanted = sorted(set(class_ids))
    if not wanted:
        return {}
    items = get_repository().get_many([keys.klass(client_id, i) for i in wanted])
    return {int(i["id"]): i for i in items if is_active(i)}


def discover(client_id: str, continue_entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The home screen's five shelves. `continue_entries` are the user's continue-watching entries, newest
    first (see viewing.continue_watching_entries). Reads: 3 Queries + 1 BatchGetItem (+ the people cache)."""
    folks = people(client_id)
    featured_ids, live_ids, newest = shelf_reads(client_id)
    wanted = featured_ids + live_ids + [int(e["classId"]) for e in continue_entries]
    found = classes_by_id(client_id, wanted)
    now = clock.now()
    continue_cards = []
    for entry in continue_entries:
        item = found.get(int(entry["classId"]))
        if item is None:
            continue
        total = int(entry.get("totalDurationSeconds") or 60 * int(item["duration"]))
        position = int(entry.get("progressSeconds") or 0)
        continue_cards.append({**card(item, folks), "sessionId": entry["sessionId"], "progressSeconds": position,
                               "totalDurationSeconds": total, "progressPercent": percent(position, total),
                               "lastWatchedAt": entry["lastWatchedAt"]})
    return {
        "featured": [card(found[i], folks) for i in featured_ids if i in found][:SHELF_SIZE],
        "continueWatching": continue_cards[:SHELF_SIZE],
        "upcomingLive": [card(i, folks) for i in upcoming([found[i] for i in live_ids if i in found], now)],
        "categories": category_views(folks),
        "newThisWeek": [card(i, folks) for i in newest if is_active(i)][:SHELF_SIZE],
    }


def percent(position: float, total: float) -> float:
    return round(min(100.0, 100.0 * position / total), 1) if total > 0 else 0.0


def upcoming(items: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """Live classes that have not ended yet, soonest first."""
    still_on = [i for i in items if i.get("isLive") and i.get("scheduledAt")
                and clock.parse_iso(i["scheduledAt"]) + 60 * int(i["duration"]) > now]
    return sorted(still_on, key=lambda i: (i["scheduledAt"], i["id"]))[:SHELF_SIZE]


# --- browse -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    category: str | None = None
    trainer: int | None = None
    intensity: str | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    is_live: bool | None = None


def _category_ids(spec: str, folks: People) -> set[int]:
    """`category` is an id or a name (case- and accent-insensitive)."""
    if spec.strip().isdigit():
        return {int(spec)}
    wanted = fold(spec)
    return {cid for cid, c in folks.categories.items() if fold(c["name"]) == wanted}


def matches(item: dict[str, Any], filters: Filters, category_ids: set[int] | None) -> bool:
    if category_ids is not None and int(item.get("categoryId") or 0) not in category_ids:
        return False
    if filters.trainer is not None and int(item.get("trainerId") or 0) != filters.trainer:
        return False
    if filters.intensity is not None and item.get("intensity") != filters.intensity:
        return False
    if filters.min_duration is not None and int(item["duration"]) < filters.min_duration:
        return False
    if filters.max_duration is not None and int(item["duration"]) > filters.max_duration:
        return False
    if filters.is_live is not None and bool(item.get("isLive")) != filters.is_live:
        return False
    return True


def ordered(items: Iterable[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """A total order for each sort (the id breaks ties), so that pages never overlap or skip."""
    if sort == "popular":
        return sorted(items, key=lambda i: (-int(i.get("views") or 0), i["id"]))
    if sort == "duration":
        return sorted(items, key=lambda i: (int(i["duration"]), i["id"]))
    if sort == "name":
        return sorted(items, key=lambda i: (fold(i["name"]), i["id"]))
    return sorted(items, key=lambda i: (i.get("publishedAt") or "", i["id"]), reverse=True)  # newest


def pagination(total: int, page: int, limit: int) -> dict[str, int]:
    return {"page": page, "limit": limit, "total": total, "totalPages": math.ceil(total / limit) if total else 0}


def paginate(items: list[Any], page: int, limit: int) -> tuple[list[Any], dict[str, int]]:
    start = (page - 1) * limit
    return items[start:start + limit], pagination(len(items), page, limit)


def browse(items: list[dict[str, Any]], folks: People, filters: Filters, sort: str, page: int,
           limit: int) -> dict[str, Any]:
    category_ids = _category_ids(filters.category, folks) if filters.category else None
    chosen = ordered((i for i in items if matches(i, filters, category_ids)), sort)
    page_items, pages = paginate(chosen, page, limit)
    return {"items": [card(i, folks) for i in page_items], "pagination": pages}


def related(item: dict[str, Any], items: list[dict[str, Any]], size: int = RELATED_SIZE) -> list[dict[str, Any]]:
    """Same category first, then same trainer; the most watched first."""
    others = [i for i in items if i["id"] != item["id"]]
    same_category = [i for i in others if i.get("categoryId") == item.get("categoryId")]
    same_trainer = [i for i in others if i.get("trainerId") == item.get("trainerId") and i not in same_category]
    return (ordered(same_category, "popular") + ordered(same_trainer, "popular"))[:size]


# --- search -----------------------------------------------------------------------------------------------
_WORD = re.compile(r"[a-z0-9]+")
# Field weights: a word of the class name counts most, then trainer, category, description.
WEIGHTS = {"name": 8.0, "trainer": 5.0, "category": 4.0, "description": 1.5}


def fold(text: str) -> str:
    """Lower case without accents: "Pilátes" -> "pilates"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _fields(item: dict[str, Any], folks: People) -> dict[str, list[str]]:
    coach = folks.coaches.get(int(item.get("trainerId") or 0)) or {}
    category = folks.categories.get(int(item.get("categoryId") or 0)) or {}
    return {"name": words(item["name"]), "trainer": words(coach.get("name", "")),
            "category": words(category.get("name", "")), "description": words(item.get("description", ""))}


def _term_score(term: str, fields: dict[str, list[str]]) -> float:
    """The best field for one query word: a whole word counts fully, a word prefix (3+ letters) 60%."""
    best = 0.0
    for name, tokens in fields.items():
        weight = WEIGHTS[name]
        if term in tokens:
            best = max(best, weight)
        elif len(term) >= 3 and any(t.startswith(term) for t in tokens):
            best = max(best, weight * 0.6)
    return best


def score(query_terms: list[str], phrase: str, fields: dict[str, list[str]]) -> float:
    """0 unless every query word matches somewhere (in any order); higher for better fields, and a bonus
    when the whole query appears in the class name in that order."""
    if not query_terms:
        return 0.0
    parts = [_term_score(t, fields) for t in query_terms]
    if not all(parts):
        return 0.0
    total = sum(parts)
    name = " ".join(fields["name"])
    if phrase and phrase in name:
        total += 4.0 + (4.0 if name == phrase else 0.0)
    return round(total, 3)


def search(items: list[dict[str, Any]], folks: People, q: str, limit: int) -> dict[str, Any]:
    terms = list(dict.fromkeys(words(q)))[:8]
    phrase = " ".join(words(q))
    ranked = []
    for item in items:
        if item.get("_search") is None:
            item["_search"] = _fields(item, folks)
        value = score(terms, phrase, item["_search"])
        if value > 0:
            ranked.append((value, item))
    ranked.sort(key=lambda pair: (-pair[0], -int(pair[1].get("views") or 0), pair[1]["id"]))
    return {"query": q, "total": len(ranked),
            "items": [{**card(item, folks), "score": value} for value, item in ranked[:limit]]}


def get_class(client_id: str, class_id: int) -> dict[str, Any]:
    item = get_repository().get(keys.klass(client_id, class_id))
    if not is_active(item):
        raise not_found("Class")
    return item  # type: ignore[return-value]
