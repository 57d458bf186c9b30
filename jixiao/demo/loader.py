"""Writing the demo plan through the services, once.

Regions, organizations, users and memberships are written by `jixiao.orgs.services` with the system as
the actor (`actor=None`: audit events name 系统). Projects and rules go through services that check
permissions with `jixiao.core.scoping`, which refuses a missing actor; they are written by the
performance user of the region (or of the region above it: 宝鸡市's for its counties), who is allowed to
create, decide on and configure everything in the region. Their audit events name that user and the
action `project.demo`.

What already exists (by region code, organization code, username, membership, rule value, project
code) is left alone, so a second run writes nothing: no rows, no history, no audit events. This loader
is a bootstrap tool acting as the system, so it looks up existing rows by their natural keys itself
rather than through the user-scoped selectors.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from jixiao.appraisals import bulk as appraisal_bulk
from jixiao.appraisals.services import ReviewAmounts
from jixiao.core import context
from jixiao.demo import tables as t
from jixiao.demo.appraisals import AppraisalPlan, plan_appraisals
from jixiao.demo.generate import (
    APPROVED,
    PASSED,
    GoalPlan,
    LibraryPlan,
    OrgPlan,
    ProjectPlan,
    SelfEvalPlan,
    actual_for,
    plan_goals,
    plan_library,
    plan_organizations,
    plan_projects,
    plan_self_evaluations,
    rng_for,
)
from jixiao.demo.monitoring import load_monitoring, plan_monitoring
from jixiao.evaluations import recheck_services
from jixiao.evaluations import services as evaluation_services
from jixiao.evaluations.models import IndicatorResult, SamplingPlan, SelfEvaluation
from jixiao.evaluations.services import FormEntry, IndicatorEntry
from jixiao.goals import library as library_services
from jixiao.goals import services as goal_services
from jixiao.goals.bulk import GoalRow, upsert_goals
from jixiao.goals.models import Goal, LibraryIndicator
from jixiao.goals.services import GoalInput, IndicatorInput
from jixiao.orgs import services as org_services
from jixiao.orgs.models import Membership, Organization, Region, RuleSetting, User
from jixiao.orgs.roles import Role
from jixiao.orgs.rules_config import resolve
from jixiao.projects import services as project_services
from jixiao.projects.models import DomainTag, Project
from jixiao.projects.services import ProjectInput
from jixiao.rules.config import definition
from jixiao.rules.scoring import ACHIEVED
from jixiao.rules.scoring import PARTIAL as PARTLY
from jixiao.rules.targets import QUALITATIVE

DEMO_ACTION = "project.demo"
GOAL_DEMO_ACTION = "goal.demo"
APPRAISAL_DEMO_ACTION = "appraisal.demo"


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    organization: str
    role: str


@dataclass
class LoadReport:
    regions: int = 0
    organizations: int = 0
    users: int = 0
    memberships: int = 0
    rules: int = 0
    projects_created: int = 0
    projects_updated: int = 0
    projects_unchanged: int = 0
    goals_created: int = 0
    goals_updated: int = 0
    goals_unchanged: int = 0
    goals_walked: int = 0
    library_entries: int = 0
    library_counts: int = 0
    assessments: int = 0
    budget_reviews: int = 0
    self_evaluations: int = 0
    rechecks: int = 0
    reevaluations: int = 0
    payment_rows: int = 0
    monitoring_rounds: int = 0
    dispositions: int = 0
    rectifications: int = 0
    seconds: float = 0.0
    accounts: list[Account] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.regions,
                self.organizations,
                self.users,
                self.memberships,
                self.rules,
                self.projects_created,
                self.projects_updated,
                self.goals_created,
                self.goals_updated,
                self.goals_walked,
                self.library_entries,
                self.library_counts,
                self.assessments,
                self.budget_reviews,
                self.self_evaluations,
                self.rechecks,
                self.reevaluations,
                self.payment_rows,
                self.monitoring_rounds,
                self.dispositions,
                self.rectifications,
            )
        )


def load(*, progress: Callable[[str], None] | None = None) -> LoadReport:
    """Load the demo in one transaction; what is already there is kept as it is."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    report = LoadReport()
    token = context.activate(context.ActionContext(channel="cli"))
    try:
        with transaction.atomic():
            regions = _regions(report)
            say(f"行政区划 {len(regions)} 个（新建 {report.regions}）")
            org_plans = plan_organizations()
            orgs = _organizations(org_plans, regions, report)
            say(f"机构 {len(orgs)} 个（新建 {report.organizations}）")
            users = _users(orgs, report)
            say(f"演示账号 {len(users)} 个（新建 {report.users}，新授角色 {report.memberships}）")
            _rules(users, regions, report)
            say(f"规则设置新增 {report.rules} 条")
            project_plans = plan_projects(org_plans)
            _projects(project_plans, orgs, users, report)
            say(
                f"项目 新建 {report.projects_created}，更新 {report.projects_updated}，未变 {report.projects_unchanged}"
            )
            goal_plans = plan_goals(project_plans)
            _goals(goal_plans, regions, users, report)
            say(
                f"绩效目标 新建 {report.goals_created}，更新 {report.goals_updated}，未变 {report.goals_unchanged}，"
                f"送审 {report.goals_walked}"
            )
            _library(plan_library(), regions, orgs, users, report)
            say(f"指标库 新增 {report.library_entries} 条，使用次数更新 {report.library_counts} 条")
            _appraisals(plan_appraisals(project_plans), orgs, users, report)
            say(f"事前绩效评估 新增 {report.assessments} 个，预算评审 新增 {report.budget_reviews} 个")
            _layout_rule(regions, users)
            _self_evaluations(plan_self_evaluations(project_plans, goal_plans), users, report)
            _spot_check(regions, users, report)
            _reevaluations(regions, users, report)
            say(
                f"绩效自评 新增 {report.self_evaluations} 份，抽查复核 {report.rechecks} 份，"
                f"再评价 {report.reevaluations} 个"
            )
            _monitoring(project_plans, regions, users, report)
            say(
                f"支付数据 新增 {report.payment_rows} 笔，绩效运行监控轮次 新增 {report.monitoring_rounds} 个，"
                f"监控处理 {report.dispositions} 项，整改事项 {report.rectifications} 项"
            )
    finally:
        context.deactivate(token)
    report.seconds = time.perf_counter() - started
    return report


