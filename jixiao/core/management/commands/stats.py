"""`jixiao stats SUBJECT`: the figures a work report gives, from the console.

    jixiao stats goals --region 中阳县 --year 2024 [--by department|region] [--json]

`goals`: coverage of 绩效目标管理 in the region and the regions below it (see `jixiao.goals.stats`):
projects and amounts needing goals, declared, in review, returned, passed, approved, rejected, and the
编报率, 审核率 and 覆盖率. The region is a 6-digit code or a name. The command acts as the system: it
counts every project of the region, as a report does, whoever runs it (the web page counts only what
its user may see). Amounts are shown in 万元, rounded half-up.
"""

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import DomainError
from jixiao.goals.models import Goal
from jixiao.goals.stats import STAGES, Coverage, Tally, find_region, goal_stats
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
    help = "统计：绩效目标覆盖情况（goals）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subject", required=True)
        goals = sub.add_parser("goals", help="绩效目标编报、审核、批复覆盖情况")
        goals.add_argument("--region", required=True, help="行政区划代码或名称（含下级区划）")
        goals.add_argument("--year", required=True, type=int, help="预算年度")
        goals.add_argument("--by", choices=["department", "region"], default="department", help="分组（缺省：部门）")
        goals.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['subject']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _goals(self, options: dict[str, Any]) -> None:
        stats = goal_stats(region=find_region(options["region"]), year=options["year"])
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
