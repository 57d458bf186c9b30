"""The demo plan: every organization and project the demo loads, worked out without the database.

The plan is a pure function of `jixiao.demo.tables`: the same on every run (generated parts draw on
`random.Random` seeded per region and year), so loading it twice finds everything already there.
Amounts are split exactly: each generated amount is a whole number of 0.01万元 (100元), and the last
row of a split takes whatever the others leave of the reported total, so the totals hold to the 分.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from jixiao.demo import indicators as ind
from jixiao.demo import tables as t
from jixiao.rules.config import DEFINITIONS
from jixiao.rules.goal_checks import BLOCKING, CHECKS
from jixiao.rules.money import wan_to_yuan, yuan_to_wan

STEP = Decimal(100)  # generated amounts are whole 0.01万元
FIVE_MILLION = Decimal(5_000_000)  # 500万元, the 中阳 ex-ante threshold

SPECIFIC = "特定目标类"
OPERATING = "其他运转类"
GENERAL_BUDGET = "一般公共预算"
FUND_BUDGET = "政府性基金预算"
BUDGETED = "budgeted"
SUBMITTED = "submitted"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class OrgPlan:
    region: str
    key: str  # unique within the region
    code: str  # unique everywhere
    name: str
    kind: str
    parent_key: str | None = None
    division: str = ""
    domain: str = t.GENERAL
    generated: bool = False


@dataclass(frozen=True)
class ProjectPlan:
    region: str
    code: str
    name: str
    owner_key: str
    fiscal_year: int
    category: str
    amount: Decimal  # 元
    kind: str = "project"
    budget_type: str = GENERAL_BUDGET
    fund_sources: tuple[str, ...] = (t.LOCAL,)
    domain_tags: tuple[str, ...] = ()
    is_new: bool = False
    start_year: int | None = None
    end_year: int | None = None
    status: str = BUDGETED
    description: str = ""
    generated: bool = False
    reviewed: Decimal | None = None  # 审定 (元) of the project's budget review, when it had one
    adjusted: Decimal | None = None  # 全年预算数 after mid-year additions (年中追加), when there were any

    @property
    def approved(self) -> Decimal | None:
        """A compiled budget is approved as requested, or as its budget review set it (审定); a project
        still under appraisal, or cancelled, has no approval."""
        if self.status != BUDGETED:
            return None
        return self.amount if self.reviewed is None else self.reviewed


REGION_NAMES = {code: name for code, name, _ in t.REGIONS}
REGION_PARENTS = {code: parent for code, _, parent in t.REGIONS}


def region_level(code: str) -> int:
    level, parent = 1, REGION_PARENTS[code]
    while parent is not None:
        level, parent = level + 1, REGION_PARENTS[parent]
    return level


def rng_for(*parts: object) -> random.Random:
    # A string seed is hashed with SHA-512, so the sequence does not depend on PYTHONHASHSEED.
    return random.Random("jixiao-demo:" + ":".join(str(p) for p in parts))


# --- amounts -----------------------------------------------------------------------------------------


def wan(text: str) -> Decimal:
    return wan_to_yuan(text)


def split_exact(total: Decimal, weights: Sequence[float]) -> list[Decimal]:
    """`total` 元 in len(weights) parts proportional to the weights, each a positive multiple of 100元;
    the last part is the remainder, so the parts sum to `total` exactly."""
    steps = total / STEP
    if steps != steps.to_integral_value() or steps < len(weights):
        raise ValueError(f"{total}元不能分成{len(weights)}个0.01万元的整数倍")
    whole = int(steps)
    scale = whole / sum(weights)
    parts = [max(1, round(w * scale)) for w in weights[:-1]]
    last = whole - sum(parts)
    if last < 1:
        raise ValueError("拆分后最后一项不为正数")
    return [(Decimal(p) * STEP).quantize(Decimal("0.01")) for p in [*parts, last]]


def lognormal_weights(rng: random.Random, n: int, sigma: float, base: float) -> list[float]:
    """Skewed sizes, as budgets are: many small projects, a few large ones (capped at 40× the median)."""
    return [base + min(rng.lognormvariate(0, sigma), 40.0) for _ in range(n)]


# --- organizations -----------------------------------------------------------------------------------


def _required_keys(region: str) -> list[str]:
    """Departments the region must have because a named unit, project or account belongs to them."""
    keys: list[str] = []
    owners = [o.key for o in t.NAMED_ORGS if o.region == region and o.kind == "unit"]
    owners += [p.owner for p in all_named_projects() if p.region == region]
    owners += [key for _, _, r, key, _ in t.USERS if r == region]
    for key in owners:
        head = key.split(".")[0]
        if head not in ("czj", "rd", "sj", "ag") and head not in keys:
            keys.append(head)
    return keys


def _departments(region: str) -> list[OrgPlan]:
    count = t.DEPARTMENT_COUNTS.get(region, 0)
    if not count:
        return []
    rname = REGION_NAMES[region]
    is_city = region_level(region) == 2
    named = [o for o in t.NAMED_ORGS if o.region == region and o.kind == "department"]
    taken = {o.key for o in named}
    pool = {p.key: p for p in t.DEPARTMENT_POOL}
    order = [k for k in _required_keys(region) if k not in taken]
    missing = [k for k in order if k not in pool]
    if missing:
        raise ValueError(f"{rname}: 缺少机构 {missing}")
    order += [p.key for p in t.DEPARTMENT_POOL if p.key not in taken and p.key not in order]
    if len(named) + len(order) < count:
        raise ValueError(f"{rname}: 机构池不足以生成{count}个一级预算单位")
    depts = [(o.key, o.name, o.domain, o.generated) for o in named]
    for key in order[: count - len(named)]:
        p = pool[key]
        depts.append((key, (p.city_name if is_city and p.city_name else p.name).format(r=rname), p.domain, True))

    plans: list[OrgPlan] = []
    named_units = {o.key: o for o in t.NAMED_ORGS if o.region == region and o.kind == "unit"}
    for i, (key, name, domain, generated) in enumerate(depts):
        code = f"{region}-{101 + i}"
        plans.append(OrgPlan(region, key, code, name, "department", None, domain=domain, generated=generated))
        units = [(f"{key}.{u}", n.format(r=rname), domain, True) for u, n in (pool[key].units if key in pool else ())]
        by_key = {u[0]: u for u in units}
        for nkey, o in named_units.items():
            if nkey.split(".")[0] == key:
                by_key[nkey] = (nkey, o.name, o.domain, o.generated)
        for j, (ukey, uname, udomain, ugen) in enumerate(by_key.values()):
            plans.append(
                OrgPlan(region, ukey, f"{code}{j + 1:02d}", uname, "unit", key, domain=udomain, generated=ugen)
            )
    return plans


def plan_organizations() -> list[OrgPlan]:
    """Every organization, parents before children."""
    plans: list[OrgPlan] = []
    for region, _, _ in t.REGIONS:
        rname = REGION_NAMES[region]
        if region in t.BUREAU_REGIONS:
            bureau = f"{region}-CZJ"
            plans.append(OrgPlan(region, "czj", bureau, f"{rname}财政局", "finance_bureau"))
            unit = "科" if region in t.KE_REGIONS else "股"
            for key, pattern, division in t.DIVISIONS:
                name = t.DIVISION_NAMES.get((region, key)) or pattern.format(r=rname, u=unit)
                plans.append(
                    OrgPlan(region, f"czj.{key}", f"{bureau}-{key.upper()}", name, "finance_division", "czj", division)
                )
        others = [o for o in t.NAMED_ORGS if o.region == region and o.kind in ("congress", "audit_office", "agency")]
        for i, o in enumerate(others):
            suffix = {"congress": "RD", "audit_office": "SJ"}.get(o.kind, f"DSF{i + 1:02d}")
            plans.append(OrgPlan(region, o.key, f"{region}-{suffix}", o.name, o.kind, generated=o.generated))
        plans += _departments(region)
    return plans


# --- projects ----------------------------------------------------------------------------------------


def all_named_projects() -> list[t.NamedProject]:
    return [*t.ZHONGYANG_PROJECTS, *t.YUECHI_PROJECTS, *t.LVLIANG_PROJECTS, *t.CAIDIAN_PROJECTS, *t.LINYOU_PROJECTS]


class Codes:
    """项目编码: region code, year, five-digit running number (named projects first)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, int], int] = {}

    def next(self, region: str, year: int) -> str:
        n = self.seen.get((region, year), 0) + 1
        self.seen[(region, year)] = n
        return f"{region}{year}{n:05d}"


