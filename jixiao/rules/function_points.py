"""Function-point cost of a software project (GB/T 36964-2018 with a benchmark version), step by step.

    UFP_i = weight(type, method[, complexity])          未调整功能点
    US_i  = UFP_i × 复用系数 × 修改系数                    调整后规模
    S     = Σ US_i × CF(stage) [× size factors]          规模（CF 规模变更调整因子）
    AE    = S × PDR(percentile) × Π effort factors      工作量（人时）
    PM    = AE ÷ HM                                     人月
    cost  = PM × 人月费率 + 直接非人力成本                   费用（元）

Every step is returned with its formula, inputs and result so a review can say where a request is too high.
Arithmetic is exact Decimal; rounding (Excel ROUND: half-up after 15-significant-digit normalisation)
happens only at the steps the chosen version rounds (`Benchmark.rounding`). Nothing is guessed: a value the
version does not give, a factor above 1 or a productivity off the table without a written basis, are
refused with a message that says what to supply.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from jixiao.rules.fp_benchmarks import (
    BENCHMARKS,
    DEFAULT_BENCHMARK,
    TYPES,
    Benchmark,
    Cited,
    Factor,
    Table,
    find_benchmark,
)
from jixiao.rules.money import percent

D = Decimal
METHODS = ("预估", "估算", "详细")
RANGE_BANDS = ("P25", "P50", "P75")
NEW, ENHANCEMENT = "新建", "升级改造"
CHANGE_NEW = "新增"

_TYPE_NAMES = {"内部逻辑文件": "ILF", "外部接口文件": "EIF", "外部输入": "EI", "外部输出": "EO", "外部查询": "EQ"}
_METHOD_NAMES = {
    "预估功能点": "预估",
    "预估功能点法": "预估",
    "估算功能点": "估算",
    "估算功能点法": "估算",
    "快速功能点": "估算",
}
_METHOD_NAMES |= {"详细功能点": "详细", "详细": "详细", "IFPUG": "详细", "详细计数": "详细"}
_STAGES = {"概算": "预算", "立项": "预算", "投标": "招投标", "招标": "招投标", "项目招投标": "招投标"}
_STAGES |= {"需求": "需求分析", "交付": "交付后", "结算": "交付后", "运维": "交付后", "验收": "交付后"}
_CHANGES = {"新建": "新增", "新增功能": "新增", "修改功能": "修改", "变更": "修改", "删除功能": "删除"}


class FPError(ValueError):
    """A computation the chosen version cannot do as asked; the message says what is missing and where."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class FunctionItem:
    name: str
    type: str  # ILF/EIF/EI/EO/EQ (Chinese names accepted)
    method: str = "估算"  # 预估 / 估算 / 详细 (IFPUG count with DET/RET/FTR)
    path: tuple[str, ...] = ()  # 子系统 / 模块 …
    det: int | None = None
    ret: int | None = None
    ftr: int | None = None
    reuse: str = ""  # 高/中/低; "" = not adjusted
    change: str = ""  # 新增/修改/删除/转换; "" = 新增
    where: str = ""  # e.g. 工作表“功能清单” 第5行, for messages


@dataclass(frozen=True)
class Options:
    benchmark: str = DEFAULT_BENCHMARK
    industry: str = ""  # "" = the version's default
    city: str = ""
    stage: str = "预算"
    percentile: str = "P50"
    project_kind: str = NEW
    factors: Mapping[str, str | Mapping[str, int]] = field(default_factory=dict)
    bases: Mapping[str, str] = field(default_factory=dict)  # factor name → written basis for a value above 1
    pdr: Decimal | None = None
    pdr_basis: str = ""
    rate: Decimal | None = None
    rate_basis: str = ""
    dnc: Decimal = D(0)
    dnc_reason: str = ""
    requested: Decimal | None = None  # 送审金额, 元


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    formula: str
    inputs: tuple[tuple[str, str], ...]
    result: Decimal
    unit: str
    rounded: int | None = None  # decimals, when the version rounds here
    note: str = ""


@dataclass(frozen=True)
class ItemResult:
    item: FunctionItem
    complexity: str  # 低/中/高 for 详细, else ""
    ufp: Decimal
    reuse_factor: Decimal
    change_factor: Decimal
    us: Decimal


