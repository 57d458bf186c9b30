"""The reviewer's pages: one goal's review (four criteria and a result), the inbox of pending steps with
batch approval, and the coverage figures per department."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import add_domain_error, domain_errors, require_cap
from jixiao.goals import selectors, services
from jixiao.goals.forms import CONSEQUENCES, BatchReviewForm, ReviewForm
from jixiao.goals.models import Review
from jixiao.goals.stats import STAGES, goal_stats
from jixiao.goals.views import PAGE_SIZE, SettingsCache, indicator_rows, review_rounds, shown
from jixiao.orgs.roles import Cap
from jixiao.orgs.selectors import regions_for

INBOX_PAGE_SIZE = PAGE_SIZE


@login_required
@domain_errors
def goal_review(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_detail(user=request.user, pk=pk)
    pending = services.pending_review(goal)
    if not selectors.may_review(request.user, goal):
        if pending is None:
            raise PermissionDenied(f"绩效目标{goal.get_status_display()}，没有待审核的环节。")
        raise PermissionDenied(f"“{pending.step_label}”环节不由您审核。")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.review_goal(
                actor=request.user,
                goal=goal,
                result=d["result"],
                **{name: d[name] for name in ("completeness", "relevance", "appropriateness", "feasibility")},
                comment=d["comment"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已审核“{goal}”：{d['result']}（{pending.step_label if pending else ''}）")
            return redirect("goals:inbox")
    return render(
        request,
        "goals/review.html",
        {
            "goal": goal,
            "project": goal.project,
            "pending": pending,
            "form": form,
            "consequences": CONSEQUENCES,
            "indicators": indicator_rows(goal),
            "findings": shown(list(services.findings_for(goal))),
            "rounds": review_rounds(goal),
        },
    )


@login_required
@require_cap(Cap.GOAL_REVIEW)
def inbox(request: HttpRequest) -> HttpResponse:
    """待我审核: the pending steps the user can decide, with their findings, for one-by-one or batch review."""
    reviews = selectors.inbox_for(user=request.user).prefetch_related(
        Prefetch("goal__indicators"), Prefetch("goal__reviews", queryset=Review.objects.select_related("reviewer"))
    )
    page = Paginator(reviews, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    cache = SettingsCache()
    rows: list[dict[str, Any]] = []
    for r in page:
        found = cache.findings(r.goal)
        rows.append(
            {
                "review": r,
                "goal": r.goal,
                "blocking": sum(f.severity == "blocking" for f in found),
                "warnings": sum(f.severity == "warning" for f in found),
                "indicators": len(r.goal.indicators.all()),
            }
        )
    form = BatchReviewForm(goal_ids=[r["goal"].pk for r in rows])
    return render(request, "goals/inbox.html", {"page": page, "rows": rows, "form": form})


@login_required
@require_POST
@require_cap(Cap.GOAL_REVIEW)
@domain_errors
def inbox_approve(request: HttpRequest) -> HttpResponse:
    """批量通过 the ticked goals at their pending steps (优 or 良), all or none."""
    ids = [int(v) for v in request.POST.getlist("goals") if v.isdigit()]
    form = BatchReviewForm(request.POST, goal_ids=ids)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("goals:inbox")
    wanted = set(form.cleaned_data["goals"])
    goals = list(selectors.goals_for(user=request.user).filter(pk__in=wanted))
    if len(goals) < len(wanted):
        raise NotFound("所选绩效目标不存在或不在您的权限范围内。")
    try:
        done = services.batch_review(
            actor=request.user, goals=goals, result=form.cleaned_data["result"], comment=form.cleaned_data["comment"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已批量审核{len(done)}个绩效目标：{form.cleaned_data['result']}")
    return redirect("goals:inbox")


@login_required
@require_cap(Cap.PROJECT_VIEW)
def coverage(request: HttpRequest) -> HttpResponse:
    """统计: how many projects and how much money carry goals, per department, for a region and year."""
    regions = list(regions_for(user=request.user).order_by("path"))
    region = next((r for r in regions if r.code == request.GET.get("region")), regions[0] if regions else None)
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else timezone.localdate().year
    result = goal_stats(region=region, year=year, user=request.user) if region is not None else None
    return render(
        request,
        "goals/coverage.html",
        {"regions": regions, "region": region, "year": year, "stats": result, "stages": STAGES},
    )
