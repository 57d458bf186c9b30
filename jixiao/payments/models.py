"""Payment data from the budget system (预算管理一体化系统 支付数据) and what is derived from it.

A `PaymentBatch` is one imported file for a region, a fiscal year and a period (a month, or the whole
year). Its `Payment` rows carry the region, year and month themselves so that replacing a period is one
DELETE. `ProjectMonth` is the per-project per-month aggregate (paid in the month and cumulative to its
end), rebuilt set-based for the region and year after every import; months without payments have no
row (the cumulative carries over: see `jixiao.payments.selectors`).
"""

from django.conf import settings
from django.db import models

from jixiao.orgs.models import Region
from jixiao.projects.models import MONEY, YEAR, Project

WHOLE_YEAR = 0  # PaymentBatch.period of a file that covers the whole year (every month in it)


class PaymentBatch(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="payment_batches", verbose_name="区划")
    fiscal_year = models.PositiveSmallIntegerField("年度", validators=YEAR)
    period = models.PositiveSmallIntegerField("期间", help_text="1–12 为月份；0 为全年（文件中各月）")
    sha256 = models.CharField("文件摘要", max_length=64)
    filename = models.CharField("文件名", max_length=200)
    unit = models.CharField("金额单位", max_length=4, default="元")
    rows = models.PositiveIntegerField("支付笔数", default=0)
    amount = models.DecimalField("支付金额合计（元）", **MONEY, default=0)
    projects = models.PositiveIntegerField("涉及项目数", default=0)
    replaced = models.PositiveIntegerField("替换的原有笔数", default=0)
    # A later file for the same region, year and period supersedes this one (its rows are gone).
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="被替换为"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="导入人"
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "支付数据批次"
        ordering = ["-imported_at", "-id"]
        indexes = [models.Index(fields=["region", "fiscal_year", "period"])]

    def __str__(self) -> str:
        return f"{self.filename}（{self.fiscal_year}年{self.period_label}）"

    @property
    def period_label(self) -> str:
        return "全年" if self.period == WHOLE_YEAR else f"{self.period}月"


class Payment(models.Model):
    # Millions of rows: no index per foreign key. (project, month) and (region, fiscal_year, month) serve
    # every read and the replacement of a period; batches are superseded, never deleted.
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.CASCADE, related_name="payments", verbose_name="批次", db_index=False
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="payments", verbose_name="项目", db_index=False
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划", db_index=False)
    fiscal_year = models.PositiveSmallIntegerField("年度", validators=YEAR)
    month = models.PositiveSmallIntegerField("月份")
    paid_on = models.DateField("支付日期", null=True, blank=True)
    amount = models.DecimalField("金额（元）", **MONEY)
    fund_source = models.CharField("资金来源", max_length=60, blank=True)
    source_row = models.PositiveIntegerField("文件行号")

    class Meta:
        verbose_name = verbose_name_plural = "支付明细"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["region", "fiscal_year", "month"]),
            models.Index(fields=["project", "month"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="payment_month_1_12"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.fiscal_year}-{self.month:02d} {self.amount}"


class ProjectMonth(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="months", verbose_name="项目")
    month = models.PositiveSmallIntegerField("月份")
    paid = models.DecimalField("当月支付（元）", **MONEY)
    cumulative = models.DecimalField("累计支付（元）", **MONEY)

    class Meta:
        verbose_name = verbose_name_plural = "项目月度支付"
        ordering = ["project", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="project_month_unique"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="project_month_1_12"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month}月 {self.cumulative}"
