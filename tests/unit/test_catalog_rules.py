"""Pure rules of the catalog: folding, search scoring, filters, sorts and pages."""
from __future__ import annotations

from shared.domain import catalog

FOLKS = catalog.People(coaches={1: {"id": 1, "name": "Maya Chen"}, 2: {"id": 2, "name": "José Núñez"}},
                       categories={10: {"id": 10, "name": "HIIT", "active": True, "sortOrder": 1},
                                   11: {"id": 11, "name": "Pilates", "active": True, "sortOrder": 0},
                                   12: {"id": 12, "name": "Old", "active": False, "sortOrder": 2}})


def _class(i, name, *, category=10, trainer=1, duration=30, views=0, published="2026-01-01T00:00:00Z",
           description="", live=False, intensity="high"):
    return {"id": i, "name": name, "categoryId": category, "trainerId": trainer, "duration": duration,
            "views": views, "publishedAt": published, "description": description, "isLive": live,
            "intensity": intensity, "status": "active"}


ITEMS = [
    _class(1, "Hiit Blast", views=5),
    _class(2, "Morning Flow", category=11, trainer=2, duration=45, views=50, description="gentle pilates"),
    _class(3, "Blast Off Cardio", duration=20, views=5, published="2026-02-01T00:00:00Z"),
    _class(4, "Stretch & Restore", category=11, duration=15, live=True, intensity="low"),
]


def _ids(result):
    return [c["id"] for c in result["items"]]


def test_given_accents_and_case_then_fold_makes_them_equal():
    assert catalog.fold("Pilátes NÚÑEZ") == "pilates nunez"
    assert catalog.words("Stretch & Restore!") == ["stretch", "restore"]


def test_given_hiit_in_any_case_then_search_finds_hiit_blast_first():
    result = catalog.search(ITEMS, FOLKS, "hIIt", limit=10)
    assert _ids(result)[0] == 1
    assert result["total"] == 2  # Hiit Blast (name) and Blast Off Cardio (category HIIT)


def test_given_words_in_another_order_then_search_still_finds_the_class():
    assert _ids(catalog.search(ITEMS, FOLKS, "blast hiit", limit=10))[0] == 1


def test_given_a_trainer_name_without_accents_then_search_finds_their_classes():
    assert _ids(catalog.search(ITEMS, FOLKS, "jose nunez", limit=10)) == [2]


def test_given_a_word_nowhere_then_search_finds_nothing():
    assert catalog.search(ITEMS, FOLKS, "zumba", limit=10) == {"query": "zumba", "total": 0, "items": []}


def test_given_filters_then_only_matching_classes():
    browse = catalog.browse
    assert _ids(browse(ITEMS, FOLKS, catalog.Filters(category="hiit"), "name", 1, 10)) == [3, 1]
    assert _ids(browse(ITEMS, FOLKS, catalog.Filters(category="11"), "name", 1, 10)) == [2, 4]
    assert _ids(browse(ITEMS, FOLKS, catalog.Filters(trainer=2), "name", 1, 10)) == [2]
    assert _ids(browse(ITEMS, FOLKS, catalog.Filters(min_duration=20, max_duration=30), "duration", 1, 10)) == [3, 1]
    assert _ids(browse(ITEMS, FOLKS, catalog.Filters(is_live=True), "name", 1, 10)) == [4]
    assert _ids(browse(ITEMS, FOLKS, catalog.Filters(intensity="low"), "name", 1, 10)) == [4]
    assert _ids(browse(ITEMS, FOLKS, catalog.Filters(category="Nope"), "name", 1, 10)) == []


def test_given_ties_then_each_sort_is_total_and_stable():
    assert [i["id"] for i in catalog.ordered(ITEMS, "popular")] == [2, 1, 3, 4]
    assert [i["id"] for i in catalog.ordered(ITEMS, "newest")] == [3, 4, 2, 1]
    assert [i["id"] for i in catalog.ordered(ITEMS, "duration")] == [4, 3, 1, 2]


def test_given_a_list_then_pages_report_exact_totals():
    page, pagination = catalog.paginate(list(range(45)), 3, 20)
    assert page == list(range(40, 45))
    assert pagination == {"page": 3, "limit": 20, "total": 45, "totalPages": 3}
    assert catalog.paginate([], 1, 20)[1]["totalPages"] == 0


def test_given_categories_then_only_active_ones_in_their_order():
    assert [c["name"] for c in catalog.category_views(FOLKS)] == ["Pilates", "HIIT"]
