"""Read-only REST API of the audit log: there is no endpoint to create, change or delete events."""

from typing import Any

from rest_framework import mixins, permissions, serializers

from jixiao.api.base import ScopedViewSet
from jixiao.core import scoping, selectors
from jixiao.core.filters import AuditEventFilter
from jixiao.core.models import AuditEvent
from jixiao.orgs.roles import Cap


class HasAuditView(permissions.BasePermission):
    message = "只有审计管理员可以查看审计日志。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return scoping.has_cap(request.user, Cap.AUDIT_VIEW)


class AuditEventOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = AuditEvent
        fields = [f.name for f in AuditEvent._meta.concrete_fields]
        read_only_fields = fields


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """审计日志, newest first; filters as on the audit page (since, until, actor, action, q)."""

    selector = staticmethod(selectors.audit_events_for)
    serializer_class = AuditEventOutput
    filterset_class = AuditEventFilter
    permission_classes = [permissions.IsAuthenticated, HasAuditView]
