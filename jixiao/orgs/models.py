from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from jixiao.orgs.roles import Role


class Region(models.Model):
    """A 行政区划: province, city or county/district, with its 6-digit code.

    `path` is the chain of codes from the province down ("610000/610300/610323/"), so that "this region
    and every region below" is one indexed prefix match.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, "省级"
        CITY = 2, "市级"
        COUNTY = 3, "县级"

    code = models.CharField("区划代码", max_length=6, unique=True, validators=[RegexValidator(r"^\d{6}$")])
    name = models.CharField("名称", max_length=50)
    level = models.PositiveSmallIntegerField("级次", choices=Level.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    path = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    class Kind(models.TextChoices):
        FINANCE_BUREAU = "finance_bureau", "财政部门"
        FINANCE_DIVISION = "finance_division", "财政内设机构"
        DEPARTMENT = "department", "主管部门（一级预算单位）"
        UNIT = "unit", "下属预算单位"
        AGENCY = "agency", "第三方机构"
        EXPERT_POOL = "expert_pool", "专家库"
        CONGRESS = "congress", "人大"
        AUDIT_OFFICE = "audit_office", "审计机关"

    class Division(models.TextChoices):
        PERFORMANCE = "performance", "绩效科（股）"
        BUDGET = "budget", "预算科（股）"
        SECTOR = "sector", "归口管理科室"
        REVIEW_CENTER = "review_center", "预算评审中心"

    code = models.CharField("机构编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    division = models.CharField("科室类别", max_length=20, choices=Division.choices, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organizations", verbose_name="区划")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name="上级机构"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    is_generated = models.BooleanField("演示生成", default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["path"]
        verbose_name = verbose_name_plural = "机构"
        indexes = [models.Index(fields=["region", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_budget_unit(self) -> bool:
        return self.kind in (self.Kind.DEPARTMENT, self.Kind.UNIT)


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=50, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class Membership(models.Model):
    """A user holds a role in an organization; a user may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("角色", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = verbose_name_plural = "任职"
        constraints = [models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


class RuleSetting(models.Model):
    """One version of one rule value for a region (None: the national level) and year (None: every year).

    Rows are never edited: a change is a new row with the next version, so what applied when is always
    known. The effective value is resolved in `jixiao.orgs.rules_config`.
    """

    key = models.CharField("规则", max_length=80)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name="区划")
    fiscal_year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    version = models.PositiveIntegerField("版本")
    value = models.JSONField("取值")
    source = models.CharField("依据", max_length=300)
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "规则配置"
        ordering = ["key", "region__path", "fiscal_year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "region", "fiscal_year", "version"], name="rulesetting_version"),
        ]

    def __str__(self) -> str:
        where = self.region.name if self.region_id else "全国"
        return f"{self.key} · {where} · {self.fiscal_year or '各年度'} · 第{self.version}版"
