"""抽查复核 reports: the discrepancy report (self-evaluation against re-check, per indicator and total)
and the grade-inflation table per department."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jixiao.core.http import require_cap
from jixiao.evaluations import selectors, stats
from jixiao.evaluations.models import Recheck
from jixiao.evaluations.sampling_views import region_and_year
from jixiao.orgs.roles import Cap


@login_required
@require_cap(Cap.RECHECK)
def discrepancies(request: HttpRequest) -> HttpResponse:
    """差异报告: each completed re-check against its self-evaluation, per indicator and in total."""
    regions, region, year = region_and_year(request)
    done = selectors.rechecks_for(user=request.user).filter(status=Recheck.Status.DONE, evaluation__year=year)
    if region is not None:
        done = done.filter(evaluation__project__region__path__startswith=region.path)
    reports = [stats.discrepancy(r) for r in done.prefetch_related("indicators", "evaluation__indicators")]
    lower = sum(1 for r in reports if r["total"]["difference"] is not None and r["total"]["difference"] < 0)
    changed = sum(1 for r in reports if r["grade"]["changed"])
    total_gap = sum((r["total"]["difference"] or Decimal(0) for r in reports), Decimal(0))
    return render(
        request,
        "evaluations/discrepancies.html",
        {
            "regions": regions,
            "region": region,
            "year": year,
            "reports": reports,
            "lower": lower,
            "changed": changed,
            "mean_gap": total_gap / len(reports) if reports else None,
        },
    )


@login_required
@require_cap(Cap.RECHECK)
def inflation(request: HttpRequest) -> HttpResponse:
    """等级虚高: per department, its share of 优 against its re-checks and against the region."""
    regions, region, year = region_and_year(request)
    evaluations = selectors.self_evaluations_for(user=request.user).filter(year=year)
    if region is not None:
        evaluations = evaluations.filter(project__region__path__startswith=region.path)
    signals = stats.inflation(evaluations)
    return render(
        request,
        "evaluations/inflation.html",
        {
            "regions": regions,
            "region": region,
            "year": year,
            "signals": sorted(signals, key=lambda s: (not s.flagged, -s.rechecked, s.department)),
            "flagged": sum(1 for s in signals if s.flagged),
        },
    )
