"""The bulk upsert behind imports and the demo: it refuses exactly what a single save refuses, writes the
same history rows and audit events as single saves do, and writes nothing when nothing changed."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.core import audit
from jixiao.core.bulk import PASS_THROUGH
from jixiao.core.models import AuditEvent
from jixiao.projects import services
from jixiao.projects.models import DomainTag, FundSource, Project
from jixiao.projects.services import AUDITED_FIELDS, ProjectInput, UpsertRefused


def data(world, code: str = "BU-001", owner: str = "c1.unit_a", **over: Any) -> ProjectInput:
    base: dict[str, Any] = {
        "code": code,
        "name": f"批量项目{code}",
        "owner": world.orgs[owner],
        "fiscal_year": 2026,
        "category": Project.Category.SPECIFIC,
        "amount_requested": Decimal("12345.67"),
        "fund_sources": ["一般债券", "上级转移支付"],
        "domain_tags": ["教育"],
        "amount_approved": Decimal("10000.00"),
        "description": "概述",
    }
    base.update(over)
    return ProjectInput(**base)


def refusal_of_validate(row: ProjectInput) -> tuple[str | None, str]:
    """What `validate` (model full_clean and the project rules) says about the row, saved alone."""
    project = Project()
    services._apply(project, row)
    if row.status is not None:
        project.status = row.status
    with pytest.raises(services.DomainError) as caught:
        services.validate(project, check_unique=False)
    return caught.value.field, caught.value.message


def counts() -> tuple[int, int, int, int, int]:
    return (
        Project.objects.count(),
        Project.history.count(),
        AuditEvent.objects.count(),
        Project.fund_sources.through.objects.count(),
        FundSource.objects.count() + DomainTag.objects.count(),
    )


# --- Validation: the fast check refuses what validate refuses ------------------------------------------

BAD_ROWS = {
    "kind not a choice": {"kind": "programme"},
    "category not a choice": {"category": "其他类"},
    "budget type not a choice": {"budget_type": "一般预算"},
    "status not a choice": {"status": "approved"},
    "negative amount": {"amount_requested": Decimal("-0.01")},
    "negative approved amount": {"amount_approved": Decimal("-5")},
    "three decimals": {"amount_requested": Decimal("1.005")},
    "three decimals, trailing zero": {"amount_adjusted": Decimal("1.000")},
    "seventeen whole digits": {"amount_requested": Decimal("12345678901234567")},
    "not a number": {"amount_requested": Decimal("NaN")},
    "name too long": {"name": "名" * 201},
    "name empty": {"name": "  "},
    "code too long": {"code": "C" * 41},
    "year before 2000": {"fiscal_year": 1999},
    "end year after 2100": {"end_year": 2101},
    "end before start": {"start_year": 2026, "end_year": 2025},
    "year outside the project's years": {"start_year": 2027, "end_year": 2028},
    "overall budget of a unit": {"kind": Project.Kind.DEPARTMENT_OVERALL},
    "is_new not a boolean": {"is_new": "yes"},
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bulk_refuses_what_a_single_save_refuses_with_the_same_message(world, case):
    actor = world.users["performance"]
    row = data(world, **BAD_ROWS[case])
    expected = refusal_of_validate(row)
    before = counts()
    with pytest.raises(UpsertRefused) as caught:
        services.upsert_projects(actor=actor, rows=[data(world, "BU-OK"), row])
    [refusal] = caught.value.refused
    assert (refusal.index, refusal.field, refusal.message) == (1, *expected)
    assert counts() == before  # not even the valid row, nor a tag
    preview = services.upsert_projects(actor=actor, rows=[data(world, "BU-OK"), row], dry_run=True)
    assert (preview.created, [(r.index, r.message) for r in preview.refused]) == (1, [(1, expected[1])])


def test_valid_rows_take_the_fast_path(world):
    for over in ({}, {"kind": Project.Kind.POLICY}, {"amount_requested": Decimal("0"), "amount_approved": None}):
        row = data(world, **over)
        state = services._state(row, services.department_of(row.owner), Project.Status.DRAFT)
        assert services.plainly_valid(state, row.owner)
    dept = data(world, owner="c1.dept_a", kind=Project.Kind.DEPARTMENT_OVERALL, end_year=2100)
    state = services._state(dept, dept.owner, Project.Status.DRAFT)
    assert services.plainly_valid(state, dept.owner)


YEARS = [1999, 2000, 2025, 2026, 2027, 2100, 2101, 0, -1, 40000, True, 2026.0, "2026", None]
AMOUNTS = [
    Decimal("0"),
    Decimal("-0"),
    Decimal("12.34"),
    Decimal("12.3"),
    Decimal("12"),
    Decimal("12.345"),
    Decimal("1.000"),
    Decimal("-0.01"),
    Decimal("9999999999999999.99"),
    Decimal("10000000000000000"),
    Decimal("1E+15"),
    Decimal("1E+16"),
    Decimal("1E-2"),
    Decimal("1E-3"),
    Decimal("NaN"),
    Decimal("Infinity"),
    12.34,
    12,
    "12.34",
]
TEXTS = ["P1", "名", " 名", "", "C" * 40, "C" * 41, "名" * 200, "名" * 201, 123, None]


def _choices(values: list[str]) -> list[Any]:
    return [*values, "", "x", "x" * 30, None, 1]


# Each field's candidates, good and bad (wrong types included).
CANDIDATES: dict[str, list[Any]] = {
    "kind": _choices(Project.Kind.values),
    "code": TEXTS,
    "name": TEXTS,
    "fiscal_year": YEARS,
    "start_year": YEARS,
    "end_year": YEARS,
    "category": _choices(Project.Category.values),
    "budget_type": _choices(Project.Budget.values),
    "is_new": [True, False, 1, 0, None, "true"],
    "amount_requested": [*AMOUNTS, None],
    "amount_approved": [*AMOUNTS, None],
    "amount_adjusted": [*AMOUNTS, None],
    "description": ["", "概述", None, 5],
    "status": _choices(Project.Status.values),
    "is_generated": [True, False, None, 1],
}
GOOD: dict[str, Any] = {
    "kind": Project.Kind.PROJECT,
    "code": "P1",
    "name": "名",
    "fiscal_year": 2026,
    "start_year": 2026,
    "end_year": 2026,
    "category": Project.Category.SPECIFIC,
    "budget_type": Project.Budget.GENERAL,
    "is_new": True,
    "amount_requested": Decimal("12.34"),
    "amount_approved": None,
    "amount_adjusted": None,
    "description": "",
    "status": Project.Status.DRAFT,
    "is_generated": False,
}


def fast_implies_validate(world, owner_key: str, values: dict[str, Any]) -> bool:
    """When the fast check accepts, `validate` accepts too and cleaning changes nothing (what is written
    is what was checked). Returns whether the fast check accepted."""
    owner = world.orgs[owner_key]
    department = services.department_of(owner)
    state = services._State(owner_id=owner.pk, department_id=department.pk, region_id=owner.region_id, **values)
    if not services.plainly_valid(state, owner):
        return False
    project = Project(**state._asdict())
    project.owner, project.department, project.region = owner, department, owner.region
    services.validate(project, check_unique=False)
    for name, value in state._asdict().items():
        cleaned = getattr(project, name)
        assert cleaned == value and type(cleaned) is type(value), name
    return True


def test_the_fast_check_never_accepts_what_validate_refuses_one_field_at_a_time(world):
    accepted = 0
    for owner in ("c1.unit_a", "c1.dept_a"):
        for name, candidates in CANDIDATES.items():
            for value in candidates:
                accepted += fast_implies_validate(world, owner, {**GOOD, name: value})
    assert accepted > 40  # the good values do take the fast path


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_fast_check_never_accepts_what_validate_refuses_in_any_mix(world, data):
    changed = data.draw(st.sets(st.sampled_from(sorted(CANDIDATES)), max_size=4))
    values = {**GOOD, **{name: data.draw(st.sampled_from(CANDIDATES[name]), label=name) for name in changed}}
    fast_implies_validate(world, data.draw(st.sampled_from(["c1.unit_a", "c1.dept_a"])), values)


# --- What is written ------------------------------------------------------------------------------------


def history_matches(project: Project, history: Any) -> None:
    for f in Project.history.model.tracked_fields:
        assert getattr(history, f.attname) == getattr(project, f.attname), f.name


def test_created_projects_are_written_as_single_saves_write_them(world):
    actor = world.users["performance"]
    rows = [
        data(world, "BU-001"),
        data(world, "BU-002", owner="c1.unit_b", fund_sources=[], domain_tags=["乡村振兴", "新领域"]),
        data(world, "BU-003", owner="c1.dept_a", kind=Project.Kind.POLICY, amount_approved=None, is_new=False),
    ]
    result = services.upsert_projects(actor=actor, rows=rows)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    for row in rows:
        project = Project.objects.get(code=row.code)
        assert project.amount_requested == Decimal("12345.67")
        assert project.amount_approved == row.amount_approved
        assert project.department == services.department_of(row.owner)
        assert sorted(t.name for t in project.domain_tags.all()) == sorted(row.domain_tags)
        assert sorted(f.name for f in project.fund_sources.all()) == sorted(row.fund_sources)
        [history] = project.history.all()
        assert (history.history_type, history.history_user) == ("+", actor)
        history_matches(project, history)
        [event] = AuditEvent.objects.filter(object_type="projects.project", object_id=str(project.pk))
        assert (event.action, event.actor, event.actor_name) == ("project.import", actor, actor.username)
        assert (event.object_repr, event.region_path) == (str(project), project.region.path)
        assert event.before is None
        assert event.after == audit.snapshot(project, AUDITED_FIELDS)
        assert event.after["amount_requested"] == "12345.67"


def test_changed_projects_get_a_history_row_and_an_event_with_what_changed(world):
    actor = world.users["performance"]
    services.upsert_projects(actor=actor, rows=[data(world, "BU-001"), data(world, "BU-002"), data(world, "BU-003")])
    before = {p.code: (p, audit.snapshot(p, AUDITED_FIELDS)) for p in Project.objects.filter(code__startswith="BU-")}
    result = services.upsert_projects(
        actor=actor,
        rows=[
            data(world, "BU-001", amount_requested=Decimal("20000.00"), name="改名"),
            data(world, "BU-002", domain_tags=["生态环保"], fund_sources=["一般债券"]),
            data(world, "BU-003", amount_approved=Decimal("10000")),  # 10000 == 10000.00: unchanged
        ],
    )
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    for code in ("BU-001", "BU-002"):
        project = Project.objects.get(code=code)
        old, old_snapshot = before[code]
        assert project.updated_at > old.updated_at and project.created_at == old.created_at
        latest = project.history.latest("history_id")
        assert (project.history.count(), latest.history_type, latest.history_user) == (2, "~", actor)
        history_matches(project, latest)
        event = AuditEvent.objects.filter(object_id=str(project.pk), action="project.import").latest("id")
        assert (event.before, event.after) == audit.diff(old_snapshot, audit.snapshot(project, AUDITED_FIELDS))
    assert Project.objects.get(code="BU-001").amount_requested == Decimal("20000.00")
    assert AuditEvent.objects.get(object_id=str(Project.objects.get(code="BU-001").pk), before__isnull=False).after == {
        "name": "改名",
        "amount_requested": "20000.00",
    }
    assert [t.name for t in Project.objects.get(code="BU-002").domain_tags.all()] == ["生态环保"]
    unchanged = Project.objects.get(code="BU-003")
    assert unchanged.updated_at == before["BU-003"][0].updated_at and unchanged.history.count() == 1


def test_the_same_rows_again_write_nothing(world):
    actor = world.users["performance"]
    rows = [data(world, f"BU-{i:03d}", owner=("c1.unit_a", "c1.unit_b", "c1.dept_a")[i % 3]) for i in range(30)]
    services.upsert_projects(actor=actor, rows=rows)
    before = counts()
    with CaptureQueriesContext(connection) as ctx:
        result = services.upsert_projects(actor=actor, rows=rows)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 30)
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert counts() == before


def test_every_refused_row_is_listed_and_nothing_is_written(world):
    # 第一中学's user: may change its own projects, not other units', not once the budget is approved.
    actor = world.users["unit"]
    approved = world.project("c1.unit_a.P2")
    assert approved.status == Project.Status.BUDGETED
    rows = [
        data(world, "BU-001", fund_sources=["全新来源"]),
        data(world, "BU-002", owner="c1.unit_b"),
        data(world, "BU-001"),
        data(world, approved.code, name="改名", fiscal_year=approved.fiscal_year),
        data(world, "BU-004", amount_requested=Decimal("-1")),
    ]
    before = counts()
    with pytest.raises(UpsertRefused) as caught:
        services.upsert_projects(actor=actor, rows=rows)
    refused = {r.index: (r.field, r.message) for r in caught.value.refused}
    assert set(refused) == {1, 2, 3, 4}
    assert "权限" in refused[1][1] or "不存在" in refused[1][1]
    assert refused[2] == ("code", "项目编码“BU-001”与第1条重复（同一区划同一年度内项目编码须唯一）")
    assert refused[3] == ("code", f"“{approved.code}”：项目状态为“已批复”，只有财政部门可以修改")
    assert refused[4][0] == "amount_requested"
    assert counts() == before
    assert not FundSource.objects.filter(name="全新来源").exists()


def test_an_existing_project_out_of_scope_is_not_overwritten(world):
    # 农技推广中心's user imports a row with 第一中学's project code (same county, same year).
    target = world.project("c1.unit_a.P1")
    row = data(world, target.code, owner="c1.unit_b", fiscal_year=target.fiscal_year)
    with pytest.raises(UpsertRefused) as caught:
        services.upsert_projects(actor=world.users["unit_b"], rows=[row])
    [refusal] = caught.value.refused
    assert refusal.message == f"项目编码“{target.code}”在{target.fiscal_year}年度已有项目，且不在您的权限范围内"
    assert world.project("c1.unit_a.P1").owner == world.orgs["c1.unit_a"]


def test_a_dry_run_counts_what_would_happen_and_writes_nothing(world):
    actor = world.users["performance"]
    services.upsert_projects(actor=actor, rows=[data(world, "BU-001"), data(world, "BU-002")])
    before = counts()
    rows = [data(world, "BU-001"), data(world, "BU-002", domain_tags=["全新领域"]), data(world, "BU-003")]
    preview = services.upsert_projects(actor=actor, rows=rows, dry_run=True)
    assert (preview.created, preview.updated, preview.unchanged, preview.refused) == (1, 1, 1, [])
    assert counts() == before
    result = services.upsert_projects(actor=actor, rows=rows)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)


def test_values_written_as_they_are_need_no_preparation(world):
    """The writer hands values of PASS_THROUGH field types to the database as they are: for those,
    the field API would have handed over the very same value."""
    services.upsert_projects(actor=world.users["performance"], rows=[data(world, "BU-001")])
    project = Project.objects.get(code="BU-001")
    event = AuditEvent.objects.get(object_id=str(project.pk), action="project.import")
    link = Project.fund_sources.through.objects.filter(project=project).first()
    samples: list[tuple[Any, Any]] = [(project, f) for f in Project._meta.concrete_fields]
    samples += [(event, f) for f in AuditEvent._meta.concrete_fields]
    samples += [(link, f) for f in type(link)._meta.concrete_fields]
    checked = 0
    for obj, f in samples:
        if f.get_internal_type() not in PASS_THROUGH:
            continue
        value = getattr(obj, f.attname)
        prepared = f.get_db_prep_save(value, connection=connection)
        # The same value of the same type (on PostgreSQL a small integer comes back as psycopg's `Int2`, an
        # int with a type hint for parameters that an INSERT or UPDATE of the column does not need).
        assert prepared == value and isinstance(prepared, type(value)), f"{type(obj).__name__}.{f.name}"
        checked += 1
    assert checked >= 25


def test_stored_amounts_are_read_back_as_the_model_reads_them(world):
    """The comparison reads amounts as whole fen: the same Decimal, to the digit, as the model gives."""
    amounts = ["0.00", "0.01", "0.10", "12345.67", "100", "99999999999.99", "1234567890123.45"]
    rows = [
        data(world, f"AM-{i}", amount_requested=Decimal(a), amount_approved=Decimal(a) if i % 2 else None)
        for i, a in enumerate(amounts)
    ]
    services.upsert_projects(actor=world.users["performance"], rows=rows)
    stored = services._stored({(r.owner.region_id, r.fiscal_year, r.code) for r in rows})
    assert len(stored) == len(amounts)
    for project in Project.objects.filter(code__startswith="AM-"):
        _, state = stored[(project.region_id, project.fiscal_year, project.code)]
        for name in ("amount_requested", "amount_approved", "amount_adjusted"):
            assert str(getattr(state, name)) == str(getattr(project, name)), (project.code, name)


def test_a_project_changed_by_someone_else_meanwhile_stops_the_write(world):
    """What the upsert read may change before it writes (PostgreSQL lets another transaction in): the
    projects it is about to change are locked and compared again, and a difference writes nothing."""
    services.upsert_projects(actor=world.users["performance"], rows=[data(world, "BU-001")])
    project = Project.objects.get(code="BU-001")
    key = (project.region_id, project.fiscal_year, project.code)
    [(pk, read)] = services._stored({key}).values()
    Project.objects.filter(pk=pk).update(name="他人修改")
    links = (frozenset(), frozenset())
    with pytest.raises(services.DomainError, match="在导入过程中被他人修改"):
        services._hold([(0, pk, read, links, read._replace(name="导入修改"), links)])
    [(_, now)] = services._stored({key}).values()
    services._hold([(0, pk, now, links, now._replace(name="导入修改"), links)])  # as read: goes ahead