@dataclass(frozen=True)
class Band:
    percentile: str  # P25 … or 自定
    pdr: Decimal
    effort_hours: Decimal
    person_months: Decimal
    labour_cost: Decimal
    cost: Decimal
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Review:
    requested: Decimal  # 送审
    estimate: Decimal
    approved: Decimal  # 审定 = min(送审, estimate)
    reduction: Decimal  # 审减 = 送审 − 审定
    reduction_rate: Decimal | None  # 审减率 %, two decimals


@dataclass(frozen=True)
class Estimate:
    benchmark: Benchmark
    industry: str
    city: str
    stage: str
    items: tuple[ItemResult, ...]
    size_steps: tuple[Step, ...]
    size: Decimal  # S
    bands: dict[str, Band]
    chosen: str
    missing_bands: tuple[str, ...]
    review: Review | None
    notes: tuple[str, ...]

    @property
    def cost(self) -> Decimal:
        return self.bands[self.chosen].cost

    def steps(self) -> list[Step]:
        """The chain as shown: size steps, then the chosen band's steps."""
        return [*self.size_steps, *self.bands[self.chosen].steps]


# --- Rounding -------------------------------------------------------------------------------------------


def excel_round(value: Decimal, places: int) -> Decimal:
    """Excel's ROUND: the value is first normalised to 15 significant digits (as Excel does with a double),
    then rounded half-up. 8.87 × 26009.5 = 230704.265 → 230704.27 (Python's round gives .26)."""
    exponent = D(1).scaleb(-places)
    if value.is_zero():
        return value.quantize(exponent)
    normalised = value.quantize(D(1).scaleb(value.adjusted() - 14), rounding=ROUND_HALF_UP)
    return normalised.quantize(exponent, rounding=ROUND_HALF_UP)


def show(value: Decimal, places: int = 6) -> str:
    """A number for a formula line: exact when short, else cut to `places` decimals with an ellipsis."""
    short = value.normalize()
    exponent = short.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -places:
        return f"{short:f}"
    return f"{value.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP):f}…"


# --- Size -----------------------------------------------------------------------------------------------


def function_type(item: FunctionItem) -> str:
    text = item.type.strip().upper()
    kind = _TYPE_NAMES.get(item.type.strip(), text)
    if kind not in TYPES:
        raise FPError(f"{_at(item)}类别“{item.type}”无法识别：应为 ILF、EIF、EI、EO、EQ 之一", "type")
    return kind


def counting_method(item: FunctionItem) -> str:
    text = item.method.strip() or "估算"
    method = _METHOD_NAMES.get(text, text)
    if method not in METHODS:
        raise FPError(f"{_at(item)}计数方法“{item.method}”无法识别：应为 预估、估算 或 详细", "method")
    return method


def _at(item: FunctionItem) -> str:
    where = item.where or "/".join([*item.path, item.name])
    return f"{where}：" if where else ""


def complexity(kind: str, det: int, ret: int | None, ftr: int | None) -> str:
    """IFPUG complexity (GB/T 42449-2023 tables 1, 6, 7): 低, 中 or 高."""
    matrix = (("低", "低", "中"), ("低", "中", "高"), ("中", "高", "高"))
    if kind in ("ILF", "EIF"):
        assert ret is not None
        row = 0 if ret <= 1 else 1 if ret <= 5 else 2
        col = 0 if det <= 19 else 1 if det <= 50 else 2
    elif kind == "EI":
        assert ftr is not None
        row = 0 if ftr <= 1 else 1 if ftr == 2 else 2
        col = 0 if det <= 4 else 1 if det <= 15 else 2
    else:
        assert ftr is not None
        row = 0 if ftr <= 1 else 1 if ftr <= 3 else 2
        col = 0 if det <= 5 else 1 if det <= 19 else 2
    return matrix[row][col]


