"""The demo's 事前绩效评估 and 预算评审, worked out without the database (see docs/demo.md).

What the reports give (宝鸡's 59 projects with 送审, 审定, 审减 and the count of each conclusion; 凤翔's, 麟游's
and 眉县's reviews; 中阳's 37 assessments scoring 90 or more; 岳池's five projects assessed by a third party)
is met exactly, to the 分; the scores, the spread of the amounts over the projects and the function
lists of 宝鸡's software projects are generated, seeded per region and project, so the plan is the same
on every run.
"""

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from jixiao.demo import tables as t
from jixiao.demo.generate import BUDGETED, CANCELLED, FIVE_MILLION, SPECIFIC, ProjectPlan, rng_for, split_capped, wan
from jixiao.rules import function_points as fp
from jixiao.rules.config import DEFINITIONS

SUPPORT, ADJUST, REJECT = "予以支持", "调整完善后予以支持", "不予支持"
UNIT, AGENCY, BUREAU = "unit", "agency", "bureau"
HALF = Decimal("0.5")
# (dimension key, label, item, points) of the default scoring sheet, in order.
ITEMS = [
    (d["key"], d["label"], item["name"], Decimal(str(item["points"])))
    for d in DEFINITIONS["appraisal.dimensions"].default
    for item in d["items"]
]
MATERIALS = tuple(DEFINITIONS["appraisal.materials"].default)
BANDS = [(b["grade"], Decimal(b["min"])) for b in DEFINITIONS["appraisal.conclusion_bands"].default]


@dataclass(frozen=True)
class ScorePlan:
    dimension: str
    label: str
    item: str
    points: Decimal
    score: Decimal


@dataclass(frozen=True)
class AssessmentPlan:
    region: str
    project_code: str
    fiscal_year: int
    assessor_kind: str
    assessor_key: str  # the assessing organization's key in the region (tables / generate.OrgPlan.key)
    scores: tuple[ScorePlan, ...]
    conclusion: str
    opinion: str

    @property
    def total(self) -> Decimal:
        return sum((s.score for s in self.scores), Decimal(0))


@dataclass(frozen=True)
class FunctionListPlan:
    items: tuple[fp.FunctionItem, ...]
    options: fp.Options


@dataclass(frozen=True)
class ReviewPlan:
    """A budget review signed by the region's whole panel (final)."""

    region: str
    project_code: str
    fiscal_year: int
    submitted: Decimal  # 送审, 元
    approved: Decimal  # 审定
    opinion: str
    function_list: FunctionListPlan | None = None

    @property
    def reduced(self) -> Decimal:
        return self.submitted - self.approved


@dataclass(frozen=True)
class AppraisalPlan:
    assessments: list[AssessmentPlan]
    reviews: list[ReviewPlan]


def conclusion_for(total: Decimal) -> str:
    return str(next(grade for grade, low in BANDS if total >= low))


def scores_for(rng_key: tuple[object, ...], low: Decimal, high: Decimal) -> tuple[ScorePlan, ...]:
    """A scoring sheet whose total is drawn between `low` and `high` (in half points): the points lost
    fall on random sub-items, none below zero."""
    rng = rng_for("assessment", *rng_key)
    steps = int((high - low) / HALF)
    lost = Decimal(100) - (low + HALF * rng.randint(0, steps))
    scores = {(key, item): points for key, _, item, points in ITEMS}  # 相关性 is in two dimensions
    while lost > 0:
        where = rng.choice([k for k, score in scores.items() if score > 0])
        scores[where] -= HALF
        lost -= HALF
    return tuple(ScorePlan(key, label, item, points, scores[(key, item)]) for key, label, item, points in ITEMS)


def _opinion(conclusion: str, scores: tuple[ScorePlan, ...]) -> str:
    weakest = sorted(scores, key=lambda s: s.score / s.points)[:2]
    where = "、".join(f"{s.label}（{s.item}）" for s in weakest)
    if conclusion == SUPPORT:
        return f"项目立项依据充分，绩效目标明确，实施方案基本可行，建议予以支持；{where}方面有待加强。"
    if conclusion == ADJUST:
        return f"项目总体可行，但{where}方面不足：请补充完善后重新报送。"
    return f"{where}方面存在明显不足，项目实施条件尚不成熟，不予支持。"