def _regions(report: LoadReport) -> dict[str, Region]:
    existing = {r.code: r for r in Region.objects.filter(code__in=[c for c, _, _ in t.REGIONS])}
    for code, name, parent in t.REGIONS:
        if code not in existing:
            existing[code] = org_services.create_region(
                actor=None, code=code, name=name, parent=existing[parent] if parent else None
            )
            report.regions += 1
    return existing


OrgKey = tuple[str, str]  # (region code, key within the region)


def _organizations(plans: list[OrgPlan], regions: dict[str, Region], report: LoadReport) -> dict[OrgKey, Organization]:
    existing = {
        o.code: o
        for o in Organization.objects.filter(code__in=[p.code for p in plans]).select_related("region", "parent")
    }
    orgs: dict[OrgKey, Organization] = {}
    for p in plans:
        org = existing.get(p.code)
        if org is None:
            org = org_services.create_organization(
                actor=None,
                code=p.code,
                name=p.name,
                kind=p.kind,
                region=regions[p.region],
                parent=orgs[(p.region, p.parent_key)] if p.parent_key else None,
                division=p.division,
                is_generated=p.generated,
            )
            report.organizations += 1
        orgs[(p.region, p.key)] = org
    return orgs


def _users(orgs: dict[OrgKey, Organization], report: LoadReport) -> dict[str, User]:
    names = [u[0] for u in t.USERS]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    held = set(
        Membership.objects.filter(user__username__in=names).values_list("user__username", "organization__code", "role")
    )
    password_hash = make_password(t.DEMO_PASSWORD) if set(names) - set(users) else ""
    for username, display_name, region, key, role in t.USERS:
        org = orgs[(region, key)]
        if username not in users:
            users[username] = org_services.create_user(
                actor=None,
                username=username,
                password=t.DEMO_PASSWORD,
                display_name=display_name,
                password_hash=password_hash,
            )
            report.users += 1
        if (username, org.code, role) not in held:
            org_services.add_membership(actor=None, user=users[username], organization=org, role=role)
            report.memberships += 1
        report.accounts.append(Account(username, t.DEMO_PASSWORD, org.name, Role(role).label))
    # Fresh objects: scoping caches a user's grants on the instance, which must include the new roles.
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _actor_for(region: str, users: dict[str, User]) -> User:
    return users[t.REGION_ACTORS.get(region, t.BAOJI_ACTOR)]


