from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from jixiao.orgs.models import Organization, Region

MONEY = {"max_digits": 18, "decimal_places": 2}
YEAR = [MinValueValidator(2000), MaxValueValidator(2100)]


class FundSource(models.Model):
    """资金来源 such as 一般债券, 专项债券, PPP, 政府购买服务, 上级转移支付, 产业基金."""

    name = models.CharField("名称", max_length=30, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "资金来源"

    def __str__(self) -> str:
        return self.name


class DomainTag(models.Model):
    """领域 such as 乡村振兴, 教育, 生态环保."""

    name = models.CharField("名称", max_length=30, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "领域标签"

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """One entry of the 项目库: a project, a policy or a department's overall budget, for one year."""

    class Kind(models.TextChoices):
        PROJECT = "project", "项目"
        POLICY = "policy", "政策"
        DEPARTMENT_OVERALL = "department_overall", "部门整体支出"

    class Category(models.TextChoices):
        PERSONNEL = "人员类", "人员类"
        PUBLIC_FUNDS = "公用经费", "公用经费"
        OTHER_OPERATING = "其他运转类", "其他运转类"
        SPECIFIC = "特定目标类", "特定目标类"

    class Budget(models.TextChoices):
        GENERAL = "一般公共预算", "一般公共预算"
        FUND = "政府性基金预算", "政府性基金预算"
        STATE_CAPITAL = "国有资本经营预算", "国有资本经营预算"
        SOCIAL_INSURANCE = "社会保险基金预算", "社会保险基金预算"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已申报"
        IN_LIBRARY = "in_library", "已入库"
        BUDGETED = "budgeted", "已批复"
        EXECUTING = "executing", "执行中"
        COMPLETED = "completed", "已完结"
        CANCELLED = "cancelled", "已取消"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.PROJECT)
    code = models.CharField("项目编码", max_length=40)
    name = models.CharField("项目名称", max_length=200)
    owner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="projects", verbose_name="预算单位")
    # The 一级预算单位 above the owner and the owner's region, kept so lists filter without walking trees.
    department = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="department_projects", verbose_name="主管部门"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="projects", verbose_name="区划")
    fiscal_year = models.PositiveSmallIntegerField("年度", validators=YEAR)
    category = models.CharField("项目类别", max_length=10, choices=Category.choices)
    budget_type = models.CharField("预算类型", max_length=10, choices=Budget.choices, default=Budget.GENERAL)
    fund_sources = models.ManyToManyField(FundSource, blank=True, verbose_name="资金来源")
    domain_tags = models.ManyToManyField(DomainTag, blank=True, verbose_name="领域")
    is_new = models.BooleanField("新增项目", default=True)
    start_year = models.PositiveSmallIntegerField("起始年度", validators=YEAR)
    end_year = models.PositiveSmallIntegerField("结束年度", validators=YEAR)
    amount_requested = models.DecimalField("申报金额（元）", **MONEY, validators=[MinValueValidator(Decimal(0))])
    amount_approved = models.DecimalField(
        "批复金额（元）", **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    amount_adjusted = models.DecimalField(
        "调整后金额（元）", **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    description = models.TextField("项目概述", blank=True)
    status = FSMField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    is_generated = models.BooleanField("演示生成", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "项目"
        ordering = ["-fiscal_year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "fiscal_year", "code"], name="project_code_unique"),
            models.CheckConstraint(condition=models.Q(amount_requested__gte=0), name="project_requested_gte_0"),
            models.CheckConstraint(condition=models.Q(end_year__gte=models.F("start_year")), name="project_years"),
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "region"]),
            models.Index(fields=["fiscal_year", "department"]),
            models.Index(fields=["fiscal_year", "owner"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    # Lifecycle. Services call these; each has its own permission check in projects.services.
    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED)
    def submit(self) -> None: ...

    @transition(field=status, source=Status.SUBMITTED, target=Status.DRAFT)
    def return_to_unit(self) -> None: ...

    @transition(field=status, source=Status.SUBMITTED, target=Status.IN_LIBRARY)
    def admit(self) -> None: ...

    @transition(field=status, source=Status.IN_LIBRARY, target=Status.BUDGETED)
    def approve_budget(self) -> None: ...

    @transition(field=status, source=Status.BUDGETED, target=Status.EXECUTING)
    def start(self) -> None: ...

    @transition(field=status, source=Status.EXECUTING, target=Status.COMPLETED)
    def complete(self) -> None: ...

    @transition(
        field=status,
        source=[Status.DRAFT, Status.SUBMITTED, Status.IN_LIBRARY, Status.BUDGETED, Status.EXECUTING],
        target=Status.CANCELLED,
    )
    def cancel(self) -> None: ...
