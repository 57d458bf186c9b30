"""Filters of the audit log, shared by the web page, its Excel export and the API."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from jixiao.core.forms import bootstrap
from jixiao.core.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    since = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="起始日期",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="截止日期",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    actor = django_filters.CharFilter(method="filter_actor", label="操作人（用户名）")
    action = django_filters.CharFilter(field_name="action", lookup_expr="startswith", label="操作（前缀）")
    q = django_filters.CharFilter(method="filter_text", label="对象")

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self.form, small=True)

    def filter_actor(self, qs: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        value = value.strip()
        return qs.filter(actor_name__iexact=value) if value else qs

    def filter_text(self, qs: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(object_repr__icontains=value)
            | Q(object_id=value)
            | Q(object_type__icontains=value)
            | Q(message__icontains=value)
        )
