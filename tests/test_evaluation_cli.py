"""`jixiao sample` and `jixiao stats selfeval`: the plan drawn from the command line is reproducible and
audited; the statistics count the forms, their amounts and grades."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jixiao.core.models import AuditEvent
from jixiao.evaluations import services
from jixiao.evaluations.services import FormEntry, IndicatorEntry

pytestmark = pytest.mark.django_db


def sample(world, capsys, seed):
    user = world.users["performance"].username
    call_command(
        "sample", "--user", user, "--region", world.regions["c1"].code, "--year", "2025", "--method", "simple",
        "--size", "2", "--seed", str(seed), "--json",
    )  # fmt: skip
    return json.loads(capsys.readouterr().out)


def test_sample_twice_with_the_same_seed_gives_the_same_sample_and_is_audited(world, capsys):
    first, second = sample(world, capsys, 42), sample(world, capsys, 42)
    assert first["seed"] == second["seed"] == 42 and first["method"] == "simple"
    assert [r["code"] for r in first["sample"]] == [r["code"] for r in second["sample"]]
    assert len(first["sample"]) == 2 and first["population_hash"] == second["population_hash"]
    draws = AuditEvent.objects.filter(action="sampling.draw", object_id__in=[str(first["plan"]), str(second["plan"])])
    assert draws.count() == 2


def test_sample_is_refused_to_a_unit(world):
    with pytest.raises(CommandError):
        call_command(
            "sample", "--user", world.users["unit"].username, "--region", world.regions["c1"].code, "--year", "2025",
            "--method", "simple", "--size", "1",
        )  # fmt: skip


def test_stats_selfeval_counts_amounts_and_grades(world, capsys):
    unit = world.users["unit"]
    evaluation = services.prefill(actor=unit, project=world.project("c1.unit_a.P2"))
    rows = [IndicatorEntry(id=r.pk, actual_value=r.target_value) for r in evaluation.indicators.all()]
    services.save_entries(
        actor=unit, evaluation=evaluation, data=FormEntry(executed=evaluation.budget_full_year, indicators=rows)
    )
    call_command("stats", "selfeval", "--region", world.regions["c1"].code, "--year", "2026", "--json")
    figures = json.loads(capsys.readouterr().out)
    assert figures["projects"]["count"] == 1
    assert Decimal(figures["projects"]["amount"]) == evaluation.budget_full_year
    assert figures["projects"]["grades"]["优"] == 1
    assert (figures["evaluation_year"], figures["budget_year"]) == (2026, 2025)
    call_command("stats", "selfeval", "--region", world.regions["c1"].code, "--budget-year", "2025")
    assert "项目支出：1份" in capsys.readouterr().out
    call_command("stats", "selfeval", "--region", world.regions["c1"].code, "--year", "2025", "--json")
    assert json.loads(capsys.readouterr().out)["projects"]["count"] == 0