def _rules(users: dict[str, User], regions: dict[str, Region], report: LoadReport) -> None:
    for region, key, value, source in t.RULES:
        latest = (
            RuleSetting.objects.filter(key=key, region=regions[region], fiscal_year__isnull=True)
            .order_by("-version")
            .first()
        )
        if latest is not None and latest.value == definition(key).check(value):
            continue
        org_services.set_rule(
            actor=_actor_for(region, users),
            key=key,
            region=regions[region],
            fiscal_year=None,
            value=value,
            source=source,
            note="演示数据",
        )
        report.rules += 1


def _projects(
    plans: list[ProjectPlan], orgs: dict[OrgKey, Organization], users: dict[str, User], report: LoadReport
) -> None:
    by_actor: dict[str, list[ProjectInput]] = {}
    for p in plans:
        actor = _actor_for(p.region, users)
        by_actor.setdefault(actor.username, []).append(_input(p, orgs[(p.region, p.owner_key)]))
    for username, rows in by_actor.items():
        rows, same = _changed(rows)
        report.projects_unchanged += same
        if not rows:
            continue
        result = project_services.upsert_projects(actor=users[username], rows=rows, action=DEMO_ACTION)
        report.projects_created += result.created
        report.projects_updated += result.updated
        report.projects_unchanged += result.unchanged


def _input(p: ProjectPlan, owner: Organization) -> ProjectInput:
    return ProjectInput(
        code=p.code,
        name=p.name,
        owner=owner,
        fiscal_year=p.fiscal_year,
        category=p.category,
        amount_requested=p.amount,
        kind=p.kind,
        budget_type=p.budget_type,
        fund_sources=list(p.fund_sources),
        domain_tags=list(p.domain_tags),
        is_new=p.is_new,
        start_year=p.start_year,
        end_year=p.end_year,
        amount_approved=p.approved,
        amount_adjusted=p.adjusted,
        description=p.description,
        is_generated=p.generated,
        status=p.status,
    )


def _state(data: ProjectInput) -> tuple[Any, ...]:
    start = data.start_year or data.fiscal_year
    return (
        data.name,
        data.owner.pk,
        data.category,
        data.kind,
        data.budget_type,
        frozenset(data.fund_sources),
        frozenset(data.domain_tags),
        data.is_new,
        start,
        data.end_year or start,
        data.amount_requested,
        data.amount_approved,
        data.amount_adjusted,
        data.description,
        data.is_generated,
        data.status,
    )


def _changed(rows: list[ProjectInput]) -> tuple[list[ProjectInput], int]:
    """The rows that are missing or differ from what is stored, and how many are already in place.

    `upsert_projects` would find the same (it writes nothing for an unchanged row) but validates every
    row on the way; comparing first, in three queries, makes a second run of the demo take a moment."""
    stored: dict[tuple[int, int, str], tuple[Any, ...]] = {}
    found = Project.objects.filter(
        region_id__in={r.owner.region_id for r in rows}, code__in={r.code for r in rows}
    ).prefetch_related("fund_sources", "domain_tags")
    for p in found:
        stored[(p.region_id, p.fiscal_year, p.code)] = (
            p.name,
            p.owner_id,
            p.category,
            p.kind,
            p.budget_type,
            frozenset(f.name for f in p.fund_sources.all()),
            frozenset(t.name for t in p.domain_tags.all()),
            p.is_new,
            p.start_year,
            p.end_year,
            p.amount_requested,
            p.amount_approved,
            p.amount_adjusted,
            p.description,
            p.is_generated,
            p.status,
        )
    changed = [r for r in rows if stored.get((r.owner.region_id, r.fiscal_year, r.code)) != _state(r)]
    return changed, len(rows) - len(changed)


# --- goals -------------------------------------------------------------------------------------------


