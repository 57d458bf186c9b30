"""REST API of 绩效运行监控: rounds (open, close, compute warnings, select 重点监控 by rule), reports with their
indicator rows and warnings (fill in, submit, department review, finance re-check), warnings, and
dispositions (propose, approve) with the project's available budget. Amounts are decimal strings in 元;
every write goes through the services (permission, audit)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.api.base import ScopedViewSet
from jixiao.core.errors import DomainError
from jixiao.goals.api import MAX_ID, _payload, _text
from jixiao.monitoring import compute, selectors, services
from jixiao.monitoring.models import (
    Cause,
    Disposition,
    IndicatorProgress,
    Likelihood,
    MonitoringReport,
    MonitoringRound,
    MonitoringWarning,
)
from jixiao.orgs.models import Region
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_for

# --- output ---------------------------------------------------------------------------------------------


class RoundOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    region_name = serializers.CharField(source="region.name", read_only=True)
    title = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = MonitoringRound
        fields = [
            "id",
            "title",
            "region",
            "region_name",
            "year",
            "cutoff_month",
            "due_date",
            "name",
            "status",
            "rules",
            "created_at",
            "closed_at",
        ]


class WarningOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    indicator_name = serializers.CharField(source="indicator.name", read_only=True, default="")

    class Meta:
        model = MonitoringWarning
        fields = ["id", "report", "indicator", "indicator_name", "rule", "colour", "value", "threshold", "inputs"]
        fields += ["message", "computed_at"]


class IndicatorProgressOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = IndicatorProgress
        fields = [
            "id",
            "position",
            "level1",
            "level2",
            "name",
            "operator",
            "target_value",
            "target_text",
            "unit",
            "value_to_date",
            "value_to_date_text",
            "expected_value",
            "expected_text",
            "likelihood",
            "causes",
            "cause_analysis",
            "measures",
            "remark",
        ]


class ReportOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_code = serializers.CharField(source="project.code", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    owner_name = serializers.CharField(source="project.owner.name", read_only=True)
    cutoff_month = serializers.IntegerField(source="round.cutoff_month", read_only=True)
    indicators = IndicatorProgressOutput(many=True, read_only=True)
    warnings = WarningOutput(many=True, read_only=True)

    class Meta:
        model = MonitoringReport
        fields = [
            "id",
            "round",
            "cutoff_month",
            "project",
            "project_code",
            "project_name",
            "owner_name",
            "budget_initial",
            "budget",
            "paid_to_date",
            "executed_to_date",
            "expected_full_year",
            "annual_goal",
            "annual_goal_progress",
            "remark",
            "status",
            "review_comment",
            "is_key",
            "key_source",
            "key_reason",
            "findings",
            "worst_colour",
            "warnings_at",
            "submitted_at",
            "dept_reviewed_at",
            "rechecked_at",
            "indicators",
            "warnings",
        ]


class DispositionOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_name = serializers.CharField(source="project.name", read_only=True)
    available_budget = serializers.SerializerMethodField()

    class Meta:
        model = Disposition
        fields = [
            "id",
            "project",
            "project_name",
            "report",
            "kind",
            "amount",
            "reason",
            "status",
            "goal_adjustment",
            "proposed_at",
            "approved_at",
            "lifted_at",
            "available_budget",
        ]

    def get_available_budget(self, obj: Disposition) -> str:
        """The project's available budget now (元): 全年预算数 − 收回资金 − 调减预算 (approved)."""
        return str(selectors.available_budget(obj.project))


# --- input ----------------------------------------------------------------------------------------------


def _decimal(help_text: str, max_digits: int = 20, decimal_places: int = 4) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=max_digits,
        decimal_places=decimal_places,
        required=False,
        allow_null=True,
        default=None,
        help_text=help_text,
    )


class RoundPayload(serializers.Serializer):  # type: ignore[type-arg]
    region = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="区划编号")
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="预算年度")
    cutoff_month = serializers.IntegerField(
        min_value=1, max_value=12, required=False, allow_null=True, default=None, help_text="截止月份；不填按规则配置"
    )
    due_date = serializers.DateField(required=False, allow_null=True, default=None, help_text="报送截止日期")
    name = _text(100)


