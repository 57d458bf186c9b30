"""Readers for the 项目库, always scoped to the user."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from jixiao.core import scoping
from jixiao.core.errors import NotFound
from jixiao.orgs.roles import Cap
from jixiao.projects.models import Project


def projects_for(*, user: Any) -> QuerySet[Project]:
    return scoping.restrict(Project.objects.all(), user, Cap.PROJECT_VIEW)


def project_list(*, user: Any) -> QuerySet[Project]:
    """For list pages: everything a row shows, fetched in a constant number of queries."""
    return (
        projects_for(user=user)
        .select_related("owner", "department", "region")
        .prefetch_related("fund_sources", "domain_tags")
    )


def project_detail(*, user: Any, pk: int) -> Project:
    try:
        return project_list(user=user).get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("项目不存在或不在您的权限范围内。") from exc


@dataclass(frozen=True)
class Totals:
    count: int
    requested: Decimal
    approved: Decimal


def totals(qs: QuerySet[Project]) -> Totals:
    row = qs.order_by().aggregate(n=Count("id"), requested=Sum("amount_requested"), approved=Sum("amount_approved"))
    return Totals(row["n"], row["requested"] or Decimal(0), row["approved"] or Decimal(0))


def totals_by(qs: QuerySet[Project], field: str) -> list[dict[str, Any]]:
    return list(qs.order_by().values(field).annotate(n=Count("id"), requested=Sum("amount_requested")).order_by(field))


def search(qs: QuerySet[Project], text: str) -> QuerySet[Project]:
    text = text.strip()
    if not text:
        return qs
    return qs.filter(Q(name__icontains=text) | Q(code__icontains=text) | Q(description__icontains=text))