def _ufp(bench: Benchmark, item: FunctionItem) -> tuple[str, Decimal]:
    kind, method = function_type(item), counting_method(item)
    if method == "估算":
        return "", _weights(bench.estimated_weights, bench, "估算功能点法权重", item).values[kind]
    if method == "预估":
        table = _weights(bench.indicative_weights, bench, "预估功能点法权重", item)
        if kind not in table.values:
            raise FPError(f"{_at(item)}预估功能点法只计 ILF、EIF（UFP = 35×ILF + 15×EIF），不计 {kind}", "type")
        return "", table.values[kind]
    if bench.detailed_weights is None:
        raise FPError(
            f"{bench.id} 未取得详细（IFPUG）计数的权重表，不能按 DET/RET/FTR 计数；请改用估算功能点法", "method"
        )
    data = kind in ("ILF", "EIF")
    second = item.ret if data else item.ftr
    if item.det is None or second is None:
        need = "DET 和 RET" if data else "DET 和 FTR"
        raise FPError(f"{_at(item)}详细计数需要 {need}", "det")
    if item.det < 1 or second < (1 if data else 0):
        raise FPError(f"{_at(item)}DET、RET 须不小于 1，FTR 须不小于 0", "det")
    level = complexity(kind, item.det, item.ret, item.ftr)
    return level, bench.detailed_weights[kind].values[level]


def _weights(table: Table | None, bench: Benchmark, what: str, item: FunctionItem) -> Table:
    if table is None:
        raise FPError(f"{bench.id} 未取得{what}，不能计算“{item.name}”的功能点", "method")
    return table


def _item(bench: Benchmark, item: FunctionItem, kind_of_project: str) -> ItemResult:
    if not item.name.strip():
        raise FPError(f"{_at(item)}缺少功能点名称", "name")
    level, ufp = _ufp(bench, item)
    reuse = D(1)
    if item.reuse.strip():
        if bench.reuse is None:
            raise FPError(f"{_at(item)}{bench.id} 未取得复用程度系数，不能按复用程度“{item.reuse}”调整", "reuse")
        level_name = item.reuse.strip().removesuffix("复用").removesuffix("度")
        if level_name not in bench.reuse.values:
            raise FPError(f"{_at(item)}复用程度“{item.reuse}”无法识别：应为 {'、'.join(bench.reuse.values)}", "reuse")
        reuse = bench.reuse.values[level_name]
    change_name = _CHANGES.get(item.change.strip(), item.change.strip()) or CHANGE_NEW
    change = D(1)
    if change_name != CHANGE_NEW:
        if change_name in ("修改", "删除") and kind_of_project == NEW:
            raise FPError(
                f"{_at(item)}新建开发项目只计新增功能，不计“{change_name}”功能；升级改造项目请选择项目类型“{ENHANCEMENT}”",
                "change",
            )
        if bench.change is None or change_name not in bench.change.values:
            raise FPError(f"{_at(item)}{bench.id} 未规定修改类型“{item.change}”的系数，不能计入该功能", "change")
        change = bench.change.values[change_name]
    return ItemResult(item, level, ufp, reuse, change, ufp * reuse * change)


# --- Factors --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chosen:
    factor: Factor
    value: Decimal
    text: str  # what was chosen, as shown


def _factors(bench: Benchmark, options: Options) -> list[_Chosen]:
    chosen: list[_Chosen] = []
    for name, choice in options.factors.items():
        factor = bench.factors.get(name)
        if factor is None:
            offered = "、".join(bench.factors) or "无"
            raise FPError(f"{bench.id} 未规定“{name}”调整因子（本版本可用：{offered}）", f"factors.{name}")
        chosen.append(_choose(factor, choice))
    for factor in bench.factors.values():
        if factor.required and factor.name not in options.factors:
            ranges = "、".join(f"{k} {show(lo)}–{show(hi)}" for k, (lo, hi) in factor.ranges.items())
            raise FPError(
                f"{bench.id} 的公式必须乘“{factor.name}”调整因子，请选择（{ranges}）", f"factors.{factor.name}"
            )
    for item in chosen:
        if item.value > 1 and not options.bases.get(item.factor.name, "").strip():
            raise FPError(
                f"“{item.factor.name}”取 {show(item.value)}，大于 1，须写明取值依据", f"bases.{item.factor.name}"
            )
    return chosen


