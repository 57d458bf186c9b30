"""Figures of 事前绩效评估 and 预算评审 for a region and a fiscal year, as the work reports give them.

宝鸡 2023: 「完成了 59 个市级重点项目的事前绩效评估和预算评审，送审金额 24053.22 万元，审定金额 14892.89 万元，
审减金额 9160.33 万元，预算平均审减率 38.08%；…“不予支持”结论的政策（项目）4 个，…“调整完善后予以支持”结论的
13 个」. A report speaks of one level of government (宝鸡's 市级 figures leave out 凤翔区's), so the figures
are those of the region itself; `below=True` adds the regions under it, with a row for each.

- **Assessed**: projects with a concluded assessment. Each project counts once, by the conclusion of its
  latest concluded submission (a project sent back with 调整完善后予以支持 and assessed again counts by the
  second conclusion), by who assessed it, and with the lowest and highest total score.
- **Reviewed**: projects whose budget review is final (signed by the whole 联评联审 panel), each counted
  once by its latest final review; reviews still being written or signed are counted apart.
  送审 = 审定 + 审减 holds for every review (the database refuses anything else), so it holds for the
  totals; 审减率 = 审减 / 送审.

Amounts are 元; `as_dict` gives them in 万元, half-up to the 0.01万元, and the rates in % to two places.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jixiao.appraisals.models import Assessment, AssessorKind, BudgetReview, Conclusion
from jixiao.core import scoping
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap
from jixiao.projects.models import Project
from jixiao.rules.money import percent, yuan_to_wan

CHUNK = 5000


@dataclass
class Figures:
    assessed: int = 0
    by_conclusion: dict[str, int] = field(default_factory=lambda: {c.value: 0 for c in Conclusion})
    by_assessor: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in AssessorKind})
    lowest_score: Decimal | None = None
    highest_score: Decimal | None = None
    reviewed: int = 0
    submitted: Decimal = Decimal(0)  # 送审, 元
    approved: Decimal = Decimal(0)  # 审定
    reduced: Decimal = Decimal(0)  # 审减
    reviews_open: int = 0  # reviews not yet final (评审中, 会签中)

    @property
    def reduction_rate(self) -> Decimal | None:
        """审减率 = 审减 / 送审, in %, half-up to two places."""
        return percent(self.reduced, self.submitted)

    def add_assessment(self, conclusion: str, assessor: str, total: Decimal | None) -> None:
        self.assessed += 1
        self.by_conclusion[conclusion] += 1
        self.by_assessor[assessor] += 1
        if total is not None:
            self.lowest_score = total if self.lowest_score is None else min(self.lowest_score, total)
            self.highest_score = total if self.highest_score is None else max(self.highest_score, total)

    def add_review(self, submitted: Decimal, approved: Decimal, reduced: Decimal) -> None:
        self.reviewed += 1
        self.submitted += submitted
        self.approved += approved
        self.reduced += reduced

    def as_dict(self) -> dict[str, Any]:
        def score(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        rate = self.reduction_rate
        return {
            "assessed": self.assessed,
            "by_conclusion": dict(self.by_conclusion),
            "by_assessor": {AssessorKind(k).label: n for k, n in self.by_assessor.items()},
            "lowest_score": score(self.lowest_score),
            "highest_score": score(self.highest_score),
            "reviewed": self.reviewed,
            "submitted_wan": str(yuan_to_wan(self.submitted)),
            "approved_wan": str(yuan_to_wan(self.approved)),
            "reduced_wan": str(yuan_to_wan(self.reduced)),
            "reduction_rate": None if rate is None else str(rate),
            "reviews_open": self.reviews_open,
        }


@dataclass
class AppraisalStats:
    region: Region
    year: int
    below: bool
    total: Figures = field(default_factory=Figures)
    by_region: dict[str, Figures] = field(default_factory=dict)  # region name → figures
    by_department: dict[str, Figures] = field(default_factory=dict)  # department name → figures

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": {"code": self.region.code, "name": self.region.name},
            "year": self.year,
            "includes_regions_below": self.below,
            "total": self.total.as_dict(),
            "by_region": [{"name": name, **f.as_dict()} for name, f in self.by_region.items()],
            "by_department": [{"name": name, **f.as_dict()} for name, f in self.by_department.items()],
        }


def appraisal_stats(*, region: Region, year: int, user: Any = None, below: bool = False) -> AppraisalStats:
    """Figures of `region` (and, with `below`, the regions under it) for `year`. With `user`, only the
    projects the user may see count (a page); without, every project (`jixiao stats appraisal`, which
    acts as the system, as a report does)."""
    projects = Project.objects.filter(fiscal_year=year)
    projects = projects.filter(region__path__startswith=region.path) if below else projects.filter(region=region)
    if user is not None:
        projects = scoping.restrict(projects, user, Cap.PROJECT_VIEW)
    places = {
        pk: (region_name, department_name)
        for pk, region_name, department_name in projects.order_by("region__path", "department__code", "code")
        .values_list("pk", "region__name", "department__name")
        .iterator(chunk_size=CHUNK)
    }
    stats = AppraisalStats(region, year, below)
    ids = list(places)

    def groups(pk: int) -> list[Figures]:
        region_name, department_name = places[pk]
        return [
            stats.total,
            stats.by_region.setdefault(region_name, Figures()),
            stats.by_department.setdefault(department_name, Figures()),
        ]

    for pk in ids:  # every project gets its rows, in the projects' order, whatever it holds
        groups(pk)
    for pk, (conclusion, assessor, total) in _conclusions(ids).items():
        for figures in groups(pk):
            figures.add_assessment(conclusion, assessor, total)
    finals, open_reviews = _reviews(ids)
    for pk, amounts in finals.items():
        for figures in groups(pk):
            figures.add_review(*amounts)
    for pk, n in open_reviews.items():
        for figures in groups(pk):
            figures.reviews_open += n
    stats.by_region = {k: v for k, v in stats.by_region.items() if v.assessed or v.reviewed or v.reviews_open}
    stats.by_department = {k: v for k, v in stats.by_department.items() if v.assessed or v.reviewed or v.reviews_open}
    return stats


def _conclusions(ids: list[int]) -> dict[int, tuple[str, str, Decimal | None]]:
    """Project id → (conclusion, assessor kind, total score) of its latest concluded submission."""
    found: dict[int, tuple[str, str, Decimal | None]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = (
            Assessment.objects.filter(project_id__in=ids[start : start + CHUNK], status=Assessment.Status.CONCLUDED)
            .order_by("project_id", "submission")
            .values_list("project_id", "conclusion", "assessor_kind", "total")
        )
        for pid, conclusion, assessor, total in rows:
            found[pid] = (conclusion, assessor, total)  # the last submission read wins
    return found


def _reviews(ids: list[int]) -> tuple[dict[int, tuple[Decimal, Decimal, Decimal]], dict[int, int]]:
    """Project id → (送审, 审定, 审减) of its latest final review; project id → reviews not yet final."""
    finals: dict[int, tuple[Decimal, Decimal, Decimal]] = {}
    open_reviews: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        rows = (
            BudgetReview.objects.filter(project_id__in=ids[start : start + CHUNK])
            .order_by("project_id", "id")
            .values_list("project_id", "status", "submitted_yuan", "approved_yuan", "reduced_yuan")
        )
        for pid, status, submitted, approved, reduced in rows:
            if status == BudgetReview.Status.FINAL:
                finals[pid] = (submitted, approved, reduced)
            else:
                open_reviews[pid] = open_reviews.get(pid, 0) + 1
    return finals, open_reviews
