"""Scoring a self-evaluation (单位自评) by the official method, with every point explained.

The method (财预〔2020〕10号 as implemented by the production pmkpi rules, docs/scoring.md):

- 正向 (≥, >): target met → full points, else 实际值 ÷ 指标值 × 分值;
- 反向 (≤, <): target met → full points, else by the chosen formula: linear
  (1 − (实际值 − 指标值) ÷ 指标值) × 分值, nothing from twice the target on; or ratio 指标值 ÷ 实际值 × 分值;
- 等于 (=): with a target of 0, full points when the actual is at most 0, else nothing; otherwise as 正向;
- 定性: the assessor places the indicator in a tier (达成 80–100% of the points, 部分达成 60–80%,
  未达成 0–60%, lower bounds inclusive) and chooses the points inside the tier's band;
- 预算执行率: min(分值, 执行数 ÷ 预算数 × 分值), the denominator 全年预算数 (调整后预算数) by default;
- indicators that do not apply are dropped and the total is rescaled to 100;
- a 偏离度调减 (points taken off where a target was set too low) only with its reason.

Every value is a Decimal at full precision; rounding happens only for display (`show`, `rounded`). The
reconciliation compares published scores with these and says whether rounding explains the difference.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jixiao.rules.config import DEFINITIONS, grade_for
from jixiao.rules.targets import QUALITATIVE, plain_number, polarity

POSITIVE, NEGATIVE, EQUAL = "正向", "反向", "等于"
LINEAR, RATIO = "linear", "ratio"
NEGATIVE_FORMULAS = {LINEAR: "线性公式", RATIO: "比值公式"}
ADJUSTED, INITIAL = "全年预算数", "年初预算数"
DENOMINATORS = (ADJUSTED, INITIAL)
ACHIEVED, PARTIAL, MISSED = "达成", "部分达成", "未达成"
NATIONAL, SICHUAN = "national", "sichuan"
EXECUTION = "预算执行率"  # the execution item's name in results and reconciliations
TOTAL = "总分"
DISPLAY_PLACES = (2, 0)

ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)
_Q = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}


class ScoringError(ValueError):
    """An input the method cannot score without guessing; the message says which and why."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _default(key: str) -> Any:
    return DEFINITIONS[key].default


@dataclass(frozen=True)
class Settings:
    """The rules in force (docs/rules.md): build with `Settings.from_rules(values)`."""

    negative_formula: str = LINEAR
    execution_denominator: str = ADJUSTED
    execution_reason_below_percent: Decimal = Decimal(90)
    grade_bands: tuple[tuple[str, Decimal], ...] = ()
    tiers: tuple[tuple[str, Decimal], ...] = ()  # (达成, 80), (部分达成, 60), (未达成, 0): percent of the points
    places: int = 2  # display rounding: 2 decimals or integers, half-up

    def __post_init__(self) -> None:
        if self.negative_formula not in NEGATIVE_FORMULAS:
            raise ScoringError(f"反向指标计分公式“{self.negative_formula}”无效，可选 linear（线性）、ratio（比值）")
        if self.execution_denominator not in DENOMINATORS:
            raise ScoringError(f"执行率分母“{self.execution_denominator}”无效，可选 {'、'.join(DENOMINATORS)}")
        if self.places not in DISPLAY_PLACES:
            raise ScoringError("显示精度只能是2位小数（2）或整数（0）")
        if not self.grade_bands:
            object.__setattr__(self, "grade_bands", _bands(_default("evaluation.grade_bands")))
        if not self.tiers:
            object.__setattr__(self, "tiers", _bands(_default("self_evaluation.qualitative_tiers")))

    @classmethod
    def from_rules(cls, values: Mapping[str, Any], **overrides: Any) -> "Settings":
        """From rule values by key (`resolve_all(...)[key].value`, or plain values); missing keys take the
        catalogue default; `overrides` (such as a command-line option) win."""

        def value(key: str) -> Any:
            found = values.get(key, _default(key))
            return getattr(found, "value", found)

        chosen: dict[str, Any] = {
            "negative_formula": str(value("self_evaluation.negative_formula")),
            "execution_denominator": str(value("self_evaluation.execution_denominator")),
            "execution_reason_below_percent": Decimal(str(value("self_evaluation.execution_reason_below_percent"))),
            "grade_bands": _bands(value("evaluation.grade_bands")),
            "tiers": _bands(value("self_evaluation.qualitative_tiers")),
            "places": int(value("self_evaluation.display_places")),
        }
        chosen.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**chosen)

    def grade(self, total: Decimal) -> str:
        return grade_for(total, [{"grade": g, "min": str(low)} for g, low in self.grade_bands])

    def band(self, tier: str) -> tuple[Decimal, Decimal]:
        """A tier's band as fractions of the points: (lower inclusive, upper)."""
        upper = HUNDRED
        for name, low in self.tiers:
            if name == tier:
                return low / HUNDRED, upper / HUNDRED
            upper = low
        raise ScoringError(f"定性指标的档次“{tier}”无效，可选 {'、'.join(n for n, _ in self.tiers)}", "tier")


