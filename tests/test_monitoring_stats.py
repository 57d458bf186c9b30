"""`jixiao.monitoring.stats` and `jixiao stats monitoring`: the figures of a round, checked against the
same figures worked out here from the rows one by one."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jixiao.monitoring import services
from jixiao.monitoring.models import (
    Colour,
    Disposition,
    MonitoringReport,
    MonitoringRound,
    MonitoringWarning,
    RectificationItem,
)
from jixiao.monitoring.stats import BEHIND_RULES, OFF_TARGET_RULES, monitoring_stats
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from jixiao.rules.money import yuan_to_wan
from jixiao.rules.monitoring_warnings import Rule
from tests.world import pass_goal

# (rule, colour) of the warnings given to the n-th report, cycling: some behind, some off target, some both.
PATTERNS = [
    [(Rule.EXECUTION, Colour.RED), (Rule.INDICATOR, Colour.GREEN)],
    [(Rule.EXECUTION, Colour.GREEN), (Rule.LIKELIHOOD, Colour.RED), (Rule.INDICATOR, Colour.YELLOW)],
    [(Rule.BEHIND_SCHEDULE, Colour.RED), (Rule.QUALITATIVE, Colour.RED)],
    [(Rule.EXECUTION, Colour.YELLOW), (Rule.INDICATOR, Colour.BLUE)],
    [(Rule.EXECUTION, Colour.GREEN)],
]


@pytest.fixture
def monitored(world):
    """A round of the first county with a form for each of its projects, warnings, measures and dispositions."""
    region = world.regions["c1"]
    projects = list(Project.objects.filter(region=region).order_by("pk"))
    year = projects[0].fiscal_year
    projects = [p for p in projects if p.fiscal_year == year]
    round_ = MonitoringRound.objects.create(
        region=region, year=year, cutoff_month=7, due_date=datetime.date(year, 8, 31)
    )
    for n, p in enumerate(projects):
        budget = Decimal(1_000_000 + 10_000 * n)
        report = MonitoringReport.objects.create(
            round=round_,
            project=p,
            budget_initial=budget - 5000,
            budget=budget,
            executed_to_date=(budget * Decimal("0.4")).quantize(Decimal("0.01")),
            is_key=n % 3 == 0,
        )
        warnings = PATTERNS[n % len(PATTERNS)]
        for rule, colour in warnings:
            MonitoringWarning.objects.create(
                report=report, rule=rule, colour=colour, value=Decimal(50), threshold=Decimal(60), message="说明"
            )
        order = [Colour.RED, Colour.YELLOW, Colour.BLUE, Colour.MANUAL, Colour.GREEN]
        report.worst_colour = min((c for _, c in warnings), key=order.index)
        report.save(update_fields=["worst_colour"])
        for k in range(n % 3):
            RectificationItem.objects.create(project=p, report=report, text=f"措施{k}", owner=p.owner)
        if n % 4 == 1:
            Disposition.objects.create(
                project=p, report=report, kind=Disposition.Kind.RECOVER, amount=Decimal(30_000) + n,
                reason="执行缓慢", status=Disposition.Status.APPROVED,
            )  # fmt: skip
        if n % 4 == 2:
            Disposition.objects.create(project=p, report=report, kind=Disposition.Kind.SUSPEND, reason="问题严重")
    return round_


def expected(round_: MonitoringRound) -> dict:
    reports = list(round_.reports.prefetch_related("warnings", "rectifications", "dispositions"))

    def red(r: MonitoringReport, rules) -> bool:
        return any(w.colour == Colour.RED and w.rule in rules for w in r.warnings.all())

    recovered = [d for r in reports for d in r.dispositions.all() if d.kind == "recover" and d.status == "approved"]
    return {
        "projects": len(reports),
        "budget_wan": str(yuan_to_wan(sum(r.budget for r in reports))),
        "executed_wan": str(yuan_to_wan(sum(r.executed_to_date for r in reports))),
        "key": sum(r.is_key for r in reports),
        "red_reports": sum(r.worst_colour == Colour.RED for r in reports),
        "red_warnings": sum(w.colour == Colour.RED for r in reports for w in r.warnings.all()),
        "behind": sum(red(r, BEHIND_RULES) for r in reports),
        "off": sum(red(r, OFF_TARGET_RULES) for r in reports),
        "measures": sum(r.rectifications.count() for r in reports),
        "recovered": (len(recovered), str(yuan_to_wan(sum(d.amount for d in recovered)))),
        "suspend_proposed": sum(1 for r in reports for d in r.dispositions.all() if d.kind == "suspend"),
        "departments": len({r.project.department_id for r in reports}),
    }


def test_round_figures_match_the_rows_counted_one_by_one(monitored):
    want = expected(monitored)
    assert want["behind"] and want["off"] and want["measures"] and want["recovered"][0]  # the data has each
    stats = monitoring_stats(region=monitored.region, year=monitored.year)
    [r] = stats.rounds
    got = r.total.as_dict()
    assert got["projects"] == want["projects"]
    assert got["budget_wan"] == want["budget_wan"]
    assert got["executed_wan"] == want["executed_wan"]
    assert got["execution_rate"] == "40.00"
    assert got["key"] == want["key"]
    assert got["reports_by_colour"]["red"] == want["red_reports"]
    assert got["warnings_by_colour"]["red"] == want["red_warnings"]
    assert (got["behind_schedule"], got["off_target"], got["measures"]) == (
        want["behind"],
        want["off"],
        want["measures"],
    )
    recover = got["dispositions"]["recover"]
    assert (recover["count"], recover["amount_wan"]) == want["recovered"]
    assert got["dispositions"]["suspend"] == {
        "label": "暂缓拨款", "count": 0, "amount_wan": "0.00", "proposed": want["suspend_proposed"]
    }  # fmt: skip
    assert len(r.by_department) == want["departments"]
    assert sum(f.projects for f in r.by_department.values()) == want["projects"]
    assert sum(f.measures for f in r.by_region.values()) == want["measures"]


def test_a_user_counts_only_the_forms_they_may_see(world, monitored):
    everything = monitoring_stats(region=monitored.region, year=monitored.year).rounds[0].total
    unit = world.users["unit"]
    own = MonitoringReport.objects.filter(round=monitored, project__owner__in=unit.memberships.values("organization"))
    seen = monitoring_stats(region=monitored.region, year=monitored.year, user=unit).rounds[0].total
    assert seen.projects == own.count() < everything.projects


def test_the_command_prints_the_round_as_a_report_words_it_and_json(monitored, capsys):
    want = expected(monitored)
    call_command("stats", "monitoring", "--region", monitored.region.code, "--year", str(monitored.year))
    out = capsys.readouterr().out
    assert f"共{want['projects']}个项目开展监控，监控资金{want['budget_wan']}万元" in out
    assert f"未完成支出进度的项目{want['behind']}个" in out
    assert f"偏离绩效目标较大的项目{want['off']}个，提出改进措施{want['measures']}项" in out
    assert f"收回资金{want['recovered'][0]}个、{want['recovered'][1]}万元" in out
    call_command("stats", "monitoring", "--region", monitored.region.name, "--year", str(monitored.year), "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["rounds"][0]["total"]["projects"] == want["projects"]
    assert data["rounds"][0]["period"] == "1-7月"


def test_the_command_says_when_there_is_no_round_and_refuses_an_unknown_region(world, capsys):
    call_command("stats", "monitoring", "--region", world.regions["c1"].code, "--year", "1999")
    assert "没有绩效运行监控轮次" in capsys.readouterr().out
    with pytest.raises(CommandError, match="没有代码或名称"):
        call_command("stats", "monitoring", "--region", "不存在县", "--year", "2024")


def test_a_round_opened_and_disposed_of_through_the_services_counts_what_was_approved(world):
    """Forms generated by `open_round`, a 收回资金 proposed by the 绩效股 and approved by the 预算股 (which
    creates a rectification item: one 改进措施), and a proposal still waiting."""
    performance, budget = world.users["performance"], world.users["budget"]
    region = world.regions["c1"]
    projects = []
    for key in ("c1.unit_a.P1", "c1.unit_b.P1"):
        project = world.project(key)
        for action in ("submit", "admit"):
            project = project_services.transition_project(actor=performance, project=project, action=action)
        pass_goal(world, project)
        projects.append(project)
    project_services.approve_budgets(actor=performance, projects=projects)
    year = projects[0].fiscal_year
    round_ = services.open_round(actor=performance, region=region, year=year, cutoff_month=8)
    reports = list(round_.reports.order_by("pk"))
    assert len(reports) == 2
    first, second = reports
    recovered = services.propose_disposition(
        actor=performance, project=first.project, kind="recover", amount=Decimal("123456.78"), reason="进度缓慢",
        report=first,
    )  # fmt: skip
    services.approve_disposition(actor=budget, disposition=recovered)
    services.propose_disposition(
        actor=performance, project=second.project, kind="stop", reason="严重问题", report=second
    )

    total = monitoring_stats(region=region, year=year).rounds[0].total
    assert total.projects == len(reports)
    assert total.budget == sum(r.budget or Decimal(0) for r in reports)
    assert total.reports_by_colour[""] == len(reports)  # warnings not computed yet
    assert (total.dispositions["recover"].count, total.dispositions["recover"].amount) == (1, Decimal("123456.78"))
    assert (total.dispositions["stop"].count, total.dispositions["stop"].proposed) == (0, 1)
    assert total.measures == RectificationItem.objects.filter(report__round=round_).count() == 1
