"""Template helpers of the goal pages, and the goal card that the project page shows."""

from typing import Any

from django import template

from jixiao.core import scoping
from jixiao.goals import selectors, services
from jixiao.goals.gates import goal_required
from jixiao.goals.models import Goal
from jixiao.orgs.roles import Cap, Role
from jixiao.projects.models import Project

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """'review_center' → 预算评审中心."""
    return str(Role(role).label) if role in Role.values else role


@register.inclusion_tag("goals/_project_goal.html", takes_context=True)
def goal_card(context: template.Context, project: Project) -> dict[str, Any]:
    """The project's goal: its status and a link, and 「申报/编辑绩效目标」 where the user may do that."""
    user = context["request"].user
    goal = selectors.current_goal(project)
    if goal is not None and goal.status in Goal.OPEN:
        may_declare = selectors.may_edit_goal(user, goal)
    else:
        may_declare = goal is None and scoping.reaches(user, Cap.PROJECT_CHANGE, **services.project_place(project))
    return {"project": project, "goal": goal, "may_declare": may_declare, "required": goal_required(project)}


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """{{ coverage.stages|get_item:stage }}: a value of a dict by a key held in a variable."""
    return mapping.get(key)
