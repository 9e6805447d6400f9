"""What every plan carries besides its content: the engine, its version, the hash of its inputs, the reasons for
its choices, its warnings and the disclaimer; and the seeded tie-break that keeps choices deterministic."""
from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from shared import clock
from shared.domain.planning import library

ENGINE = "rules"
ENGINE_VERSION = "1.0.0"
DISCLAIMER = ("General fitness and nutrition guidance, not medical advice. If you have symptoms, an injury, a "
              "medical condition or are pregnant, talk to a qualified professional before starting, and stop any "
              "exercise that causes pain.")
ID_PREFIX = {"workout": "wp_", "nutrition": "np_", "class": "cp_"}


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def inputs_hash(plan_type: str, inputs: dict[str, Any], catalog_version: str = "") -> str:
    """SHA-256 of the normalised inputs, the engine version and the versions of the data the plan draws on."""
    material = {"type": plan_type, "inputs": inputs, "engineVersion": ENGINE_VERSION,
                "libraryVersion": library.load().version, "catalogVersion": catalog_version}
    return hashlib.sha256(canonical(material).encode("utf-8")).hexdigest()


def tiebreak(seed: str, item_id: str) -> str:
    """A stable pseudo-random order among equals, different for different inputs, identical for the same."""
    return hashlib.sha256(f"{seed}:{item_id}".encode("utf-8")).hexdigest()


def new_plan_id(plan_type: str) -> str:
    return ID_PREFIX[plan_type] + secrets.token_hex(10)


def build(digest: str, rationale: list[str], warnings: list[str]) -> dict[str, Any]:
    return {"engine": ENGINE, "engineVersion": ENGINE_VERSION, "inputsHash": digest, "generatedAt": clock.iso(),
            "rationale": list(rationale), "warnings": sorted(set(warnings), key=warnings.index),
            "disclaimer": DISCLAIMER}