def _choose(factor: Factor, choice: str | Mapping[str, int]) -> _Chosen:
    where = f"factors.{factor.name}"
    if factor.kind == "score":
        if isinstance(choice, str):
            raise FPError(f"“{factor.name}”按各项打分：{'、'.join(factor.items)}", where)
        missing = [i for i in factor.items if i not in choice]
        extra = [i for i in choice if i not in factor.items]
        if missing or extra:
            raise FPError(f"“{factor.name}”须为 {'、'.join(factor.items)} 各打一个分，不多不少", where)
        bad = [f"{i} {s}" for i, s in choice.items() if s not in factor.scale]
        if bad:
            scale = "/".join(str(s) for s in factor.scale)
            raise FPError(f"“{factor.name}”的分值须为 {scale}：{'、'.join(bad)}", where)
        total = sum(choice[i] for i in factor.items)
        text = "，".join(f"{i} {choice[i]}" for i in factor.items)
        return _Chosen(factor, 1 + factor.step * total, f"{text}（1 + {show(factor.step)} × {total}）")
    if not isinstance(choice, str):
        raise FPError(f"“{factor.name}”应选择一项", where)
    option, _, typed = choice.partition("=")
    option = option.strip()
    if factor.kind == "choice":
        if option not in factor.options:
            raise FPError(f"“{factor.name}”没有“{option}”一项；可选：{'、'.join(factor.options)}", where)
        return _Chosen(factor, factor.options[option], option)
    if option not in factor.ranges:
        raise FPError(f"“{factor.name}”没有“{option}”一项；可选：{'、'.join(factor.ranges)}", where)
    low, high = factor.ranges[option]
    if not typed.strip():
        return _Chosen(factor, low, f"{option}（取区间下限）")
    try:
        value = D(typed.strip())
    except ArithmeticError as exc:
        raise FPError(f"“{factor.name}”的取值“{typed}”不是数字", where) from exc
    if not low <= value <= high:
        raise FPError(f"“{factor.name}”“{option}”的取值须在 {show(low)}–{show(high)} 之间，不能取 {typed}", where)
    return _Chosen(factor, value, f"{option} {show(value)}")


# --- The chain ------------------------------------------------------------------------------------------


def _round(bench: Benchmark, key: str, value: Decimal) -> tuple[Decimal, int | None]:
    places = bench.rounding.get(key)
    return (value, None) if places is None else (excel_round(value, places), places)


def _stage(bench: Benchmark, stage: str) -> tuple[str, Decimal | None]:
    if not bench.has_scale_change:
        return "", None
    if bench.scale_change is None:
        raise FPError(f"{bench.id} 未取得规模变更调整因子（CF）的取值，不能由 US 计算 S", "stage")
    name = _STAGES.get(stage.strip(), stage.strip())
    if name not in bench.scale_change.values:
        offered = "、".join(f"{k} {show(v)}" for k, v in bench.scale_change.values.items())
        raise FPError(f"{bench.id} 没有“{stage}”阶段的规模变更调整因子（可选：{offered}）", "stage")
    return name, bench.scale_change.values[name]


def _rate(bench: Benchmark, options: Options) -> tuple[Decimal, str]:
    if options.rate is not None:
        if not options.rate_basis.strip():
            raise FPError("人月费率不取基准值时，须写明取值依据", "rate_basis")
        if options.rate <= 0:
            raise FPError("人月费率须大于 0", "rate")
        return options.rate, f"自定人月费率（依据：{options.rate_basis.strip()}）"
    if bench.standard_rate is not None:
        return bench.standard_rate.value, f"{bench.id} 基准人月费率 {bench.standard_rate.label}"
    if bench.rates is None:
        raise FPError(f"{bench.id} 未取得人月费率，请给出人月费率及其依据", "rate")
    city = options.city.strip().removesuffix("市")
    if not city:
        raise FPError(f"{bench.id} 的人月费率按城市取值，请指定城市（{'、'.join(bench.rates.values)}）", "city")
    if city not in bench.rates.values:
        raise FPError(
            f"{bench.id} 未给出“{options.city}”的人月费率（有：{'、'.join(bench.rates.values)}）；"
            "可改选城市，或给出人月费率及其依据",
            "city",
        )
    return bench.rates.values[city], f"{bench.id} {city}开发人月费率 {bench.rates.label}"


