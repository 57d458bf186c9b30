"""Importing filled-in 自评表 workbooks (national or 四川 layout, as `exports` writes them or as published):
each form is matched to one of the uploader's self-evaluations of the stated year — by its 项目编码 where the
form has one, else by the sheet name (the export names each sheet by the project code), else by its
项目名称 — and what the unit states on it is entered through `services.save_entries` (permission, audit,
scoring on save).

Read from a form: 全年执行数 (万元), the 预算执行 reason (四川), 年度总体目标 实际完成情况, and per indicator
(matched by 一级/二级/三级指标, or by its name alone where that is unique) 实际完成值, the 定性 得分, the
reason cell (偏差原因, then 改进措施 after its label; for 不适用 the reason it does not apply) and, in the 四川
layout, the points. Targets, the national points, budget amounts and the computed scores come from the
approved goal, the project and the engine: they are not read back. An empty 全年执行数 keeps the stored one.

A row whose cells are as the export writes them for the stored values, and a form that states nothing
new, are not written: the same file imported twice writes nothing the second time. Values the method
refuses (a 定性 score outside its tier's band …) are found while checking, by scoring in memory, and
reported with their sheet, row and column like every other problem.
"""

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from jixiao.core.errors import DomainError
from jixiao.evaluations import exports, scoring_bridge, services
from jixiao.evaluations.models import IndicatorResult, Layout, SelfEvaluation
from jixiao.evaluations.selectors import self_evaluations_for
from jixiao.evaluations.services import ENTRY_FIELDS, FormEntry, IndicatorEntry
from jixiao.goals.models import Operator
from jixiao.imports.registry import Checked, Importer, Progress, Source
from jixiao.imports.tables import Problem, Problems, TableError, cell_text, column_letter
from jixiao.orgs.roles import Cap
from jixiao.rules import scoring
from jixiao.rules.selfeval_workbook import Form, Row, read_forms
from jixiao.rules.targets import plain_number

LAYOUT_NAMES = dict(Layout.choices)
TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")
# The engine's name for a refused value → the form's column it was read from.
ENGINE_COLUMN = {"points": "score", "tier": "score", "weight": "weight", "deduction": "actual"}


@dataclass
class Matched:
    """A form, the self-evaluation it belongs to and what it states."""

    form: Form
    evaluation: SelfEvaluation
    entry: FormEntry
    rows: dict[int, Row] = field(default_factory=dict)  # IndicatorResult id → where it was read
    changed: bool = False

    def where(self, message: str) -> Problem:
        return Problem(self.form.sheet, self.form.row, "", "", f"自评表“{self.form.name}”：{message}")


def _at_code(form: Form, message: str) -> Problem:
    """A problem with the form's project: at its 项目编码 cell (else its 项目名称, else its first row)."""
    for key, header in (("code", "项目编码"), ("name", "项目名称")):
        if key in form.header_at:
            row, index = form.header_at[key]
            return Problem(form.sheet, row, column_letter(index), header, message)
    return Problem(form.sheet, form.row, "", "", message)


