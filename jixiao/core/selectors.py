"""Readers for the audit log: an audit administrator sees the events of the regions he audits."""

from typing import Any

from django.db.models import Q, QuerySet

from jixiao.core import scoping
from jixiao.core.errors import NotFound
from jixiao.core.models import AuditEvent
from jixiao.orgs.models import Membership
from jixiao.orgs.roles import Cap


def audit_events_for(*, user: Any) -> QuerySet[AuditEvent]:
    """Events placed in the user's AUDIT_VIEW regions (or below), and events placed nowhere (user
    accounts, exports) whose actor holds a role in those regions. Newest first."""
    paths = scoping.region_paths(user, Cap.AUDIT_VIEW)
    if not paths:
        return AuditEvent.objects.none()
    placed = Q()
    members = Q()
    for p in paths:
        placed |= Q(region_path__startswith=p)
        members |= Q(organization__region__path__startswith=p)
    actors = Membership.objects.filter(members).values("user_id")
    return (
        AuditEvent.objects.filter(placed | Q(region_path="", actor_id__in=actors))
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def audit_event_detail(*, user: Any, pk: int) -> AuditEvent:
    try:
        return audit_events_for(user=user).get(pk=pk)
    except (AuditEvent.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("审计记录不存在或不在您的权限范围内。") from exc
