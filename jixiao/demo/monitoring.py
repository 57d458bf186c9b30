"""绩效运行监控 in the demo: a year of payments and a monitoring round for 中阳 2024 and 凤县 2023.

The plan (`plan_monitoring`) is a pure function of the project plan and `tables.*_MONITORING`. Each
monitored project (budgeted, not tagged 科研) gets a spending profile, judged at the round's cut-off month
by the warning rules with their default lines (red below 60, yellow below 80 of time progress; three
months behind in a row is red):

- 按进度 (on course): spending at or above 81% of time progress every month — green;
- 略慢 (somewhat slow): on course until two months before the cut-off, then 72–78% — yellow, and not
  three months behind;
- 滞后 (behind): 30–55% of time progress every month — red on both spending rules.

After the cut-off the spending goes on to the year's end; a project whose money was recovered spends
at most what is left, and a suspended one (暂缓拨款) pays nothing more after the month the round is
reported in. 中阳: 70% on course, 18% somewhat slow, 12% behind; 1868万元 recovered from behind projects of
200万元 or more, each at most 60% of what was unspent at the cut-off. 凤县: 4 behind, the others on course;
9 others off target (one indicator far behind and declared 不可能), 2 of them suspended, and findings
recorded until the measures number 21 (each approved disposition creates one rectification item too).

The load writes the payments as one CSV through the payments import (set-based; skipped when the batch in
force is the same file, since the import records an event even for a repeated file), then opens the round
through the monitoring services (the reports are generated and prefilled from the payments), fills 凤县's
forms, computes the warnings, selects the 重点监控 projects by the rule and records the dispositions. A
round already there is left as it is. 中阳's indicator columns are left as generated (the report gives no
indicator figures), so their indicator warnings are 待人工判断.
"""

import hashlib
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from jixiao.demo import tables as t
from jixiao.demo.generate import BUDGETED, REGION_NAMES, ProjectPlan, rng_for, split_capped, wan
from jixiao.monitoring import compute
from jixiao.monitoring import services as monitoring
from jixiao.monitoring.models import Cause, Disposition, Likelihood, MonitoringReport, MonitoringRound
from jixiao.monitoring.services import IndicatorEntry, ReportEntry
from jixiao.orgs.models import Region, User
from jixiao.payments.models import WHOLE_YEAR, PaymentBatch
from jixiao.payments.services import import_payments

ON_COURSE, SLOW, BEHIND = "on_course", "slow", "behind"
CENT = Decimal("0.01")
KEY_MIN = wan("200")  # recovered from behind projects of at least this 全年预算数
RECOVER_SHARE = Decimal("0.6")  # at most this share of what was unspent at the cut-off
FIGURES = (t.ZHONGYANG_MONITORING, t.FENGXIAN_MONITORING)


@dataclass(frozen=True)
class ProjectMonitoring:
    code: str
    budget: Decimal  # 全年预算数, 元
    fund_source: str
    profile: str
    cumulative: tuple[Decimal, ...]  # spending to the end of each month 1–12, 元
    recovered: Decimal | None = None  # 收回资金, 元
    off_target: bool = False
    suspended: bool = False
    findings: tuple[str, ...] = ()  # rectification items the finance bureau records from its re-check


@dataclass(frozen=True)
class RoundPlan:
    figures: t.MonitoringFigures
    projects: tuple[ProjectMonitoring, ...]

    def csv(self) -> str:
        """The year's payments as the budget system exports them: one row per project and month paid."""
        lines = ["项目编码,月份,金额（元）,资金来源"]
        for p in self.projects:
            before = Decimal(0)
            for month, to_date in enumerate(p.cumulative, start=1):
                if to_date > before:
                    lines.append(f"{p.code},{month},{to_date - before},{p.fund_source}")
                before = to_date
        return "\n".join(lines) + "\n"


def _monitored(projects: list[ProjectPlan], fig: t.MonitoringFigures) -> list[ProjectPlan]:
    return [
        p
        for p in projects
        if p.region == fig.region
        and p.fiscal_year == fig.year
        and p.status == BUDGETED
        and t.RESEARCH not in p.domain_tags
    ]


