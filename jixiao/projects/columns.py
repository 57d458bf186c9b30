"""The 项目库 workbook layout: one list of columns shared by the import template, the import parser and
the Excel export, so an exported workbook imports back unchanged."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    note: str
    width: int = 14


SHEET = "项目库"
COLUMNS = [
    Column("code", "项目编码", True, "本区划本年度内唯一；再次导入同一编码即更新该项目", 18),
    Column("name", "项目名称", True, "不超过200字", 36),
    Column("owner_code", "预算单位编码", True, "系统中的机构编码，须在您的权限范围内", 18),
    Column("fiscal_year", "年度", True, "四位数字，如2024", 8),
    Column("kind", "类型", False, "项目 / 政策 / 部门整体支出，默认项目", 10),
    Column("category", "项目类别", True, "人员类 / 公用经费 / 其他运转类 / 特定目标类", 12),
    Column(
        "budget_type",
        "预算类型",
        False,
        "一般公共预算 / 政府性基金预算 / 国有资本经营预算 / 社会保险基金预算，默认一般公共预算",
        16,
    ),
    Column("fund_sources", "资金来源", False, "多个用顿号分隔，如：一般债券、上级转移支付", 20),
    Column("domain_tags", "领域", False, "多个用顿号分隔，如：乡村振兴、教育", 16),
    Column("is_new", "新增/延续", False, "新增 或 延续，默认新增", 10),
    Column("start_year", "起始年度", False, "默认同年度", 10),
    Column("end_year", "结束年度", False, "默认同起始年度", 10),
    Column("amount_requested", "申报金额（元）", True, "以元为单位，最多两位小数", 16),
    Column("amount_approved", "批复金额（元）", False, "以元为单位，最多两位小数", 16),
    Column("amount_adjusted", "调整后金额（元）", False, "以元为单位，最多两位小数", 16),
    Column("description", "项目概述", False, "", 40),
]
HEADERS = [c.header for c in COLUMNS]
