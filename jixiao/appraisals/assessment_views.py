"""The pages of one 事前绩效评估: opening it (who assesses), the scoring sheet with its live total and
conclusion band, materials and attachments, the finance bureau's conclusion with the expert panel's
override, and the resubmission that 调整完善后予以支持 asks for."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.appraisals import selectors, services
from jixiao.appraisals.forms import AssessmentForm, AttachmentForm, ConcludeForm, StartForm
from jixiao.appraisals.models import Assessment, AssessorKind, Conclusion
from jixiao.appraisals.views import RulesCache, need_reason
from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import add_domain_error, domain_errors
from jixiao.goals.services import project_place
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap
from jixiao.projects import selectors as project_selectors
from jixiao.projects.models import Project


def assessor_kinds(user: Any, project: Project) -> list[str]:
    """The kinds of assessment the user may open for the project: for its own side, or an agency's."""
    where = project_place(project)
    kinds = [
        kind
        for kind in (AssessorKind.UNIT, AssessorKind.BUREAU)
        if any(scoping.reaches_as(user, Cap.APPRAISAL_ASSESS, r, **where) for r in services.ASSESSOR_ROLES[kind])
    ]
    return [*kinds, AssessorKind.AGENCY] if kinds else []


def agencies_for(project: Project) -> Any:
    """Third-party agencies of the project's region and the regions above it."""
    parts = project.region.path.rstrip("/").split("/")
    paths = ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
    return Organization.objects.filter(kind=Organization.Kind.AGENCY, region__path__in=paths).order_by("name")