def _bands(value: Any) -> tuple[tuple[str, Decimal], ...]:
    return tuple((str(b["grade"]), Decimal(str(b["min"]))) for b in value)


# --- inputs ---


@dataclass(frozen=True)
class Indicator:
    """One row of the indicator table. `operator` is ≥ > ≤ < = or 定性 (as `targets.parse_target` reads it)."""

    name: str
    weight: Decimal
    operator: str
    target: Decimal | None = None
    actual: Decimal | None = None
    unit: str = ""
    level1: str = ""
    level2: str = ""
    tier: str = ""  # 定性: 达成 / 部分达成 / 未达成
    points: Decimal | None = None  # 定性: the points chosen inside the tier's band (达成 without: full points)
    applicable: bool = True
    deduction: Decimal = ZERO  # 偏离度调减, in points
    deduction_reason: str = ""
    key: str = ""  # the caller's reference (a row, a primary key); the name when empty

    @property
    def ref(self) -> str:
        return self.key or self.name


@dataclass(frozen=True)
class Funds:
    """The 项目资金 block: amounts in any one unit (元 or 万元), only their ratio matters."""

    adjusted: Decimal | None  # 全年预算数 / 调整后预算数
    spent: Decimal | None  # 全年执行数 / 预算执行数
    initial: Decimal | None = None  # 年初预算数
    weight: Decimal = Decimal(10)
    reason: str = ""  # why the execution rate is low (四川: required below 90%)


# --- results ---


@dataclass(frozen=True)
class IndicatorScore:
    indicator: Indicator
    polarity: str
    score: Decimal  # full precision, after any deduction; 0 when not applicable
    formula_score: Decimal  # before the deduction
    explanation: str
    band: tuple[Decimal, Decimal] | None = None  # 定性: the tier's band in points

    @property
    def applicable(self) -> bool:
        return self.indicator.applicable


@dataclass(frozen=True)
class ExecutionScore:
    weight: Decimal
    rate: Decimal | None  # 执行数 ÷ 预算数 as a fraction; None when the denominator is 0 or missing
    score: Decimal
    denominator: str
    explanation: str
    applicable: bool = True


@dataclass(frozen=True)
class FormScore:
    execution: ExecutionScore | None
    indicators: tuple[IndicatorScore, ...]
    raw_total: Decimal  # the sum of the applicable parts
    possible: Decimal  # the points of the applicable parts
    total: Decimal  # raw_total, rescaled to 100 when parts were dropped
    grade: str
    explanation: str
    warnings: tuple[str, ...] = ()
    settings: Settings = field(default_factory=Settings)

    @property
    def rescaled(self) -> bool:
        return self.total != self.raw_total


# --- display ---


def rounded(value: Decimal, places: int = 2) -> Decimal:
    """Half-up to `places` decimals (display only)."""
    return value.quantize(_Q[places], rounding=ROUND_HALF_UP)


