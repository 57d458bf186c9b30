"""The appraisal gate: "先评估评审、后安排预算" and "未通过评估的项目，不得纳入项目库".

Admitting a project to the library and approving its budget (any channel: page, API, CLI, batch) run
these checks in the transition's transaction. Where the rules in force require an ex-ante assessment
(`selectors.assessment_required`), the project needs a passing conclusion (`Assessment.is_passing`).
Where a budget review exists, the approved budget may not exceed its 审定 amount, and a review still
being signed holds the budget back until the panel has signed.
"""

from typing import Any

from jixiao.appraisals import selectors
from jixiao.appraisals.models import Assessment, BudgetReview, Conclusion
from jixiao.core.errors import DomainError
from jixiao.projects.models import Project
from jixiao.rules.money import format_wan


def missing_assessment_message(project: Project, latest: Assessment | None, doing: str) -> str:
    where = f"项目“{project.code} {project.name}”"
    if latest is None:
        why = "须开展事前绩效评估，尚未评估"
    elif latest.status != Assessment.Status.CONCLUDED:
        why = f"的事前绩效评估{latest.get_status_display()}，尚无结论"
    elif latest.conclusion == Conclusion.ADJUST:
        why = "的事前绩效评估结论为“调整完善后予以支持”，须调整完善后重新报送并评估"
    else:
        why = f"的事前绩效评估结论为“{latest.conclusion}”"
    return f"{where}{why}，不能{doing}。"


def require_passing_assessment(project: Project, doing: str) -> None:
    if not selectors.assessment_required(project):
        return
    if selectors.passing_assessment(project) is None:
        raise DomainError(
            missing_assessment_message(project, selectors.latest_assessment(project), doing), field="assessment"
        )


def check_admit(*, actor: Any, project: Project) -> None:
    require_passing_assessment(project, "纳入项目库")


def check_approve_budget(*, actor: Any, project: Project) -> None:
    require_passing_assessment(project, "批复预算")
    where = f"项目“{project.code} {project.name}”"
    if BudgetReview.objects.filter(project=project).exclude(status=BudgetReview.Status.FINAL).exists():
        raise DomainError(f"{where}的预算评审尚未经联评联审小组全部签署，不能批复预算。", field="budget_review")
    review = selectors.final_review(project)
    if review is not None and project.amount_approved is not None and project.amount_approved > review.approved_yuan:
        raise DomainError(
            f"{where}批复金额{format_wan(project.amount_approved)}万元超过预算评审审定金额"
            f"{format_wan(review.approved_yuan)}万元，批复金额不得高于审定金额。",
            field="amount_approved",
        )
