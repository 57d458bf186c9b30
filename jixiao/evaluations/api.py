"""REST API of 绩效自评, 抽查复核 and 再评价: self-evaluations with their indicator rows, scores and the
engine's explanations; entering actual values, submitting and the two review steps; sampling plans with
their reproducible draw; re-checks on the same form; re-evaluations of departments. Values are decimal
strings; every write goes through the services (permission, audit, scoring on save)."""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.api.base import ScopedViewSet
from jixiao.core import scoping
from jixiao.core.errors import DomainError
from jixiao.evaluations import recheck_services, selectors, services, stats
from jixiao.evaluations.models import (
    IndicatorResult,
    Layout,
    QualitativeBand,
    Recheck,
    RecheckIndicator,
    ReEvaluation,
    SampleItem,
    SamplingPlan,
    SelfEvaluation,
)
from jixiao.goals.api import MAX_ID, _payload, _text
from jixiao.goals.models import Operator
from jixiao.orgs.models import Organization, Region
from jixiao.orgs.roles import Cap
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_for
from jixiao.rules.targets import format_target

# --- output ---------------------------------------------------------------------------------------------

_ROW_FIELDS = [
    "id",
    "position",
    "level1",
    "level2",
    "name",
    "operator",
    "target_value",
    "target_text",
    "target",
    "unit",
    "weight",
    "actual_value",
    "actual_text",
    "band",
    "manual_score",
    "not_applicable",
    "not_applicable_reason",
    "deduction",
    "deduction_reason",
    "score",
    "explanation",
]
_FORM_FIELDS = [
    "budget_initial",
    "budget_full_year",
    "executed",
    "execution_reason",
    "execution_score",
    "indicator_score",
    "total_score",
    "grade",
    "explanation",
    "scored_at",
]


class _TargetMixin(serializers.Serializer):  # type: ignore[type-arg]
    target = serializers.SerializerMethodField(help_text="年度指标值，如“≥1200平方米”；定性指标为所述水平")

    def get_target(self, obj: Any) -> str:
        if obj.operator == Operator.QUALITATIVE:
            return str(obj.target_text)
        return format_target(obj.operator, obj.target_value, obj.unit)


class IndicatorResultOutput(_TargetMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = IndicatorResult
        fields = [*_ROW_FIELDS, "deviation_reason", "improvement_measures", "published_score"]
        read_only_fields = fields


class SelfEvaluationOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_code = serializers.CharField(source="project.code")
    project_name = serializers.CharField(source="project.name")
    project_kind = serializers.CharField(source="project.kind")
    owner_name = serializers.CharField(source="project.owner.name")
    region_name = serializers.CharField(source="project.region.name")
    status_label = serializers.CharField(source="get_status_display")
    indicators = IndicatorResultOutput(many=True, read_only=True)
    missing = serializers.SerializerMethodField(help_text="提交前尚须填写或说明的事项（字段与说明）")

    class Meta:
        model = SelfEvaluation
        fields = [
            "id",
            "project",
            "project_code",
            "project_name",
            "project_kind",
            "owner_name",
            "region_name",
            "year",
            "layout",
            "status",
            "status_label",
            "goal",
            "annual_goal_expected",
            "annual_goal_actual",
            *_FORM_FIELDS,
            "review_comment",
            "submitted_at",
            "dept_reviewed_at",
            "finance_reviewed_at",
            "created_at",
            "updated_at",
            "indicators",
            "missing",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DictField(child=serializers.CharField())))
    def get_missing(self, obj: SelfEvaluation) -> list[dict[str, str]]:
        if obj.status not in SelfEvaluation.EDITABLE_BY_UNIT:
            return []
        return [{"field": e.field or "", "message": e.message} for e in services.missing_explanations(obj)]


class SampleItemOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_code = serializers.CharField(source="project.code", default="")
    project_name = serializers.CharField(source="project.name", default="")
    department_code = serializers.CharField(source="department.code")
    department_name = serializers.CharField(source="department.name")

    class Meta:
        model = SampleItem
        fields = [
            "order",
            "project",
            "project_code",
            "project_name",
            "department",
            "department_code",
            "department_name",
            "stratum",
            "amount",
        ]
        read_only_fields = fields


class SamplingPlanOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    region_name = serializers.CharField(source="region.name")

    class Meta:
        model = SamplingPlan
        fields = [
            "id",
            "region",
            "region_name",
            "year",
            "name",
            "population",
            "filters",
            "method",
            "strata",
            "amount_bands",
            "rate",
            "size",
            "seed",
            "population_size",
            "population_hash",
            "drawn_at",
            "created_at",
        ]
        read_only_fields = fields


class RecheckIndicatorOutput(_TargetMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = RecheckIndicator
        fields = [*_ROW_FIELDS, "result", "comment"]
        read_only_fields = fields


class RecheckOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_code = serializers.CharField(source="evaluation.project.code")
    project_name = serializers.CharField(source="evaluation.project.name")
    agency_name = serializers.CharField(source="agency.name", default="")
    indicators = RecheckIndicatorOutput(many=True, read_only=True)
    discrepancy = serializers.SerializerMethodField(help_text="自评与复核的差异（复核 − 自评），逐项及合计")

    class Meta:
        model = Recheck
        fields = [
            "id",
            "evaluation",
            "project_code",
            "project_name",
            "sample_item",
            "agency",
            "agency_name",
            "status",
            *_FORM_FIELDS,
            "findings",
            "completed_at",
            "created_at",
            "indicators",
            "discrepancy",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_discrepancy(self, obj: Recheck) -> dict[str, Any]:
        return stats.discrepancy(obj)


class ReEvaluationOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    department_code = serializers.CharField(source="department.code")
    department_name = serializers.CharField(source="department.name")
    region_name = serializers.CharField(source="region.name")

    class Meta:
        model = ReEvaluation
        fields = [
            "id",
            "department",
            "department_code",
            "department_name",
            "region",
            "region_name",
            "year",
            "sample_item",
            "items",
            "total_score",
            "grade",
            "findings",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- input ----------------------------------------------------------------------------------------------


def _decimal(help_text: str = "", max_digits: int = 20, decimal_places: int = 4) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=max_digits,
        decimal_places=decimal_places,
        required=False,
        allow_null=True,
        default=None,
        help_text=help_text or None,
    )


def _money(help_text: str) -> serializers.DecimalField:
    return _decimal(help_text, max_digits=16, decimal_places=2)


class IndicatorEntryPayload(serializers.Serializer):  # type: ignore[type-arg]
    """The unit's statement for one indicator row; every field given replaces the stored one."""

    id = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="自评指标行的编号")
    actual_value = _decimal("实际完成值")
    actual_text = _text(500, "实际完成值（原文，定性指标填写完成情况）")
    band = serializers.ChoiceField(
        choices=[("", ""), *QualitativeBand.choices], required=False, default="", help_text="定性指标的档次"
    )
    manual_score = _decimal("定性指标的评定得分（须在档次的分值区间内）")
    not_applicable = serializers.BooleanField(default=False, help_text="不适用（须说明理由）")
    not_applicable_reason = _text(500)
    deduction = _decimal("偏离度调减（分，须说明理由）")
    deduction_reason = _text(500)
    deviation_reason = _text(help_text="偏差原因分析（未完成年度指标值时必填）")
    improvement_measures = _text(help_text="改进措施（未完成年度指标值时必填）")
    weight = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="分值（四川表样由单位分配90分；不填保持原值）",
    )


class SelfEvaluationPayload(serializers.Serializer):  # type: ignore[type-arg]
    """What the unit states on the form. Indicator rows not listed keep their values; amounts not given
    keep theirs; the texts are replaced."""

    annual_goal_actual = _text(help_text="年度总体目标实际完成情况")
    budget_initial = _money("年初预算数（元）；不填保持原值")
    budget_full_year = _money("全年预算数（元）；不填保持原值")
    executed = _money("全年执行数（元）；不填保持原值")
    execution_reason = _text(help_text="预算执行偏差原因（四川表样执行率低于规定比例时必填）")
    indicators = serializers.ListField(child=IndicatorEntryPayload(), max_length=500, required=False, default=list)

    def to_entry(self) -> services.FormEntry:
        data = dict(self.validated_data)
        rows = [services.IndicatorEntry(**row) for row in data.pop("indicators")]
        return services.FormEntry(**data, indicators=rows)


