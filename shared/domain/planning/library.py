"""The versioned exercise and recipe libraries (data/exercises.json, data/recipes.json), loaded once per process.

In AWS the files come in a layer of their own (mounted at /opt/python/data, beside /opt/python/shared); from the
source tree they are the repository's data/ folder. Both are `<parent of the shared package>/data`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[3] / "data"

# Volume units convert to millilitres, mass units to grams; a count stays a count. Never across families.
UNIT_FAMILY = {"g": "mass", "kg": "mass", "ml": "volume", "l": "volume", "tsp": "volume", "tbsp": "volume",
               "pcs": "count"}
TO_BASE = {"g": 1.0, "kg": 1000.0, "ml": 1.0, "l": 1000.0, "tsp": 5.0, "tbsp": 15.0, "pcs": 1.0}
BASE_UNIT = {"mass": "g", "volume": "ml", "count": "pcs"}


@dataclass(frozen=True)
class Library:
    version: str
    exercises: dict[str, dict[str, Any]]
    ingredients: dict[str, dict[str, Any]]
    recipes: dict[str, dict[str, Any]]


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


def in_base_unit(quantity: float, unit: str) -> float:
    return quantity * TO_BASE[unit]


def recipe_nutrition(recipe: dict[str, Any], ingredients: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Calories and macros of one serving, summed from the ingredients (per 100 g, per 100 ml or per piece)."""
    totals = {"calories": 0.0, "proteinG": 0.0, "carbsG": 0.0, "fatG": 0.0}
    for line in recipe["ingredients"]:
        ingredient = ingredients[line["ingredientId"]]
        amount = in_base_unit(float(line["quantity"]), line["unit"])
        factor = amount if ingredient["unit"] == "pcs" else amount / 100.0
        for key in totals:
            totals[key] += float(ingredient["per"][key]) * factor
    return {key: round(value, 1) for key, value in totals.items()}


@lru_cache(maxsize=1)
def load() -> Library:
    exercises = _read("exercises.json")
    recipes = _read("recipes.json")
    if exercises["version"] != recipes["version"]:
        raise RuntimeError("data/exercises.json and data/recipes.json must carry the same version")
    ingredients = {i["id"]: i for i in recipes["ingredients"]}
    by_id = {}
    for recipe in recipes["recipes"]:
        by_id[recipe["id"]] = {**recipe, "nutrition": recipe_nutrition(recipe, ingredients)}
    return Library(version=exercises["version"], exercises={e["id"]: e for e in exercises["exercises"]},
                   ingredients=ingredients, recipes=by_id)
