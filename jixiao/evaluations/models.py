"""绩效自评, 抽查复核 and 再评价.

A unit self-evaluates each project (and its department's overall budget, a project of kind
部门整体支出) on the standard 自评表 (财预〔2020〕10号 附件1, or the 四川 layout), prefilled from the goal in
force and the budget; every save scores it through `jixiao.rules.scoring`. The form goes up the chain

    草稿 ──submit──▶ 已提交 ──department approves──▶ 部门已审核 ──finance approves──▶ 财政已审核
      ▲                 │                               │
      └── 退回修改 ◀─────┴──── either reviewer returns ──┘

The finance bureau draws a reproducible sample (a SamplingPlan: method and seed on record; the same plan
draws the same sample), re-checks the sampled forms (Recheck, on the same form) and re-evaluates the
sampled departments' own performance management (ReEvaluation, 蔡甸 style).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from jixiao.goals.models import Goal, Indicator, Operator
from jixiao.orgs.models import Organization, Region
from jixiao.projects.models import MONEY, YEAR, Project

# Scores keep full precision (the engine's Decimal); pages round for display only.
SCORE = {"max_digits": 24, "decimal_places": 10, "null": True, "blank": True}
VALUE = {"max_digits": 20, "decimal_places": 4, "null": True, "blank": True}


class Layout(models.TextChoices):
    NATIONAL = "national", "全国通用（财预〔2020〕10号附件1）"
    SICHUAN = "sichuan", "四川（预算执行10分＋绩效指标90分）"


class Grade(models.TextChoices):
    EXCELLENT = "优", "优"
    GOOD = "良", "良"
    FAIR = "中", "中"
    POOR = "差", "差"


class QualitativeBand(models.TextChoices):
    """The three tiers of a 定性 indicator (80–100%, 60–80%, 0–60% of its points)."""

    MET = "达成", "达成年度指标"
    PARTLY = "部分达成", "部分达成年度指标并具有一定效果"
    MISSED = "未达成", "未达成年度指标且效果较差"


class ScoredForm(models.Model):
    """What a self-evaluation and a re-check of it share: the budget-execution block and the computed
    result with the engine's explanation."""

    budget_initial = models.DecimalField("年初预算数（元）", **MONEY, null=True, blank=True)
    budget_full_year = models.DecimalField("全年预算数（调整后，元）", **MONEY, null=True, blank=True)
    executed = models.DecimalField("全年执行数（元）", **MONEY, null=True, blank=True)
    # 四川: 预算执行率 below 90% needs a reason (P19 footnote).
    execution_reason = models.TextField("预算执行偏差原因", blank=True)
    execution_score = models.DecimalField("预算执行得分", **SCORE)  # type: ignore[call-overload]
    indicator_score = models.DecimalField("绩效指标得分", **SCORE)  # type: ignore[call-overload]
    total_score = models.DecimalField("总分", **SCORE)  # type: ignore[call-overload]
    grade = models.CharField("等级", max_length=1, choices=Grade.choices, blank=True)
    # The engine's account of every point (formula, inputs, rescaling, bands), as scored at the last save.
    explanation = models.JSONField("计分说明", default=dict, blank=True)
    scored_at = models.DateTimeField("计分时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SelfEvaluation(ScoredForm):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        RETURNED = "returned", "退回修改"
        SUBMITTED = "submitted", "已提交"
        DEPT_REVIEWED = "dept_reviewed", "部门已审核"
        FINANCE_REVIEWED = "finance_reviewed", "财政已审核"

    EDITABLE_BY_UNIT = (Status.DRAFT, Status.RETURNED)

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="self_evaluation", verbose_name="项目"
    )
    # The project's year, kept so lists and statistics filter without a join.
    year = models.PositiveSmallIntegerField("年度", validators=YEAR)
    layout = models.CharField("表样", max_length=10, choices=Layout.choices, default=Layout.NATIONAL)
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="预填自绩效目标"
    )
    annual_goal_expected = models.TextField("年度总体目标（预期）", blank=True)
    annual_goal_actual = models.TextField("年度总体目标（实际完成情况）", blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField("审核意见", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    dept_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dept_reviewed_at = models.DateTimeField("部门审核时间", null=True, blank=True)
    finance_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finance_reviewed_at = models.DateTimeField("财政审核时间", null=True, blank=True)
    is_generated = models.BooleanField("演示生成", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "绩效自评"
        ordering = ["-year", "project__code"]
        indexes = [models.Index(fields=["year", "status"]), models.Index(fields=["year", "grade"])]

    def __str__(self) -> str:
        return f"{self.project.name}绩效自评"


class IndicatorFields(models.Model):
    """An indicator as copied from the approved goal, with what was achieved and how it scored."""

    position = models.PositiveSmallIntegerField("序号", default=0)
    level1 = models.CharField("一级指标", max_length=20)
    level2 = models.CharField("二级指标", max_length=30)
    name = models.CharField("三级指标", max_length=200)
    operator = models.CharField("指标性质", max_length=2, choices=Operator.choices)
    target_value = models.DecimalField("年度指标值", **VALUE)  # type: ignore[call-overload]
    target_text = models.CharField("年度指标值（原文）", max_length=200, blank=True)
    unit = models.CharField("计量单位", max_length=20, blank=True)
    weight = models.DecimalField("分值", max_digits=6, decimal_places=2, null=True, blank=True)
    actual_value = models.DecimalField("实际完成值", **VALUE)  # type: ignore[call-overload]
    actual_text = models.CharField("实际完成值（原文）", max_length=500, blank=True)
    # 定性: the assessor picks the tier and types the score, which must fall in the tier's band.
    band = models.CharField("定性档次", max_length=4, choices=QualitativeBand.choices, blank=True)
    manual_score = models.DecimalField("评定得分（定性）", **SCORE)  # type: ignore[call-overload]
    not_applicable = models.BooleanField("不适用", default=False)
    not_applicable_reason = models.CharField("不适用理由", max_length=500, blank=True)
    # 偏离度调减: points taken off where the actual is far above a target set too low; only with a reason.
    deduction = models.DecimalField("偏离度调减（分）", **SCORE)  # type: ignore[call-overload]
    deduction_reason = models.CharField("偏离度调减理由", max_length=500, blank=True)
    score = models.DecimalField("得分", **SCORE)  # type: ignore[call-overload]
    explanation = models.JSONField("计分说明", default=dict, blank=True)

    class Meta:
        abstract = True


class IndicatorResult(IndicatorFields):
    evaluation = models.ForeignKey(
        SelfEvaluation, on_delete=models.CASCADE, related_name="indicators", verbose_name="绩效自评"
    )
    source = models.ForeignKey(
        Indicator, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="目标指标"
    )
    # Required where the target is missed (10号: 分析并说明原因，研究提出改进措施).
    deviation_reason = models.TextField("偏差原因分析", blank=True)
    improvement_measures = models.TextField("改进措施", blank=True)
    # A score printed on an imported form, kept to reconcile it with the formula; never used for the total.
    published_score = models.DecimalField("表上得分", **SCORE)  # type: ignore[call-overload]

    class Meta:
        verbose_name = verbose_name_plural = "自评指标"
        ordering = ["evaluation_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.level1}/{self.level2}/{self.name}"


class SamplingPlan(models.Model):
    """A draw for 抽查复核: population (a filter over projects or departments of a region and year),
    method, rate or size and seed. The same plan always draws the same sample; another seed is another plan."""

    class Population(models.TextChoices):
        PROJECTS = "projects", "项目"
        DEPARTMENTS = "departments", "部门（一级预算单位）"

    class Method(models.TextChoices):
        SIMPLE = "simple", "简单随机抽样"
        STRATIFIED = "stratified", "分层抽样"
        PPS = "pps", "按金额比例概率抽样（PPS）"

    class Strata(models.TextChoices):
        DEPARTMENT = "department", "按部门"
        CATEGORY = "category", "按项目类别"
        AMOUNT_BAND = "amount_band", "按金额档次"

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR)
    name = models.CharField("名称", max_length=100, blank=True)
    population = models.CharField("抽样对象", max_length=12, choices=Population.choices)
    # Narrowing of the population, e.g. {"category": "特定目标类", "department": 12, "min_amount": "500000"}.
    filters = models.JSONField("筛选条件", default=dict, blank=True)
    method = models.CharField("抽样方法", max_length=10, choices=Method.choices)
    strata = models.CharField("分层依据", max_length=12, choices=Strata.choices, blank=True)
    # Upper bounds (元) of the amount bands for stratification by amount; the last band is open.
    amount_bands = models.JSONField("金额分档（元）", default=list, blank=True)
    rate = models.DecimalField("抽样比例", max_digits=5, decimal_places=4, null=True, blank=True)
    size = models.PositiveIntegerField("样本量", null=True, blank=True)
    seed = models.BigIntegerField("随机种子")
    # Recorded at the draw: how many were in the population and a SHA-256 of its sorted keys and amounts,
    # so anyone can check that a later draw ran on the same population.
    population_size = models.PositiveIntegerField("总体数量", null=True, blank=True)
    population_hash = models.CharField("总体摘要", max_length=64, blank=True)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽样方案"
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__isnull=False, size__isnull=True) | Q(rate__isnull=True, size__isnull=False),
                name="sampling_rate_or_size",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.region.name}{self.year}年抽样方案{self.pk}"


class SampleItem(models.Model):
    """One drawn member of a plan's sample, in the order drawn."""

    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="items", verbose_name="抽样方案")
    order = models.PositiveIntegerField("抽取顺序")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    department = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="部门")
    stratum = models.CharField("层", max_length=60, blank=True)
    amount = models.DecimalField("金额（元）", **MONEY, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽中对象"
        ordering = ["plan_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="sample_order_unique"),
            models.UniqueConstraint(
                fields=["plan", "project"], condition=Q(project__isnull=False), name="sample_project_unique"
            ),
            models.UniqueConstraint(
                fields=["plan", "department"], condition=Q(project__isnull=True), name="sample_department_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.project or self.department)


class Recheck(ScoredForm):
    """The finance bureau's (or an assigned agency's) re-check of one self-evaluation, on the same form."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", "待复核"
        DONE = "done", "已复核"

    evaluation = models.ForeignKey(
        SelfEvaluation, on_delete=models.CASCADE, related_name="rechecks", verbose_name="绩效自评"
    )
    sample_item = models.ForeignKey(
        SampleItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="rechecks"
    )
    rechecker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="复核人",
    )
    agency = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="第三方机构"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    findings = models.TextField("复核意见", blank=True)
    completed_at = models.DateTimeField("复核完成时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "抽查复核"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "sample_item"],
                condition=Q(sample_item__isnull=False),
                name="recheck_one_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation.project.name}抽查复核"


class RecheckIndicator(IndicatorFields):
    """The re-checker's values and score for one indicator of the self-evaluation."""

    recheck = models.ForeignKey(Recheck, on_delete=models.CASCADE, related_name="indicators")
    result = models.ForeignKey(IndicatorResult, on_delete=models.CASCADE, related_name="+", verbose_name="自评指标")
    comment = models.TextField("复核说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "复核指标"
        ordering = ["recheck_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["recheck", "result"], name="recheck_indicator_unique")]

    def __str__(self) -> str:
        return f"{self.level1}/{self.level2}/{self.name}"


class ReEvaluation(models.Model):
    """再评价: the finance bureau's scoring of a department's own performance management on a checklist of
    aspects (rule `evaluations.reevaluation_aspects`; snapshot here so a later rule change does not move it)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        DONE = "done", "已完成"

    department = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="部门")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR)
    sample_item = models.ForeignKey(
        SampleItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="reevaluations"
    )
    # [{"key", "label", "points", "score", "finding"}], in the checklist's order.
    items = models.JSONField("评价内容", default=list)
    total_score = models.DecimalField("总分", max_digits=24, decimal_places=10, null=True, blank=True)
    grade = models.CharField("等级", max_length=1, choices=Grade.choices, blank=True)
    findings = models.TextField("主要问题及建议", blank=True)
    status = models.CharField("状态", max_length=6, choices=Status.choices, default=Status.DRAFT)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "再评价"
        ordering = ["-year", "department__code"]
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="reevaluation_unique")]

    def __str__(self) -> str:
        return f"{self.department.name}{self.year}年度再评价"
