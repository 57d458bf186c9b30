"""The demo plan: every organization and project the demo loads, worked out without the database.

The plan is a pure function of `jixiao.demo.tables`: the same on every run (generated parts draw on
`random.Random` seeded per region and year), so loading it twice finds everything already there.
Amounts are split exactly: each generated amount is a whole number of 0.01万元 (100元), and the last
row of a split takes whatever the others leave of the reported total, so the totals hold to the 分.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from jixiao.demo import tables as t
from jixiao.rules.money import wan_to_yuan

STEP = Decimal(100)  # generated amounts are whole 0.01万元
FIVE_MILLION = Decimal(5_000_000)  # 500万元, the 中阳 ex-ante threshold

SPECIFIC = "特定目标类"
OPERATING = "其他运转类"
GENERAL_BUDGET = "一般公共预算"
FUND_BUDGET = "政府性基金预算"
BUDGETED = "budgeted"
SUBMITTED = "submitted"


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

    @property
    def approved(self) -> Decimal | None:
        """A compiled budget is approved as requested; a project still under appraisal has no approval."""
        return self.amount if self.status == BUDGETED else None


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
    return plans + other + specific


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
    rows = gen.rows(SPECIFIC, amounts, status=SUBMITTED, software=6, note="待事前绩效评估和预算评审。")
    return [replace(p, is_new=True, start_year=2023) for p in rows]


def _linyou(codes: Codes) -> list[ProjectPlan]:
    note = "金额为演示生成。"
    return [_named(p, codes.next(p.region, p.year), wan(p.demo_wan or "0"), note) for p in t.LINYOU_PROJECTS]


def plan_projects(orgs: list[OrgPlan]) -> list[ProjectPlan]:
    codes = Codes()
    return [
        *_zhongyang(orgs, codes),
        *_yuechi(orgs, codes),
        *_caidian(orgs, codes),
        *_lvliang(codes),
        *_baoji(orgs, codes),
        *_linyou(codes),
    ]
