"""Coach recommendations: a small, pure and explainable score.

Each coach earns points on four plain criteria, and every point comes with a sentence:

    goal      40  the member's fitnessGoal is one of the coach's specialties
    level     30  the coach takes members of the member's fitnessLevel
              10  ... or of an adjacent level (beginner <-> intermediate <-> advanced)
    capacity  10  scaled by the share of open spots; a full coach loses 25 instead
    rating    20  rating (0-5) x 4, rounded

So a weight-loss beginner sees a weight-loss coach for beginners (40 + 30 + ...) far above a strength coach
for advanced members (0 + 0 + ...), whatever their ratings. Equal scores are ordered by rating, then by the
lower id, so the same catalog always gives the same list. Inactive coaches, and coaches of another client,
are never ranked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

LEVELS = ("beginner", "intermediate", "advanced")

GOAL_POINTS = 40
LEVEL_POINTS = 30
ADJACENT_LEVEL_POINTS = 10
CAPACITY_POINTS = 10
FULL_PENALTY = -25
RATING_POINTS_PER_STAR = 4  # a 5.0 rating is worth 20


@dataclass(frozen=True)
class Match:
    """One coach's score, its parts (criterion -> points) and the reasons a member reads."""
    coach: dict[str, Any]
    score: int
    breakdown: dict[str, int] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()


def _label(value: str) -> str:
    return value.replace("_", " ")


def goal_points(goal: str | None, specialties: Iterable[str]) -> tuple[int, str | None]:
    if goal and goal in set(specialties):
        return GOAL_POINTS, f"Specialises in {_label(goal)}"
    return 0, None


def level_points(level: str | None, levels: Iterable[str]) -> tuple[int, str | None]:
    coached = [lv for lv in levels if lv in LEVELS]
    if not level or level not in LEVELS:
        return 0, None
    if level in coached:
        return LEVEL_POINTS, f"Coaches {level} members"
    position = LEVELS.index(level)
    if any(abs(LEVELS.index(lv) - position) == 1 for lv in coached):
        return ADJACENT_LEVEL_POINTS, f"Coaches members close to your level ({', '.join(coached)})"
    return 0, None


def capacity_points(capacity: int, member_count: int) -> tuple[int, str]:
    open_spots = max(0, capacity - member_count)
    if capacity <= 0 or open_spots == 0:
        return FULL_PENALTY, "Not taking new members right now"
    points = round(CAPACITY_POINTS * open_spots / capacity)
    return points, f"Has room for new members ({open_spots} of {capacity} spots open)"


def rating_points(rating: float) -> tuple[int, str | None]:
    rating = max(0.0, min(5.0, float(rating)))
    if rating == 0:
        return 0, None
    return round(rating * RATING_POINTS_PER_STAR), f"Rated {rating:.1f} out of 5"


def score_coach(coach: dict[str, Any], goal: str | None, level: str | None) -> Match:
    """The score of one coach for a member's goal and level, with the reason behind each point."""
    parts = {
        "goal": goal_points(goal, coach.get("specialties") or []),
        "level": level_points(level, coach.get("levels") or []),
        "capacity": capacity_points(int(coach.get("capacity") or 0), int(coach.get("memberCount") or 0)),
        "rating": rating_points(coach.get("rating") or 0),
    }
    breakdown = {name: points for name, (points, _) in parts.items()}
    reasons = tuple(reason for _, reason in parts.values() if reason)
    return Match(coach=coach, score=sum(breakdown.values()), breakdown=breakdown, reasons=reasons)


def rank(coaches: Iterable[dict[str, Any]], client_id: str, goal: str | None, level: str | None) -> list[Match]:
    """Active coaches of `client_id`, best first: score, then rating, then the lower id."""
    eligible = [c for c in coaches if c.get("active") is True and c.get("clientId") == client_id]
    matches = [score_coach(c, goal, level) for c in eligible]
    return sorted(matches, key=lambda m: (-m.score, -float(m.coach.get("rating") or 0), int(m.coach["id"])))
