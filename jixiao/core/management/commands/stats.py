"""`jixiao stats SUBJECT`: the figures a work report gives, from the console.

    jixiao stats goals --region 中阳县 --year 2024 [--by department|region] [--json]

`goals`: coverage of 绩效目标管理 in the region and the regions below it (see `jixiao.goals.stats`):
projects and amounts needing goals, declared, in review, returned, passed, approved, rejected, and the
编报率, 审核率 and 覆盖率. The region is a 6-digit code or a name. The command acts as the system: it
counts every project of the region, as a report does, whoever runs it (the web page counts only what
its user may see). Amounts are shown in 万元, rounded half-up.

    jixiao stats appraisal --region 宝鸡市 --year 2023 [--below] [--json]

`appraisal`: 事前绩效评估 and 预算评审 of the region itself (with `--below`, of the regions under it as
well, one row each): projects assessed, by conclusion and by assessor, the lowest and highest score,
projects reviewed, 送审, 审定 and 审减 in 万元 and the 审减率 (see `jixiao.appraisals.stats`).

    jixiao stats selfeval --region 蔡甸区 --year 2024 [--json]
    jixiao stats selfeval --region 蔡甸区 --budget-year 2023 [--json]

`selfeval`: 绩效自评 of the region and the regions below it: forms by status, amounts (全年预算数 and
全年执行数, 元) and grades, for projects and for 部门整体支出 apart, per department and per year, the
departments re-evaluated (再评价), and the grade-inflation signal per department (see
`jixiao.evaluations.stats`). Self-evaluation looks back: the work of a year evaluates the budget of the
year before, and work reports date it by the year the work was done (蔡甸's 2024 report counts the
self-evaluations of the 2023 budget). So `--year` is that working year and the forms counted are those of
the budget year before it; `--budget-year` names the budget year directly.
"""

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.appraisals.models import Conclusion
from jixiao.appraisals.stats import Figures, appraisal_stats
from jixiao.core.errors import DomainError
from jixiao.evaluations.models import ReEvaluation, SelfEvaluation
from jixiao.evaluations.stats import inflation, summary
from jixiao.goals.models import Goal
from jixiao.goals.stats import STAGES, Coverage, Tally, goal_stats
from jixiao.monitoring.models import Disposition
from jixiao.monitoring.stats import Figures as MonitoringFigures
from jixiao.monitoring.stats import monitoring_stats
from jixiao.orgs.selectors import region_by_code_or_name
from jixiao.rules.money import format_wan

# The columns of the table: (heading, figure of a Coverage).
_TALLIES: list[tuple[str, Callable[[Coverage], Tally]]] = [
    ("需设目标", lambda c: c.needing),
    ("已申报", lambda c: c.declared),
    ("草稿", lambda c: c.stages[Goal.Status.DRAFT]),
    ("审核中", lambda c: c.stages[Goal.Status.IN_REVIEW]),
    ("退回修改", lambda c: c.stages[Goal.Status.RETURNED]),
    ("审核通过", lambda c: c.stages[Goal.Status.PASSED]),
    ("已批复", lambda c: c.stages[Goal.Status.APPROVED]),
    ("审核不通过", lambda c: c.stages[Goal.Status.REJECTED]),
]


