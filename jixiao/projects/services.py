"""Writers for the 项目库. Web forms, the API, imports and the CLI all come through here."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator, MaxValueValidator, MinValueValidator
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django_fsm import can_proceed

from jixiao.core import audit, scoping
from jixiao.core.bulk import CHUNK, audit_rows, insert_audit
from jixiao.core.bulk import db_column as _column
from jixiao.core.bulk import insert as _insert
from jixiao.core.bulk import model_field as _field
from jixiao.core.bulk import update as _update_rows
from jixiao.core.errors import DomainError, PermissionDenied
from jixiao.orgs.models import Organization, Region
from jixiao.orgs.roles import Cap
from jixiao.projects.models import YEAR, DomainTag, FundSource, Project

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


EDITABLE = (Project.Status.DRAFT, Project.Status.SUBMITTED)


def may_edit(actor: Any, project: Project) -> bool:
    """Units and departments edit a project while it is a draft or awaiting review; once it is in the
    library only those who decide on it (the finance bureau) may change it."""
    if not _reaches(actor, Cap.PROJECT_CHANGE, project.owner):
        return False
    return project.status in EDITABLE or _reaches(actor, Cap.PROJECT_DECIDE, project.owner)


def locked_message(status_label: str) -> str:
    return f"项目状态为“{status_label}”，只有财政部门可以修改"


@transaction.atomic
def update_project(*, actor: Any, project: Project, data: ProjectInput) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    check_may_change(actor, project.owner)
    check_may_change(actor, data.owner)
    if not may_edit(actor, project):
        raise PermissionDenied(locked_message(project.get_status_display()))
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


# Checks and companion writes that other modules attach to a lifecycle transition (the goal gate on
# approve_budget; the ex-ante appraisal gate on admit and approve_budget). Each is called as
# hook(actor=, project=) inside the transition's transaction, after the permission check and before the
# status changes (for approve_budget, with amount_approved already set); it refuses by raising DomainError.
_TRANSITION_HOOKS: dict[str, list[Callable[..., None]]] = {}


def register_transition_hook(action: str, hook: Callable[..., None]) -> None:
    if action not in TRANSITIONS:
        raise ValueError(f"unknown transition {action!r}")
    hooks = _TRANSITION_HOOKS.setdefault(action, [])
    if hook not in hooks:
        hooks.append(hook)


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
    for hook in _TRANSITION_HOOKS.get(action, []):
        hook(actor=actor, project=project)
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


@transaction.atomic
def approve_budgets(*, actor: Any, projects: list[Project]) -> list[Project]:
    """Approve the budgets of many projects at their requested amounts (with their goals, through the
    approval hooks), all or nothing: if any is refused, none is approved, and the refusal names every
    refused project and why."""
    approved: list[Project] = []
    refused: list[str] = []
    for project in projects:
        try:
            with transaction.atomic():
                approved.append(transition_project(actor=actor, project=project, action="approve_budget"))
        except DomainError as exc:
            refused.append(
                exc.message if project.code in exc.message else f"{project.code} {project.name}：{exc.message}"
            )
    if refused:
        raise DomainError(
            f"{len(refused)}个项目不能批复预算，本批{len(projects)}个项目均未批复。"
            + "".join(f"\n{m}" for m in refused),
            field="projects",
        )
    return approved


# --- Bulk upsert (imports, the demo) -----------------------------------------------------------------
#
# One pass over the rows decides, for each, whether it creates, changes or leaves alone a project, and
# refuses what may not be written: a row the model would not accept (the same rules as `validate`), an
# owner or an existing project outside the actor's scope, a project past the editable statuses. Only
# when no row is refused is anything written, in one transaction: the projects, a history row and an
# audit event for each created or changed project, and the fund-source and domain links.
#
# The writes go through prepared statements run with `executemany` rather than `bulk_create`:
# Django adapts every value of every row through the field API and builds one large statement per
# batch, which costs several times more than the database work itself. The values written here are
# already what the database stores (see `PASS_THROUGH`, checked by the tests against the field API),
# history rows are copied from the rows just written by `INSERT … SELECT`, and audit events carry
# the same snapshot and diff as `jixiao.core.audit` computes for a single save.


@dataclass
class Refusal:
    """A row of a bulk upsert that cannot be written: its position in `rows`, the field and why."""

    index: int
    field: str | None
    message: str


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)


class UpsertRefused(DomainError):
    """Some rows of a bulk upsert cannot be written; nothing was written. `refused` lists them all."""

    def __init__(self, refused: list[Refusal]) -> None:
        first = refused[0]
        more = f"（共{len(refused)}行不能写入）" if len(refused) > 1 else ""
        super().__init__(f"第{first.index + 1}条：{first.message}{more}", field=first.field)
        self.refused = refused


class _State(NamedTuple):
    """What an upsert stores of a project, by column (attname). (region_id, fiscal_year, code) is the key."""

    kind: str
    code: str
    name: str
    owner_id: int
    department_id: int
    region_id: int
    fiscal_year: int
    category: str
    budget_type: str
    is_new: bool
    start_year: int
    end_year: int
    amount_requested: Decimal
    amount_approved: Decimal | None
    amount_adjusted: Decimal | None
    description: str
    status: str
    is_generated: bool


type _Key = tuple[int, int, str]
type _Links = tuple[frozenset[int], frozenset[int]]  # fund source ids, domain tag ids

_KEY = ("code", "region_id", "fiscal_year")
_AMOUNT_FIELDS = ["amount_requested", "amount_approved", "amount_adjusted"]
_UPDATED = [f for f in _State._fields if f not in _KEY]


@dataclass
class _Plan:
    creates: list[tuple[int, _State, _Links]] = field(default_factory=list)  # (row index, state, links)
    # (row index, project id, stored state, stored links, new state, new links)
    updates: list[tuple[int, int, _State, _Links, _State, _Links]] = field(default_factory=list)


def upsert_projects(
    *, actor: Any, rows: list[ProjectInput], action: str = "project.import", dry_run: bool = False
) -> UpsertResult:
    """Create or update many projects by (region, year, code), in one transaction.

    Every row is validated and permission-checked; rows that change nothing are left alone, so
    importing the same data twice writes nothing. Each created or changed project gets a history row
    and an audit event. If any row is refused, nothing is written and `UpsertRefused` lists them all;
    with `dry_run` nothing is written either and the result counts what would happen and lists the
    refused rows (an import's preview).
    """
    if dry_run:
        return _classify(actor, rows, _Plan(), write=False)
    with transaction.atomic():
        plan = _Plan()
        result = _classify(actor, rows, plan, write=True)
        if result.refused:
            raise UpsertRefused(result.refused)
        _hold(plan.updates)
        _write(actor, action, plan)
    return result


def _classify(actor: Any, rows: list[ProjectInput], plan: _Plan, *, write: bool) -> UpsertResult:
    result = UpsertResult()
    funds = _tag_ids(FundSource, {n for r in rows for n in r.fund_sources}, create=write)
    tags = _tag_ids(DomainTag, {n for r in rows for n in r.domain_tags}, create=write)
    departments: dict[int, Organization] = {}
    owners: dict[int, Organization] = {}
    statuses = dict(Project.Status.choices)
    seen: dict[_Key, int] = {}
    fund_sets: dict[tuple[str, ...], frozenset[int]] = {}
    tag_sets: dict[tuple[str, ...], frozenset[int]] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        stored = _stored({(r.owner.region_id, r.fiscal_year, r.code.strip()) for r in chunk})
        links = _stored_links([pk for pk, _ in stored.values()])
        _load_owners(owners, {s.owner_id for _, s in stored.values()})
        for index, data in enumerate(chunk, start=start):
            owner = data.owner
            try:
                check_may_change(actor, owner)
                if data.status is not None:  # a stated status: only for who decides on the owner's projects
                    scoping.require(
                        actor,
                        Cap.PROJECT_DECIDE,
                        view_cap=Cap.PROJECT_VIEW,
                        owner_path=owner.path,
                        owner_id=owner.pk,
                        region_path=owner.region.path,
                    )
                department = departments.get(owner.pk) or departments.setdefault(owner.pk, department_of(owner))
            except DomainError as exc:
                result.refused.append(Refusal(index, exc.field or "owner", exc.message))
                continue
            new_links = (_ids(funds, data.fund_sources, fund_sets), _ids(tags, data.domain_tags, tag_sets))
            code = data.code.strip()
            key = (owner.region_id, data.fiscal_year, code)
            if key in seen:
                message = f"项目编码“{code}”与第{seen[key] + 1}条重复（同一区划同一年度内项目编码须唯一）"
                result.refused.append(Refusal(index, "code", message))
                continue
            seen[key] = index
            found = stored.get(key)
            if found is None:
                state = _state(data, department, Project.Status.DRAFT)
                problem = _invalid(state, owner, department)
                if problem:
                    result.refused.append(Refusal(index, problem.field, problem.message))
                    continue
                plan.creates.append((index, state, new_links))
                result.created += 1
                continue
            pk, before = found
            current_owner = owners[before.owner_id]
            if not _reaches(actor, Cap.PROJECT_CHANGE, current_owner):
                message = f"项目编码“{code}”在{data.fiscal_year}年度已有项目，且不在您的权限范围内"
                result.refused.append(Refusal(index, "code", message))
                continue
            state = _state(data, department, before.status)
            old_links = links.get(pk, (frozenset(), frozenset()))
            if state == before and new_links == old_links:
                result.unchanged += 1
                continue
            if before.status not in EDITABLE and not _reaches(actor, Cap.PROJECT_DECIDE, current_owner):
                label = statuses.get(before.status, before.status)
                result.refused.append(Refusal(index, "code", f"“{code}”：{locked_message(label)}"))
                continue
            problem = _invalid(state, owner, department)
            if problem:
                result.refused.append(Refusal(index, problem.field, problem.message))
                continue
            plan.updates.append((index, pk, before, old_links, state, new_links))
            result.updated += 1
    return result


def _ids(ids: dict[str, int], names: list[str], memo: dict[tuple[str, ...], frozenset[int]]) -> frozenset[int]:
    """The ids of the named fund sources or tags (the same few lists recur: each is worked out once)."""
    key = tuple(names)
    found = memo.get(key)
    if found is None:
        found = memo[key] = frozenset(ids[n.strip()] for n in names if n.strip())
    return found


def _reaches(actor: Any, cap: str, owner: Organization) -> bool:
    return scoping.reaches(actor, cap, owner_path=owner.path, owner_id=owner.pk, region_path=owner.region.path)


def _state(data: ProjectInput, department: Organization, status: str) -> _State:
    """The stored values `data` asks for, as `_apply_fields` sets them on a project."""
    start = data.start_year or data.fiscal_year
    return _State(
        kind=data.kind,
        code=data.code.strip(),
        name=data.name.strip(),
        owner_id=data.owner.pk,
        department_id=department.pk,
        region_id=data.owner.region_id,
        fiscal_year=data.fiscal_year,
        category=data.category,
        budget_type=data.budget_type,
        is_new=data.is_new,
        start_year=start,
        end_year=data.end_year or start,
        amount_requested=data.amount_requested,
        amount_approved=data.amount_approved,
        amount_adjusted=data.amount_adjusted,
        description=data.description,
        status=data.status if data.status is not None else status,
        is_generated=data.is_generated,
    )


# --- Validation: `validate(project, check_unique=False)`, without building and cleaning a model per row.

_CHOICES = {
    "kind": frozenset(Project.Kind.values),
    "category": frozenset(Project.Category.values),
    "budget_type": frozenset(Project.Budget.values),
    "status": frozenset(Project.Status.values),
}
_MAX_LENGTH = {name: _field(Project, name).max_length or 0 for name in ("code", "name")}
YEAR_MIN = next(v.limit_value for v in YEAR if isinstance(v, MinValueValidator))
YEAR_MAX = next(v.limit_value for v in YEAR if isinstance(v, MaxValueValidator))
_AMOUNT = _field(Project, "amount_requested")
_DECIMAL = DecimalValidator(_AMOUNT.max_digits, _AMOUNT.decimal_places)  # type: ignore[attr-defined]


def _plain_amount(value: Any) -> bool:
    if type(value) is not Decimal or not value.is_finite() or value < 0:
        return False
    try:
        _DECIMAL(value)
    except ValidationError:
        return False
    return True


def plainly_valid(state: _State, owner: Organization) -> bool:
    """True when `validate` would accept these values unchanged: every field of the right type (so
    cleaning converts nothing), choices among the choices, texts within their lengths, years within
    2000–2100, amounts non-negative with at most 16 whole digits and 2 decimals, the years in order and
    a department's overall budget owned by a department. False sends the row to `validate` itself,
    whose message the caller reports; the tests check that this never accepts what `validate` refuses."""
    s = state
    return (
        type(s.fiscal_year) is int
        and type(s.start_year) is int
        and type(s.end_year) is int
        and YEAR_MIN <= s.start_year <= s.fiscal_year <= s.end_year <= YEAR_MAX
        and isinstance(s.code, str)
        and 0 < len(s.code) <= _MAX_LENGTH["code"]
        and isinstance(s.name, str)
        and 0 < len(s.name) <= _MAX_LENGTH["name"]
        and isinstance(s.kind, str)
        and s.kind in _CHOICES["kind"]
        and isinstance(s.category, str)
        and s.category in _CHOICES["category"]
        and isinstance(s.budget_type, str)
        and s.budget_type in _CHOICES["budget_type"]
        and isinstance(s.status, str)
        and s.status in _CHOICES["status"]
        and type(s.is_new) is bool
        and type(s.is_generated) is bool
        and isinstance(s.description, str)
        and _plain_amount(s.amount_requested)
        and (s.amount_approved is None or _plain_amount(s.amount_approved))
        and (s.amount_adjusted is None or _plain_amount(s.amount_adjusted))
        and (s.kind != Project.Kind.DEPARTMENT_OVERALL or owner.kind == Organization.Kind.DEPARTMENT)
    )


def _invalid(state: _State, owner: Organization, department: Organization) -> DomainError | None:
    """Why `validate` refuses these values, or None."""
    if plainly_valid(state, owner):
        return None
    project = Project(**state._asdict())
    project.owner, project.department, project.region = owner, department, owner.region
    try:
        validate(project, check_unique=False)
    except DomainError as exc:
        return exc
    return None


# --- Reading what is stored ---


def _tag_ids(model: type[FundSource] | type[DomainTag], names: set[str], *, create: bool) -> dict[str, int]:
    """Name → id; names not stored yet are created, or given placeholder ids (a dry run writes nothing)."""
    wanted = sorted({n.strip() for n in names if n.strip()})
    if not wanted:
        return {}
    if create:
        return {t.name: t.pk for t in _tags(model, wanted)}
    found = dict(model.objects.filter(name__in=wanted).values_list("name", "pk"))
    return {n: found.get(n, -i) for i, n in enumerate(wanted, start=1)}


def _key_filter(keys: set[_Key]) -> Q:
    """Projects with these (region, year, code) keys, by the unique index (a bare `code IN …` would scan
    the year through the (fiscal_year, …) indexes)."""
    codes: dict[tuple[int, int], list[str]] = {}
    for region_id, year, code in keys:
        codes.setdefault((region_id, year), []).append(code)
    q = Q(pk__in=[])  # matches nothing: no keys, no projects
    for (region_id, year), part in sorted(codes.items()):
        q |= Q(region_id=region_id, fiscal_year=year, code__in=sorted(part))
    return q


# Stored amounts are read as whole fen worked out by the database (ROUND(amount * 100)) and made Decimal
# here: the values the DecimalField would give (exact on PostgreSQL; on SQLite, which keeps them as
# floating point, the same to the fen), without the float-to-Decimal conversion that costs most of
# reading a hundred thousand rows.
_FEN = {f"fen_{name}": Cast(Round(F(name) * 100), models.BigIntegerField()) for name in _AMOUNT_FIELDS}
_READ = [f"fen_{f}" if f in _AMOUNT_FIELDS else f for f in _State._fields]
_AMOUNTS_AT = [i for i, f in enumerate(_State._fields) if f in _AMOUNT_FIELDS]


def _stored(keys: set[_Key]) -> dict[_Key, tuple[int, _State]]:
    """The stored projects with these keys: key → (id, state)."""
    return {
        (s.region_id, s.fiscal_year, s.code): (pk, s) for pk, s in _states(Project.objects.filter(_key_filter(keys)))
    }


def _states(projects: "models.QuerySet[Project]") -> list[tuple[int, _State]]:
    found = []
    for pk, *values in projects.order_by().annotate(**_FEN).values_list("pk", *_READ):
        for i in _AMOUNTS_AT:
            if values[i] is not None:
                values[i] = Decimal(values[i]).scaleb(-2)
        found.append((pk, _State._make(values)))
    return found


def _hold(updates: list[tuple[int, int, _State, _Links, _State, _Links]]) -> None:
    """Lock the projects about to change and make sure they are still as they were read: on PostgreSQL
    another transaction may have changed one in between (SQLite lets no other writer in). Projects
    that stay as they are are not locked, so an import that changes nothing writes nothing at all."""
    for start in range(0, len(updates), CHUNK):
        part = updates[start : start + CHUNK]
        now = dict(_states(Project.objects.filter(pk__in=[u[1] for u in part]).select_for_update()))
        for _, pk, before, *_ in part:
            if now.get(pk) != before:
                raise DomainError(f"项目“{before.code}”在导入过程中被他人修改，请重新导入", field="code")


def _stored_links(ids: list[int]) -> dict[int, _Links]:
    """Project id → its fund source and domain tag ids. Read with plain statements: the ORM's `IN`
    lookup on a foreign key costs more per id than the query itself."""
    found: list[defaultdict[int, list[int]]] = [defaultdict(list), defaultdict(list)]
    if ids:
        qn = connection.ops.quote_name
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            targets = ((Project.fund_sources.through, "fundsource"), (Project.domain_tags.through, "domaintag"))
            for links, (through, target) in zip(found, targets, strict=True):
                project, other = _column(through, "project"), _column(through, target)
                cursor.execute(
                    f"SELECT {qn(project)}, {qn(other)} FROM {qn(through._meta.db_table)} "  # noqa: S608
                    f"WHERE {qn(project)} IN ({marks})",
                    ids,
                )
                for pk, link in cursor.fetchall():
                    links[pk].append(link)
    funds, tags = found
    empty: frozenset[int] = frozenset()
    return {pk: (frozenset(funds.get(pk, empty)), frozenset(tags.get(pk, empty))) for pk in funds.keys() | tags.keys()}


def _load_owners(owners: dict[int, Organization], ids: set[int]) -> None:
    missing = ids - owners.keys()
    if missing:
        owners.update(Organization.objects.select_related("region").in_bulk(sorted(missing)))


# --- Writing ---


def _write(actor: Any, action: str, plan: _Plan) -> None:

    now = timezone.now()
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    new_ids: list[int] = []
    for start in range(0, len(plan.creates), CHUNK):
        chunk = plan.creates[start : start + CHUNK]
        _insert(Project, [*_State._fields, "created_at", "updated_at"], [(*s, now, now) for _, s, _ in chunk])
        keys = {(s.region_id, s.fiscal_year, s.code) for _, s, _ in chunk}
        written = Project.objects.filter(_key_filter(keys)).order_by()
        ids = {(r, y, c): pk for pk, r, y, c in written.values_list("pk", "region_id", "fiscal_year", "code")}
        new_ids.extend(ids[(s.region_id, s.fiscal_year, s.code)] for _, s, _ in chunk)
    _update_rows(
        Project,
        [*_UPDATED, "updated_at"],
        [(pk, (*(getattr(state, f) for f in _UPDATED), now)) for _, pk, _, _, state, _ in plan.updates],
    )
    _copy_history(new_ids, "+", now, user_id)
    _copy_history([u[1] for u in plan.updates], "~", now, user_id)
    _relink(
        [(pk, links) for pk, (_, _, links) in zip(new_ids, plan.creates, strict=True)],
        [(pk, new_links) for _, pk, _, old_links, _, new_links in plan.updates if new_links != old_links],
    )
    region_paths = dict(Region.objects.filter(pk__in=_region_ids(plan)).values_list("pk", "path"))
    events: list[tuple[str, str, str, Any, Any]] = []
    for pk, (_, state, links) in zip(new_ids, plan.creates, strict=True):
        events.append((str(pk), _repr(state), region_paths[state.region_id], None, _snapshot(state, links)))
    for _, pk, before, old_links, state, new_links in plan.updates:
        old, new = _diff(_snapshot(before, old_links, plain=False), _snapshot(state, new_links, plain=False))
        events.append((str(pk), _repr(state), region_paths[state.region_id], old, new))
    object_type = Project._meta.label_lower
    insert_audit(audit_rows(actor=actor, action=action, now=now, object_type=object_type, events=events))


def _region_ids(plan: _Plan) -> set[int]:
    return {s.region_id for _, s, _ in plan.creates} | {u[4].region_id for u in plan.updates}


def _repr(state: _State) -> str:
    return f"{state.code} {state.name}"[:255]  # str(project), as audit.event records it


def _copy_history(ids: list[int], history_type: str, now: Any, user_id: int | None) -> None:
    """A history row for each project, copied from the row as it is now stored: what
    django-simple-history's `bulk_history_create` writes, without a model instance per row."""
    if not ids or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = Project.history.model  # type: ignore[attr-defined]
    qn = connection.ops.quote_name
    names = [f.name for f in history.tracked_fields]
    extra = ["history_date", "history_change_reason", "history_type", "history_user"]
    columns = [_column(history, n) for n in names + extra]
    source = [_column(Project, n) for n in names]
    date = _field(history, "history_date").get_db_prep_save(now, connection=connection)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        sql = (
            f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
            f"SELECT {', '.join(qn(c) for c in source)}, %s, NULL, %s, %s FROM {qn(Project._meta.db_table)} "
            f"WHERE {qn(_column(Project, 'id'))} IN ({', '.join(['%s'] * len(part))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [date, history_type, user_id, *part])


def _relink(added: list[tuple[int, _Links]], replaced: list[tuple[int, _Links]]) -> None:
    """Links of new projects, and the links of changed projects whose links changed."""
    funds = Project.fund_sources.through
    tags = Project.domain_tags.through
    ids = [pk for pk, _ in replaced]
    for start in range(0, len(ids), CHUNK):
        funds.objects.filter(project_id__in=ids[start : start + CHUNK]).delete()
        tags.objects.filter(project_id__in=ids[start : start + CHUNK]).delete()
    items = added + replaced
    _insert(funds, ["project", "fundsource"], [(pk, f) for pk, (fs, _) in items for f in sorted(fs)])
    _insert(tags, ["project", "domaintag"], [(pk, t) for pk, (_, ts) in items for t in sorted(ts)])


# --- Audit snapshots: `audit.snapshot(project, AUDITED_FIELDS)` from the stored values ---

_SNAPSHOT = [(f.name, f.attname) for f in Project._meta.concrete_fields if f.name in AUDITED_FIELDS]
# The only values of a snapshot that `audit._plain` turns into something else (Decimal → text).
_AMOUNTS = [
    f.name for f in Project._meta.concrete_fields if f.name in AUDITED_FIELDS and isinstance(f, models.DecimalField)
]


def _snapshot(state: _State, links: _Links, *, plain: bool = True) -> dict[str, Any]:
    """The snapshot, as JSON-ready data (`plain`: amounts as text, as `audit._plain` gives them) or not."""
    data: dict[str, Any] = {name: getattr(state, attname) for name, attname in _SNAPSHOT}
    if plain:
        for name in _AMOUNTS:
            if data[name] is not None:
                data[name] = str(data[name])
    data["fund_sources"] = sorted(links[0])
    data["domain_tags"] = sorted(links[1])
    return data


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`audit.diff`, comparing values before they become text (12.50 and 12.5 are the same amount)."""
    keys = [k for k in after if before.get(k) != after[k]]
    return audit._plain({k: before.get(k) for k in keys}), audit._plain({k: after[k] for k in keys})
