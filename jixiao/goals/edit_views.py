"""Declaring a goal: the edit page (goal text and indicator table), its live checks as the user types,
and the recommendations and library search beside it.

The page edits the project's open version (a draft, a returned goal, an adjustment, or — for the
reviewer of the current step, who may complete it by agreement (良) — a goal in review). Checks run on
what is typed, before anything is saved, with the same rules as the submission.
"""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import domain_errors
from jixiao.goals import selectors, services
from jixiao.goals.forms import (
    INDICATOR_PREFIX,
    GoalForm,
    IndicatorForm,
    IndicatorFormSet,
    goal_initial,
    goal_input,
)
from jixiao.goals.library import search_library, seen_from
from jixiao.goals.models import Goal, LibraryIndicator
from jixiao.goals.recommend import Suggestion, recommend
from jixiao.goals.views import Shown, shown
from jixiao.orgs.rules_config import resolve
from jixiao.projects import selectors as project_selectors
from jixiao.projects.models import Project
from jixiao.projects.services import check_may_change
from jixiao.rules.goal_checks import check_goal
from jixiao.rules.targets import QUALITATIVE, format_target, plain_number


def _prefill(**values: Any) -> str:
    """What a click on 「添加」 puts into a new row (app.js reads it), as JSON in a data attribute."""
    return json.dumps({k: "" if v is None else str(v) for k, v in values.items()}, ensure_ascii=False)


def suggestion_rows(suggestions: list[Suggestion]) -> list[dict[str, Any]]:
    rows = []
    for s in suggestions:
        usual = format_target(s.operator, s.target_median, s.unit) if s.operator != QUALITATIVE else ""
        spread = ""
        if s.target_min is not None and s.target_max is not None and s.target_min != s.target_max:
            spread = f"{plain_number(s.target_min)}–{plain_number(s.target_max)}{s.unit}"
        prefill = _prefill(
            level1=s.level1,
            level2=s.level2,
            name=s.name,
            operator=s.operator,
            target=s.example_target,
            unit=s.unit,
            library_entry_id=s.library_entry_id,
        )
        if s.source == "library":
            detail = "指标库推荐" + (f" · 参考值 {s.example_target}" if s.example_target else "")
        else:
            detail = (
                f"{s.projects}个相似项目使用"
                + (f" · 常用 {usual}" if usual else "")
                + (f"（{spread}）" if spread else "")
            )
        rows.append({"s": s, "detail": detail, "prefill": prefill})
    return rows


def library_rows(entries: list[LibraryIndicator]) -> list[dict[str, Any]]:
    return [
        {
            "entry": e,
            "detail": f"{e.get_scope_display()} · 参考值 {e.typical_target or e.operator} · 已使用{e.usage_count}次",
            "prefill": _prefill(
                level1=e.level1,
                level2=e.level2,
                name=e.name,
                operator=e.operator,
                target=e.typical_target,
                unit=e.unit,
                explanation=e.explanation,
                scoring_rule=e.scoring_rule,
                basis=e.basis,
                library_entry_id=e.pk,
            ),
        }
        for e in entries
    ]


def _editable(request: HttpRequest, project_pk: int) -> tuple[Project, Goal | None]:
    """The project and its open version, if the user may edit it: 404 outside their scope, 403 when
    they may see it but not change it."""
    project = project_selectors.project_detail(user=request.user, pk=project_pk)
    goal = selectors.current_goal(project)
    if goal is not None and goal.status in Goal.OPEN:
        if not selectors.may_edit_goal(request.user, goal):
            check_may_change(request.user, project.owner)  # 403 for who may not change it at all
            raise PermissionDenied(f"绩效目标{goal.get_status_display()}，当前不能修改；如需修改请先撤回。")
        return project, goal
    check_may_change(request.user, project.owner)
    if goal is not None:
        raise PermissionDenied(
            f"绩效目标{goal.get_status_display()}，不能直接修改"
            + ("：请在目标页面提出调整申请。" if goal.status in services.IN_FORCE else "。")
        )
    return project, None


def _tree(project: Project) -> dict[str, list[str]]:
    tree: dict[str, list[str]] = resolve("goals.indicator_tree", project.region, project.fiscal_year).value
    return tree


def _forms(request: HttpRequest, project: Project, goal: Goal | None) -> tuple[GoalForm, Any]:
    tree = _tree(project)
    if request.method == "POST":
        return GoalForm(request.POST), IndicatorFormSet(request.POST, prefix=INDICATOR_PREFIX, tree=tree)
    if goal is not None:
        initial = [IndicatorForm.initial_from(i) for i in goal.indicators.all()]
    else:  # a first declaration starts with one row under each 一级指标
        initial = [{"level1": level1} for level1 in tree]
    formset = IndicatorFormSet(initial=initial, prefix=INDICATOR_PREFIX, tree=tree)
    return GoalForm(initial=goal_initial(goal)), formset