def _evaluation_text(e: t.Evaluation | None) -> str:
    if e is None:
        return ""
    by = f"{e.agency}评价，" if e.agency else ""
    score = f"得分{e.score}分，" if e.score else ""
    return f"财政重点绩效评价：{by}{score}等级“{e.grade}”。"


def _named(p: t.NamedProject, code: str, amount: Decimal, note: str, status: str = BUDGETED) -> ProjectPlan:
    start = p.start_year or p.year
    end = p.end_year or max(p.year, start)
    text = f"来源：{p.source}。" + _evaluation_text(p.evaluation) + note
    return ProjectPlan(
        p.region,
        code,
        p.name,
        p.owner,
        p.year,
        p.category,
        amount,
        kind=p.kind,
        budget_type=FUND_BUDGET if t.SPECIAL_BOND in p.fund_sources else GENERAL_BUDGET,
        fund_sources=p.fund_sources,
        domain_tags=(p.domain,),
        is_new=p.is_new,
        start_year=start,
        end_year=end,
        status=status,
        description=text,
        generated=False,
    )


# Added to a generated name when the owner already has a project of that name this year.
QUALIFIERS = [
    "",
    "（第一批）",
    "（第二批）",
    "（第三批）",
    "（东片区）",
    "（西片区）",
    "（南片区）",
    "（北片区）",
    "（城区）",
]


class Generator:
    """Generated projects for one region and year, owned by the region's budget units."""

    def __init__(self, region: str, year: int, owners: list[OrgPlan], codes: Codes, context: str) -> None:
        self.region, self.year, self.owners, self.codes = region, year, owners, codes
        self.rng = rng_for(region, year)
        self.context = context
        self.used: set[tuple[str, str]] = set()

    def _name(self, owner: OrgPlan, phrases: list[str]) -> str:
        for attempt in range(40):
            base = f"{self.year}年{self.rng.choice(phrases)}"
            name = base + (self.rng.choice(QUALIFIERS) if attempt else "")
            if (owner.key, name) not in self.used:
                break
        else:
            n = 2
            while (owner.key, f"{base}（{n}）") in self.used:
                n += 1
            name = f"{base}（{n}）"
        self.used.add((owner.key, name))
        return name

    def rows(
        self,
        category: str,
        amounts: list[Decimal],
        *,
        owners: list[OrgPlan] | None = None,
        status: str = BUDGETED,
        note: str = "",
        software: int = 0,
    ) -> list[ProjectPlan]:
        rng, year, pool = self.rng, self.year, owners or self.owners
        out = []
        for i, amount in enumerate(amounts):
            owner = pool[i] if owners is not None and i < len(pool) else rng.choice(pool)
            domain = owner.domain
            budget_type, funds = GENERAL_BUDGET, [t.LOCAL]
            if category == OPERATING:
                name = self._name(owner, t.OPERATING_PHRASES)
                is_new = rng.random() < 0.1
                start, end = (year, year) if is_new else (year - rng.choice([1, 2, 3]), year)
            else:
                phrases = t.SOFTWARE_PHRASES if i < software else t.SPECIFIC_PHRASES[domain]
                name = self._name(owner, phrases)
                construction = i >= software and any(w in name for w in t.CONSTRUCTION_WORDS)
                if rng.random() < t.TRANSFER_CHANCE.get(domain, 0.2):
                    funds = [t.TRANSFER] + ([t.LOCAL] if rng.random() < 0.5 else [])
                if construction and rng.random() < 0.15:
                    funds.append(t.GENERAL_BOND)
                elif construction and rng.random() < 0.08:
                    funds, budget_type = [t.SPECIAL_BOND], FUND_BUDGET
                elif domain == t.URBAN and rng.random() < 0.05:
                    budget_type = FUND_BUDGET
                if any(w in name for w in ("服务", "运行维护")) and rng.random() < 0.3:
                    funds.append(t.PURCHASE)
                if domain == t.INDUSTRY and rng.random() < 0.1:
                    funds.append(t.INDUSTRY_FUND)
                is_new = rng.random() < 0.3
                if is_new:
                    start, end = year, year + (rng.choice([0, 0, 1, 2]) if construction else 0)
                else:
                    start, end = year - rng.choice([1, 2, 3]), year + (rng.choice([0, 0, 1]) if construction else 0)
            out.append(
                ProjectPlan(
                    self.region,
                    self.codes.next(self.region, year),
                    name,
                    owner.key,
                    year,
                    category,
                    amount,
                    budget_type=budget_type,
                    fund_sources=tuple(dict.fromkeys(funds)),
                    domain_tags=(domain,),
                    is_new=is_new,
                    start_year=start,
                    end_year=end,
                    status=status,
                    description=f"演示生成：项目名称与金额为生成数据（{self.context}）。{note}",
                    generated=True,
                )
            )
        return out


