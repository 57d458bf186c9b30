"""The permission matrix: every role × object × action, through the web pages and the API.

The expected outcome comes from the explicit table below, written from the permission model in
words (not read from `jixiao.orgs.roles.CAPABILITIES`), so that a change to the code that widens or
narrows a role shows up here as a failure.

Rules checked: outside scope → 404 on detail and absent from lists; visible but forbidden → 403;
allowed → 200/201/302 and the change is really made. Anonymous: pages redirect to the login page,
the API answers 403.
"""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.orgs.models import Organization
from jixiao.projects import services
from jixiao.projects.forms import ProjectForm
from jixiao.projects.models import Project
from tests.world import pass_assessment, pass_goal

# The objects, seen from 中阳县 (c1): users of c1 are placed in 教育局 (dept_a) and 第一中学 (unit_a).
OBJECTS = {
    "own": "c1.unit_a.P1",  # 第一中学's project (the unit user's own; in the department user's tree)
    "dept_overall": "c1.dept_a.overall",  # 教育局's 部门整体支出
    "other_unit": "c1.unit_b.P1",  # 农技推广中心 (another department) in the same county
    "other_county": "c2.unit_a.P1",  # 交口县, same city
    "other_province": "p2.unit_a.P1",  # 陕西省岐山县
}
C1 = {"own", "dept_overall", "other_unit"}
NONE: set[str] = set()

# subject → (may view, may create/edit/submit, may admit/approve)
TABLE: dict[str, tuple[set[str], set[str], set[str]]] = {
    "performance": (C1, C1, C1),
    "budget": (C1, C1, C1),
    "sector": (C1, NONE, NONE),
    "review_center": (C1, NONE, NONE),
    "department": ({"own", "dept_overall"}, {"own", "dept_overall"}, NONE),
    "unit": ({"own"}, {"own"}, NONE),
    "agency": (NONE, NONE, NONE),
    "expert": (NONE, NONE, NONE),
    "congress": (C1, NONE, NONE),
    "audit": (C1, NONE, NONE),
    "sysadmin": (NONE, NONE, NONE),
    "secadmin": (NONE, NONE, NONE),
    "auditadmin": (NONE, NONE, NONE),
    # A city finance bureau reaches both of its counties, not the other province.
    "city_performance": (C1 | {"other_county"}, C1 | {"other_county"}, C1 | {"other_county"}),
}

ACTIONS = [
    "list_ui",
    "list_api",
    "detail_ui",
    "detail_api",
    "create_ui",
    "create_api",
    "edit_ui",
    "edit_api",
    "submit_ui",
    "submit_api",
    "admit_ui",
    "admit_api",
    "approve_budget_ui",
    "approve_budget_api",
]

# Which action needs which column of the table; the state a project must be in for the transition.
NEEDS = {"list": 0, "detail": 0, "create": 1, "edit": 1, "submit": 1, "admit": 2, "approve_budget": 2}
BEFORE = {"submit": [], "admit": ["submit"], "approve_budget": ["submit", "admit"]}
AFTER = {
    "submit": Project.Status.SUBMITTED,
    "admit": Project.Status.IN_LIBRARY,
    "approve_budget": Project.Status.BUDGETED,
}
COUNTY_ACTOR = {"c1": "performance", "c2": "c2_performance", "p2": "p2_performance"}


def expected(subject: str, obj: str, action: str) -> str:
    """'ok', 'forbidden' (visible, not allowed) or 'hidden' (outside the subject's scope)."""
    column = NEEDS[action.rsplit("_", 1)[0]]
    view, *_ = TABLE[subject]
    if obj in TABLE[subject][column]:
        return "ok"
    return "forbidden" if obj in view else "hidden"


def form_data(project: Project, **changes: object) -> dict[str, str]:
    data = {k: "" if v is None else str(v) for k, v in ProjectForm.initial_from(project).items()}
    data.update({k: str(v) for k, v in changes.items()})
    return data


def api_data(project: Project, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": project.kind,
        "code": project.code,
        "name": project.name,
        "owner": project.owner_id,
        "fiscal_year": project.fiscal_year,
        "category": project.category,
        "budget_type": project.budget_type,
        "fund_sources": [t.name for t in project.fund_sources.all()],
        "domain_tags": [t.name for t in project.domain_tags.all()],
        "is_new": project.is_new,
        "start_year": project.start_year,
        "end_year": project.end_year,
        "amount_requested": str(project.amount_requested),
        "description": project.description,
    }
    data.update(changes)
    return data


def prepare(world, obj_key: str, action: str) -> Project:
    """Bring the object's project to the state in which `action` is legal, as its own county's 绩效科."""
    project = world.project(OBJECTS[obj_key])
    actor = world.users[COUNTY_ACTOR[OBJECTS[obj_key].split(".")[0]]]
    if action in ("admit", "approve_budget"):
        pass_assessment(world, project)  # the appraisal gate: no 入库 without a passing ex-ante assessment
    for step in BEFORE.get(action, []):
        project = services.transition_project(actor=actor, project=project, action=step)
    if action == "approve_budget":
        pass_goal(world, project)  # the goal gate: no budget without a goal that passed review
    return project


