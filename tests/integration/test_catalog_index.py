"""The catalog's projections on DynamoDB (moto over its wire protocol): browse pages, totals, search and related
classes read from them agree with the catalog's own rules applied to every class, admin writes keep them
consistent in the class's own transaction, and racing writers leave exactly one entry where one belongs."""
from __future__ import annotations

import itertools
import secrets
import threading
from typing import Any

import pytest

from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import catalog, catalog_index, viewing
from shared.domain import provisioning as p
from shared.errors import AppError

NAMES = ["Hiit Blast", "Morning Flow", "Power Lift", "Core Burn", "Cardio Kick", "Sunset Yoga", "Ánkle Care"]


def _spec(n: int, coaches: list[dict], categories: list[dict]) -> dict[str, Any]:
    return dict(name=f"{NAMES[n % len(NAMES)]} {n // len(NAMES) + 1}", trainer_id=coaches[n % 3]["id"],
                category_id=categories[(n // 2) % 3]["id"], duration=[20, 30, 45, 15][n % 4],
                intensity=["low", "medium", "high"][n % 3], is_live=n % 5 == 0,
                scheduled_at="2030-01-01T10:00:00Z" if n % 5 == 0 else None,
                description="gentle flow for the back" if n % 6 == 0 else f"with coach {n % 3}",
                views=[0, 3, 9, 12, 47, 150, 1999][n % 7] + n % 2, published_at=f"2026-01-{1 + n % 28:02d}T08:00:00Z")


@pytest.fixture(scope="module")
def studio(local_api) -> dict[str, Any]:
    client = p.create_client("Index Studio", client_id=f"index-{secrets.token_hex(3)}")
    coaches = [p.create_coach(client["id"], name, specialties=["strength"], levels=["beginner"])
               for name in ("Maya Chen", "José Núñez", "Ada Strong")]
    categories = [p.create_category(client["id"], name) for name in ("HIIT", "Pilates", "Yoga")]
    classes = p.import_classes(client["id"], [_spec(n, coaches, categories) for n in range(60)])
    catalog.forget_cache()
    return {"client": client["id"], "coaches": coaches, "categories": categories, "classes": classes}


def _reference(studio: dict, filters: catalog.Filters, sort: str) -> list[int]:
    """Every class, filtered and ordered by the catalog's rules (popular by its step, as documented)."""
    folks = catalog.people(studio["client"])
    category_ids = catalog._category_ids(filters.category, folks) if filters.category else None
    chosen = [{**c, "views": c["popularStep"]} for c in studio["classes"] if catalog.matches(c, filters, category_ids)]
    return [c["id"] for c in catalog.ordered(chosen, sort)]


def _walk(client_id: str, filters: catalog.Filters, sort: str, limit: int,
          by_number: int = 3) -> tuple[list[int], set[int]]:
    """Every page, the first `by_number` by `page` and then by cursor; the ids in order and the totals seen."""
    folks = catalog.people(client_id)
    ids, totals, cursor = [], set(), None
    for page in itertools.count(1):
        data = catalog.browse(client_id, folks, filters, sort, page, limit, cursor)
        ids += [c["id"] for c in data["items"]]
        totals.add(data["pagination"]["total"])
        cursor = data["nextCursor"]
        if cursor is None:
            return ids, totals
        if page < by_number:
            cursor = None  # the first pages by number, as the docs promise, then the cursor


FILTERS = [catalog.Filters(), catalog.Filters(category="hiit"), catalog.Filters(trainer=None, intensity="low"),
           catalog.Filters(min_duration=20, max_duration=30), catalog.Filters(is_live=True),
           catalog.Filters(category="pilates", intensity="high", max_duration=30)]


@pytest.mark.parametrize("sort", catalog.SORTS)
@pytest.mark.parametrize("case", range(len(FILTERS)))
def test_given_filters_and_a_sort_when_walking_every_page_then_the_classes_of_the_rules_in_their_order(studio, sort,
                                                                                                         case):
    # Given the 60-class studio and a filter; When every page is read (pages 1-3 by number, then by cursor)
    ids, totals = _walk(studio["client"], FILTERS[case], sort, limit=4)
    # Then the same classes in the same order as the rules give over every class, and the exact total each time
    expected = _reference(studio, FILTERS[case], sort)
    assert ids == expected
    assert totals == {len(expected)}


def test_given_a_trainer_filter_then_the_trainers_partition_is_read_and_the_total_is_exact(studio):
    trainer = studio["coaches"][1]["id"]
    ids, totals = _walk(studio["client"], catalog.Filters(trainer=trainer, category="yoga"), "newest", limit=3)
    assert ids == _reference(studio, catalog.Filters(trainer=trainer, category="yoga"), "newest")
    assert totals == {len(ids)} and ids


def test_given_a_narrow_filter_and_a_small_read_budget_then_short_pages_whose_cursor_reaches_every_match(
        studio, monkeypatch):
    # Given a budget of 12 entries a request, and a filter that few classes of the whole catalog meet
    monkeypatch.setattr(catalog, "BROWSE_BUDGET", 12)
    monkeypatch.setattr(catalog, "BROWSE_CHUNK", 6)
    filters = catalog.Filters(intensity="high", is_live=True)
    usage = get_repository().usage
    folks = catalog.people(studio["client"])
    before = usage.items_read
    first = catalog.browse(studio["client"], folks, filters, "name", 1, 10)
    # Then one request reads at most the budget, says how many match in all, and hands out a cursor
    assert usage.items_read - before <= 12
    assert first["pagination"]["total"] == len(_reference(studio, filters, "name"))
    assert len(first["items"]) < 10 and first["nextCursor"]
    # When the cursors are followed, Then every match comes once, in order
    ids, _ = _walk(studio["client"], filters, "name", limit=10, by_number=1)
    assert ids == _reference(studio, filters, "name")


def test_given_a_forged_cursor_then_validation_error_naming_cursor(studio):
    folks = catalog.people(studio["client"])
    with pytest.raises(AppError) as refused:
        catalog.browse(studio["client"], folks, catalog.Filters(), "name", 1, 5, "eyJhZnRlciI6IlgjMSIsInBhZ2UiOjJ9")
    assert refused.value.code == "VALIDATION_ERROR" and "cursor" in str(refused.value.details)


def _search(studio: dict, q: str, limit: int = 100) -> dict[str, Any]:
    return catalog.search(studio["client"], catalog.people(studio["client"]), q, limit)


def test_given_search_words_then_name_prefix_description_trainer_and_category_matches_ranked(studio):
    # Given a name word, a word prefix, a description word, a trainer's name without accents, a category
    hiit = _search(studio, "hIIt blast")
    assert hiit["items"][0]["name"].startswith("Hiit Blast")
    assert {c["name"].rsplit(" ", 1)[0] for c in hiit["items"]} == {"Hiit Blast"}
    assert [c["name"][:7] for c in _search(studio, "morn")["items"]] == ["Morning"] * _search(studio, "morn")["total"]
    gentle = _search(studio, "gentle")
    assert gentle["total"] == len([c for c in studio["classes"] if c["description"].startswith("gentle")])
    nunez = _search(studio, "jose nunez")
    assert nunez["total"] == 20 and all(c["trainer"]["name"] == "José Núñez" for c in nunez["items"])
    yoga_power = _search(studio, "yoga power")
    assert yoga_power["items"]
    assert all(c["category"]["name"] == "Yoga" and c["name"].startswith("Power Lift") for c in yoga_power["items"])
    assert _search(studio, "ankle")["items"][0]["name"].startswith("Ánkle Care")
    assert _search(studio, "zumba") == {"query": "zumba", "total": 0, "items": []}


def test_given_search_then_the_best_matches_come_first_ties_by_views(studio):
    items = _search(studio, "cardio", limit=5)["items"]
    scores = [c["score"] for c in items]
    assert scores == sorted(scores, reverse=True) and len(items) == 5


def test_given_a_class_then_related_classes_same_category_first_most_watched_first(studio):
    item = studio["classes"][4]
    related = catalog.related(studio["client"], item)
    assert 0 < len(related) <= catalog.RELATED_SIZE and item["id"] not in [r["id"] for r in related]
    same = [r for r in related if r["categoryId"] == item["categoryId"]]
    assert related[:len(same)] == same
    steps = [catalog_index.popularity_step(next(c["views"] for c in studio["classes"] if c["id"] == r["id"]))
             for r in same]
    assert steps == sorted(steps, reverse=True)


def _partition_ids(client_id: str, scope: str, tag: str) -> list[int]:
    return [int(e["id"]) for e in get_repository().query(keys.browse_index(client_id, scope), sk_prefix=keys.browse_order(tag))]


def test_given_an_admin_creates_a_class_then_browse_search_and_totals_show_it_at_once(local_api, studio):
    # Given a fresh category and coach of the studio; When a class is created the admin way
    client_id = studio["client"]
    coach = p.create_coach(client_id, "Rui Costa", specialties=["strength"], levels=["beginner"])
    category = p.create_category(client_id, "Kettlebells")
    made = p.create_class(client_id, "Bell Basics", trainer_id=coach["id"], category_id=category["id"], duration=25,
                          description="swings and presses")
    catalog.forget_cache()  # a function whose 60 s counts cache has turned over
    # Then its category, its trainer and the whole catalog list it in every order, search finds it by name and
    # description, and the totals count it
    for scope in (keys.BROWSE_ALL, keys.browse_category(category["id"]), keys.browse_trainer(coach["id"])):
        for tag in catalog_index.SORT_TAGS.values():
            assert made["id"] in _partition_ids(client_id, scope, tag)
    listed = catalog.browse(client_id, catalog.people(client_id), catalog.Filters(category="kettlebells"), "newest", 1,
                            10)
    assert [c["id"] for c in listed["items"]] == [made["id"]] and listed["pagination"]["total"] == 1
    assert [c["id"] for c in _search(studio, "bell")["items"]] == [made["id"]]
    assert [c["id"] for c in _search(studio, "presses")["items"]] == [made["id"]]


def test_given_a_class_create_that_fails_then_no_projection_is_left(local_api, studio):
    client_id = studio["client"]
    category = studio["categories"][0]
    before = _partition_ids(client_id, keys.BROWSE_ALL, "N")
    # When a class names a trainer that is not the studio's, Then the create is refused and nothing was written
    with pytest.raises(AppError):
        p.create_class(client_id, "Ghost Class", trainer_id=99_999_999, category_id=category["id"], duration=20)
    assert _partition_ids(client_id, keys.BROWSE_ALL, "N") == before
    assert _search(studio, "ghost")["total"] == 0


def test_given_parallel_admin_creates_in_one_category_then_every_class_once_in_every_projection(local_api):
    # Given a new studio with one coach and one category
    client = p.create_client("Race Studio", client_id=f"race-{secrets.token_hex(3)}")
    coach = p.create_coach(client["id"], "Ada Strong", specialties=["strength"], levels=["beginner"])
    category = p.create_category(client["id"], "Strength")
    made: list[int] = []
    # When 8 admins create classes at once
    def create(n: int) -> None:
        made.append(p.create_class(client["id"], f"Lift {n}", trainer_id=coach["id"], category_id=category["id"],
                                   duration=30)["id"])
    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then 8 classes, each once in each partition and order, and counts of 8 everywhere
    assert len(made) == 8
    for scope in (keys.BROWSE_ALL, keys.browse_category(category["id"]), keys.browse_trainer(coach["id"])):
        for tag in catalog_index.SORT_TAGS.values():
            assert sorted(_partition_ids(client["id"], scope, tag)) == sorted(made)
    catalog.forget_cache()
    folks = catalog.people(client["id"])
    assert sum(n for _, n in folks.facets) == 8 and folks.categories[category["id"]]["classCount"] == 8


def test_given_parallel_starts_crossing_a_popularity_step_then_one_popular_entry_per_partition(local_api, studio):
    # Given a class with 8 views (step 8)
    client_id = studio["client"]
    coach, category = studio["coaches"][0], studio["categories"][0]
    made = p.create_class(client_id, "Step Class", trainer_id=coach["id"], category_id=category["id"], duration=30,
                          views=8)
    # When 12 members start it at once (views 9, 10, ... 20: steps 9, 10, 20)
    def start(n: int) -> None:
        viewing.start(client_id, f"member-{n}-{secrets.token_hex(3)}", made["id"], "tv")
    threads = [threading.Thread(target=start, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then its views count every start, its step is 20, and each of its partitions holds one popular entry at it
    item = get_repository().get(keys.klass(client_id, made["id"]))
    assert item is not None and item["views"] == 20 and item["popularStep"] == 20
    for scope in catalog_index.scopes(item):
        entries = [e for e in get_repository().query(keys.browse_index(client_id, scope), sk_prefix=keys.browse_order("P"))
                   if e["id"] == made["id"]]
        assert [e["SK"] for e in entries] == [keys.browse_entry(client_id, scope, catalog_index.order_key(
            "popular", item), made["id"])["SK"]]


def test_given_classes_written_before_the_projections_when_the_cli_rebuilds_them_then_browse_and_search_see_them(
        local_api):
    from tests.e2e.test_admin_cli import admin

    # Given a studio whose class items were written the old way (the item alone, no entries, no counts)
    client = p.create_client("Old Studio", client_id=f"old-{secrets.token_hex(3)}")
    coach = p.create_coach(client["id"], "Ada Strong", specialties=["strength"], levels=["beginner"])
    category = p.create_category(client["id"], "Strength")
    olds = []
    for n in range(3):
        item, _ = p.class_records(client["id"], get_repository().next_id("class"), f"Legacy Lift {n}",
                                  trainer_id=coach["id"], category_id=category["id"], duration=30, views=15 * n)
        item.pop("popularStep")
        get_repository().put(item)
        olds.append(item["id"])
    catalog.forget_cache()
    assert catalog.browse(client["id"], catalog.people(client["id"]), catalog.Filters(), "name", 1, 10)["items"] == []
    # When the platform admin rebuilds the index with the CLI
    assert admin(local_api, "rebuild-catalog-index", client["id"]) == {"clientId": client["id"], "classes": 3}
    # Then browse lists them with their total, search finds them, and popularity steps are recorded
    catalog.forget_cache()
    listed = catalog.browse(client["id"], catalog.people(client["id"]), catalog.Filters(), "popular", 1, 10)
    assert [c["id"] for c in listed["items"]] == olds[::-1] and listed["pagination"]["total"] == 3
    found = catalog.search(client["id"], catalog.people(client["id"]), "legacy", 10)
    assert sorted(c["id"] for c in found["items"]) == olds