def _owners(orgs: list[OrgPlan], region: str) -> list[OrgPlan]:
    return [o for o in orgs if o.region == region and o.kind in ("department", "unit")]


def _zhongyang(orgs: list[OrgPlan], codes: Codes) -> list[ProjectPlan]:
    fig = t.ZHONGYANG_2024
    plans = [_named(p, codes.next(p.region, p.year), wan(p.amount_wan or "0"), "") for p in t.ZHONGYANG_PROJECTS]
    this_year = [p for p in plans if p.fiscal_year == 2024]
    context = f"中阳县2024年预算编制{fig.count}个项目、{fig.total}万元的组成部分"
    gen = Generator(t.ZHONGYANG, 2024, _owners(orgs, t.ZHONGYANG), codes, context)
    n_other = fig.operating_count
    n_specific = fig.count - n_other - len(this_year)
    other_total = wan(fig.operating)
    specific_total = wan(fig.specific) - sum((p.amount for p in this_year), Decimal(0))
    other = gen.rows(OPERATING, split_exact(other_total, lognormal_weights(gen.rng, n_other, 0.9, 0.15)))
    specific = gen.rows(SPECIFIC, split_exact(specific_total, lognormal_weights(gen.rng, n_specific, 1.1, 0.1)))

    # Exactly `new_500` new 特定目标类 projects of 500万元 or more (the report's ex-ante assessments).
    wanted = fig.new_500 - sum(1 for p in this_year if p.is_new and p.amount >= FIVE_MILLION)
    big = [i for i, p in enumerate(specific) if p.amount >= FIVE_MILLION]
    if len(big) < wanted:
        raise ValueError("中阳县生成的500万元以上项目不足")
    chosen = set(gen.rng.sample(big, wanted))
    for i in big:
        p = specific[i]
        if i in chosen:
            specific[i] = replace(p, is_new=True, start_year=2024, end_year=max(p.end_year or 2024, 2024))
        elif p.is_new:
            specific[i] = replace(p, is_new=False, start_year=2023)
    other = [replace(p, is_new=False, start_year=2023) if p.amount >= FIVE_MILLION and p.is_new else p for p in other]
    return _zhongyang_monitored(gen, plans + other + specific)


def _zhongyang_monitored(gen: "Generator", plans: list[ProjectPlan]) -> list[ProjectPlan]:
    """Make 中阳's 2024 monitoring figures hold (`tables.ZHONGYANG_MONITORING`): the research projects
    exempt from monitoring (tag 科研: drawn among the generated 特定目标类 projects of the research-minded
    domains, 科技 first) are what 2779 less 2570 leaves; the monitored projects' 全年预算数 exceeds the
    compiled budget by mid-year additions (年中追加), given to the monitored generated projects funded by
    上级转移支付 in proportion to their budgets, so that they total the monitored amount to the 分."""
    fig = t.ZHONGYANG_MONITORING
    this_year = [i for i, p in enumerate(plans) if p.fiscal_year == fig.year]
    candidates = [i for i in this_year if plans[i].generated and plans[i].category == SPECIFIC]
    research: list[int] = []
    for domain in t.RESEARCH_DOMAINS:
        found = [i for i in candidates if plans[i].domain_tags[0] == domain]
        research += gen.rng.sample(found, min(len(found), len(this_year) - fig.count - len(research)))
    if len(research) != len(this_year) - fig.count:
        raise ValueError("中阳县可作为科研项目的生成项目不足")
    for i in research:
        plans[i] = replace(plans[i], domain_tags=(*plans[i].domain_tags, t.RESEARCH))
    exempt = set(research)
    monitored = sum((plans[i].amount for i in this_year if i not in exempt), Decimal(0))
    receivers = [i for i in candidates if i not in exempt and t.TRANSFER in plans[i].fund_sources]
    additions = split_exact(wan(fig.total) - monitored, [float(plans[i].amount) for i in receivers])
    for i, extra in zip(receivers, additions, strict=True):
        plans[i] = replace(plans[i], adjusted=plans[i].amount + extra)
    return plans


def _yuechi(orgs: list[OrgPlan], codes: Codes) -> list[ProjectPlan]:
    fig = t.YUECHI_2023
    note = "金额为演示生成（岳池县2023年纳入绩效目标管理的项目支出合计17395.88万元）。"
    plans = [_named(p, codes.next(p.region, p.year), wan(p.demo_wan or "0"), note) for p in t.YUECHI_PROJECTS]
    context = f"岳池县2023年纳入绩效目标管理的项目支出{fig.total}万元的组成部分"
    gen = Generator(t.YUECHI, 2023, _owners(orgs, t.YUECHI), codes, context)
    n_other = fig.operating_count
    n_specific = fig.count - n_other - len(plans)
    weights = lognormal_weights(gen.rng, n_other, 0.8, 0.2) + [
        3 * w for w in lognormal_weights(gen.rng, n_specific, 1.0, 0.1)
    ]
    amounts = split_exact(wan(fig.total) - sum((p.amount for p in plans), Decimal(0)), weights)
    return plans + gen.rows(OPERATING, amounts[:n_other]) + gen.rows(SPECIFIC, amounts[n_other:])


