"""REST API of 绩效目标: goals with their indicators, reviews and check findings; declaring, submitting,
reviewing, withdrawing and adjusting them; a reviewer's inbox. Values are decimal strings."""

from typing import Any, cast

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.api.base import ScopedViewSet
from jixiao.core.errors import DomainError
from jixiao.goals import selectors, services
from jixiao.goals.models import Basis, Goal, Indicator, Operator, Review, ReviewResult
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_for
from jixiao.rules.goal_checks import CheckSettings
from jixiao.rules.targets import TargetError, format_target, parse_target

MAX_ID = 2**63 - 1  # ids are BigAutoField: a larger number is refused as input, not sent to the database


def _text(max_length: int = 5000, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length, help_text=help_text or None
    )


def _value() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=4, required=False, allow_null=True, default=None)


class IndicatorOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    target = serializers.SerializerMethodField(help_text="指标值，如“≥50个”；定性指标为所述水平")

    class Meta:
        model = Indicator
        fields = [
            "position",
            "level1",
            "level2",
            "name",
            "operator",
            "target_value",
            "target_text",
            "target",
            "mid_term_target",
            "unit",
            "explanation",
            "scoring_rule",
            "basis",
            "data_source",
            "last_year_actual",
            "weight",
            "is_core",
            "remark",
            "library_entry",
        ]
        read_only_fields = fields

    def get_target(self, obj: Indicator) -> str:
        if obj.operator == Operator.QUALITATIVE:
            return obj.target_text
        return format_target(obj.operator, obj.target_value, obj.unit)


class ReviewOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    reviewer_name = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "submission",
            "step",
            "step_label",
            "role",
            "state",
            "result",
            "completeness",
            "relevance",
            "appropriateness",
            "feasibility",
            "comment",
            "reviewer_name",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_reviewer_name(self, obj: Review) -> str:
        return str(obj.reviewer) if obj.reviewer else ""


class FindingOutput(serializers.Serializer):  # type: ignore[type-arg]
    check = serializers.CharField(help_text="检查编号")
    severity = serializers.ChoiceField(choices=["blocking", "warning"])
    message = serializers.CharField()
    field = serializers.CharField(help_text="所指字段，如 annual_goal、indicators.3.target_value")
    indicator = serializers.IntegerField(allow_null=True, help_text="指标序号")


class GoalOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_code = serializers.CharField(source="project.code")
    project_name = serializers.CharField(source="project.name")
    owner_name = serializers.CharField(source="project.owner.name")
    region_name = serializers.CharField(source="project.region.name")
    fiscal_year = serializers.IntegerField(source="project.fiscal_year")
    status_label = serializers.CharField(source="get_status_display")
    indicators = IndicatorOutput(many=True, read_only=True)
    reviews = ReviewOutput(many=True, read_only=True)
    findings = serializers.SerializerMethodField(help_text="自动审核发现的问题")

    class Meta:
        model = Goal
        fields = [
            "id",
            "project",
            "project_code",
            "project_name",
            "owner_name",
            "region_name",
            "fiscal_year",
            "version",
            "status",
            "status_label",
            "mid_term_goal",
            "annual_goal",
            "has_beneficiaries",
            "adjustment_reason",
            "chain",
            "submissions",
            "last_result",
            "submitted_at",
            "decided_at",
            "approved_at",
            "is_generated",
            "created_at",
            "updated_at",
            "indicators",
            "reviews",
            "findings",
        ]
        read_only_fields = fields

    @extend_schema_field(FindingOutput(many=True))
    def get_findings(self, obj: Goal) -> list[dict[str, Any]]:
        # Rules are resolved once per region and year of the goals shown, not once per goal.
        cache: dict[tuple[int, int], CheckSettings] = cast(dict[str, Any], self.context).setdefault(
            "check_settings", {}
        )
        key = (obj.project.region_id, obj.project.fiscal_year)
        if key not in cache:
            cache[key] = services.check_settings(obj.project.region, obj.project.fiscal_year)
        return [FindingOutput(f).data for f in services.findings_for(obj, cache[key])]


