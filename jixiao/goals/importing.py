"""Importing 绩效目标申报表 workbooks: one block per project, matched by 项目编码 within the fiscal year the
uploader states and the projects the uploader may change. Published forms often have no 项目编码 (the
88号 annex has none): such a block is matched by its 项目名称, or for a 部门整体 form by the department's
name, when exactly one project of the year answers to it.

The workbook is read block by block (`excel.read_blocks`); each block becomes a `GoalInput` with the
places its values came from, so that every error and every finding of the automatic checks points at a
sheet, a row and a column. The write goes through `bulk.upsert_goals`: idempotent, refusing goals in
review or in force (changed only through an adjustment).
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from django.db.models import Q

from jixiao.core import scoping
from jixiao.goals import excel
from jixiao.goals.bulk import GoalRow, fingerprint, stored_fingerprints, upsert_goals
from jixiao.goals.models import Basis, Goal
from jixiao.goals.services import (
    IN_FORCE,
    GoalInput,
    IndicatorInput,
    TreeSpelling,
    check_settings,
    facts_from_input,
    input_errors,
)
from jixiao.imports.registry import Checked, Importer, Progress, Source
from jixiao.imports.tables import Problem, Problems, TableError, cell_text
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap
from jixiao.projects.models import Project
from jixiao.projects.services import Refusal, UpsertRefused
from jixiao.rules.goal_checks import CheckSettings, Finding, check_goal
from jixiao.rules.targets import TargetError, parse_target

# Targets repeat from form to form (「=100%」「≥90%」): each distinct one is read once per process.
parse_cached = lru_cache(maxsize=65536)(parse_target)

LOOKUP_CHUNK = 500
PROGRESS_EVERY = 2000
PREVIEW_GOALS = 50
WARNINGS_KEPT = 500
YES = {"是", "有", "√", "✓", "Y", "YES", "TRUE", "1", "★", "核心"}
NO = {"否", "无", "×", "N", "NO", "FALSE", "0"}
# 指标值设定依据 as written in published forms → the stored choice.
BASES = {b.value: b.value for b in Basis} | {b.value.removesuffix("标准"): b.value for b in Basis}
BASES |= {"预算标准": Basis.SPENDING_STANDARD.value, "支出标准": Basis.SPENDING_STANDARD.value}
# Where an IndicatorInput field's error points: the column it was read from.
FIELD_COLUMN = {"target_value": "target", "target_text": "target", "library_entry_id": "name"}


class Target(NamedTuple):
    """A project a form may be matched to: what matching, the checks and the writer read of it, in one
    query without building model objects."""

    pk: int
    code: str
    name: str
    kind: str
    category: str
    amount_requested: Decimal
    fiscal_year: int
    owner_id: int
    owner_path: str
    owner_name: str
    region_id: int
    region_path: str
    region_name: str


_TARGET_FIELDS = [
    "pk", "code", "name", "kind", "category", "amount_requested", "fiscal_year", "owner_id", "owner__path",
    "owner__name", "region_id", "region__path", "region__name",
]  # fmt: skip


def _targets(query: Any, actor: Any) -> list[Target]:
    visible = scoping.restrict(query, actor, Cap.PROJECT_VIEW).order_by()
    return [Target(*values) for values in visible.values_list(*_TARGET_FIELDS)]


class CellError(ValueError):
    """One cell cannot be read; the message says why."""


@dataclass
class Placed:
    """A goal read from one block, with where each of its values came from."""

    sheet: str
    row: int  # the block's first row
    code: str
    name: str
    block: excel.Block
    overall: bool  # a 部门整体 form
    annual_goal: str
    mid_term_goal: str
    beneficiaries: bool | None
    indicators: list[IndicatorInput]
    indicator_rows: list[int]
    project: Target | None = None
    data: GoalInput | None = None
    findings: list[Finding] = field(default_factory=list)
    failed: bool = False
    unchanged: bool = False  # the same as the stored goal: not checked again, not written

    def locate(self, field_name: str | None, message: str) -> Problem:
        """A problem at the cell a field of the goal came from (`indicators.3.unit`, `annual_goal` …)."""
        parts = (field_name or "").split(".")
        if parts[0] == "indicators" and len(parts) == 3 and parts[1].isdigit():
            n = int(parts[1])
            if 1 <= n <= len(self.indicator_rows):
                key = FIELD_COLUMN.get(parts[2], parts[2])
                key = key if key in self.block.columns else "name"
                return self.block.problem(self.indicator_rows[n - 1], key, message)
        if parts[0] == "name" or (parts[0] == "code" and not self.code):
            return self.block.problem(self.block.where("name")[0], "name", message, table=False)
        if parts[0] in ("annual_goal", "mid_term_goal"):
            return self.block.problem(self.block.where(parts[0])[0], parts[0], message, table=False)
        if parts[0] == "indicators" and self.block.table_row:
            return Problem(self.sheet, self.block.table_row, "", "", message)
        return self.block.problem(self.block.where("code")[0], "code", message, table=False)


class GoalImporter(Importer):
    kind = "goals"
    label = "绩效目标"
    sheet = excel.PROJECT_TITLE
    cap = Cap.PROJECT_CHANGE
    reads_file = True
    options = ("year",)

    def write_template(self, path: str) -> None:
        from jixiao.goals.exports import write_template

        write_template(path)

    # --- reading ---

    def validate(self, table: Any, *, actor: Any, problems: Problems, progress: Progress) -> Checked:
        source: Source = table
        if source.fmt != "xlsx":
            raise TableError(
                [Problem("", None, "", "", "绩效目标申报表须为 .xlsx 工作簿（CSV 无法表示多个项目的申报表）")]
            )
        year = int(source.options["year"])
        placed: list[Placed] = []
        rows = reported = 0
        for block in excel.read_blocks(source.path):
            before = problems.count
            for p in block.problems:
                problems.add_problem(p)
            item = _read_block(block, problems)
            if item is not None:
                item.failed = problems.count > before
                placed.append(item)
            rows += len(item.indicator_rows) if item is not None else 0
            if rows - reported >= PROGRESS_EVERY:
                progress(rows)
                reported = rows
        progress(rows)
        if not placed:
            raise TableError(
                [
                    Problem(
                        "",
                        None,
                        "",
                        "",
                        "未找到绩效目标申报表：应有“项目编码”等表头和“一级指标、二级指标、三级指标、指标值”指标表",
                    )
                ]
            )
        self._match(placed, actor, year, problems)
        checked = Checked(total=rows)
        for item in placed:
            if item.data is not None and not item.failed:
                checked.rows.append((item.row, item))
        checked.summary = _summary(placed, problems)
        return checked

    def _match(self, placed: list[Placed], actor: Any, year: int, problems: Problems) -> None:
        """Find each block's project, state its goal and run the automatic checks on it."""
        by_code = _projects(sorted({p.code for p in placed if p.code}), actor, year)
        by_name = _projects_by_name({(p.name, p.overall) for p in placed if p.name and not p.code}, actor, year)
        ids = [p.pk for p in [*by_code.values(), *by_name.values()] if isinstance(p, Target)]
        beneficiaries = _stored_beneficiaries(ids)
        stored = stored_fingerprints(ids)
        settings: dict[tuple[int, int], tuple[CheckSettings, TreeSpelling]] = {}
        regions = Region.objects.in_bulk(
            {p.region_id for p in [*by_code.values(), *by_name.values()] if isinstance(p, Target)}
        )
        seen: dict[int, Placed] = {}
        for item in placed:
            if not item.code and not item.name:
                continue
            found = by_code.get(item.code) if item.code else by_name.get((item.name, item.overall))
            if not isinstance(found, Target):
                problems.add_problem(item.locate("code", found or f"项目编码“{item.code}”不存在"))
                item.failed = True
                continue
            if found.pk in seen:
                first = seen[found.pk]
                message = f"项目“{found.code} {found.name}”与工作表“{first.sheet}”第{first.row}行的申报表重复"
                problems.add_problem(item.locate("code", message))
                item.failed = True
                continue
            seen[found.pk] = item
            item.code = found.code
            key = (found.region_id, found.fiscal_year)
            if key not in settings:
                rules = check_settings(regions[found.region_id], found.fiscal_year)
                settings[key] = (rules, TreeSpelling(rules.indicator_tree))
            rules, spelled = settings[key]
            item.project = found
            stated = item.beneficiaries
            item.data = spelled(
                GoalInput(
                    annual_goal=item.annual_goal,
                    mid_term_goal=item.mid_term_goal,
                    has_beneficiaries=beneficiaries.get(found.pk, True) if stated is None else stated,
                    indicators=item.indicators,
                )
            )
            if not item.failed and stored.get(found.pk) == fingerprint(item.data):
                item.unchanged = True
                continue
            for error in input_errors(item.data, rules.indicator_tree):  # also for blocks with other errors
                problems.add_problem(item.locate(error.field, error.message))
                item.failed = True
            item.findings = check_goal(facts_from_input(found, item.data), rules)

    # --- plan and commit ---

    def plan(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        items = _changed(checked)
        result = upsert_goals(actor=actor, rows=_rows(items), dry_run=True, validated=True)
        _refused(items, result.refused, problems)
        return _counts(result, len(checked.rows) - len(items))

    def commit(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        items = _changed(checked)
        try:
            result = upsert_goals(actor=actor, rows=_rows(items), dry_run=False, action="goal.import", validated=True)
        except UpsertRefused as exc:
            _refused(items, exc.refused, problems)
            return {}
        return _counts(result, len(checked.rows) - len(items))


def _changed(checked: Checked) -> list[Placed]:
    return [item for _, item in checked.rows if not item.unchanged]


def _counts(result: Any, unchanged: int) -> dict[str, int]:
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged + unchanged}


def _rows(items: list[Placed]) -> list[GoalRow]:
    rows = []
    for item in items:
        assert item.project is not None and item.data is not None
        rows.append(GoalRow(item.project, item.data))
    return rows


def _refused(items: list[Placed], refused: list[Refusal], problems: Problems) -> None:
    for r in refused:
        problems.add_problem(items[r.index].locate(r.field, r.message))


# --- a block → a goal ---


def _read_block(block: excel.Block, problems: Problems) -> Placed | None:
    code = block.text("code")
    if not code and not block.rows and block.table_row is None:
        return None  # header labels without a form (a note, a stray title)
    missing = [k for k in excel.REQUIRED_COLUMNS if k not in block.columns]
    if block.table_row is None:
        problems.add_problem(
            Problem(
                block.sheet,
                block.row,
                "",
                "",
                "该申报表没有找到指标表（应有表头：一级指标、二级指标、三级指标、指标值）",
            )
        )
    elif missing:
        names = "、".join(excel.COLUMN_HEADERS[k] for k in missing)
        problems.add_problem(
            Problem(block.sheet, block.table_row, "", "", f"指标表的表头（第{block.table_row}行）缺少：{names}")
        )
    if not code and not block.text("name"):
        problems.add_problem(
            Problem(block.sheet, block.row, "", "项目编码", "该申报表没有填写“项目编码”或“项目名称”，无法匹配项目")
        )
    item = Placed(
        sheet=block.sheet,
        row=block.row,
        code=code,
        name=block.text("name"),
        block=block,
        overall="部门整体" in block.title,
        annual_goal=block.text("annual_goal"),
        mid_term_goal=block.text("mid_term_goal"),
        beneficiaries=None,
        indicators=[],
        indicator_rows=[],
    )
    try:
        item.beneficiaries = _yes_no(block.header["beneficiaries"].value) if "beneficiaries" in block.header else None
    except CellError as exc:
        problems.add_problem(block.problem(block.where("beneficiaries")[0], "beneficiaries", str(exc), table=False))
    for row, cells in block.rows:
        indicator = _indicator(block, row, cells, problems)
        if indicator is not None:
            item.indicators.append(indicator)
            item.indicator_rows.append(row)
    block.rows = []  # read: the raw cells are not kept
    return item


def _indicator(block: excel.Block, row: int, text: dict[str, str], problems: Problems) -> IndicatorInput | None:
    before = problems.count
    for key in ("level1", "level2", "name"):
        if not text.get(key):
            problems.add_problem(block.problem(row, key, f"{excel.COLUMN_HEADERS[key]}为必填项"))
    try:
        target = parse_cached(text.get("target", ""), operator=text.get("operator", ""), unit=text.get("unit", ""))
    except TargetError as exc:
        problems.add_problem(block.problem(row, "target", str(exc)))
        target = None
    values: dict[str, Any] = {}
    for key, reader in (("weight", _number), ("last_year_actual", _actual), ("is_core", _yes_no), ("basis", _basis)):
        try:
            values[key] = reader(text[key]) if key in text else None
        except CellError as exc:
            problems.add_problem(block.problem(row, key, str(exc)))
    if problems.count > before or target is None:
        return None
    return IndicatorInput(
        level1=text["level1"],
        level2=text["level2"],
        name=text["name"],
        operator=target.operator,
        target_value=target.value,
        target_text=target.text,
        mid_term_target=_mid_term_target(text),
        unit=target.unit,
        explanation=text.get("explanation", ""),
        scoring_rule=text.get("scoring_rule", ""),
        basis=values["basis"] or "",
        data_source=text.get("data_source", ""),
        last_year_actual=values["last_year_actual"],
        weight=values["weight"],
        is_core=bool(values["is_core"]),
        remark=text.get("remark", ""),
    )


def _mid_term_target(text: dict[str, str]) -> str:
    """中期指标值. In a 88号 form with both sets side by side, the 中期 indicator on the same row may be
    another one than the year's: its value is then kept with its name."""
    target, name = text.get("mid_term_target", ""), text.get("mid_term_name", "")
    return f"{name}：{target}" if target and name and name != text.get("name") else target


def _number(value: Any) -> Decimal | None:
    text = cell_text(value).replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"“{cell_text(value)}”不是数字") from exc
    if not number.is_finite():
        raise CellError(f"“{cell_text(value)}”不是数字")
    return number


