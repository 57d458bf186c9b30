"""The 绩效监控表 workbook: one sheet per report, shared by the export and the import.

The layout follows the central 136号 annex (项目支出绩效目标执行监控表) and the 黄石 form (P7), see
docs/monitoring.md. A sheet, named by the project code, holds from the top:

1. the title (TITLE) and the unit line (UNIT_NOTE);
2. the header block: one row per HEADER field, the label in column A and the value in column B;
3. the funds table: a header row FUNDS_COLUMNS (with the month written in), then one row labelled
   FUNDS_ROW (年度资金总额), amounts in 万元 with 2 decimals (执行率 in %);
4. the goal block: GOAL_LABEL and GOAL_PROGRESS_LABEL rows, label in column A, text in column B;
5. the indicator table: a header row INDICATOR_COLUMNS (month written in), one row per indicator;
6. the notes (NOTES), one per row.

The import finds every part by its labels, not by position, so that a published form with extra rows or
columns, or its own wording (ALIASES), reads as well. It reads back only what the unit states (EDITABLE);
the rest is there to read, and comes from the project, the goal and the payment data.
"""

import re

TITLE = "项目支出绩效目标执行监控表"
UNIT_NOTE = "金额单位：万元"

# (key, label) of the header block.
HEADER = [
    ("code", "项目编码"),
    ("name", "项目名称"),
    ("department", "主管部门"),
    ("owner", "项目执行单位"),
    ("period", "监控期间"),
]

FUNDS_ROW = "年度资金总额"
GOAL_LABEL = "年度总体目标"
GOAL_PROGRESS_LABEL = "总体目标执行情况"
REMARK_LABEL = "备注"


def funds_columns(month: int) -> list[tuple[str, str]]:
    """(key, header) of the funds table for a round ending with `month`."""
    return [
        ("label", "项目资金（万元）"),
        ("budget_initial", "年初预算数"),
        ("budget", "全年预算数"),
        ("executed", f"1-{month}月执行数"),
        ("rate", f"1-{month}月执行率"),
        ("expected", "全年预计执行数"),
    ]


def indicator_columns(month: int) -> list[tuple[str, str]]:
    """(key, header) of the indicator table for a round ending with `month`. 偏差原因 holds the ticked
    causes joined by 、 (经费保障、制度保障、人员保障、硬件条件保障、其他)."""
    return [
        ("level1", "一级指标"),
        ("level2", "二级指标"),
        ("name", "三级指标"),
        ("target", "年度指标值"),
        ("value_to_date", f"1-{month}月执行情况"),
        ("expected", "全年预计完成情况"),
        ("likelihood", "完成目标可能性"),
        ("causes", "偏差原因"),
        ("cause_analysis", "偏差原因分析"),
        ("measures", "相关建议或举措"),
        ("remark", "备注"),
    ]


# What the import reads back: the unit's statements. Everything else on the sheet is for reading.
EDITABLE_FUNDS = ("executed", "expected")
EDITABLE_INDICATOR = ("value_to_date", "expected", "likelihood", "causes", "cause_analysis", "measures", "remark")

# Other wordings of published forms, by key (headers compared without spaces, with full-width brackets).
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("项目代码",),
    "name": ("指标名称", "三级指标名称"),
    "target": ("指标值", "年度目标值"),
    "expected": ("全年预计完成值", "全年预计执行情况"),
    "likelihood": ("完成目标可能性（确定能、有可能、不可能）",),
    "causes": ("偏差原因类型", "偏差原因分析（经费保障、制度保障、人员保障、硬件条件保障、其他）"),
    "cause_analysis": ("偏差或不能完成目标原因分析", "原因分析"),
    "measures": ("改进措施", "纠偏措施", "相关建议或措施"),
    "budget_initial": ("年初预算", "年初预算数（万元）"),
    "budget": ("全年预算数（调整后）", "调整后预算数"),
}
# 执行数 / 执行情况 headers name their months: 1-7月执行数, 1—8月执行情况, 半年度指标执行情况.
EXECUTED_HEADER = re.compile(r"^1[-—–~至]\d{1,2}月(执行数|支出数)(（万元）)?$")
VALUE_TO_DATE_HEADER = re.compile(r"^(1[-—–~至]\d{1,2}月|半年度指标|截至当月)(执行情况|完成值|完成情况)$")
MONTH_IN_HEADER = re.compile(r"^1[-—–~至](\d{1,2})月")

NOTES = [
    "注：1.完成目标可能性：对应所设定的实现绩效目标的路径，分确定能、有可能、不可能三级综合判断完成的可能性。",
    "2.如“完成目标可能性”出现“有可能”“不可能”选项，须在“偏差原因”中选择原因（经费保障、制度保障、人员保障、"
    "硬件条件保障、其他，可多选，以“、”分隔），并填写“相关建议或举措”。",
    "3.金额单位为万元；执行率 = 1至截止月份执行数 ÷ 全年预算数。",
]


def sheet_name(code: str) -> str:
    """Excel allows 31 characters and no []:*?/\\ in a sheet name."""
    return re.sub(r"[\[\]:*?/\\]", "_", code)[:31]