class IndicatorPayload(serializers.Serializer):  # type: ignore[type-arg]
    level1 = serializers.CharField(max_length=20, help_text="一级指标")
    level2 = serializers.CharField(max_length=30, help_text="二级指标")
    name = serializers.CharField(max_length=200, help_text="三级指标")
    target = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="指标值原文，如“≥50个”“≤90万元”"
    )
    operator = serializers.ChoiceField(
        choices=[("", ""), *Operator.choices], required=False, default="", help_text="指标性质（与 target 同填时优先）"
    )
    target_value = _value()
    target_text = _text(200)
    unit = _text(20)
    mid_term_target = _text(200)
    explanation = _text()
    scoring_rule = _text()
    basis = serializers.ChoiceField(choices=[("", ""), *Basis.choices], required=False, default="")
    data_source = _text(200)
    last_year_actual = _value()
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False, allow_null=True)
    is_core = serializers.BooleanField(default=False)
    remark = _text()
    library_entry = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None
    )


def _indicator(n: int, data: dict[str, Any]) -> services.IndicatorInput:
    """An indicator of the payload, its target read from `target` or from operator, value and unit."""
    operator, value, unit, text = data["operator"], data["target_value"], data["unit"], data["target_text"]
    if data["target"].strip():
        try:
            parsed = parse_target(data["target"], operator=operator, unit=unit)
        except TargetError as exc:
            raise DomainError(f"第{n}个指标：{exc}", field=f"indicators.{n}.target") from exc
        operator, value, unit, text = parsed.operator, parsed.value, parsed.unit, parsed.text
    elif not operator:
        raise DomainError(
            f"第{n}个指标：请填写指标值（target）或指标性质（operator）", field=f"indicators.{n}.operator"
        )
    return services.IndicatorInput(
        level1=data["level1"],
        level2=data["level2"],
        name=data["name"],
        operator=operator,
        target_value=value,
        target_text=text,
        unit=unit,
        mid_term_target=data["mid_term_target"],
        explanation=data["explanation"],
        scoring_rule=data["scoring_rule"],
        basis=data["basis"],
        data_source=data["data_source"],
        last_year_actual=data["last_year_actual"],
        weight=data.get("weight"),
        is_core=data["is_core"],
        remark=data["remark"],
        library_entry_id=data["library_entry"],
    )


class GoalPayload(serializers.Serializer):  # type: ignore[type-arg]
    annual_goal = _text(help_text="年度目标")
    mid_term_goal = _text(help_text="中期目标")
    has_beneficiaries = serializers.BooleanField(default=True, help_text="有直接服务对象（须设满意度指标）")
    indicators = serializers.ListField(child=IndicatorPayload(), max_length=200)

    def to_input(self) -> services.GoalInput:
        data = self.validated_data
        return services.GoalInput(
            annual_goal=data["annual_goal"],
            mid_term_goal=data["mid_term_goal"],
            has_beneficiaries=data["has_beneficiaries"],
            indicators=[_indicator(n, item) for n, item in enumerate(data["indicators"], start=1)],
        )


class GoalCreatePayload(GoalPayload):
    project = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="项目编号")


class ReviewPayload(serializers.Serializer):  # type: ignore[type-arg]
    result = serializers.ChoiceField(
        choices=ReviewResult.choices, help_text="优、良进入下一环节；中退回修改；差不得进入预算"
    )
    completeness = _text(help_text="完整性审核意见")
    relevance = _text(help_text="相关性审核意见")
    appropriateness = _text(help_text="适当性审核意见")
    reasonableness = _text(help_text="合理性审核意见（适当性的别称）")
    feasibility = _text(help_text="可行性审核意见")
    comment = _text(help_text="需补充完善事项（中、差必填）")


class AdjustPayload(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=5000, help_text="调整理由")


class BatchReviewPayload(serializers.Serializer):  # type: ignore[type-arg]
    goals = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=500
    )
    result = serializers.ChoiceField(
        choices=ReviewResult.choices, help_text="只能为优或良：中、差须逐个审核并写明修改要求"
    )
    comment = _text()


def _payload[S: serializers.Serializer](cls: type[S], request: Request) -> S:  # type: ignore[type-arg]
    payload = cls(data=request.data)
    payload.is_valid(raise_exception=True)
    return payload


class GoalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """绩效目标 (all versions) with indicators, review history and automatic check findings."""

    selector = staticmethod(selectors.goal_list)
    serializer_class = GoalOutput

    def _goal(self) -> Goal:
        goal = self.get_object()
        assert isinstance(goal, Goal)
        return goal

    def _out(self, request: Request, goal: Goal, code: int = status.HTTP_200_OK) -> Response:
        return Response(GoalOutput(selectors.goal_detail(user=request.user, pk=goal.pk)).data, status=code)

    @extend_schema(request=GoalCreatePayload, responses={201: GoalOutput})
    def create(self, request: Request) -> Response:
        payload = _payload(GoalCreatePayload, request)
        try:
            project = (
                projects_for(user=request.user)
                .select_related("owner", "region")
                .get(pk=payload.validated_data["project"])
            )
        except Project.DoesNotExist as exc:
            raise DomainError("项目不存在或不在您的权限范围内", field="project") from exc
        goal = services.save_goal(actor=request.user, project=project, data=payload.to_input())
        return self._out(request, goal, status.HTTP_201_CREATED)

    @extend_schema(request=GoalPayload, responses={200: GoalOutput})
    def update(self, request: Request, pk: str | None = None) -> Response:
        goal = self._goal()
        payload = _payload(GoalPayload, request)
        if goal.status not in Goal.OPEN:
            raise DomainError(
                f"第{goal.version}版绩效目标为“{goal.get_status_display()}”，不能修改；已通过的目标须申请调整",
                field="status",
            )
        goal = services.save_goal(actor=request.user, project=goal.project, data=payload.to_input())
        return self._out(request, goal)

    @extend_schema(request=None, responses={200: GoalOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._out(request, services.submit_goal(actor=request.user, goal=self._goal()))

    @extend_schema(request=ReviewPayload, responses={200: GoalOutput})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        goal = self._goal()
        payload = _payload(ReviewPayload, request)
        return self._out(request, services.review_goal(actor=request.user, goal=goal, **payload.validated_data))

    @extend_schema(request=None, responses={200: GoalOutput})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._out(request, services.withdraw_goal(actor=request.user, goal=self._goal()))

    @extend_schema(request=AdjustPayload, responses={201: GoalOutput})
    @action(detail=True, methods=["post"])
    def adjust(self, request: Request, pk: str | None = None) -> Response:
        """Open an adjustment (version n+1, a draft copy) of the project's goal in force."""
        goal = self._goal()
        payload = _payload(AdjustPayload, request)
        copy = services.start_adjustment(
            actor=request.user, project=goal.project, reason=payload.validated_data["reason"]
        )
        return self._out(request, copy, status.HTTP_201_CREATED)

    @extend_schema(request=BatchReviewPayload, responses={200: GoalOutput(many=True)})
    @action(detail=False, methods=["post"], url_path="batch-review")
    def batch_review(self, request: Request) -> Response:
        """Pass many goals at their pending step (优 or 良); all or none."""
        payload = _payload(BatchReviewPayload, request)
        ids = payload.validated_data["goals"]
        goals = list(selectors.goals_for(user=request.user).filter(pk__in=ids))
        missing = set(ids) - {g.pk for g in goals}
        if missing:
            raise DomainError(
                f"绩效目标{'、'.join(map(str, sorted(missing)[:10]))}不存在或不在您的权限范围内，本批均未审核",
                field="goals",
            )
        decided = services.batch_review(
            actor=request.user,
            goals=goals,
            result=payload.validated_data["result"],
            comment=payload.validated_data["comment"],
        )
        shown = selectors.goal_list(user=request.user).filter(pk__in=[g.pk for g in decided])
        return Response(GoalOutput(shown, many=True).data)


class InboxOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    project = serializers.IntegerField(source="goal.project_id")
    project_code = serializers.CharField(source="goal.project.code")
    project_name = serializers.CharField(source="goal.project.name")
    owner_name = serializers.CharField(source="goal.project.owner.name")
    region_name = serializers.CharField(source="goal.project.region.name")
    fiscal_year = serializers.IntegerField(source="goal.project.fiscal_year")
    version = serializers.IntegerField(source="goal.version")
    submitted_at = serializers.DateTimeField(source="goal.submitted_at")

    class Meta:
        model = Review
        fields = [
            "id",
            "goal",
            "project",
            "project_code",
            "project_name",
            "owner_name",
            "region_name",
            "fiscal_year",
            "version",
            "submission",
            "step",
            "step_label",
            "role",
            "submitted_at",
        ]
        read_only_fields = fields


class GoalInboxViewSet(mixins.ListModelMixin, ScopedViewSet):
    """待审核: the pending review steps the user can decide, the longest waiting first."""

    selector = staticmethod(selectors.inbox_for)
    serializer_class = InboxOutput