def show(value: Decimal, places: int = 2) -> str:
    return f"{rounded(value, places):f}"


def _n(value: Decimal) -> str:
    """A number in an explanation: exact when short, else 4 decimals marked ≈."""
    short = value.quantize(_Q[4], rounding=ROUND_HALF_UP)
    return plain_number(value) if short == value else f"≈{plain_number(short)}"


def _pct(fraction: Decimal) -> str:
    return f"{_n(fraction * HUNDRED)}%"


# --- the method ---


def score_indicator(indicator: Indicator, settings: Settings | None = None) -> IndicatorScore:
    settings = settings or Settings()
    w = indicator.weight
    if w < 0:
        raise ScoringError(f"指标“{indicator.name}”的分值不能为负数", "weight")
    direction = polarity(indicator.operator)
    if not indicator.applicable:
        text = f"{direction}指标：不适用，不计分；总分按适用指标折算为百分制"
        return IndicatorScore(indicator, direction, ZERO, ZERO, text)
    if direction == QUALITATIVE:
        return _qualitative(indicator, settings)
    t, a = indicator.target, indicator.actual
    if t is None:
        raise ScoringError(f"指标“{indicator.name}”缺少指标值", "target")
    if a is None:
        raise ScoringError(f"指标“{indicator.name}”缺少实际完成值", "actual")
    inputs = f"实际值 {_n(a)}{indicator.unit}，指标值 {indicator.operator}{_n(t)}{indicator.unit}"
    if direction == NEGATIVE:
        score, how = _negative(a, t, w, settings.negative_formula)
    elif direction == EQUAL and t <= 0:
        score = w if a <= t else ZERO
        how = f"等于指标（指标值为{_n(t)}）：实际值 {_n(a)} {'≤' if a <= t else '>'} {_n(t)}，得{_n(score)}分"
    else:
        score, how = _positive(a, t, w, direction)
    if not how.startswith(direction):
        how = f"{direction}指标：{how}"
    return _deduct(indicator, score, f"{how}（{inputs}）")


def _positive(a: Decimal, t: Decimal, w: Decimal, direction: str) -> tuple[Decimal, str]:
    if a >= t:
        return w, f"实际值 {_n(a)} ≥ 指标值 {_n(t)}，得全部分值 {_n(w)}"
    if t <= 0 or a <= 0:
        return ZERO, f"实际值 {_n(a)} 未达到指标值 {_n(t)}，按比例得0分"
    score = w * a / t
    return score, f"实际值 {_n(a)} ÷ 指标值 {_n(t)} × 分值 {_n(w)} = {_n(score)}"


def _negative(a: Decimal, t: Decimal, w: Decimal, formula: str) -> tuple[Decimal, str]:
    if a <= t:
        return w, f"反向指标：实际值 {_n(a)} ≤ 指标值 {_n(t)}，得全部分值 {_n(w)}"
    if t <= 0:  # nothing to divide by: any excess over a target of 0 (or below) misses it entirely
        return ZERO, f"反向指标：指标值为{_n(t)}，实际值 {_n(a)} 超过指标值，得0分"
    if formula == RATIO:
        score = w * t / a
        return score, f"反向指标（比值公式）：指标值 {_n(t)} ÷ 实际值 {_n(a)} × 分值 {_n(w)} = {_n(score)}"
    if a >= 2 * t:
        return ZERO, f"反向指标（线性公式）：实际值 {_n(a)} ≥ 2 × 指标值 {_n(t)}，得0分"
    score = w * (2 * t - a) / t
    return (
        score,
        f"反向指标（线性公式）：(1 − (实际值 {_n(a)} − 指标值 {_n(t)}) ÷ 指标值 {_n(t)}) × 分值 {_n(w)} = {_n(score)}",
    )