class SelfEvaluationCreatePayload(serializers.Serializer):  # type: ignore[type-arg]
    project = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="项目编号（预算已批复）")
    layout = serializers.ChoiceField(choices=Layout.choices, default=Layout.NATIONAL, help_text="表样")


class DecisionPayload(serializers.Serializer):  # type: ignore[type-arg]
    approve = serializers.BooleanField(help_text="true 审核通过；false 退回修改（须写明意见）")
    comment = _text(help_text="审核意见；退回时必填")


class SamplingPlanPayload(serializers.Serializer):  # type: ignore[type-arg]
    region = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="区划编号（含下级区划）")
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="预算年度")
    name = _text(100)
    population = serializers.ChoiceField(choices=SamplingPlan.Population.choices)
    method = serializers.ChoiceField(choices=SamplingPlan.Method.choices)
    strata = serializers.ChoiceField(
        choices=[("", ""), *SamplingPlan.Strata.choices], required=False, default="", help_text="分层抽样的分层依据"
    )
    rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, allow_null=True, default=None, help_text="抽样比例，如0.3"
    )
    size = serializers.IntegerField(
        min_value=1, max_value=100000, required=False, allow_null=True, default=None, help_text="样本量"
    )
    seed = serializers.IntegerField(
        min_value=0,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="随机种子；不填随机生成并记录",
    )
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text="筛选条件：category、kind、department、min_amount、max_amount、self_evaluated",
    )
    amount_bands = serializers.ListField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2),
        required=False,
        default=list,
        max_length=20,
        help_text="金额分档上限（元，递增）；按金额档次分层且不填时按规则",
    )


class RecheckCreatePayload(serializers.Serializer):  # type: ignore[type-arg]
    evaluation = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="已提交的绩效自评编号")
    sample_item = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None, help_text="抽中对象编号"
    )
    agency = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None, help_text="委托的第三方机构编号"
    )


class RecheckIndicatorPayload(IndicatorEntryPayload):
    comment = _text(help_text="复核说明")


class RecheckPayload(SelfEvaluationPayload):
    indicators = serializers.ListField(  # type: ignore[assignment]
        child=RecheckIndicatorPayload(), max_length=500, required=False, default=list
    )
    findings = _text(help_text="复核意见")
    complete = serializers.BooleanField(default=False, help_text="完成复核（此后不能修改）")

    def to_entry(self) -> services.FormEntry:
        data = {k: v for k, v in self.validated_data.items() if k not in ("findings", "complete")}
        rows = [recheck_services.RecheckEntry(**row) for row in data.pop("indicators")]
        return services.FormEntry(**data, indicators=list(rows))


class AspectPayload(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField(max_length=40, help_text="评价内容编号（见规则 evaluation.reevaluation_aspects）")
    score = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="得分")
    finding = _text(help_text="发现的问题")


class ReEvaluationPayload(serializers.Serializer):  # type: ignore[type-arg]
    scores = serializers.ListField(child=AspectPayload(), max_length=50, required=False, default=list)
    findings = _text(help_text="主要问题及建议")
    complete = serializers.BooleanField(default=False, help_text="完成再评价（须每项都已评分）")


class ReEvaluationCreatePayload(ReEvaluationPayload):
    department = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="一级预算单位（主管部门）编号")
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="年度")
    sample_item = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None, help_text="抽中对象编号"
    )


def _aspects(data: dict[str, Any]) -> list[recheck_services.AspectScore]:
    return [recheck_services.AspectScore(**s) for s in data["scores"]]


# --- viewsets -------------------------------------------------------------------------------------------


class SelfEvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """绩效自评表 with their indicator rows, each score and its explanation."""

    selector = staticmethod(selectors.self_evaluations_for)
    serializer_class = SelfEvaluationOutput

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("indicators")

    def _evaluation(self) -> SelfEvaluation:
        evaluation = self.get_object()
        assert isinstance(evaluation, SelfEvaluation)
        return evaluation

    def _out(self, request: Request, evaluation: SelfEvaluation, code: int = status.HTTP_200_OK) -> Response:
        shown = selectors.self_evaluation_detail(user=request.user, pk=evaluation.pk)
        return Response(SelfEvaluationOutput(shown).data, status=code)

    @extend_schema(request=SelfEvaluationCreatePayload, responses={201: SelfEvaluationOutput})
    def create(self, request: Request) -> Response:
        """Prefill the project's self-evaluation from its approved goal and budget (or return the one that exists)."""
        payload = _payload(SelfEvaluationCreatePayload, request)
        try:
            project = (
                projects_for(user=request.user)
                .select_related("owner", "region")
                .get(pk=payload.validated_data["project"])
            )
        except Project.DoesNotExist as exc:
            raise DomainError("项目不存在或不在您的权限范围内", field="project") from exc
        evaluation = services.prefill(actor=request.user, project=project, layout=payload.validated_data["layout"])
        return self._out(request, evaluation, status.HTTP_201_CREATED)

    @extend_schema(request=SelfEvaluationPayload, responses={200: SelfEvaluationOutput})
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Enter actual values and explanations; the form is scored again on save."""
        evaluation = self._evaluation()
        payload = _payload(SelfEvaluationPayload, request)
        services.save_entries(actor=request.user, evaluation=evaluation, data=payload.to_entry())
        return self._out(request, evaluation)

    @extend_schema(request=None, responses={200: SelfEvaluationOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._out(request, services.submit(actor=request.user, evaluation=self._evaluation()))

    def _decide(self, request: Request, waiting: str, label: str) -> Response:
        evaluation = self._evaluation()
        payload = _payload(DecisionPayload, request)
        scoping.require(request.user, Cap.SELFEVAL_REVIEW, view_cap=Cap.PROJECT_VIEW, **services.place(evaluation))
        if evaluation.status != waiting:
            raise DomainError(f"自评表状态为“{evaluation.get_status_display()}”，不在{label}环节", field="status")
        decided = services.review(actor=request.user, evaluation=evaluation, **payload.validated_data)
        return self._out(request, decided)

    @extend_schema(request=DecisionPayload, responses={200: SelfEvaluationOutput})
    @action(detail=True, methods=["post"], url_path="department-review")
    def department_review(self, request: Request, pk: str | None = None) -> Response:
        """主管部门审核: approve (部门已审核) or return to the unit with a comment."""
        return self._decide(request, SelfEvaluation.Status.SUBMITTED, "主管部门审核")

    @extend_schema(request=DecisionPayload, responses={200: SelfEvaluationOutput})
    @action(detail=True, methods=["post"], url_path="finance-review")
    def finance_review(self, request: Request, pk: str | None = None) -> Response:
        """财政审核: approve (财政已审核) or return to the unit with a comment."""
        return self._decide(request, SelfEvaluation.Status.DEPT_REVIEWED, "财政审核")


class SamplingPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """抽样方案: population, method, rate or size and seed; the same plan always draws the same sample."""

    selector = staticmethod(selectors.sampling_plans_for)
    serializer_class = SamplingPlanOutput

    def _plan(self) -> SamplingPlan:
        plan = self.get_object()
        assert isinstance(plan, SamplingPlan)
        return plan

    @extend_schema(request=SamplingPlanPayload, responses={201: SamplingPlanOutput})
    def create(self, request: Request) -> Response:
        data = dict(_payload(SamplingPlanPayload, request).validated_data)
        region = Region.objects.filter(pk=data.pop("region")).first()
        if region is None:
            raise DomainError("区划不存在", field="region")
        plan = recheck_services.create_plan(actor=request.user, data=recheck_services.PlanInput(region=region, **data))
        return Response(SamplingPlanOutput(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SampleItemOutput(many=True)})
    @action(detail=True, methods=["post"])
    def draw(self, request: Request, pk: str | None = None) -> Response:
        """Draw the sample (again: the same sample, logged again); refused if the population has changed."""
        plan = self._plan()
        recheck_services.draw(actor=request.user, plan=plan)
        return self._items(plan)

    @extend_schema(responses={200: SampleItemOutput(many=True)})
    @action(detail=True, methods=["get"])
    def sample(self, request: Request, pk: str | None = None) -> Response:
        """The drawn sample in the order drawn (empty before the first draw)."""
        return self._items(self._plan())

    def _items(self, plan: SamplingPlan) -> Response:
        items = plan.items.select_related("project", "department").order_by("order")
        return Response(SampleItemOutput(items, many=True).data)


class RecheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """抽查复核 on the same form as the self-evaluation, with the discrepancy report."""

    selector = staticmethod(selectors.rechecks_for)
    serializer_class = RecheckOutput

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("indicators", "evaluation__indicators")

    def _out(self, request: Request, recheck: Recheck, code: int = status.HTTP_200_OK) -> Response:
        return Response(RecheckOutput(selectors.recheck_detail(user=request.user, pk=recheck.pk)).data, status=code)

    @extend_schema(request=RecheckCreatePayload, responses={201: RecheckOutput})
    def create(self, request: Request) -> Response:
        """Open a re-check of a submitted self-evaluation, prefilled with what the unit stated."""
        data = _payload(RecheckCreatePayload, request).validated_data
        try:
            evaluation = selectors.self_evaluations_for(user=request.user).get(pk=data["evaluation"])
        except SelfEvaluation.DoesNotExist as exc:
            raise DomainError("绩效自评不存在或不在您的权限范围内", field="evaluation") from exc
        item = None
        if data["sample_item"] is not None:
            item = SampleItem.objects.filter(
                pk=data["sample_item"], plan__in=selectors.sampling_plans_for(user=request.user)
            ).first()
            if item is None:
                raise DomainError("抽中对象不存在或不在您的权限范围内", field="sample_item")
        agency = None
        if data["agency"] is not None:
            agency = Organization.objects.filter(pk=data["agency"]).first()
            if agency is None:
                raise DomainError("第三方机构不存在", field="agency")
        recheck = recheck_services.assign_recheck(
            actor=request.user, evaluation=evaluation, sample_item=item, agency=agency
        )
        return self._out(request, recheck, status.HTTP_201_CREATED)

    @extend_schema(request=RecheckPayload, responses={200: RecheckOutput})
    def update(self, request: Request, pk: str | None = None) -> Response:
        """The re-checker's values, scored by the same engine; `complete` closes the re-check."""
        recheck = self.get_object()
        assert isinstance(recheck, Recheck)
        payload = _payload(RecheckPayload, request)
        recheck_services.save_recheck(
            actor=request.user,
            recheck=recheck,
            data=payload.to_entry(),
            findings=payload.validated_data["findings"],
            complete=payload.validated_data["complete"],
        )
        return self._out(request, recheck)


class ReEvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """再评价 of departments' own performance management on the checklist of aspects."""

    selector = staticmethod(selectors.reevaluations_for)
    serializer_class = ReEvaluationOutput

    @extend_schema(request=ReEvaluationCreatePayload, responses={201: ReEvaluationOutput})
    def create(self, request: Request) -> Response:
        """Score a department for a year (the re-evaluation is opened on the first save)."""
        data = _payload(ReEvaluationCreatePayload, request).validated_data
        department = Organization.objects.select_related("region").filter(pk=data["department"]).first()
        if department is None:
            raise DomainError("部门不存在", field="department")
        item = None
        if data["sample_item"] is not None:
            item = SampleItem.objects.filter(
                pk=data["sample_item"], plan__in=selectors.sampling_plans_for(user=request.user)
            ).first()
            if item is None:
                raise DomainError("抽中对象不存在或不在您的权限范围内", field="sample_item")
        reevaluation = recheck_services.save_reevaluation(
            actor=request.user,
            department=department,
            year=data["year"],
            scores=_aspects(data),
            findings=data["findings"],
            sample_item=item,
            complete=data["complete"],
        )
        return Response(ReEvaluationOutput(reevaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReEvaluationPayload, responses={200: ReEvaluationOutput})
    def update(self, request: Request, pk: str | None = None) -> Response:
        reevaluation = self.get_object()
        assert isinstance(reevaluation, ReEvaluation)
        data = _payload(ReEvaluationPayload, request).validated_data
        saved = recheck_services.save_reevaluation(
            actor=request.user,
            department=reevaluation.department,
            year=reevaluation.year,
            scores=_aspects(data),
            findings=data["findings"],
            complete=data["complete"],
        )
        return Response(ReEvaluationOutput(saved).data)
