"""A small deterministic world for tests, built only through the services.

Regions: 山西省 › 吕梁市 › 中阳县 (c1) and 交口县 (c2); 陕西省 › 宝鸡市 › 岐山县 (p2).
Every county has a finance bureau with four divisions (绩效、预算、归口、评审中心) and two departments
(教育局 with 第一中学, 农业农村局 with 农技推广中心). 吕梁市 has a finance bureau with a 绩效科.
中阳县 also has a 第三方机构, a 专家库, the 人大 and the 审计局, so that every role has a user there.

Projects: every unit has two projects (one draft, one budgeted) and every department one 部门整体支出
(draft). Amounts, categories, years, fund sources and tags differ so that each list filter has
something to tell apart.

Users (all with the password `PASSWORD`):
- one per role in 中阳县, keyed by the role's value: "performance", "budget", "sector", "review_center",
  "department" (教育局), "unit" (第一中学), "agency", "expert", "congress", "audit", "sysadmin",
  "secadmin", "auditadmin";
- "unit_b" (农技推广中心 of 中阳县), "city_performance" (吕梁市财政局绩效科), "c2_performance",
  "p2_performance", "p2_unit";
- a 主管部门 reviewer for every other department, keyed "{county}.{department}" ("c1.dept_b", "c2.dept_a" …),
  so that every goal can go through the default chain (主管部门审核 → 财政部门审核).

Goals: every budgeted project has a goal (`GOAL`, a small valid declaration) declared, submitted and passed
through that chain before its budget was approved, as the goal gate requires (`pass_goal`).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.goals import services as goal_services
from jixiao.goals.models import Goal
from jixiao.goals.services import GoalInput, IndicatorInput
from jixiao.orgs import services as org_services
from jixiao.orgs.models import Organization, Region, User
from jixiao.orgs.roles import Role
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from jixiao.projects.services import ProjectInput

PASSWORD = "Jixiao-test-2026"

REGIONS = [
    # (key, code, name, parent key)
    ("prov", "140000", "山西省", None),
    ("city", "141100", "吕梁市", "prov"),
    ("c1", "141129", "中阳县", "city"),
    ("c2", "141130", "交口县", "city"),
    ("prov2", "610000", "陕西省", None),
    ("city2", "610300", "宝鸡市", "prov2"),
    ("p2", "610323", "岐山县", "city2"),
]
COUNTIES = ["c1", "c2", "p2"]

DIVISIONS = [
    ("performance", "绩效科"),
    ("budget", "预算科"),
    ("sector", "教科文科"),
    ("review_center", "预算评审中心"),
]

# Per county: department key → (code suffix, department name, unit name)
DEPARTMENTS = {
    "dept_a": ("JY", "教育局", "第一中学"),
    "dept_b": ("NY", "农业农村局", "农技推广中心"),
}


@dataclass(frozen=True)
class ProjectSpec:
    suffix: str
    name: str
    category: str
    budget_type: str
    fiscal_year: int
    fund_sources: tuple[str, ...]
    domain_tags: tuple[str, ...]
    amount_requested: Decimal
    budgeted: bool


# Two projects for each unit; amounts in 元. `n` (1..6, one per unit in the world) keeps every amount
# distinct, so sums reveal which projects were counted.
def unit_projects(unit_name: str, n: int) -> list[ProjectSpec]:
    return [
        ProjectSpec(
            "P1",
            f"{unit_name}校舍维修改造项目",
            Project.Category.SPECIFIC,
            Project.Budget.GENERAL,
            2026,
            ("一般债券",),
            ("教育",),
            Decimal("1000000.00") * n + Decimal("0.01") * n,
            False,
        ),
        ProjectSpec(
            "P2",
            f"{unit_name}智慧农业示范项目",
            Project.Category.OTHER_OPERATING,
            Project.Budget.FUND,
            2025,
            ("上级转移支付", "专项债券"),
            ("乡村振兴",),
            Decimal("250000.50") * n,
            True,
        ),
    ]


# A goal that passes every blocking check under the national defaults: 产出, 效益 and 满意度 indicators,
# each with an operator, a value and a unit.
GOAL = GoalInput(
    annual_goal="完成校舍维修改造1200平方米，消除校舍安全隐患，保障正常教学秩序。",
    mid_term_goal="三年内完成全部校舍的安全改造。",
    indicators=[
        IndicatorInput("产出指标", "数量指标", "维修改造校舍面积", "≥", Decimal(1200), unit="平方米", basis="计划标准"),
        IndicatorInput("效益指标", "社会效益指标", "校舍安全隐患消除率", "=", Decimal(100), unit="%"),
        IndicatorInput("满意度指标", "服务对象满意度指标", "师生满意度", "≥", Decimal(90), unit="%"),
    ],
)


@dataclass
class World:
    regions: dict[str, Region] = field(default_factory=dict)
    orgs: dict[str, Organization] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    password: str = PASSWORD

    def project(self, key: str) -> Project:
        """The project as it is now in the database."""
        return Project.objects.get(pk=self.projects[key].pk)

    def department_reviewer(self, project: Project) -> User:
        """The 主管部门 user who reviews the project's goal at the first step of the default chain."""
        for key, org in self.orgs.items():
            if org.pk == project.department_id:
                return self.users["department" if key == "c1.dept_a" else key]
        raise KeyError(project.code)

    def finance_reviewer(self, project: Project) -> User:
        """The 绩效科 user of the project's county, who reviews at the second step."""
        county = next(k for k in COUNTIES if self.regions[k].pk == project.region_id)
        return self.users["performance" if county == "c1" else f"{county}_performance"]