def _assessment(p: ProjectPlan, kind: str, key: str, low: str, high: str) -> AssessmentPlan:
    scores = scores_for((p.region, p.fiscal_year, p.code), Decimal(low), Decimal(high))
    total = sum((s.score for s in scores), Decimal(0))
    conclusion = conclusion_for(total)
    return AssessmentPlan(p.region, p.code, p.fiscal_year, kind, key, scores, conclusion, _opinion(conclusion, scores))


# Score ranges that land in each default band.
RANGES = {SUPPORT: ("80", "96"), ADJUST: ("62", "79.5"), REJECT: ("42", "59.5")}


def plan_appraisals(projects: list[ProjectPlan]) -> AppraisalPlan:
    plan = AppraisalPlan([], [])
    _baoji(projects, plan)
    _counties(projects, plan)
    for p in projects:
        if p.region == t.ZHONGYANG and p.fiscal_year == 2024 and _needs_500(p):
            plan.assessments.append(_assessment(p, BUREAU, "czj.jx", t.ZHONGYANG_MIN_SCORE, "97"))
        elif p.region == t.YUECHI and not p.generated:
            plan.assessments.append(_assessment(p, AGENCY, "ag.shuzheng", "81", "93"))
    return plan


def _needs_500(p: ProjectPlan) -> bool:
    return p.is_new and p.category == SPECIFIC and p.amount >= FIVE_MILLION


def _counties(projects: list[ProjectPlan], plan: AppraisalPlan) -> None:
    for fig in t.COUNTY_REVIEWS:
        for p in projects:
            if p.region != fig.region or p.fiscal_year != fig.year or p.reviewed is None:
                continue
            whole = p.status == CANCELLED
            if fig.assessed:
                rank = REJECT if whole else SUPPORT
                plan.assessments.append(_assessment(p, BUREAU, "czj.jx", *RANGES[rank]))
            plan.reviews.append(ReviewPlan(p.region, p.code, p.fiscal_year, p.amount, p.reviewed, _cut_text(p, whole)))


def _cut_text(p: ProjectPlan, whole: bool) -> str:
    if whole:
        return "经评审，项目绩效不明显或支出不合理，不予安排，送审金额全额审减。"
    if p.reviewed == p.amount:
        return "经评审，预算编制合规、测算合理，按送审金额审定。"
    return "经评审，部分支出内容标准偏高、测算依据不足，按支出标准和实际需要核减。"


# --- 宝鸡市: 59 projects, 4 不予支持, 13 调整完善后予以支持, 15 software projects costed by function points ---


def _baoji(projects: list[ProjectPlan], plan: AppraisalPlan) -> None:
    fig = t.BAOJI_2023_EX_ANTE
    rows = [p for p in projects if p.region == t.BAOJI and p.fiscal_year == 2023]
    if len(rows) != fig.count:
        raise ValueError(f"宝鸡市2023年应有{fig.count}个事前评估项目")
    software, others = rows[: t.BAOJI_SOFTWARE], rows[t.BAOJI_SOFTWARE :]
    rng = rng_for("appraisal", t.BAOJI, 2023)
    rejected = set(rng.sample(range(len(others)), fig.rejected))
    adjusting = set(rng.sample([i for i in range(len(rows)) if i - len(software) not in rejected], fig.conditional))
    for i, p in enumerate(rows):
        rank = REJECT if i - len(software) in rejected else ADJUST if i in adjusting else SUPPORT
        plan.assessments.append(_assessment(p, UNIT, p.owner_key, *RANGES[rank]))

    reviews: dict[str, ReviewPlan] = {}
    target = 1 - Decimal(t.BAOJI_SOFTWARE_CUT) / 100
    for p in software:
        keep = target + Decimal(str(round(rng.uniform(-0.08, 0.08), 3)))
        listed = function_list(p, keep)
        result = fp.estimate(listed.items, listed.options)
        assert result.review is not None
        reviews[p.code] = ReviewPlan(
            p.region, p.code, 2023, p.amount, result.review.approved, _fp_text(result), function_list=listed
        )
    for i, p in enumerate(others):
        if i in rejected:
            reviews[p.code] = ReviewPlan(p.region, p.code, 2023, p.amount, Decimal("0.00"), _cut_text(p, True))
    rest = [p for i, p in enumerate(others) if i not in rejected]
    left = wan(fig.approved) - sum((r.approved for r in reviews.values()), Decimal(0))
    weights = [float(p.amount) * rng.uniform(0.45, 0.95) for p in rest]
    for p, approved in zip(rest, split_capped(left, weights, [p.amount for p in rest]), strict=True):
        reviews[p.code] = ReviewPlan(p.region, p.code, 2023, p.amount, approved, _cut_text(_with(p, approved), False))
    plan.reviews.extend(reviews[p.code] for p in rows)


