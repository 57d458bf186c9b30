"""The 项目库 filters, shared by the list page, the Excel export and the API."""

from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from jixiao.core.forms import bootstrap
from jixiao.projects.models import DomainTag, FundSource, Project
from jixiao.projects.selectors import search
from jixiao.rules.money import TEN_THOUSAND

SORTS = {
    "code": "code",
    "-code": "-code",
    "name": "name",
    "-name": "-name",
    "amount": "amount_requested",
    "-amount": "-amount_requested",
    "year": "fiscal_year",
    "-year": "-fiscal_year",
    "owner": "owner__name",
    "-owner": "-owner__name",
}


MAX_ID = 2**63 - 1  # the largest id any of our databases stores; larger ones are an input error, not a 500


class IntegerFilter(django_filters.NumberFilter):
    """A whole-number filter (ids, years): 2026.5 or an id beyond the database's range is refused."""

    field_class = forms.IntegerField


class ProjectFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method="filter_region", label="区划代码")
    department = IntegerFilter(field_name="department_id", label="主管部门", min_value=1, max_value=MAX_ID)
    owner = IntegerFilter(method="filter_owner", label="预算单位", min_value=1, max_value=MAX_ID)
    fiscal_year = IntegerFilter(label="年度", min_value=2000, max_value=2100)
    kind = django_filters.ChoiceFilter(choices=Project.Kind.choices, label="类型")
    category = django_filters.ChoiceFilter(choices=Project.Category.choices, label="项目类别")
    budget_type = django_filters.ChoiceFilter(choices=Project.Budget.choices, label="预算类型")
    status = django_filters.ChoiceFilter(choices=Project.Status.choices, label="状态")
    fund_source = django_filters.ModelChoiceFilter(
        field_name="fund_sources", queryset=FundSource.objects.order_by("id"), label="资金来源", distinct=False
    )
    domain_tag = django_filters.ModelChoiceFilter(
        field_name="domain_tags", queryset=DomainTag.objects.order_by("id"), label="领域", distinct=False
    )
    is_new = django_filters.BooleanFilter(label="新增项目")
    min_wan = django_filters.NumberFilter(method="filter_min", label="金额下限（万元）")
    max_wan = django_filters.NumberFilter(method="filter_max", label="金额上限（万元）")
    q = django_filters.CharFilter(method="filter_text", label="关键词")
    sort = django_filters.ChoiceFilter(
        method="filter_sort", choices=[(k, k) for k in SORTS], label="排序", empty_label=None
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self.form, small=True)

    def filter_region(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        # A region means the region and everything below it, like the scope rule.
        return qs.filter(region__path__contains=f"{value}/") if value else qs

    def filter_owner(self, qs: QuerySet[Project], name: str, value: Any) -> QuerySet[Project]:
        return qs.filter(owner_id=value) if value else qs

    def filter_min(self, qs: QuerySet[Project], name: str, value: Decimal) -> QuerySet[Project]:
        return qs.filter(amount_requested__gte=Decimal(value) * TEN_THOUSAND) if value is not None else qs

    def filter_max(self, qs: QuerySet[Project], name: str, value: Decimal) -> QuerySet[Project]:
        return qs.filter(amount_requested__lte=Decimal(value) * TEN_THOUSAND) if value is not None else qs

    def filter_text(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return search(qs, value)

    def filter_sort(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return qs.order_by(SORTS[value], "id") if value in SORTS else qs

    @property
    def qs(self) -> QuerySet[Project]:
        qs = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            qs = qs.order_by("-fiscal_year", "code", "id")
        return qs
