"""Browsing, class detail, search and categories over HTTP, on the demo studio's 45 classes."""
from __future__ import annotations

import itertools

import pytest

from tests.support.http import Api

SORTS = ("newest", "popular", "duration", "name")


def _key_api(local_api, demo):
    return Api(f"{local_api.base_url}/api/v1", api_key=demo["apiKeys"]["studio"])


def _walk(api, query, limit):
    """Every page of a listing; returns the ids in order and the pagination of each page."""
    ids, pages = [], []
    for page in itertools.count(1):
        data = api.get(f"/content/classes?{query}&page={page}&limit={limit}").data
        pages.append(data["pagination"])
        ids += [c["id"] for c in data["items"]]
        if page >= data["pagination"]["totalPages"]:
            return ids, pages


@pytest.fixture
def cold_catalog_cache():
    """A function that starts cold: a walk over pages then runs inside one 60 s cache window, as a user's does
    (the cached class list is replaced at most once a minute, and views change as others start classes)."""
    from shared.domain import catalog

    catalog.forget_cache()


@pytest.mark.parametrize("sort", SORTS)
def test_given_a_sort_when_walking_every_page_then_no_duplicates_no_gaps_and_exact_totals(local_api, demo, sort,
                                                                                          cold_catalog_cache):
    studio = {c["id"] for c in demo["classes"] if c["clientId"] == demo["clients"]["studio"]["id"]}
    ids, pages = _walk(_key_api(local_api, demo), f"sort={sort}", limit=7)
    assert len(ids) == len(set(ids)) == 45 and set(ids) == studio
    assert all(p["total"] == 45 and p["totalPages"] == 7 for p in pages)


def test_given_each_sort_then_the_order_is_what_it_says(local_api, demo):
    api = _key_api(local_api, demo)
    by_duration = api.get("/content/classes?sort=duration&limit=100").data["items"]
    assert [c["duration"] for c in by_duration] == sorted(c["duration"] for c in by_duration)
    by_name = [c["name"].casefold() for c in api.get("/content/classes?sort=name&limit=100").data["items"]]
    assert by_name == sorted(by_name)
    newest = api.get("/content/classes?sort=newest&limit=3").data["items"]
    assert [c["id"] for c in newest] == [1, 2, 3]  # the seed published class 1 most recently


def test_given_combined_filters_then_only_matching_classes_and_exact_total(local_api, demo):
    api = _key_api(local_api, demo)
    data = api.get("/content/classes?category=Yoga&intensity=low&minDuration=20&maxDuration=45&limit=100").data
    assert data["items"], "the demo has low-intensity yoga classes of 20 to 45 minutes"
    for card in data["items"]:
        assert card["category"]["name"] == "Yoga" and card["intensity"] == "low" and 20 <= card["duration"] <= 45
    assert data["pagination"]["total"] == len(data["items"])
    yoga_id = next(c["id"] for c in demo["categories"] if c["name"] == "Yoga"
                   and c["clientId"] == demo["clients"]["studio"]["id"])
    by_id = api.get(f"/content/classes?category={yoga_id}&limit=100").data
    assert by_id["pagination"]["total"] == 15
    live = api.get("/content/classes?isLive=true&limit=100").data
    assert live["pagination"]["total"] == 5 and all(c["isLive"] and c["scheduledAt"] for c in live["items"])
    trainer = api.get("/content/classes?trainer=1&limit=100").data["items"]
    assert trainer and all(c["trainer"]["id"] == 1 for c in trainer)


@pytest.mark.parametrize("query, field", [("sort=random", "sort"), ("limit=0", "limit"), ("limit=101", "limit"),
                                          ("page=0", "page"), ("intensity=extreme", "intensity"),
                                          ("minDuration=-1", "minDuration"), ("trainer=abc", "trainer")])
def test_given_a_bad_parameter_then_validation_error_naming_it(local_api, demo, query, field):
    reply = _key_api(local_api, demo).get(f"/content/classes?{query}")
    assert reply.status == 400 and reply.code == "VALIDATION_ERROR"
    assert field in [d["field"] for d in reply.json["details"]]


def test_given_a_page_past_the_end_then_empty_items_with_the_same_totals(local_api, demo):
    data = _key_api(local_api, demo).get("/content/classes?page=9&limit=20").data
    assert data["items"] == [] and data["pagination"] == {"page": 9, "limit": 20, "total": 45, "totalPages": 3}


def test_given_class_42_then_detail_with_trainer_category_and_related(local_api, demo):
    data = _key_api(local_api, demo).get("/content/classes/42").data
    assert data["id"] == 42 and data["description"] and data["duration"] == 30
    assert data["trainer"]["name"] and data["category"]["name"] == "Yoga"
    assert 0 < len(data["relatedClasses"]) <= 6 and 42 not in [c["id"] for c in data["relatedClasses"]]
    assert data["relatedClasses"][0]["category"]["name"] == "Yoga"


def test_given_unknown_or_malformed_class_ids_then_404_or_400(local_api, demo):
    api = _key_api(local_api, demo)
    assert api.get("/content/classes/99999").status == 404
    assert api.get("/content/classes/abc").code == "VALIDATION_ERROR"


def test_given_hiit_when_searching_then_hiit_blast_comes_first(local_api, demo):
    data = _key_api(local_api, demo).get("/content/search?q=HIIT").data
    assert data["items"][0]["name"].startswith("Hiit Blast")
    assert {c["category"]["name"] for c in data["items"]} == {"HIIT"}


@pytest.mark.parametrize("q", ["blast%20hiit", "H%C3%AFIT%20BLAST", "hiit%20blast"])
def test_given_word_order_case_or_accents_then_search_still_finds_hiit_blast(local_api, demo, q):
    items = _key_api(local_api, demo).get(f"/content/search?q={q}").data["items"]
    assert items[0]["name"].startswith("Hiit Blast")


def test_given_a_trainer_name_when_searching_then_their_classes(local_api, demo):
    data = _key_api(local_api, demo).get("/content/search?q=sofia%20alvarez&limit=50").data
    assert data["total"] > 0 and all(c["trainer"]["name"] == "Sofia Alvarez" for c in data["items"])


def test_given_no_query_then_validation_error(local_api, demo):
    reply = _key_api(local_api, demo).get("/content/search")
    assert reply.status == 400 and reply.json["details"][0]["field"] == "q"


def test_given_the_categories_endpoint_then_active_categories_with_counts_and_images(local_api, demo):
    categories = _key_api(local_api, demo).get("/content/categories").data["categories"]
    assert [c["name"] for c in categories] == ["HIIT", "Yoga", "Strength", "Pilates", "Cardio"]
    assert sum(c["classCount"] for c in categories) == 45
    assert all(c["image"].startswith("https://") for c in categories)


def test_given_the_universal_key_without_a_bearer_then_the_default_clients_catalog(local_api, demo):
    api = Api(f"{local_api.base_url}/api/v1", api_key=demo["apiKeys"]["universal"])
    assert api.get("/content/classes?limit=1").data["pagination"]["total"] == 45