def _caidian(orgs: list[OrgPlan], codes: Codes) -> list[ProjectPlan]:
    fig = t.CAIDIAN_2023
    owners = _owners(orgs, t.CAIDIAN)
    context = f"蔡甸区2023年度{fig.count}个专项项目、12.92亿元的组成部分"
    gen = Generator(t.CAIDIAN, 2023, owners, codes, context)
    key_count, key_total = fig.key_count, wan(fig.key_total)
    key_note = f"2024年区级重点绩效评价项目（共{key_count}个、4.07亿元，涉及{fig.key_departments}个部门单位）。"

    # The key evaluations: the two named projects and 40 generated ones, in 39 departments that include
    # the ones the report names (区财政局, 区民政局, 区大数据中心).
    named = t.CAIDIAN_PROJECTS
    key_amounts = split_exact(key_total, lognormal_weights(gen.rng, key_count, 0.8, 0.2))
    plans = [
        _named(p, codes.next(p.region, p.year), key_amounts[i], "金额为演示生成。" + key_note)
        for i, p in enumerate(named)
    ]
    departments = [o for o in owners if o.kind == "department"]
    must = ["caizheng", "minzheng", "dashuju"]
    named_heads = {p.owner.split(".")[0] for p in named}
    rest = [d for d in departments if d.key not in must and d.key not in named_heads]
    picked = [d for d in departments if d.key in must] + gen.rng.sample(
        rest, fig.key_departments - len(must) - len(named_heads)
    )
    extra = key_count - len(named) - len(picked)
    key_owners = picked + gen.rng.sample(picked, extra)
    key_owners = [_unit_or_self(gen.rng, d, owners) for d in key_owners]
    plans += gen.rows(SPECIFIC, key_amounts[len(named) :], owners=key_owners, note=key_note)

    n_rest = fig.count - key_count
    rest_total = wan(fig.total) - key_total
    plans += gen.rows(SPECIFIC, split_exact(rest_total, lognormal_weights(gen.rng, n_rest, 1.0, 0.1)))
    return plans


def _unit_or_self(rng: random.Random, department: OrgPlan, owners: list[OrgPlan]) -> OrgPlan:
    units = [o for o in owners if o.parent_key == department.key]
    return rng.choice(units) if units and rng.random() < 0.3 else department


def _lvliang(codes: Codes) -> list[ProjectPlan]:
    fig = t.LVLIANG_2023
    named = t.LVLIANG_PROJECTS
    amounts = split_exact(wan(fig.total), [p.weight for p in named])
    note = f"金额为演示生成（{fig.count}个重点评价项目合计21.66亿元）。"
    return [_named(p, codes.next(p.region, p.year), a, note) for p, a in zip(named, amounts, strict=True)]


def _baoji(orgs: list[OrgPlan], codes: Codes) -> list[ProjectPlan]:
    fig = t.BAOJI_2023_EX_ANTE
    owners = _owners(orgs, t.BAOJI)
    context = f"宝鸡市2023年{fig.count}个市级重点项目事前绩效评估和预算评审，送审合计{fig.total}万元"
    gen = Generator(t.BAOJI, 2023, owners, codes, context)
    amounts = split_exact(wan(fig.total), lognormal_weights(gen.rng, fig.count, 0.9, 0.2))
    # The software projects (named first by the generator) take amounts a function list of a few hundred
    # lines can cost: 80万 to 600万元.
    sized = [i for i, a in enumerate(amounts) if SOFTWARE_MIN <= a <= SOFTWARE_MAX]
    if len(sized) < t.BAOJI_SOFTWARE:
        raise ValueError("宝鸡市生成的软件项目金额不足")
    first = sized[: t.BAOJI_SOFTWARE]
    amounts = [amounts[i] for i in first] + [a for i, a in enumerate(amounts) if i not in first]
    note = "待事前绩效评估和预算评审。"
    rows = gen.rows(SPECIFIC, amounts, status=SUBMITTED, software=t.BAOJI_SOFTWARE, note=note)
    return [replace(p, is_new=True, start_year=2023) for p in rows]


SOFTWARE_MIN, SOFTWARE_MAX = wan("80"), wan("600")


def _linyou(codes: Codes) -> list[ProjectPlan]:
    note = "金额为演示生成。"
    return [_named(p, codes.next(p.region, p.year), wan(p.demo_wan or "0"), note) for p in t.LINYOU_PROJECTS]


def split_capped(total: Decimal, weights: Sequence[float], caps: Sequence[Decimal]) -> list[Decimal]:
    """`total` 元 in parts proportional to the weights, none above its cap: each part a positive whole
    100元 but the one with the highest cap, which takes the remainder (so the parts sum to `total` to the
    分). A part that would pass its cap is held at it and the rest shared again among the others."""
    parts: dict[int, Decimal] = {}
    # The part with the most room takes the remainder (the others' rounding).
    roomiest = max(range(len(weights)), key=lambda i: caps[i])
    free = [i for i in range(len(weights)) if i != roomiest] + [roomiest]
    remaining = total
    while True:
        scale = remaining / STEP / Decimal(sum(weights[i] for i in free))
        trial = {i: max(STEP, (Decimal(weights[i]) * scale).to_integral_value(ROUND_HALF_UP) * STEP) for i in free}
        over = [i for i in free if trial[i] > caps[i]]
        if not over:
            break
        if len(over) == len(free):
            raise ValueError(f"{total}元超过各项上限之和")
        for i in over:
            parts[i] = caps[i]
            remaining -= caps[i]
            free.remove(i)
    for i in free[:-1]:
        parts[i] = trial[i]
    last = free[-1]
    parts[last] = remaining - sum((trial[i] for i in free[:-1]), Decimal(0))
    if not 0 < parts[last] <= caps[last]:
        raise ValueError(f"{total}元无法在上限内拆分")
    return [parts[i].quantize(Decimal("0.01")) for i in range(len(weights))]


