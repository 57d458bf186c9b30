"""The 绩效目标 pages of a unit and of everyone who reads goals: the list, a goal's detail and its
actions, and the batch budget approval of the finance bureau. Declaring (the edit page and its live
checks) is in `edit_views`, reviewing in `review_views`, the indicator library in `library_views`."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import domain_errors, require_cap
from jixiao.goals import selectors, services
from jixiao.goals.forms import AdjustmentForm, GoalFilter
from jixiao.goals.models import Goal, Review
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap
from jixiao.orgs.selectors import budget_units_for, regions_for
from jixiao.projects import selectors as project_selectors
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from jixiao.rules.goal_checks import CheckSettings, Finding
from jixiao.rules.targets import format_target

PAGE_SIZE = 50
# A finding's field as the checks name it (indicators.N.target_value) → the column that shows it.
COLUMN_OF = {"target_value": "target", "target_text": "target"}


@dataclass(frozen=True)
class Shown:
    """A finding or input error where a page shows it: `row` is the indicator's row on that page (the
    edit page's form index, elsewhere its position), `column` the field in that row."""

    severity: str  # blocking | warning
    message: str
    row: int | None = None
    column: str = ""


def shown(problems: list[Finding | DomainError], rows: list[int] | None = None) -> list[Shown]:
    """Findings and refusals to show; `rows[n - 1]` is the row of the indicator at position n (default:
    the position itself). Blocking ones first, each group in the checks' order."""
    out = []
    for p in problems:
        parts = (p.field or "").split(".")
        row: int | None = None
        column = parts[0] if len(parts) == 1 else ""
        if len(parts) >= 2 and parts[0] == "indicators" and parts[1].isdigit():
            position = int(parts[1])
            row = rows[position - 1] if rows is not None and position <= len(rows) else position
            column = COLUMN_OF.get(parts[2], parts[2]) if len(parts) > 2 else ""
        severity = p.severity if isinstance(p, Finding) else "blocking"
        out.append(Shown(severity, p.message, row, column))
    return sorted(out, key=lambda s: s.severity != "blocking")