def _share(month: int, rate: Decimal) -> Decimal:
    """Spending share of the budget at the end of `month` when it runs at `rate` of time progress."""
    return Decimal(month) / 12 * rate


def _cumulative(
    budget: Decimal, profile: str, cutoff: int, rng: random.Random, *, ceiling: Decimal | None = None, stop: int = 12
) -> tuple[Decimal, ...]:
    """Spending to the end of each month: the profile up to the cut-off, then evenly to the year-end
    share (at most `ceiling` 元 in all; nothing more after month `stop`)."""
    if profile == ON_COURSE:
        early = late = Decimal(str(round(rng.uniform(0.85, 1.0), 3)))
        year_end = Decimal(str(round(rng.uniform(0.95, 1.0), 3)))
    elif profile == SLOW:
        early = Decimal(str(round(rng.uniform(0.81, 0.82), 3)))
        late = Decimal(str(round(rng.uniform(0.72, 0.78), 3)))
        year_end = Decimal(str(round(rng.uniform(0.88, 0.97), 3)))
    else:
        early = late = Decimal(str(round(rng.uniform(0.30, 0.55), 3)))
        year_end = Decimal(str(round(rng.uniform(0.60, 0.90), 3)))
    shares = [_share(m, early if m < cutoff - 1 or profile != SLOW else late) for m in range(1, cutoff + 1)]
    at_cutoff = shares[-1]
    shares += [at_cutoff + (year_end - at_cutoff) * (m - cutoff) / (12 - cutoff) for m in range(cutoff + 1, 13)]
    amounts = [(budget * s).quantize(CENT, ROUND_DOWN) for s in shares]
    if ceiling is not None:
        amounts = [a if m <= cutoff else min(a, max(ceiling, amounts[cutoff - 1])) for m, a in enumerate(amounts, 1)]
    amounts = [a if m <= stop else amounts[stop - 1] for m, a in enumerate(amounts, start=1)]
    return tuple(amounts)


def plan_round(projects: list[ProjectPlan], fig: t.MonitoringFigures) -> RoundPlan:
    rng = rng_for("monitoring", fig.region, fig.year)
    monitored = _monitored(projects, fig)
    budgets = [p.adjusted or p.amount for p in monitored]
    if fig.behind or fig.off_target:
        picked = rng.sample(range(len(monitored)), fig.behind + fig.off_target)
        behind, off = set(picked[: fig.behind]), picked[fig.behind :]
        profiles = [BEHIND if i in behind else ON_COURSE for i in range(len(monitored))]
    else:
        draws = [rng.random() for _ in monitored]
        profiles = [ON_COURSE if d < 0.70 else SLOW if d < 0.88 else BEHIND for d in draws]
        off = []
    suspended = set(off[: t.FENGXIAN_SUSPENDED]) if fig.off_target else set()
    # A suspended project is paid nothing after the month the round is reported in.
    cumulative = [
        _cumulative(
            b, pr, fig.cutoff_month, rng_for("payments", fig.region, p.code),
            stop=fig.cutoff_month + 1 if i in suspended else 12,
        )
        for i, (p, b, pr) in enumerate(zip(monitored, budgets, profiles, strict=True))
    ]  # fmt: skip
    recovered: dict[int, Decimal] = {}
    if fig.recovered:
        big = [i for i, pr in enumerate(profiles) if pr == BEHIND and budgets[i] >= KEY_MIN]
        unspent = {i: budgets[i] - cumulative[i][fig.cutoff_month - 1] for i in big}
        cap = {i: (unspent[i] * RECOVER_SHARE / 100).to_integral_value(ROUND_DOWN) * 100 for i in big}
        # Projects drawn until their caps leave room to spare (twice the amount), so no cap decides alone.
        chosen, room = [], Decimal(0)
        for i in rng.sample(big, len(big)):
            if room >= 2 * wan(fig.recovered):
                break
            chosen.append(i)
            room += cap[i]
        chosen.sort()
        caps = [cap[i] for i in chosen]
        amounts = split_capped(wan(fig.recovered), [float(c) for c in caps], caps)
        for i, amount in zip(chosen, amounts, strict=True):
            recovered[i] = amount
            rest = rng_for("payments", fig.region, monitored[i].code)
            cumulative[i] = _cumulative(budgets[i], BEHIND, fig.cutoff_month, rest, ceiling=budgets[i] - amount)
    findings = _findings(fig, profiles, off, suspended)
    return RoundPlan(
        fig,
        tuple(
            ProjectMonitoring(
                p.code,
                budgets[i],
                p.fund_sources[0],
                profiles[i],
                cumulative[i],
                recovered.get(i),
                off_target=i in off,
                suspended=i in suspended,
                findings=findings.get(i, ()),
            )
            for i, p in enumerate(monitored)
        ),
    )