def _county_reviewed(fig: t.ReviewFigures, orgs: list[OrgPlan], codes: Codes) -> list[ProjectPlan]:
    """A county's projects of one year, every one through a budget review (tables.COUNTY_REVIEWS): those
    cut whole cancelled, the others budgeted at their 审定 amount. Where the county did not assess them,
    none is a new project of 100万元 or more (宝鸡's threshold would have required an assessment)."""
    name = REGION_NAMES[fig.region]
    context = f"{name}{fig.year}年{fig.count}个项目预算评审，送审合计{fig.submitted}万元"
    gen = Generator(fig.region, fig.year, _owners(orgs, fig.region), codes, context)
    whole = fig.cancelled or fig.rejected
    whole_total = wan(fig.cancelled_total) if fig.cancelled else None
    weights = lognormal_weights(gen.rng, fig.count, 1.0, 0.15)
    if whole_total is None:
        amounts = split_exact(wan(fig.submitted), weights)
        cut_whole = set(gen.rng.sample(range(fig.count), whole)) if whole else set()
    else:
        amounts = split_exact(whole_total, weights[:whole]) + split_exact(
            wan(fig.submitted) - whole_total, weights[whole:]
        )
        cut_whole = set(range(whole))
    # The rest of 审减 falls on some of the others (a review leaves many requests as they are), at most
    # 70% of a request.
    cut = wan(fig.reduced) - sum((amounts[i] for i in cut_whole), Decimal(0))
    kept = [i for i in range(fig.count) if i not in cut_whole]
    share = min(Decimal(1), 2 * cut / sum((amounts[i] for i in kept), Decimal(0)))
    cut_rows = [i for i in kept if gen.rng.random() < share] or kept
    caps = [(amounts[i] * Decimal("0.7") / STEP).to_integral_value(ROUND_FLOOR) * STEP for i in cut_rows]
    cuts = dict(
        zip(
            cut_rows,
            split_capped(cut, [gen.rng.uniform(0.2, 1.0) * float(amounts[i]) for i in cut_rows], caps),
            strict=True,
        )
    )
    note = "经预算评审后安排。"
    rows = gen.rows(SPECIFIC, amounts, note=note)
    out = []
    for i, p in enumerate(rows):
        if i in cut_whole:
            p = replace(
                p,
                status=CANCELLED,
                reviewed=Decimal("0.00"),
                description=p.description.replace(note, "预算评审未予安排，项目取消。"),
            )
        else:
            p = replace(p, reviewed=p.amount - cuts.get(i, Decimal(0)))
        if not fig.assessed and p.is_new and p.amount >= BAOJI_THRESHOLD:
            p = replace(p, is_new=False, start_year=fig.year - 1)
        out.append(p)
    return out


BAOJI_THRESHOLD = wan("100")  # 宝鸡's ex-ante threshold (tables.RULES), inherited by its counties


def _declaring(orgs: list[OrgPlan], codes: Codes) -> list[ProjectPlan]:
    """Projects declared with their goals and awaiting review (`tables.DECLARING`)."""
    plans: list[ProjectPlan] = []
    for region, year, owner_keys, total, count in t.DECLARING:
        owners = [o for o in _owners(orgs, region) if o.key in owner_keys]
        context = f"{REGION_NAMES[region]}{year}年预算申报中、绩效目标审核中的项目"
        gen = Generator(region, year, owners, codes, context)
        amounts = split_exact(wan(total), lognormal_weights(gen.rng, count, 0.6, 0.3))
        plans += gen.rows(SPECIFIC, amounts, owners=[owners[i % len(owners)] for i in range(count)], status=SUBMITTED)
    return plans


def plan_projects(orgs: list[OrgPlan]) -> list[ProjectPlan]:
    codes = Codes()
    return [
        *_zhongyang(orgs, codes),
        *_yuechi(orgs, codes),
        *_caidian(orgs, codes),
        *_lvliang(codes),
        *_baoji(orgs, codes),
        *_linyou(codes),
        *_declaring(orgs, codes),
        *[p for fig in t.COUNTY_REVIEWS for p in _county_reviewed(fig, orgs, codes)],
        *_department_overall(orgs, codes),
        *_zhongyang_2023(orgs, codes),
        *_fengxian(orgs, codes),
    ]


def _fengxian(orgs: list[OrgPlan], codes: Codes) -> list[ProjectPlan]:
    """凤县's 2023 projects: the 88 of its 财政重点监控 (`tables.FENGXIAN_MONITORING`), 特定目标类 of many years'
    running (「覆盖面广、实施期长」). None is a new project of 100万元 or more: 宝鸡's threshold would have
    required an ex-ante assessment the report does not speak of."""
    fig = t.FENGXIAN_MONITORING
    context = f"凤县2023年财政重点监控{fig.count}个项目、{fig.total}万元的组成部分"
    gen = Generator(fig.region, fig.year, _owners(orgs, fig.region), codes, context)
    amounts = split_exact(wan(fig.total), lognormal_weights(gen.rng, fig.count, 0.9, 0.2))
    return [
        replace(p, is_new=False, start_year=fig.year - 2) if p.is_new and p.amount >= BAOJI_THRESHOLD else p
        for p in gen.rows(SPECIFIC, amounts)
    ]


# --- goals -------------------------------------------------------------------------------------------

APPROVED, IN_REVIEW, PASSED, DRAFT = "approved", "in_review", "passed", "draft"
EXEMPT = DEFINITIONS["goals.exempt_categories"].default  # 人员类, 公用经费
FAULT_SHARE = 0.15
# The faults a demo goal may carry, each named by the goal check that must find it.
FAULTS = (
    "vague_target",
    "input_as_output",
    "missing_benefit",
    "empty_unit",
    "duplicate_indicator",
    "cost_above_budget",
    "satisfaction_above_100",
    "below_last_year",
)
VAGUE_TARGETS = ("效果明显", "有所提升", "进一步加强", "逐步完善")
# Units whose outputs are counted in whole numbers.
WHOLE_UNITS = {"个", "座", "所", "家", "户", "人", "人次", "台（套）", "处", "条", "项", "间", "盏", "套", "场", "次",
               "卷", "册", "块", "功能点", "篇", "件", "辆", "种"}  # fmt: skip


@dataclass(frozen=True)
class IndicatorPlan:
    level1: str
    level2: str
    name: str
    operator: str
    target_value: Decimal | None
    target_text: str
    unit: str
    explanation: str
    scoring_rule: str
    basis: str
    data_source: str
    last_year_actual: Decimal | None = None
    remark: str = ""


@dataclass(frozen=True)
class GoalPlan:
    """The goal of one project. `status` is the one the bulk writer states (None: a draft, as a unit
    saves it); `walk` names the review path the loader takes through the services instead ("" for
    none): "step2" … "step4" (pending at that step), "passed", "returned". `fault` is the check id the
    goal's deliberate fault must trigger ("" for a clean goal)."""

    region: str
    project_code: str
    fiscal_year: int
    status: str | None
    annual_goal: str
    mid_term_goal: str
    has_beneficiaries: bool
    indicators: tuple[IndicatorPlan, ...]
    fault: str = ""
    walk: str = ""


