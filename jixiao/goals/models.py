"""绩效目标: a project's declared goal (in versions), its indicators, its reviews, and the indicator library.

A goal belongs to one project (项目, 政策 or 部门整体支出) of one year. Version 1 is the goal declared with
the budget; once approved, a change is a new version (an adjustment with a reason) that goes through the
review chain again, and the approved version stays until the new one is approved (财预〔2015〕88号
第二十八条). At most one version per project is open (草稿, 审核中 or 退回修改) at a time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from jixiao.orgs.models import Organization, Region
from jixiao.projects.models import DomainTag, Project

VALUE = {"max_digits": 20, "decimal_places": 4, "null": True, "blank": True}


class Operator(models.TextChoices):
    """指标性质. ≥ and > are 正向, ≤ and < 反向, = 等于; 定性 has a described, not numeric, target."""

    EQ = "=", "="
    GE = "≥", "≥"
    LE = "≤", "≤"
    GT = ">", ">"
    LT = "<", "<"
    QUALITATIVE = "定性", "定性"


class Basis(models.TextChoices):
    """指标值设定依据 (财预〔2021〕101号)."""

    PLAN = "计划标准", "计划标准"
    HISTORY = "历史标准", "历史标准"
    INDUSTRY = "行业标准", "行业标准"
    SPENDING_STANDARD = "预算支出标准", "预算支出标准"
    OTHER = "其他标准", "其他标准"


class ReviewResult(models.TextChoices):
    """审核结果 and what it triggers (财预〔2015〕88号): 优 proceeds; 良 is completed by agreement and
    proceeds; 中 goes back to the unit for revision; 差 may not enter the budget."""

    EXCELLENT = "优", "优"
    GOOD = "良", "良"
    FAIR = "中", "中"
    POOR = "差", "差"


class Goal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        IN_REVIEW = "in_review", "审核中"
        RETURNED = "returned", "退回修改"
        PASSED = "passed", "审核通过"
        REJECTED = "rejected", "审核不通过"
        APPROVED = "approved", "已批复"
        SUPERSEDED = "superseded", "已调整"

    OPEN = (Status.DRAFT, Status.IN_REVIEW, Status.RETURNED)
    EDITABLE_BY_UNIT = (Status.DRAFT, Status.RETURNED)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="goals", verbose_name="项目")
    version = models.PositiveSmallIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    mid_term_goal = models.TextField("中期目标", blank=True)
    annual_goal = models.TextField("年度目标", blank=True)
    # 满意度 indicators are required only where the project has direct beneficiaries (财预〔2021〕101号).
    has_beneficiaries = models.BooleanField("有直接服务对象", default=True)
    adjustment_reason = models.TextField("调整理由", blank=True)
    # The chain in force when the goal was (last) submitted: [{"step": …, "role": …}, …]. Kept on the goal
    # so that a rule change mid-review does not move a goal between chains.
    chain = models.JSONField("审核流程", default=list, blank=True)
    submissions = models.PositiveSmallIntegerField("提交次数", default=0)
    last_result = models.CharField("最近审核结果", max_length=1, choices=ReviewResult.choices, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("审核完成时间", null=True, blank=True)
    approved_at = models.DateTimeField("批复时间", null=True, blank=True)
    is_generated = models.BooleanField("演示生成", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "绩效目标"
        ordering = ["project_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="goal_version_unique"),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=["draft", "in_review", "returned"]),
                name="goal_one_open_version",
            ),
            models.UniqueConstraint(
                fields=["project"], condition=Q(status__in=["passed", "approved"]), name="goal_one_in_force"
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        suffix = f"（调整{self.version - 1}）" if self.version > 1 else ""
        return f"{self.project.name}绩效目标{suffix}"

    @property
    def is_adjustment(self) -> bool:
        return self.version > 1


class Indicator(models.Model):
    """One 三级 indicator of a goal, under its 一级 and 二级 indicator."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="indicators", verbose_name="绩效目标")
    position = models.PositiveSmallIntegerField("序号", default=0)
    level1 = models.CharField("一级指标", max_length=20)
    level2 = models.CharField("二级指标", max_length=30)
    name = models.CharField("三级指标", max_length=200)
    operator = models.CharField("指标性质", max_length=2, choices=Operator.choices)
    target_value = models.DecimalField("指标值", **VALUE)  # type: ignore[call-overload]
    # The target as written: a number for quantitative ones, the described level for 定性 (「应保尽保」).
    target_text = models.CharField("指标值（原文）", max_length=200, blank=True)
    mid_term_target = models.CharField("中期指标值", max_length=200, blank=True)
    unit = models.CharField("计量单位", max_length=20, blank=True)
    explanation = models.TextField("指标解释", blank=True)
    scoring_rule = models.TextField("评（扣）分标准", blank=True)
    basis = models.CharField("指标值设定依据", max_length=10, choices=Basis.choices, blank=True)
    data_source = models.CharField("数据来源", max_length=200, blank=True)
    last_year_actual = models.DecimalField("上年实际值", **VALUE)  # type: ignore[call-overload]
    weight = models.DecimalField("分值", max_digits=6, decimal_places=2, null=True, blank=True)
    is_core = models.BooleanField("核心指标", default=False)
    remark = models.TextField("备注", blank=True)
    library_entry = models.ForeignKey(
        "LibraryIndicator", on_delete=models.SET_NULL, null=True, blank=True, related_name="uses"
    )

    class Meta:
        verbose_name = verbose_name_plural = "绩效指标"
        ordering = ["goal_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.level1}/{self.level2}/{self.name}"


class Review(models.Model):
    """One step of the review chain for one submission of a goal.

    A step is `pending` until its reviewer decides; the next step is created then. The partial unique
    constraint keeps one pending step per goal, whatever path the writes come by.
    """

    class State(models.TextChoices):
        PENDING = "pending", "待审核"
        DONE = "done", "已审核"
        WITHDRAWN = "withdrawn", "已撤回"

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="reviews", verbose_name="绩效目标")
    submission = models.PositiveSmallIntegerField("第几次提交")
    step = models.PositiveSmallIntegerField("环节序号")
    step_label = models.CharField("审核环节", max_length=40)
    role = models.CharField("承办角色", max_length=20)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    result = models.CharField("审核结果", max_length=1, choices=ReviewResult.choices, blank=True)
    completeness = models.TextField("完整性", blank=True)
    relevance = models.TextField("相关性", blank=True)
    appropriateness = models.TextField("适当性（合理性）", blank=True)
    feasibility = models.TextField("可行性", blank=True)
    comment = models.TextField("需补充完善事项", blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "绩效目标审核"
        ordering = ["goal_id", "submission", "step"]
        constraints = [
            models.UniqueConstraint(fields=["goal"], condition=Q(state="pending"), name="review_one_pending_per_goal"),
            models.UniqueConstraint(fields=["goal", "submission", "step"], name="review_step_unique"),
        ]
        indexes = [models.Index(fields=["state", "role"])]

    def __str__(self) -> str:
        return f"{self.goal} · {self.step_label}"


class LibraryIndicator(models.Model):
    """An entry of the 指标库: 共性 ones kept by a finance bureau for its region, 个性 ones by a department."""

    class Scope(models.TextChoices):
        COMMON = "common", "共性指标"
        SPECIFIC = "specific", "个性指标"

    scope = models.CharField("类别", max_length=10, choices=Scope.choices)
    owner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="维护单位")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    domain = models.ForeignKey(
        DomainTag, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="行业领域"
    )
    level1 = models.CharField("一级指标", max_length=20)
    level2 = models.CharField("二级指标", max_length=30)
    name = models.CharField("三级指标", max_length=200)
    operator = models.CharField("指标性质", max_length=2, choices=Operator.choices)
    unit = models.CharField("计量单位", max_length=20, blank=True)
    typical_target = models.CharField("参考指标值", max_length=200, blank=True)
    explanation = models.TextField("指标解释", blank=True)
    scoring_rule = models.TextField("评（扣）分标准", blank=True)
    basis = models.CharField("指标值设定依据", max_length=10, choices=Basis.choices, blank=True)
    # Words of the name and explanation as segmented for search, space-separated (see library.py).
    search_words = models.TextField(blank=True)
    usage_count = models.PositiveIntegerField("使用次数", default=0)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "指标库"
        ordering = ["level1", "level2", "-usage_count", "name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "level1", "level2", "name", "unit"], name="library_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.level1}/{self.level2}/{self.name}"
