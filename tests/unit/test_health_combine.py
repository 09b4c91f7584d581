from services.common.models.config import Health, PillarWeights
from services.scoring.logic.health import combine, pillar_mean, status


def test_seed_worked_example_acme_is_84_green():
    # Given the seed's Acme Corp sub-metrics
    pillars = {
        "product": pillar_mean({"logins": 9, "adoption": 8, "active": 9, "tickets": 9}),
        "relationship": pillar_mean({"exec": 8, "meetings": 7, "nps": 9, "response": 8}),
        "outcomes": pillar_mean({"goals": 8, "roi": 9, "impact": 8}),
    }
    # When combined with the default 40/30/30 weights
    result = combine(pillars, Health().weights)
    # Then it is 84 and Green, with full confidence
    assert round(result.score) == 84
    assert status(result.score, Health()) == "green"
    assert result.confidence == 1.0


def test_missing_pillar_is_reweighted_not_zero():
    weights = PillarWeights(product=0.4, relationship=0.3, outcomes=0.3)
    result = combine({"product": 9.0, "relationship": 8.0, "outcomes": None}, weights)
    assert result.score == round((0.4 * 9 + 0.3 * 8) / 0.7 * 10, 2)
    assert result.confidence == 0.7
    assert combine({}, weights).score is None
