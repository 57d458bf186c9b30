"""Writers for the 项目库. Web forms, the API, imports and the CLI all come through here."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_fsm import can_proceed

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, PermissionDenied
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap
from jixiao.projects.models import DomainTag, FundSource, Project

AUDITED_FIELDS = [
    "kind",
    "code",
    "name",
    "owner",
    "fiscal_year",
    "category",
    "budget_type",
    "fund_sources",
    "domain_tags",
    "is_new",
    "start_year",
    "end_year",
    "amount_requested",
    "amount_approved",
    "amount_adjusted",
    "description",
    "status",
]


@dataclass
class ProjectInput:
    """What a person states about a project; owner is the organization that will carry it."""

    code: str
    name: str
    owner: Organization
    fiscal_year: int
    category: str
    amount_requested: Decimal
    kind: str = Project.Kind.PROJECT
    budget_type: str = Project.Budget.GENERAL
    fund_sources: list[str] = field(default_factory=list)
    domain_tags: list[str] = field(default_factory=list)
    is_new: bool = True
    start_year: int | None = None
    end_year: int | None = None
    amount_approved: Decimal | None = None
    amount_adjusted: Decimal | None = None
    description: str = ""
    is_generated: bool = False
    # Bulk loaders of budgets already compiled elsewhere (the demo) state the status they are in; only
    # `upsert_projects` reads it, and only for an actor who may decide on the owner's projects. Forms,
    # the API and imports leave it None: their projects move through the lifecycle transitions.
    status: str | None = None


def department_of(org: Organization) -> Organization:
    """The 一级预算单位 an organization belongs to (itself for a department)."""
    current = org
    while current.kind == Organization.Kind.UNIT and current.parent is not None:
        current = current.parent
    if current.kind != Organization.Kind.DEPARTMENT:
        raise DomainError(f"“{org.name}”不是预算单位，不能承担项目", field="owner")
    return current


def check_may_change(actor: Any, owner: Organization) -> None:
    scoping.require(
        actor,
        Cap.PROJECT_CHANGE,
        view_cap=Cap.PROJECT_VIEW,
        owner_path=owner.path,
        owner_id=owner.pk,
        region_path=owner.region.path,
    )


def _apply(project: Project, data: ProjectInput) -> None:
    _apply_fields(project, data)
    project.department = department_of(data.owner)


def _apply_fields(project: Project, data: ProjectInput) -> None:
    project.kind = data.kind
    project.code = data.code.strip()
    project.name = data.name.strip()
    project.owner = data.owner
    project.region = data.owner.region
    project.fiscal_year = data.fiscal_year
    project.category = data.category
    project.budget_type = data.budget_type
    project.is_new = data.is_new
    project.start_year = data.start_year or data.fiscal_year
    project.end_year = data.end_year or project.start_year
    project.amount_requested = data.amount_requested
    project.amount_approved = data.amount_approved
    project.amount_adjusted = data.amount_adjusted
    project.description = data.description
    project.is_generated = data.is_generated


def validate(project: Project, *, check_unique: bool = True) -> None:
    """Model validation plus the rules a form cannot express, as one DomainError naming the field.

    Bulk writers pass check_unique=False and check the (region, year, code) key themselves, in one
    query per chunk instead of one per row.
    """
    # Checked before full_clean, whose messages for these name the database constraint, not the field.
    if project.start_year and project.end_year and project.end_year < project.start_year:
        raise DomainError(f"结束年度（{project.end_year}）不能早于起始年度（{project.start_year}）", field="end_year")
    if (
        check_unique
        and project.code
        and (
            Project.objects.filter(region_id=project.region_id, fiscal_year=project.fiscal_year, code=project.code)
            .exclude(pk=project.pk)
            .exists()
        )
    ):
        raise DomainError(
            f"项目编码“{project.code}”在{project.region.name}{project.fiscal_year}年度已存在", field="code"
        )
    try:
        # Bulk writers hand in owner, department and region as rows they just read, so the three
        # existence queries per row that ForeignKey validation would run are skipped there.
        project.full_clean(
            exclude=None if check_unique else ["owner", "department", "region"],
            validate_unique=check_unique,
            validate_constraints=check_unique,
        )
    except ValidationError as exc:
        field_name, messages = next(iter(exc.message_dict.items()))
        label = getattr(Project._meta.get_field(field_name), "verbose_name", "") if field_name != "__all__" else ""
        raise DomainError(
            f"{label}：{'；'.join(messages)}" if label else "；".join(messages), field=field_name
        ) from exc
    if project.kind == Project.Kind.DEPARTMENT_OVERALL and project.owner.kind != Organization.Kind.DEPARTMENT:
        raise DomainError("部门整体支出须由主管部门（一级预算单位）申报", field="owner")
    if not project.start_year <= project.fiscal_year <= project.end_year:
        raise DomainError("年度须在项目起止年度之内", field="fiscal_year")


def _tags(model: type[FundSource] | type[DomainTag], names: list[str]) -> list[Any]:
    names = [n.strip() for n in names if n.strip()]
    existing = {t.name: t for t in model.objects.filter(name__in=names)}
    return [existing.get(n) or model.objects.create(name=n) for n in dict.fromkeys(names)]


def _by(project: Project, actor: Any) -> None:
    """Name the actor on the history row the next save writes (outside a web request, as in the CLI,
    there is no request user to take it from)."""
    project._history_user = actor if getattr(actor, "is_authenticated", False) else None  # type: ignore[attr-defined]


@transaction.atomic
def create_project(*, actor: Any, data: ProjectInput) -> Project:
    check_may_change(actor, data.owner)
    project = Project()
    _apply(project, data)
    validate(project)
    _by(project, actor)
    project.save()
    project.fund_sources.set(_tags(FundSource, data.fund_sources))
    project.domain_tags.set(_tags(DomainTag, data.domain_tags))
    audit.record(
        actor=actor,
        action="project.create",
        obj=project,
        after=audit.snapshot(project, AUDITED_FIELDS),
        region_path=project.region.path,
    )
    return project


@transaction.atomic
def update_project(*, actor: Any, project: Project, data: ProjectInput) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    check_may_change(actor, project.owner)
    check_may_change(actor, data.owner)
    if project.status not in (Project.Status.DRAFT, Project.Status.SUBMITTED) and not scoping.has_cap(
        actor, Cap.PROJECT_DECIDE
    ):
        raise PermissionDenied(f"项目已{project.get_status_display()}，只有财政部门可以修改")
    before = audit.snapshot(project, AUDITED_FIELDS)
    _apply(project, data)
    validate(project)
    _by(project, actor)
    project.save()
    project.fund_sources.set(_tags(FundSource, data.fund_sources))
    project.domain_tags.set(_tags(DomainTag, data.domain_tags))
    old, new = audit.diff(before, audit.snapshot(project, AUDITED_FIELDS))
    if new:
        audit.record(
            actor=actor, action="project.update", obj=project, before=old, after=new, region_path=project.region.path
        )
    return project


# action name → (label, capability needed)
TRANSITIONS: dict[str, tuple[str, str]] = {
    "submit": ("申报", Cap.PROJECT_CHANGE),
    "return_to_unit": ("退回", Cap.PROJECT_DECIDE),
    "admit": ("纳入项目库", Cap.PROJECT_DECIDE),
    "approve_budget": ("批复预算", Cap.PROJECT_DECIDE),
    "start": ("开始执行", Cap.PROJECT_CHANGE),
    "complete": ("完结", Cap.PROJECT_CHANGE),
    "cancel": ("取消", Cap.PROJECT_DECIDE),
}


def available_transitions(*, actor: Any, project: Project) -> list[tuple[str, str]]:
    where: dict[str, Any] = {
        "owner_path": project.owner.path,
        "owner_id": project.owner_id,
        "region_path": project.region.path,
    }
    return [
        (name, label)
        for name, (label, cap) in TRANSITIONS.items()
        if can_proceed(getattr(project, name)) and scoping.reaches(actor, cap, **where)
    ]


@transaction.atomic
def transition_project(*, actor: Any, project: Project, action: str, amount_approved: Decimal | None = None) -> Project:
    if action not in TRANSITIONS:
        raise DomainError(f"未知操作“{action}”", field="action")
    label, cap = TRANSITIONS[action]
    project = Project.objects.select_for_update().select_related("owner", "region").get(pk=project.pk)
    scoping.require(
        actor,
        cap,
        view_cap=Cap.PROJECT_VIEW,
        owner_path=project.owner.path,
        owner_id=project.owner_id,
        region_path=project.region.path,
    )
    method = getattr(project, action)
    if not can_proceed(method):
        raise DomainError(f"项目当前为“{project.get_status_display()}”，不能{label}", field="status")
    before = audit.snapshot(project, ["status", "amount_approved"])
    if action == "approve_budget":
        approved = amount_approved if amount_approved is not None else project.amount_requested
        if approved < 0:
            raise DomainError("批复金额不能为负数", field="amount_approved")
        project.amount_approved = approved
    method()
    _by(project, actor)
    project.save()
    audit.record(
        actor=actor,
        action=f"project.{action}",
        obj=project,
        before=before,
        after=audit.snapshot(project, ["status", "amount_approved"]),
        region_path=project.region.path,
    )
    return project


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


COMPARED = [f for f in AUDITED_FIELDS if f not in ("fund_sources", "domain_tags", "owner")] + ["owner_id"]
CHUNK = 2000


def _row_state(project: Project, fund_ids: list[int], tag_ids: list[int]) -> dict[str, Any]:
    state = {f: getattr(project, f) for f in COMPARED}
    state["fund_sources"] = sorted(fund_ids)
    state["domain_tags"] = sorted(tag_ids)
    return state


def upsert_projects(*, actor: Any, rows: list[ProjectInput], action: str = "project.import") -> UpsertResult:
    """Create or update many projects by (region, year, code), in the caller's transaction.

    Rows that change nothing are left alone, so importing the same data twice writes nothing. Each
    created or changed project gets a history row and an audit event, written in bulk.
    """
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    from jixiao.core.models import AuditEvent

    result = UpsertResult()
    fund_names = {n for r in rows for n in r.fund_sources}
    tag_names = {n for r in rows for n in r.domain_tags}
    funds = {t.name: t.pk for t in _tags(FundSource, sorted(fund_names))} if fund_names else {}
    tags = {t.name: t.pk for t in _tags(DomainTag, sorted(tag_names))} if tag_names else {}
    departments: dict[int, Organization] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        keys = {(r.owner.region_id, r.fiscal_year, r.code.strip()) for r in chunk}
        existing = {
            (p.region_id, p.fiscal_year, p.code): p
            for p in Project.objects.filter(code__in={k[2] for k in keys}, fiscal_year__in={k[1] for k in keys})
            .select_related("owner__region", "region")
            .prefetch_related("fund_sources", "domain_tags")
        }
        to_create: list[tuple[Project, list[int], list[int]]] = []
        to_update: list[tuple[Project, list[int], list[int], tuple[dict[str, Any], dict[str, Any]]]] = []
        for data in chunk:
            check_may_change(actor, data.owner)
            if data.status is not None:
                scoping.require(
                    actor,
                    Cap.PROJECT_DECIDE,
                    view_cap=Cap.PROJECT_VIEW,
                    owner_path=data.owner.path,
                    owner_id=data.owner.pk,
                    region_path=data.owner.region.path,
                )
            if data.owner.pk not in departments:
                departments[data.owner.pk] = department_of(data.owner)
            fund_ids = [funds[n] for n in dict.fromkeys(data.fund_sources)]
            tag_ids = [tags[n] for n in dict.fromkeys(data.domain_tags)]
            current = existing.get((data.owner.region_id, data.fiscal_year, data.code.strip()))
            if current is None:
                project = Project()
                _apply_known(project, data, departments[data.owner.pk])
                validate(project, check_unique=False)
                to_create.append((project, fund_ids, tag_ids))
                continue
            check_may_change(actor, current.owner)
            before = _row_state(
                current, [t.pk for t in current.fund_sources.all()], [t.pk for t in current.domain_tags.all()]
            )
            _apply_known(current, data, departments[data.owner.pk])
            after = _row_state(current, fund_ids, tag_ids)
            if before == after:
                result.unchanged += 1
            else:
                validate(current, check_unique=False)
                to_update.append((current, fund_ids, tag_ids, audit.diff(audit._plain(before), audit._plain(after))))
        created = bulk_create_with_history([p for p, _, _ in to_create], Project, batch_size=CHUNK, default_user=actor)
        if to_update:
            bulk_update_with_history(
                [p for p, *_ in to_update], Project, COMPARED_DB, batch_size=CHUNK, default_user=actor
            )
        _set_links(
            [(p, f, t) for (_, f, t), p in zip(to_create, created, strict=True)]
            + [(p, f, t) for p, f, t, _ in to_update],
            replace=[p.pk for p, *_ in to_update],
        )
        events = [
            audit.event(actor=actor, action=action, obj=p, after=_created_state(p, f, t), region_path=p.region.path)
            for (_, f, t), p in zip(to_create, created, strict=True)
        ] + [
            audit.event(actor=actor, action=action, obj=p, before=d[0], after=d[1], region_path=p.region.path)
            for p, _, _, d in to_update
        ]
        AuditEvent.objects.bulk_create(events, batch_size=CHUNK)
        result.created += len(created)
        result.updated += len(to_update)
    return result


COMPARED_DB = [
    "kind",
    "name",
    "owner",
    "department",
    "region",
    "category",
    "budget_type",
    "is_new",
    "start_year",
    "end_year",
    "amount_requested",
    "amount_approved",
    "amount_adjusted",
    "description",
    "is_generated",
    "status",
]


def _created_state(project: Project, fund_ids: list[int], tag_ids: list[int]) -> dict[str, Any]:
    """`audit.snapshot(project, AUDITED_FIELDS)` of a project just created, with the links it was given
    (reading them back would cost two queries per project)."""
    state = audit.snapshot(project, [f for f in AUDITED_FIELDS if f not in ("fund_sources", "domain_tags")])
    return {**state, "fund_sources": sorted(fund_ids), "domain_tags": sorted(tag_ids)}


def _apply_known(project: Project, data: ProjectInput, department: Organization) -> None:
    """`_apply` with the department already looked up (bulk writers cache it per owner)."""
    _apply_fields(project, data)
    project.department = department
    if data.status is not None:
        project.status = data.status


def _set_links(items: list[tuple[Project, list[int], list[int]]], *, replace: list[int]) -> None:
    funds_through = Project.fund_sources.through
    tags_through = Project.domain_tags.through
    if replace:
        funds_through.objects.filter(project_id__in=replace).delete()
        tags_through.objects.filter(project_id__in=replace).delete()
    funds_through.objects.bulk_create(
        [funds_through(project_id=p.pk, fundsource_id=f) for p, fs, _ in items for f in fs], batch_size=CHUNK
    )
    tags_through.objects.bulk_create(
        [tags_through(project_id=p.pk, domaintag_id=t) for p, _, ts in items for t in ts], batch_size=CHUNK
    )
