"""Writers for 事前绩效评估, 预算评审 and 功能点评审. Pages, the API, imports and the CLI all come through here.

Who may do what (see docs/permissions.md and docs/appraisals.md):

- an assessment is opened by the project's side (预算单位/主管部门, `appraisal.assess` over the project) for
  itself or for a third-party agency it names, or by the finance bureau for itself or for an agency;
- it is scored and submitted by its assessor only: the unit side for a unit assessment, the finance
  bureau for its own, and for an agency's, the users of that agency (the assignment, checked explicitly:
  `appraisal.assess` held in the agency role over `assessor_org`);
- the finance bureau (`appraisal.conclude`) concludes it by the bands and records the panel's override;
- the 评审中心 or 预算科 (`budget_review.change`) records the budget review and the function-point review;
- each role of the 联评联审 panel signs, by a user holding that role over the project (`budget_review.sign`).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from jixiao.appraisals import function_points as fp_glue
from jixiao.appraisals import selectors
from jixiao.appraisals.models import (
    Assessment,
    AssessmentAttachment,
    AssessmentScore,
    AssessorKind,
    BudgetReview,
    Conclusion,
    FunctionItem,
    FunctionPointReview,
    PanelSignature,
)
from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap, Role
from jixiao.orgs.rules_config import resolve_all
from jixiao.projects.models import Project
from jixiao.rules import function_points as fp
from jixiao.rules.config import grade_for
from jixiao.rules.money import format_yuan

ASSESSMENT_FIELDS = [
    "status",
    "assessor_kind",
    "assessor_org",
    "total",
    "band_conclusion",
    "override_conclusion",
    "override_reason",
    "conclusion",
    "opinion",
]
REVIEW_FIELDS = ["submitted_yuan", "approved_yuan", "reduced_yuan", "status", "reviewer", "opinion"]
FP_FIELDS = ["benchmark", "options", "requested_yuan", "estimate_yuan", "proposed_approved_yuan", "size"]

# Which roles act for each kind of assessor, and over what: the project (unit, bureau) or the agency.
ASSESSOR_ROLES = {
    AssessorKind.UNIT: (Role.UNIT, Role.DEPARTMENT),
    AssessorKind.BUREAU: (Role.PERFORMANCE, Role.BUDGET),
    AssessorKind.AGENCY: (Role.AGENCY,),
}
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


def _snapshot(obj: Any, fields: list[str], lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """`audit.snapshot`, plus JSON list fields (which it would read as many-to-many relations)."""
    return {**audit.snapshot(obj, fields), **{f: list(getattr(obj, f)) for f in lists}}


def _assessment_snapshot(assessment: Assessment) -> dict[str, Any]:
    return _snapshot(assessment, ASSESSMENT_FIELDS, ("materials_provided",))


def _place(org: Organization) -> dict[str, Any]:
    return {"owner_path": org.path, "owner_id": org.pk, "region_path": org.region.path}


def _project_place(project: Project) -> dict[str, Any]:
    return {"owner_path": project.owner.path, "owner_id": project.owner_id, "region_path": project.region.path}


def _reaches_as_any(actor: Any, cap: str, roles: tuple[str, ...], where: dict[str, Any]) -> bool:
    return any(scoping.reaches_as(actor, cap, role, **where) for role in roles)


def _refuse(actor: Any, assessment: Assessment) -> None:
    """PermissionDenied if the actor may see the assessment, NotFound otherwise (no leak of existence)."""
    if selectors.assessments_for(user=actor).filter(pk=assessment.pk).exists():
        raise PermissionDenied("您没有执行此操作的权限。")
    raise NotFound("事前评估不存在或不在您的权限范围内。")


def may_assess(actor: Any, assessment: Assessment) -> bool:
    """Whether the actor is the assessment's assessor (for an agency: a user of the assigned agency)."""
    if assessment.assessor_kind == AssessorKind.AGENCY:
        return scoping.reaches_as(actor, Cap.APPRAISAL_ASSESS, Role.AGENCY, **_place(assessment.assessor_org))
    roles = ASSESSOR_ROLES[AssessorKind(assessment.assessor_kind)]
    return _reaches_as_any(actor, Cap.APPRAISAL_ASSESS, roles, _project_place(assessment.project))


