"""Readers for the audit log: an audit administrator sees the events of the regions he audits."""

from typing import Any

from django.db.models import Q, QuerySet

from jixiao.core import scoping
from jixiao.core.models import AuditEvent
from jixiao.orgs.models import Membership
from jixiao.orgs.roles import Cap


def audit_events_for(*, user: Any) -> QuerySet[AuditEvent]:
    """Events placed in the user's AUDIT_VIEW regions (or below), and events placed nowhere (user
    accounts, exports) whose actor holds a role in those regions. Newest first."""
    placed = scoping.region_q(user, Cap.AUDIT_VIEW, "region_path")
    members = scoping.region_q(user, Cap.AUDIT_VIEW, "organization__region__path")
    if placed is None or members is None:
        return AuditEvent.objects.none()
    actors = Membership.objects.filter(members).values("user_id")
    return AuditEvent.objects.filter(placed | Q(region_path="", actor_id__in=actors)).order_by("-created_at", "-id")