class SelfEvaluationImporter(Importer):
    kind = "selfeval"
    label = "绩效自评表"
    cap = Cap.PROJECT_CHANGE
    reads_file = True
    options = ("year",)

    def write_template(self, path: str) -> None:
        """The forms to fill in are the export of the unit's own self-evaluations; the template says so."""
        exports.write_instructions(path)

    def validate(self, table: Any, *, actor: Any, problems: Problems, progress: Progress) -> Checked:
        source: Source = table
        if source.fmt != "xlsx":
            raise TableError([Problem("", None, "", "", "绩效自评表须为 .xlsx 工作簿")])
        year = int(source.options["year"])
        forms, unread = read_forms(source.path, blank_actuals=True)
        for p in unread:
            problems.add_problem(p)
        progress(sum(len(f.rows) for f in forms))
        matched = _match(forms, actor, year, problems)
        checked = Checked(total=sum(len(f.rows) for f in forms))
        for item in matched:
            before = problems.count
            _state(item, problems)
            if item.changed:
                _check_entry(item, actor, problems)
            if problems.count == before:
                checked.rows.append((item.form.row, item))
        checked.summary = _summary(forms, matched)
        return checked

    def plan(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        changed = sum(1 for _, item in checked.rows if item.changed)
        return {"created": 0, "updated": changed, "unchanged": len(checked.rows) - changed}

    def commit(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        for _, item in checked.rows:
            if not item.changed:
                continue
            try:
                services.save_entries(
                    actor=actor, evaluation=item.evaluation, data=item.entry, action="selfeval.import"
                )
            except DomainError as exc:
                problems.add_problem(item.where(exc.message))
        return self.plan(checked, actor=actor, problems=problems)


# --- matching forms to self-evaluations ---


def _match(forms: list[Form], actor: Any, year: int, problems: Problems) -> list[Matched]:
    codes = {f.header.get("code", "") for f in forms} | {f.sheet for f in forms}
    names = {f.header.get("name", "") for f in forms}
    found = list(
        self_evaluations_for(user=actor)
        .filter(Q(project__code__in=codes - {""}) | Q(project__name__in=names - {""}), year=year)
        .prefetch_related("indicators")
    )
    matched: list[Matched] = []
    seen: dict[int, Form] = {}
    for form in forms:
        code = form.header.get("code", "")
        if code:
            candidates, how = [e for e in found if e.project.code == code], f"项目编码“{code}”"
        else:
            candidates, how = [e for e in found if e.project.code == form.sheet], f"工作表名“{form.sheet}”"
            if not candidates:
                name = form.header.get("name", "")
                candidates, how = [e for e in found if name and e.project.name == name], f"项目名称“{name}”"
        fillable = [e for e in candidates if services.may_fill(actor, e)] or candidates
        if not candidates:
            problems.add_problem(_at_code(form, f"按{how}未找到{year}年度您可见的绩效自评表"))
            continue
        if len(fillable) > 1:
            listed = "、".join(f"{e.project.region.name}{e.project.code}" for e in fillable)
            problems.add_problem(_at_code(form, f"按{how}对应多张自评表（{listed}），请填写项目编码"))
            continue
        evaluation = fillable[0]
        if evaluation.pk in seen:
            first = seen[evaluation.pk]
            message = f"项目“{evaluation.project.name}”的自评表与工作表“{first.sheet}”第{first.row}行的重复"
            problems.add_problem(_at_code(form, message))
            continue
        seen[evaluation.pk] = form
        layout = Layout.SICHUAN if form.layout == scoring.SICHUAN else Layout.NATIONAL
        if layout != evaluation.layout:
            problems.add_problem(
                Problem(
                    form.sheet,
                    form.row,
                    "",
                    "",
                    f"表样为“{LAYOUT_NAMES[layout]}”，与项目“{evaluation.project.name}”的自评表"
                    f"（{LAYOUT_NAMES[evaluation.layout]}）不一致：请使用导出的自评表填写",
                )
            )
            continue
        matched.append(Matched(form, evaluation, FormEntry()))
    return matched


# --- what a form states ---


def _state(item: Matched, problems: Problems) -> None:
    """The form's statement as a FormEntry: rows that differ from what is stored, the form's own fields
    (stored ones kept where the form has no such cell); `changed` when anything differs."""
    form, evaluation = item.form, item.evaluation
    stored = list(evaluation.indicators.all())
    by_key = {(r.level1, r.level2, r.name): r for r in stored}
    by_name: dict[str, list[IndicatorResult]] = {}
    for r in stored:
        by_name.setdefault(r.name, []).append(r)
    entry = item.entry
    for fr in form.rows:
        i = fr.indicator
        row = by_key.get((i.level1, i.level2, i.name))
        if row is None and len(by_name.get(i.name, [])) == 1:
            row = by_name[i.name][0]
        if row is None:
            message = f"指标“{i.name}”不在项目“{evaluation.project.name}”的自评表中（指标来自已批复的绩效目标）"
            problems.add_problem(form.problem(fr.row, "name", message))
            continue
        if row.pk in item.rows:
            problems.add_problem(form.problem(fr.row, "name", f"指标“{i.name}”与第{item.rows[row.pk].row}行重复"))
            continue
        item.rows[row.pk] = fr
        if _as_exported(fr, row, evaluation.layout):
            continue
        stated = _row_entry(fr, row, evaluation.layout)
        if not _same_entry(stated, row, evaluation.layout):
            entry.indicators.append(stated)
    entry.annual_goal_actual = form.achieved_goal if form.goal_row is not None else evaluation.annual_goal_actual
    funds = form.funds
    has_reason = funds is not None and "reason" in form.funds_columns
    entry.execution_reason = funds.reason if funds is not None and has_reason else evaluation.execution_reason
    if funds is not None and funds.spent is not None:
        executed = (funds.spent * TEN_THOUSAND).quantize(CENT)
        entry.executed = executed if executed != evaluation.executed else None
    item.changed = bool(
        entry.indicators
        or entry.executed is not None
        or entry.annual_goal_actual != evaluation.annual_goal_actual
        or entry.execution_reason != evaluation.execution_reason
    )


def _as_exported(fr: Row, row: IndicatorResult, layout: str) -> bool:
    """Whether the row's cells are what the export writes for the stored values (so nothing was changed)."""
    if fr.actual != cell_text(exports.actual_cell(row, layout)) or fr.reason != cell_text(exports.reason_cell(row)):
        return False
    if row.operator == Operator.QUALITATIVE and not _same(fr.published, exports.score_cell(row)):
        return False
    return layout != Layout.SICHUAN or _same(fr.indicator.weight, row.weight)


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    """Equal as the workbook keeps numbers (a float's 15 significant digits)."""
    if a is None or b is None:
        return a is b
    return abs(a - b) < Decimal("1e-6")


def _row_entry(fr: Row, row: IndicatorResult, layout: str) -> IndicatorEntry:
    i = fr.indicator
    entry = IndicatorEntry(
        id=row.pk,
        deduction=row.deduction,  # not on the form: kept
        deduction_reason=row.deduction_reason,
        weight=i.weight if layout == Layout.SICHUAN else None,
    )
    if not i.applicable:
        entry.not_applicable, entry.not_applicable_reason = True, fr.reason
        entry.actual_text = "" if fr.actual in ("不适用", "") else fr.actual
        return entry
    entry.deviation_reason, entry.improvement_measures = exports.split_reason(fr.reason)
    if row.operator == Operator.QUALITATIVE:
        entry.band, entry.manual_score = i.tier, i.points
        entry.actual_text = "" if fr.actual == i.tier else fr.actual
        return entry
    entry.actual_value = i.actual
    canonical = "" if i.actual is None else plain_number(i.actual)
    plain = fr.actual in (canonical, f"{canonical}{row.unit}")
    entry.actual_text = "" if plain else fr.actual
    return entry


def _same_entry(entry: IndicatorEntry, row: IndicatorResult, layout: str) -> bool:
    names = [*ENTRY_FIELDS, "weight"] if layout == Layout.SICHUAN else ENTRY_FIELDS
    return all(getattr(entry, n) == getattr(row, n) for n in names)


def _check_entry(item: Matched, actor: Any, problems: Problems) -> None:
    """What `save_entries` would refuse, found now and located: a form the user may not change, a negative
    amount, a value the method refuses (scored in memory, nothing saved)."""
    evaluation, form = item.evaluation, item.form
    if not services.may_fill(actor, evaluation):
        if evaluation.status not in SelfEvaluation.EDITABLE_BY_UNIT:
            why = f"状态为“{evaluation.get_status_display()}”，不能修改（须退回后再导入）"
        else:
            why = "您无权修改"
        problems.add_problem(item.where(f"项目“{evaluation.project.name}”的自评表{why}"))
        return
    if item.entry.executed is not None and item.entry.executed < 0:
        at = form.funds_columns.get("spent", -1)
        column = column_letter(at) if at >= 0 else ""
        problems.add_problem(Problem(form.sheet, form.funds_row, column, "全年执行数", "全年执行数须为不小于0的金额"))
    stated = {e.id: e for e in item.entry.indicators}
    rows = []
    for row in evaluation.indicators.all():
        row = copy.copy(row)
        entry = stated.get(row.pk)
        if entry is not None:
            for name in ENTRY_FIELDS:
                setattr(row, name, getattr(entry, name))
            row.weight = entry.weight if entry.weight is not None else row.weight
        rows.append(row)
    settings = scoring_bridge.settings_for(evaluation)
    for result in scoring_bridge.score_rows(rows, settings):
        if result.error is None:
            continue
        where = item.rows.get(result.row.pk or 0)
        key = ENGINE_COLUMN.get(result.error.field, "actual")
        if where is not None:
            problems.add_problem(form.problem(where.row, key, result.error.message))
        else:
            problems.add_problem(item.where(f"指标“{result.row.name}”：{result.error.message}"))


# --- the preview ---


def _summary(forms: list[Form], matched: list[Matched]) -> dict[str, Any]:
    by_form = {id(m.form): m for m in matched}
    rows = []
    for form in forms:
        item = by_form.get(id(form))
        if item is None:
            note, code, failed = "未匹配到自评表", form.header.get("code", ""), True
        else:
            code, failed = item.evaluation.project.code, False
            note = f"修改{len(item.entry.indicators)}个指标" if item.changed else "与已保存的自评表相同，不再导入"
        rows.append(
            {
                "row": form.row,
                "cells": [form.sheet, code, form.name, str(len(form.rows)), note],
                "error": failed,
            }
        )
    return {
        "sheet": "、".join(dict.fromkeys(f.sheet for f in forms)),
        "header_row": None,
        "columns": ["工作表", "项目编码", "项目名称", "指标数", "导入内容"],
        "ignored": [],
        "rows": rows,
        "forms": len(forms),
    }
