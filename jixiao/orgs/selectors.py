"""Readers for regions, organizations and users, scoped to the user."""

import functools
import operator
from typing import Any

from django.db.models import Q, QuerySet

from jixiao.core import scoping
from jixiao.core.errors import DomainError
from jixiao.orgs.models import Organization, Region, User
from jixiao.orgs.roles import Cap, Reach


def regions_for(*, user: Any, cap: str = Cap.PROJECT_VIEW) -> QuerySet[Region]:
    """Regions the user's grants reach: their regions and those below (TREE/OWN grants: the org's region)."""
    grants = scoping.grants(user, cap)
    if not grants:
        return Region.objects.none()
    parts = (Q(path__startswith=g.region_path) if g.reach == Reach.REGION else Q(path=g.region_path) for g in grants)
    return Region.objects.filter(functools.reduce(operator.or_, parts))


def budget_units_for(*, user: Any, cap: str = Cap.PROJECT_VIEW) -> QuerySet[Organization]:
    """Departments and units the user may see the records of (or, with another `cap`, act on)."""
    units = Organization.objects.filter(kind__in=[Organization.Kind.DEPARTMENT, Organization.Kind.UNIT])
    return scoping.restrict(units, user, cap, owner=None).select_related("region")


def users_for(*, user: Any) -> QuerySet[User]:
    """Users whose memberships lie in the regions the system administrator manages."""
    q = scoping.region_q(user, Cap.USERS_MANAGE, "memberships__organization__region__path")
    if q is None:
        return User.objects.none()
    return User.objects.filter(q).distinct().order_by("username")


def region_by_code_or_name(text: str) -> Region:
    """A region by its 6-digit code or its name; a name two regions share must be given as a code."""
    text = text.strip()
    found = list(Region.objects.filter(Q(code=text) | Q(name=text)))
    if not found:
        raise DomainError(f"没有代码或名称为“{text}”的行政区划", field="region")
    if len(found) > 1:
        codes = "、".join(f"{r.code} {r.name}" for r in found)
        raise DomainError(f"名称“{text}”对应多个行政区划（{codes}），请改用区划代码", field="region")
    return found[0]
