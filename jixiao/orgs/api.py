"""REST API of rule configuration: the rules in force for a region and year, and setting a new version."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.core import scoping
from jixiao.core.errors import DomainError
from jixiao.orgs import admin_selectors, services
from jixiao.orgs.roles import Cap
from jixiao.orgs.rules_config import resolve_all
from jixiao.rules.config import DEFINITIONS


class HasRulesView(permissions.BasePermission):
    message = "您没有查看规则配置的权限。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return scoping.has_cap(request.user, Cap.RULES_VIEW)


class EffectiveRuleOutput(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.JSONField()
    source = serializers.CharField()  # type: ignore[assignment]
    origin = serializers.CharField(help_text="取值来源：区划（年度）或“全国默认”")
    version = serializers.IntegerField(allow_null=True)
    setting_id = serializers.IntegerField(allow_null=True)


class RuleInput(serializers.Serializer):  # type: ignore[type-arg]
    region = serializers.CharField(max_length=6, help_text="区划代码")
    key = serializers.ChoiceField(choices=sorted(DEFINITIONS))
    value = serializers.JSONField()
    fiscal_year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, allow_null=True)
    source = serializers.CharField(max_length=300, help_text="依据：文件名称及文号")  # type: ignore[assignment]
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RuleSettingOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    key = serializers.CharField()
    region = serializers.CharField(source="region.code")
    fiscal_year = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()
    value = serializers.JSONField()
    source = serializers.CharField()  # type: ignore[assignment]
    note = serializers.CharField()


def _year(value: Any) -> int:
    if value in (None, ""):
        return timezone.localdate().year
    try:
        year = int(value)
    except (TypeError, ValueError) as exc:
        raise DomainError(f"年度“{value}”不是整数", field="year") from exc
    if not 2000 <= year <= 2100:
        raise DomainError(f"年度“{value}”须在2000到2100之间", field="year")
    return year


class RuleViewSet(viewsets.ViewSet):
    """规则配置. GET ?region=CODE&year=YYYY: every rule in force; POST: record a new version (绩效科)."""

    permission_classes = [permissions.IsAuthenticated, HasRulesView]

    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="区划代码（缺省：可见的最高级区划）"),
            OpenApiParameter("year", int, description="年度（缺省：今年）"),
        ],
        responses={200: EffectiveRuleOutput(many=True)},
    )
    def list(self, request: Request) -> Response:
        region = admin_selectors.rule_region(user=request.user, code=request.query_params.get("region"))
        rules = resolve_all(region, _year(request.query_params.get("year")))
        return Response(EffectiveRuleOutput([r.__dict__ for r in rules.values()], many=True).data)

    @extend_schema(request=RuleInput, responses={201: RuleSettingOutput})
    def create(self, request: Request) -> Response:
        payload = RuleInput(data=request.data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        region = admin_selectors.rule_region(user=request.user, code=d["region"])
        setting = services.set_rule(
            actor=request.user,
            key=d["key"],
            region=region,
            fiscal_year=d.get("fiscal_year"),
            value=d["value"],
            source=d["source"],
            note=d.get("note", ""),
        )
        return Response(RuleSettingOutput(setting).data, status=status.HTTP_201_CREATED)
