"""Reading the catalog: class cards, discover shelves, browsing with filters and sorts, search, categories.

No request reads the whole catalog, and no function keeps it in memory: every read is bounded whatever the number
of classes (the projections it reads are written with each class: shared/domain/catalog_index.py).
- Coaches, categories and the facet counts of a client (a few dozen items, and one item of counters) are kept
  in the function's memory for `PEOPLE_CACHE_SECONDS` (60 s): names on cards, category `classCount`s and browse
  totals may be up to 60 s old. Memory: coaches + categories + one counter per distinct (category, trainer,
  intensity, live, duration), never per class.
- Browse reads one browse partition (the smallest that holds every match: a category, a trainer, or all) in the
  sort's order: `limit` + 1 entries when the partition holds only matches, else at most BROWSE_BUDGET entries
  (then a short page says so with `nextCursor`). Pages by `page` up to MAX_BROWSE_PAGE, further by cursor.
- Search reads, per query word (at most 8), at most SEARCH_BUDGET postings of that word and of the words it
  begins, plus one browse partition of a matching trainer or category when a word is only a name there, and one
  BatchGetItem of the cards it answers with.
- Related classes read two browse partitions (the class's category and trainer) with small limits.
- Discover reads the editorial shelf (FEATURED#), the live schedule (LIVE#) and the newest classes (GSI1) with
  small limits, plus one BatchGetItem for their class items.
- A class detail (`GET /content/classes/{id}`) reads its item directly, so it is never stale.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable

from shared import clock
from shared.cursor import decode as decode_cursor
from shared.cursor import encode as encode_cursor
from shared.db import keys
from shared.db.repository import get_repository
from shared.domain.catalog_index import SORT_TAGS, parse_cell
from shared.domain.catalog_index import fold as fold  # re-exported (trainers, tests)
from shared.domain.catalog_index import words as words
from shared.errors import not_found

PEOPLE_CACHE_SECONDS = 60
SHELF_SIZE = 10
RELATED_SIZE = 6
NEW_WINDOW_SECONDS = 7 * 86400
LIVE_GRACE_SECONDS = 3600  # a live class that began up to an hour ago (and is still on) is still "upcoming live"
SORTS = tuple(SORT_TAGS)
MAX_BROWSE_PAGE = 10  # `page` reads the entries of the pages before it: at most 10 x 100; further on, the cursor
BROWSE_BUDGET = 1000  # browse entries one request may read when its filters skip some (about 300 KB)
BROWSE_CHUNK = 200
SEARCH_BUDGET = 500  # postings (or browse entries) read per query word
MAX_TRAINER_CLASSES = 100
PLANNING_CLASSES = 300


# --- in-memory caches -------------------------------------------------------------------------------------
@dataclass
class People:
    coaches: dict[int, dict[str, Any]] = field(default_factory=dict)
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)
    facets: list[tuple[dict[str, Any], int]] = field(default_factory=list)  # (cell, classes), see catalog_index


_lock = threading.Lock()
_people: dict[str, tuple[float, People]] = {}


def forget_cache() -> None:
    with _lock:
        _people.clear()


def _fresh(expires: float, ttl: float) -> bool:
    """Not expired, and not filled "in the future" (a clock moved back must not keep an entry alive)."""
    now = clock.now()
    return now < expires <= now + ttl


def people(client_id: str) -> People:
    """The client's coaches, categories and facet counts (two small Queries and one GetItem, cached
    PEOPLE_CACHE_SECONDS)."""
    hit = _people.get(client_id)
    if hit and _fresh(hit[0], PEOPLE_CACHE_SECONDS):
        return hit[1]
    repo = get_repository()
    pk = keys.catalog_pk(client_id)
    counts = repo.get(keys.catalog_facets(client_id)) or {}
    cells = [(cell, int(count)) for name, count in counts.items() if (cell := parse_cell(name)) and int(count) > 0]
    found = People(coaches={int(c["id"]): c for c in repo.query(pk, sk_prefix=keys.COACH_PREFIX)},
                   categories={int(c["id"]): c for c in repo.query(pk, sk_prefix=keys.CATEGORY_PREFIX)},
                   facets=cells)
    with _lock:
        _people[client_id] = (clock.now() + PEOPLE_CACHE_SECONDS, found)
    return found


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
    """A total order for each sort (the id breaks ties), as the browse partitions keep it; `popular` by views."""
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


@dataclass(frozen=True)
class Plan:
    """Where a browse request reads: the partition, how many classes it holds, and how many of them match."""
    scope: str
    held: int
    total: int


def plan(folks: People, filters: Filters, category_ids: set[int] | None) -> Plan:
    """The smallest browse partition that holds every match, and the exact total, from the facet counts alone."""
    total = sum(n for cell, n in folks.facets if matches(cell, filters, category_ids))
    held = {keys.BROWSE_ALL: sum(n for _, n in folks.facets)}
    if category_ids is not None and len(category_ids) == 1:
        (only,) = category_ids
        held[keys.browse_category(only)] = sum(n for cell, n in folks.facets if cell["categoryId"] == only)
    if filters.trainer is not None:
        held[keys.browse_trainer(filters.trainer)] = sum(n for cell, n in folks.facets if cell["trainerId"] == filters.trainer)
    scope = min(held, key=lambda s: (held[s], s != keys.BROWSE_ALL))
    return Plan(scope, held[scope], total)


def _browse_position(position: dict[str, Any]) -> bool:
    return set(position) == {"after", "page"} and isinstance(position["after"], str) \
        and any(position["after"].startswith(keys.browse_order(tag)) for tag in SORT_TAGS.values()) \
        and type(position["page"]) is int and 1 <= position["page"] <= 10**9


def _range(sort: str, filters: Filters) -> dict[str, Any]:
    """The key condition of a sort's entries (a duration range narrows the duration order itself)."""
    tag = SORT_TAGS[sort]
    if sort == "duration" and (filters.min_duration is not None or filters.max_duration is not None):
        low, high = filters.min_duration or 0, filters.max_duration if filters.max_duration is not None else 9999
        return {"sk_between": (keys.browse_order(tag, f"{low:04d}#"), keys.browse_order(tag, f"{high:04d}#~"))}
    return {"sk_prefix": keys.browse_order(tag)}


