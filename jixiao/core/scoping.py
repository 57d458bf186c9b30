"""Who may see and do what, worked out once from memberships, for every module.

Every selector filters through `restrict`, and every service checks through `require`, so there is
one rule: REGION reaches the organization's region and the regions below it; TREE reaches the
organization and its subordinates; OWN reaches the organization alone (see `jixiao.orgs.roles`).
Objects are placed by two paths: the owning organization's path and its region's path.
"""

import functools
import operator
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from jixiao.core.errors import NotFound, PermissionDenied
from jixiao.orgs.roles import CAPABILITIES, Reach


@dataclass(frozen=True)
class Grant:
    role: str
    reach: str
    org_id: int
    org_path: str
    region_path: str


def _all_grants(user: Any) -> list[tuple[str, Grant]]:
    cached = getattr(user, "_jixiao_grants", None)
    if cached is not None:
        return cached
    found: list[tuple[str, Grant]] = []
    if user is not None and getattr(user, "is_authenticated", False) and user.is_active:
        memberships = user.memberships.select_related("organization__region")
        for m in memberships:
            for cap, reach in CAPABILITIES.get(m.role, {}).items():
                found.append(
                    (cap, Grant(m.role, reach, m.organization_id, m.organization.path, m.organization.region.path))
                )
    if user is not None:
        user._jixiao_grants = found
    return found


def grants(user: Any, cap: str) -> list[Grant]:
    return [g for c, g in _all_grants(user) if c == cap]


def has_cap(user: Any, cap: str) -> bool:
    return bool(grants(user, cap))


def scope_q(user: Any, cap: str, *, owner: str | None = "owner", region: str = "region") -> Q | None:
    """A filter for the objects `user` may reach with `cap`; None when nothing at all.

    `owner` names the objects' owning organization; None when the objects are organizations themselves."""
    q: Q | None = None
    for g in grants(user, cap):
        part = _grant_q(g, owner=owner, region=region)
        q = part if q is None else q | part
    return q


def _grant_q(g: Grant, *, owner: str | None, region: str) -> Q:
    if g.reach == Reach.REGION:
        return Q(**{f"{region}__path__startswith": g.region_path})
    if g.reach == Reach.TREE:
        return Q(**{f"{owner}__path__startswith" if owner else "path__startswith": g.org_path})
    return Q(**{f"{owner}_id" if owner else "pk": g.org_id})


def role_scope_q(user: Any, cap: str, *, role_field: str, owner: str = "owner", region: str = "region") -> Q | None:
    """`scope_q` for work routed to a role (a review step): each grant covers only the objects whose
    `role_field` names the role it was granted with. None when nothing at all."""
    q: Q | None = None
    for g in grants(user, cap):
        part = Q(**{role_field: g.role}) & _grant_q(g, owner=owner, region=region)
        q = part if q is None else q | part
    return q


def restrict[M: models.Model](
    qs: models.QuerySet[M], user: Any, cap: str, *, owner: str | None = "owner", region: str = "region"
) -> models.QuerySet[M]:
    q = scope_q(user, cap, owner=owner, region=region)
    return qs.none() if q is None else qs.filter(q)


def reaches(user: Any, cap: str, *, owner_path: str, owner_id: int, region_path: str) -> bool:
    """The same rule as `scope_q`, for one object already in memory."""
    return any(_covers(g, owner_path, owner_id, region_path) for g in grants(user, cap))


def reaches_as(user: Any, cap: str, role: str, *, owner_path: str, owner_id: int, region_path: str) -> bool:
    """`reaches` through a grant of one role only: work routed to a role (a review step) is done by
    someone who holds that role over the object, not by the same person acting in another role."""
    return any(_covers(g, owner_path, owner_id, region_path) for g in grants(user, cap) if g.role == role)


def _covers(g: Grant, owner_path: str, owner_id: int, region_path: str) -> bool:
    if g.reach == Reach.REGION:
        return region_path.startswith(g.region_path)
    if g.reach == Reach.TREE:
        return owner_path.startswith(g.org_path)
    return owner_id == g.org_id


def require(user: Any, cap: str, *, view_cap: str, owner_path: str, owner_id: int, region_path: str) -> None:
    """Refuse an action: NotFound if the user may not even see the object, PermissionDenied otherwise."""
    where: dict[str, Any] = {"owner_path": owner_path, "owner_id": owner_id, "region_path": region_path}
    if reaches(user, cap, **where):
        return
    if reaches(user, view_cap, **where):
        raise PermissionDenied("您没有执行此操作的权限。")
    raise NotFound("对象不存在或不在您的权限范围内。")


def region_paths(user: Any, cap: str) -> list[str]:
    """Region paths of the REGION grants for `cap` (for pages scoped by region, such as rules)."""
    return [g.region_path for g in grants(user, cap) if g.reach == Reach.REGION]


def reaches_region(user: Any, cap: str, region_path: str) -> bool:
    """Whether a REGION grant for `cap` covers the region: for what is placed by region alone (rules,
    user accounts), not owned by an organization."""
    return any(region_path.startswith(p) for p in region_paths(user, cap))


def region_q(user: Any, cap: str, field: str) -> Q | None:
    """A filter on `field`, a region path, for the regions the REGION grants for `cap` reach (and those
    below them); None when there are none."""
    paths = region_paths(user, cap)
    if not paths:
        return None
    return functools.reduce(operator.or_, (Q(**{f"{field}__startswith": p}) for p in paths))