class SettingsCache:
    """Check settings per region and year, resolved once for a page that checks many goals."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, int], CheckSettings] = {}

    def findings(self, goal: Goal) -> list[Finding]:
        key = (goal.project.region_id, goal.project.fiscal_year)
        if key not in self._known:
            self._known[key] = services.check_settings(goal.project.region, goal.project.fiscal_year)
        return services.findings_for(goal, self._known[key])


def _findings_filter(goals: list[Goal], which: str, cache: SettingsCache) -> list[Goal]:
    def keep(g: Goal) -> bool:
        found = cache.findings(g)
        if which == "blocking":
            return any(f.severity == "blocking" for f in found)
        return bool(found) == (which == "any")

    return [g for g in goals if keep(g)]


@login_required
@require_cap(Cap.PROJECT_VIEW)
def goal_list(request: HttpRequest) -> HttpResponse:
    f = GoalFilter(request.GET, queryset=selectors.goal_list(user=request.user))
    qs = f.qs.order_by("-project__fiscal_year", "project__code", "-version")
    which = f.form.cleaned_data.get("findings") if f.is_valid() else ""
    cache = SettingsCache()
    goals: Any = _findings_filter(list(qs), which, cache) if which else qs
    page = Paginator(goals, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for g in page:
        found = cache.findings(g)
        rows.append(
            {
                "goal": g,
                "indicators": len(g.indicators.all()),
                "blocking": sum(f.severity == "blocking" for f in found),
                "warnings": sum(f.severity == "warning" for f in found),
                "pending": services.pending_review(g),
                "may_approve_budget": g.status == Goal.Status.PASSED
                and g.project.status == Project.Status.IN_LIBRARY
                and scoping.reaches(request.user, Cap.PROJECT_DECIDE, **services.project_place(g.project)),
            }
        )
    counts = dict.fromkeys(Goal.Status.values, 0)
    for status in qs.order_by().values_list("status", flat=True):
        counts[status] += 1
    context = {
        "filter": f,
        "page": page,
        "rows": rows,
        "total": len(goals) if which else sum(counts.values()),
        "counts": [(Goal.Status(s).label, n) for s, n in counts.items() if n],
        "regions": regions_for(user=request.user),
        "departments": budget_units_for(user=request.user).filter(kind=Organization.Kind.DEPARTMENT),
        "may_batch_budget": any(r["may_approve_budget"] for r in rows),
    }
    return render(request, "goals/list.html", context)


def indicator_rows(goal: Goal) -> list[dict[str, Any]]:
    return [
        {"indicator": i, "target": format_target(i.operator, i.target_value, i.unit) or i.target_text}
        for i in goal.indicators.all()
    ]


def review_rounds(goal: Goal) -> list[tuple[int, list[Review]]]:
    """The review history by submission, the latest first."""
    rounds: dict[int, list[Review]] = {}
    for r in goal.reviews.all():
        rounds.setdefault(r.submission, []).append(r)
    return sorted(rounds.items(), reverse=True)


def goal_actions(user: Any, goal: Goal, versions: list[Goal]) -> dict[str, bool]:
    place = services.project_place(goal.project)
    may_change = scoping.reaches(user, Cap.PROJECT_CHANGE, **place)
    pending = services.pending_review(goal)
    open_version = any(v.status in Goal.OPEN for v in versions)
    return {
        "edit": selectors.may_edit_goal(user, goal),
        "submit": may_change and goal.status in Goal.EDITABLE_BY_UNIT,
        "withdraw": may_change and pending is not None and pending.step == 1,
        "review": selectors.may_review(user, goal),
        "adjust": may_change and goal.status in services.IN_FORCE and not open_version,
    }


@login_required
@domain_errors
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_detail(user=request.user, pk=pk)
    versions = list(
        selectors.goals_for(user=request.user)
        .filter(project=goal.project_id)
        .prefetch_related("indicators")
        .order_by("-version")
    )
    return render(
        request,
        "goals/detail.html",
        {
            "goal": goal,
            "project": goal.project,
            "indicators": indicator_rows(goal),
            "findings": shown(list(services.findings_for(goal))),
            "rounds": review_rounds(goal),
            "pending": services.pending_review(goal),
            "versions": [{"goal": v, "indicators": indicator_rows(v)} for v in versions if v.pk != goal.pk],
            "actions": goal_actions(request.user, goal, versions),
            "adjust_form": AdjustmentForm(),
        },
    )


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit or withdraw from the detail page: refusals are messages on the page, except that a user
    who may not act at all gets 403 (or 404 outside their scope)."""
    goal = selectors.goal_detail(user=request.user, pk=pk)
    try:
        if action == "submit":
            services.submit_goal(actor=request.user, goal=goal)
            messages.success(request, f"已提交“{goal}”，送{goal_step_label(goal)}")
        else:
            services.withdraw_goal(actor=request.user, goal=goal)
            messages.success(request, f"已撤回“{goal}”，可修改后重新提交")
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("goals:detail", pk=pk)


def goal_step_label(goal: Goal) -> str:
    pending = Review.objects.filter(goal=goal, state=Review.State.PENDING).first()
    return pending.step_label if pending else "审核"


@login_required
@require_POST
@domain_errors
def goal_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "submit")


@login_required
@require_POST
@domain_errors
def goal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "withdraw")


@login_required
@require_POST
@domain_errors
def goal_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    """An adjustment request opens a new version as a draft and takes the unit to its edit page."""
    goal = selectors.goal_detail(user=request.user, pk=pk)
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请写明调整理由")
        return redirect("goals:detail", pk=pk)
    try:
        services.start_adjustment(actor=request.user, project=goal.project, reason=form.cleaned_data["reason"])
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("goals:detail", pk=pk)
    messages.success(request, "已建立调整版本：修改指标后提交审核；原目标在调整版本审核通过前继续有效")
    return redirect("goals:edit", project_pk=goal.project_id)


@login_required
@require_POST
@require_cap(Cap.PROJECT_DECIDE)
@domain_errors
def approve_budgets(request: HttpRequest) -> HttpResponse:
    """批量批复预算 from the goals list: the projects of the ticked goals, at their requested amounts,
    all or none (the goal gate's refusals are listed)."""
    ids = [int(v) for v in request.POST.getlist("projects") if v.isdigit()]
    projects = list(project_selectors.projects_for(user=request.user).filter(pk__in=ids).order_by("code"))
    if not projects:
        messages.error(request, "请勾选要批复预算的项目")
    elif len(projects) < len(set(ids)):
        raise NotFound("所选项目不存在或不在您的权限范围内。")
    else:
        try:
            project_services.approve_budgets(actor=request.user, projects=projects)
            messages.success(request, f"已批复{len(projects)}个项目的预算，绩效目标随预算一并批复")
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("goals:list")