def pass_goal(world: World, project: Project, data: GoalInput = GOAL) -> Goal:
    """Declare `data` for the project, submit it and pass it through the default two-step chain, each
    step decided by its reviewer: the goal is then 审核通过 and the budget may be approved."""
    finance = world.finance_reviewer(project)
    goal = goal_services.save_goal(actor=finance, project=project, data=data)
    goal = goal_services.submit_goal(actor=finance, goal=goal)
    goal = goal_services.review_goal(actor=world.department_reviewer(project), goal=goal, result="优")
    return goal_services.review_goal(actor=finance, goal=goal, result="良")


def pass_assessment(world: World, project: Project) -> None:
    """Where the rules ask for an ex-ante assessment, the county's 绩效科 assesses the project itself with
    full marks and concludes 予以支持, as the appraisal gate requires before 入库 and 批复."""
    from jixiao.appraisals import selectors as appraisal_selectors
    from jixiao.appraisals import services as appraisal_services

    if not appraisal_selectors.assessment_required(project):
        return
    finance = world.finance_reviewer(project)
    assessment = appraisal_services.create_assessment(actor=finance, project=project, assessor_kind="bureau")
    full = [
        appraisal_services.ScoreInput(d["key"], i["name"], Decimal(i["points"]))
        for d in assessment.dimensions
        for i in d["items"]
    ]
    assessment = appraisal_services.score_assessment(
        actor=finance, assessment=assessment, scores=full, materials_provided=list(assessment.materials_required)
    )
    assessment = appraisal_services.submit_assessment(actor=finance, assessment=assessment)
    appraisal_services.conclude_assessment(actor=finance, assessment=assessment)


def _user(world: World, key: str, org: Organization, role: str) -> User:
    user = org_services.create_user(actor=None, username=f"t_{key}", password=PASSWORD, display_name=f"测试{key}")
    org_services.add_membership(actor=None, user=user, organization=org, role=role)
    world.users[key] = user
    return user