def _goal_input(g: GoalPlan) -> GoalInput:
    return GoalInput(
        annual_goal=g.annual_goal,
        mid_term_goal=g.mid_term_goal,
        has_beneficiaries=g.has_beneficiaries,
        indicators=[
            IndicatorInput(
                level1=i.level1,
                level2=i.level2,
                name=i.name,
                operator=i.operator,
                target_value=i.target_value,
                target_text=i.target_text,
                unit=i.unit,
                explanation=i.explanation,
                scoring_rule=i.scoring_rule,
                basis=i.basis,
                data_source=i.data_source,
                last_year_actual=i.last_year_actual,
                remark=i.remark,
            )
            for i in g.indicators
        ],
    )


def _goals(plans: list[GoalPlan], regions: dict[str, Region], users: dict[str, User], report: LoadReport) -> None:
    """Goals through the bulk writer, as the region's performance user (who approved the budgets): an
    approved or passed goal with its status, the others as the unit saved them (drafts). Then the goals
    in review go through the services: submitted, and walked along their chain by its reviewers."""
    projects = {
        (p.region.code, p.fiscal_year, p.code): p
        for p in Project.objects.filter(
            region__code__in={g.region for g in plans}, code__in={g.project_code for g in plans}
        ).select_related("region")
    }
    by_actor: dict[str, list[GoalRow]] = {}
    for g in plans:
        project = projects[(g.region, g.fiscal_year, g.project_code)]
        # Only a stated status is written: a goal already submitted stays as the services left it.
        status = g.status if g.status in (APPROVED, PASSED) else None
        by_actor.setdefault(_actor_for(g.region, users).username, []).append(GoalRow(project, _goal_input(g), status))
    for username, rows in by_actor.items():
        result = upsert_goals(actor=users[username], rows=rows, dry_run=False, action=GOAL_DEMO_ACTION, generated=True)
        report.goals_created += result.created
        report.goals_updated += result.updated
        report.goals_unchanged += result.unchanged
    fresh = {
        goal.project_id: goal
        for goal in Goal.objects.filter(
            project_id__in=[projects[(g.region, g.fiscal_year, g.project_code)].pk for g in plans if _submits(g)],
            status=Goal.Status.DRAFT,
            submissions=0,
        ).select_related("project__region", "project__owner")
    }
    for g in plans:
        goal = fresh.get(projects[(g.region, g.fiscal_year, g.project_code)].pk)
        if goal is not None and _submits(g):
            _walk(goal, g, users)
            report.goals_walked += 1


def _submits(g: GoalPlan) -> bool:
    return g.status == "in_review" or (g.walk not in ("", "draft"))


# The opinions of a reviewer who returns a goal with 中 (财预〔2015〕88号: 修改完善后重新报送).
RETURN_OPINIONS = {
    "completeness": "总体目标与产出、效益、满意度指标基本齐全。",
    "relevance": "指标与项目内容相关，但效益指标未体现农村公路建成后的通行效果。",
    "appropriateness": "每公里建设成本未附测算依据，与资金规模是否匹配无法判断。",
    "feasibility": "实施计划可行，时效指标未明确完工时限。",
    "comment": "请补充每公里建设成本的测算依据，将效益指标细化为可衡量的通行效果（如群众出行时间缩短分钟数），"
    "明确完工时限后重新报送。",
}


def _walk(goal: Goal, g: GoalPlan, users: dict[str, User]) -> None:
    """Submit the goal and take it along its chain: up to the step its plan names (pending there), to
    the end (passed), or to the last step, which returns it with 中."""
    reviewers = t.GOAL_REVIEWERS.get(g.region, {})
    submitter = users[reviewers["department"]] if "department" in reviewers else _actor_for(g.region, users)
    goal = goal_services.submit_goal(actor=submitter, goal=goal)
    chain = goal.chain
    if g.walk.startswith("step"):
        decided = int(g.walk.removeprefix("step")) - 1
    else:
        decided = len(chain) if g.walk in ("passed", "returned") else 0
    for n, step in enumerate(chain[:decided], start=1):
        reviewer = users[reviewers[step["role"]]]
        if g.walk == "returned" and n == len(chain):
            goal = goal_services.review_goal(actor=reviewer, goal=goal, result="中", **RETURN_OPINIONS)
        else:
            result = "优" if n % 2 else "良"
            goal = goal_services.review_goal(actor=reviewer, goal=goal, result=result, comment=f"{step['step']}通过。")


