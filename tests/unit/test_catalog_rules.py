"""Pure rules of the catalog: folding, filters and their totals, sort keys, popularity steps, postings, pages."""
from __future__ import annotations

from shared.db import keys
from shared.domain import catalog, catalog_index

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


def _cells(*items):
    return [(catalog_index.parse_cell(catalog_index.facet_cell(i)), 1) for i in items]


FACETED = catalog.People(coaches=FOLKS.coaches, categories=FOLKS.categories, facets=_cells(*ITEMS))


def test_given_filters_then_the_total_is_summed_from_the_facet_cells_alone():
    def total(**filters):
        spec = catalog.Filters(**filters)
        ids = catalog._category_ids(spec.category, FACETED) if spec.category else None
        return catalog.plan(FACETED, spec, ids).total
    assert total() == 4
    assert total(category="hiit") == 2 and total(category="11") == 2 and total(category="Nope") == 0
    assert total(trainer=2) == 1 and total(intensity="low") == 1 and total(is_live=True) == 1
    assert total(min_duration=20, max_duration=30) == 2 and total(category="pilates", max_duration=20) == 1


def test_given_filters_then_browse_reads_the_smallest_partition_that_holds_every_match():
    def scope(**filters):
        spec = catalog.Filters(**filters)
        ids = catalog._category_ids(spec.category, FACETED) if spec.category else None
        return catalog.plan(FACETED, spec, ids).scope
    assert scope() == keys.BROWSE_ALL and scope(intensity="low") == keys.BROWSE_ALL
    assert scope(category="hiit") == keys.browse_category(10) and scope(trainer=2) == keys.browse_trainer(2)
    assert scope(category="hiit", trainer=2) == keys.browse_trainer(2)  # one class of trainer 2, two of HIIT


def test_given_each_sort_then_the_partition_key_order_is_the_sort_order():
    stepped = [{**i, "popularStep": catalog_index.popularity_step(i["views"])} for i in ITEMS]
    for sort in catalog.SORTS:
        by_key = sorted(stepped, key=lambda i: catalog_index.order_key(sort, i) + f"#{i['id']:08d}",
                        reverse=sort == "newest")
        by_rule = catalog.ordered([{**i, "views": i["popularStep"]} for i in stepped], sort)
        assert [i["id"] for i in by_key] == [i["id"] for i in by_rule], sort


def test_given_a_name_that_begins_another_then_it_sorts_first_as_the_rule_says():
    short, longer = {"id": 2, "name": "Core"}, {"id": 1, "name": "Core Burn"}
    assert catalog_index.order_key("name", short) < catalog_index.order_key("name", longer)


def test_given_views_then_the_popularity_step_keeps_one_significant_digit():
    steps = [catalog_index.popularity_step(v) for v in (0, 7, 10, 19, 42, 999, 1000, 1999, 25_000)]
    assert steps == [0, 7, 10, 10, 40, 900, 1000, 1000, 20_000]


def test_given_a_long_description_then_its_first_words_are_posted_and_where_each_occurs():
    item = {"id": 1, "name": "Hiit Blast", "description": " ".join(f"w{n}" for n in range(50)) + " hiit"}
    posted = catalog_index.posted_words(item)
    assert posted["hiit"] == "n" and posted["blast"] == "n" and posted["w0"] == "d"
    assert len(posted) == 2 + catalog_index.MAX_DESCRIPTION_WORDS


def test_given_a_facet_cell_then_it_reads_back_as_the_class_fields_it_counts():
    cell = catalog_index.parse_cell(catalog_index.facet_cell(ITEMS[3]))
    assert cell == {"categoryId": 11, "trainerId": 1, "intensity": "low", "isLive": True, "duration": 15}
    assert catalog_index.parse_cell("views") is None


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
