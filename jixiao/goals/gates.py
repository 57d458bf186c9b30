"""The goal gate on the budget: "未按要求设定绩效目标的不得纳入预算" and "谁批复预算，谁批复目标".

Approving a project's budget (any channel: page, API, CLI, batch) runs `approve_goal_with_budget` in the
same transaction. Where the project's category requires goals (`goals.exempt_categories`), the budget is
refused unless the goal has passed its review chain, and the goal is approved together with it.
"""

from typing import Any

from django.utils import timezone

from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.goals.models import Goal
from jixiao.orgs.rules_config import resolve
from jixiao.projects.models import Project


def goal_required(project: Project) -> bool:
    exempt = resolve("goals.exempt_categories", project.region, project.fiscal_year).value
    return project.category not in exempt


def missing_goal_message(project: Project, goal: Goal | None) -> str:
    where = f"项目“{project.code} {project.name}”"
    if goal is None:
        return f"{where}尚未申报绩效目标，不能批复预算：{project.category}项目须先设定绩效目标并经审核通过。"
    if goal.status == Goal.Status.REJECTED:
        return f"{where}的绩效目标审核结果为“差”，不得进入预算安排。"
    return f"{where}的绩效目标{goal.get_status_display()}，须审核通过后才能批复预算。"


def approve_goal_with_budget(*, actor: Any, project: Project) -> None:
    if not goal_required(project):
        return
    goals = list(Goal.objects.select_for_update().filter(project=project).order_by("-version"))
    in_force = next((g for g in goals if g.status in (Goal.Status.PASSED, Goal.Status.APPROVED)), None)
    if in_force is None:
        raise DomainError(missing_goal_message(project, goals[0] if goals else None), field="goal")
    if in_force.status == Goal.Status.PASSED:
        before = audit.snapshot(in_force, ["status"])
        in_force.status = Goal.Status.APPROVED
        in_force.approved_at = timezone.now()
        in_force.save(update_fields=["status", "approved_at", "updated_at"])
        audit.record(
            actor=actor,
            action="goal.approve",
            obj=in_force,
            before=before,
            after=audit.snapshot(in_force, ["status"]),
            region_path=project.region.path,
            message="随预算一并批复",
        )
