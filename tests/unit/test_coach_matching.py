"""The coach ranking is a pure function: these tests read like the reasons a member sees."""
from __future__ import annotations

from shared.domain import coach_matching as cm

CLIENT = "studio-a"


def coach(coach_id: int, specialties: list[str], levels: list[str], *, rating: float = 4.5, capacity: int = 50,
          members: int = 0, active: bool = True, client: str = CLIENT) -> dict:
    return {"id": coach_id, "name": f"Coach {coach_id}", "clientId": client, "specialties": specialties,
            "levels": levels, "rating": rating, "capacity": capacity, "memberCount": members, "active": active}


WEIGHT_LOSS_FOR_BEGINNERS = coach(1, ["weight_loss", "general_fitness"], ["beginner", "intermediate"], rating=4.2)
STRENGTH_FOR_ADVANCED = coach(2, ["strength"], ["advanced"], rating=5.0)


def test_given_a_weight_loss_beginner_then_the_weight_loss_beginner_coach_ranks_above_the_advanced_strength_coach():
    ranked = cm.rank([STRENGTH_FOR_ADVANCED, WEIGHT_LOSS_FOR_BEGINNERS], CLIENT, "weight_loss", "beginner")
    assert [m.coach["id"] for m in ranked] == [1, 2]
    best, other = ranked
    assert best.breakdown == {"goal": 40, "level": 30, "capacity": 10, "rating": 17}
    assert best.score == 97
    assert other.breakdown == {"goal": 0, "level": 0, "capacity": 10, "rating": 20}
    assert "Specialises in weight loss" in best.reasons and "Coaches beginner members" in best.reasons
    assert not any("Specialises" in r for r in other.reasons)


def test_given_any_coach_then_the_score_is_the_sum_of_its_explained_parts():
    match = cm.score_coach(coach(3, ["endurance"], ["intermediate"], rating=4.8, capacity=40, members=30),
                           "endurance", "beginner")
    assert match.breakdown == {"goal": 40, "level": 10, "capacity": 2, "rating": 19}
    assert match.score == sum(match.breakdown.values()) == 71
    assert match.reasons == ("Specialises in endurance", "Coaches members close to your level (intermediate)",
                             "Has room for new members (10 of 40 spots open)", "Rated 4.8 out of 5")


def test_given_a_level_two_steps_away_then_no_level_points():
    points, reason = cm.level_points("beginner", ["advanced"])
    assert (points, reason) == (0, None)


def test_given_a_full_coach_then_it_loses_points_and_says_why():
    full = coach(4, ["weight_loss"], ["beginner"], capacity=10, members=10)
    roomy = coach(5, ["weight_loss"], ["beginner"], capacity=10, members=0)
    ranked = cm.rank([full, roomy], CLIENT, "weight_loss", "beginner")
    assert [m.coach["id"] for m in ranked] == [5, 4]
    assert ranked[1].breakdown["capacity"] == cm.FULL_PENALTY
    assert "Not taking new members right now" in ranked[1].reasons


def test_given_equal_scores_then_the_higher_rating_and_then_the_lower_id_win_whatever_the_input_order():
    a = coach(7, ["strength"], ["beginner"], rating=4.5)
    b = coach(3, ["strength"], ["beginner"], rating=4.5)
    c = coach(9, ["strength"], ["beginner"], rating=4.6)
    for order in ([a, b, c], [c, b, a], [b, c, a]):
        ranked = cm.rank(order, CLIENT, "strength", "beginner")
        assert [m.coach["id"] for m in ranked] == [9, 3, 7]


def test_given_inactive_coaches_and_coaches_of_another_client_then_they_are_never_ranked():
    coaches = [coach(1, ["weight_loss"], ["beginner"]), coach(2, ["weight_loss"], ["beginner"], active=False),
               coach(3, ["weight_loss"], ["beginner"], client="studio-b")]
    assert [m.coach["id"] for m in cm.rank(coaches, CLIENT, "weight_loss", "beginner")] == [1]


def test_given_no_goal_or_level_yet_then_capacity_and_rating_alone_decide():
    ranked = cm.rank([coach(1, ["strength"], ["advanced"], rating=4.0),
                      coach(2, ["yoga"], ["beginner"], rating=4.9)], CLIENT, None, None)
    assert [m.coach["id"] for m in ranked] == [2, 1]
    assert ranked[0].breakdown["goal"] == 0 and ranked[0].breakdown["level"] == 0