def _qualitative(indicator: Indicator, settings: Settings) -> IndicatorScore:
    w = indicator.weight
    if not indicator.tier:
        raise ScoringError(f"定性指标“{indicator.name}”须评定档次（达成、部分达成、未达成）", "tier")
    low_f, high_f = settings.band(indicator.tier)
    # The band's bounds in points, to 2 decimals as the assessor types them (pmkpi's check).
    low, high = rounded(w * low_f), rounded(w * high_f)
    top = high_f == ONE
    points = indicator.points
    if points is None:
        if not top:
            raise ScoringError(
                f"定性指标“{indicator.name}”评为{indicator.tier}，须在 {_n(low)}–{_n(high)} 分之间评定得分", "points"
            )
        points = w
    inside = low <= points <= w if top else low <= points < high
    if not inside:
        upper = f"{_n(w)}分" if top else f"{_n(high)}分（不含）"
        raise ScoringError(
            f"定性指标“{indicator.name}”评为{indicator.tier}，得分 {_n(points)} 不在该档 {_n(low)}分–{upper} 之间",
            "points",
        )
    share = points / w if w else ONE
    how = (
        f"定性指标：{indicator.tier}（分值的 {_pct(low_f)}–{_pct(high_f)}，即 {_n(low)}–{_n(high)} 分），"
        f"评定得分 {_n(points)}（分值 {_n(w)} 的 {_pct(share)}）"
    )
    scored = _deduct(indicator, points, how)
    return IndicatorScore(indicator, QUALITATIVE, scored.score, points, scored.explanation, (low, high))


def _deduct(indicator: Indicator, score: Decimal, how: str) -> IndicatorScore:
    d = indicator.deduction
    direction = polarity(indicator.operator)
    if not d:
        return IndicatorScore(indicator, direction, score, score, how)
    if not indicator.deduction_reason.strip():
        raise ScoringError(f"指标“{indicator.name}”的偏离度调减须说明理由（如年初指标值设定明显偏低）", "deduction")
    if d < 0 or d > score:
        raise ScoringError(f"指标“{indicator.name}”的偏离度调减 {_n(d)} 须在0到公式得分 {_n(score)} 之间", "deduction")
    final = score - d
    text = f"{how}；偏离度调减 {_n(d)} 分（{indicator.deduction_reason.strip()}），得 {_n(final)}"
    return IndicatorScore(indicator, direction, final, score, text)


def score_execution(funds: Funds, settings: Settings | None = None) -> ExecutionScore:
    settings = settings or Settings()
    w = funds.weight
    name = settings.execution_denominator
    budget = funds.adjusted if name == ADJUSTED else funds.initial
    spent = funds.spent if funds.spent is not None else ZERO
    if budget is None or budget <= 0:
        shown = "空" if budget is None else _n(budget)
        text = f"预算执行率：{name}为{shown}，无法计算执行率，本项不适用，总分按其余指标折算"
        return ExecutionScore(w, None, ZERO, name, text, applicable=False)
    rate = spent / budget
    if rate >= ONE:
        score = w
        text = f"预算执行率：执行数 {_n(spent)} ÷ {name} {_n(budget)} = {_pct(rate)}，不低于100%，得全部分值 {_n(w)}"
    else:
        score = max(ZERO, w * spent / budget)
        text = (
            f"预算执行率：执行数 {_n(spent)} ÷ {name} {_n(budget)} = {_pct(rate)}；"
            f"{_pct(rate)} × 分值 {_n(w)} = {_n(score)}"
        )
    return ExecutionScore(w, rate, score, name, text)