class MonitoringIndicatorEntryPayload(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="指标执行情况行的编号")
    value_to_date = _decimal("截至当月完成值")
    value_to_date_text = _text(500, "截至当月执行情况（定性指标填写文字）")
    expected_value = _decimal("全年预计完成值")
    expected_text = _text(500)
    likelihood = serializers.ChoiceField(
        choices=[("", ""), *Likelihood.choices], required=False, default="", help_text="完成目标可能性"
    )
    causes = serializers.ListField(
        child=serializers.ChoiceField(choices=Cause.choices), required=False, default=list, max_length=5
    )
    cause_analysis = _text()
    measures = _text(help_text="相关建议或举措（可能性不是“确定能”时必填）")
    remark = _text(500)


class ReportPayload(serializers.Serializer):  # type: ignore[type-arg]
    """What the unit states. Indicator rows not listed keep their values; texts are replaced."""

    executed_to_date = _decimal("截至当月执行数（元）；不填保持原值", 16, 2)
    expected_full_year = _decimal("全年预计执行数（元）", 16, 2)
    annual_goal_progress = _text()
    remark = _text()
    indicators = serializers.ListField(
        child=MonitoringIndicatorEntryPayload(), max_length=500, required=False, default=list
    )

    def to_entry(self) -> services.ReportEntry:
        data = dict(self.validated_data)
        rows = [services.IndicatorEntry(**row) for row in data.pop("indicators")]
        return services.ReportEntry(**data, indicators=rows)


class MonitoringDecisionPayload(serializers.Serializer):  # type: ignore[type-arg]
    approve = serializers.BooleanField(help_text="true 通过；false 退回修改（须写明意见）")
    comment = _text(help_text="意见；退回时必填")


class MonitoringRecheckPayload(MonitoringDecisionPayload):
    findings = _text(help_text="财政复核发现的问题")


class KeyPayload(serializers.Serializer):  # type: ignore[type-arg]
    reason = _text(500, "人工选取重点监控的理由")


class DispositionPayload(serializers.Serializer):  # type: ignore[type-arg]
    project = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="项目编号")
    report = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=Disposition.Kind.choices)
    amount = _decimal("金额（元）：收回资金、调减预算必填", 16, 2)
    reason = _text(help_text="理由")


class ApprovePayload(serializers.Serializer):  # type: ignore[type-arg]
    due = serializers.DateField(required=False, allow_null=True, default=None, help_text="整改期限")


# --- views ----------------------------------------------------------------------------------------------


class RoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """监控轮次 of the regions the user sees."""

    selector = staticmethod(selectors.rounds_for)
    serializer_class = RoundOutput

    def _round(self) -> MonitoringRound:
        found = self.get_object()
        assert isinstance(found, MonitoringRound)
        return found

    @extend_schema(request=RoundPayload, responses={201: RoundOutput})
    def create(self, request: Request) -> Response:
        """Open a round and generate its reports."""
        data = dict(_payload(RoundPayload, request).validated_data)
        region = Region.objects.filter(pk=data.pop("region")).first()
        if region is None:
            raise DomainError("区划不存在", field="region")
        created = services.open_round(actor=request.user, region=region, **data)
        return Response(RoundOutput(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RoundOutput})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return Response(RoundOutput(services.close_round(actor=request.user, round_=self._round())).data)

    @extend_schema(request=None, responses={200: RoundOutput})
    @action(detail=True, methods=["post"])
    def generate(self, request: Request, pk: str | None = None) -> Response:
        """Generate the reports of covered projects that have none yet."""
        round_ = self._round()
        services.generate_reports(actor=request.user, round_=round_)
        return Response(RoundOutput(round_).data)

    @extend_schema(request=None, responses={200: RoundOutput})
    @action(detail=True, methods=["post"], url_path="compute-warnings")
    def compute_warnings(self, request: Request, pk: str | None = None) -> Response:
        round_ = self._round()
        compute.compute_warnings(actor=request.user, round_=round_)
        return Response(RoundOutput(round_).data)

    @extend_schema(request=None, responses={200: RoundOutput})
    @action(detail=True, methods=["post"], url_path="select-key")
    def select_key(self, request: Request, pk: str | None = None) -> Response:
        """Select the 重点监控 projects by the round's rule."""
        round_ = self._round()
        services.select_key_by_rule(actor=request.user, round_=round_)
        return Response(RoundOutput(round_).data)


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """绩效监控表 with their indicator rows and warnings."""

    selector = staticmethod(selectors.reports_for)
    serializer_class = ReportOutput

    def get_queryset(self) -> Any:
        qs = super().get_queryset().prefetch_related("indicators", "warnings__indicator")
        round_id = self.request.query_params.get("round")
        return qs.filter(round_id=round_id) if round_id and round_id.isdigit() else qs

    def _report(self) -> MonitoringReport:
        found = self.get_object()
        assert isinstance(found, MonitoringReport)
        return found

    def _out(self, request: Request, report: MonitoringReport) -> Response:
        return Response(ReportOutput(selectors.report_detail(user=request.user, pk=report.pk)).data)

    @extend_schema(request=ReportPayload, responses={200: ReportOutput})
    def update(self, request: Request, pk: str | None = None) -> Response:
        report = self._report()
        services.save_report(actor=request.user, report=report, data=_payload(ReportPayload, request).to_entry())
        return self._out(request, report)

    @extend_schema(request=None, responses={200: ReportOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._out(request, services.submit(actor=request.user, report=self._report()))

    @extend_schema(request=MonitoringDecisionPayload, responses={200: ReportOutput})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """主管部门审核: approve or return to the unit with a comment."""
        data = _payload(MonitoringDecisionPayload, request).validated_data
        return self._out(request, services.review(actor=request.user, report=self._report(), **data))

    @extend_schema(request=MonitoringRecheckPayload, responses={200: ReportOutput})
    @action(detail=True, methods=["post"])
    def recheck(self, request: Request, pk: str | None = None) -> Response:
        """财政复核 of a 重点监控 report: approve with findings, or return with a comment."""
        data = _payload(MonitoringRecheckPayload, request).validated_data
        return self._out(request, services.recheck(actor=request.user, report=self._report(), **data))

    @extend_schema(request=KeyPayload, responses={200: ReportOutput})
    @action(detail=True, methods=["post"], url_path="select-key")
    def select_key(self, request: Request, pk: str | None = None) -> Response:
        """Add the project to the 重点监控 selection by hand, with a reason."""
        reason = _payload(KeyPayload, request).validated_data["reason"]
        return self._out(request, services.select_key(actor=request.user, report=self._report(), reason=reason))


class WarningViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Stored warnings with their inputs, threshold and explanation."""

    selector = staticmethod(selectors.warnings_for)
    serializer_class = WarningOutput

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        for name in ("report", "colour", "rule"):
            value = self.request.query_params.get(name)
            if value:
                qs = qs.filter(**{name: value}) if name != "report" or value.isdigit() else qs.none()
        return qs


class DispositionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """监控处理: 收回资金, 调减预算, 暂缓拨款, 停止拨款, with the project's available budget."""

    selector = staticmethod(selectors.dispositions_for)
    serializer_class = DispositionOutput

    @extend_schema(request=DispositionPayload, responses={201: DispositionOutput})
    def create(self, request: Request) -> Response:
        data = dict(_payload(DispositionPayload, request).validated_data)
        try:
            project = projects_for(user=request.user).get(pk=data.pop("project"))
        except Project.DoesNotExist as exc:
            raise DomainError("项目不存在或不在您的权限范围内", field="project") from exc
        report_id = data.pop("report")
        report = selectors.report_detail(user=request.user, pk=report_id) if report_id else None
        created = services.propose_disposition(actor=request.user, project=project, report=report, **data)
        return Response(DispositionOutput(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApprovePayload, responses={200: DispositionOutput})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        found = self.get_object()
        assert isinstance(found, Disposition)
        due = _payload(ApprovePayload, request).validated_data["due"]
        approved = services.approve_disposition(actor=request.user, disposition=found, due=due)
        return Response(DispositionOutput(approved).data)