def _actual(value: Any) -> Decimal | None:
    """上年实际值: a number, or a target-like text such as 「95%」「120个」."""
    try:
        return _number(value)
    except CellError:
        pass
    try:
        parsed = parse_target(cell_text(value))
    except TargetError as exc:
        raise CellError(str(exc)) from exc
    if parsed.value is None:
        raise CellError(f"上年实际值“{cell_text(value)}”应为数字")
    return parsed.value


def _yes_no(value: Any) -> bool | None:
    text = cell_text(value).upper()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(f"“{cell_text(value)}”应为“是”或“否”")


def _basis(value: Any) -> str:
    text = cell_text(value).replace(" ", "")
    if not text:
        return ""
    if text in BASES:
        return BASES[text]
    raise CellError(f"指标值设定依据“{text}”无法识别，可填：{'、'.join(Basis.values)}")


def _projects(codes: list[str], actor: Any, year: int) -> dict[str, Target | str]:
    """Code → the project of that year the actor may change, or why there is none."""
    found: dict[str, list[Target]] = {}
    for start in range(0, len(codes), LOOKUP_CHUNK):
        part = codes[start : start + LOOKUP_CHUNK]
        for project in _targets(Project.objects.filter(fiscal_year=year, code__in=part), actor):
            found.setdefault(project.code, []).append(project)
    result: dict[str, Target | str] = {}
    for code in codes:
        candidates = found.get(code, [])
        changeable = [p for p in candidates if _may_change(actor, p)]
        if len(changeable) > 1:
            regions = "、".join(p.region_name for p in changeable)
            result[code] = f"项目编码“{code}”在{regions}都有{year}年度的项目，无法确定是哪一个：请分区划导入"
        else:
            result[code] = _chosen(changeable, candidates) or f"项目编码“{code}”在{year}年度不存在或不在您的权限范围内"
    return result