def _draw(rng: random.Random, tpl: ind.Template, amount: Decimal) -> Decimal | None:
    if tpl.low is None or tpl.high is None:
        return None
    low, high = tpl.low, tpl.high
    places = max(-int(low.as_tuple().exponent), -int(high.as_tuple().exponent))
    value = Decimal(str(rng.uniform(float(low), float(high))))
    if tpl.scale == ind.BUDGET:
        return yuan_to_wan(amount * value.quantize(Decimal("0.01")), 2)
    if tpl.scale == ind.PER_AMOUNT:
        count = amount / value.quantize(Decimal(1))
        if tpl.unit in WHOLE_UNITS or count >= 100:
            return max(Decimal(1), count.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return max(Decimal("0.01"), count.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) if low != high else low


def _indicator(rng: random.Random, tpl: ind.Template, p: ProjectPlan) -> IndicatorPlan:
    value = _draw(rng, tpl, p.amount)
    last = None
    # Continuing projects report last year's actual for their upward targets, at or below this year's.
    if not p.is_new and value is not None and tpl.operator in ("≥", "=") and tpl.scale == ind.FIXED:
        last = value if tpl.operator == "=" else (value * Decimal(str(rng.uniform(0.85, 1.0)))).quantize(value)
    return IndicatorPlan(
        tpl.level1,
        tpl.level2,
        tpl.name,
        tpl.operator,
        value,
        tpl.text if value is None else str(value),
        tpl.unit,
        tpl.explanation,
        tpl.scoring_rule,
        tpl.basis,
        tpl.data_source,
        last,
    )


def _pick(rng: random.Random, pool: list[ind.Template], has_beneficiaries: bool) -> list[ind.Template]:
    """A subset as a form fills it: 1–2 数量, 1–2 质量, a 时效, often a 成本, 1–2 效益 and, where the
    project serves people directly, 满意度; at most one 定性 indicator (the rest must be measurable)."""

    def of(*level2s: str) -> list[ind.Template]:
        return [tpl for tpl in pool if tpl.level2 in level2s]

    benefits = [tpl for tpl in pool if tpl.level1 == "效益指标"]
    chosen = rng.sample(of("数量指标"), min(len(of("数量指标")), rng.choice([1, 1, 2])))
    chosen += rng.sample(of("质量指标"), min(len(of("质量指标")), rng.choice([1, 2])))
    chosen += rng.sample(of("时效指标"), min(len(of("时效指标")), 1))
    costs = [tpl for tpl in pool if "成本" in tpl.level2]
    if costs and rng.random() < 0.6:
        chosen.append(rng.choice(costs))
    chosen += rng.sample(benefits, min(len(benefits), rng.choice([1, 2, 2])))
    if has_beneficiaries:
        chosen += of("服务对象满意度指标")[:1]
    qualitative = [tpl for tpl in chosen if tpl.operator == "定性"]
    measured_benefit = any(tpl.level1 == "效益指标" and tpl.operator != "定性" for tpl in chosen)
    # The one 定性 kept is the benefit when it is the only benefit, so that the goal keeps its 效益.
    benefit = next((q for q in qualitative if q.level1 == "效益指标"), None)
    kept = qualitative[0] if qualitative and measured_benefit else benefit
    return [tpl for tpl in chosen if tpl.operator != "定性" or tpl is kept]


def _target(i: IndicatorPlan) -> str:
    return i.target_text if i.operator == "定性" else f"{i.operator}{i.target_text}{i.unit}"


def _goal_texts(p: ProjectPlan, indicators: list[IndicatorPlan]) -> tuple[str, str]:
    """年度目标 and 中期目标 in the forms' words: what is done, how much, to what effect."""
    outputs = [i for i in indicators if i.level2 == "数量指标"][:2]
    effects = [i for i in indicators if i.level1 != "产出指标"][:2]
    said = "，".join(f"{i.name}{_target(i)}" for i in [*outputs, *effects])
    annual = f"{p.fiscal_year}年完成{said}，确保资金使用规范、项目按期实施。"
    mid = ""
    start, end = p.start_year or p.fiscal_year, p.end_year or p.fiscal_year
    if end > start:
        what = p.name.removeprefix(f"{p.fiscal_year}年")
        mid = f"{start}—{end}年分年度实施{what}，按期全面完成项目任务并持续发挥效益。"
    return annual, mid


def _with_fault(rng: random.Random, fault: str, p: ProjectPlan, indicators: list[IndicatorPlan]) -> list[IndicatorPlan]:
    """The goal with `fault` worked in, as units get it wrong."""
    out = list(indicators)
    if fault == "vague_target":
        at = next(n for n, i in enumerate(out) if i.level1 == "效益指标")
        out[at] = replace(out[at], operator="定性", target_value=None, target_text=rng.choice(VAGUE_TARGETS), unit="")
    elif fault == "input_as_output":
        tpl = ind.rate("数量", "资金到位率")
        out.insert(1, _indicator(rng, tpl, p))
    elif fault == "missing_benefit":
        out = [i for i in out if i.level1 != "效益指标"]
    elif fault == "empty_unit":
        at = next(n for n, i in enumerate(out) if i.target_value is not None)
        out[at] = replace(out[at], unit="")
    elif fault == "duplicate_indicator":
        out.append(rng.choice(out))
    elif fault == "cost_above_budget":
        # 万元 typed as 元's figure, or the whole multi-year investment against this year's budget.
        over = yuan_to_wan(p.amount * Decimal(str(round(rng.uniform(1.1, 1.6), 2))), 2)
        cost = replace(_indicator(rng, ind.ceiling("项目总成本"), p), target_value=over, target_text=str(over))
        out.insert(len([i for i in out if i.level1 == "产出指标"]), cost)
    elif fault == "satisfaction_above_100":
        at = next(n for n, i in enumerate(out) if i.level1 == "满意度指标")
        out[at] = replace(out[at], target_value=Decimal(110), target_text="110")
    elif fault == "below_last_year":
        upward = [n for n, i in enumerate(out) if i.operator == "≥" and i.target_value is not None]
        at = next((n for n in upward if out[n].level2 == "数量指标"), upward[0])  # the output, as usual
        target = out[at].target_value
        assert target is not None
        unit_step = Decimal(1).scaleb(int(target.as_tuple().exponent))  # at least one step above, however small
        last = max((target * Decimal("1.2")).quantize(target), target + unit_step)
        out[at] = replace(out[at], last_year_actual=last, remark="")
    return out


def _fault_for(rng: random.Random, p: ProjectPlan, indicators: list[IndicatorPlan], beneficiaries: bool) -> str:
    choices = [f for f in FAULTS if f != "satisfaction_above_100" or beneficiaries]
    if p.is_new or not any(i.operator == "≥" and i.target_value is not None for i in indicators):
        choices.remove("below_last_year")
    if not any(i.level1 == "效益指标" and i.operator != "定性" for i in indicators):
        choices.remove("vague_target")
    return rng.choice(choices)


def plan_goal(p: ProjectPlan, status: str | None, *, faulty: bool | None = None, walk: str = "") -> GoalPlan:
    """The goal of one project, drawn from its pool; `faulty` None lets the draw decide (FAULT_SHARE)."""
    rng = rng_for("goal", p.region, p.fiscal_year, p.code)
    domain = p.domain_tags[0] if p.domain_tags else t.GENERAL
    pool = ind.pool_for(p.name, domain=domain, kind=p.kind, category=p.category)
    if p.category == OPERATING:
        beneficiaries = rng.random() < 0.3
    else:
        beneficiaries = p.kind == "department_overall" or domain != t.GENERAL or rng.random() < 0.6
    indicators = [_indicator(rng, tpl, p) for tpl in _pick(rng, pool, beneficiaries)]
    fault = ""
    if faulty if faulty is not None else rng.random() < FAULT_SHARE:
        fault = _fault_for(rng, p, indicators, beneficiaries)
        indicators = _with_fault(rng, fault, p, indicators)
    annual, mid = _goal_texts(p, indicators)
    return GoalPlan(p.region, p.code, p.fiscal_year, status, annual, mid, beneficiaries, tuple(indicators), fault, walk)


# Goals walked through the review chain by the services, one per step, by region and year (the loader
# acts as the users of `tables.GOAL_REVIEWERS`); they are clean, since faults would stop the submission.
WALKS = {
    (t.TAIBAI, 2024): ["step1", "step2", "step3", "step4", "passed"],
    (t.ZHONGYANG, 2025): ["returned", "returned", "step1", "step2", "draft", "passed"],
}


def plan_goals(projects: list[ProjectPlan]) -> list[GoalPlan]:
    """A goal for every project whose category needs one (all demo projects: none is 人员类 or 公用经费).
    A budgeted project's goal was approved with its budget; 宝鸡's projects under appraisal have theirs
    in review (a few already passed, a few still drafts)."""
    plans: list[GoalPlan] = []
    walked: dict[tuple[str, int], int] = {}
    for p in projects:
        if p.category in EXEMPT:
            continue
        walk = WALKS.get((p.region, p.fiscal_year))
        if walk:
            n = walked.get((p.region, p.fiscal_year), 0)
            walked[(p.region, p.fiscal_year)] = n + 1
            plans.append(plan_goal(p, None, faulty=False, walk=walk[n % len(walk)]))
        elif p.status == BUDGETED:
            plans.append(plan_goal(p, APPROVED))
        elif p.status == CANCELLED:
            plans.append(plan_goal(p, DRAFT))  # declared with the project, never reviewed
        else:
            draw = rng_for("goal-status", p.region, p.code).random()
            goal = plan_goal(p, PASSED if draw < 0.15 else DRAFT if draw < 0.3 else IN_REVIEW)
            if goal.status != DRAFT and goal.fault and CHECKS[goal.fault].default_severity == BLOCKING:
                goal = replace(goal, status=DRAFT)  # the checks stop a blocking fault at submission
            plans.append(goal)
    return plans


# --- the indicator library ---------------------------------------------------------------------------

COMMON_MIN_PHRASES = 3  # a template in this many phrases' pools is common (共性)
# Finance bureaus that keep 共性 entries: those of the regions with budget units. 宝鸡's other counties
# and districts see 宝鸡市's entries (a 共性 entry reaches the regions below its own).
LIBRARY_REGIONS = [r for r in t.BUREAU_REGIONS if r in t.DEPARTMENT_COUNTS]
# Departments that keep 个性 indicators: (region, department key, domain whose phrases they come from).
SPECIFIC_KEEPERS = [
    (t.ZHONGYANG, "jiaotong", t.TRANSPORT),
    (t.ZHONGYANG, "nongye", t.RURAL),
    (t.YUECHI, "zhujian", t.URBAN),
    (t.TAIBAI, "nongye", t.RURAL),
]


@dataclass(frozen=True)
class LibraryPlan:
    """One entry of the 指标库: 共性 of the region's finance bureau (`department` empty) or 个性 of a
    department (its key in the region)."""

    region: str
    department: str
    template: ind.Template
    domain: str
    typical_target: str


def _phrase_pools() -> list[tuple[str, list[ind.Template]]]:
    pools = [
        (d, ind.pool_for(phrase, domain=d, kind="project", category=SPECIFIC))
        for d, phrases in t.SPECIFIC_PHRASES.items()
        for phrase in phrases
    ]
    pools += [
        (t.GENERAL, ind.pool_for(p, domain=t.GENERAL, kind="project", category=SPECIFIC)) for p in t.SOFTWARE_PHRASES
    ]
    pools += [
        (t.GENERAL, ind.pool_for(p, domain=t.GENERAL, kind="project", category=OPERATING)) for p in t.OPERATING_PHRASES
    ]
    return pools


def typical_target(tpl: ind.Template) -> str:
    """参考指标值 as a library shows it: the usual value or range; outputs sized by the budget have none."""
    if tpl.operator == "定性":
        return tpl.text
    if tpl.scale != ind.FIXED or tpl.low is None:
        return "按预算规模测算"
    span = f"{tpl.low}" if tpl.low == tpl.high else f"{tpl.low}～{tpl.high}"
    return f"{tpl.operator}{span}{tpl.unit}"


def plan_library() -> list[LibraryPlan]:
    pools = _phrase_pools()
    phrases: dict[tuple[str, str, str], int] = {}
    domains: dict[tuple[str, str, str], set[str]] = {}
    first: dict[tuple[str, str, str], ind.Template] = {}
    for domain, pool in pools:
        for tpl in pool:
            phrases[tpl.key] = phrases.get(tpl.key, 0) + 1
            domains.setdefault(tpl.key, set()).add(domain)
            first.setdefault(tpl.key, tpl)
    common = [first[k] for k, n in phrases.items() if n >= COMMON_MIN_PHRASES]
    plans = [
        LibraryPlan(
            region, "", tpl, next(iter(domains[tpl.key])) if len(domains[tpl.key]) == 1 else "", typical_target(tpl)
        )
        for region in LIBRARY_REGIONS
        for tpl in common
    ]
    common_keys = {tpl.key for tpl in common}
    for region, department, domain in SPECIFIC_KEEPERS:
        own = [tpl for phrase in t.SPECIFIC_PHRASES[domain] for tpl in ind.PHRASE_OWN[phrase]]
        seen: set[tuple[str, str, str]] = set()
        for tpl in own:
            if tpl.key not in common_keys and tpl.key not in seen:
                seen.add(tpl.key)
                plans.append(LibraryPlan(region, department, tpl, domain, typical_target(tpl)))
    return plans


# --- self-evaluations (绩效自评) ----------------------------------------------------------------------


def _department_overall(orgs: list[OrgPlan], codes: Codes) -> list[ProjectPlan]:
    """部门整体支出 of every department of the regions in `tables.OVERALL_BUDGETS`, one each, sized by draw."""
    plans: list[ProjectPlan] = []
    for b in t.OVERALL_BUDGETS:
        departments = [o for o in _owners(orgs, b.region) if o.kind == "department"]
        gen = Generator(b.region, b.year, departments, codes, b.note)
        amounts = split_exact(wan(b.total), lognormal_weights(gen.rng, len(departments), 0.8, 0.3))
        for d, amount in zip(departments, amounts, strict=True):
            plans.append(
                ProjectPlan(
                    b.region,
                    codes.next(b.region, b.year),
                    f"{d.name}{b.year}年度部门整体支出",
                    d.key,
                    b.year,
                    SPECIFIC,
                    amount,
                    kind="department_overall",
                    domain_tags=(d.domain,),
                    start_year=b.year,
                    end_year=b.year,
                    description=f"演示生成：金额为生成数据（{b.note}）。",
                    generated=True,
                )
            )
    return plans


def _zhongyang_2023(orgs: list[OrgPlan], codes: Codes) -> list[ProjectPlan]:
    """中阳's 2023 projects of the departments its spot check names (`tables.ZHONGYANG_2023_EVALUATED`)."""
    keys, total, count = t.ZHONGYANG_2023_EVALUATED
    owners = [o for o in _owners(orgs, t.ZHONGYANG) if o.key in keys]
    context = "中阳县2023年预算项目（2024年在省预算管理一体化系统完成绩效自评）"
    gen = Generator(t.ZHONGYANG, 2023, owners, codes, context)
    amounts = split_exact(wan(total), lognormal_weights(gen.rng, count, 0.9, 0.2))
    return gen.rows(SPECIFIC, amounts, owners=[owners[i % len(owners)] for i in range(count)])


@dataclass(frozen=True)
class SelfEvalPlan:
    """How one project's self-evaluation turns out: the execution rate, and the one indicator (by position
    in the goal, -1 for none) that fell short, to `shortfall` of its target. Everything else is met."""

    region: str
    project_code: str
    fiscal_year: int
    execution_rate: Decimal
    missed: int
    shortfall: Decimal


def evaluated(p: ProjectPlan) -> bool:
    """The projects whose self-evaluations the demo carries: 蔡甸's 2023 projects and department budgets,
    岳池's 2022 department budgets, 中阳's 2023 projects."""
    if p.status != BUDGETED:
        return False
    if p.region == t.CAIDIAN:
        return p.fiscal_year == 2023
    if p.region == t.YUECHI:
        return p.kind == "department_overall"
    return p.region == t.ZHONGYANG and p.fiscal_year == 2023 and p.generated


def plan_self_evaluation(p: ProjectPlan, indicators: int) -> SelfEvalPlan:
    """Most units report every target met and money spent (the reports' complaint: nearly all 优); about
    one in five falls short on one indicator, and a few spend slowly. 中阳's are all met (all 优)."""
    rng = rng_for("selfeval", p.region, p.fiscal_year, p.code)
    rate = Decimal(str(round(rng.uniform(0.93, 1.0), 4)))
    if rng.random() < 0.08:
        rate = Decimal(str(round(rng.uniform(0.72, 0.9), 4)))
    missed, shortfall = -1, Decimal(1)
    if p.region != t.ZHONGYANG and indicators and rng.random() < 0.22:
        missed = rng.randrange(indicators)
        shortfall = Decimal(str(round(rng.uniform(0.55, 0.95), 2)))
    if p.region == t.ZHONGYANG:
        rate = max(rate, Decimal("0.95"))
    return SelfEvalPlan(p.region, p.code, p.fiscal_year, rate, missed, shortfall)


def plan_self_evaluations(projects: list[ProjectPlan], goals: list[GoalPlan]) -> list[SelfEvalPlan]:
    sizes = {(g.region, g.project_code): len(g.indicators) for g in goals}
    return [plan_self_evaluation(p, sizes.get((p.region, p.code), 0)) for p in projects if evaluated(p)]


def actual_for(operator: str, target: Decimal, share: Decimal) -> Decimal:
    """The actual value reported against a target: met (`share` 1) or missed to `share` of it (above a
    ceiling by as much). Whole targets stay whole."""
    places = max(0, -int(target.as_tuple().exponent))
    step = Decimal(1).scaleb(-places)
    if share >= 1:
        return target
    if operator in ("≤", "<"):
        value = target * (2 - share) if target > 0 else step
        return max(value.quantize(step, rounding=ROUND_HALF_UP), target + step)
    if operator == "=" and target <= 0:
        return step
    return min((target * share).quantize(step, rounding=ROUND_HALF_UP), target - step)
