"""Many goals at once (the standard-form import, the demo): `upsert_goals`.

One pass over the rows decides, for each, whether it creates a goal, rewrites the open version or
leaves the goal alone, and refuses what may not be written: a project outside the actor's scope, a
value the model cannot store or an indicator the region's tree does not know (the same rules as
`services.save_goal`), a goal in review or in force (changed only through an adjustment). Only when
no row is refused is anything written, in one transaction: the goals, their indicators and an audit
event for each created or changed goal. Unchanged goals (same texts, same indicators) are skipped, so
importing the same file twice writes nothing.

Reads and writes are set-based, a few statements per chunk of rows (`jixiao.core.bulk`), as for the
项目库 (`jixiao.projects.services.upsert_projects`).
"""

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from jixiao.core import audit, scoping
from jixiao.core.bulk import CHUNK, audit_rows, insert, insert_audit, update
from jixiao.core.errors import DomainError
from jixiao.goals.models import Goal, Indicator
from jixiao.goals.services import (
    AUDITED_FIELDS,
    IN_FORCE,
    INDICATOR_FIELDS,
    GoalInput,
    IndicatorInput,
    _indicator_changes,
    input_errors,
)
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap
from jixiao.orgs.rules_config import resolve_all
from jixiao.projects.models import Project
from jixiao.projects.services import Refusal, UpsertRefused
from jixiao.rules import config

Status = Goal.Status


class GoalRow(NamedTuple):
    """A project and the goal stated for it. `status` is for loaders of goals already reviewed
    elsewhere (the demo): only an actor who may decide on the project's budget may state it."""

    project: Any  # a Project, or a record with its pk (only the pk is read)
    data: GoalInput
    status: str | None = None


@dataclass
class GoalUpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)


class _Place(NamedTuple):
    """Where a project is, for permission checks and rules: read in one query per chunk."""

    code: str
    name: str
    owner_id: int
    owner_path: str
    region_id: int
    region_path: str
    fiscal_year: int
    kind: str


class _Stored(NamedTuple):
    """A stored goal version, as an upsert compares it."""

    pk: int
    project_id: int
    version: int
    status: str
    annual_goal: str
    mid_term_goal: str
    has_beneficiaries: bool
    updated_at: Any


_GOAL_READ = list(_Stored._fields)
# What a goal row writes, in this order (created_by, timestamps and counters follow).
_GOAL_TEXT = ["annual_goal", "mid_term_goal", "has_beneficiaries"]
_STATUS_FIELDS = ["status", "chain", "submissions", "submitted_at", "decided_at", "approved_at"]
_INDICATOR_COLUMNS = ["goal", "position", *INDICATOR_FIELDS]


@dataclass
class _Plan:
    # (row index, project id, place, version, status fields)
    creates: list[tuple[int, int, _Place, int, tuple[Any, ...]]] = field(default_factory=list)
    # (row index, stored goal, place, stored indicators, status fields or None when the status stays)
    updates: list[tuple[int, _Stored, _Place, list[IndicatorInput], tuple[Any, ...] | None]] = field(
        default_factory=list
    )
    rows: list[GoalRow] = field(default_factory=list)
    validated: bool = False


def fingerprint(data: GoalInput) -> tuple[Any, ...]:
    """What makes two statements of a goal the same (texts as stored, every indicator value; not the
    library links, which a file does not carry): compared with `stored_fingerprints` to leave
    unchanged goals alone before validating them again."""
    return (*_texts(_clean(data)), [_values(i)[:-1] for i in data.indicators])