def estimate(items: Sequence[FunctionItem], options: Options | None = None) -> Estimate:
    """The cost of a function list by one benchmark version; raises FPError for what it cannot compute."""
    options = options or Options()
    bench = find_benchmark(options.benchmark)
    if bench is None:
        raise FPError(f"没有基准版本“{options.benchmark}”（可选：{'、'.join(BENCHMARKS)}）", "benchmark")
    if options.project_kind not in (NEW, ENHANCEMENT):
        raise FPError(f"项目类型应为“{NEW}”或“{ENHANCEMENT}”", "project_kind")
    if not items:
        raise FPError("功能清单为空", "items")
    industry = options.industry.strip() or bench.default_industry
    if industry not in bench.pdr:
        raise FPError(f"{bench.id} 没有“{industry}”行业的生产率（有：{'、'.join(bench.pdr)}）", "industry")
    if options.dnc and not options.dnc_reason.strip():
        raise FPError("直接非人力成本一般不计列；计列时须说明原因及测算依据", "dnc_reason")
    results = tuple(_item(bench, i, options.project_kind) for i in items)
    stage, cf = _stage(bench, options.stage)
    factors = _factors(bench, options)
    size_steps, size = _size(bench, results, stage, cf, [f for f in factors if f.factor.applies_to == "size"])
    rate, rate_source = _rate(bench, options)
    effort_factors = [f for f in factors if f.factor.applies_to == "effort"]
    table = bench.pdr[industry]
    wanted = [p for p in (*RANGE_BANDS, options.percentile) if p in table.values]
    missing = tuple(p for p in RANGE_BANDS if p not in table.values)
    if options.pdr is None and options.percentile not in table.values:
        raise FPError(
            f"{bench.id} 未给出“{industry}”生产率的 {options.percentile}（有：{'、'.join(table.values)}）", "percentile"
        )
    pdrs: dict[str, tuple[Decimal, str]] = {
        p: (table.values[p], f"{bench.id} {industry} 开发生产率 {p} {table.label}") for p in dict.fromkeys(wanted)
    }
    chosen = options.percentile
    if options.pdr is not None:
        chosen = "自定"
        pdrs[chosen] = (options.pdr, _custom_pdr(bench, table, options))
    hm = bench.hours_per_month.value
    dnc = options.dnc
    bands = {
        p: _band(bench, p, size, pdr, source, effort_factors, hm, rate, rate_source, dnc, options.dnc_reason)
        for p, (pdr, source) in pdrs.items()
    }
    review = _review(options.requested, bands[chosen].cost) if options.requested is not None else None
    notes = [*bench.notes, *(f"{bench.id} 未给出 {p}，区间中缺该档" for p in missing)]
    if not bench.has_scale_change:
        notes.append(f"{bench.id} 的公式不乘规模变更调整因子，阶段“{options.stage}”不影响结果")
    return Estimate(
        bench, industry, options.city, stage, results, size_steps, size, bands, chosen, missing, review, tuple(notes)
    )


def _custom_pdr(bench: Benchmark, table: Table, options: Options) -> str:
    assert options.pdr is not None
    if options.pdr <= 0:
        raise FPError("生产率须大于 0", "pdr")
    basis = options.pdr_basis.strip()
    if not basis:
        raise FPError("生产率不取基准分位值时，须写明取值依据", "pdr_basis")
    base = table.values.get(options.percentile) or table.values.get("P50")
    if bench.pdr_float is not None and base is not None:
        low, high = base * (1 - bench.pdr_float), base * (1 + bench.pdr_float)
        if not low <= options.pdr <= high:
            raise FPError(
                f"{bench.id} 的生产率 {show(base)} 只能上下浮动 {show(bench.pdr_float * 100)}%"
                f"（{show(low)}–{show(high)}），不能取 {show(options.pdr)}",
                "pdr",
            )
    outside = ""
    if (
        "P10" in table.values
        and "P90" in table.values
        and not table.values["P10"] <= options.pdr <= table.values["P90"]
    ):
        outside = f"，在 P10–P90（{show(table.values['P10'])}–{show(table.values['P90'])}）之外"
    return f"自定生产率{outside}（依据：{basis}）"