def score_form(
    indicators: Sequence[Indicator], funds: Funds | None = None, settings: Settings | None = None
) -> FormScore:
    """The whole form: raises ScoringError at the first indicator that cannot be scored (its `field` says which
    value); use `score_indicator` per row to collect every error."""
    settings = settings or Settings()
    scores = tuple(score_indicator(i, settings) for i in indicators)
    execution = score_execution(funds, settings) if funds is not None else None
    parts = [s for s in scores if s.applicable]
    raw = sum((s.score for s in parts), ZERO)
    possible = sum((s.indicator.weight for s in parts), ZERO)
    warnings = []
    if execution is not None and execution.applicable:
        raw += execution.score
        possible += execution.weight
    if funds is not None and execution is not None and execution.rate is not None and not funds.reason.strip():
        if execution.rate * HUNDRED < settings.execution_reason_below_percent:
            warnings.append(
                f"预算执行率 {_pct(execution.rate)} 低于 {_n(settings.execution_reason_below_percent)}%，须说明原因"
            )
    dropped = len(parts) < len(scores) or (execution is not None and not execution.applicable)
    full = sum((s.indicator.weight for s in scores), ZERO) + (execution.weight if execution is not None else ZERO)
    if full != HUNDRED:
        warnings.append(f"各项分值合计为 {_n(full)}，不是100")
    if dropped and possible > 0:
        total = raw * HUNDRED / possible
        how = f"适用部分得分 {_n(raw)} ÷ 适用分值 {_n(possible)} × 100 = {_n(total)}"
    else:
        total = raw
        how = " + ".join(_n(p) for p in ([execution.score] if execution else []) + [s.score for s in parts]) or "0"
        how = f"总分 = {how} = {_n(total)}"
    grade = settings.grade(total)
    return FormScore(execution, scores, raw, possible, total, grade, f"{how}，等级 {grade}", tuple(warnings), settings)


# --- weight templates ---


def template_problems(
    template: str,
    indicators: Sequence[Indicator],
    execution_weight: Decimal | None,
    weights: Mapping[str, Any] | None = None,
) -> list[str]:
    """Where a form's points differ from the weight template: national (`self_evaluation.weights`: 预算执行率
    and each 一级指标) or 四川 (`self_evaluation.sichuan_weights`: 预算执行情况, the indicators together)."""
    key = "self_evaluation.weights" if template == NATIONAL else "self_evaluation.sichuan_weights"
    if template not in (NATIONAL, SICHUAN):
        raise ScoringError(f"权重模板“{template}”无效，可选 {NATIONAL}（全国）、{SICHUAN}（四川）")
    wanted = {k: Decimal(str(v)) for k, v in (weights or _default(key)).items()}
    got: dict[str, Decimal] = {}
    for ind in indicators:
        group = ind.level1 if template == NATIONAL else "绩效指标"
        got[group] = got.get(group, ZERO) + ind.weight
    execution_key = next(iter(wanted))  # the execution item comes first in both templates
    problems = []
    if execution_weight is not None and execution_weight != wanted[execution_key]:
        problems.append(f"{execution_key}分值为 {_n(execution_weight)}，模板为 {_n(wanted[execution_key])}")
    for group, points in got.items():
        expected = wanted.get(group) or wanted.get(f"{group.removesuffix('指标')}指标")
        if expected is None:
            problems.append(f"一级指标“{group}”不在权重模板中（模板：{'、'.join(wanted)}）")
        elif points != expected:
            problems.append(f"{group}分值合计为 {_n(points)}，模板为 {_n(expected)}")
    return problems


# --- reconciliation ---


@dataclass(frozen=True)
class Difference:
    item: str  # the indicator's name, 预算执行率 or 总分
    key: str
    published: Decimal
    computed: Decimal  # full precision
    difference: Decimal  # published − computed
    rounding: str  # "取整" or "保留1位小数" when rounding the computed score gives the published one, else ""
    note: str = ""


@dataclass(frozen=True)
class Reconciliation:
    compared: int
    differences: tuple[Difference, ...]
    published_grade: str = ""
    computed_grade: str = ""
    notes: tuple[str, ...] = ()

    @property
    def grade_differs(self) -> bool:
        return bool(self.published_grade) and self.published_grade != self.computed_grade


def compare(item: str, key: str, published: Decimal, computed: Decimal) -> Difference | None:
    """None when the published value is the computed one at its own precision (at least 2 decimals)."""
    places = max(2, -int(published.normalize().as_tuple().exponent))
    if rounded(computed, min(places, 6)) == published:
        return None
    if rounded(computed, 0) == published:
        how = "取整"
    elif rounded(computed, 1) == published:
        how = "保留1位小数"
    else:
        how = ""
    return Difference(item, key, published, computed, published - computed, how)