def stored_fingerprints(project_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Project id → the fingerprint of the goal version an upsert would compare with and write to."""
    found: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(project_ids), CHUNK):
        goals = _goals(project_ids[start : start + CHUNK])
        current = {pid: g for pid, versions in goals.items() if (g := _current(versions)) is not None}
        indicators = _indicators([g.pk for g in current.values()])
        for pid, g in current.items():
            rows = [values[:-1] for values in indicators.get(g.pk, [])]
            found[pid] = (g.annual_goal, g.mid_term_goal, g.has_beneficiaries, rows)
    return found


def upsert_goals(
    *,
    actor: Any,
    rows: list[GoalRow],
    dry_run: bool,
    action: str = "goal.import",
    generated: bool = False,
    validated: bool = False,
) -> GoalUpsertResult:
    """Create or rewrite the goals of many projects, in one transaction; `generated` marks demo data.
    `validated`: the caller has run `services.input_errors` on every row with its region's tree (an
    import does, to locate the errors in the file) and it is not run again.

    If any row is refused, nothing is written and `UpsertRefused` lists them all (its `index` is the
    row's position in `rows`); with `dry_run` nothing is written either and the result counts what
    would happen and lists the refused rows (an import's preview)."""
    plan = _Plan(rows=list(rows), validated=validated)  # rows are replaced by their cleaned data when decided
    if dry_run:
        return _classify(actor, plan)
    with transaction.atomic():
        result = _classify(actor, plan)
        if result.refused:
            raise UpsertRefused(result.refused)
        _hold(plan)
        _write(actor, action, plan, generated)
    return result


# --- Deciding -------------------------------------------------------------------------------------------


def _classify(actor: Any, plan: _Plan) -> GoalUpsertResult:
    result = GoalUpsertResult()
    rules: dict[tuple[int, int], dict[str, Any]] = {}
    seen: dict[int, int] = {}
    rows = plan.rows
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        ids = [r.project.pk for r in chunk]
        places = _places(ids)
        goals = _goals(ids)
        current = {pid: _current(versions) for pid, versions in goals.items()}
        indicators = _indicators([g.pk for g in current.values() if g is not None])
        _load_rules(rules, places.values())
        for index, row in enumerate(chunk, start=start):
            refusal = _decide(actor, index, row, plan, result, places, goals, current, indicators, rules, seen)
            if refusal is not None:
                result.refused.append(refusal)
    return result


def _decide(
    actor: Any,
    index: int,
    row: GoalRow,
    plan: _Plan,
    result: GoalUpsertResult,
    places: dict[int, _Place],
    goals: dict[int, list[_Stored]],
    current: dict[int, _Stored | None],
    indicators: dict[int, list[tuple[Any, ...]]],
    rules: dict[tuple[int, int], dict[str, Any]],
    seen: dict[int, int],
) -> Refusal | None:
    pid = row.project.pk
    place = places.get(pid)
    if place is None or not _reaches(actor, Cap.PROJECT_VIEW, place):
        return Refusal(index, "project", "项目不存在或不在您的权限范围内")
    where = f"项目“{place.code}”"
    if not _reaches(actor, Cap.PROJECT_CHANGE, place):
        return Refusal(index, "project", f"您无权修改{where}的绩效目标")
    if row.status is not None:
        if row.status not in Status.values or row.status == Status.SUPERSEDED:
            return Refusal(index, "status", f"{where}：绩效目标状态“{row.status}”无效")
        if not _reaches(actor, Cap.PROJECT_DECIDE, place):
            return Refusal(index, "status", f"{where}：只有批复预算的财政部门可以直接设定绩效目标的状态")
    if pid in seen:
        return Refusal(index, "project", f"{where}与第{seen[pid] + 1}条重复：一个项目只能有一份绩效目标")
    seen[pid] = index
    settings = rules[(place.region_id, place.fiscal_year)]
    data = _clean(row.data)
    stored = current.get(pid)
    old_rows = indicators.get(stored.pk, []) if stored is not None else []
    if stored is not None and (row.status is None or row.status == stored.status) and _same(stored, old_rows, data):
        result.unchanged += 1  # as stored: not validated again, not written
        return None
    errors = [] if plan.validated else input_errors(row.data, settings["goals.indicator_tree"])
    if errors:
        return Refusal(index, errors[0].field, f"{where}：{errors[0].message}")
    plan.rows[index] = GoalRow(row.project, data, row.status)
    status = _status_fields(row.status, place, settings) if row.status is not None else None
    if stored is None:
        versions = goals.get(pid, [])
        if versions and versions[0].status == Status.REJECTED and row.status is None:
            return Refusal(index, "status", f"{where}的绩效目标审核结果为“差”，不得进入预算安排，不能再申报")
        version = versions[0].version + 1 if versions else 1
        plan.creates.append((index, pid, place, version, status or _status_fields(Status.DRAFT, place, settings)))
        result.created += 1
        return None
    old = [IndicatorInput(**dict(zip(INDICATOR_FIELDS, values, strict=True))) for values in old_rows]
    new = _keep_library_links(data.indicators, old)
    if row.status is None and stored.status not in Goal.EDITABLE_BY_UNIT:
        return Refusal(index, "status", _locked(where, stored.status))
    if row.status in IN_FORCE and any(
        g.status in IN_FORCE and g.pk != stored.pk for g in goals.get(pid, [])
    ):  # one version in force per project
        return Refusal(index, "status", f"{where}已有审核通过的绩效目标版本，不能再设定另一版本为“{row.status}”")
    plan.rows[index] = GoalRow(
        row.project, GoalInput(data.annual_goal, data.mid_term_goal, data.has_beneficiaries, new)
    )
    plan.updates.append((index, stored, place, old, status if row.status != stored.status else None))
    result.updated += 1
    return None


def _locked(where: str, status: str) -> str:
    if status == Status.IN_REVIEW:
        return f"{where}的绩效目标正在审核中，不能通过导入修改：请先撤回，或待审核通过后须通过调整申请修改"
    if status == Status.REJECTED:
        return f"{where}的绩效目标审核结果为“差”，不得进入预算安排，不能修改"
    label = Status(status).label
    return f"{where}的绩效目标{label}，须通过调整申请修改"


def _current(versions: list[_Stored]) -> _Stored | None:
    """The version an upsert compares with and writes to: the open one, else the one in force, else
    None (a new version is created, after a superseded or rejected one)."""
    return next((g for g in versions if g.status in Goal.OPEN), None) or next(
        (g for g in versions if g.status in IN_FORCE), None
    )


def _clean(data: GoalInput) -> GoalInput:
    """The texts as `save_goal` stores them (stripped)."""
    return GoalInput(data.annual_goal.strip(), data.mid_term_goal.strip(), data.has_beneficiaries, data.indicators)


def _keep_library_links(new: list[IndicatorInput], old: list[IndicatorInput]) -> list[IndicatorInput]:
    """A file does not say which indicators came from the library: an indicator with the same 一级/二级/
    三级 names as a stored one keeps the stored link."""
    links = {(i.level1, i.level2, i.name): i.library_entry_id for i in old if i.library_entry_id is not None}
    if not links:
        return new
    out = []
    for item in new:
        link = links.get((item.level1, item.level2, item.name))
        if item.library_entry_id is None and link is not None:
            item = IndicatorInput(**{**item.__dict__, "library_entry_id": link})
        out.append(item)
    return out


# An indicator's values in INDICATOR_FIELDS order (library_entry_id last), built without a getattr per field.
_values = attrgetter(*INDICATOR_FIELDS)
assert INDICATOR_FIELDS[-1] == "library_entry_id"


def _same(stored: _Stored, old: list[tuple[Any, ...]], data: GoalInput) -> bool:
    """Same texts and the same indicators in the same order; library links aside (a file does not carry
    them, and an indicator keeps its stored link)."""
    return (
        stored.annual_goal == data.annual_goal
        and stored.mid_term_goal == data.mid_term_goal
        and stored.has_beneficiaries == data.has_beneficiaries
        and len(old) == len(data.indicators)
        and all(o[:-1] == _values(i)[:-1] for o, i in zip(old, data.indicators, strict=True))
    )


def _status_fields(status: str, place: _Place, settings: dict[str, Any]) -> tuple[Any, ...]:
    """status, chain, submissions, submitted_at, decided_at, approved_at for a goal stated in `status`:
    what the review workflow would have recorded on the way there."""
    now = timezone.now()
    if status == Status.DRAFT:
        return (status, [], 0, None, None, None)
    chain = config.chain_for(settings["goals.review_chain"], place.kind)
    decided = now if status not in (Status.IN_REVIEW,) else None
    return (status, chain, 1, now, decided, now if status == Status.APPROVED else None)


def _reaches(actor: Any, cap: str, place: _Place) -> bool:
    return scoping.reaches(
        actor, cap, owner_path=place.owner_path, owner_id=place.owner_id, region_path=place.region_path
    )


# --- Reading what is stored ------------------------------------------------------------------------------


def _places(ids: list[int]) -> dict[int, _Place]:
    found = Project.objects.filter(pk__in=ids).order_by()
    fields = ["code", "name", "owner_id", "owner__path", "region_id", "region__path", "fiscal_year", "kind"]
    return {pk: _Place(*values) for pk, *values in found.values_list("pk", *fields)}


def _goals(ids: list[int]) -> dict[int, list[_Stored]]:
    """Project id → its goal versions, newest first."""
    found: dict[int, list[_Stored]] = {}
    for values in Goal.objects.filter(project_id__in=ids).order_by("project_id", "-version").values_list(*_GOAL_READ):
        goal = _Stored(*values)
        found.setdefault(goal.project_id, []).append(goal)
    return found


def _indicators(goal_ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
    """Goal id → its indicators' values in order (INDICATOR_FIELDS), as tuples: most are only compared."""
    found: dict[int, list[tuple[Any, ...]]] = {}
    if not goal_ids:
        return found
    rows = Indicator.objects.filter(goal_id__in=goal_ids).order_by("goal_id", "position", "id")
    for values in rows.values_list("goal_id", *INDICATOR_FIELDS):
        found.setdefault(values[0], []).append(values[1:])
    return found


def _load_rules(rules: dict[tuple[int, int], dict[str, Any]], places: Any) -> None:
    wanted = {(p.region_id, p.fiscal_year) for p in places} - rules.keys()
    if not wanted:
        return
    regions = Region.objects.in_bulk({r for r, _ in wanted})
    for region_id, year in wanted:
        rules[(region_id, year)] = {k: r.value for k, r in resolve_all(regions[region_id], year).items()}


def _hold(plan: _Plan) -> None:
    """Lock the goals about to change and make sure they are still as they were read (on PostgreSQL
    another transaction may have saved one in between). Goals that stay as they are are not locked."""
    for start in range(0, len(plan.updates), CHUNK):
        part = plan.updates[start : start + CHUNK]
        now = dict(
            Goal.objects.filter(pk__in=[u[1].pk for u in part]).select_for_update().values_list("pk", "updated_at")
        )
        for _, stored, place, *_ in part:
            if now.get(stored.pk) != stored.updated_at:
                raise DomainError(f"项目“{place.code}”的绩效目标在导入过程中被他人修改，请重新导入", field="project")


# --- Writing ---------------------------------------------------------------------------------------------


def _write(actor: Any, action: str, plan: _Plan, generated: bool) -> None:
    now = timezone.now()
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    rows = plan.rows
    goal_ids: list[int] = []
    for start in range(0, len(plan.creates), CHUNK):
        chunk = plan.creates[start : start + CHUNK]
        insert(
            Goal,
            ["project", "version", *_GOAL_TEXT, *_STATUS_FIELDS, "adjustment_reason", "last_result"]
            + ["is_generated", "created_by", "created_at", "updated_at"],
            [
                (pid, version, *_texts(rows[index].data), *status, "", "", generated, user_id, now, now)
                for index, pid, _, version, status in chunk
            ],
        )
        written = Goal.objects.filter(project_id__in=[c[1] for c in chunk]).order_by()
        ids = {(p, v): pk for pk, p, v in written.values_list("pk", "project_id", "version")}
        goal_ids.extend(ids[(pid, version)] for _, pid, _, version, _ in chunk)
    plain = [
        (stored.pk, (*_texts(rows[index].data), now)) for index, stored, _, _, status in plan.updates if not status
    ]
    update(Goal, [*_GOAL_TEXT, "updated_at"], plain)
    stated = [(stored.pk, (*_texts(rows[i].data), *status, now)) for i, stored, _, _, status in plan.updates if status]
    update(Goal, [*_GOAL_TEXT, *_STATUS_FIELDS, "updated_at"], stated)
    changed = [stored.pk for _, stored, *_ in plan.updates]
    for start in range(0, len(changed), CHUNK):
        Indicator.objects.filter(goal_id__in=changed[start : start + CHUNK]).delete()
    items = [(gid, rows[index].data.indicators) for gid, (index, *_) in zip(goal_ids, plan.creates, strict=True)]
    items += [(stored.pk, rows[index].data.indicators) for index, stored, *_ in plan.updates]
    insert(
        Indicator,
        _INDICATOR_COLUMNS,
        [(gid, n, *_values(i)) for gid, inds in items for n, i in enumerate(inds, start=1)],
    )
    insert_audit(
        audit_rows(
            actor=actor, action=action, now=now, object_type=Goal._meta.label_lower, events=_events(plan, goal_ids)
        )
    )


def _texts(data: GoalInput) -> tuple[Any, ...]:
    return (data.annual_goal, data.mid_term_goal, data.has_beneficiaries)


def _events(plan: _Plan, goal_ids: list[int]) -> list[tuple[str, str, str, Any, Any]]:
    """An event per created or changed goal, with what `save_goal` records: the audited fields that
    changed and which indicators were added, removed or changed."""
    rows = plan.rows
    events: list[tuple[str, str, str, Any, Any]] = []
    for gid, (index, _, place, version, created) in zip(goal_ids, plan.creates, strict=True):
        data = rows[index].data
        after = {"version": version, "status": created[0], **dict(zip(_GOAL_TEXT, _texts(data), strict=True))}
        after["indicators"] = len(data.indicators)
        changes = _indicator_changes([], data.indicators)  # type: ignore[arg-type]
        events.append((str(gid), _repr(place, version), place.region_path, None, {**after, **_plain(changes)}))
    for index, stored, place, old, stated in plan.updates:
        data = rows[index].data
        before = {**{f: getattr(stored, f) for f in AUDITED_FIELDS}, "indicators": len(old)}
        after = {
            **before,
            **dict(zip(_GOAL_TEXT, _texts(data), strict=True)),
            "status": stated[0] if stated else stored.status,
            "indicators": len(data.indicators),
        }
        old_diff, new_diff = audit.diff(before, after)
        changes = _indicator_changes(old, data.indicators)  # type: ignore[arg-type]
        events.append(
            (
                str(stored.pk),
                _repr(place, stored.version),
                place.region_path,
                old_diff,
                {**new_diff, **_plain(changes)},
            )
        )
    return events


def _plain(changes: dict[str, list[str]]) -> dict[str, Any]:
    return {"indicator_changes": changes} if changes else {}


def _repr(place: _Place, version: int) -> str:
    """str(goal), as audit.event records it."""
    suffix = f"（调整{version - 1}）" if version > 1 else ""
    return f"{place.name}绩效目标{suffix}"