def may_conclude(actor: Any, assessment: Assessment) -> bool:
    return scoping.reaches(actor, Cap.APPRAISAL_CONCLUDE, **_project_place(assessment.project))


def _locked(pk: int) -> Assessment:
    return Assessment.objects.select_for_update().select_related("project__owner", "project__region").get(pk=pk)


def _record(actor: Any, action: str, assessment: Assessment, before: dict[str, Any] | None, message: str = "") -> None:
    after = _assessment_snapshot(assessment)
    old, new = audit.diff(before, after)
    audit.record(
        actor=actor,
        action=action,
        obj=assessment,
        before=old or None,
        after=new,
        region_path=assessment.project.region.path,
        message=message,
    )


# --- Assessments ---


def dimensions_for(project: Project, dimensions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The dimensions with the label that fits the project: a policy is assessed under the policy labels."""
    use_policy = project.kind == Project.Kind.POLICY
    return [
        {"key": d["key"], "label": d["policy_label"] if use_policy else d["label"], "items": d["items"]}
        for d in dimensions
    ]


@transaction.atomic
def create_assessment(
    *,
    actor: Any,
    project: Project,
    assessor_kind: str,
    agency: Organization | None = None,
    is_generated: bool = False,
) -> Assessment:
    """Open the first (or, after 不予支持, a new) assessment of a project. A unit or department opens one
    for itself, the finance bureau for itself; either may name a third-party agency instead, which
    then alone scores it. After 调整完善后予以支持 use `resubmit_assessment`."""
    project = Project.objects.select_for_update().select_related("owner", "region").get(pk=project.pk)
    where = _project_place(project)
    if assessor_kind not in AssessorKind.values:
        raise DomainError(
            f"评估主体“{assessor_kind}”无效，可选：{'、'.join(AssessorKind.labels)}", field="assessor_kind"
        )
    unit_side = _reaches_as_any(actor, Cap.APPRAISAL_ASSESS, ASSESSOR_ROLES[AssessorKind.UNIT], where)
    bureau_side = _reaches_as_any(actor, Cap.APPRAISAL_ASSESS, ASSESSOR_ROLES[AssessorKind.BUREAU], where)
    allowed = {AssessorKind.UNIT: unit_side, AssessorKind.BUREAU: bureau_side}.get(
        AssessorKind(assessor_kind), unit_side or bureau_side
    )
    if not allowed:
        if scoping.reaches(actor, Cap.PROJECT_VIEW, **where):
            raise PermissionDenied("您没有为该项目开展此类评估的权限。")
        raise NotFound("项目不存在或不在您的权限范围内。")
    if assessor_kind == AssessorKind.AGENCY:
        if agency is None or agency.kind != Organization.Kind.AGENCY:
            raise DomainError("第三方机构评估须指定一家第三方机构", field="agency")
        assessor_org = agency
    elif assessor_kind == AssessorKind.BUREAU:
        grant = next(
            g
            for g in scoping.grants(actor, Cap.APPRAISAL_ASSESS)
            if g.role in ASSESSOR_ROLES[AssessorKind.BUREAU] and project.region.path.startswith(g.region_path)
        )
        assessor_org = Organization.objects.get(pk=grant.org_id)
    else:
        assessor_org = project.owner
    if project.status not in selectors.OPEN_STATUSES:
        raise DomainError(f"项目当前为“{project.get_status_display()}”，不能开展事前绩效评估", field="project")
    latest = selectors.latest_assessment(project)
    if latest is not None and latest.status != Assessment.Status.CONCLUDED:
        raise DomainError(f"项目“{project.name}”已有一份{latest.get_status_display()}的事前评估", field="project")
    if latest is not None and latest.conclusion == Conclusion.ADJUST:
        raise DomainError("评估结论为“调整完善后予以支持”：请调整完善后重新报送", field="project")
    if latest is not None and latest.is_passing:
        raise DomainError(f"项目“{project.name}”已通过事前绩效评估（{latest.conclusion}）", field="project")
    rules = resolve_all(project.region, project.fiscal_year)
    assessment = Assessment.objects.create(
        project=project,
        submission=(latest.submission + 1) if latest else 1,
        assessor_kind=assessor_kind,
        assessor_org=assessor_org,
        dimensions=dimensions_for(project, rules["appraisal.dimensions"].value),
        bands=rules["appraisal.conclusion_bands"].value,
        materials_required=rules["appraisal.materials"].value,
        is_generated=is_generated,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _record(actor, "appraisal.create", assessment, None)
    return assessment


@dataclass(frozen=True)
class ScoreInput:
    """The score of one sub-item: `dimension` is the dimension's key (or its label), `item` the sub-item."""

    dimension: str
    item: str
    score: Decimal
    comment: str = ""


def _check_editable(actor: Any, assessment: Assessment) -> None:
    if not may_assess(actor, assessment):
        _refuse(actor, assessment)
    if assessment.status != Assessment.Status.DRAFT:
        raise DomainError(f"事前评估{assessment.get_status_display()}，不能再修改", field="status")


def _sheet(assessment: Assessment) -> dict[tuple[str, str], tuple[int, str, str, Decimal]]:
    """(dimension key, item) → (position, dimension key, dimension label, points), from the snapshot."""
    sheet = {}
    position = 0
    for dim in assessment.dimensions:
        for item in dim["items"]:
            position += 1
            entry = (position, dim["key"], dim["label"], Decimal(item["points"]))
            sheet[(dim["key"], item["name"])] = entry
            sheet[(dim["label"], item["name"])] = entry
    return sheet


@transaction.atomic
def score_assessment(
    *,
    actor: Any,
    assessment: Assessment,
    scores: list[ScoreInput],
    materials_provided: list[str] | None = None,
    opinion: str | None = None,
) -> Assessment:
    """Record scores of sub-items (others keep theirs), the materials provided and the opinion."""
    assessment = _locked(assessment.pk)
    _check_editable(actor, assessment)
    before = _assessment_snapshot(assessment)
    sheet = _sheet(assessment)
    for s in scores:
        entry = sheet.get((s.dimension, s.item))
        if entry is None:
            raise DomainError(f"评估维度“{s.dimension}”下没有评分要点“{s.item}”", field="scores")
        position, key, label, points = entry
        score = Decimal(str(s.score))
        if not score.is_finite() or score < 0 or score > points:
            raise DomainError(f"“{label}/{s.item}”的得分{s.score}须在0到{points}分之间", field="scores")
        if score != score.quantize(Decimal("0.01")):
            raise DomainError(f"“{label}/{s.item}”的得分{s.score}最多两位小数", field="scores")
        AssessmentScore.objects.update_or_create(
            assessment=assessment,
            dimension=key,
            item=s.item,
            defaults={
                "dimension_label": label,
                "position": position,
                "points": points,
                "score": score,
                "comment": s.comment,
            },
        )
    if materials_provided is not None:
        unknown = [m for m in materials_provided if m not in assessment.materials_required]
        if unknown:
            raise DomainError(f"材料“{'、'.join(unknown)}”不在应提供材料清单中", field="materials_provided")
        assessment.materials_provided = [m for m in assessment.materials_required if m in materials_provided]
    if opinion is not None:
        assessment.opinion = opinion
    assessment.total = sum((s.score for s in assessment.scores.all()), Decimal(0))
    assessment.save()
    _record(actor, "appraisal.score", assessment, before)
    return assessment


@transaction.atomic
def submit_assessment(*, actor: Any, assessment: Assessment) -> Assessment:
    """Hand in a scored assessment: every sub-item scored and every required material provided. The
    bands give the conclusion the finance bureau will confirm or the panel override."""
    assessment = _locked(assessment.pk)
    _check_editable(actor, assessment)
    before = _assessment_snapshot(assessment)
    scored = {(s.dimension, s.item) for s in assessment.scores.all()}
    missing = [
        f"{d['label']}/{i['name']}"
        for d in assessment.dimensions
        for i in d["items"]
        if (d["key"], i["name"]) not in scored
    ]
    if missing:
        raise DomainError(f"尚有{len(missing)}个评分要点未评分：{'、'.join(missing)}", field="scores")
    if assessment.materials_missing:
        raise DomainError(f"尚缺应提供材料：{'、'.join(assessment.materials_missing)}", field="materials_provided")
    assessment.total = sum((s.score for s in assessment.scores.all()), Decimal(0))
    assessment.band_conclusion = grade_for(assessment.total, assessment.bands)
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.save()
    _record(actor, "appraisal.submit", assessment, before)
    return assessment


def _check_override(override: str, reason: str, band: str) -> None:
    if override and override not in Conclusion.values:
        raise DomainError(f"结论“{override}”无效，可选：{'、'.join(Conclusion.values)}", field="override_conclusion")
    if override and override != band and not reason.strip():
        raise DomainError(f"专家组将结论由“{band}”改为“{override}”，须写明理由", field="override_reason")


@transaction.atomic
def conclude_assessment(*, actor: Any, assessment: Assessment, override: str = "", reason: str = "") -> Assessment:
    """The finance bureau's conclusion: the bands' (`band_conclusion`), or the expert panel's `override`
    with its recorded reason."""
    assessment = _locked(assessment.pk)
    if not may_conclude(actor, assessment):
        _refuse(actor, assessment)
    if assessment.status != Assessment.Status.SUBMITTED:
        raise DomainError(f"事前评估{assessment.get_status_display()}，不能出具结论", field="status")
    _check_override(override, reason, assessment.band_conclusion)
    before = _assessment_snapshot(assessment)
    if override and override != assessment.band_conclusion:
        assessment.override_conclusion, assessment.override_reason = override, reason.strip()
    assessment.conclusion = assessment.override_conclusion or assessment.band_conclusion
    assessment.status = Assessment.Status.CONCLUDED
    assessment.concluded_at = timezone.now()
    assessment.concluded_by = actor if getattr(actor, "is_authenticated", False) else None
    assessment.save()
    _record(actor, "appraisal.conclude", assessment, before, message=assessment.override_reason)
    return assessment


@transaction.atomic
def override_conclusion(*, actor: Any, assessment: Assessment, conclusion: str, reason: str) -> Assessment:
    """The expert panel changes a conclusion already given, with a reason (refused once resubmitted)."""
    assessment = _locked(assessment.pk)
    if not may_conclude(actor, assessment):
        _refuse(actor, assessment)
    if assessment.status != Assessment.Status.CONCLUDED:
        raise DomainError("事前评估尚未出具结论，请在出具结论时改变结论", field="status")
    if Assessment.objects.filter(previous=assessment).exists():
        raise DomainError("已重新报送的评估不能再改变结论", field="status")
    if not reason.strip():
        raise DomainError(
            f"专家组将结论由“{assessment.conclusion}”改为“{conclusion}”，须写明理由", field="override_reason"
        )
    _check_override(conclusion, reason, assessment.band_conclusion)
    before = _assessment_snapshot(assessment)
    assessment.override_conclusion, assessment.override_reason = conclusion, reason.strip()
    assessment.conclusion = conclusion
    assessment.save()
    _record(actor, "appraisal.override", assessment, before, message=reason.strip())
    return assessment


@transaction.atomic
def resubmit_assessment(*, actor: Any, assessment: Assessment) -> Assessment:
    """After 调整完善后予以支持: the reworked project is assessed again as the next submission, by the same
    assessor, starting from the previous scores and materials."""
    assessment = _locked(assessment.pk)
    where = _project_place(assessment.project)
    if not (may_assess(actor, assessment) or scoping.reaches(actor, Cap.PROJECT_CHANGE, **where)):
        _refuse(actor, assessment)
    if assessment.status != Assessment.Status.CONCLUDED or assessment.conclusion != Conclusion.ADJUST:
        raise DomainError("只有结论为“调整完善后予以支持”的评估需要重新报送", field="status")
    if Assessment.objects.filter(previous=assessment).exists():
        raise DomainError("该评估已重新报送", field="status")
    new = Assessment.objects.create(
        project=assessment.project,
        submission=assessment.submission + 1,
        previous=assessment,
        assessor_kind=assessment.assessor_kind,
        assessor_org=assessment.assessor_org,
        dimensions=assessment.dimensions,
        bands=assessment.bands,
        materials_required=assessment.materials_required,
        materials_provided=assessment.materials_provided,
        opinion=assessment.opinion,
        total=assessment.total,
        is_generated=assessment.is_generated,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    AssessmentScore.objects.bulk_create(
        AssessmentScore(
            assessment=new,
            dimension=s.dimension,
            dimension_label=s.dimension_label,
            item=s.item,
            position=s.position,
            points=s.points,
            score=s.score,
            comment=s.comment,
        )
        for s in assessment.scores.all()
    )
    _record(actor, "appraisal.resubmit", new, None, message=f"第{assessment.submission}次报送结论为调整完善后予以支持")
    return new


@transaction.atomic
def attach_file(*, actor: Any, assessment: Assessment, upload: File[Any], material: str = "") -> AssessmentAttachment:
    """Store a document with the assessment (under MEDIA_ROOT/appraisals/); naming a material of the
    checklist marks it as provided."""
    assessment = _locked(assessment.pk)
    _check_editable(actor, assessment)
    if material and material not in assessment.materials_required:
        raise DomainError(f"材料“{material}”不在应提供材料清单中", field="material")
    if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
        raise DomainError(f"附件不能超过{MAX_ATTACHMENT_BYTES // 1024 // 1024}MB", field="file")
    name = (upload.name or "附件").rsplit("/", 1)[-1][:200]
    attachment = AssessmentAttachment(
        assessment=assessment,
        material=material,
        name=name,
        size=upload.size,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    before = _assessment_snapshot(assessment)
    if material and material not in assessment.materials_provided:
        assessment.materials_provided = [
            m for m in assessment.materials_required if m in {*assessment.materials_provided, material}
        ]
        assessment.save(update_fields=["materials_provided", "updated_at"])
    _record(actor, "appraisal.attach", assessment, before, message=name)
    return attachment


# --- Budget reviews: 送审 = 审定 + 审减 ---


@dataclass(frozen=True)
class ReviewAmounts:
    """送审, 审定 and 审减 in 元. All three must be given and agree, unless `derive` is set: then exactly
    one may be left out (None) and is worked out from the other two."""

    submitted_yuan: Decimal | None
    approved_yuan: Decimal | None
    reduced_yuan: Decimal | None
    derive: bool = False


LABELS = {"submitted_yuan": "送审金额", "approved_yuan": "审定金额", "reduced_yuan": "审减金额"}


def balanced(amounts: ReviewAmounts, where: str = "") -> tuple[Decimal, Decimal, Decimal]:
    """(送审, 审定, 审减) with 送审 = 审定 + 审减, or DomainError naming the figures and the difference.
    `where` (a row of an import, a project) starts the message."""
    prefix = f"{where}：" if where else ""
    values = {k: getattr(amounts, k) for k in LABELS}
    missing = [k for k, v in values.items() if v is None]
    if missing and not amounts.derive:
        raise DomainError(f"{prefix}须填写{'、'.join(LABELS[k] for k in missing)}", field=missing[0])
    if len(missing) > 1:
        raise DomainError(f"{prefix}送审、审定、审减三项金额至少填写两项", field=missing[0])
    for key, value in values.items():
        if value is not None and (not Decimal(value).is_finite() or value < 0):
            raise DomainError(f"{prefix}{LABELS[key]}不能为负数", field=key)
        if value is not None and value != Decimal(value).quantize(Decimal("0.01")):
            raise DomainError(f"{prefix}{LABELS[key]}最多两位小数（元）", field=key)
    submitted, approved, reduced = values["submitted_yuan"], values["approved_yuan"], values["reduced_yuan"]
    if submitted is None:
        submitted = approved + reduced  # type: ignore[operator]
    elif approved is None:
        approved = submitted - reduced  # type: ignore[operator]
    elif reduced is None:
        reduced = submitted - approved
    assert submitted is not None and approved is not None and reduced is not None
    if approved < 0 or reduced < 0:
        raise DomainError(
            f"{prefix}审定金额{format_yuan(approved)}元与审减金额{format_yuan(reduced)}元不能为负数"
            f"（送审金额{format_yuan(submitted)}元）",
            field="approved_yuan" if approved < 0 else "reduced_yuan",
        )
    if submitted != approved + reduced:
        raise DomainError(
            f"{prefix}送审金额{format_yuan(submitted)}元 ≠ 审定金额{format_yuan(approved)}元 + 审减金额"
            f"{format_yuan(reduced)}元（审定 + 审减 = {format_yuan(approved + reduced)}元，相差"
            f"{format_yuan(submitted - approved - reduced)}元）：须满足 送审 = 审定 + 审减",
            field="submitted_yuan",
        )
    return Decimal(submitted), Decimal(approved), Decimal(reduced)


def _check_review_change(actor: Any, project: Project) -> None:
    scoping.require(actor, Cap.BUDGET_REVIEW, view_cap=Cap.PROJECT_VIEW, **_project_place(project))


@transaction.atomic
def save_budget_review(
    *,
    actor: Any,
    project: Project,
    amounts: ReviewAmounts,
    opinion: str = "",
    review: BudgetReview | None = None,
    is_generated: bool = False,
) -> BudgetReview:
    """Record (or, while it is being reviewed, correct) the budget review of a project."""
    project = Project.objects.select_related("owner", "region").get(pk=project.pk)
    _check_review_change(actor, project)
    submitted, approved, reduced = balanced(amounts, f"项目“{project.code} {project.name}”")
    if review is None:
        review = BudgetReview(project=project, is_generated=is_generated)
        before = None
    else:
        review = BudgetReview.objects.select_for_update().get(pk=review.pk)
        if review.project_id != project.pk:
            raise DomainError("预算评审不属于该项目", field="project")
        if review.status != BudgetReview.Status.DRAFT:
            raise DomainError(f"预算评审{review.get_status_display()}，不能再修改", field="status")
        before = audit.snapshot(review, REVIEW_FIELDS)
    review.submitted_yuan, review.approved_yuan, review.reduced_yuan = submitted, approved, reduced
    review.opinion = opinion
    review.reviewer = actor if getattr(actor, "is_authenticated", False) else None
    review.assessment = selectors.passing_assessment(project)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:  # the database's own check of the same invariant
        raise DomainError("送审金额须等于审定金额与审减金额之和，且均不能为负数", field="submitted_yuan") from exc
    old, new = audit.diff(before, audit.snapshot(review, REVIEW_FIELDS))
    audit.record(
        actor=actor,
        action="budget_review.save",
        obj=review,
        before=old or None,
        after=new,
        region_path=project.region.path,
    )
    return review


@transaction.atomic
def submit_budget_review(*, actor: Any, review: BudgetReview) -> BudgetReview:
    """Send the review to the 联评联审 panel in force (appraisal.review_panel) for signatures."""
    review = (
        BudgetReview.objects.select_for_update().select_related("project__owner", "project__region").get(pk=review.pk)
    )
    project = review.project
    _check_review_change(actor, project)
    if review.status != BudgetReview.Status.DRAFT:
        raise DomainError(f"预算评审{review.get_status_display()}，不能再提交会签", field="status")
    before = _snapshot(review, REVIEW_FIELDS, ("panel_roles",))
    review.panel_roles = resolve_all(project.region, project.fiscal_year)["appraisal.review_panel"].value
    review.status = BudgetReview.Status.SIGNING
    review.save()
    old, new = audit.diff(before, _snapshot(review, REVIEW_FIELDS, ("panel_roles",)))
    audit.record(
        actor=actor, action="budget_review.submit", obj=review, before=old, after=new, region_path=project.region.path
    )
    return review


def signable_roles(actor: Any, review: BudgetReview) -> list[str]:
    """The panel roles the actor holds over the project and that have not signed yet."""
    if review.status != BudgetReview.Status.SIGNING:
        return []
    where = _project_place(review.project)
    return [r for r in review.missing_roles if scoping.reaches_as(actor, Cap.PANEL_SIGN, r, **where)]


@transaction.atomic
def sign_review(*, actor: Any, review: BudgetReview, role: str, opinion: str = "") -> PanelSignature:
    """Sign for one role of the panel; the review is final when every role has signed."""
    review = (
        BudgetReview.objects.select_for_update().select_related("project__owner", "project__region").get(pk=review.pk)
    )
    project = review.project
    where = _project_place(project)
    if not scoping.reaches_as(actor, Cap.PANEL_SIGN, role, **where):
        if scoping.reaches(actor, Cap.PROJECT_VIEW, **where):
            label = Role(role).label if role in Role.values else role
            raise PermissionDenied(f"您不以“{label}”角色管辖该项目，不能代表其签署")
        raise NotFound("预算评审不存在或不在您的权限范围内。")
    if review.status != BudgetReview.Status.SIGNING:
        raise DomainError(f"预算评审{review.get_status_display()}，不在会签阶段", field="status")
    if role not in review.panel_roles:
        raise DomainError(f"“{Role(role).label}”不是本次联评联审小组的成员", field="role")
    if review.signatures.filter(role=role).exists():
        raise DomainError(f"“{Role(role).label}”已签署", field="role")
    signature = PanelSignature.objects.create(review=review, role=role, member=actor, opinion=opinion)
    before = audit.snapshot(review, ["status"])
    if not review.missing_roles:
        review.status = BudgetReview.Status.FINAL
        review.finalised_at = timezone.now()
        review.save(update_fields=["status", "finalised_at", "updated_at"])
    audit.record(
        actor=actor,
        action="budget_review.sign",
        obj=review,
        before=before,
        after={"status": review.status, "role": role},
        region_path=project.region.path,
        message=opinion[:500],
    )
    return signature


# --- Function-point reviews ---


def _fp_error(exc: fp.FPError | fp_glue.OptionsError) -> DomainError:
    return DomainError(exc.message, field=exc.field or "items")


def _store_result(review: FunctionPointReview, result: fp.Estimate) -> None:
    review.result = fp.as_dict(result)
    review.size = result.size
    review.estimate_yuan = result.cost
    review.proposed_approved_yuan = result.review.approved if result.review else None
    review.proposed_reduced_yuan = result.review.reduction if result.review else None
    review.benchmark = result.benchmark.id
    review.computed_at = timezone.now()


@transaction.atomic
def save_fp_review(
    *,
    actor: Any,
    project: Project,
    items: list[fp.FunctionItem],
    options: dict[str, Any],
    requested_yuan: Decimal | None = None,
    review: FunctionPointReview | None = None,
    budget_review: BudgetReview | None = None,
) -> FunctionPointReview:
    """Store a function list with its options and compute it; nothing is stored if the engine refuses."""
    project = Project.objects.select_related("owner", "region").get(pk=project.pk)
    _check_review_change(actor, project)
    if budget_review is not None and budget_review.project_id != project.pk:
        raise DomainError("预算评审不属于该项目", field="budget_review")
    if requested_yuan is not None:
        # As stored (to the fen), so that computing again from the stored review gives the same trace.
        requested_yuan = Decimal(requested_yuan).quantize(Decimal("0.01"))
    try:
        stored = fp_glue.clean_options(options)
        rows = [fp_glue.item_row(item, position) for position, item in enumerate(items, start=1)]
        result = fp_glue.compute(rows, stored, requested_yuan)
    except (fp.FPError, fp_glue.OptionsError) as exc:
        raise _fp_error(exc) from exc
    if review is None:
        review = FunctionPointReview(
            project=project, created_by=actor if getattr(actor, "is_authenticated", False) else None
        )
        before = None
    else:
        review = FunctionPointReview.objects.select_for_update().get(pk=review.pk)
        if review.project_id != project.pk:
            raise DomainError("功能点评审不属于该项目", field="project")
        before = audit.snapshot(review, FP_FIELDS)
    review.options, review.requested_yuan, review.budget_review = stored, requested_yuan, budget_review
    _store_result(review, result)
    review.save()
    review.items.all().delete()
    for row in rows:
        row.review = review
    FunctionItem.objects.bulk_create(rows)
    old, new = audit.diff(before, audit.snapshot(review, FP_FIELDS))
    audit.record(
        actor=actor,
        action="fp_review.save",
        obj=review,
        before=old or None,
        after={**new, "items": len(rows)},
        region_path=project.region.path,
    )
    return review


@transaction.atomic
def compute_fp_review(*, actor: Any, review: FunctionPointReview) -> FunctionPointReview:
    """Compute the stored list again (after the benchmark data or the rules changed)."""
    review = (
        FunctionPointReview.objects.select_for_update()
        .select_related("project__owner", "project__region")
        .get(pk=review.pk)
    )
    _check_review_change(actor, review.project)
    try:
        result = fp_glue.compute(review.items.all(), review.options, review.requested_yuan)
    except (fp.FPError, fp_glue.OptionsError) as exc:
        raise _fp_error(exc) from exc
    before = audit.snapshot(review, FP_FIELDS)
    _store_result(review, result)
    review.save()
    old, new = audit.diff(before, audit.snapshot(review, FP_FIELDS))
    audit.record(
        actor=actor,
        action="fp_review.compute",
        obj=review,
        before=old,
        after=new,
        region_path=review.project.region.path,
    )
    return review
