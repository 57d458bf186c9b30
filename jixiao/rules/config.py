"""The catalogue of configurable rules, each with its default and the document the default comes from.

Values that differ between regions and years (grade bands, weights, thresholds, review chains) are
data: a finance bureau overrides them for its region and year, and the override is inherited by the
regions below. This module only knows the catalogue and how to check a value; storage and inheritance
live in `jixiao.orgs.rules_config`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


class RuleValueError(ValueError):
    pass


@dataclass(frozen=True)
class RuleDefinition:
    key: str
    label: str
    default: Any
    source: str
    check: Callable[[Any], Any]
    help: str = ""


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise RuleValueError(f"{what}“{value}”不是数字") from exc
    if not number.is_finite():
        raise RuleValueError(f"{what}“{value}”不是数字")
    return number


def check_grade_bands(value: Any) -> list[dict[str, str]]:
    """[{"grade": "优", "min": "90"}, …] from the highest band down; lower bounds inclusive, the last 0."""
    if not isinstance(value, list) or not value:
        raise RuleValueError("等级划分须为非空列表")
    bands, previous = [], None
    for band in value:
        if not isinstance(band, dict) or not band.get("grade"):
            raise RuleValueError("每个等级须有名称（grade）和下限（min）")
        low = _decimal(band.get("min"), f"等级“{band['grade']}”的下限")
        if not Decimal(0) <= low <= Decimal(100):
            raise RuleValueError(f"等级“{band['grade']}”的下限须在0到100之间")
        if previous is not None and low >= previous:
            raise RuleValueError("等级下限须从高到低严格递减")
        previous = low
        bands.append({"grade": str(band["grade"]), "min": str(low)})
    if Decimal(bands[-1]["min"]) != 0:
        raise RuleValueError("最低等级的下限须为0")
    return bands


def check_weights(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise RuleValueError("权重须为“名称: 分值”的对应表")
    weights = {str(k): _decimal(v, f"“{k}”的分值") for k, v in value.items()}
    if any(w < 0 for w in weights.values()):
        raise RuleValueError("分值不能为负数")
    total = sum(weights.values(), Decimal(0))
    if total != 100:
        raise RuleValueError(f"各项分值合计须为100，现为{total}")
    return {k: str(v) for k, v in weights.items()}


def check_amount_yuan(value: Any) -> str:
    amount = _decimal(value, "金额")
    if amount < 0:
        raise RuleValueError("金额不能为负数")
    return str(amount)


def check_percent(value: Any) -> str:
    number = _decimal(value, "比例")
    if not Decimal(0) <= number <= Decimal(1000):
        raise RuleValueError("比例须在0%到1000%之间")
    return str(number)


def check_positive_int(value: Any) -> int:
    try:
        number = int(str(value))
    except ValueError as exc:
        raise RuleValueError(f"“{value}”不是整数") from exc
    if number < 1:
        raise RuleValueError("须为正整数")
    return number


def check_string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.replace("，", ",").split(",")]
    if not isinstance(value, list):
        raise RuleValueError("须为列表")
    items = [str(v).strip() for v in value if str(v).strip()]
    if not items:
        raise RuleValueError("列表不能为空")
    return items


P2 = (
    "财政部预算司统一的绩效评价结果等级划分：优(90-100)、良(80-89)、中(60-79)、差(0-59)；"
    "《项目支出绩效评价管理办法》（财预〔2020〕10号）：90(含)-100为优"
)
DEFINITIONS: dict[str, RuleDefinition] = {
    d.key: d
    for d in [
        RuleDefinition(
            "evaluation.grade_bands",
            "绩效评价等级划分",
            [
                {"grade": "优", "min": "90"},
                {"grade": "良", "min": "80"},
                {"grade": "中", "min": "60"},
                {"grade": "差", "min": "0"},
            ],
            P2,
            check_grade_bands,
            "下限含本数：90分为“优”，89.99分为“良”。",
        ),
        RuleDefinition(
            "self_evaluation.weights",
            "单位自评一级指标权重",
            {"预算执行率": "10", "产出指标": "50", "效益指标": "30", "满意度指标": "10"},
            "《项目支出绩效评价管理办法》（财预〔2020〕10号）第十条：预算执行率10%、产出50%、效益30%、满意度10%（与各地公开自评表一致）",
            check_weights,
        ),
        RuleDefinition(
            "goals.exempt_categories",
            "无需设定绩效目标的项目类别",
            ["人员类", "公用经费"],
            "《中阳县2024年预算绩效管理工作开展情况及2024年重大政策和重点项目绩效执行结果的说明》：所有项目支出（不含人员类项目和公用经费项目）纳入绩效目标管理",
            check_string_list,
        ),
        RuleDefinition(
            "appraisal.new_project_threshold_yuan",
            "需开展事前绩效评估的新增项目金额下限（元）",
            "5000000",
            "《北京市市级财政支出事前绩效评估管理办法》（京财绩效〔2021〕1837号）：新增重大政策和项目500万元以上",
            check_amount_yuan,
        ),
        RuleDefinition(
            "appraisal.conclusion_bands",
            "事前评估结论分档",
            [
                {"grade": "予以支持", "min": "80"},
                {"grade": "调整完善后予以支持", "min": "60"},
                {"grade": "不予支持", "min": "0"},
            ],
            "地方常用做法：≥80予以支持、60-80调整完善后予以支持、<60不予支持（无全国统一标准，应按本地文件设定）",
            check_grade_bands,
        ),
        RuleDefinition(
            "monitoring.execution_red_below_percent",
            "预算执行预警：红色（执行进度/时间进度低于）",
            "60",
            "预算执行预警常用规则：执行进度/时间进度<60%为红色（省级预算管理一体化系统做法，非全国统一标准）",
            check_percent,
        ),
        RuleDefinition(
            "monitoring.execution_yellow_below_percent",
            "预算执行预警：黄色（执行进度/时间进度低于）",
            "80",
            "预算执行预警常用规则：60%≤执行进度/时间进度<80%为黄色（省级预算管理一体化系统做法，非全国统一标准）",
            check_percent,
        ),
        RuleDefinition(
            "monitoring.behind_schedule_months",
            "连续执行进度靠后的月数",
            3,
            "《宝鸡市财政局关于2023年度预算绩效管理工作报告》（宝市财办绩〔2024〕2号）：渭滨区对连续3个月预算执行进度靠后的项目压减预算",
            check_positive_int,
        ),
        RuleDefinition(
            "goals.review_chain",
            "绩效目标审核流程",
            ["主管部门审核", "财政部门审核"],
            "《中央部门预算绩效目标管理办法》（财预〔2015〕88号）：部门审核、财政审核两级",
            check_string_list,
        ),
    ]
}


def definition(key: str) -> RuleDefinition:
    try:
        return DEFINITIONS[key]
    except KeyError as exc:
        raise RuleValueError(f"没有名为“{key}”的规则") from exc


def grade_for(score: Decimal, bands: list[dict[str, str]]) -> str:
    """The grade whose inclusive lower bound the score reaches first, bands from high to low."""
    for band in bands:
        if score >= Decimal(band["min"]):
            return band["grade"]
    return bands[-1]["grade"]