def _rate(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


class Command(BaseCommand):
    help = "统计：绩效目标（goals）、事前评估与预算评审（appraisal）、绩效自评（selfeval）、运行监控（monitoring）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subject", required=True)
        goals = sub.add_parser("goals", help="绩效目标编报、审核、批复覆盖情况")
        goals.add_argument("--region", required=True, help="行政区划代码或名称（含下级区划）")
        goals.add_argument("--year", required=True, type=int, help="预算年度")
        goals.add_argument("--by", choices=["department", "region"], default="department", help="分组（缺省：部门）")
        goals.add_argument("--json", action="store_true", help="以 JSON 输出")
        appraisal = sub.add_parser("appraisal", help="事前绩效评估与预算评审：评估结论、送审、审定、审减和审减率")
        appraisal.add_argument("--region", required=True, help="行政区划代码或名称")
        appraisal.add_argument("--year", required=True, type=int, help="预算年度")
        appraisal.add_argument("--below", action="store_true", help="包含下级区划（分区划列出）")
        appraisal.add_argument("--json", action="store_true", help="以 JSON 输出")
        selfeval = sub.add_parser("selfeval", help="绩效自评：份数、金额、等级分布及等级偏高信号")
        selfeval.add_argument("--region", required=True, help="行政区划代码或名称（含下级区划）")
        years = selfeval.add_mutually_exclusive_group(required=True)
        years.add_argument("--year", type=int, help="开展自评的年度（评价上一预算年度，如2024年自评2023年度预算）")
        years.add_argument("--budget-year", type=int, help="被评价的预算年度")
        selfeval.add_argument("--json", action="store_true", help="以 JSON 输出")
        monitoring = sub.add_parser("monitoring", help="绩效运行监控：监控项目、资金、执行、预警、整改措施和处理结果")
        monitoring.add_argument("--region", required=True, help="行政区划代码或名称（含下级区划）")
        monitoring.add_argument("--year", required=True, type=int, help="预算年度")
        monitoring.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['subject']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _selfeval(self, options: dict[str, Any]) -> None:
        region = region_by_code_or_name(options["region"])
        budget_year = options["budget_year"] or options["year"] - 1
        evaluations = SelfEvaluation.objects.filter(project__region__path__startswith=region.path, year=budget_year)
        reevaluated = ReEvaluation.objects.filter(
            region__path__startswith=region.path, year=budget_year, status=ReEvaluation.Status.DONE
        )
        figures = {
            "region": region.name,
            "evaluation_year": budget_year + 1,
            "budget_year": budget_year,
            **summary(evaluations),
            "reevaluated_departments": reevaluated.values("department").distinct().count(),
            "inflation": [vars(s) for s in inflation(evaluations)],
        }
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2, default=str))
            return
        self.stdout.write(
            f"{region.name}（{region.code}）{budget_year + 1}年开展的绩效自评（{budget_year}年度预算，金额：万元）"
        )
        for label, key in (("项目支出", "projects"), ("部门整体支出", "department_overall")):
            block = figures[key]
            grades = "、".join(f"{g}{n}" for g, n in block["grades"].items())
            self.stdout.write(f"{label}：{block['count']}份，{format_wan(block['amount'])}万元；等级 {grades}")
        self.stdout.write(f"再评价部门：{figures['reevaluated_departments']}个")
        for s in figures["inflation"]:
            if s["flagged"]:
                shares = f"自评优 {s['self_excellent']}/{s['self_count']}，复核降级 {s['downgraded']}/{s['rechecked']}"
                self.stdout.write(f"等级偏高：{s['department']}（{shares}）")

    def _monitoring(self, options: dict[str, Any]) -> None:
        stats = monitoring_stats(region=region_by_code_or_name(options["region"]), year=options["year"])
        if options["json"]:
            self.stdout.write(json.dumps(stats.as_dict(), ensure_ascii=False, indent=2))
            return
        if not stats.rounds:
            self.stdout.write(f"{stats.region.name}{stats.year}年没有绩效运行监控轮次。")
            return
        for r in stats.rounds:
            self.stdout.write(f"{r.round}（金额：万元）")
            self.stdout.write("\t".join(["部门", *_MONITORING_HEADER]))
            for name, figures in [*r.by_department.items(), ("合计", r.total)]:
                self.stdout.write("\t".join([name, *_monitoring_cells(figures)]))
            self.stdout.write(_monitoring_sentence(r.round.period_label, r.total))

    def _goals(self, options: dict[str, Any]) -> None:
        stats = goal_stats(region=region_by_code_or_name(options["region"]), year=options["year"])
        if options["json"]:
            self.stdout.write(json.dumps(stats.as_dict(), ensure_ascii=False, indent=2))
            return
        title = f"{stats.region.name}（{stats.region.code}）{stats.year}年绩效目标覆盖情况（金额：万元）"
        self.stdout.write(title)
        groups = stats.by_department if options["by"] == "department" else stats.by_region
        heading = "部门" if options["by"] == "department" else "区划"
        rows = [(name, c) for name, c in groups.items()] + [("合计", stats.total)]
        header = [heading] + [f"{h}（个/金额）" for h, _ in _TALLIES] + ["编报率", "审核率", "覆盖率"]
        self.stdout.write("\t".join(header))
        for name, coverage in rows:
            self.stdout.write("\t".join([name, *self._cells(coverage)]))
        total = stats.total
        self.stdout.write(
            f"纳入绩效目标管理的项目 {total.needing.count} 个、{format_wan(total.needing.amount)}万元；"
            f"已批复绩效目标 {total.stages[Goal.Status.APPROVED].count} 个、"
            f"{format_wan(total.stages[Goal.Status.APPROVED].amount)}万元；"
            f"编报率 {_rate(total.declared_rate)}，审核率 {_rate(total.reviewed_rate)}，"
            f"覆盖率 {_rate(total.coverage_rate)}。"
        )
        if total.stages["none"].count:
            self.stdout.write(
                f"{STAGES['none']} {total.stages['none'].count} 个、{format_wan(total.stages['none'].amount)}万元。"
            )

    @staticmethod
    def _cells(c: Coverage) -> list[str]:
        cells = [f"{f(c).count}/{format_wan(f(c).amount)}" for _, f in _TALLIES]
        return [*cells, _rate(c.declared_rate), _rate(c.reviewed_rate), _rate(c.coverage_rate)]

    def _appraisal(self, options: dict[str, Any]) -> None:
        stats = appraisal_stats(
            region=region_by_code_or_name(options["region"]), year=options["year"], below=options["below"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(stats.as_dict(), ensure_ascii=False, indent=2))
            return
        scope = "（含下级区划）" if stats.below else "（本级）"
        self.stdout.write(
            f"{stats.region.name}（{stats.region.code}）{stats.year}年事前绩效评估与预算评审{scope}（金额：万元）"
        )
        header = [
            "区划" if stats.below else "部门",
            "已评估",
            *Conclusion.values,
            "已评审",
            "送审",
            "审定",
            "审减",
            "审减率",
        ]
        self.stdout.write("\t".join(header))
        groups = stats.by_region if stats.below else stats.by_department
        for name, figures in [*groups.items(), ("合计", stats.total)]:
            self.stdout.write("\t".join([name, *_appraisal_cells(figures)]))
        self.stdout.write(_appraisal_sentence(stats.total))


def _appraisal_cells(f: Figures) -> list[str]:
    amounts = [format_wan(a) for a in (f.submitted, f.approved, f.reduced)]
    counts = [str(f.by_conclusion[c]) for c in Conclusion.values]
    return [str(f.assessed), *counts, str(f.reviewed), *amounts, _rate(f.reduction_rate)]


def _appraisal_sentence(f: Figures) -> str:
    """The totals as a work report words them."""
    parts = []
    if f.assessed:
        said = "，".join(f"“{c}”{n}个" for c, n in f.by_conclusion.items() if n)
        by = "，".join(f"{label}{n}个" for label, n in f.as_dict()["by_assessor"].items() if n)
        scores = f"，得分{f.lowest_score}—{f.highest_score}分" if f.lowest_score is not None else ""
        parts.append(f"完成事前绩效评估{f.assessed}个（{by}）{scores}；结论{said}")
    if f.reviewed:
        parts.append(
            f"完成预算评审{f.reviewed}个，送审金额{format_wan(f.submitted)}万元，审定金额{format_wan(f.approved)}万元，"
            f"审减金额{format_wan(f.reduced)}万元，审减率{_rate(f.reduction_rate)}"
        )
    if f.reviews_open:
        parts.append(f"另有{f.reviews_open}个预算评审尚未定稿")
    return "；".join(parts) + "。" if parts else "没有事前绩效评估或预算评审。"


_MONITORING_HEADER = ["项目", "全年预算数", "执行数", "执行率", "重点监控", "红", "黄", "蓝", "待判断", "绿",
                      "进度滞后", "偏离目标", "改进措施", "收回", "调减"]  # fmt: skip


def _monitoring_cells(f: MonitoringFigures) -> list[str]:
    colours = [str(f.reports_by_colour[c]) for c in ("red", "yellow", "blue", "manual", "green")]
    return [
        str(f.projects), format_wan(f.budget), format_wan(f.executed), _rate(f.execution_rate), str(f.key), *colours,
        str(f.behind_schedule), str(f.off_target), str(f.measures),
        format_wan(f.dispositions["recover"].amount), format_wan(f.dispositions["reduce"].amount),
    ]  # fmt: skip


def _monitoring_sentence(period: str, f: MonitoringFigures) -> str:
    """The totals of a round as a work report words them."""
    text = (
        f"对{period}共{f.projects}个项目开展监控，监控资金{format_wan(f.budget)}万元，执行{format_wan(f.executed)}万元"
        f"（执行率{_rate(f.execution_rate)}）；未完成支出进度的项目{f.behind_schedule}个，"
        f"偏离绩效目标较大的项目{f.off_target}个，提出改进措施{f.measures}项"
    )
    done = [
        f"{label}{d.count}个" + (f"、{format_wan(d.amount)}万元" if d.amount else "")
        for label, d in ((Disposition.Kind(k).label, d) for k, d in f.dispositions.items())
        if d.count
    ]
    return text + ("；" + "，".join(done) if done else "") + "。"