def build_world() -> World:
    w = World()
    for key, code, name, parent in REGIONS:
        w.regions[key] = org_services.create_region(
            actor=None, code=code, name=name, parent=w.regions[parent] if parent else None
        )

    def org(
        key: str,
        code: str,
        name: str,
        kind: str,
        region: Region,
        parent: Organization | None = None,
        division: str = "",
    ) -> Organization:
        w.orgs[key] = org_services.create_organization(
            actor=None, code=code, name=name, kind=kind, region=region, parent=parent, division=division
        )
        return w.orgs[key]

    K = Organization.Kind
    city_bureau = org("city.bureau", "141100-CZ", "吕梁市财政局", K.FINANCE_BUREAU, w.regions["city"])
    org(
        "city.performance",
        "141100-CZ-JX",
        "吕梁市财政局绩效科",
        K.FINANCE_DIVISION,
        w.regions["city"],
        city_bureau,
        "performance",
    )
    _user(w, "city_performance", w.orgs["city.performance"], Role.PERFORMANCE)

    for c in COUNTIES:
        region = w.regions[c]
        code = region.code
        bureau = org(f"{c}.bureau", f"{code}-CZ", f"{region.name}财政局", K.FINANCE_BUREAU, region)
        for div, label in DIVISIONS:
            org(
                f"{c}.{div}", f"{code}-CZ-{div}", f"{region.name}财政局{label}", K.FINANCE_DIVISION, region, bureau, div
            )
        for dkey, (suffix, dname, uname) in DEPARTMENTS.items():
            dept = org(f"{c}.{dkey}", f"{code}-{suffix}", f"{region.name}{dname}", K.DEPARTMENT, region)
            org(f"{c}.unit_{dkey[-1]}", f"{code}-{suffix}-01", f"{region.name}{uname}", K.UNIT, region, dept)

    c1 = w.regions["c1"]
    org("c1.agency", "141129-AG", "中阳县绩效评价事务所", K.AGENCY, c1)
    org("c1.experts", "141129-EX", "中阳县绩效评价专家库", K.EXPERT_POOL, c1)
    org("c1.congress", "141129-RD", "中阳县人大常委会预算工委", K.CONGRESS, c1)
    org("c1.audit", "141129-SJ", "中阳县审计局", K.AUDIT_OFFICE, c1)

    role_org = {
        Role.PERFORMANCE: "c1.performance",
        Role.BUDGET: "c1.budget",
        Role.SECTOR: "c1.sector",
        Role.REVIEW_CENTER: "c1.review_center",
        Role.DEPARTMENT: "c1.dept_a",
        Role.UNIT: "c1.unit_a",
        Role.AGENCY: "c1.agency",
        Role.EXPERT: "c1.experts",
        Role.CONGRESS: "c1.congress",
        Role.AUDIT: "c1.audit",
        Role.SYSADMIN: "c1.bureau",
        Role.SECADMIN: "c1.bureau",
        Role.AUDITADMIN: "c1.bureau",
    }
    for role in Role:
        _user(w, role.value, w.orgs[role_org[role]], role)
    _user(w, "unit_b", w.orgs["c1.unit_b"], Role.UNIT)
    _user(w, "c2_performance", w.orgs["c2.performance"], Role.PERFORMANCE)
    _user(w, "p2_performance", w.orgs["p2.performance"], Role.PERFORMANCE)
    _user(w, "p2_unit", w.orgs["p2.unit_a"], Role.UNIT)
    for c in COUNTIES:
        for dkey in DEPARTMENTS:
            if (c, dkey) != ("c1", "dept_a"):
                _user(w, f"{c}.{dkey}", w.orgs[f"{c}.{dkey}"], Role.DEPARTMENT)

    n = 0
    for c in COUNTIES:
        actor = w.users["performance" if c == "c1" else f"{c}_performance"]
        for dkey in DEPARTMENTS:
            dept = w.orgs[f"{c}.{dkey}"]
            w.projects[f"{c}.{dkey}.overall"] = project_services.create_project(
                actor=actor,
                data=ProjectInput(
                    code=f"{dept.code}-ZT",
                    name=f"{dept.name}部门整体支出",
                    owner=dept,
                    fiscal_year=2026,
                    category=Project.Category.PUBLIC_FUNDS,
                    amount_requested=Decimal("5000000.00"),
                    kind=Project.Kind.DEPARTMENT_OVERALL,
                    is_new=False,
                ),
            )
            unit_key = f"{c}.unit_{dkey[-1]}"
            unit = w.orgs[unit_key]
            n += 1
            for spec in unit_projects(unit.name, n):
                project = project_services.create_project(
                    actor=actor,
                    data=ProjectInput(
                        code=f"{unit.code}-{spec.suffix}",
                        name=spec.name,
                        owner=unit,
                        fiscal_year=spec.fiscal_year,
                        category=spec.category,
                        budget_type=spec.budget_type,
                        fund_sources=list(spec.fund_sources),
                        domain_tags=list(spec.domain_tags),
                        amount_requested=spec.amount_requested,
                        description=f"{spec.name}的概述",
                    ),
                )
                if spec.budgeted:
                    for action in ("submit", "admit"):
                        project = project_services.transition_project(actor=actor, project=project, action=action)
                    pass_goal(w, project)
                    project = project_services.transition_project(actor=actor, project=project, action="approve_budget")
                w.projects[f"{unit_key}.{spec.suffix}"] = project
    return w
