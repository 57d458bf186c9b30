"""Readers for regions, organizations and users, scoped to the user."""

import functools
import operator
from typing import Any

from django.db.models import Q, QuerySet

from jixiao.core import scoping
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
