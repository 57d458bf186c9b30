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


def check_negative_formula(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("linear", "ratio"):
        raise RuleValueError("反向指标计分公式须为 linear（线性）或 ratio（比值）")
    return text


def check_layout(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("national", "sichuan"):
        raise RuleValueError("自评表样须为 national（全国通用）或 sichuan（四川）")
    return text


def check_execution_denominator(value: Any) -> str:
    text = str(value).strip()
    if text not in ("全年预算数", "年初预算数"):
        raise RuleValueError("执行率分母须为“全年预算数”（调整后预算数）或“年初预算数”")
    return text


def check_display_places(value: Any) -> int:
    if str(value).strip() not in ("0", "2"):
        raise RuleValueError("显示精度须为 2（保留2位小数）或 0（取整）")
    return int(str(value).strip())


def check_string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.replace("，", ",").split(",")]
    if not isinstance(value, list):
        raise RuleValueError("须为列表")
    items = [str(v).strip() for v in value if str(v).strip()]
    if not items:
        raise RuleValueError("列表不能为空")
    return items


def check_month(value: Any) -> int:
    number = check_positive_int(value)
    if number > 12:
        raise RuleValueError("月份须在1到12之间")
    return number


def check_due_day(value: Any) -> int:
    number = check_positive_int(value)
    if number > 31:
        raise RuleValueError("日期须在1到31之间")
    return number


def check_monitoring_exemptions(value: Any) -> dict[str, list[str]]:
    """Projects left out of the monitoring rounds: {"categories": [项目类别…], "domain_tags": [领域…]}."""
    if not isinstance(value, dict):
        raise RuleValueError('须为对应表，例如 {"categories": [], "domain_tags": ["科研"]}')
    unknown = set(value) - {"categories", "domain_tags"}
    if unknown:
        raise RuleValueError(f"未知的设定项：{'、'.join(sorted(unknown))}（可选 categories、domain_tags）")
    out = {}
    for key in ("categories", "domain_tags"):
        items = value.get(key, [])
        if not isinstance(items, list):
            raise RuleValueError(f"{key} 须为列表")
        out[key] = [str(v).strip() for v in items if str(v).strip()]
    return out


def check_key_selection(value: Any) -> dict[str, Any]:
    """重点监控 selection: {"min_amount_yuan": "2000000", "max_execution_percent": "60", "at_month": 8}; a
    project is selected when its budget reaches the amount (inclusive) and its spending to the end of
    `at_month` is below the percentage of its budget."""
    if not isinstance(value, dict):
        raise RuleValueError(
            '须为对应表，例如 {"min_amount_yuan": "2000000", "max_execution_percent": "60", "at_month": 8}'
        )
    unknown = set(value) - {"min_amount_yuan", "max_execution_percent", "at_month"}
    if unknown:
        raise RuleValueError(
            f"未知的设定项：{'、'.join(sorted(unknown))}（可选 min_amount_yuan、max_execution_percent、at_month）"
        )
    missing = {"min_amount_yuan", "max_execution_percent", "at_month"} - set(value)
    if missing:
        raise RuleValueError(f"缺少设定项：{'、'.join(sorted(missing))}")
    return {
        "min_amount_yuan": check_amount_yuan(value["min_amount_yuan"]),
        "max_execution_percent": check_percent(value["max_execution_percent"]),
        "at_month": check_month(value["at_month"]),
    }


def check_time_basis(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("month", "day"):
        raise RuleValueError("时间进度的计算方法须为 month（月份 ÷ 12）或 day（天数 ÷ 全年天数）")
    return text


REVIEW_ROLES = ("department", "sector", "review_center", "performance", "budget")
GOAL_KINDS = ("project", "policy", "department_overall")


def _chain(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise RuleValueError("审核流程须为非空的环节列表")
    steps = []
    for item in value:
        if isinstance(item, str):
            raise RuleValueError(f'环节“{item}”须注明承办角色，例如 {{"step": "{item}", "role": "department"}}')
        if not isinstance(item, dict) or not str(item.get("step", "")).strip():
            raise RuleValueError("每个环节须有名称（step）和承办角色（role）")
        role = str(item.get("role", ""))
        if role not in REVIEW_ROLES:
            raise RuleValueError(f"环节“{item['step']}”的承办角色“{role}”无效，可选：{'、'.join(REVIEW_ROLES)}")
        steps.append({"step": str(item["step"]).strip(), "role": role})
    return steps


def check_review_chain(value: Any) -> list[dict[str, str]] | dict[str, list[dict[str, str]]]:
    """One chain for every kind of project (a list), or one per kind (a dict keyed by kind)."""
    if isinstance(value, dict):
        unknown = set(value) - set(GOAL_KINDS)
        if unknown:
            raise RuleValueError(f"未知的项目类型：{'、'.join(sorted(unknown))}（可选 {'、'.join(GOAL_KINDS)}）")
        return {kind: _chain(chain) for kind, chain in value.items()}
    return _chain(value)


def chain_for(value: Any, kind: str) -> list[dict[str, str]]:
    """The chain in force for a kind of project; a per-kind setting without the kind falls back to project."""
    if isinstance(value, dict):
        return list(value.get(kind) or value.get("project") or next(iter(value.values())))
    return list(value)


def check_indicator_tree(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not value:
        raise RuleValueError("指标体系须为“一级指标: [二级指标…]”的对应表")
    tree = {}
    for level1, level2s in value.items():
        names = check_string_list(level2s)
        if len(set(names)) != len(names):
            raise RuleValueError(f"“{level1}”下有重复的二级指标")
        tree[str(level1).strip()] = names
    return tree


def check_min_indicators(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise RuleValueError("须为“一级指标或合计: 个数”的对应表")
    out = {}
    for key, number in value.items():
        try:
            n = int(str(number))
        except ValueError as exc:
            raise RuleValueError(f"“{key}”的个数“{number}”不是整数") from exc
        if n < 0:
            raise RuleValueError(f"“{key}”的个数不能为负数")
        out[str(key)] = n
    return out


SEVERITIES = ("blocking", "warning")


def check_severity(value: Any) -> dict[str, str]:
    # Imported here: goal_checks reads its defaults from this catalogue, so it imports this module.
    from jixiao.rules.goal_checks import CHECKS

    if not isinstance(value, dict):
        raise RuleValueError("须为“检查编号: blocking 或 warning”的对应表")
    out = {}
    for key, severity in value.items():
        if key not in CHECKS:
            raise RuleValueError(f"没有编号为“{key}”的检查，可选：{'、'.join(CHECKS)}")
        if severity not in SEVERITIES:
            raise RuleValueError(f"检查“{key}”的严重程度“{severity}”无效，可选 blocking、warning")
        out[str(key)] = str(severity)
    return out


APPRAISAL_KINDS = ("project", "policy")
PANEL_ROLES = ("budget", "performance", "sector", "review_center")


def check_applicability(value: Any) -> dict[str, Any]:
    """Which projects need an ex-ante assessment, besides the amount threshold: {"new_only": bool,
    "categories": [项目类别…], "kinds": ["project", "policy"]}."""
    if not isinstance(value, dict):
        raise RuleValueError('须为对应表，例如 {"new_only": true, "categories": ["特定目标类"], "kinds": ["project"]}')
    unknown = set(value) - {"new_only", "categories", "kinds"}
    if unknown:
        raise RuleValueError(f"未知的设定项：{'、'.join(sorted(unknown))}（可选 new_only、categories、kinds）")
    new_only = value.get("new_only", True)
    if not isinstance(new_only, bool):
        raise RuleValueError("new_only 须为 true 或 false")
    kinds = check_string_list(value.get("kinds", list(APPRAISAL_KINDS)))
    bad = [k for k in kinds if k not in APPRAISAL_KINDS]
    if bad:
        raise RuleValueError(f"项目类型“{'、'.join(bad)}”无效，可选：{'、'.join(APPRAISAL_KINDS)}")
    return {"new_only": new_only, "categories": check_string_list(value.get("categories", [])), "kinds": kinds}


def check_dimensions(value: Any) -> list[dict[str, Any]]:
    """[{"key", "label", "policy_label", "items": [{"name", "points"}, …]}, …]; all points add up to 100."""
    if not isinstance(value, list) or not value:
        raise RuleValueError("评估维度须为非空列表")
    dims, keys, total = [], set(), Decimal(0)
    for dim in value:
        if not isinstance(dim, dict) or not str(dim.get("key", "")).strip() or not str(dim.get("label", "")).strip():
            raise RuleValueError("每个维度须有代码（key）和名称（label）")
        key, label = str(dim["key"]).strip(), str(dim["label"]).strip()
        if key in keys:
            raise RuleValueError(f"维度代码“{key}”重复")
        keys.add(key)
        items = dim.get("items")
        if not isinstance(items, list) or not items:
            raise RuleValueError(f"维度“{label}”须列出评分要点（items）")
        names, checked = set(), []
        for item in items:
            if not isinstance(item, dict) or not str(item.get("name", "")).strip():
                raise RuleValueError(f"维度“{label}”的每个评分要点须有名称（name）和分值（points）")
            name = str(item["name"]).strip()
            if name in names:
                raise RuleValueError(f"维度“{label}”下评分要点“{name}”重复")
            names.add(name)
            points = _decimal(item.get("points"), f"“{label}/{name}”的分值")
            if points <= 0:
                raise RuleValueError(f"“{label}/{name}”的分值须大于0")
            total += points
            checked.append({"name": name, "points": str(points)})
        policy_label = str(dim.get("policy_label") or label).strip()
        dims.append({"key": key, "label": label, "policy_label": policy_label, "items": checked})
    if total != 100:
        raise RuleValueError(f"各维度分值合计须为100，现为{total}")
    return dims


def check_panel(value: Any) -> list[str]:
    roles = check_string_list(value)
    bad = [r for r in roles if r not in PANEL_ROLES]
    if bad:
        raise RuleValueError(f"角色“{'、'.join(bad)}”不能参加联评联审，可选：{'、'.join(PANEL_ROLES)}")
    if len(set(roles)) != len(roles):
        raise RuleValueError("联评联审小组的角色不能重复")
    return roles


def _dimension(key: str, label: str, policy_label: str, items: list[tuple[str, int]]) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "policy_label": policy_label,
        "items": [{"name": n, "points": str(p)} for n, p in items],
    }


# The five dimensions of 中发〔2018〕34号, with the policy wording of the 市级办法 report outline (P12) and
# sub-items after the scoring sheet of P14 (立项必要性 and 投入经济性 as published; the others follow its
# pattern of 20 points in 5- or 10-point items).
DEFAULT_DIMENSIONS = [
    _dimension(
        "necessity", "立项必要性", "政策设立必要性", [("目的明确", 5), ("相关性", 5), ("唯一性", 5), ("事前论证", 5)]
    ),
    _dimension("economy", "投入经济性", "政策保障充分性", [("预算科学性", 10), ("经济合理性", 10)]),
    _dimension(
        "goals", "绩效目标合理性", "政策目标合理性", [("完整性", 5), ("相关性", 5), ("可衡量性", 5), ("合理性", 5)]
    ),
    _dimension(
        "feasibility",
        "实施方案可行性",
        "政策实施可持续性",
        [("组织管理", 5), ("实施计划", 5), ("保障条件", 5), ("风险应对", 5)],
    ),
    _dimension("compliance", "筹资合规性", "政策资金合规性", [("资金来源合规", 10), ("财政投入方式", 10)]),
]


P2 = (
    "财政部预算司统一的绩效评价结果等级划分：优(90-100)、良(80-89)、中(60-79)、差(0-59)；"
    "《项目支出绩效评价管理办法》（财预〔2020〕10号）：90(含)-100为优"
)


def check_aspects(value: Any) -> list[dict[str, str]]:
    """[{"key", "label", "points"}, …] for 再评价: distinct keys, positive points adding up to 100."""
    if not isinstance(value, list) or not value:
        raise RuleValueError("评价内容须为非空列表")
    out, keys, total = [], set(), Decimal(0)
    for item in value:
        if not isinstance(item, dict) or not str(item.get("key", "")).strip() or not str(item.get("label", "")).strip():
            raise RuleValueError("每项评价内容须有代码（key）、名称（label）和分值（points）")
        key = str(item["key"]).strip()
        if key in keys:
            raise RuleValueError(f"评价内容代码“{key}”重复")
        keys.add(key)
        points = _decimal(item.get("points"), f"“{item['label']}”的分值")
        if points <= 0:
            raise RuleValueError(f"“{item['label']}”的分值须大于0")
        total += points
        out.append({"key": key, "label": str(item["label"]).strip(), "points": str(points)})
    if total != 100:
        raise RuleValueError(f"各项分值合计须为100，现为{total}")
    return out


def check_amount_bands(value: Any) -> list[str]:
    """Ascending upper bounds in 元; the last band is open."""
    if not isinstance(value, list) or not value:
        raise RuleValueError('金额分档须为非空列表，例如 ["1000000", "5000000"]')
    bounds = [_decimal(v, "分档金额") for v in value]
    if any(b <= 0 for b in bounds) or bounds != sorted(set(bounds)):
        raise RuleValueError("分档金额须为递增的正数（元）")
    return [str(b) for b in bounds]


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
            "self_evaluation.sichuan_weights",
            "单位自评权重（四川样式）",
            {"预算执行情况": "10", "绩效指标": "90"},
            "四川省2023年度项目支出绩效自评表：预算执行情况（10分）+ 绩效指标（90分），90分由单位在指标间分配",
            check_weights,
        ),
        RuleDefinition(
            "self_evaluation.layout",
            "单位自评表样",
            "national",
            "《项目支出绩效评价管理办法》（财预〔2020〕10号）附件1项目支出绩效自评表；"
            "四川省2023年度项目支出绩效自评表：预算执行情况（10分）+ 绩效指标（90分），另列指标性质、度量单位",
            check_layout,
            "national 全国通用表样；sichuan 四川表样。新生成的自评表采用该表样。",
        ),
        RuleDefinition(
            "self_evaluation.negative_formula",
            "反向指标计分公式",
            "linear",
            "pmkpi 计分规则：(1 −（实际值 − 指标值）÷ 指标值）× 分值，实际值达指标值2倍得0分（linear）；"
            "地方自评表说明：指标值 ÷ 实际值 × 分值（ratio）",
            check_negative_formula,
            "linear 线性公式；ratio 比值公式。",
        ),
        RuleDefinition(
            "self_evaluation.execution_denominator",
            "预算执行率的分母",
            "全年预算数",
            "《项目支出绩效评价管理办法》（财预〔2020〕10号）附件1自评表：执行率 = 全年执行数 ÷ 全年预算数；"
            "四川2023年自评表：预算执行率 = 预算执行数 ÷ 调整后预算数",
            check_execution_denominator,
            "全年预算数（即调整后预算数）或 年初预算数。",
        ),
        RuleDefinition(
            "self_evaluation.execution_reason_below_percent",
            "预算执行率低于此值须说明原因（%）",
            "90",
            "四川2023年自评表注：预算执行率未达到90%的需说明原因",
            check_percent,
        ),
        RuleDefinition(
            "self_evaluation.qualitative_tiers",
            "定性指标评分档次（占分值的百分比下限）",
            [
                {"grade": "达成", "min": "80"},
                {"grade": "部分达成", "min": "60"},
                {"grade": "未达成", "min": "0"},
            ],
            "《项目支出绩效评价管理办法》（财预〔2020〕10号）：达成年度指标、部分达成年度指标并具有一定效果、"
            "未达成年度指标且效果较差，分别按100-80%（含80%）、80-60%（含60%）、60-0%计分",
            check_grade_bands,
            "档次从高到低，下限含本数；评定得分须落在所评档次的区间内。",
        ),
        RuleDefinition(
            "self_evaluation.display_places",
            "自评得分显示精度",
            2,
            "本系统默认：计算保留全部精度，仅显示时四舍五入；公开的自评表常取整",
            check_display_places,
            "2 保留2位小数；0 取整（四舍五入）。",
        ),
        RuleDefinition(
            "evaluation.reevaluation_aspects",
            "财政再评价的评价内容与分值",
            [
                {"key": "rules", "label": "单位内部预算绩效管理制度的完备性", "points": "20"},
                {
                    "key": "cooperation",
                    "label": "资金使用部门与财务部门分工协作、参与预算绩效管理各环节",
                    "points": "20",
                },
                {"key": "goals", "label": "项目绩效目标及部门整体绩效目标的编制与公开", "points": "20"},
                {"key": "self_evaluation", "label": "项目绩效自评及部门整体绩效自评的开展", "points": "20"},
                {"key": "use_of_results", "label": "评价结果应用与问题整改", "points": "20"},
            ],
            "蔡甸区2024预算绩效管理工作开展情况（本地默认）：抽取30%部门（单位），对单位内部预算绩效管理各项制度的"
            "完备性等5个方面进行检查并考核评分；前四项为报告所列检查结论，第五项及各20分为本系统设定",
            check_aspects,
            "评价内容列表，每项有 key、label、points，分值合计100。",
        ),
        RuleDefinition(
            "sampling.amount_bands_yuan",
            "抽查复核按金额分层的分档（元）",
            ["1000000", "5000000"],
            "本系统默认：100万元以下、100–500万元、500万元及以上（无全国统一标准，应按本地文件设定）",
            check_amount_bands,
            "递增的分档上限（元），最后一档不设上限。",
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
            "appraisal.applicability",
            "需开展事前绩效评估的项目范围",
            {"new_only": True, "categories": ["特定目标类"], "kinds": ["project", "policy"]},
            "中发〔2018〕34号：新出台重大政策和项目开展事前绩效评估；《中阳县2024年预算绩效管理工作开展情况…的说明》："
            "对新增500万元（含）以上且需要财政安排资金的特定类项目开展事前绩效评估",
            check_applicability,
            "new_only：只评估新增项目；categories：须评估的项目类别；kinds：project 项目、policy 政策。"
            "金额下限见“需开展事前绩效评估的新增项目金额下限”（含本数）。",
        ),
        RuleDefinition(
            "appraisal.dimensions",
            "事前绩效评估维度、评分要点与分值",
            DEFAULT_DIMENSIONS,
            "中发〔2018〕34号：立项必要性、投入经济性、绩效目标合理性、实施方案可行性、筹资合规性；"
            "市级事前评估办法评分表：每个维度20分（立项必要性分目的明确、相关性、唯一性、事前论证各5分，"
            "投入经济性分预算科学性、经济合理性各10分）",
            check_dimensions,
            "维度列表，每个维度有 key、label、policy_label（政策评估用的名称）和评分要点 items（name、points），"
            "全部分值合计100。",
        ),
        RuleDefinition(
            "appraisal.materials",
            "事前绩效评估应提供的材料",
            ["项目申报书", "绩效目标申报表", "实施方案", "可行性研究报告", "预算测算依据"],
            "事前绩效评估办法附件（项目申报书、绩效目标申报表、实施方案、可研、预算测算依据）",
            check_string_list,
        ),
        RuleDefinition(
            "appraisal.review_panel",
            "联评联审小组",
            ["budget", "performance", "sector", "review_center"],
            "《宝鸡市财政局关于2023年度预算绩效管理工作报告》（宝市财办绩〔2024〕2号）：由局预算科、绩效科、"
            "预算归口管理科室、市财政预算评审中心组成的联评联审工作小组进行会审",
            check_panel,
            "须签署的角色：budget 预算科、performance 绩效科、sector 归口科室、review_center 预算评审中心；"
            "全部签署后评审定稿。",
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
            "monitoring.indicator_blue_at_percent",
            "指标完成预警：蓝色（累计完成值/年度指标值不低于）",
            "120",
            "正向指标监控预警常用规则：完成值/年度指标值≥120%为蓝色，指标值可能设定偏低"
            "（省级预算管理一体化系统做法，非全国统一标准）",
            check_percent,
        ),
        RuleDefinition(
            "monitoring.time_progress_basis",
            "时间进度的计算方法",
            "month",
            "预算执行预警常用规则：时间进度 = 月份 ÷ 12（省级预算管理一体化系统做法）；按天计算为本系统提供的选项",
            check_time_basis,
            "month：月份 ÷ 12；day：截至月末的天数 ÷ 全年天数。",
        ),
        RuleDefinition(
            "monitoring.cutoff_month",
            "绩效运行监控截止月份",
            7,
            "《中央部门预算绩效运行监控管理暂行办法》（财预〔2019〕136号）：每年8月集中对1-7月预算执行情况和"
            "绩效目标实现程度开展一次绩效监控汇总分析；地方有1-6月、1-8月（中阳县）的做法",
            check_month,
            "新发起的监控轮次默认监控1月至此月。",
        ),
        RuleDefinition(
            "monitoring.due_day",
            "监控表报送截止日（截止月份次月的第几日）",
            31,
            "财预〔2019〕136号：每年8月开展监控汇总分析（即截止月份的次月内报送）",
            check_due_day,
            "超过次月天数时取次月最后一日。",
        ),
        RuleDefinition(
            "monitoring.exemptions",
            "不纳入绩效运行监控的项目",
            {"categories": [], "domain_tags": ["科研"]},
            "财预〔2019〕136号：对科研类项目可暂不开展年度中绩效监控",
            check_monitoring_exemptions,
            "categories：项目类别；domain_tags：领域标签。符合任一项的项目不生成监控表。",
        ),
        RuleDefinition(
            "monitoring.key_selection",
            "重点监控项目的选取规则",
            {"min_amount_yuan": "2000000", "max_execution_percent": "60", "at_month": 8},
            "太原市财政局（财政部网站）：对预算资金在200万元以上、截止8月底预算支出进度在60%以下的项目开展重点监控",
            check_key_selection,
            "全年预算数不低于 min_amount_yuan（元，含本数）且截至 at_month 月底支出进度低于 max_execution_percent（%）"
            "的项目选为重点监控；另可人工添加。",
        ),
        RuleDefinition(
            "goals.review_chain",
            "绩效目标审核流程",
            [
                {"step": "主管部门审核", "role": "department"},
                {"step": "财政部门审核", "role": "performance"},
            ],
            "《中央部门预算绩效目标管理办法》（财预〔2015〕88号）第二十六条：部门审核、财政审核两级",
            check_review_chain,
            "按顺序列出各审核环节及承办角色（department 主管部门、sector 归口科室、review_center 预算评审中心、"
            "performance 绩效管理、budget 预算科）；可按项目类型分别设定："
            '{"project": [...], "policy": [...], "department_overall": [...]}。',
        ),
        RuleDefinition(
            "goals.indicator_tree",
            "绩效指标体系（一级、二级指标）",
            {
                "产出指标": [
                    "数量指标",
                    "质量指标",
                    "时效指标",
                    "成本指标",
                    "经济成本指标",
                    "社会成本指标",
                    "生态环境成本指标",
                ],
                "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
                "满意度指标": ["服务对象满意度指标"],
            },
            "《中央部门项目支出核心绩效目标和指标设置及取值指引（试行）》（财预〔2021〕101号）：产出、效益、满意度三类，"
            "成本指标细分为经济成本、社会成本、生态环境成本",
            check_indicator_tree,
            "一级指标 → 二级指标列表；“成本指标”下的细分类型以“…成本指标”命名。",
        ),
        RuleDefinition(
            "goals.min_indicators",
            "绩效指标最少个数",
            {"合计": 3, "产出指标": 1, "效益指标": 1},
            "财预〔2021〕101号及财预〔2015〕88号模板：每个适用的一级指标至少一个三级指标，所有项目须有产出指标；"
            "合计不少于3个为地方做法（无全国统一标准）",
            check_min_indicators,
        ),
        RuleDefinition(
            "goals.quantitative_share_min_percent",
            "定量指标最低占比（%）",
            "60",
            "财预〔2015〕88号：绩效指标应细化、量化；占比下限为地方常用做法（无全国统一标准，应按本地文件设定）",
            check_percent,
        ),
        RuleDefinition(
            "goals.indicator_weight_total",
            "绩效指标分值合计",
            "90",
            "《项目支出绩效评价管理办法》（财预〔2020〕10号）：预算执行率10分，产出、效益、满意度指标合计90分",
            check_amount_yuan,
            "填写了分值的目标，各指标分值之和须等于此数。",
        ),
        RuleDefinition(
            "goals.vague_words",
            "无法衡量的目标用语",
            [
                "效果明显",
                "效果显著",
                "有所提升",
                "有所提高",
                "进一步加强",
                "进一步提升",
                "逐步完善",
                "显著提高",
                "明显改善",
                "得到加强",
                "不断完善",
                "大幅提升",
                "稳步推进",
                "切实加强",
            ],
            "财预〔2015〕88号：绩效指标应细化、量化，可衡量；中阳县报告：目标设置过于简单、粗放",
            check_string_list,
        ),
        RuleDefinition(
            "goals.check_severity",
            "绩效目标自动审核：各项检查的严重程度",
            {},
            "本系统默认（见 docs/rules.md 的检查清单）；blocking 为不得提交，warning 为提示",
            check_severity,
            "检查编号 → blocking（阻断）或 warning（提示）；未列出的检查用其默认严重程度。",
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
