"""REST API of 事前绩效评估 and 预算评审: assessments (score, submit, conclude, override, resubmit), budget
reviews (送审 = 审定 + 审减; submit to the panel, sign), function-point reviews (compute), and the worklist
of projects that still need an assessment. Amounts are decimal strings in 元."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.api.base import ScopedViewSet
from jixiao.appraisals import selectors, services
from jixiao.appraisals.models import (
    Assessment,
    AssessmentAttachment,
    AssessmentScore,
    AssessorKind,
    BudgetReview,
    Conclusion,
    FunctionItem,
    FunctionPointReview,
    PanelSignature,
)
from jixiao.core.errors import DomainError
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Role
from jixiao.projects.api import ProjectOutput
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_for
from jixiao.rules import function_points as fp

MAX_ID = 2**63 - 1


def _amount(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, allow_null=True, default=None, help_text=help_text
    )


def _text(max_length: int = 5000, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length, help_text=help_text or None
    )


def _payload[S: serializers.Serializer](cls: type[S], request: Request) -> S:  # type: ignore[type-arg]
    payload = cls(data=request.data)
    payload.is_valid(raise_exception=True)
    return payload


def _project(request: Request, pk: int) -> Project:
    try:
        return projects_for(user=request.user).select_related("owner", "region").get(pk=pk)
    except Project.DoesNotExist as exc:
        raise DomainError("项目不存在或不在您的权限范围内", field="project") from exc


# --- Assessments ---


class ScoreOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = AssessmentScore
        fields = ["dimension", "dimension_label", "item", "position", "points", "score", "comment"]
        read_only_fields = fields


class AttachmentOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = AssessmentAttachment
        fields = ["id", "material", "name", "size", "uploaded_at"]
        read_only_fields = fields


class AssessmentOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_code = serializers.CharField(source="project.code")
    project_name = serializers.CharField(source="project.name")
    owner_name = serializers.CharField(source="project.owner.name")
    region_name = serializers.CharField(source="project.region.name")
    fiscal_year = serializers.IntegerField(source="project.fiscal_year")
    assessor_name = serializers.CharField(source="assessor_org.name")
    status_label = serializers.CharField(source="get_status_display")
    is_passing = serializers.BooleanField(help_text="可入库、可安排预算的结论")
    materials_missing = serializers.ListField(child=serializers.CharField())
    scores = ScoreOutput(many=True, read_only=True)
    attachments = AttachmentOutput(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "project",
            "project_code",
            "project_name",
            "owner_name",
            "region_name",
            "fiscal_year",
            "submission",
            "previous",
            "assessor_kind",
            "assessor_org",
            "assessor_name",
            "status",
            "status_label",
            "dimensions",
            "bands",
            "materials_required",
            "materials_provided",
            "materials_missing",
            "total",
            "band_conclusion",
            "override_conclusion",
            "override_reason",
            "conclusion",
            "is_passing",
            "opinion",
            "submitted_at",
            "concluded_at",
            "is_generated",
            "created_at",
            "updated_at",
            "scores",
            "attachments",
        ]
        read_only_fields = fields


class AssessmentCreatePayload(serializers.Serializer):  # type: ignore[type-arg]
    project = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="项目编号")
    assessor_kind = serializers.ChoiceField(choices=AssessorKind.choices, help_text="评估主体")
    agency = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None, help_text="第三方机构编号"
    )


class ScorePayloadItem(serializers.Serializer):  # type: ignore[type-arg]
    dimension = serializers.CharField(max_length=30, help_text="维度代码或名称")
    item = serializers.CharField(max_length=60, help_text="评分要点")
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    comment = _text()


class ScorePayload(serializers.Serializer):  # type: ignore[type-arg]
    scores = serializers.ListField(child=ScorePayloadItem(), max_length=200, required=False, default=list)
    materials_provided = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=100, required=False, allow_null=True, default=None
    )
    opinion = serializers.CharField(max_length=5000, required=False, allow_blank=True, allow_null=True, default=None)


class ConcludePayload(serializers.Serializer):  # type: ignore[type-arg]
    override = serializers.ChoiceField(
        choices=[("", ""), *Conclusion.choices], required=False, default="", help_text="专家组改变结论时填写"
    )
    reason = _text(help_text="专家组改变结论的理由")


class OverridePayload(serializers.Serializer):  # type: ignore[type-arg]
    conclusion = serializers.ChoiceField(choices=Conclusion.choices)
    reason = serializers.CharField(max_length=5000, allow_blank=True, help_text="理由（必填）")


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """事前绩效评估: a third-party agency sees only the assessments assigned to it."""

    selector = staticmethod(selectors.assessment_list)
    serializer_class = AssessmentOutput

    def _assessment(self) -> Assessment:
        assessment = self.get_object()
        assert isinstance(assessment, Assessment)
        return assessment

    def _out(self, request: Request, assessment: Assessment, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            AssessmentOutput(selectors.assessment_detail(user=request.user, pk=assessment.pk)).data, status=code
        )

    @extend_schema(request=AssessmentCreatePayload, responses={201: AssessmentOutput})
    def create(self, request: Request) -> Response:
        data = _payload(AssessmentCreatePayload, request).validated_data
        agency = None
        if data["agency"] is not None:
            agency = Organization.objects.filter(pk=data["agency"], kind=Organization.Kind.AGENCY).first()
            if agency is None:
                raise DomainError("第三方机构不存在", field="agency")
        assessment = services.create_assessment(
            actor=request.user,
            project=_project(request, data["project"]),
            assessor_kind=data["assessor_kind"],
            agency=agency,
        )
        return self._out(request, assessment, status.HTTP_201_CREATED)

    @extend_schema(request=ScorePayload, responses={200: AssessmentOutput})
    @action(detail=True, methods=["post"])
    def score(self, request: Request, pk: str | None = None) -> Response:
        assessment = self._assessment()
        data = _payload(ScorePayload, request).validated_data
        assessment = services.score_assessment(
            actor=request.user,
            assessment=assessment,
            scores=[services.ScoreInput(**s) for s in data["scores"]],
            materials_provided=data["materials_provided"],
            opinion=data["opinion"],
        )
        return self._out(request, assessment)

    @extend_schema(request=None, responses={200: AssessmentOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._out(request, services.submit_assessment(actor=request.user, assessment=self._assessment()))

    @extend_schema(request=ConcludePayload, responses={200: AssessmentOutput})
    @action(detail=True, methods=["post"])
    def conclude(self, request: Request, pk: str | None = None) -> Response:
        assessment = self._assessment()
        data = _payload(ConcludePayload, request).validated_data
        return self._out(request, services.conclude_assessment(actor=request.user, assessment=assessment, **data))

    @extend_schema(request=OverridePayload, responses={200: AssessmentOutput})
    @action(detail=True, methods=["post"])
    def override(self, request: Request, pk: str | None = None) -> Response:
        assessment = self._assessment()
        data = _payload(OverridePayload, request).validated_data
        return self._out(request, services.override_conclusion(actor=request.user, assessment=assessment, **data))

    @extend_schema(request=None, responses={201: AssessmentOutput})
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Request, pk: str | None = None) -> Response:
        new = services.resubmit_assessment(actor=request.user, assessment=self._assessment())
        return self._out(request, new, status.HTTP_201_CREATED)


# --- Budget reviews ---


class SignatureOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    member_name = serializers.CharField(source="member.__str__")
    role_label = serializers.CharField(source="get_role_display")

    class Meta:
        model = PanelSignature
        fields = ["role", "role_label", "member", "member_name", "opinion", "signed_at"]
        read_only_fields = fields


class BudgetReviewOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_code = serializers.CharField(source="project.code")
    project_name = serializers.CharField(source="project.name")
    region_name = serializers.CharField(source="project.region.name")
    fiscal_year = serializers.IntegerField(source="project.fiscal_year")
    status_label = serializers.CharField(source="get_status_display")
    reduction_rate = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="审减率（%）= 审减 ÷ 送审"
    )
    missing_roles = serializers.ListField(child=serializers.CharField(), help_text="尚未签署的角色")
    signatures = SignatureOutput(many=True, read_only=True)

    class Meta:
        model = BudgetReview
        fields = [
            "id",
            "project",
            "project_code",
            "project_name",
            "region_name",
            "fiscal_year",
            "assessment",
            "submitted_yuan",
            "approved_yuan",
            "reduced_yuan",
            "reduction_rate",
            "status",
            "status_label",
            "panel_roles",
            "missing_roles",
            "signatures",
            "reviewer",
            "opinion",
            "finalised_at",
            "is_generated",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AmountsPayload(serializers.Serializer):  # type: ignore[type-arg]
    submitted_yuan = _amount("送审金额（元）")
    approved_yuan = _amount("审定金额（元）")
    reduced_yuan = _amount("审减金额（元）")
    derive = serializers.BooleanField(default=False, help_text="只填两项时由系统算出第三项（须明确要求）")
    opinion = _text(help_text="评审意见")

    def amounts(self) -> services.ReviewAmounts:
        d = self.validated_data
        return services.ReviewAmounts(d["submitted_yuan"], d["approved_yuan"], d["reduced_yuan"], d["derive"])


class BudgetReviewCreatePayload(AmountsPayload):
    project = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="项目编号")


class SignPayload(serializers.Serializer):  # type: ignore[type-arg]
    role = serializers.ChoiceField(
        choices=[(r, Role(r).label) for r in ("budget", "performance", "sector", "review_center")],
        help_text="以哪一角色签署",
    )
    opinion = _text(help_text="意见")


class BudgetReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """预算评审 with the 联评联审 panel's signatures."""

    selector = staticmethod(selectors.budget_reviews_for)
    serializer_class = BudgetReviewOutput

    def _review(self) -> BudgetReview:
        review = self.get_object()
        assert isinstance(review, BudgetReview)
        return review

    def _out(self, request: Request, review: BudgetReview, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            BudgetReviewOutput(selectors.budget_review_detail(user=request.user, pk=review.pk)).data, status=code
        )

    @extend_schema(request=BudgetReviewCreatePayload, responses={201: BudgetReviewOutput})
    def create(self, request: Request) -> Response:
        payload = _payload(BudgetReviewCreatePayload, request)
        review = services.save_budget_review(
            actor=request.user,
            project=_project(request, payload.validated_data["project"]),
            amounts=payload.amounts(),
            opinion=payload.validated_data["opinion"],
        )
        return self._out(request, review, status.HTTP_201_CREATED)

    @extend_schema(request=AmountsPayload, responses={200: BudgetReviewOutput})
    def update(self, request: Request, pk: str | None = None) -> Response:
        review = self._review()
        payload = _payload(AmountsPayload, request)
        review = services.save_budget_review(
            actor=request.user,
            project=review.project,
            amounts=payload.amounts(),
            opinion=payload.validated_data["opinion"],
            review=review,
        )
        return self._out(request, review)

    @extend_schema(request=None, responses={200: BudgetReviewOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._out(request, services.submit_budget_review(actor=request.user, review=self._review()))

    @extend_schema(request=SignPayload, responses={200: BudgetReviewOutput})
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        review = self._review()
        data = _payload(SignPayload, request).validated_data
        services.sign_review(actor=request.user, review=review, **data)
        return self._out(request, review)


# --- Function-point reviews ---


class FunctionItemOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = FunctionItem
        fields = ["position", "path", "name", "type", "method", "det", "ret", "ftr", "reuse", "change"]
        read_only_fields = fields


class FunctionPointReviewOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_code = serializers.CharField(source="project.code")
    project_name = serializers.CharField(source="project.name")
    items = FunctionItemOutput(many=True, read_only=True)

    class Meta:
        model = FunctionPointReview
        fields = [
            "id",
            "project",
            "project_code",
            "project_name",
            "budget_review",
            "benchmark",
            "options",
            "requested_yuan",
            "size",
            "estimate_yuan",
            "proposed_approved_yuan",
            "proposed_reduced_yuan",
            "result",
            "computed_at",
            "created_at",
            "updated_at",
            "items",
        ]
        read_only_fields = fields


class FunctionItemPayload(serializers.Serializer):  # type: ignore[type-arg]
    path = serializers.ListField(child=serializers.CharField(max_length=60), max_length=5, required=False, default=list)
    name = serializers.CharField(max_length=200)
    type = serializers.CharField(max_length=10, help_text="ILF、EIF、EI、EO、EQ（或中文名称）")
    method = serializers.CharField(max_length=10, required=False, default="估算", help_text="预估、估算、详细")
    det = serializers.IntegerField(min_value=0, max_value=100000, required=False, allow_null=True, default=None)
    ret = serializers.IntegerField(min_value=0, max_value=100000, required=False, allow_null=True, default=None)
    ftr = serializers.IntegerField(min_value=0, max_value=100000, required=False, allow_null=True, default=None)
    reuse = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    change = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")


class FunctionPointReviewPayload(serializers.Serializer):  # type: ignore[type-arg]
    project = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="项目编号")
    budget_review = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None
    )
    items = serializers.ListField(child=FunctionItemPayload(), min_length=1, max_length=5000)
    options = serializers.DictField(
        required=False, default=dict, help_text="benchmark、city、industry、stage、percentile、factors、bases 等"
    )
    requested_yuan = _amount("送审金额（元）")

    def fp_items(self) -> list[fp.FunctionItem]:
        return [
            fp.FunctionItem(**{**item, "path": tuple(item["path"]), "where": f"第{n}项"})
            for n, item in enumerate(self.validated_data["items"], start=1)
        ]


class FunctionPointReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """功能点评审: the function list, the options, and every step of the computed cost."""

    selector = staticmethod(selectors.fp_reviews_for)
    serializer_class = FunctionPointReviewOutput

    def _out(self, request: Request, review: FunctionPointReview, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            FunctionPointReviewOutput(selectors.fp_review_detail(user=request.user, pk=review.pk)).data, status=code
        )

    @extend_schema(request=FunctionPointReviewPayload, responses={201: FunctionPointReviewOutput})
    def create(self, request: Request) -> Response:
        payload = _payload(FunctionPointReviewPayload, request)
        data: dict[str, Any] = payload.validated_data
        project = _project(request, data["project"])
        budget_review = None
        if data["budget_review"] is not None:
            budget_review = selectors.budget_reviews_for(user=request.user).filter(pk=data["budget_review"]).first()
            if budget_review is None:
                raise DomainError("预算评审不存在或不在您的权限范围内", field="budget_review")
        review = services.save_fp_review(
            actor=request.user,
            project=project,
            items=payload.fp_items(),
            options=data["options"],
            requested_yuan=data["requested_yuan"],
            budget_review=budget_review,
        )
        return self._out(request, review, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: FunctionPointReviewOutput})
    @action(detail=True, methods=["post"])
    def compute(self, request: Request, pk: str | None = None) -> Response:
        review = self.get_object()
        assert isinstance(review, FunctionPointReview)
        return self._out(request, services.compute_fp_review(actor=request.user, review=review))


# --- Worklist ---


class WorklistViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Projects the user sees that need an ex-ante assessment and have no passing one."""

    selector = staticmethod(selectors.worklist)
    serializer_class = ProjectOutput

    def get_queryset(self) -> Any:
        return selectors.worklist(user=self.request.user).prefetch_related("fund_sources", "domain_tags")
