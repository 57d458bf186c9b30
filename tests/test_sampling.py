"""Sampling for 抽查复核: the pure draws (hypothesis) and sampling plans through the services."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.models import AuditEvent
from jixiao.evaluations import recheck_services, sampling
from jixiao.evaluations.recheck_services import PlanInput

amounts = st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False, allow_infinity=False)
populations = st.lists(st.tuples(amounts, st.sampled_from(["甲", "乙", "丙"])), min_size=0, max_size=60).map(
    lambda rows: [sampling.Unit(f"P{n:03d}", a, s) for n, (a, s) in enumerate(rows)]
)
seeds = st.integers(min_value=0, max_value=2**31)


@given(populations, st.integers(0, 70), seeds, st.sampled_from(["simple", "stratified", "pps"]))
def test_a_draw_is_deterministic_unique_and_independent_of_input_order(units, n, seed, method):
    first = sampling.draw(method, units, n, seed)
    again = sampling.draw(method, list(reversed(units)), n, seed)
    assert first == again
    keys = [u.key for u in first]
    assert len(set(keys)) == len(keys)
    assert set(keys) <= {u.key for u in units}
    positive = sum(1 for u in units if u.amount > 0)
    assert len(first) == (min(n, positive) if method == "pps" else min(n, len(units)))


@given(st.dictionaries(st.sampled_from("ABCDEFG"), st.integers(0, 50), min_size=1), st.integers(0, 400))
def test_allocation_is_proportional_by_largest_remainder(sizes, n):
    shares = sampling.allocate(sizes, n)
    total = sum(sizes.values())
    assert sum(shares.values()) == min(n, total)
    for name, size in sizes.items():
        quota = Decimal(min(n, total)) * size / total if total else 0
        assert int(quota) <= shares[name] <= int(quota) + 1 and shares[name] <= size


def test_largest_remainder_example():
    # 10 of 7 + 2 + 1: quotas 7, 2, 1 → exact; 3 of the same: 2.1, 0.6, 0.3 → 2, 1, 0.
    assert sampling.allocate({"a": 7, "b": 2, "c": 1}, 3) == {"a": 2, "b": 1, "c": 0}


def test_pps_takes_units_as_large_as_the_interval_for_certain():
    units = [sampling.Unit("A", Decimal(900)), *(sampling.Unit(f"B{n}", Decimal(10)) for n in range(10))]
    for seed in range(20):
        drawn = sampling.pps(units, 3, seed)
        assert drawn[0].key == "A" and len(drawn) == 3


def test_different_seeds_give_different_samples():
    units = [sampling.Unit(f"P{n:03d}", Decimal(n + 1)) for n in range(100)]
    assert sampling.simple(units, 30, 1) != sampling.simple(units, 30, 2)


def test_size_for_a_rate_rounds_half_up():
    assert sampling.size_for(57, rate=Decimal("0.3")) == 17  # 蔡甸: 30% → 17 units
    assert sampling.size_for(5, rate=Decimal("0.1")) == 1
    assert sampling.size_for(0, rate=Decimal("0.3")) == 0


@pytest.mark.django_db
def test_a_plan_draws_the_same_sample_twice_and_both_draws_are_audited(world):
    finance = world.users["performance"]
    region = world.regions["c1"]

    def plan(seed):
        data = PlanInput(
            region=region, year=2025, population="projects", method="simple", rate=Decimal("0.5"), seed=seed
        )
        return recheck_services.create_plan(actor=finance, data=data)

    first = plan(7)
    items = [(i.order, i.project_id) for i in recheck_services.draw(actor=finance, plan=first)]
    again = [(i.order, i.project_id) for i in recheck_services.draw(actor=finance, plan=first)]
    assert items == again and items
    events = AuditEvent.objects.filter(action="sampling.draw", object_id=str(first.pk)).order_by("id")
    assert events.count() == 2
    assert events[0].after["seed"] == 7 and events[0].after["method"] == "simple"
    assert events[0].after["population_hash"] == events[1].after["population_hash"]
    assert events[0].after["population_size"] == first.population_size


@pytest.mark.django_db
def test_plans_are_refused_outside_the_finance_side(world):
    data = PlanInput(region=world.regions["c1"], year=2026, population="departments", method="pps", size=1)
    with pytest.raises(NotFound):
        recheck_services.create_plan(actor=world.users["unit"], data=data)
    with pytest.raises(PermissionDenied):
        recheck_services.create_plan(actor=world.users["congress"], data=data)
    with pytest.raises(DomainError, match="分层依据"):
        bad = PlanInput(region=world.regions["c1"], year=2026, population="projects", method="stratified", size=1)
        recheck_services.create_plan(actor=world.users["performance"], data=bad)
