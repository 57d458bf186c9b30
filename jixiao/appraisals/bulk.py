"""Many appraisals at once, already done elsewhere (the demo): concluded assessments and final budget
reviews with their panel's signatures and function-point reviews.

The rules are those of the services, checked row by row before anything is written: the actor's scope
(`appraisal.conclude` for an assessment, `budget_review.change` for a review), scores within their
points and a conclusion that follows the bands in force (the panel's override goes through the
services, with its reason), 送审 = 审定 + 审减 (`services.balanced`), and each panel role signed by a
member holding that role over the project. A project that already has an assessment (or a budget
review) is left as it is, so loading twice writes nothing. If any row is refused nothing is written.

Writes are set-based, as for goals (`jixiao.goals.bulk`): a few statements per chunk, with an audit
event per assessment, review and function-point review.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jixiao.appraisals import function_points as fp_glue
from jixiao.appraisals.models import (
    Assessment,
    AssessmentScore,
    BudgetReview,
    FunctionItem,
    FunctionPointReview,
    PanelSignature,
)
from jixiao.appraisals.selectors import PASSING
from jixiao.appraisals.services import ReviewAmounts, balanced
from jixiao.core import scoping
from jixiao.core.bulk import CHUNK, audit_rows, insert, insert_audit
from jixiao.core.errors import DomainError
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap
from jixiao.orgs.rules_config import resolve_all
from jixiao.projects.models import Project
from jixiao.projects.services import Refusal, UpsertRefused
from jixiao.rules import function_points as fp
from jixiao.rules.config import grade_for


@dataclass(frozen=True)
class ScoreRow:
    dimension: str  # the dimension's key
    item: str
    score: Decimal


@dataclass(frozen=True)
class AssessmentRow:
    project: Project
    assessor_kind: str
    assessor_org: Organization
    scores: Sequence[ScoreRow]
    opinion: str = ""


@dataclass(frozen=True)
class FunctionList:
    items: Sequence[fp.FunctionItem]
    options: dict[str, Any]


@dataclass(frozen=True)
class ReviewRow:
    project: Project
    amounts: ReviewAmounts
    signers: dict[str, Any]  # panel role → the user who signed for it
    opinion: str = ""
    function_list: FunctionList | None = None


@dataclass
class BulkResult:
    created: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)


def _reaches(actor: Any, cap: str, p: Project, role: str | None = None) -> bool:
    if role is None:
        return scoping.reaches(actor, cap, owner_path=p.owner.path, owner_id=p.owner_id, region_path=p.region.path)
    return scoping.reaches_as(actor, cap, role, owner_path=p.owner.path, owner_id=p.owner_id, region_path=p.region.path)


class _Rules:
    """The rules in force per region and year, resolved once each."""

    def __init__(self) -> None:
        self.found: dict[tuple[int, int], dict[str, Any]] = {}

    def __call__(self, p: Project) -> dict[str, Any]:
        key = (p.region_id, p.fiscal_year)
        if key not in self.found:
            self.found[key] = {k: r.value for k, r in resolve_all(p.region, p.fiscal_year).items()}
        return self.found[key]


def _existing(model: type[Assessment] | type[BudgetReview], ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            model.objects.filter(project_id__in=ids[start : start + CHUNK]).values_list("project_id", flat=True)
        )
    return found


# --- assessments ---------------------------------------------------------------------------------------


def record_assessments(*, actor: Any, rows: list[AssessmentRow], action: str) -> BulkResult:
    """Concluded assessments (first submissions) of projects that have none yet."""
    result = BulkResult()
    rules = _Rules()
    done = _existing(Assessment, [r.project.pk for r in rows])
    todo: list[tuple[AssessmentRow, dict[str, Any], Decimal, str]] = []
    seen: set[int] = set()
    for index, row in enumerate(rows):
        p = row.project
        if p.pk in done:
            result.unchanged += 1
            continue
        where = f"项目“{p.code}”"
        if not _reaches(actor, Cap.APPRAISAL_CONCLUDE, p):
            result.refused.append(Refusal(index, "project", f"您无权为{where}出具事前评估结论"))
            continue
        if p.pk in seen:
            result.refused.append(Refusal(index, "project", f"{where}重复"))
            continue
        seen.add(p.pk)
        settings = rules(p)
        points = {
            (d["key"], i["name"]): Decimal(str(i["points"]))
            for d in settings["appraisal.dimensions"]
            for i in d["items"]
        }
        given = {(s.dimension, s.item): s.score for s in row.scores}
        if given.keys() != points.keys():
            result.refused.append(Refusal(index, "scores", f"{where}的评分要点与本地评估维度不一致"))
            continue
        if any(not 0 <= given[k] <= points[k] for k in points):
            result.refused.append(Refusal(index, "scores", f"{where}有得分超出分值"))
            continue
        total = sum(given.values(), Decimal(0))
        todo.append((row, settings, total, grade_for(total, settings["appraisal.conclusion_bands"])))
    if result.refused:
        raise UpsertRefused(result.refused)
    with transaction.atomic():
        _write_assessments(actor, action, todo)
    result.created = len(todo)
    return result


def _write_assessments(actor: Any, action: str, todo: list[tuple[AssessmentRow, dict[str, Any], Decimal, str]]) -> None:
    now = timezone.now()
    user = actor.pk if getattr(actor, "is_authenticated", False) else None
    for start in range(0, len(todo), CHUNK):
        part = todo[start : start + CHUNK]
        insert(
            Assessment,
            ["project", "submission", "assessor_kind", "assessor_org", "status", "dimensions", "bands"]
            + ["materials_required", "materials_provided", "total", "band_conclusion", "override_conclusion"]
            + ["override_reason", "conclusion", "opinion", "submitted_at", "concluded_at", "concluded_by"]
            + ["is_generated", "created_by", "created_at", "updated_at"],
            [
                (row.project.pk, 1, row.assessor_kind, row.assessor_org.pk, Assessment.Status.CONCLUDED)
                + (_dimensions(row.project, s["appraisal.dimensions"]), s["appraisal.conclusion_bands"])
                + (s["appraisal.materials"], s["appraisal.materials"], total, grade, "", "", grade, row.opinion)
                + (now, now, user, True, user, now, now)
                for row, s, total, grade in part
            ],
        )
        ids = dict(
            Assessment.objects.filter(project_id__in=[r.project.pk for r, *_ in part]).values_list("project_id", "pk")
        )
        labels = {(r.project.pk, d["key"]): d["label"] for r, s, *_ in part for d in s["appraisal.dimensions"]}
        insert(
            AssessmentScore,
            ["assessment", "dimension", "dimension_label", "item", "position", "points", "score", "comment"],
            [
                (
                    ids[row.project.pk],
                    sc.dimension,
                    labels[(row.project.pk, sc.dimension)],
                    sc.item,
                    n,
                    pts,
                    sc.score,
                    "",
                )
                for row, s, *_ in part
                for n, (sc, pts) in enumerate(_with_points(row, s), start=1)
            ],
        )
        events = [
            (
                str(ids[row.project.pk]),
                f"{row.project.name}事前绩效评估",
                row.project.region.path,
                None,
                {"status": "concluded", "assessor_kind": row.assessor_kind, "total": str(total), "conclusion": grade},
            )
            for row, _, total, grade in part
        ]
        insert_audit(
            audit_rows(actor=actor, action=action, now=now, object_type=Assessment._meta.label_lower, events=events)
        )


def _dimensions(p: Project, dimensions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """As `services.dimensions_for` copies them: a policy under the policy labels."""
    policy = p.kind == Project.Kind.POLICY
    return [
        {"key": d["key"], "label": d["policy_label"] if policy else d["label"], "items": d["items"]} for d in dimensions
    ]


def _with_points(row: AssessmentRow, settings: dict[str, Any]) -> list[tuple[ScoreRow, Decimal]]:
    points = {
        (d["key"], i["name"]): Decimal(str(i["points"])) for d in settings["appraisal.dimensions"] for i in d["items"]
    }
    return [(s, points[(s.dimension, s.item)]) for s in row.scores]


# --- budget reviews --------------------------------------------------------------------------------------


def record_reviews(*, actor: Any, rows: list[ReviewRow], action: str) -> BulkResult:
    """Final budget reviews (signed by every role of the panel in force), with their function-point
    reviews, of projects that have no budget review yet."""
    result = BulkResult()
    rules = _Rules()
    done = _existing(BudgetReview, [r.project.pk for r in rows])
    todo: list[tuple[ReviewRow, tuple[Decimal, Decimal, Decimal], list[str], Any]] = []
    seen: set[int] = set()
    for index, row in enumerate(rows):
        p = row.project
        if p.pk in done:
            result.unchanged += 1
            continue
        where = f"项目“{p.code}”"
        if not _reaches(actor, Cap.BUDGET_REVIEW, p):
            result.refused.append(Refusal(index, "project", f"您无权记录{where}的预算评审"))
            continue
        if p.pk in seen:
            result.refused.append(Refusal(index, "project", f"{where}重复"))
            continue
        seen.add(p.pk)
        try:
            amounts = balanced(row.amounts, where)
        except DomainError as exc:
            result.refused.append(Refusal(index, exc.field, exc.message))
            continue
        panel = list(rules(p)["appraisal.review_panel"])
        unsigned = [
            role
            for role in panel
            if role not in row.signers or not _reaches(row.signers[role], Cap.PANEL_SIGN, p, role)
        ]
        if unsigned:
            result.refused.append(
                Refusal(index, "signers", f"{where}的联评联审小组缺少有权签署的成员：{'、'.join(unsigned)}")
            )
            continue
        estimate = None
        if row.function_list is not None:
            try:
                options = fp_glue.clean_options(row.function_list.options)
                estimate = (options, fp.estimate(row.function_list.items, fp_glue.engine_options(options, amounts[0])))
            except (fp.FPError, fp_glue.OptionsError) as exc:
                result.refused.append(Refusal(index, "function_list", f"{where}：{exc.message}"))
                continue
        todo.append((row, amounts, panel, estimate))
    if result.refused:
        raise UpsertRefused(result.refused)
    with transaction.atomic():
        _write_reviews(actor, action, todo)
    result.created = len(todo)
    return result


def _write_reviews(
    actor: Any, action: str, todo: list[tuple[ReviewRow, tuple[Decimal, Decimal, Decimal], list[str], Any]]
) -> None:
    now = timezone.now()
    user = actor.pk if getattr(actor, "is_authenticated", False) else None
    for start in range(0, len(todo), CHUNK):
        part = todo[start : start + CHUNK]
        passing = _passing([row.project.pk for row, *_ in part])
        insert(
            BudgetReview,
            ["project", "assessment", "submitted_yuan", "approved_yuan", "reduced_yuan", "status", "panel_roles"]
            + ["reviewer", "opinion", "finalised_at", "is_generated", "created_at", "updated_at"],
            [
                (row.project.pk, passing.get(row.project.pk), *amounts, BudgetReview.Status.FINAL, panel)
                + (user, row.opinion, now, True, now, now)
                for row, amounts, panel, _ in part
            ],
        )
        ids = dict(
            BudgetReview.objects.filter(project_id__in=[r.project.pk for r, *_ in part]).values_list("project_id", "pk")
        )
        insert(
            PanelSignature,
            ["review", "role", "member", "opinion", "signed_at"],
            [
                (ids[row.project.pk], role, row.signers[role].pk, "同意。", now)
                for row, _, panel, _ in part
                for role in panel
            ],
        )
        events = [
            (
                str(ids[row.project.pk]),
                f"{row.project.name}预算评审",
                row.project.region.path,
                None,
                {"submitted_yuan": str(a[0]), "approved_yuan": str(a[1]), "reduced_yuan": str(a[2]), "status": "final"}
                | {"signed": panel},
            )
            for row, a, panel, _ in part
        ]
        insert_audit(
            audit_rows(actor=actor, action=action, now=now, object_type=BudgetReview._meta.label_lower, events=events)
        )
        _write_fp(
            actor, action, now, [(row, ids[row.project.pk], amounts, est) for row, amounts, _, est in part if est]
        )


def _passing(ids: list[int]) -> dict[int, int]:
    """Project id → its passing assessment (the one the services link a review to)."""
    return dict(
        Assessment.objects.filter(PASSING, project_id__in=ids)
        .order_by("project_id", "submission")
        .values_list("project_id", "pk")
    )


def _write_fp(actor: Any, action: str, now: Any, part: list[tuple[ReviewRow, int, tuple[Decimal, ...], Any]]) -> None:
    if not part:
        return
    user = actor.pk if getattr(actor, "is_authenticated", False) else None
    rows = []
    for row, review_id, amounts, (options, result) in part:
        assert result.review is not None
        rows.append(
            (row.project.pk, review_id, result.benchmark.id, options, amounts[0], fp.as_dict(result), result.size)
            + (result.cost, result.review.approved, result.review.reduction, now, user, now, now)
        )
    insert(
        FunctionPointReview,
        ["project", "budget_review", "benchmark", "options", "requested_yuan", "result", "size", "estimate_yuan"]
        + ["proposed_approved_yuan", "proposed_reduced_yuan", "computed_at", "created_by", "created_at", "updated_at"],
        rows,
    )
    ids = dict(
        FunctionPointReview.objects.filter(project_id__in=[r.project.pk for r, *_ in part]).values_list(
            "project_id", "pk"
        )
    )
    names = ["review", "position", "path", "name", "type", "method", "det", "ret", "ftr", "reuse", "change"]
    items = []
    for row, *_ in part:
        assert row.function_list is not None
        for position, item in enumerate(row.function_list.items, start=1):
            r = fp_glue.item_row(item, position)
            items.append((ids[row.project.pk], *(getattr(r, n) for n in names[1:])))
    insert(FunctionItem, names, items)
    events = [
        (str(ids[row.project.pk]), f"{row.project.name}功能点评审", row.project.region.path, None,
         {"benchmark": result.benchmark.id, "size": str(result.size), "estimate_yuan": str(result.cost),
          "items": len(row.function_list.items) if row.function_list else 0})
        for row, _, _, (_, result) in part
    ]  # fmt: skip
    insert_audit(
        audit_rows(
            actor=actor, action=action, now=now, object_type=FunctionPointReview._meta.label_lower, events=events
        )
    )