# --- the indicator library ---------------------------------------------------------------------------


def _library(
    plans: list[LibraryPlan],
    regions: dict[str, Region],
    orgs: dict[OrgKey, Organization],
    users: dict[str, User],
    report: LoadReport,
) -> None:
    """共性 entries of every finance bureau and 个性 ones of a few departments, through the library
    service, as the region's performance user; then the usage counts, from the goals just loaded."""
    stored = set(
        LibraryIndicator.objects.filter(owner__in=[o.pk for o in orgs.values()]).values_list(
            "owner_id", "level1", "level2", "name", "unit"
        )
    )
    tags = {tag.name: tag for tag in DomainTag.objects.all()}
    for p in plans:
        owner = orgs[(p.region, p.department or "czj")]
        tpl = p.template
        if (owner.pk, tpl.level1, tpl.level2, tpl.name, tpl.unit) in stored:
            continue
        library_services.save_entry(
            actor=_actor_for(p.region, users),
            data=library_services.LibraryInput(
                scope=LibraryIndicator.Scope.SPECIFIC if p.department else LibraryIndicator.Scope.COMMON,
                level1=tpl.level1,
                level2=tpl.level2,
                name=tpl.name,
                operator=tpl.operator,
                unit=tpl.unit,
                typical_target=p.typical_target,
                explanation=tpl.explanation,
                scoring_rule=tpl.scoring_rule,
                basis=tpl.basis,
                domain=tags.get(p.domain),
                region=regions[p.region],
                department=owner if p.department else None,
            ),
        )
        report.library_entries += 1
    for code, _, parent in t.REGIONS:
        if parent is None:
            report.library_counts += library_services.refresh_usage_counts(regions[code])


# --- 事前绩效评估 and 预算评审 --------------------------------------------------------------------------


def _appraisals(
    plan: AppraisalPlan, orgs: dict[OrgKey, Organization], users: dict[str, User], report: LoadReport
) -> None:
    """Concluded assessments, as the region's performance user (the bureau concludes), and final budget
    reviews recorded by the region's 评审中心 and signed by its whole 联评联审 panel, through the set-based
    writers of `jixiao.appraisals.bulk` (audit action `appraisal.demo`)."""
    wanted = [*plan.assessments, *plan.reviews]
    projects = {
        (p.region.code, p.fiscal_year, p.code): p
        for p in Project.objects.filter(
            region__code__in={a.region for a in wanted}, code__in={a.project_code for a in wanted}
        ).select_related("region", "owner")
    }
    assessments: dict[str, list[appraisal_bulk.AssessmentRow]] = {}
    for a in plan.assessments:
        actor = t.PANELS[a.region]["performance"] if a.region in t.PANELS else _actor_for(a.region, users).username
        assessments.setdefault(actor, []).append(
            appraisal_bulk.AssessmentRow(
                project=projects[(a.region, a.fiscal_year, a.project_code)],
                assessor_kind=a.assessor_kind,
                assessor_org=orgs[(a.region, a.assessor_key)],
                scores=[appraisal_bulk.ScoreRow(s.dimension, s.item, s.score) for s in a.scores],
                opinion=a.opinion,
            )
        )
    for username, rows in assessments.items():
        result = appraisal_bulk.record_assessments(actor=users[username], rows=rows, action=APPRAISAL_DEMO_ACTION)
        report.assessments += result.created
    reviews: dict[str, list[appraisal_bulk.ReviewRow]] = {}
    for r in plan.reviews:
        panel = t.PANELS[r.region]
        listed = r.function_list
        reviews.setdefault(panel["review_center"], []).append(
            appraisal_bulk.ReviewRow(
                project=projects[(r.region, r.fiscal_year, r.project_code)],
                amounts=ReviewAmounts(r.submitted, r.approved, r.reduced),
                signers={role: users[name] for role, name in panel.items()},
                opinion=r.opinion,
                function_list=appraisal_bulk.FunctionList(listed.items, dict(t.FP_OPTIONS)) if listed else None,
            )
        )
    for username, review_rows in reviews.items():
        result = appraisal_bulk.record_reviews(actor=users[username], rows=review_rows, action=APPRAISAL_DEMO_ACTION)
        report.budget_reviews += result.created


