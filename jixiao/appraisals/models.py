"""事前绩效评估 and 预算评审: assessments scored on five dimensions, budget reviews with the 联评联审 panel's
signatures, and function-point cost reviews of software projects.

An assessment belongs to one project and one submission: 调整完善后予以支持 sends the project back for
rework, and the reworked material is a new submission (a new Assessment, `previous` pointing at the old
one). The dimensions, bands and materials in force are copied onto the assessment when it is created,
so a rule change later does not move an assessment already under way.

A budget review states 送审 = 审定 + 审减 (enforced by the database as well as by the services). It is
final when every role of the configured panel has signed.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Role
from jixiao.projects.models import Project
from jixiao.rules.money import percent


class Conclusion(models.TextChoices):
    SUPPORT = "予以支持", "予以支持"
    ADJUST = "调整完善后予以支持", "调整完善后予以支持"
    REJECT = "不予支持", "不予支持"


class AssessorKind(models.TextChoices):
    UNIT = "unit", "单位自评估"  # 谁申报，谁评估
    AGENCY = "agency", "第三方机构评估"
    BUREAU = "bureau", "财政部门评估"


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "评估中"
        SUBMITTED = "submitted", "已提交"
        CONCLUDED = "concluded", "已出结论"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assessments", verbose_name="项目")
    submission = models.PositiveSmallIntegerField("第几次报送", default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="resubmission", verbose_name="上次报送"
    )
    assessor_kind = models.CharField("评估主体", max_length=10, choices=AssessorKind.choices)
    # The organization that assesses: the unit itself, the finance bureau's division, or the third-party
    # agency. For an agency this is the assignment: the agency's users reach this assessment and no other.
    assessor_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="assessments", verbose_name="评估机构"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The rules in force when the assessment was opened: [{"key", "label", "items": [{"name", "points"}]}],
    # the bands [{"grade", "min"}] and the required materials [name, …].
    dimensions = models.JSONField("评估维度", default=list)
    bands = models.JSONField("结论分档", default=list)
    materials_required = models.JSONField("应提供材料", default=list)
    materials_provided = models.JSONField("已提供材料", default=list, blank=True)
    total = models.DecimalField("总分", max_digits=6, decimal_places=2, null=True, blank=True)
    band_conclusion = models.CharField("按分档结论", max_length=12, choices=Conclusion.choices, blank=True)
    override_conclusion = models.CharField("专家组结论", max_length=12, choices=Conclusion.choices, blank=True)
    override_reason = models.TextField("专家组改变结论的理由", blank=True)
    # The conclusion in force: the panel's where it overrode the bands, else the bands'. Set on concluding.
    conclusion = models.CharField("评估结论", max_length=12, choices=Conclusion.choices, blank=True)
    opinion = models.TextField("评估意见", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    concluded_at = models.DateTimeField("结论时间", null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_generated = models.BooleanField("演示生成", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "事前绩效评估"
        ordering = ["project_id", "-submission"]
        constraints = [
            models.UniqueConstraint(fields=["project", "submission"], name="assessment_submission_unique"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(status__in=["draft", "submitted"]), name="assessment_one_open"
            ),
            models.CheckConstraint(
                condition=Q(override_conclusion="") | ~Q(override_reason=""), name="assessment_override_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["status", "conclusion"])]

    def __str__(self) -> str:
        suffix = f"（第{self.submission}次报送）" if self.submission > 1 else ""
        return f"{self.project.name}事前绩效评估{suffix}"

    @property
    def is_passing(self) -> bool:
        """予以支持; or 调整完善后予以支持 on a resubmission (made by `resubmit_assessment` after an earlier
        调整完善后予以支持: the rework the conclusion asked for was done and assessed again). An assessment
        concluded 调整完善后予以支持 that is not itself a resubmission must be resubmitted first."""
        if self.status != self.Status.CONCLUDED:
            return False
        return self.conclusion == Conclusion.SUPPORT or (
            self.conclusion == Conclusion.ADJUST and self.previous_id is not None
        )

    @property
    def materials_missing(self) -> list[str]:
        return [m for m in self.materials_required if m not in self.materials_provided]


class AssessmentScore(models.Model):
    """The score of one sub-item of one dimension."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name="评估")
    dimension = models.CharField("维度代码", max_length=20)
    dimension_label = models.CharField("评估维度", max_length=30)
    item = models.CharField("评分要点", max_length=60)
    position = models.PositiveSmallIntegerField("序号", default=0)
    points = models.DecimalField("分值", max_digits=6, decimal_places=2)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    comment = models.TextField("评分说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "事前评估得分"
        ordering = ["assessment_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "dimension", "item"], name="assessment_score_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=F("points")), name="assessment_score_within_points"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension_label}/{self.item}"


def attachment_path(instance: "AssessmentAttachment", filename: str) -> str:
    return f"appraisals/{instance.assessment.project_id}/{instance.assessment_id}/{filename}"