def live_findings(project: Project, goal_form: GoalForm, formset: Any) -> list[Shown]:
    """Everything wrong with what is typed: rows that cannot be read (a target with two numbers), values
    the goal cannot store, then the goal checks. Rows are the formset's, so the page marks the row."""
    unreadable = [
        Shown("blocking", f"第{i + 1}行 {form.fields[name].label}：{'；'.join(errors)}", i, name)
        for i, form in enumerate(formset.forms)
        if not (form.is_valid() or form.cleaned_data.get("DELETE"))
        for name, errors in form.errors.items()
    ]
    if not goal_form.is_valid():
        return unreadable
    data = goal_input(goal_form, formset)
    rows = [i for i, _ in formset.kept()]
    settings = services.check_settings(project.region, project.fiscal_year)
    errors = services.input_errors(data, settings.indicator_tree)
    return unreadable + shown([*errors, *check_goal(services.facts_from_input(project, data), settings)], rows)


def _saved_findings(goal: Goal | None) -> list[Shown]:
    """The saved goal's findings; its indicators are the page's rows in position order."""
    if goal is None:
        return []
    return shown(list(services.findings_for(goal)), list(range(len(goal.indicators.all()))))


def _show_refusal(goal_form: GoalForm, formset: Any, exc: DomainError) -> None:
    """A save refused for one value: the message next to that field of its row, or above the form."""
    parts = (exc.field or "").split(".")
    rows = [f for _, f in formset.kept()]
    if len(parts) == 3 and parts[0] == "indicators" and parts[1].isdigit() and int(parts[1]) <= len(rows):
        form = rows[int(parts[1]) - 1]
        column = {"target_value": "target", "target_text": "target"}.get(parts[2], parts[2])
        form.add_error(column if column in form.fields else None, exc.message)
        if column not in form.fields:
            goal_form.add_error(None, exc.message)
    else:
        goal_form.add_error(exc.field if exc.field in goal_form.fields else None, exc.message)


@login_required
@domain_errors
def goal_edit(request: HttpRequest, project_pk: int) -> HttpResponse:
    project, goal = _editable(request, project_pk)
    goal_form, formset = _forms(request, project, goal)
    reviewing = goal is not None and goal.status == Goal.Status.IN_REVIEW
    if request.method == "POST" and goal_form.is_valid() and formset.is_valid():
        try:
            goal = services.save_goal(actor=request.user, project=project, data=goal_input(goal_form, formset))
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            _show_refusal(goal_form, formset, exc)
        else:
            if reviewing:
                messages.success(request, "已按协商意见完善绩效指标")
                return redirect("goals:review", pk=goal.pk)
            if request.POST.get("action") != "submit":
                messages.success(request, "已保存草稿")
                return redirect("goals:edit", project_pk=project.pk)
            try:
                services.submit_goal(actor=request.user, goal=goal)
            except DomainError as exc:
                messages.error(request, f"已保存草稿，但不能提交：{exc.message}")
                return redirect("goals:edit", project_pk=project.pk)
            messages.success(request, f"已提交“{project.name}”的绩效目标")
            return redirect("goals:detail", pk=goal.pk)
    findings = live_findings(project, goal_form, formset) if request.method == "POST" else _saved_findings(goal)
    return render(
        request,
        "goals/edit.html",
        {
            "project": project,
            "goal": goal,
            "goal_form": goal_form,
            "formset": formset,
            "tree": _tree(project),
            "findings": findings,
            "reviewing": reviewing,
            "suggestions": suggestion_rows(recommend(project, user=request.user)),
        },
    )


@login_required
@require_POST
@domain_errors
def goal_check(request: HttpRequest, project_pk: int) -> HttpResponse:
    """The findings panel for what the form holds now (htmx, as the user types)."""
    project, goal = _editable(request, project_pk)
    goal_form, formset = _forms(request, project, goal)
    parsed = [
        {"row": i, "operator": f.cleaned_data["operator"], "unit": f.cleaned_data["unit"]}
        for i, f in formset.kept()
        if f.cleaned_data["target_text"]
    ]
    context = {"findings": live_findings(project, goal_form, formset), "parsed": parsed, "live": True}
    return render(request, "goals/_findings.html", context)


@login_required
@domain_errors
def library_search(request: HttpRequest, project_pk: int) -> HttpResponse:
    """The library search beside the indicator table: entries offered to this project (its region's
    共性 ones and its department's 个性 ones) matching the words typed."""
    project = project_selectors.project_detail(user=request.user, pk=project_pk)
    entries = search_library(
        seen_from(project), request.GET.get("q", ""), level1=request.GET.get("level1") or None, limit=20
    )
    return render(request, "goals/_library_results.html", {"entries": library_rows(entries)})