# --- self-evaluations, the spot check and 再评价 --------------------------------------------------------


def _layout_rule(regions: dict[str, Region], users: dict[str, User]) -> None:
    region, key, value, source = t.SICHUAN_LAYOUT
    latest = RuleSetting.objects.filter(key=key, region=regions[region], fiscal_year__isnull=True).order_by("-version")
    if latest.first() is None or latest.first().value != value:  # type: ignore[union-attr]
        org_services.set_rule(
            actor=_actor_for(region, users), key=key, region=regions[region], fiscal_year=None, value=value,
            source=source, note="演示数据",
        )  # fmt: skip


def _entries(rows: list[IndicatorResult], missed: int, share: Decimal) -> list[IndicatorEntry]:
    """What a unit states: every target met, except row `missed` (reached to `share`, with its reasons)."""
    out = []
    for n, row in enumerate(rows):
        short = n == missed
        entry = IndicatorEntry(id=row.pk)
        if row.operator == QUALITATIVE:
            entry.band = PARTLY if short else ACHIEVED
            entry.manual_score = (
                None if not short or row.weight is None else (row.weight * Decimal("0.7")).quantize(Decimal("0.01"))
            )
            entry.actual_text = "部分达成年度指标，效果有待提升" if short else "达成年度指标"
        elif row.target_value is None:
            entry.not_applicable, entry.not_applicable_reason = True, "年度指标值未量化，本年度不予考核"
        else:
            entry.actual_value = actual_for(row.operator, row.target_value, share if short else Decimal(1))
        if short:
            entry.deviation_reason = "受项目实施进度和外部条件影响，部分任务未能在年度内完成"
            entry.improvement_measures = "加强过程监控，按月调度实施进度，结转部分于次年一季度完成"
        out.append(entry)
    return out  # fmt: skip


def _self_evaluations(plans: list[SelfEvalPlan], users: dict[str, User], report: LoadReport) -> None:
    """Each planned self-evaluation prefilled from the approved goal, filled in and submitted through the
    services, as the region's performance user (who may act for its units); forms already there are kept."""
    projects = {
        (p.region.code, p.code): p
        for p in Project.objects.filter(
            region__code__in={s.region for s in plans}, code__in={s.project_code for s in plans}
        ).select_related("region", "owner", "self_evaluation")
    }
    for s in plans:
        project = projects[(s.region, s.project_code)]
        if hasattr(project, "self_evaluation"):
            continue
        actor = _actor_for(s.region, users)
        layout = resolve("self_evaluation.layout", project.region, project.fiscal_year).value
        evaluation = evaluation_services.prefill(actor=actor, project=project, layout=layout)
        budget = evaluation.budget_full_year or Decimal(0)
        slow = s.execution_rate < Decimal("0.9")
        data = FormEntry(
            annual_goal_actual="年度目标基本完成，资金使用规范，项目按计划实施。",
            executed=(budget * s.execution_rate).quantize(Decimal("0.01")),
            execution_reason="部分资金按合同进度在次年支付" if slow else "",
            indicators=_entries(list(evaluation.indicators.all()), s.missed, s.shortfall),
        )
        evaluation = evaluation_services.save_entries(actor=actor, evaluation=evaluation, data=data)
        evaluation_services.submit(actor=actor, evaluation=evaluation)
        report.self_evaluations += 1


