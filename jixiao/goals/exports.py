"""Export of goals as 绩效目标申报表 (one block per project, the layout `importing` reads back), and
the blank form offered as the import template."""

import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse

from jixiao.core import audit, scoping
from jixiao.goals import excel
from jixiao.goals.models import Goal, Indicator
from jixiao.goals.services import IN_FORCE
from jixiao.orgs.roles import Cap
from jixiao.projects.models import Project
from jixiao.rules.money import yuan_to_wan
from jixiao.rules.targets import plain_number

CHUNK = 500
NOTES = [
    "每个项目一张申报表，按“项目编码”匹配本年度的项目；一个工作表可以放多张申报表，也可以每张一个工作表。",
    "表头单元格按标签查找（项目编码、项目名称、中期目标、年度目标……），值填在标签右侧或下方；资金单位为万元，仅供参考，以项目库为准。",
    "指标表的表头须包含：一级指标、二级指标、三级指标、指标值；指标性质（=、≥、≤、>、<、定性）、计量单位等列可选。",
    "指标值可以连同符号和单位写在一格里，如“≥50个”“≤90万元”“=100%”；定性指标填写描述，如“应保尽保”。",
    "合并单元格的一级、二级指标可以只在第一行填写，下面的空格沿用上面的值。",
    "草稿或退回修改的绩效目标会被更新；审核中、已审核通过的绩效目标须通过调整申请修改。同一文件重复导入不会改变数据。",
]


def projects_for(*, user: Any, region: Any = None, year: int | None = None) -> QuerySet[Project]:
    """The projects whose goals the user may see, optionally of one region (and those below) and year."""
    qs = scoping.restrict(Project.objects.all(), user, Cap.PROJECT_VIEW)
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    if year is not None:
        qs = qs.filter(fiscal_year=year)
    return qs


def _current(goals: list[Goal]) -> Goal | None:
    """The version a person works on: the open one, else the one in force."""
    return next((g for g in goals if g.status in Goal.OPEN), None) or next(
        (g for g in goals if g.status in IN_FORCE), None
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _form(project: Project, goal: Goal | None) -> excel.Form:
    amount = project.amount_approved if project.amount_approved is not None else project.amount_requested
    department = project.department.name if project.department_id else ""
    form = excel.Form(
        code=project.code,
        name=project.name,
        department=department,
        unit=project.owner.name,
        attribute="新增" if project.is_new else "延续",
        period=f"{project.start_year}—{project.end_year}年" if project.end_year != project.start_year else "1年",
        annual_total_wan=float(yuan_to_wan(amount)),
        department_overall=project.kind == Project.Kind.DEPARTMENT_OVERALL,
    )
    if goal is None:
        return form
    form.beneficiaries = goal.has_beneficiaries
    form.mid_term_goal = goal.mid_term_goal
    form.annual_goal = goal.annual_goal
    for i in goal.indicators.all():
        # The target as it was written keeps what the writer meant (「≥100百分比」); without it, the number.
        target: str | float = i.target_text or (plain_number(i.target_value) if i.target_value is not None else "")
        form.indicators.append(
            excel.FormIndicator(
                level1=i.level1,
                level2=i.level2,
                name=i.name,
                operator=i.operator,
                target=target,
                unit=i.unit,
                mid_term_target=i.mid_term_target,
                explanation=i.explanation,
                scoring_rule=i.scoring_rule,
                basis=i.basis,
                weight=_number(i.weight),
                last_year_actual=_number(i.last_year_actual),
                data_source=i.data_source,
                is_core=i.is_core,
                remark=i.remark,
            )
        )
    return form


def forms(projects: QuerySet[Project]) -> Iterator[excel.Form]:
    """A form per project, CHUNK projects (with their goals and indicators) at a time."""
    ids = list(projects.order_by("kind", "code", "pk").values_list("pk", flat=True))
    goals = Prefetch(
        "goals",
        queryset=Goal.objects.order_by("-version").prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("position", "id"))
        ),
    )
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        batch = Project.objects.filter(pk__in=part).select_related("owner", "department").prefetch_related(goals)
        by_id = {p.pk: p for p in batch}
        for pk in part:
            project = by_id[pk]
            yield _form(project, _current(list(project.goals.all())))


def write_workbook(path: str, items: Iterable[excel.Form]) -> int:
    writer = excel.FormWriter(path)
    # Department-overall forms go on their own sheet; with constant memory each sheet is written in
    # row order, so the blocks of both sheets interleave freely.
    for form in items:
        writer.write(form)
    writer.close()
    return writer.count


def write_template(path: str) -> None:
    """A blank project form and the notes on filling it in."""
    writer = excel.FormWriter(path)
    blank = excel.FormIndicator
    writer.write(
        excel.Form(
            code="",
            name="",
            indicators=[
                blank("产出指标", "数量指标", "", "≥", ""),
                blank("", "质量指标", "", "=", ""),
                blank("", "时效指标", "", "≤", ""),
                blank("", "成本指标", "", "≤", ""),
                blank("效益指标", "社会效益指标", "", "定性", ""),
                blank("满意度指标", "服务对象满意度指标", "", "≥", ""),
            ],
        )
    )
    notes = writer.book.add_worksheet("填写说明")
    notes.set_column(0, 0, 120)
    for r, line in enumerate(NOTES):
        notes.write_string(r, 0, f"{r + 1}. {line}")
    writer.close()


def goal_workbook_response(projects: QuerySet[Project], *, actor: Any) -> FileResponse:
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by FileResponse)
    count = write_workbook(tmp.name, forms(projects))
    audit.record(actor=actor, action="goal.export", message=f"导出绩效目标申报表{count}份")
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename="绩效目标申报表.xlsx")