FINDINGS = {
    BEHIND: ("加快项目实施和资金拨付进度，按月报送支出进度", "分析支出滞后原因，对确实无法支出的资金及时报请收回"),
    "off": ("对照年度绩效目标调整实施计划，补足未完成的产出任务", "完善项目管理制度，明确绩效目标责任人和完成时限"),
}


def _findings(
    fig: t.MonitoringFigures, profiles: list[str], off: list[int], suspended: set[int]
) -> dict[int, tuple[str, ...]]:
    """凤县's rectification items from the re-check: one for each warned project that has no disposition,
    then a second for the first ones, until with the dispositions' items they number `fig.measures`."""
    if not fig.measures:
        return {}
    flagged = [(i, BEHIND) for i, pr in enumerate(profiles) if pr == BEHIND] + [(i, "off") for i in off]
    wanted = fig.measures - len(suspended)
    found: dict[int, list[str]] = {}
    for n in range(2):
        for i, kind in flagged:
            if wanted and (n or i not in suspended):
                found.setdefault(i, []).append(FINDINGS[kind][n])
                wanted -= 1
    if wanted:
        raise ValueError("凤县的改进措施数超过可生成的整改事项")
    return {i: tuple(items) for i, items in found.items()}


def plan_monitoring(projects: list[ProjectPlan]) -> list[RoundPlan]:
    return [plan_round(projects, fig) for fig in FIGURES]


# --- loading -----------------------------------------------------------------------------------------


@dataclass
class MonitoringLoad:
    payment_rows: int = 0
    rounds: int = 0
    dispositions: int = 0
    rectifications: int = 0
    notes: list[str] = field(default_factory=list)


def load_monitoring(
    plans: list[RoundPlan],
    regions: dict[str, Region],
    actor_for: Callable[[str], User],
    approver_for: Callable[[str], User],
) -> MonitoringLoad:
    done = MonitoringLoad()
    for plan in plans:
        fig = plan.figures
        region, actor = regions[fig.region], actor_for(fig.region)
        done.payment_rows += _payments(plan, region, actor)
        if MonitoringRound.objects.filter(region=region, year=fig.year, cutoff_month=fig.cutoff_month).exists():
            continue
        round_ = monitoring.open_round(actor=actor, region=region, year=fig.year, name=_round_name(fig), generated=True)
        if round_.cutoff_month != fig.cutoff_month:
            raise ValueError(f"{region.name}监控截止月份应为{fig.cutoff_month}月，规则给出{round_.cutoff_month}月")
        done.rounds += 1
        reports = {
            r.project.code: r
            for r in round_.reports.select_related("project__region", "project__owner", "round").prefetch_related(
                "indicators"
            )
        }
        if fig.off_target:  # 凤县's units report their indicators (中阳's report gives none)
            for p in plan.projects:
                _fill(actor, reports[p.code], p)
        compute.compute_warnings(actor=actor, round_=round_)
        monitoring.select_key_by_rule(actor=actor, round_=round_)
        approver = approver_for(fig.region)
        for p in plan.projects:
            report = reports[p.code]
            if p.recovered:
                _dispose(actor, approver, report, Disposition.Kind.RECOVER, p.recovered, RECOVER_REASON)
                done.dispositions += 1
            if p.suspended:
                _dispose(actor, approver, report, Disposition.Kind.SUSPEND, None, SUSPEND_REASON)
                done.dispositions += 1
            for text in p.findings:
                monitoring.add_rectification(actor=actor, report=report, text=text)
                done.rectifications += 1
    return done