def _with(p: ProjectPlan, approved: Decimal) -> ProjectPlan:
    return replace(p, reviewed=approved, status=BUDGETED)


def _fp_text(result: fp.Estimate) -> str:
    assert result.review is not None
    return (
        f"按功能点方法（{result.benchmark.id}，{result.industry}，{result.city}人月费率）测算，规模{result.size}功能点，"
        f"费用{result.cost}元；送审金额高出部分审减，审减率{result.review.reduction_rate}%。"
    )


# --- function lists ----------------------------------------------------------------------------------

# What a government business system is made of: the things it keeps (an ILF each) and what is done
# with them. A module is one of these things with its functions.
ENTITIES = [
    "办件", "事项", "工单", "档案", "人员", "机构", "设备", "台账", "预警信息", "巡查记录", "合同", "资金拨付",
    "项目", "场所", "车辆", "物资", "通知公告", "投诉建议", "考核指标", "统计口径",
]  # fmt: skip
SUBSYSTEMS = [
    "业务办理子系统",
    "数据资源子系统",
    "综合监管子系统",
    "统计分析子系统",
    "系统管理子系统",
    "移动应用子系统",
]
FUNCTIONS = [  # (name pattern, type)
    ("{e}信息", "ILF"),
    ("新增{e}", "EI"),
    ("修改{e}", "EI"),
    ("删除{e}", "EI"),
    ("{e}查询", "EQ"),
    ("{e}详情查看", "EQ"),
    ("{e}统计报表", "EO"),
    ("导出{e}清单", "EO"),
]
INTERFACE = ("对接省级平台{e}数据", "EIF")
UNIT_ITEMS = [fp.FunctionItem(name.format(e="x"), kind, path=("子系统", "模块")) for name, kind in FUNCTIONS]


def _options(requested: Decimal) -> fp.Options:
    return fp.Options(
        benchmark=t.FP_OPTIONS["benchmark"],
        industry=t.FP_OPTIONS["industry"],
        city=t.FP_OPTIONS["city"],
        stage=t.FP_OPTIONS["stage"],
        requested=requested,
    )


def function_list(p: ProjectPlan, keep: Decimal) -> FunctionListPlan:
    """A function list whose estimate comes near `keep` × the request: as many modules (an entity with
    its functions, now and then an interface to a provincial platform) as that costs."""
    options = _options(p.amount)
    wanted = p.amount * keep
    modules = _count(wanted / fp.estimate(UNIT_ITEMS, options).cost)
    listed = _modules(p, modules, options)
    # Interfaces and the size steps do not scale quite linearly: one correction gets close.
    return _modules(p, _count(modules * wanted / fp.estimate(listed.items, options).cost), options)


def _count(value: Decimal) -> int:
    return max(1, int(value.to_integral_value(ROUND_HALF_UP)))


def _modules(p: ProjectPlan, modules: int, options: fp.Options) -> FunctionListPlan:
    rng = rng_for("function-list", p.region, p.code)
    items: list[fp.FunctionItem] = []
    for m in range(modules):
        subsystem = SUBSYSTEMS[m % len(SUBSYSTEMS)]
        entity = ENTITIES[(m // len(SUBSYSTEMS)) % len(ENTITIES)]
        batch = m // (len(SUBSYSTEMS) * len(ENTITIES))
        entity = entity if batch == 0 else f"{entity}（{batch + 1}）"
        module = f"{entity}管理"
        for name, kind in FUNCTIONS:
            items.append(fp.FunctionItem(name.format(e=entity), kind, path=(subsystem, module)))
        if rng.random() < 0.2:
            items.append(fp.FunctionItem(INTERFACE[0].format(e=entity), INTERFACE[1], path=(subsystem, module)))
    return FunctionListPlan(tuple(items), options)