def _projects_by_name(keys: set[tuple[str, bool]], actor: Any, year: int) -> dict[tuple[str, bool], Target | str]:
    """(name, 部门整体?) → the one project of that year the actor may change answering to the name (a
    部门整体 form may give the department's name instead of the project's), or why there is none."""
    names = sorted({name for name, _ in keys})
    visible: list[Target] = []
    overall = Project.Kind.DEPARTMENT_OVERALL
    for start in range(0, len(names), LOOKUP_CHUNK):
        part = names[start : start + LOOKUP_CHUNK]
        query = Project.objects.filter(Q(name__in=part) | Q(kind=overall, owner__name__in=part), fiscal_year=year)
        visible += _targets(query, actor)
    result: dict[tuple[str, bool], Target | str] = {}
    for name, is_overall in keys:
        if is_overall:
            candidates = [p for p in visible if p.kind == overall and name in (p.name, p.owner_name)]
        else:
            candidates = [p for p in visible if p.kind != overall and p.name == name]
        changeable = [p for p in candidates if _may_change(actor, p)]
        what = "部门整体支出" if is_overall else "项目"
        if len(changeable) > 1:
            codes = "、".join(p.code for p in changeable)
            result[(name, is_overall)] = (
                f"“{name}”对应{year}年度的多个{what}（{codes}），无法确定是哪一个：请在申报表中填写“项目编码”"
            )
        else:
            result[(name, is_overall)] = _chosen(changeable, candidates) or (
                f"申报表没有“项目编码”，按名称“{name}”未找到{year}年度您可修改的{what}：请填写项目编码或核对名称"
            )
    return result


