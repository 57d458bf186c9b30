"""Coverage of 绩效目标管理: how many projects, and how much money, carry goals, at each stage of review.

The figures the work reports give (岳池 2023 「纳入绩效目标管理的项目支出金额17395.88万元」; 宝鸡 2023
「绩效目标编报、审核率达100%」), for a region and the regions below it, one fiscal year, in total, by
region and by department (一级预算单位).

A project needs a goal when its category is not exempt in its region and year (`goals.exempt_categories`)
and it is not cancelled. Its amount is the adjusted budget, else the approved one, else the requested
one. Each project counts once, by the goal that decides its standing: the version in force (审核通过 or
已批复) if there is one, else the open version (草稿, 审核中, 退回修改), else a rejected one; superseded
versions do not count. An approved goal with an adjustment under review still counts as approved.

Rates: 编报率 = projects with a goal declared / projects needing one; 审核率 = projects whose goal has
completed its review (passed, approved or rejected) / projects needing one; 覆盖率 = amount with an
approved goal / amount needing goals. Amounts are 元; `as_dict` gives them in 万元, half-up.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models.functions import Coalesce

from jixiao.core import scoping
from jixiao.goals.models import Goal
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap
from jixiao.orgs.rules_config import resolve
from jixiao.projects.models import Project
from jixiao.rules.money import percent, yuan_to_wan

Status = Goal.Status
# The stages a needing project can be in, in the order a table shows them.
STAGES = {
    "none": "未申报",
    Status.DRAFT: "草稿",
    Status.IN_REVIEW: "审核中",
    Status.RETURNED: "退回修改",
    Status.PASSED: "审核通过待批复",
    Status.APPROVED: "已批复",
    Status.REJECTED: "审核不通过",
}
# Which stored version decides a project's stage: first found in this order.
_PRECEDENCE = [Status.APPROVED, Status.PASSED, Status.IN_REVIEW, Status.RETURNED, Status.DRAFT, Status.REJECTED]
_REVIEWED = (Status.PASSED, Status.APPROVED, Status.REJECTED)


@dataclass
class Tally:
    count: int = 0
    amount: Decimal = Decimal(0)

    def add(self, amount: Decimal) -> None:
        self.count += 1
        self.amount += amount


@dataclass
class Coverage:
    needing: Tally = field(default_factory=Tally)
    stages: dict[str, Tally] = field(default_factory=lambda: {stage: Tally() for stage in STAGES})

    def add(self, stage: str, amount: Decimal) -> None:
        self.needing.add(amount)
        self.stages[stage].add(amount)

    @property
    def declared(self) -> Tally:
        return self._sum([s for s in STAGES if s != "none"])

    @property
    def reviewed(self) -> Tally:
        return self._sum(list(_REVIEWED))

    def _sum(self, stages: list[str]) -> Tally:
        return Tally(
            sum(self.stages[s].count for s in stages), sum((self.stages[s].amount for s in stages), Decimal(0))
        )

    @property
    def declared_rate(self) -> Decimal | None:
        return percent(Decimal(self.declared.count), Decimal(self.needing.count))

    @property
    def reviewed_rate(self) -> Decimal | None:
        return percent(Decimal(self.reviewed.count), Decimal(self.needing.count))

    @property
    def coverage_rate(self) -> Decimal | None:
        return percent(self.stages[Status.APPROVED].amount, self.needing.amount)

    def as_dict(self) -> dict[str, Any]:
        """Counts, amounts in 万元 (text, half-up to the 0.01万元) and rates in % (text), for JSON."""

        def tally(t: Tally) -> dict[str, Any]:
            return {"count": t.count, "amount_wan": str(yuan_to_wan(t.amount))}

        def rate(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "needing": tally(self.needing),
            "declared": tally(self.declared),
            **{str(stage): tally(t) for stage, t in self.stages.items()},
            "reviewed": tally(self.reviewed),
            "declared_rate": rate(self.declared_rate),
            "reviewed_rate": rate(self.reviewed_rate),
            "coverage_rate": rate(self.coverage_rate),
        }


@dataclass
class GoalStats:
    region: Region
    year: int
    total: Coverage = field(default_factory=Coverage)
    by_region: dict[str, Coverage] = field(default_factory=dict)  # region name → coverage
    by_department: dict[str, Coverage] = field(default_factory=dict)  # department name → coverage

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": {"code": self.region.code, "name": self.region.name},
            "year": self.year,
            "total": self.total.as_dict(),
            "by_region": [{"name": name, **c.as_dict()} for name, c in self.by_region.items()],
            "by_department": [{"name": name, **c.as_dict()} for name, c in self.by_department.items()],
        }


def goal_stats(*, region: Region, year: int, user: Any = None) -> GoalStats:
    """Coverage in `region` and below for `year`. With `user`, only the projects the user may see count
    (the page); without, every project (the `jixiao stats goals` command, which acts as the system)."""
    projects = Project.objects.filter(region__path__startswith=region.path, fiscal_year=year).exclude(
        status=Project.Status.CANCELLED
    )
    if user is not None:
        projects = scoping.restrict(projects, user, Cap.PROJECT_VIEW)
    rows = list(
        projects.order_by("region__path", "department__code", "code")
        .annotate(amount=Coalesce("amount_adjusted", "amount_approved", "amount_requested"))
        .values_list("pk", "category", "amount", "region_id", "region__name", "department__name")
    )
    stages = _stages([r[0] for r in rows])
    exempt: dict[int, list[str]] = {}
    stats = GoalStats(region, year)
    for pk, category, amount, region_id, region_name, department_name in rows:
        if region_id not in exempt:
            exempt[region_id] = resolve("goals.exempt_categories", Region.objects.get(pk=region_id), year).value
        if category in exempt[region_id]:
            continue
        stage = stages.get(pk, "none")
        stats.total.add(stage, amount)
        stats.by_region.setdefault(region_name, Coverage()).add(stage, amount)
        stats.by_department.setdefault(department_name, Coverage()).add(stage, amount)
    return stats


def _stages(project_ids: list[int]) -> dict[int, str]:
    """Project id → the stage of the goal version that decides it (see the module's docstring)."""
    found: dict[int, set[str]] = {}
    chunk = 5000
    for start in range(0, len(project_ids), chunk):
        versions = (
            Goal.objects.filter(project_id__in=project_ids[start : start + chunk])
            .exclude(status=Status.SUPERSEDED)
            .order_by()
            .values_list("project_id", "status")
        )
        for pid, status in versions:
            found.setdefault(pid, set()).add(status)
    return {pid: next(s for s in _PRECEDENCE if s in statuses) for pid, statuses in found.items()}
