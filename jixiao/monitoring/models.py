"""绩效运行监控 ("双监控", 财预〔2019〕136号): rounds, monitoring forms, warnings, dispositions, rectifications.

A finance bureau opens a round for its region and year with a cut-off month (1-7月 reported in August by
default). The round's reports are generated for every covered project (budget approved, goal approved, not
exempt) and prefilled with the spending to the cut-off month from the payment data. Each report goes

    草稿 ──submit──▶ 已提交 ──department approves──▶ 部门已审核 ──finance re-checks──▶ 财政已复核
      ▲                 │                               │
      └── 退回修改 ◀─────┴──── either step returns ─────┘

The finance bureau re-checks its selection (重点监控: by the configured rule or added by hand with a
reason). Warnings are computed by the pure rules of `jixiao.rules.monitoring_warnings` and stored with their
inputs, so that a unit sees why it was flagged. Dispositions (收回资金, 调减预算, 暂缓拨款, 停止拨款) are
proposed and approved; once approved they change the project's available budget or block its payments
(see `jixiao.monitoring.selectors.available_budget`). Rectification items are kept for results application.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from jixiao.goals.models import Goal, Indicator, Operator
from jixiao.orgs.models import Organization, Region
from jixiao.projects.models import MONEY, YEAR, Project

VALUE = {"max_digits": 20, "decimal_places": 4, "null": True, "blank": True}
MONTH = [MinValueValidator(1), MaxValueValidator(12)]


class Colour(models.TextChoices):
    """The colours of `jixiao.rules.monitoring_warnings`, most serious first: 红 behind, 黄 somewhat behind,
    蓝 far ahead (the target may be set too low), 待人工判断 (定性 or not computable), 绿 on course."""

    RED = "red", "红色"
    YELLOW = "yellow", "黄色"
    BLUE = "blue", "蓝色"
    MANUAL = "manual", "待人工判断"
    GREEN = "green", "绿色"


class Likelihood(models.TextChoices):
    """完成目标可能性 (136号 annex; 黄石 form: 确定能、有可能、不可能)."""

    CERTAIN = "确定能", "确定能"
    POSSIBLE = "有可能", "有可能"
    IMPOSSIBLE = "不可能", "不可能"


class Cause(models.TextChoices):
    """偏差原因分析 ticks of the 136号 annex."""

    FUNDING = "经费保障", "经费保障"
    RULES = "制度保障", "制度保障"
    STAFF = "人员保障", "人员保障"
    EQUIPMENT = "硬件条件保障", "硬件条件保障"
    OTHER = "其他", "其他"


class MonitoringRound(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR)
    cutoff_month = models.PositiveSmallIntegerField("监控截止月份", validators=MONTH)
    due_date = models.DateField("报送截止日期")
    name = models.CharField("名称", max_length=100, blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    # The rules in force when the round was opened (exemptions, 重点监控 selection), kept so that a later
    # change of configuration does not move projects in or out of a round under way.
    rules = models.JSONField("监控规则", default=dict, blank=True)
    is_generated = models.BooleanField("演示生成", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "监控轮次"
        ordering = ["-year", "-cutoff_month", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "cutoff_month"], name="monitoring_round_unique"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.region.name}{self.year}年1-{self.cutoff_month}月绩效运行监控"

    @property
    def period_label(self) -> str:
        return f"1-{self.cutoff_month}月"


class MonitoringReport(models.Model):
    """The 绩效监控表 of one project in one round. Amounts in 元."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        RETURNED = "returned", "退回修改"
        SUBMITTED = "submitted", "已提交"
        DEPT_REVIEWED = "dept_reviewed", "部门已审核"
        RECHECKED = "rechecked", "财政已复核"

    class KeySource(models.TextChoices):
        RULE = "rule", "按规则选取"
        MANUAL = "manual", "人工添加"

    EDITABLE_BY_UNIT = (Status.DRAFT, Status.RETURNED)

    round = models.ForeignKey(MonitoringRound, on_delete=models.CASCADE, related_name="reports", verbose_name="轮次")
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="monitoring_reports", verbose_name="项目"
    )
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="绩效目标"
    )
    budget_initial = models.DecimalField("年初预算数（元）", **MONEY, null=True, blank=True)
    # 全年预算数: the adjusted amount, or the approved one where there was no adjustment.
    budget = models.DecimalField("全年预算数（元）", **MONEY, null=True, blank=True)
    # From the payment data at generation (and on refresh), None where it has no record of the project;
    # the unit's own figure, prefilled from it, is `executed_to_date`.
    paid_to_date = models.DecimalField("支付数据执行数（元）", **MONEY, null=True, blank=True)
    executed_to_date = models.DecimalField("截至当月执行数（元）", **MONEY, null=True, blank=True)
    expected_full_year = models.DecimalField("全年预计执行数（元）", **MONEY, null=True, blank=True)
    annual_goal = models.TextField("年度总体目标", blank=True)
    annual_goal_progress = models.TextField("年度总体目标执行情况", blank=True)
    remark = models.TextField("备注", blank=True)
    status = models.CharField("状态", max_length=14, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField("审核意见", blank=True)
    is_key = models.BooleanField("重点监控", default=False)
    key_source = models.CharField("重点监控来源", max_length=6, choices=KeySource.choices, blank=True)
    key_reason = models.CharField("重点监控理由", max_length=500, blank=True)
    findings = models.TextField("财政复核发现的问题", blank=True)
    # The worst colour among the stored warnings, kept for lists and statistics.
    worst_colour = models.CharField("预警", max_length=6, choices=Colour.choices, blank=True)
    warnings_at = models.DateTimeField("预警计算时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    dept_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dept_reviewed_at = models.DateTimeField("部门审核时间", null=True, blank=True)
    rechecker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rechecked_at = models.DateTimeField("财政复核时间", null=True, blank=True)
    is_generated = models.BooleanField("演示生成", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "绩效监控表"
        ordering = ["round_id", "project__code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "project"], name="monitoring_report_unique"),
        ]
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(fields=["round", "worst_colour"]),
            models.Index(fields=["round", "is_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.project.name}绩效监控表（{self.round.period_label}）"


class IndicatorProgress(models.Model):
    """One indicator of the goal, copied at generation, with its progress to the cut-off month."""

    report = models.ForeignKey(
        MonitoringReport, on_delete=models.CASCADE, related_name="indicators", verbose_name="绩效监控表"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="目标指标"
    )
    position = models.PositiveSmallIntegerField("序号", default=0)
    level1 = models.CharField("一级指标", max_length=20)
    level2 = models.CharField("二级指标", max_length=30)
    name = models.CharField("三级指标", max_length=200)
    operator = models.CharField("指标性质", max_length=2, choices=Operator.choices)
    target_value = models.DecimalField("年度指标值", **VALUE)  # type: ignore[call-overload]
    target_text = models.CharField("年度指标值（原文）", max_length=200, blank=True)
    unit = models.CharField("计量单位", max_length=20, blank=True)
    value_to_date = models.DecimalField("截至当月完成值", **VALUE)  # type: ignore[call-overload]
    # For 定性 indicators, or a value written as words (「部分达成」).
    value_to_date_text = models.CharField("截至当月执行情况", max_length=500, blank=True)
    expected_value = models.DecimalField("全年预计完成值", **VALUE)  # type: ignore[call-overload]
    expected_text = models.CharField("全年预计完成情况", max_length=500, blank=True)
    likelihood = models.CharField("完成目标可能性", max_length=4, choices=Likelihood.choices, blank=True)
    # Ticks of Cause, required with the measures when the likelihood is not 确定能.
    causes = models.JSONField("偏差原因", default=list, blank=True)
    cause_analysis = models.TextField("偏差原因分析", blank=True)
    measures = models.TextField("相关建议或举措", blank=True)
    remark = models.CharField("备注", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "指标执行情况"
        ordering = ["report_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.level1}/{self.level2}/{self.name}"


class MonitoringWarning(models.Model):
    """One result of one warning rule for a report (or one of its indicators), with what it was computed from:
    the value judged (percent), the line that decided the colour, the inputs as shown and the sentence."""

    report = models.ForeignKey(
        MonitoringReport, on_delete=models.CASCADE, related_name="warnings", verbose_name="绩效监控表"
    )
    indicator = models.ForeignKey(
        IndicatorProgress,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="warnings",
        verbose_name="指标",
    )
    rule = models.CharField("规则", max_length=40)  # a `jixiao.rules.monitoring_warnings.Rule`
    colour = models.CharField("颜色", max_length=6, choices=Colour.choices)
    value = models.DecimalField("计算值", max_digits=20, decimal_places=4, null=True, blank=True)
    inputs = models.JSONField("输入", default=dict, blank=True)
    threshold = models.DecimalField("阈值", max_digits=20, decimal_places=4, null=True, blank=True)
    message = models.TextField("说明")
    computed_at = models.DateTimeField("计算时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "监控预警"
        ordering = ["report_id", "indicator_id", "rule"]
        indexes = [models.Index(fields=["colour", "rule"])]

    def __str__(self) -> str:
        return f"{self.get_colour_display()} {self.message}"


class Disposition(models.Model):
    """What was done about a project found in monitoring. Amounts in 元.

    Once approved: 收回资金 and 调减预算 lower the available budget by `amount`; 暂缓拨款 and 停止拨款 block
    further payments (a 暂缓 until it is lifted; a 停止 for good). 调减预算 also opens an adjustment of the
    goal through the goals review chain (`goal_adjustment`)."""

    class Kind(models.TextChoices):
        RECOVER = "recover", "收回资金"
        REDUCE = "reduce", "调减预算"
        SUSPEND = "suspend", "暂缓拨款"
        STOP = "stop", "停止拨款"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待审批"
        APPROVED = "approved", "已批准"
        LIFTED = "lifted", "已解除"

    WITH_AMOUNT = (Kind.RECOVER, Kind.REDUCE)
    BLOCKING = (Kind.SUSPEND, Kind.STOP)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dispositions", verbose_name="项目")
    report = models.ForeignKey(
        MonitoringReport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispositions",
        verbose_name="绩效监控表",
    )
    kind = models.CharField("处理方式", max_length=8, choices=Kind.choices)
    amount = models.DecimalField(
        "金额（元）", **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    reason = models.TextField("理由")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PROPOSED)
    goal_adjustment = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="绩效目标调整"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    is_generated = models.BooleanField("演示生成", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "监控处理"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["suspend", "stop"]) | Q(amount__gt=0), name="disposition_amount_required"
            ),
        ]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self) -> str:
        return f"{self.project.name}：{self.get_kind_display()}"


class RectificationItem(models.Model):
    """整改事项: from a disposition or a finding, owned by an organization, kept for results application."""

    class Status(models.TextChoices):
        OPEN = "open", "整改中"
        DONE = "done", "已整改"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rectifications", verbose_name="项目")
    report = models.ForeignKey(
        MonitoringReport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rectifications",
        verbose_name="绩效监控表",
    )
    disposition = models.ForeignKey(
        Disposition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rectifications",
        verbose_name="监控处理",
    )
    text = models.TextField("整改事项")
    due = models.DateField("整改期限", null=True, blank=True)
    owner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="责任单位")
    status = models.CharField("状态", max_length=6, choices=Status.choices, default=Status.OPEN)
    result = models.TextField("整改情况", blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    is_generated = models.BooleanField("演示生成", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "整改事项"
        ordering = ["status", "due", "id"]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        return self.text[:60]