def _chosen(changeable: list[Target], candidates: list[Target]) -> Target | str | None:
    """The one changeable project, the refusal when the actor sees it but may not change it, or None."""
    if len(changeable) == 1:
        return changeable[0]
    if candidates:
        return f"您无权修改项目“{candidates[0].code} {candidates[0].name}”的绩效目标"
    return None


def _may_change(actor: Any, project: Target) -> bool:
    return scoping.reaches(
        actor,
        Cap.PROJECT_CHANGE,
        owner_path=project.owner_path,
        owner_id=project.owner_id,
        region_path=project.region_path,
    )


def _stored_beneficiaries(ids: list[int]) -> dict[int, bool]:
    """Whether the current goal of each project says it has direct beneficiaries (kept when the form
    does not say)."""
    found: dict[int, bool] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        goals = Goal.objects.filter(
            project_id__in=ids[start : start + LOOKUP_CHUNK], status__in=[*Goal.OPEN, *IN_FORCE]
        ).order_by("project_id", "version")
        found.update(goals.values_list("project_id", "has_beneficiaries"))
    return found


# --- the preview ---


def _summary(placed: list[Placed], problems: Problems) -> dict[str, Any]:
    """Per project: where its form is, how many indicators, what the checks found; and the findings
    as warnings located like errors."""
    rows: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    counts = {"goals": 0, "blocking": 0, "warning": 0}
    for item in placed:
        blocking = sum(1 for f in item.findings if f.severity == "blocking")
        if item.findings:
            counts["goals"] += 1
            counts["blocking"] += blocking
            counts["warning"] += len(item.findings) - blocking
        if len(rows) < PREVIEW_GOALS:
            note = f"{blocking}项须修改后才能提交" if blocking else ""
            if len(item.findings) > blocking:
                note += ("，" if note else "") + f"{len(item.findings) - blocking}项提示"
            if item.unchanged:
                note = "与已保存的绩效目标相同，不再导入"
            rows.append(
                {
                    "row": item.row,
                    "cells": [item.sheet, item.code, item.name, str(len(item.indicators)), note or "无"],
                    "error": item.failed,
                }
            )
        for f in item.findings:
            if len(warnings) >= WARNINGS_KEPT:
                break
            p = item.locate(f.field, f.message)
            warnings.append(
                {
                    "sheet": p.sheet, "row": p.row, "column": p.column, "code": item.code,
                    "severity": "阻断提交" if f.severity == "blocking" else "提示", "message": f.message,
                }
            )  # fmt: skip
    return {
        "sheet": "、".join(dict.fromkeys(p.sheet for p in placed)),
        "header_row": None,
        "columns": ["工作表", "项目编码", "项目名称", "指标数", "自动审核"],
        "ignored": [],
        "rows": rows,
        "goals": len(placed),
        "findings": counts,
        "warnings": warnings,
    }