def browse(client_id: str, folks: People, filters: Filters, sort: str, page: int, limit: int,
           cursor: str | None = None) -> dict[str, Any]:
    """One page of the classes that match, in the sort's order, with the exact total (facet counts) and
    `nextCursor` while more may follow. Reads `limit` + 1 entries (+ the pages before, by `page`) when the chosen
    partition holds only matches; else entries until the page is full, at most BROWSE_BUDGET: a page cut short by
    the budget is shorter than `limit` and its cursor continues where it stopped."""
    category_ids = _category_ids(filters.category, folks) if filters.category else None
    where = plan(folks, filters, category_ids)
    after = None
    if cursor:
        position = decode_cursor(cursor, _browse_position)
        page, after = int(position["page"]), str(position["after"])
    skip = 0 if cursor else (page - 1) * limit
    answer: dict[str, Any] = {"items": [], "pagination": pagination(where.total, page, limit), "nextCursor": None}
    if where.total == 0 or skip >= where.total:
        return answer
    exact = where.held == where.total  # every entry of the partition matches: read just what is shown
    repo, pk = get_repository(), keys.browse_index(client_id, where.scope)
    found: list[dict[str, Any]] = []
    read, last = 0, after
    while len(found) <= skip + limit and read < BROWSE_BUDGET:
        want = skip + limit + 1 - len(found)
        entries, last = repo.query_page(pk, limit=min(want if exact else max(want, BROWSE_CHUNK), BROWSE_BUDGET - read),
                                        forward=sort != "newest", after=last, **_range(sort, filters))
        read += len(entries)
        found += [e for e in entries if matches(e, filters, category_ids)]
        if last is None:
            break
    shown = found[skip:skip + limit]
    answer["items"] = [card(e, folks) for e in shown]
    if len(found) > skip + limit:
        answer["nextCursor"] = encode_cursor({"after": shown[-1]["SK"], "page": page + 1})
    elif last is not None and read >= BROWSE_BUDGET:  # the budget ran out before the page was full
        answer["nextCursor"] = encode_cursor({"after": last, "page": page + (1 if len(shown) == limit else 0)})
    return answer


def _popular_entries(client_id: str, scope: str, limit: int) -> list[dict[str, Any]]:
    return get_repository().query(keys.browse_index(client_id, scope), sk_prefix=keys.browse_order(SORT_TAGS["popular"]),
                                  limit=limit)


def related(client_id: str, item: dict[str, Any], size: int = RELATED_SIZE) -> list[dict[str, Any]]:
    """Same category first, then same trainer; the most watched first. Two Queries of at most 2 x size + 1."""
    same_category = [e for e in _popular_entries(client_id, keys.browse_category(int(item["categoryId"])), size + 1)
                     if e["id"] != item["id"]]
    same_trainer = [e for e in _popular_entries(client_id, keys.browse_trainer(int(item["trainerId"])), 2 * size + 1)
                    if e["id"] != item["id"] and e.get("categoryId") != item.get("categoryId")]
    return (same_category + same_trainer)[:size]


def trainer_classes(client_id: str, trainer_id: int) -> list[dict[str, Any]]:
    """A trainer's recorded classes, newest first, at most MAX_TRAINER_CLASSES (one Query)."""
    return get_repository().query(keys.browse_index(client_id, keys.browse_trainer(trainer_id)),
                                  sk_prefix=keys.browse_order(SORT_TAGS["newest"]), forward=False,
                                  limit=MAX_TRAINER_CLASSES)


