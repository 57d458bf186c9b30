"""Figures over self-evaluations and re-checks: the discrepancy report of a re-check, the grade-inflation
signal per department, and counts, amounts and grades per region, department and year.

Grade-inflation signal (per department, one region and year):

- self_share = the department's self-evaluations graded 优 ÷ its scored self-evaluations;
- recheck_share = among its re-checked forms, those the re-check grades 优 ÷ those re-checked;
- region_share = 优 ÷ scored self-evaluations over the whole region;
- downgraded = re-checked forms whose re-check grade is below the self-grade.

A department is flagged when it has at least one re-check and either its self share exceeds its re-check share
by `gap` (default 0.2, i.e. 20 percentage points) or more than half of its re-checked forms were downgraded.
The region share is shown alongside for context (中阳: every spot-checked project was 优).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, QuerySet, Sum
from django.db.models.functions import Coalesce

from jixiao.evaluations.models import Grade, Recheck, SelfEvaluation

GRADE_ORDER = {g: n for n, g in enumerate(Grade.values[::-1])}  # 差 0 … 优 3


def discrepancy(recheck: Recheck) -> dict[str, Any]:
    """Self vs re-check, per indicator and for execution, total and grade (differences = re-check − self)."""
    evaluation = recheck.evaluation
    own = {r.pk: r for r in evaluation.indicators.all()}
    rows = []
    for r in recheck.indicators.all():
        mine = own.get(r.result_id)
        self_score = mine.score if mine is not None else None
        rows.append(
            {
                "indicator": r.name,
                "level1": r.level1,
                "weight": r.weight,
                "self_actual": mine.actual_value if mine is not None else None,
                "recheck_actual": r.actual_value,
                "self_score": self_score,
                "recheck_score": r.score,
                "difference": _minus(r.score, self_score),
                "comment": r.comment,
            }
        )
    return {
        "evaluation": evaluation.pk,
        "project": evaluation.project.name,
        "indicators": rows,
        "execution": {
            "self": evaluation.execution_score,
            "recheck": recheck.execution_score,
            "difference": _minus(recheck.execution_score, evaluation.execution_score),
        },
        "total": {
            "self": evaluation.total_score,
            "recheck": recheck.total_score,
            "difference": _minus(recheck.total_score, evaluation.total_score),
        },
        "grade": {"self": evaluation.grade, "recheck": recheck.grade, "changed": evaluation.grade != recheck.grade},
    }


def _minus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


@dataclass(frozen=True)
class InflationSignal:
    department_id: int
    department: str
    self_count: int
    self_excellent: int
    rechecked: int
    recheck_excellent: int
    downgraded: int
    self_share: Decimal | None
    recheck_share: Decimal | None
    region_share: Decimal | None
    flagged: bool


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / whole if whole else None


def inflation(evaluations: QuerySet[SelfEvaluation], *, gap: Decimal = Decimal("0.2")) -> list[InflationSignal]:
    """The signal for every department among `evaluations` (already scoped and filtered to a region and year)."""
    scored = evaluations.exclude(grade="")
    region_total = scored.count()
    region_share = _share(scored.filter(grade=Grade.EXCELLENT).count(), region_total)
    per_department: dict[int, dict[str, Any]] = {}
    for row in scored.values("project__department_id", "project__department__name", "grade"):
        d = per_department.setdefault(
            row["project__department_id"],
            {"name": row["project__department__name"], "n": 0, "ex": 0, "re": 0, "rex": 0, "down": 0},
        )
        d["n"] += 1
        d["ex"] += row["grade"] == Grade.EXCELLENT
    done = Recheck.objects.filter(evaluation__in=scored, status=Recheck.Status.DONE).exclude(grade="")
    for r in done.values("evaluation__project__department_id", "evaluation__grade", "grade"):
        d = per_department[r["evaluation__project__department_id"]]
        d["re"] += 1
        d["rex"] += r["grade"] == Grade.EXCELLENT
        d["down"] += GRADE_ORDER[r["grade"]] < GRADE_ORDER[r["evaluation__grade"]]
    out = []
    for dept_id, d in sorted(per_department.items(), key=lambda kv: kv[1]["name"]):
        self_share, recheck_share = _share(d["ex"], d["n"]), _share(d["rex"], d["re"])
        flagged = bool(d["re"]) and (
            (self_share is not None and recheck_share is not None and self_share - recheck_share >= gap)
            or d["down"] * 2 > d["re"]
        )
        out.append(
            InflationSignal(
                dept_id,
                d["name"],
                d["n"],
                d["ex"],
                d["re"],
                d["rex"],
                d["down"],
                self_share,
                recheck_share,
                region_share,
                flagged,
            )
        )
    return out


def summary(evaluations: QuerySet[SelfEvaluation]) -> dict[str, Any]:
    """Counts, amounts (元, 全年预算数) and grade distribution, overall and per department and year; the
    department-overall forms (部门整体支出) counted apart from projects, as the reports do."""
    money = DecimalField(max_digits=20, decimal_places=2)
    amount = Coalesce(Sum("budget_full_year"), Decimal(0), output_field=money)

    def block(qs: QuerySet[SelfEvaluation]) -> dict[str, Any]:
        totals = qs.aggregate(
            count=Count("pk"), amount=amount, executed=Coalesce(Sum("executed"), Decimal(0), output_field=money)
        )
        grades = {g: 0 for g in Grade.values}
        for row in qs.exclude(grade="").values("grade").annotate(n=Count("pk")):
            grades[row["grade"]] = row["n"]
        by_status = {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("pk"))}
        return {**totals, "grades": grades, "status": by_status}

    projects = evaluations.exclude(project__kind="department_overall")
    departments = evaluations.filter(project__kind="department_overall")
    per_department = []
    for row in (
        evaluations.values("project__department_id", "project__department__name")
        .distinct()
        .order_by("project__department__name")
    ):
        per_department.append(
            {
                "department": row["project__department__name"],
                **block(evaluations.filter(project__department_id=row["project__department_id"])),
            }
        )
    return {
        "projects": block(projects),
        "department_overall": block(departments),
        "per_year": {
            row["year"]: block(evaluations.filter(year=row["year"]))
            for row in evaluations.values("year").distinct().order_by("year")
        },
        "per_department": per_department,
    }