def _spot_check(regions: dict[str, Region], users: dict[str, User], report: LoadReport) -> None:
    """中阳's spot check of 16 self-evaluations (all 优), re-checked by its 绩效股: about half hold, the
    others lose points on outputs and effects reported too generously and on spending paid after the year."""
    name, size, seed = t.ZHONGYANG_SPOT_CHECK
    region = regions[t.ZHONGYANG]
    if SamplingPlan.objects.filter(region=region, name=name).exists():
        return
    actor = users[t.REGION_ACTORS[t.ZHONGYANG]]
    plan = recheck_services.create_plan(
        actor=actor,
        data=recheck_services.PlanInput(
            region=region, year=2023, population="projects", method="stratified", strata="department", size=size,
            seed=seed, filters={"self_evaluated": True}, name=name,
        ),
    )  # fmt: skip
    for item in recheck_services.draw(actor=actor, plan=plan):
        evaluation = SelfEvaluation.objects.get(project_id=item.project_id)
        recheck = recheck_services.assign_recheck(actor=actor, evaluation=evaluation, sample_item=item, rechecker=actor)
        lowered = rng_for("recheck", item.project_id and evaluation.project.code).random() < 0.5
        entries = []
        for row in recheck.indicators.all():
            entry = recheck_services.RecheckEntry(
                id=row.pk, **{f: getattr(row, f) for f in recheck_services.COPIED_ENTRIES}
            )
            if lowered and row.level1 != "满意度指标" and row.target_value and row.operator in ("≥", ">"):
                entry.actual_value = actual_for(row.operator, row.target_value, Decimal("0.6"))
                entry.comment = "按验收资料核实，完成数量低于自评所报"
            entries.append(entry)
        executed = (evaluation.budget_full_year or Decimal(0)) * (Decimal("0.86") if lowered else Decimal(1))
        data = FormEntry(executed=executed.quantize(Decimal("0.01")), indicators=list(entries))
        findings = "自评完成值与验收资料不符，部分资金次年支付未计入执行偏差" if lowered else "自评内容属实"
        recheck_services.save_recheck(actor=actor, recheck=recheck, data=data, findings=findings, complete=True)
        report.rechecks += 1  # fmt: skip


def _reevaluations(regions: dict[str, Region], users: dict[str, User], report: LoadReport) -> None:
    """蔡甸's 再评价: 17 departments drawn and scored on the five aspects; most lack internal rules."""
    name, size, seed = t.CAIDIAN_REEVALUATION
    region = regions[t.CAIDIAN]
    if SamplingPlan.objects.filter(region=region, name=name).exists():
        return
    actor = users[t.REGION_ACTORS[t.CAIDIAN]]
    plan = recheck_services.create_plan(
        actor=actor,
        data=recheck_services.PlanInput(
            region=region, year=2023, population="departments", method="simple", size=size, seed=seed, name=name
        ),
    )
    aspects = resolve("evaluation.reevaluation_aspects", region, 2023).value
    for item in recheck_services.draw(actor=actor, plan=plan):
        rng = rng_for("reevaluation", item.department.code)
        no_rules = rng.random() < 0.7
        scores = []
        for n, a in enumerate(aspects):
            points = Decimal(str(a["points"]))
            low = n == 0 and no_rules
            share = Decimal(str(round(rng.uniform(0.2, 0.4) if low else rng.uniform(0.75, 1.0), 2)))
            finding = "未制定单位内部预算绩效管理制度" if low else ""
            scores.append(recheck_services.AspectScore(a["key"], (points * share).quantize(Decimal("0.5")), finding))
        recheck_services.save_reevaluation(
            actor=actor, department=item.department, year=2023, scores=scores, sample_item=item, complete=True,
            findings="按要求编制并公开绩效目标、完成2023年度项目和部门整体绩效自评；"
            + ("未制定内部预算绩效管理制度。" if no_rules else "制度较完备。"),
        )  # fmt: skip
        report.reevaluations += 1


# --- 绩效运行监控 -----------------------------------------------------------------------------------------


def _monitoring(
    plans: list[ProjectPlan], regions: dict[str, Region], users: dict[str, User], report: LoadReport
) -> None:
    """Payments and monitoring rounds (`jixiao.demo.monitoring`): written by the region's performance user,
    dispositions approved by its budget division (宝鸡市's for 凤县)."""
    done = load_monitoring(
        plan_monitoring(plans),
        regions,
        lambda region: _actor_for(region, users),
        lambda region: users[t.BUDGET_ACTORS.get(region, t.BAOJI_BUDGET_ACTOR)],
    )
    report.payment_rows += done.payment_rows
    report.monitoring_rounds += done.rounds
    report.dispositions += done.dispositions
    report.rectifications += done.rectifications
