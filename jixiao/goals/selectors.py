"""Readers for 绩效目标, always scoped to the user: goals are seen with the project (PROJECT_VIEW), and a
reviewer's inbox holds the pending steps routed to a role the user holds over the project."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from jixiao.core import scoping
from jixiao.core.errors import NotFound
from jixiao.goals import services
from jixiao.goals.models import Goal, Review
from jixiao.orgs.roles import Cap
from jixiao.projects.models import Project

_PROJECT = ("project__owner", "project__department", "project__region")


def goals_for(*, user: Any) -> QuerySet[Goal]:
    return scoping.restrict(
        Goal.objects.select_related(*_PROJECT), user, Cap.PROJECT_VIEW, owner="project__owner", region="project__region"
    )


def goal_list(*, user: Any) -> QuerySet[Goal]:
    """For lists that show indicators and reviews: a constant number of queries however many rows."""
    return goals_for(user=user).prefetch_related(
        "indicators", Prefetch("reviews", queryset=Review.objects.select_related("reviewer"))
    )


def goal_detail(*, user: Any, pk: Any) -> Goal:
    try:
        return goal_list(user=user).get(pk=pk)
    except (Goal.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("绩效目标不存在或不在您的权限范围内。") from exc


def current_goal(project: Project) -> Goal | None:
    """The version to show for a project: the open one if any (being declared, reviewed or revised),
    else the one in force, else the latest (rejected)."""
    goals = sorted(project.goals.all(), key=lambda g: -g.version)
    return (
        next((g for g in goals if g.status in Goal.OPEN), None)
        or next((g for g in goals if g.status in services.IN_FORCE), None)
        or (goals[0] if goals else None)
    )


def inbox_for(*, user: Any) -> QuerySet[Review]:
    """Pending steps the user can decide, the longest waiting first."""
    q = scoping.role_scope_q(
        user, Cap.GOAL_REVIEW, role_field="role", owner="goal__project__owner", region="goal__project__region"
    )
    if q is None:
        return Review.objects.none()
    return (
        Review.objects.filter(q, state=Review.State.PENDING)
        .select_related(*(f"goal__{p}" for p in _PROJECT))
        .order_by("goal__submitted_at", "pk")
    )


def may_review(user: Any, goal: Goal) -> bool:
    return services.may_act_on(user, goal, services.pending_review(goal))


def may_edit_goal(user: Any, goal: Goal) -> bool:
    """The owner side edits a draft or a returned goal; the reviewer of the current step may complete a
    goal in review (良: 协商后直接完善)."""
    if goal.status in Goal.EDITABLE_BY_UNIT:
        return scoping.reaches(user, Cap.PROJECT_CHANGE, **services.project_place(goal.project))
    return goal.status == Goal.Status.IN_REVIEW and may_review(user, goal)