def _size(
    bench: Benchmark, results: tuple[ItemResult, ...], stage: str, cf: Decimal | None, size_factors: list[_Chosen]
) -> tuple[tuple[Step, ...], Decimal]:
    by_type = {t: sum((r.ufp for r in results if function_type(r.item) == t), D(0)) for t in TYPES}
    ufp = sum(by_type.values(), D(0))
    steps = [
        Step(
            "ufp",
            "未调整功能点数 UFP",
            "UFP = Σ UFP_i（" + " + ".join(f"{t} {show(v)}" for t, v in by_type.items() if v) + "）",
            tuple((f"{t} 个数", str(sum(1 for r in results if function_type(r.item) == t))) for t in TYPES),
            ufp,
            "功能点",
        )
    ]
    us = sum((r.us for r in results), D(0))
    adjusted = sum(1 for r in results if r.reuse_factor != 1 or r.change_factor != 1)
    steps.append(
        Step(
            "us",
            "调整后规模 US",
            "US = Σ UFP_i × 复用系数 × 修改系数",
            (("按复用或修改类型调整的功能", str(adjusted)),),
            us,
            "功能点",
            note=f"复用系数 {bench.reuse.note or ''} {bench.reuse.label}" if bench.reuse else "",
        )
    )
    size = us
    if cf is not None:
        size = us * cf
        assert bench.scale_change is not None
        steps.append(
            Step(
                "scale",
                "规模 S",
                f"S = US × CF = {show(us)} × {show(cf)}",
                (
                    ("阶段", stage),
                    ("CF", show(cf)),
                    ("CF 来源", f"{bench.scale_change.source} {bench.scale_change.label}"),
                ),
                size,
                "功能点",
            )
        )
    for chosen in size_factors:
        before = size
        size *= chosen.value
        steps.append(
            Step(
                "size_factor",
                f"功能点数（× {chosen.factor.name}）",
                f"功能点数 = {show(before)} × {show(chosen.value)}",
                (
                    (chosen.factor.name, chosen.text),
                    ("来源", f"{chosen.factor.source} {chosen.factor.label}"),
                ),
                size,
                "功能点",
            )
        )
    size, places = _round(bench, "size", size)
    if places is not None:
        last = steps[-1]
        steps[-1] = Step(last.key, last.label, last.formula, last.inputs, size, last.unit, places, last.note)
    return tuple(steps), size


def _band(
    bench: Benchmark,
    percentile: str,
    size: Decimal,
    pdr: Decimal,
    pdr_source: str,
    factors: list[_Chosen],
    hm: Decimal,
    rate: Decimal,
    rate_source: str,
    dnc: Decimal,
    dnc_reason: str,
) -> Band:
    product = D(1)
    for f in factors:
        product *= f.value
    effort = size * pdr * product
    factor_inputs = tuple((f.factor.name, f"{f.text} → {show(f.value)}") for f in factors)
    steps = [
        Step(
            "effort",
            f"工作量 AE（{percentile}）",
            f"AE = S × PDR × Π调整因子 = {show(size)} × {show(pdr)} × {show(product)}",
            (("PDR", f"{show(pdr)} 人时/功能点，{pdr_source}"), *(factor_inputs or (("调整因子", "未选择，按 1"),))),
            effort,
            "人时",
        )
    ]
    months, places = _round(bench, "person_months", effort / hm)
    steps.append(
        Step(
            "person_months",
            "人月",
            f"PM = AE ÷ HM = {show(effort)} ÷ {show(hm)}",
            (("HM", f"{show(hm)} 小时/人月，{bench.hours_per_month.source} {bench.hours_per_month.label}"),),
            months,
            "人月",
            places,
        )
    )
    # Unrounded person-months go into the cost as AE × F ÷ HM: one division, no truncated quotient.
    labour = months * rate if places is not None else effort * rate / hm
    cost, cost_places = _round(bench, "cost", labour + dnc)
    steps.append(
        Step(
            "cost",
            "费用",
            f"费用 = PM × 人月费率 + 直接非人力成本 = {show(months)} × {show(rate)} + {show(dnc)}",
            (
                ("人月费率", f"{show(rate)} 元/人月，{rate_source}"),
                ("直接非人力成本", f"{show(dnc)} 元 {dnc_reason}".strip()),
            ),
            cost,
            "元",
            cost_places,
        )
    )
    return Band(percentile, pdr, effort, months, labour, cost, tuple(steps))


