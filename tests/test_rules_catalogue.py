"""The catalogue of configurable rules: defaults are valid, and bad values are refused with a reason."""

from decimal import Decimal

import pytest

from jixiao.rules.config import DEFINITIONS, RuleValueError, check_grade_bands, check_weights, grade_for


@pytest.mark.parametrize("key", sorted(DEFINITIONS))
def test_every_default_passes_its_own_check_and_cites_a_source(key):
    d = DEFINITIONS[key]
    assert d.check(d.default) is not None
    assert d.source.strip(), f"{key} has no source"


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", "优"),
        ("90", "优"),
        ("89.99", "良"),
        ("80", "良"),
        ("79.999", "中"),
        ("60", "中"),
        ("59.99", "差"),
        ("0", "差"),
    ],
)
def test_default_grade_bands_have_inclusive_lower_bounds(score, grade):
    bands = DEFINITIONS["evaluation.grade_bands"].default
    assert grade_for(Decimal(score), bands) == grade


def test_grade_bands_must_decrease_and_end_at_zero():
    with pytest.raises(RuleValueError, match="递减"):
        check_grade_bands([{"grade": "优", "min": "80"}, {"grade": "良", "min": "90"}, {"grade": "差", "min": "0"}])
    with pytest.raises(RuleValueError, match="下限须为0"):
        check_grade_bands([{"grade": "优", "min": "90"}, {"grade": "差", "min": "10"}])


def test_weights_must_total_100_and_say_the_actual_total():
    assert check_weights({"预算执行率": 10, "绩效指标": 90}) == {"预算执行率": "10", "绩效指标": "90"}
    with pytest.raises(RuleValueError, match="现为95"):
        check_weights({"预算执行率": 10, "产出指标": 50, "效益指标": 25, "满意度指标": 10})