def planning_classes(client_id: str) -> list[dict[str, Any]]:
    """The classes a class plan chooses from: the PLANNING_CLASSES most watched (every class of a smaller
    catalog), one Query."""
    return _popular_entries(client_id, keys.BROWSE_ALL, PLANNING_CLASSES)


# --- search -----------------------------------------------------------------------------------------------
# Field weights: a word of the class name counts most, then trainer, category, description.
WEIGHTS = {"name": 8.0, "trainer": 5.0, "category": 4.0, "description": 1.5}
MAX_QUERY_WORDS = 8
MAX_RERANKED = 50  # ties at the cut reordered by views: one BatchGetItem of at most 50 cards


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


def _named(term: str, people_by_id: dict[int, dict[str, Any]]) -> set[int]:
    """The coaches or categories one of whose name words is `term` or (3+ letters) begins with it."""
    return {pid for pid, p in people_by_id.items()
            if any(w == term or (len(term) >= 3 and w.startswith(term)) for w in words(str(p.get("name", ""))))}


def _postings(client_id: str, term: str) -> tuple[list[dict[str, Any]], bool]:
    """The postings of `term` (and, from 3 letters, of every word it begins), at most SEARCH_BUDGET; and whether
    that is all of them."""
    found, last = get_repository().query_page(keys.search_words(client_id), limit=SEARCH_BUDGET,
                                              sk_prefix=keys.words_from(term, whole=len(term) < 3))
    return found, last is None


def search(client_id: str, folks: People, q: str, limit: int) -> dict[str, Any]:
    """Ranked matches: every query word must match the class's name, description, trainer or category name (a
    whole word, or the beginning of one from 3 letters). The candidates come from the query word that matches
    the fewest classes: its postings, plus the browse partitions of the trainers and categories it names.
    Exact while each word's postings fit SEARCH_BUDGET (beyond that, a word as common as "class" in 50,000
    descriptions, the candidates are the first SEARCH_BUDGET by word and id: see the README's switch-over)."""
    terms = list(dict.fromkeys(words(q)))[:MAX_QUERY_WORDS]
    phrase = " ".join(words(q))
    answer: dict[str, Any] = {"query": q, "total": 0, "items": []}
    if not terms:
        return answer
    posted = {t: _postings(client_id, t) for t in terms}
    coaches = {t: _named(t, folks.coaches) for t in terms}
    categories = {t: _named(t, folks.categories) for t in terms}

    def reach(term: str) -> int:  # classes that may match `term`: its postings plus its people's classes
        named = sum(n for cell, n in folks.facets
                    if cell["trainerId"] in coaches[term] or cell["categoryId"] in categories[term])
        return len(posted[term][0]) + named

    driver = min(terms, key=reach)
    candidates: dict[int, dict[str, Any]] = {int(p["classId"]): p for p in posted[driver][0]}
    scopes = [keys.browse_trainer(c) for c in sorted(coaches[driver])] \
        + [keys.browse_category(c) for c in sorted(categories[driver])]
    for scope in scopes:
        for entry in _popular_entries(client_id, scope, SEARCH_BUDGET):
            candidates.setdefault(int(entry["id"]), entry)
    described: dict[int, list[str]] = {}
    for term in terms:
        for p in posted[term][0]:
            if "d" in str(p.get("in", "")):
                described.setdefault(int(p["classId"]), []).append(str(p["word"]))
    ranked = []
    for class_id, seen in candidates.items():
        coach = folks.coaches.get(int(seen.get("trainerId") or 0)) or {}
        category = folks.categories.get(int(seen.get("categoryId") or 0)) or {}
        fields = {"name": words(str(seen["name"])), "trainer": words(str(coach.get("name", ""))),
                  "category": words(str(category.get("name", ""))), "description": described.get(class_id, [])}
        value = score(terms, phrase, fields)
        if value > 0:
            ranked.append((value, class_id))
    ranked.sort(key=lambda pair: (-pair[0], pair[1]))
    answer["total"] = len(ranked)
    if not ranked:
        return answer
    cut = ranked[min(limit, len(ranked)) - 1][0]  # ties at the cut are ordered by views, so fetch them all
    fetched = classes_by_id(client_id, [i for value, i in ranked if value >= cut][:MAX_RERANKED])
    best = sorted(((value, fetched[i]) for value, i in ranked if i in fetched),
                  key=lambda pair: (-pair[0], -int(pair[1].get("views") or 0), pair[1]["id"]))
    answer["items"] = [{**card(item, folks), "score": value} for value, item in best[:limit]]
    return answer


def get_class(client_id: str, class_id: int) -> dict[str, Any]:
    item = get_repository().get(keys.klass(client_id, class_id))
    if not is_active(item):
        raise not_found("Class")
    return item  # type: ignore[return-value]
