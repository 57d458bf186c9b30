"""The 事前评估 worklist: projects in the user's scope that the rules in force say need an ex-ante
assessment and that have no passing one, each with why it needs one and where its assessment stands;
and, for a third-party agency, the assessments assigned to it.

The assessment pages are in `assessment_views`, the 预算评审 pages in `review_views`, the
function-point review in `fp_views`.
"""

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jixiao.appraisals import selectors
from jixiao.appraisals.forms import STATES, WorklistFilter
from jixiao.appraisals.models import Assessment
from jixiao.core import scoping
from jixiao.goals.services import project_place
from jixiao.orgs.models import Organization, Region
from jixiao.orgs.roles import Cap
from jixiao.orgs.rules_config import EffectiveRule, resolve_all
from jixiao.orgs.selectors import budget_units_for, regions_for
from jixiao.projects.models import Project
from jixiao.rules.money import format_wan

PAGE_SIZE = 50


class RulesCache:
    """The rules in force per region and year, resolved once for a page of many projects."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, int], dict[str, EffectiveRule]] = {}

    def for_project(self, project: Project) -> dict[str, EffectiveRule]:
        key = (project.region_id, project.fiscal_year)
        if key not in self._known:
            self._known[key] = resolve_all(project.region, project.fiscal_year)
        return self._known[key]


def need_reason(project: Project, rules: dict[str, EffectiveRule]) -> str:
    """Why the rules ask for an assessment: 「新增 · 申报 600.00万元 ≥ 500.00万元（中阳县（各年度））」."""
    scope = rules["appraisal.applicability"].value
    threshold_rule = rules["appraisal.new_project_threshold_yuan"]
    threshold = Decimal(str(threshold_rule.value))
    parts = []
    if scope.get("new_only", True):
        parts.append("新增项目")
    if scope.get("categories"):
        parts.append(project.category)
    parts.append(
        f"申报{format_wan(project.amount_requested)}万元 ≥ {format_wan(threshold)}万元（{threshold_rule.origin}）"
    )
    return " · ".join(parts)


def with_latest(qs: QuerySet[Project]) -> QuerySet[Project]:
    """Each project with its latest assessment's id, status, conclusion and submission, in the same query."""
    latest = Assessment.objects.filter(project=OuterRef("pk")).order_by("-submission")
    return qs.annotate(
        latest_pk=Subquery(latest.values("pk")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        latest_conclusion=Subquery(latest.values("conclusion")[:1]),
        latest_submission=Subquery(latest.values("submission")[:1]),
    )


def state_label(project: Any) -> str:
    if project.latest_status is None:
        return "未评估"
    if project.latest_status != Assessment.Status.CONCLUDED:
        return dict(STATES)[project.latest_status]
    return "调整完善后重新报送" if project.latest_conclusion == "调整完善后予以支持" else project.latest_conclusion


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    user = request.user
    sees_projects = scoping.has_cap(user, Cap.PROJECT_VIEW)
    if not (sees_projects or scoping.has_cap(user, Cap.APPRAISAL_ASSESS)):
        raise DjangoPermissionDenied("您没有访问此页面的权限。")
    f = WorklistFilter(request.GET, queryset=with_latest(selectors.worklist(user=user)))
    qs = f.qs.order_by("-fiscal_year", "-amount_requested", "code")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rules = RulesCache()
    rows = [
        {
            "project": p,
            "reason": need_reason(p, rules.for_project(p)),
            "state": state_label(p),
            "may_assess": scoping.reaches(user, Cap.APPRAISAL_ASSESS, **project_place(p)),
        }
        for p in page
    ]
    assigned = (
        selectors.assessments_for(user=user)
        .filter(assessor_org_id__in=selectors.agency_org_ids(user))
        .exclude(status=Assessment.Status.CONCLUDED)
        .order_by("-created_at")
    )
    context = {
        "filter": f,
        "page": page,
        "rows": rows,
        "sees_projects": sees_projects,
        "assigned": list(assigned),
        "regions": regions_for(user=user) if sees_projects else Region.objects.none(),
        "departments": budget_units_for(user=user).filter(kind=Organization.Kind.DEPARTMENT),
    }
    return render(request, "appraisals/worklist.html", context)
