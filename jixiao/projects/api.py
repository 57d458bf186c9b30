"""REST API of the 项目库: list, detail, create, update and lifecycle actions."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.api.base import ScopedViewSet
from jixiao.core.errors import DomainError
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap
from jixiao.orgs.selectors import budget_units_for
from jixiao.projects import selectors, services
from jixiao.projects.filters import ProjectFilter
from jixiao.projects.models import Project

MONEY = {"max_digits": 18, "decimal_places": 2, "min_value": Decimal(0)}


class ProjectOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    owner_name = serializers.CharField(source="owner.name")
    department_name = serializers.CharField(source="department.name")
    region_code = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    fund_sources = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    domain_tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Project
        fields = [
            "id",
            "kind",
            "code",
            "name",
            "owner",
            "owner_name",
            "department",
            "department_name",
            "region_code",
            "region_name",
            "fiscal_year",
            "category",
            "budget_type",
            "fund_sources",
            "domain_tags",
            "is_new",
            "start_year",
            "end_year",
            "amount_requested",
            "amount_approved",
            "amount_adjusted",
            "description",
            "status",
            "is_generated",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProjectInput(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=Project.Kind.choices, default=Project.Kind.PROJECT)
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    owner = serializers.IntegerField(help_text="预算单位（机构）编号")
    fiscal_year = serializers.IntegerField(min_value=2000, max_value=2100)
    category = serializers.ChoiceField(choices=Project.Category.choices)
    budget_type = serializers.ChoiceField(choices=Project.Budget.choices, default=Project.Budget.GENERAL)
    fund_sources = serializers.ListField(child=serializers.CharField(max_length=30), default=list, max_length=20)
    domain_tags = serializers.ListField(child=serializers.CharField(max_length=30), default=list, max_length=20)
    is_new = serializers.BooleanField(default=True)
    start_year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, allow_null=True)
    end_year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, allow_null=True)
    amount_requested = serializers.DecimalField(**MONEY)
    amount_approved = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    amount_adjusted = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    description = serializers.CharField(allow_blank=True, default="", max_length=5000)

    def to_input(self, user: Any) -> services.ProjectInput:
        data = dict(self.validated_data)
        try:
            data["owner"] = budget_units_for(user=user, cap=Cap.PROJECT_VIEW).get(pk=data["owner"])
        except Organization.DoesNotExist as exc:
            raise DomainError("预算单位不存在或不在您的权限范围内", field="owner") from exc
        return services.ProjectInput(**data)


class TransitionInput(serializers.Serializer):  # type: ignore[type-arg]
    action = serializers.ChoiceField(choices=list(services.TRANSITIONS))
    amount_approved = serializers.DecimalField(**MONEY, required=False, allow_null=True)


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """项目库. Amounts are decimal strings in 元; filters as on the list page."""

    selector = staticmethod(selectors.project_list)
    serializer_class = ProjectOutput
    filterset_class = ProjectFilter

    @extend_schema(request=ProjectInput, responses={201: ProjectOutput})
    def create(self, request: Request) -> Response:
        payload = ProjectInput(data=request.data)
        payload.is_valid(raise_exception=True)
        project = services.create_project(actor=request.user, data=payload.to_input(request.user))
        return Response(
            ProjectOutput(selectors.project_detail(user=request.user, pk=project.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ProjectInput, responses={200: ProjectOutput})
    def update(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        payload = ProjectInput(data=request.data)
        payload.is_valid(raise_exception=True)
        services.update_project(actor=request.user, project=project, data=payload.to_input(request.user))
        return Response(ProjectOutput(selectors.project_detail(user=request.user, pk=project.pk)).data)

    @extend_schema(request=TransitionInput, responses={200: ProjectOutput})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        payload = TransitionInput(data=request.data)
        payload.is_valid(raise_exception=True)
        services.transition_project(
            actor=request.user,
            project=project,
            action=payload.validated_data["action"],
            amount_approved=payload.validated_data.get("amount_approved"),
        )
        return Response(ProjectOutput(selectors.project_detail(user=request.user, pk=project.pk)).data)