def _review(requested: Decimal, estimate: Decimal) -> Review:
    if requested < 0:
        raise FPError("送审金额不能为负数", "requested")
    approved = min(requested, estimate)
    reduction = requested - approved
    return Review(requested, estimate, approved, reduction, percent(reduction, requested))


def fp_unit_price(bench: Benchmark, rate: Decimal, pdr: Decimal) -> Decimal:
    """元/功能点 = 人月费率 × PDR ÷ HM, to the fen (the check against a published unit price)."""
    return excel_round(rate * pdr / bench.hours_per_month.value, 2)


def published_price(result: Estimate) -> Cited | None:
    """The unit price the version publishes for the estimate's city, with its source and note."""
    return result.benchmark.published_fp_price.get(result.city.strip().removesuffix("市"))


def published_price_check(result: Estimate) -> tuple[Decimal, Decimal] | None:
    """(computed, published) 元/功能点 when the version publishes a unit price for the city: the published
    price is for 全行业 P50, so the check uses that productivity whatever the list's industry."""
    published = published_price(result)
    rates = result.benchmark.rates
    overall = result.benchmark.pdr.get("全行业")
    if published is None or rates is None or overall is None or "P50" not in overall.values:
        return None
    computed = fp_unit_price(
        result.benchmark, rates.values[result.city.strip().removesuffix("市")], overall.values["P50"]
    )
    return computed, published.value


def as_dict(result: Estimate) -> dict[str, object]:
    """The estimate as plain data (numbers as exact decimal strings), for JSON and for storing the trace."""

    def step(s: Step) -> dict[str, object]:
        return {
            "key": s.key,
            "label": s.label,
            "formula": s.formula,
            "inputs": dict(s.inputs),
            "result": str(s.result),
            "unit": s.unit,
            "rounded_to": s.rounded,
            "note": s.note,
        }

    review = result.review
    check = published_price_check(result)
    return {
        "benchmark": {"id": result.benchmark.id, "title": result.benchmark.title},
        "industry": result.industry,
        "city": result.city,
        "stage": result.stage,
        "rounding": {"points": dict(result.benchmark.rounding), "source": result.benchmark.rounding_source},
        "items": [
            {
                "path": list(r.item.path),
                "name": r.item.name,
                "type": function_type(r.item),
                "method": counting_method(r.item),
                "complexity": r.complexity,
                "ufp": str(r.ufp),
                "reuse_factor": show(r.reuse_factor, 4),
                "change_factor": str(r.change_factor),
                "us": str(r.us),
            }
            for r in result.items
        ],
        "size_steps": [step(s) for s in result.size_steps],
        "size": str(result.size),
        "bands": {
            p: {
                "pdr": str(b.pdr),
                "effort_hours": str(b.effort_hours),
                "person_months": str(b.person_months),
                "cost": str(b.cost),
                "steps": [step(s) for s in b.steps],
            }
            for p, b in result.bands.items()
        },
        "chosen": result.chosen,
        "cost": str(result.cost),
        "missing_bands": list(result.missing_bands),
        "review": None
        if review is None
        else {
            "requested": str(review.requested),
            "estimate": str(review.estimate),
            "approved": str(review.approved),
            "reduction": str(review.reduction),
            "reduction_rate_percent": None if review.reduction_rate is None else str(review.reduction_rate),
        },
        "published_unit_price_check": None
        if check is None
        else {"computed": str(check[0]), "published": str(check[1]), "note": _price_note(result)},
        "notes": list(result.notes),
    }


def _price_note(result: Estimate) -> str:
    cited = published_price(result)
    return "" if cited is None else f"{cited.note}（{cited.source} {cited.label}）"
