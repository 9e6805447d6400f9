"""The catalog's read projections: what browse, search and related classes read instead of the whole catalog.

They are written with each class, in the class's own transaction (provisioning.create_class; a bulk import
writes them in batches), and the popular order moves in `note_view`'s transaction:
- browse entries: every class is in three partitions (`all`, its category `c<id>`, its trainer `t<id>`) with one
  entry per sort order, each carrying the card's fields, so that a page is one Query of about `limit` entries
  (12 entries of about 300 bytes a class).
- word postings: one per distinct word of the class's name and of the first MAX_DESCRIPTION_WORDS words of its
  description, in one partition per client sorted by word, so that a word or a word's beginning is one
  `begins_with` Query. Trainer and category names are not posted: they are matched in the client's short coach
  and category lists, and their classes are read through their browse partitions.
- facet counts: one item per client with a counter per (category, trainer, intensity, live, duration) that
  occurs, so that the total of any browse filter is the sum of the cells it selects, exactly, without reading a
  class. Its size grows with the distinct combinations, not with the classes (about 40 bytes a cell; DynamoDB's
  400 KB item limit allows some 9,000 combinations).
Popularity: the `popular` order keys on the views rounded down to one significant digit (0-9, then 10, 20, ...,
90, 100, 200, ...), so an entry moves when a class crosses one of those steps, not on every start; classes of the
same step follow by id. The exact count stays on the class item (class detail's `views`).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from shared.db import keys
from shared.db.repository import Action, ConditionFailed, TransactionFailed, get_repository

SORT_TAGS = {"newest": "N", "popular": "P", "duration": "D", "name": "A"}
CARD_FIELDS = ("id", "name", "thumbnailUrl", "duration", "intensity", "trainerId", "categoryId", "isLive",
               "isPremium", "scheduledAt", "publishedAt")
MAX_NAME_WORDS = 20
MAX_DESCRIPTION_WORDS = 24
NAME_END = "\x01"  # closes the folded name in a name key; names hold no control characters, so it sorts first
POPULAR_CEILING = 10 ** 12 - 1  # steps count down from it in 12 digits
MOVE_ATTEMPTS = 4
_WORD = re.compile(r"[a-z0-9]+")


# --- text ---------------------------------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower case without accents: "Pilátes" -> "pilates"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


# --- pure: what a class projects ------------------------------------------------------------------------------------
def popularity_step(views: int) -> int:
    """Views rounded down to one significant digit: 7 -> 7, 42 -> 40, 1,999 -> 1,000."""
    if views < 10:
        return max(views, 0)
    magnitude = int(10 ** (len(str(views)) - 1))
    return views // magnitude * magnitude


def scopes(item: dict[str, Any]) -> list[str]:
    return [keys.BROWSE_ALL, keys.browse_category(int(item["categoryId"])), keys.browse_trainer(int(item["trainerId"]))]


def order_key(sort: str, item: dict[str, Any]) -> str:
    """The sort's tag and value; the partition's sort key order is the sort's order (newest is read backwards)."""
    if sort == "newest":
        value = str(item.get("publishedAt") or "")
    elif sort == "duration":
        value = f"{int(item['duration']):04d}"
    elif sort == "name":
        value = fold(item["name"]) + NAME_END
    else:
        value = f"{POPULAR_CEILING - int(item.get('popularStep') or 0):012d}"
    return keys.browse_order(SORT_TAGS[sort], value)


def browse_entries(client_id: str, item: dict[str, Any], sorts: tuple[str, ...] = tuple(SORT_TAGS)) -> list[dict[str, Any]]:
    card = {name: item.get(name) for name in CARD_FIELDS}
    return [{**keys.browse_entry(client_id, scope, order_key(sort, item), int(item["id"])), **card}
            for scope in scopes(item) for sort in sorts]


def posted_words(item: dict[str, Any]) -> dict[str, str]:
    """Each word posted for a class and where it occurs: `n` (name), `d` (description) or `nd`."""
    name = list(dict.fromkeys(words(item["name"])))[:MAX_NAME_WORDS]
    description = list(dict.fromkeys(words(str(item.get("description") or ""))))[:MAX_DESCRIPTION_WORDS]
    return {word: ("n" if word in name else "") + ("d" if word in description else "")
            for word in dict.fromkeys(name + description)}


def postings(client_id: str, item: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**keys.word_posting(client_id, word, int(item["id"])), "word": word, "classId": int(item["id"]), "in": where,
             "name": item["name"], "trainerId": int(item["trainerId"]), "categoryId": int(item["categoryId"])}
            for word, where in posted_words(item).items()]