def reconcile(
    result: FormScore,
    published: Mapping[str, Decimal],
    *,
    execution: Decimal | None = None,
    total: Decimal | None = None,
    grade: str = "",
) -> Reconciliation:
    """Published (or typed) scores against the method. `published` maps an indicator's ref (key, else name) to
    its published score; indicators without one are not compared."""
    diffs: list[Difference] = []
    compared = 0
    for s in result.indicators:
        value = published.get(s.indicator.ref)
        if value is None or not s.applicable:
            continue
        compared += 1
        d = compare(s.indicator.name, s.indicator.ref, value, s.score)
        if d is not None and s.band is not None and not s.band[0] <= value <= s.indicator.weight:
            d = Difference(d.item, d.key, d.published, d.computed, d.difference, "", "超出所评档次的分值区间")
        if d is not None:
            diffs.append(d)
    if execution is not None and result.execution is not None:
        compared += 1
        d = compare(EXECUTION, EXECUTION, execution, result.execution.score)
        if d is not None:
            diffs.append(d)
    notes = []
    if total is not None:
        compared += 1
        d = compare(TOTAL, TOTAL, total, result.total)
        if d is not None:
            diffs.append(d)
        applicable = [s.indicator.ref for s in result.indicators if s.applicable]
        every = all(ref in published for ref in applicable) and (execution is not None or result.execution is None)
        if every and not result.rescaled:
            listed = sum((published[ref] for ref in applicable), execution or ZERO)
            if listed != total:
                notes.append(f"公布的总分 {_n(total)} 不等于公布的各项得分之和 {_n(listed)}")
    computed_grade = result.grade
    if grade and total is not None and grade != result.settings.grade(total):
        notes.append(
            f"公布的等级“{grade}”与公布的总分 {_n(total)} 按等级划分应得的“{result.settings.grade(total)}”不符"
        )
    return Reconciliation(compared, tuple(diffs), grade, computed_grade, tuple(notes))


def as_dict(result: FormScore, places: int | None = None) -> dict[str, Any]:
    """JSON-ready: every value as exact text (`value`) and rounded for display (`shown`)."""
    p = result.settings.places if places is None else places

    def num(v: Decimal | None) -> dict[str, str] | None:
        return None if v is None else {"value": plain_number(v), "shown": show(v, p)}

    return {
        "execution": None
        if result.execution is None
        else {
            "weight": plain_number(result.execution.weight),
            "rate": num(None if result.execution.rate is None else result.execution.rate * HUNDRED),
            "score": num(result.execution.score),
            "denominator": result.execution.denominator,
            "applicable": result.execution.applicable,
            "explanation": result.execution.explanation,
        },
        "indicators": [
            {
                "key": s.indicator.ref,
                "level1": s.indicator.level1,
                "level2": s.indicator.level2,
                "name": s.indicator.name,
                "polarity": s.polarity,
                "weight": plain_number(s.indicator.weight),
                "applicable": s.applicable,
                "score": num(s.score),
                "explanation": s.explanation,
            }
            for s in result.indicators
        ],
        "raw_total": num(result.raw_total),
        "possible": plain_number(result.possible),
        "total": num(result.total),
        "grade": result.grade,
        "explanation": result.explanation,
        "warnings": list(result.warnings),
    }


def reconciliation_dict(rec: Reconciliation, places: int = 2) -> dict[str, Any]:
    return {
        "compared": rec.compared,
        "differences": [
            {
                "item": d.item,
                "key": d.key,
                "published": plain_number(d.published),
                "computed": plain_number(d.computed),
                "computed_shown": show(d.computed, places),
                "difference": plain_number(d.difference),
                "rounding": d.rounding,
                "note": d.note,
            }
            for d in rec.differences
        ],
        "published_grade": rec.published_grade,
        "computed_grade": rec.computed_grade,
        "grade_differs": rec.grade_differs,
        "notes": list(rec.notes),
    }
