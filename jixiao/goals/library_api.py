"""REST API of the 指标库 (list, word search, add, change, retire) and of indicator recommendations."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.api.base import ScopedViewSet
from jixiao.core.errors import DomainError
from jixiao.goals import library
from jixiao.goals.models import Basis, LibraryIndicator, Operator
from jixiao.goals.recommend import recommend
from jixiao.orgs.models import Organization, Region
from jixiao.projects.models import DomainTag
from jixiao.projects.selectors import project_detail


class LibraryOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    owner_name = serializers.CharField(source="owner.name")
    region_code = serializers.CharField(source="region.code")
    domain: serializers.SlugRelatedField = serializers.SlugRelatedField(  # type: ignore[type-arg]
        read_only=True, slug_field="name", allow_null=True
    )

    class Meta:
        model = LibraryIndicator
        fields = [
            "id",
            "scope",
            "owner",
            "owner_name",
            "region_code",
            "domain",
            "level1",
            "level2",
            "name",
            "operator",
            "unit",
            "typical_target",
            "explanation",
            "scoring_rule",
            "basis",
            "usage_count",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields


class LibraryInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    scope = serializers.ChoiceField(choices=LibraryIndicator.Scope.choices)
    level1 = serializers.CharField(max_length=20)
    level2 = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=200)
    operator = serializers.ChoiceField(choices=Operator.choices)
    unit = serializers.CharField(max_length=20, allow_blank=True, default="")
    typical_target = serializers.CharField(max_length=200, allow_blank=True, default="")
    explanation = serializers.CharField(max_length=5000, allow_blank=True, default="")
    scoring_rule = serializers.CharField(max_length=5000, allow_blank=True, default="")
    basis = serializers.ChoiceField(choices=Basis.choices, allow_blank=True, default="")
    domain = serializers.CharField(max_length=30, allow_blank=True, default="", help_text="行业领域名称")
    region = serializers.CharField(
        max_length=6, allow_blank=True, default="", help_text="共性指标所属区划代码（缺省：本人所在区划）"
    )
    department = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="个性指标所属主管部门编号（缺省：本部门）"
    )

    def to_input(self) -> library.LibraryInput:
        data = dict(self.validated_data)
        domain = region = department = None
        if data["domain"]:
            domain = DomainTag.objects.filter(name=data["domain"]).first()
            if domain is None:
                raise DomainError(f"行业领域“{data['domain']}”不存在", field="domain")
        if data["region"]:
            region = Region.objects.filter(code=data["region"]).first()
            if region is None:
                raise DomainError(f"区划代码“{data['region']}”不存在", field="region")
        if data["department"] is not None:
            department = Organization.objects.select_related("region").filter(pk=data["department"]).first()
            if department is None:
                raise DomainError("主管部门不存在", field="department")
        return library.LibraryInput(**{**data, "domain": domain, "region": region, "department": department})


SEARCH_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="检索词（按词匹配，如“学生资助”）"),
    OpenApiParameter("level1", OpenApiTypes.STR, description="一级指标"),
    OpenApiParameter("level2", OpenApiTypes.STR, description="二级指标"),
    OpenApiParameter("domain", OpenApiTypes.STR, description="行业领域名称"),
    OpenApiParameter("scope", OpenApiTypes.STR, enum=LibraryIndicator.Scope.values, description="类别"),
]


class LibraryViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """指标库: the entries the user sees; `q` searches by words, best match first."""

    selector = staticmethod(lambda *, user: library.library_for(user))
    serializer_class = LibraryOutput
    filterset_class = None
    filter_backends: list[Any] = []

    @extend_schema(parameters=SEARCH_PARAMETERS, responses={200: LibraryOutput(many=True)})
    def list(self, request: Request) -> Response:
        params = request.query_params
        scope = params.get("scope") or None
        if scope is not None and scope not in LibraryIndicator.Scope.values:
            raise DomainError("类别须为 common（共性指标）或 specific（个性指标）", field="scope")
        found = library.search_library(
            self.get_queryset(),
            params.get("q", ""),
            level1=params.get("level1") or None,
            level2=params.get("level2") or None,
            domain=params.get("domain") or None,
            scope=scope,
            limit=500,
        )
        page = self.paginate_queryset(found)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=LibraryInputSerializer, responses={201: LibraryOutput})
    def create(self, request: Request) -> Response:
        payload = LibraryInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        entry = library.save_entry(actor=request.user, data=payload.to_input())
        return Response(LibraryOutput(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LibraryInputSerializer, responses={200: LibraryOutput})
    def update(self, request: Request, pk: str | None = None) -> Response:
        entry = library.library_entry(user=request.user, pk=pk)
        payload = LibraryInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        entry = library.save_entry(actor=request.user, data=payload.to_input(), entry=entry)
        return Response(LibraryOutput(entry).data)

    @extend_schema(request=None, responses={200: LibraryOutput})
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str | None = None) -> Response:
        entry = library.retire_entry(actor=request.user, entry=library.library_entry(user=request.user, pk=pk))
        return Response(LibraryOutput(entry).data)

    def get_object(self) -> LibraryIndicator:
        return library.library_entry(user=self.request.user, pk=self.kwargs.get("pk"))


class SuggestionOutput(serializers.Serializer):  # type: ignore[type-arg]
    level1 = serializers.CharField()
    level2 = serializers.CharField()
    name = serializers.CharField()
    operator = serializers.CharField()
    unit = serializers.CharField()
    target_min = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    target_median = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    target_max = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    example_target = serializers.CharField(help_text="示例项目所填指标值（或指标库参考值）")
    projects = serializers.IntegerField(help_text="使用该指标的相似项目数")
    score = serializers.FloatField()
    library_entry_id = serializers.IntegerField(allow_null=True)
    example_project_id = serializers.IntegerField(allow_null=True)
    example_project_name = serializers.CharField()
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[("similar", "相似项目"), ("library", "指标库")],
        help_text="similar：相似项目所用；library：指标库按词匹配",
    )


class RecommendationViewSet(viewsets.ViewSet):
    """Indicators suggested for a project (`?project=ID`), from what the user may see."""

    @extend_schema(
        parameters=[
            OpenApiParameter("project", OpenApiTypes.INT, required=True, description="项目编号"),
            OpenApiParameter("limit", OpenApiTypes.INT, description="条数（1–50，缺省10）"),
        ],
        responses={200: SuggestionOutput(many=True)},
    )
    def list(self, request: Request) -> Response:
        project_id = request.query_params.get("project", "")
        if not (project_id.isascii() and project_id.isdigit()):
            raise DomainError("请用 project 参数指定项目编号", field="project")
        limit_text = request.query_params.get("limit", "10")
        limit = int(limit_text) if limit_text.isascii() and limit_text.isdigit() and len(limit_text) < 4 else 0
        if not 1 <= limit <= 50:
            raise DomainError("limit 须为 1 至 50 之间的整数", field="limit")
        project = project_detail(user=request.user, pk=int(project_id))
        suggestions = recommend(project, user=request.user, limit=limit)
        return Response(SuggestionOutput(suggestions, many=True).data)