def projections(client_id: str, item: dict[str, Any]) -> list[dict[str, Any]]:
    """Every browse entry and word posting of a class (its facet cell is a counter: `count_action`)."""
    return browse_entries(client_id, item) + postings(client_id, item)


def facet_cell(item: dict[str, Any]) -> str:
    return (f"f:{int(item['categoryId'])}:{int(item['trainerId'])}:{item.get('intensity')}:"
            f"{int(bool(item.get('isLive')))}:{int(item['duration'])}")


def parse_cell(name: str) -> dict[str, Any] | None:
    """A cell's attribute name as the class fields it stands for (None for any other attribute)."""
    parts = name.split(":")
    if len(parts) != 6 or parts[0] != "f":
        return None
    return {"categoryId": int(parts[1]), "trainerId": int(parts[2]), "intensity": parts[3],
            "isLive": parts[4] == "1", "duration": int(parts[5])}


def _counting(cells: dict[str, int]) -> tuple[str, dict[str, str], dict[str, Any]]:
    names = {f"#c{n}": cell for n, cell in enumerate(cells)}
    values = {f":n{n}": count for n, count in enumerate(cells.values())}
    return "ADD " + ", ".join(f"#c{n} :n{n}" for n in range(len(cells))), names, values


def count_action(client_id: str, cells: dict[str, int]) -> Action:
    """The facet counts' update adding `cells` (attribute name -> how many), as a transaction's action."""
    expression, names, values = _counting(cells)
    return Action.update(keys.catalog_facets(client_id), expression, names=names, values=values)


def add_counts(client_id: str, cells: dict[str, int]) -> None:
    """Add `cells` to the facet counts, 50 cells an update (bulk imports)."""
    repo, names = get_repository(), list(cells)
    for n in range(0, len(names), 50):
        expression, attribute_names, values = _counting({cell: cells[cell] for cell in names[n:n + 50]})
        repo.update(keys.catalog_facets(client_id), expression, names=attribute_names, values=values,
                    return_values="NONE")


# --- popularity ---------------------------------------------------------------------------------------------------
def popularity_move(client_id: str, item: dict[str, Any], step: int) -> list[Action]:
    """Move a class's popular entries from its recorded step to `step`, if the class still records the step read."""
    moved = {**item, "popularStep": step}
    old = [keys.browse_entry(client_id, scope, order_key("popular", item), int(item["id"])) for scope in scopes(item)]
    return [Action.update(keys.klass(client_id, int(item["id"])), "SET popularStep = :new",
                          "popularStep = :old", values={":new": step, ":old": int(item.get("popularStep") or 0)}),
            *[Action.delete(key) for key in old],
            *[Action.put(entry) for entry in browse_entries(client_id, moved, ("popular",))]]


def note_view(client_id: str, class_id: int) -> None:
    """Count one start of a class (one UpdateItem); when its views cross a popularity step, move its three popular
    entries in one transaction conditioned on the step it read, retried from the item a lost race returns."""
    repo = get_repository()
    try:
        item = repo.update(keys.klass(client_id, class_id), "ADD #views :one", condition="attribute_exists(PK)",
                           names={"#views": "views"}, values={":one": 1})
    except ConditionFailed:
        return  # the class was removed meanwhile: nothing to count
    for _ in range(MOVE_ATTEMPTS):
        step = popularity_step(int(item.get("views") or 0))
        if step <= int(item.get("popularStep") or 0):
            return
        try:
            repo.transact(popularity_move(client_id, item, step))
            return
        except TransactionFailed as failed:
            if failed.reasons[0] != "ConditionalCheckFailed" or not failed.old_items[0]:
                raise
            item = failed.old_items[0]  # another start moved it first: continue from what it recorded


# --- rebuilding (a catalog written before the projections existed) --------------------------------------------------
def rebuild(client_id: str) -> int:
    """Write every projection of a client's classes again and recount its facets (an offline job: it reads the
    whole catalog once). Safe to repeat. Returns the number of classes."""
    repo = get_repository()
    classes = [c for c in repo.query(keys.catalog_pk(client_id), sk_prefix=keys.CLASS_PREFIX)
               if c.get("status", "active") == "active"]
    for item in classes:
        step = popularity_step(int(item.get("views") or 0))
        if item.get("popularStep") != step:
            item["popularStep"] = step
            repo.update(keys.klass(client_id, int(item["id"])), "SET popularStep = :s", values={":s": step},
                        return_values="NONE")
    repo.put_many([p for item in classes for p in projections(client_id, item)])
    cells: dict[str, int] = {}
    for item in classes:
        cells[facet_cell(item)] = cells.get(facet_cell(item), 0) + 1
    repo.put({**keys.catalog_facets(client_id), **cells})
    return len(classes)