@login_required
@domain_errors
def start(request: HttpRequest, project_pk: int) -> HttpResponse:
    """开始评估: choose who assesses (the unit, an agency it names, or the finance bureau)."""
    project = project_selectors.project_detail(user=request.user, pk=project_pk)
    kinds = assessor_kinds(request.user, project)
    if not kinds:
        raise PermissionDenied("您不能为该项目发起事前绩效评估。")
    latest = selectors.latest_assessment(project)
    if latest is not None and latest.status != Assessment.Status.CONCLUDED:
        return redirect("appraisals:detail", pk=latest.pk)
    form = StartForm(
        request.POST or None, kinds=kinds, agencies=agencies_for(project), initial={"assessor_kind": kinds[0]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.create_assessment(
                actor=request.user,
                project=project,
                assessor_kind=form.cleaned_data["assessor_kind"],
                agency=form.cleaned_data["agency"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, f"已发起“{project.name}”的事前绩效评估（{assessment.get_assessor_kind_display()}）"
            )
            return redirect("appraisals:detail", pk=assessment.pk)
    return render(
        request,
        "appraisals/start.html",
        {"project": project, "form": form, "latest": latest, "reason": _reason(project)},
    )


def _reason(project: Project) -> str:
    return need_reason(project, RulesCache().for_project(project)) if selectors.assessment_required(project) else ""


def _actions(user: Any, assessment: Assessment) -> dict[str, bool]:
    concluded = assessment.status == Assessment.Status.CONCLUDED
    resubmitted = hasattr(assessment, "resubmission")
    may_assess = services.may_assess(user, assessment)
    may_conclude = services.may_conclude(user, assessment)
    return {
        "score": may_assess and assessment.status == Assessment.Status.DRAFT,
        "conclude": may_conclude and assessment.status == Assessment.Status.SUBMITTED,
        "override": may_conclude and concluded and not resubmitted,
        "resubmit": concluded
        and assessment.conclusion == Conclusion.ADJUST
        and not resubmitted
        and (may_assess or scoping.reaches(user, Cap.PROJECT_CHANGE, **project_place(assessment.project))),
    }


def _bands(assessment: Assessment) -> list[dict[str, str]]:
    """The bands highest first, as app.js reads them to name the band of the live total."""
    return sorted(assessment.bands, key=lambda b: Decimal(str(b["min"])), reverse=True)


@login_required
@domain_errors
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessment: its scoring sheet (editable by its assessor while 评估中), materials, attachments,
    and the conclusion."""
    assessment = selectors.assessment_detail(user=request.user, pk=pk)
    actions = _actions(request.user, assessment)
    form = AssessmentForm(request.POST or None, assessment=assessment)
    if request.method == "POST":
        if not actions["score"]:
            # not the assessor (403), or no longer 评估中 (a message): the service says which
            try:
                services.score_assessment(actor=request.user, assessment=assessment, scores=[])
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("appraisals:detail", pk=pk)
        if form.is_valid():
            try:
                assessment = services.score_assessment(
                    actor=request.user,
                    assessment=assessment,
                    scores=form.scores(),
                    materials_provided=form.cleaned_data["materials_provided"],
                    opinion=form.cleaned_data["opinion"].strip(),
                )
                if request.POST.get("action") == "submit":
                    assessment = services.submit_assessment(actor=request.user, assessment=assessment)
                    messages.success(
                        request, f"已提交事前绩效评估：总分{assessment.total}分，按分档为“{assessment.band_conclusion}”"
                    )
                else:
                    messages.success(request, "已保存评分")
                return redirect("appraisals:detail", pk=pk)
            except DomainError as exc:
                add_domain_error(form, exc)
    history = list(
        selectors.assessments_for(user=request.user)
        .filter(project=assessment.project_id)
        .exclude(pk=assessment.pk)
        .order_by("-submission")
    )
    context = {
        "assessment": assessment,
        "project": assessment.project,
        "form": form,
        "actions": actions,
        "bands": _bands(assessment),
        "scores": list(assessment.scores.all()),
        "attachments": list(assessment.attachments.all()),
        "attach_form": AttachmentForm(assessment=assessment),
        "conclude_form": ConcludeForm(band=assessment.band_conclusion),
        "override_form": ConcludeForm(),
        "history": history,
    }
    return render(request, "appraisals/assessment.html", context)


def _post_action(request: HttpRequest, pk: int, act: Any) -> HttpResponse:
    """A button of the assessment page: a refusal is a message on the page, except 403/404."""
    assessment = selectors.assessment_detail(user=request.user, pk=pk)
    try:
        message, target = act(assessment)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("appraisals:detail", pk=pk)
    messages.success(request, message)
    return redirect("appraisals:detail", pk=target)


@login_required
@require_POST
@domain_errors
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    def act(assessment: Assessment) -> tuple[str, int]:
        form = AttachmentForm(request.POST, request.FILES, assessment=assessment)
        if not form.is_valid():
            raise DomainError("请选择要上传的文件", field="file")
        attachment = services.attach_file(
            actor=request.user,
            assessment=assessment,
            upload=form.cleaned_data["file"],
            material=form.cleaned_data["material"],
        )
        return f"已上传附件“{attachment.name}”", assessment.pk

    return _post_action(request, pk, act)


@login_required
@require_POST
@domain_errors
def conclude(request: HttpRequest, pk: int) -> HttpResponse:
    def act(assessment: Assessment) -> tuple[str, int]:
        form = ConcludeForm(request.POST, band=assessment.band_conclusion)
        form.is_valid()
        done = services.conclude_assessment(
            actor=request.user,
            assessment=assessment,
            override=form.cleaned_data.get("override", ""),
            reason=form.cleaned_data.get("reason", ""),
        )
        return f"评估结论：{done.conclusion}", done.pk

    return _post_action(request, pk, act)


@login_required
@require_POST
@domain_errors
def override(request: HttpRequest, pk: int) -> HttpResponse:
    def act(assessment: Assessment) -> tuple[str, int]:
        form = ConcludeForm(request.POST)
        if not form.is_valid() or not form.cleaned_data["override"]:
            raise DomainError("请选择专家组的结论", field="override_conclusion")
        done = services.override_conclusion(
            actor=request.user,
            assessment=assessment,
            conclusion=form.cleaned_data["override"],
            reason=form.cleaned_data["reason"],
        )
        return f"专家组将评估结论改为“{done.conclusion}”", done.pk

    return _post_action(request, pk, act)


@login_required
@require_POST
@domain_errors
def resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    def act(assessment: Assessment) -> tuple[str, int]:
        new = services.resubmit_assessment(actor=request.user, assessment=assessment)
        return f"已重新报送（第{new.submission}次）：调整完善后请修改评分并提交", new.pk

    return _post_action(request, pk, act)