def _round_name(fig: t.MonitoringFigures) -> str:
    return f"{REGION_NAMES[fig.region]}{fig.year}年1-{fig.cutoff_month}月绩效运行监控"


def _payments(plan: RoundPlan, region: Region, actor: User) -> int:
    content = plan.csv().encode("utf-8")
    sha = hashlib.sha256(content).hexdigest()
    fig = plan.figures
    in_force = PaymentBatch.objects.filter(
        region=region, fiscal_year=fig.year, period=WHOLE_YEAR, superseded_by=None
    ).order_by("-pk")
    if (batch := in_force.first()) is not None and batch.sha256 == sha:
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "payments.csv"
        path.write_bytes(content)
        result = import_payments(
            actor=actor,
            path=path,
            filename=f"{region.name}{fig.year}年支付数据（演示生成）.csv",
            region=region,
            fiscal_year=fig.year,
        )
    return result.rows


OFF_TARGET_CAUSES = [Cause.FUNDING, Cause.OTHER]
OFF_TARGET_MEASURES = "调整实施计划，集中力量推进未完成的产出任务，按月调度完成情况"
RECOVER_REASON = "截至监控截止月支出进度严重滞后，预计年底无法支出的资金收回统筹使用"
SUSPEND_REASON = "绩效目标偏离较大，整改到位前暂缓拨款"


def _fill(actor: User, report: MonitoringReport, p: ProjectMonitoring) -> None:
    """What the unit states (凤县): every indicator at its time progress and 确定能, except, for a project off
    target, one quantitative indicator at 30% of it, declared 不可能 with its causes and measures."""
    month = report.round.cutoff_month
    rows = list(report.indicators.all())
    lagging = next(
        (
            r.pk
            for r in rows
            if r.operator in ("≥", ">", "=") and r.target_value and r.target_value > 0 and r.unit not in ("%", "％")
        ),
        rows[0].pk if rows else None,
    )
    entries = []
    for r in rows:
        short = p.off_target and r.pk == lagging
        entry = IndicatorEntry(id=r.pk, likelihood=Likelihood.IMPOSSIBLE if short else Likelihood.CERTAIN)
        if r.target_value is not None and r.target_value > 0 and r.operator in ("≥", ">", "="):
            whole = r.unit in ("%", "％")
            share = Decimal(1) if whole else Decimal(month) / 12
            entry.value_to_date = (r.target_value * share * (Decimal("0.3") if short else 1)).quantize(CENT, ROUND_DOWN)
        elif r.target_value is not None and r.target_value > 0 and r.operator in ("≤", "<"):
            entry.value_to_date = (r.target_value / 2).quantize(CENT, ROUND_DOWN)
        elif not r.target_value:
            entry.value_to_date_text = "按计划推进" if not short else "进度明显滞后"
        if short:
            entry.causes, entry.measures = list(OFF_TARGET_CAUSES), OFF_TARGET_MEASURES
            entry.cause_analysis = "配套资金到位迟，部分任务未按计划开工"
        entries.append(entry)
    monitoring.save_report(actor=actor, report=report, data=ReportEntry(indicators=entries))


def _dispose(
    actor: User, approver: User, report: MonitoringReport, kind: str, amount: Decimal | None, reason: str
) -> None:
    proposed = monitoring.propose_disposition(
        actor=actor, project=report.project, kind=kind, reason=reason, amount=amount, report=report
    )
    monitoring.approve_disposition(actor=approver, disposition=proposed)
