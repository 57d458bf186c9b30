"""Readers for regions, organizations and rules, scoped to the user."""

from typing import Any

from django.db.models import Q, QuerySet

from jixiao.core import scoping
from jixiao.orgs.models import Organization, Region, User
from jixiao.orgs.roles import Cap


def regions_for(*, user: Any, cap: str = Cap.PROJECT_VIEW) -> QuerySet[Region]:
    """Regions the user's grants reach: their regions and those below (TREE/OWN grants: the org's region)."""
    q = Q()
    found = False
    for g in scoping.grants(user, cap):
        q |= Q(path__startswith=g.region_path) if g.reach == "region" else Q(path=g.region_path)
        found = True
    return Region.objects.filter(q) if found else Region.objects.none()


def budget_units_for(*, user: Any, cap: str = Cap.PROJECT_VIEW) -> QuerySet[Organization]:
    """Departments and units the user may see the records of."""
    qs = Organization.objects.filter(kind__in=[Organization.Kind.DEPARTMENT, Organization.Kind.UNIT])
    return _units(qs, user, cap)


def _units(qs: QuerySet[Organization], user: Any, cap: str) -> QuerySet[Organization]:
    q: Q | None = None
    for g in scoping.grants(user, cap):
        if g.reach == "region":
            part = Q(region__path__startswith=g.region_path)
        elif g.reach == "tree":
            part = Q(path__startswith=g.org_path)
        else:
            part = Q(pk=g.org_id)
        q = part if q is None else q | part
    return qs.none() if q is None else qs.filter(q).select_related("region")


def users_for(*, user: Any) -> QuerySet[User]:
    """Users whose memberships lie in the regions the system administrator manages."""
    paths = scoping.region_paths(user, Cap.USERS_MANAGE)
    if not paths:
        return User.objects.none()
    q = Q()
    for p in paths:
        q |= Q(memberships__organization__region__path__startswith=p)
    return User.objects.filter(q).distinct().order_by("username")
