"""Benchmark and standard versions for function-point cost review, as data.

GB/T 36964-2018 gives the method but no numbers; the numbers come from a benchmark series (CSBMK, SSM-BK) or
a local standard that fixes them. Every table here carries where it was read and how reliable that reading
is, with the labels of the domain reference: [V] seen verbatim at the source, [S] secondary (a local
re-issue or public code transcribing the PDF). A table a version does not give is None, and the engine
refuses the step that needs it instead of borrowing another version's numbers.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

D = Decimal

TYPES = ("ILF", "EIF", "EI", "EO", "EQ")
PERCENTILES = ("P10", "P25", "P50", "P75", "P90")

# Short source ids, spelled out once (the domain reference's source list).
G1 = "vinnyren/cost-estimation server/app/data/csbmk_202510.json（e50ac0d8，转录 CSBMK®-202510 PDF）"
G1_SPEC = "vinnyren/cost-estimation 设计说明（引 GB/T 42449-2023 表1、2、6、7、8）"
G1_SSM = "vinnyren/cost-estimation server/app/data/ssm_bk_202509.json"
G2 = "BSCEA官网下载小工具-软件开发费用评估模板（20251030发布版）的公开填写工具"
G4 = "柳财审〔2020〕16号 报价评审工具（nesma_weights.py、liuzhou_v1，标准第13–15页）"
G5 = "公开参数种子（DB11/T 1010-2019、CSBMK-201809、T/SCSIA 0015-2025）"
F3 = "https://haidsoft.com/157382.html"
F4 = "DB11/T 1010—2013 附录B（http://32336.cn/lhd_88lb16rukv7yqpo85nbf_7.html）"
F8 = "https://max.book118.com/html/2025/0226/6042045130011045.shtm"
G7 = "bscea.org 2025-10-31 发布（https://bscea.org/html/news/2025/1031/3151.html）"


@dataclass(frozen=True)
class Table:
    """Named values with the source they were read from and its reliability label."""

    values: Mapping[str, Decimal]
    source: str
    label: str  # "[V]" or "[S]"
    note: str = ""


@dataclass(frozen=True)
class Cited:
    value: Decimal
    source: str
    label: str
    note: str = ""


@dataclass(frozen=True)
class Factor:
    """An adjustment factor table.

    kind "choice": pick an option, its value is the factor. kind "range": pick an option, then a value
    within its [low, high] range (柳州's 软件类别). kind "score": score each item on `scale`, factor =
    1 + step × Σ scores (质量特性). `applies_to` says where the standard multiplies it: "effort" (SWF, the
    CSBMK model) or "size" (柳州: 功能点数 = UFP × 软件类别 × 复用).
    """

    name: str
    kind: str
    source: str
    label: str
    options: Mapping[str, Decimal] = field(default_factory=dict)
    ranges: Mapping[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    items: tuple[str, ...] = ()
    scale: tuple[int, ...] = ()
    step: Decimal = D(0)
    applies_to: str = "effort"
    required: bool = False  # the standard's formula always has it: no choice is refused, not taken as 1
    note: str = ""


@dataclass(frozen=True)
class Benchmark:
    id: str
    title: str
    effective: str
    estimated_weights: Table | None  # 估算功能点法 (NESMA estimated)
    indicative_weights: Table | None  # 预估功能点法 (NESMA indicative): ILF, EIF only
    detailed_weights: Mapping[str, Table] | None  # IFPUG: type → {低, 中, 高}
    reuse: Table | None  # 复用程度 → factor
    change: Table | None  # 修改类型 → factor
    scale_change: Table | None  # CF by stage; None with has_scale_change False: the formula has no CF
    has_scale_change: bool
    pdr: Mapping[str, Table]  # industry → {P10 … P90} (人时/功能点)
    hours_per_month: Cited
    rates: Table | None  # city → 元/人月; None when the standard fixes one rate (standard_rate)
    standard_rate: Cited | None
    factors: Mapping[str, Factor]
    pdr_float: Decimal | None = None  # 柳州: PDR may float ±20% (with a written basis), no further
    rounding: Mapping[str, int] = field(default_factory=dict)  # step key → decimals (Excel ROUND)
    rounding_source: str = ""
    published_fp_price: Mapping[str, Cited] = field(default_factory=dict)  # city → 元/FP (开发, 全行业 P50)
    default_industry: str = "全行业"
    notes: tuple[str, ...] = ()


# --- Tables shared by several versions (each version still names its own source) ---

_NESMA_SOURCE = f"{G4}；{G5}；{G2}（山东、广东、柳州三地估算功能点法权重一致 10/7/4/5/4，预估 35/15）"
ESTIMATED = Table({"ILF": D(10), "EIF": D(7), "EI": D(4), "EO": D(5), "EQ": D(4)}, _NESMA_SOURCE, "[S]")
INDICATIVE = Table({"ILF": D(35), "EIF": D(15)}, _NESMA_SOURCE, "[S]")
IFPUG = {
    kind: Table({"低": D(low), "中": D(avg), "高": D(high)}, G1_SPEC, "[S]")
    for kind, (low, avg, high) in {
        "ILF": (7, 10, 15),
        "EIF": (5, 7, 10),
        "EI": (3, 4, 6),
        "EO": (4, 5, 7),
        "EQ": (3, 4, 6),
    }.items()
}
# 高 1/3, 中 2/3 as exact thirds: the tables print 1/3 and 2/3, not 0.3333.
REUSE_NOTE = "高 1/3、中 2/3、低 1"
THIRD = D(1) / D(3)


def _reuse(source: str) -> Table:
    return Table({"高": THIRD, "中": 2 * THIRD, "低": D(1)}, source, "[S]", REUSE_NOTE)


APPLICATION_TYPES_2025 = Factor(
    "应用类型",
    "choice",
    f"{G1}；{G2}",
    "[S]",
    options={
        "业务处理": D("1.0"),
        "科技": D("1.2"),
        "多媒体": D("1.3"),
        "智能信息": D("1.5"),
        "基础软件/支撑软件": D("1.7"),
        "通信控制": D("1.9"),
        "流程控制": D("2.0"),
    },
    note="「软件集成」不在 2025 版 PDF 中（G1 更正）",
)
TEAM_F4 = Factor(
    "开发团队背景",
    "choice",
    F4,
    "[V]",
    options={"本行业类似项目": D("0.8"), "其他行业类似或本行业相关项目": D("1.0"), "无同类项目背景": D("1.2")},
)

CSBMK_202510 = Benchmark(
    id="CSBMK-202510",
    title="CSBMK®-202510 软件行业基准数据（2025-10-01 起）",
    effective="2025-10-01",
    estimated_weights=ESTIMATED,
    indicative_weights=INDICATIVE,
    detailed_weights=IFPUG,
    reuse=_reuse(f"{G1}（表 A.2）；{G2}；{G4}"),
    change=Table(
        {"新增": D("1.0"), "修改": D("0.8"), "删除": D("0.2")},
        f"{G1}（按 2025 版 PDF 更正：修改 0.70→0.80，删除 0.40→0.20）；{G2}",
        "[S]",
    ),
    scale_change=Table(
        {"预算": D("1.39"), "招投标": D("1.21"), "需求分析": D("1.10"), "变更": D("1.10"), "交付后": D("1.00")},
        f"{F3} [V]（早期如概、预阶段 1.39；中期如投标、项目计划 1.21；晚期如需求分析 1.10；交付后及运维 1.00）；"
        f"{G1}（budget 1.39, bidding 1.21, planning 1.10, change 1.10, settled 1.00）",
        "[S]",
        "“项目计划”阶段两处来源不一致（F3 归中期 1.21，G1 取 1.10），故不列，须按所处阶段选上面之一",
    ),
    has_scale_change=True,
    pdr={
        industry: Table(dict(zip(PERCENTILES, (D(v) for v in values), strict=True)), G1, "[S]")
        for industry, values in {
            "全行业": ("2.20", "3.77", "6.72", "12.28", "17.35"),
            "电子政务": ("2.04", "2.87", "6.41", "10.99", "15.36"),
            "金融": ("3.08", "5.09", "10.46", "15.69", "27.15"),
            "电信": ("2.36", "4.57", "9.98", "16.37", "27.68"),
            "制造": ("2.08", "3.31", "7.69", "15.93", "23.78"),
            "能源": ("2.15", "3.79", "7.30", "17.42", "22.13"),
            "交通": ("2.03", "3.07", "6.86", "15.57", "21.55"),
        }.items()
    },
    hours_per_month=Cited(
        D(174), f"{F8} [V]「一个月以21.75天计算」；{G1} hours_per_pm 174", "[V]", "21.75 天 × 8 小时"
    ),
    rates=Table(
        {
            **{"北京": D(32198), "上海": D(31309), "深圳": D(32122)},
            **{"广州": D(27748), "杭州": D(28813), "南京": D(27795), "苏州": D(27471), "成都": D(26112)},
            **{"西安": D(25415), "宁波": D(26241), "福州": D(26586), "厦门": D(26823)},
            **{"天津": D(24641), "重庆": D(23849), "武汉": D(23806), "长沙": D(23292), "合肥": D(24881)},
            **{"济南": D(23339), "青岛": D(24085), "沈阳": D(22752), "大连": D(23216), "哈尔滨": D(22614)},
            **{"太原": D(22920), "昆明": D(23635), "南昌": D(23296), "南宁": D(22659), "海口": D(22963)},
            **{"贵阳": D(23155), "拉萨": D(23919)},
            **{"郑州": D(21836), "石家庄": D(20410), "长春": D(20954), "兰州": D(20923), "乌鲁木齐": D(20495)},
            **{"西宁": D(20746), "呼和浩特": D(19883), "银川": D(19234)},
        },
        G1,
        "[S]",
        "开发人月费率（元/人月），代表该地区统计数据中位数 P50（F8 [V]）",
    ),
    standard_rate=None,
    factors={
        "应用类型": APPLICATION_TYPES_2025,
        "质量特性": Factor(
            "质量特性",
            "score",
            f"{G2}（四项各评 0/1/2）；公式 1 + 0.025 × Σ 见 {F4} [V]；{G1} non_func 各 0.025",
            "[S]",
            items=("分布式处理", "性能", "可靠性", "多重站点"),
            scale=(0, 1, 2),
            step=D("0.025"),
        ),
        "完整性级别": Factor(
            "完整性级别",
            "choice",
            f"{G1}；{G2}",
            "[S]",
            options={"C/D": D("1.0"), "A/B": D("1.1"), "A（全生命周期措施）": D("1.3")},
        ),
        "开发语言": Factor(
            "开发语言",
            "choice",
            f"{G1}（按 2025 版 PDF 更正：C 1.2，PB/ASP 0.8）",
            "[S]",
            options={
                "C": D("1.2"),
                "JAVA": D("1.0"),
                "C++": D("1.0"),
                "C#": D("1.0"),
                "PowerBuilder": D("0.8"),
                "ASP": D("0.8"),
            },
        ),
        "开发团队背景": Factor(
            "开发团队背景",
            "choice",
            f"{G1} team_bg（与 {F4} [V] 相同）",
            "[S]",
            options=dict(TEAM_F4.options),
        ),
        "涉密": Factor("涉密", "choice", f"{G1}（表 A.19）", "[S]", options={"非涉密": D("1.00"), "涉密": D("1.18")}),
    },
    rounding={"cost": 2},
    rounding_source="基准未规定中间步骤的舍入：链条全程精确计算，仅费用取到分（Excel ROUND）",
    published_fp_price={
        "北京": Cited(
            D("1243.52"),
            f"{G7}；{G1} display.fp_unit_price",
            "[S]",
            "开发，全行业 P50 6.72 人时/功能点。未能核实：按公布的取整参数 32198 × 6.72 ÷ 174 = 1243.5090… 得"
            " 1243.51；要得到 1243.52，人月费率须不低于 32198.13 或生产率不低于 6.72001（未取整的原始值），"
            "按 176 小时为 1229.38，都不是公布的参数。该转录的后续版本已删去此值，改记 SSM-BK-202509 第3.14节的"
            " 1336.00（其测试写明「由 1243.52 更新为 1336.00」），故此处只作对照，不据以计算",
        ),
    },
    notes=(
        "新建开发项目只计新增功能；升级改造（增强）项目另计修改、删除功能"
        "（vinnyren/cost-estimation forward.py，GB/T 42449-2023）",
    ),
)

CSBMK_201809 = Benchmark(
    id="CSBMK-201809",
    title="CSBMK-201809 软件行业基准数据",
    effective="2018-09",
    estimated_weights=ESTIMATED,
    indicative_weights=INDICATIVE,
    detailed_weights=None,
    reuse=None,
    change=None,
    scale_change=None,
    has_scale_change=True,
    pdr={
        "全行业": Table(
            dict(zip(PERCENTILES, (D("2.37"), D("4.26"), D("7.12"), D("12.41"), D("17.34")), strict=True)),
            f"{G5}「引自北京 DB11/T 1010 附录B」",
            "[S]",
        ),
        "电子政务": Table(
            dict(zip(PERCENTILES, (D("2.03"), D("3.49"), D("6.65"), D("11.89"), D("15.76")), strict=True)),
            f"{G5}「引自北京 DB11/T 1010 附录B」",
            "[S]",
        ),
    },
    hours_per_month=Cited(D(174), f"{F8} [V]「一个月以21.75天计算」", "[V]", "21.75 天 × 8 小时"),
    rates=None,
    standard_rate=None,
    factors={},
    rounding={"cost": 2},
    rounding_source="未见该版本的舍入规定：链条全程精确计算，仅费用取到分（Excel ROUND）",
    notes=(
        "本版本的规模变更调整因子、复用与修改类型系数、详细计数权重、城市人月费率、调整因子表均未取得，"
        "需要这些取值的计算会被拒绝",
    ),
)

SSM_BK_202509 = Benchmark(
    id="SSM-BK-202509",
    title="SSM-BK-202509 基准数据（与 CSBMK 不同系列，不可混用）",
    effective="2025-09",
    # The NESMA weights belong to the counting method, not to a benchmark series.
    estimated_weights=ESTIMATED,
    indicative_weights=INDICATIVE,
    detailed_weights=None,
    reuse=None,
    change=None,
    scale_change=Table({"预算": D("1.70"), "招投标": D("1.25")}, G1_SSM, "[S]", "其他阶段的取值未取得"),
    has_scale_change=True,
    pdr={
        "全行业": Table({"P50": D("6.96")}, G1_SSM, "[S]", "仅取得 P50"),
        "电子政务": Table({"P50": D("8.02")}, G1_SSM, "[S]", "仅取得 P50"),
    },
    hours_per_month=Cited(
        D(174), f"{F8} [V]「一个月以21.75天计算」（CSBMK 与多数地方标准）", "[S]", "本系列未见另行规定"
    ),
    rates=Table({"北京": D(33400), "上海": D(32900), "深圳": D(32000)}, G1_SSM, "[S]"),
    standard_rate=None,
    factors={},
    rounding={"cost": 2},
    rounding_source="未见该版本的舍入规定：链条全程精确计算，仅费用取到分（Excel ROUND）",
    published_fp_price={
        "北京": Cited(
            D("1336.00"),
            f"SSM-BK-202509 第3.14节 功能点单价（北京，开发）；{G1_SSM} display.fp_unit_price"
            "（3d4e54e3；其测试注明「第 3.14 节 功能点单价已核对值」）",
            "[S]",
            "开发，全行业 P50 6.96 人时/功能点：33400 × 6.96 ÷ 174 = 1336.00，与公布值一致到分",
        ),
    },
    notes=("复用与修改类型系数、详细计数权重、调整因子表未取得，需要这些取值的计算会被拒绝",),
)

DB11_1010_2019 = Benchmark(
    id="DB11/T 1010-2019",
    title="北京市地方标准 DB11/T 1010-2019 信息化项目软件开发费用测算规范",
    effective="2019",
    estimated_weights=Table(dict(ESTIMATED.values), f"{G5}（NESMA 估算功能点法）", "[S]"),
    indicative_weights=Table(dict(INDICATIVE.values), f"{G5}（NESMA 预估功能点法）", "[S]"),
    detailed_weights=None,
    reuse=None,
    change=None,
    scale_change=Table(
        {"招投标": D("1.22")}, f"{G5}「1~2(招投标1.22)」", "[S]", "其他阶段只给出 1~2 的区间，未给出取值"
    ),
    has_scale_change=True,
    pdr={
        "电子政务": Table(
            dict(zip(PERCENTILES, (D("2.03"), D("3.49"), D("6.65"), D("11.89"), D("15.76")), strict=True)),
            f"{G5}（附录B 引 CSBMK-201809；标准取电子政务 6.65）",
            "[S]",
        ),
        "全行业": Table(
            dict(zip(PERCENTILES, (D("2.37"), D("4.26"), D("7.12"), D("12.41"), D("17.34")), strict=True)),
            f"{G5}（附录B 引 CSBMK-201809）",
            "[S]",
        ),
    },
    hours_per_month=Cited(D(176), f"{G5}「只有北京 DB11/T 1010(176)」", "[S]", "北京按每月 176 小时"),
    rates=None,
    standard_rate=Cited(D(25500), G5, "[S]", "标准给定的人月费率"),
    factors={
        "质量特性": Factor(
            "质量特性",
            "score",
            f"{F4}「质量特性调整因子=(分布式处理因子 + 性能因子+ 可靠性因子 + 多重站点因子)×0.025 + 1」",
            "[V]",
            items=("分布式处理", "性能", "可靠性", "多重站点"),
            scale=(-1, 0, 1),
            step=D("0.025"),
            note="原文为 2013 版附录B；2019 版此表未核对",
        ),
        "开发语言": Factor(
            "开发语言",
            "choice",
            f"{G5}（四川/北京-2019）",
            "[S]",
            options={
                **{"C": D("1.5"), "COBOL": D("1.2"), "Go": D("1.2"), "Python": D("1.2")},
                **{"JAVA": D("1.0"), "C++": D("1.0"), "C#": D("1.0"), "PHP": D("0.8"), "JS": D("0.8")},
            },
        ),
        "开发团队背景": Factor(
            "开发团队背景",
            "choice",
            TEAM_F4.source,
            "[V]",
            options=dict(TEAM_F4.options),
            note="原文为 2013 版附录B；2019 版此表未核对",
        ),
    },
    rounding={"cost": 2},
    rounding_source="未见该标准的舍入规定：链条全程精确计算，仅费用取到分（Excel ROUND）",
    default_industry="电子政务",
    notes=("复用、修改类型系数与详细计数权重未取得，需要这些取值的计算会被拒绝",),
)

LIUZHOU_2020 = Benchmark(
    id="柳财审〔2020〕16号",
    title="柳州市本级信息化建设项目预算支出标准（试行）（柳财审〔2020〕16号）",
    effective="2020-12-28",
    estimated_weights=Table(dict(ESTIMATED.values), f"{G4}", "[S]"),
    indicative_weights=Table(dict(INDICATIVE.values), f"{G4}", "[S]"),
    detailed_weights=None,
    reuse=_reuse(f"{G4}（第13页：功能点数 = UFP × 软件类别调整因子 × 复用系数）"),
    change=None,
    scale_change=None,
    has_scale_change=False,
    pdr={
        "电子政务": Table({"P50": D("6.51")}, f"{G4}（CSBMK-202010 电子政务 P50）", "[S]", "可上下浮动 20%，须写明依据")
    },
    hours_per_month=Cited(D(174), f"{G4}（174 = 21.75 × 8）", "[S]"),
    rates=None,
    standard_rate=Cited(D(17000), f"{G4}（第14页，广西取值）", "[S]", "标准给定的基准人月费率"),
    factors={
        "软件类别": Factor(
            "软件类别",
            "range",
            f"{G4}（表3；注1「凡取值超过1的，需列明具体取值依据」）",
            "[S]",
            ranges={
                "业务处理": (D("0.8"), D("1.0")),
                "应用集成": (D("1.0"), D("1.2")),
                "大数据多媒体": (D("1.0"), D("1.3")),
                "人工智能": (D("1.0"), D("1.5")),
            },
            applies_to="size",
            required=True,
        )
    },
    pdr_float=D("0.20"),
    rounding={"size": 2, "person_months": 2, "cost": 2},
    rounding_source=f"{G4}：功能点数、工作量（人月）、费用各取两位小数（Excel ROUND）",
    default_industry="电子政务",
    notes=(
        "公式中没有规模变更调整因子（不乘 CF）",
        "直接非人力成本「一般情况不进行计列(通常为0)，特殊情况需要计列时应明确说明原因及测算依据」（第15页）",
        "修改类型系数未规定：只能计新增功能",
    ),
)

BENCHMARKS: dict[str, Benchmark] = {
    b.id: b for b in (CSBMK_202510, CSBMK_201809, SSM_BK_202509, DB11_1010_2019, LIUZHOU_2020)
}
DEFAULT_BENCHMARK = CSBMK_202510.id

# Names people type for the versions (「DB11」「柳州」) → id.
_ALIASES = {"DB11/T1010-2019": DB11_1010_2019.id, "DB11": DB11_1010_2019.id, "北京": DB11_1010_2019.id}
_ALIASES |= {"柳州": LIUZHOU_2020.id, "柳财审[2020]16号": LIUZHOU_2020.id, "柳财审(2020)16号": LIUZHOU_2020.id}


def find_benchmark(name: str) -> Benchmark | None:
    text = name.strip().replace(" ", "").replace("®", "").upper()
    for bid, bench in BENCHMARKS.items():
        if text == bid.replace(" ", "").upper():
            return bench
    for alias, bid in _ALIASES.items():
        if text == alias.upper():
            return BENCHMARKS[bid]
    return None
