"""The appraisal card that the project page shows: whether the project needs an ex-ante assessment and why,
its latest conclusion, and the 审定 amount of its budget review."""

from typing import Any

from django import template

from jixiao.appraisals import selectors
from jixiao.appraisals.assessment_views import assessor_kinds
from jixiao.appraisals.models import Assessment
from jixiao.appraisals.views import RulesCache, need_reason
from jixiao.core import scoping
from jixiao.goals.services import project_place
from jixiao.orgs.roles import Cap
from jixiao.projects.models import Project

register = template.Library()


@register.inclusion_tag("appraisals/_project_card.html", takes_context=True)
def appraisal_card(context: template.Context, project: Project) -> dict[str, Any]:
    user = context["request"].user
    rules = RulesCache().for_project(project)
    required = selectors.assessment_required(project, rules)
    latest = selectors.assessments_for(user=user).filter(project=project).order_by("-submission").first()
    review = selectors.budget_reviews_for(user=user).filter(project=project).order_by("-id").first()
    may_start = (
        required
        and (latest is None or (latest.status == Assessment.Status.CONCLUDED and not latest.is_passing))
        and project.status in selectors.OPEN_STATUSES
        and bool(assessor_kinds(user, project))
    )
    where = project_place(project)
    return {
        "project": project,
        "required": required,
        "reason": need_reason(project, rules) if required else "",
        "latest": latest,
        "review": review,
        "may_start": may_start,
        "sees_review": scoping.reaches(user, Cap.BUDGET_REVIEW, **where)
        or scoping.reaches(user, Cap.PANEL_SIGN, **where),
    }
