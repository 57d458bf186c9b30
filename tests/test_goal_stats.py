"""Coverage statistics of 绩效目标管理 (`jixiao.goals.stats`) and `jixiao stats goals`.

Every figure is checked against sums worked out here from the projects and goals themselves.
"""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jixiao.goals import services as goal_services
from jixiao.goals.models import Goal
from jixiao.goals.stats import goal_stats
from jixiao.orgs.models import Region
from jixiao.orgs.selectors import region_by_code_or_name
from jixiao.projects.models import Project
from tests.world import GOAL

EXEMPT = ("人员类", "公用经费")


def needing(region_code: str, year: int, **filters):
    return Project.objects.filter(
        region__path__startswith=Region.objects.get(code=region_code).path, fiscal_year=year, **filters
    ).exclude(category__in=EXEMPT)


def amount(qs) -> Decimal:
    return sum((p.amount_requested for p in qs), Decimal(0))


def test_budgeted_projects_with_approved_goals_are_fully_covered(world):
    stats = goal_stats(region=Region.objects.get(code="141129"), year=2025)
    expected = needing("141129", 2025)
    assert expected.exists()
    assert stats.total.needing.count == expected.count()
    assert stats.total.needing.amount == amount(expected)
    approved = expected.filter(goals__status=Goal.Status.APPROVED)
    assert stats.total.stages["approved"].amount == amount(approved) == amount(expected)
    assert stats.total.coverage_rate == Decimal("100.00")


def test_exempt_categories_do_not_count_and_projects_without_goals_show_as_undeclared(world):
    region = Region.objects.get(code="141129")
    stats = goal_stats(region=region, year=2026)
    expected = needing("141129", 2026)
    overall = Project.objects.filter(region=region, fiscal_year=2026, kind="department_overall")
    assert overall.exists() and set(overall.values_list("category", flat=True)) == {"公用经费"}
    assert stats.total.needing.count == expected.count()
    assert stats.total.stages["none"].count == expected.filter(goals__isnull=True).count()
    assert stats.total.declared_rate == Decimal("0.00") and stats.total.coverage_rate == Decimal("0.00")


def test_declaring_and_submitting_moves_a_project_through_the_stages(world):
    project = world.project("c1.unit_a.P1")
    region = Region.objects.get(code="141129")
    goal = goal_services.save_goal(actor=world.users["unit"], project=project, data=GOAL)
    draft = goal_stats(region=region, year=2026)
    assert draft.total.stages["draft"].count == 1
    assert draft.total.stages["draft"].amount == project.amount_requested
    goal_services.submit_goal(actor=world.users["unit"], goal=goal)
    submitted = goal_stats(region=region, year=2026)
    assert (submitted.total.stages["draft"].count, submitted.total.stages["in_review"].count) == (0, 1)
    assert submitted.total.declared.count == 1
    share = Decimal(100) / needing("141129", 2026).count()
    assert submitted.total.declared_rate == share.quantize(Decimal("0.01"))
    department = project.department.name
    assert submitted.by_department[department].stages["in_review"].count == 1


def test_a_region_counts_the_regions_below_it(world):
    city = goal_stats(region=Region.objects.get(code="141100"), year=2025)
    counties = [goal_stats(region=Region.objects.get(code=c), year=2025) for c in ("141129", "141130")]
    assert city.total.needing.amount == sum((c.total.needing.amount for c in counties), Decimal(0))
    assert set(city.by_region) == {"中阳县", "交口县"}


def test_a_user_counts_only_the_projects_they_may_see(world):
    region = Region.objects.get(code="141129")
    unit = world.users["unit"]
    mine = needing("141129", 2025, owner__memberships__user=unit)
    stats = goal_stats(region=region, year=2025, user=unit)
    assert stats.total.needing.count == mine.count() > 0
    assert stats.total.needing.count < goal_stats(region=region, year=2025).total.needing.count
    assert goal_stats(region=region, year=2025, user=world.users["p2_performance"]).total.needing.count == 0


def test_region_by_name_or_code_and_a_clear_error_otherwise(world):
    assert region_by_code_or_name("中阳县").code == "141129"
    assert region_by_code_or_name("141129").name == "中阳县"
    with pytest.raises(CommandError, match="没有代码或名称为“火星县”的行政区划"):
        call_command("stats", "goals", "--region", "火星县", "--year", "2025")


def test_cli_json_gives_wan_half_up_and_rates(world, capsys):
    call_command("stats", "goals", "--region", "中阳县", "--year", "2025", "--json")
    data = json.loads(capsys.readouterr().out)
    expected = needing("141129", 2025)
    assert data["region"] == {"code": "141129", "name": "中阳县"}
    assert data["total"]["needing"]["count"] == expected.count()
    wan = (amount(expected) / 10000).quantize(Decimal("0.01"))
    assert data["total"]["needing"]["amount_wan"] == str(wan)
    assert data["total"]["coverage_rate"] == "100.00"
    assert {row["name"] for row in data["by_department"]} == set(expected.values_list("department__name", flat=True))


def test_cli_table_is_readable_chinese(world, capsys):
    call_command("stats", "goals", "--region", "141129", "--year", "2025", "--by", "region")
    out = capsys.readouterr().out
    assert out.startswith("中阳县（141129）2025年绩效目标覆盖情况（金额：万元）")
    assert "合计" in out and "覆盖率 100.00%" in out
    assert f"纳入绩效目标管理的项目 {needing('141129', 2025).count()} 个" in out
