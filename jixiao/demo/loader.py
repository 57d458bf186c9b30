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
from typing import Any

from django.db import transaction

from jixiao.core import context
from jixiao.demo import tables as t
from jixiao.demo.generate import OrgPlan, ProjectPlan, plan_organizations, plan_projects
from jixiao.orgs import services as org_services
from jixiao.orgs.models import Membership, Organization, Region, RuleSetting, User
from jixiao.orgs.roles import Role
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from jixiao.projects.services import ProjectInput
from jixiao.rules.config import definition

DEMO_ACTION = "project.demo"


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
            _projects(plan_projects(org_plans), orgs, users, report)
            say(
                f"项目 新建 {report.projects_created}，更新 {report.projects_updated}，未变 {report.projects_unchanged}"
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
    for username, display_name, region, key, role in t.USERS:
        org = orgs[(region, key)]
        if username not in users:
            users[username] = org_services.create_user(
                actor=None, username=username, password=t.DEMO_PASSWORD, display_name=display_name
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