def perform(client: Client, world, obj_key: str, action: str):
    """Do `action` on the object; return (response, whether the change was really made)."""
    verb, channel = action.rsplit("_", 1)
    project = prepare(world, obj_key, verb)
    before = project.status
    if verb == "list":
        if channel == "ui":
            r = client.get(reverse("projects:list"))
            shown = r.status_code == 200 and reverse("projects:detail", args=[project.pk]) in r.text
        else:
            r = client.get("/api/projects/", {"page_size": 500})
            shown = r.status_code == 200 and project.pk in [row["id"] for row in r.json()["results"]]
        return r, shown
    if verb == "detail":
        if channel == "ui":
            r = client.get(reverse("projects:detail", args=[project.pk]))
        else:
            r = client.get(f"/api/projects/{project.pk}/")
        return r, r.status_code == 200 and project.code in r.text
    if verb == "create":
        code = f"NEW-{obj_key}"
        if channel == "ui":
            r = client.post(reverse("projects:create"), form_data(project, code=code))
        else:
            r = client.post("/api/projects/", api_data(project, code=code), content_type="application/json")
        return r, Project.objects.filter(code=code, owner=project.owner).exists()
    if verb == "edit":
        name = f"{project.name}（已修改）"
        if channel == "ui":
            r = client.post(reverse("projects:edit", args=[project.pk]), form_data(project, name=name))
        else:
            r = client.put(
                f"/api/projects/{project.pk}/", api_data(project, name=name), content_type="application/json"
            )
        return r, world.project(OBJECTS[obj_key]).name == name
    # A lifecycle transition.
    if channel == "ui":
        r = client.post(reverse("projects:transition", args=[project.pk]), {"action": verb})
    else:
        r = client.post(f"/api/projects/{project.pk}/transition/", {"action": verb}, content_type="application/json")
    after = world.project(OBJECTS[obj_key]).status
    return r, after == AFTER[verb] and after != before


CASES = [(s, o, a) for s in TABLE for o in OBJECTS for a in ACTIONS]


@pytest.mark.parametrize(("subject", "obj", "action"), CASES, ids=["-".join(c) for c in CASES])
def test_permission_matrix(world, client_for, subject, obj, action):
    client = client_for(subject)
    outcome = expected(subject, obj, action)
    r, done = perform(client, world, obj, action)
    verb, channel = action.rsplit("_", 1)
    may_view_any = bool(TABLE[subject][0])
    may_change_any = bool(TABLE[subject][1])

    if verb == "list":
        if channel == "ui" and not may_view_any:
            assert r.status_code == 403  # the page itself is not for this role
        else:
            assert r.status_code == 200
        assert done == (outcome == "ok"), "listed" if done else "missing from the list"
        return

    if outcome == "ok":
        expected_status = {"ui": 302 if verb != "detail" else 200, "api": 201 if verb == "create" else 200}[channel]
        assert r.status_code == expected_status, r.content[:500]
        assert done
        return

    assert not done, "the refused action was carried out"
    if verb == "create":
        # The owner is named in the request: a page the role may not use at all is 403; an owner the
        # user may see but not change is 403 in the API; an owner outside the scope is an error on
        # the owner field (its existence is not revealed).
        if channel == "ui":
            if not may_change_any:
                assert r.status_code == 403
            else:
                assert r.status_code == 200
                assert r.context["form"].errors.get("owner"), r.context["form"].errors
        elif outcome == "forbidden":
            assert r.status_code == 403
        else:
            assert r.status_code == 400
            assert r.json()["field"] == "owner"
        return
    assert r.status_code == (403 if outcome == "forbidden" else 404), r.content[:300]


ANON_CASES = [(o, a) for o in OBJECTS for a in ACTIONS]


@pytest.mark.parametrize(("obj", "action"), ANON_CASES, ids=["-".join(c) for c in ANON_CASES])
def test_anonymous_is_sent_to_login_or_refused(world, obj, action):
    r, done = perform(Client(), world, obj, action)
    assert not done
    if action.endswith("_ui"):
        assert r.status_code == 302
        assert r["Location"].startswith(reverse("login"))
    else:
        assert r.status_code in (401, 403)


def test_the_table_covers_every_role():
    from jixiao.orgs.roles import Role

    assert {r.value for r in Role} <= set(TABLE)


def test_unit_cannot_move_its_project_to_another_unit(world, client_for):
    client = client_for("unit")
    own = world.project("c1.unit_a.P1")
    other = world.orgs["c1.unit_b"]

    r = client.post(reverse("projects:edit", args=[own.pk]), form_data(own, owner=other.pk))
    assert r.status_code == 200
    assert r.context["form"].errors["owner"]

    r = client.put(f"/api/projects/{own.pk}/", api_data(own, owner=other.pk), content_type="application/json")
    assert r.status_code == 400
    assert r.json()["field"] == "owner"
    assert world.project("c1.unit_a.P1").owner_id == own.owner_id


def test_department_cannot_create_for_a_unit_of_another_department(world, client_for):
    """Guessing the id of another department's unit gets the same answer as an id that does not exist."""
    client = client_for("department")
    template = world.project("c1.unit_a.P1")
    missing = Organization.objects.order_by("-pk").first().pk + 1000
    answers = []
    for owner in (world.orgs["c1.unit_b"].pk, world.orgs["c2.unit_a"].pk, missing):
        r = client.post(
            "/api/projects/", api_data(template, code=f"X-{owner}", owner=owner), content_type="application/json"
        )
        answers.append((r.status_code, r.json()))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 400
    assert not Project.objects.filter(code__startswith="X-").exists()


def test_unit_may_not_edit_after_the_budget_is_approved(world, client_for):
    budgeted = world.project("c1.unit_a.P2")
    assert budgeted.status == Project.Status.BUDGETED
    r = client_for("unit").put(
        f"/api/projects/{budgeted.pk}/",
        api_data(budgeted, amount_requested="1.00"),
        content_type="application/json",
    )
    assert r.status_code == 403
    assert "已批复" in r.json()["detail"]
    assert world.project("c1.unit_a.P2").amount_requested != Decimal("1.00")