class AssessmentAttachment(models.Model):
    """A document handed in with an assessment (评估报告, 实施方案, …), stored under MEDIA_ROOT."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="attachments", verbose_name="评估"
    )
    material = models.CharField("对应材料", max_length=60, blank=True)
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "事前评估附件"
        ordering = ["assessment_id", "id"]

    def __str__(self) -> str:
        return self.name


class BudgetReview(models.Model):
    """预算评审 of one project: 送审 = 审定 + 审减, in 元."""

    class Status(models.TextChoices):
        DRAFT = "draft", "评审中"
        SIGNING = "signing", "会签中"
        FINAL = "final", "已定稿"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_reviews", verbose_name="项目")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="事前评估"
    )
    submitted_yuan = models.DecimalField("送审金额（元）", max_digits=18, decimal_places=2)
    approved_yuan = models.DecimalField("审定金额（元）", max_digits=18, decimal_places=2)
    reduced_yuan = models.DecimalField("审减金额（元）", max_digits=18, decimal_places=2)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The panel in force when the review went to signing: [role, …] (appraisal.review_panel).
    panel_roles = models.JSONField("联评联审小组", default=list, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="评审人",
    )
    opinion = models.TextField("评审意见", blank=True)
    finalised_at = models.DateTimeField("定稿时间", null=True, blank=True)
    is_generated = models.BooleanField("演示生成", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "预算评审"
        ordering = ["project_id", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(submitted_yuan=F("approved_yuan") + F("reduced_yuan")),
                name="budget_review_submitted_is_approved_plus_reduced",
            ),
            models.CheckConstraint(
                condition=Q(submitted_yuan__gte=0) & Q(approved_yuan__gte=0) & Q(reduced_yuan__gte=0),
                name="budget_review_amounts_gte_0",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.project.name}预算评审"

    @property
    def reduction_rate(self) -> Decimal | None:
        """审减率 = 审减 / 送审, in percent with two decimals (None when nothing was submitted)."""
        return percent(self.reduced_yuan, self.submitted_yuan)

    @property
    def missing_roles(self) -> list[str]:
        signed = {s.role for s in self.signatures.all()}
        return [r for r in self.panel_roles if r not in signed]


class PanelSignature(models.Model):
    """One member's signature for the 联评联审 panel, in the role the member holds over the project."""

    review = models.ForeignKey(BudgetReview, on_delete=models.CASCADE, related_name="signatures", verbose_name="评审")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="签署人"
    )
    opinion = models.TextField("意见", blank=True)
    signed_at = models.DateTimeField("签署时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "联评联审签署"
        ordering = ["review_id", "signed_at"]
        constraints = [models.UniqueConstraint(fields=["review", "role"], name="panel_signature_one_per_role")]

    def __str__(self) -> str:
        return f"{self.review} · {self.get_role_display()}"


class FunctionPointReview(models.Model):
    """功能点评审 of a software project: the function list, the options of the estimate, and the result
    of `jixiao.rules.function_points.estimate` with every step, as computed when last saved."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="fp_reviews", verbose_name="项目")
    budget_review = models.ForeignKey(
        BudgetReview, on_delete=models.SET_NULL, null=True, blank=True, related_name="fp_reviews"
    )
    benchmark = models.CharField("基准数据版本", max_length=30)
    # jixiao.rules.function_points.Options as JSON (industry, city, stage, percentile, factors, bases, …).
    options = models.JSONField("计算参数", default=dict, blank=True)
    requested_yuan = models.DecimalField("送审金额（元）", max_digits=18, decimal_places=2, null=True, blank=True)
    result = models.JSONField("计算过程", null=True, blank=True)
    size = models.DecimalField("规模（功能点）", max_digits=14, decimal_places=4, null=True, blank=True)
    estimate_yuan = models.DecimalField("测算金额（元）", max_digits=18, decimal_places=2, null=True, blank=True)
    proposed_approved_yuan = models.DecimalField(
        "建议审定金额（元）", max_digits=18, decimal_places=2, null=True, blank=True
    )
    proposed_reduced_yuan = models.DecimalField(
        "建议审减金额（元）", max_digits=18, decimal_places=2, null=True, blank=True
    )
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "功能点评审"
        ordering = ["project_id", "-id"]

    def __str__(self) -> str:
        return f"{self.project.name}功能点评审"


class FunctionItem(models.Model):
    """One line of the function list."""

    class Type(models.TextChoices):
        ILF = "ILF", "内部逻辑文件"
        EIF = "EIF", "外部接口文件"
        EI = "EI", "外部输入"
        EO = "EO", "外部输出"
        EQ = "EQ", "外部查询"

    review = models.ForeignKey(
        FunctionPointReview, on_delete=models.CASCADE, related_name="items", verbose_name="功能点评审"
    )
    position = models.PositiveIntegerField("序号", default=0)
    path = models.CharField("子系统/模块", max_length=200, blank=True)  # levels joined by " / "
    name = models.CharField("功能名称", max_length=200)
    type = models.CharField("类型", max_length=3, choices=Type.choices)
    method = models.CharField("计数方法", max_length=4, default="估算")  # 预估 / 估算 / 详细
    det = models.PositiveIntegerField("DET", null=True, blank=True)
    ret = models.PositiveIntegerField("RET", null=True, blank=True)
    ftr = models.PositiveIntegerField("FTR", null=True, blank=True)
    reuse = models.CharField("复用程度", max_length=2, blank=True)  # 高 / 中 / 低
    change = models.CharField("修改类型", max_length=4, blank=True)  # 新增 / 修改 / 删除 / 转换

    class Meta:
        verbose_name = verbose_name_plural = "功能点清单"
        ordering = ["review_id", "position", "id"]

    def __str__(self) -> str:
        return self.name
