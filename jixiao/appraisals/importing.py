"""Importing 预算评审 results: 送审, 审定 and 审减 per project, matched by 项目编码 within the fiscal year the
uploader states and the projects the uploader may review (`budget_review.change`).

The amounts are in the unit the header states, 万元 (「送审金额（万元）」, as review reports give them) or 元
(「送审金额（元）」); a header without a unit is refused rather than guessed. Every row must satisfy
送审 = 审定 + 审减 in the sheet's own figures; a row that does not is refused with its row number, the three
figures and the difference (「第12行：送审 24053.22 ≠ 审定 14892.89 + 审减 9160.34，相差 0.01万元」), and one
refused row refuses the whole file. The write goes through `services.save_budget_review` (its permission
check, its own check of the invariant in 元, its audit event), row by row in the commit's transaction:
a project without a review gets one, a review still being written is corrected, one sent to the panel
or final cannot be changed by an import. Rows that match what is stored change nothing, so the same
file imported twice writes nothing.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.appraisals.models import BudgetReview
from jixiao.appraisals.services import ReviewAmounts, save_budget_review
from jixiao.core import scoping
from jixiao.core.errors import DomainError
from jixiao.imports import workbooks
from jixiao.imports.registry import Checked, Importer, Progress, Source
from jixiao.imports.tables import Problem, Problems, Table, TableError, cell_text, read_table
from jixiao.orgs.roles import Cap
from jixiao.projects.columns import Column
from jixiao.projects.models import Project
from jixiao.rules.money import MoneyError, to_yuan, wan_to_yuan

SHEET = "预算评审"
LOOKUP_CHUNK = 500
PREVIEW_ROWS = 20
AMOUNTS = {"submitted": "送审", "approved": "审定", "reduced": "审减"}
UNITS = {"wan": "万元", "yuan": "元"}
# The layout of the template (万元, as review reports state amounts); 元 headers are accepted as well.
TEMPLATE_COLUMNS = [
    Column("code", "项目编码", True, "系统中的项目编码；按上传时选择的年度、在您的权限范围内匹配项目", 18),
    Column("name", "项目名称", False, "仅供核对，不导入", 36),
    *[
        Column(f"{k}_wan", f"{label}金额（万元）", False, "以万元为单位，最多六位小数", 16)
        for k, label in AMOUNTS.items()
    ],
    Column("opinion", "评审意见", False, "", 40),
]
COLUMNS = [
    *TEMPLATE_COLUMNS,
    *[Column(f"{k}_yuan", f"{label}金额（元）", False, "以元为单位，最多两位小数", 16) for k, label in AMOUNTS.items()],
    *[Column(k, f"{label}金额", False, "", 16) for k, label in AMOUNTS.items()],  # found only to be refused
]


@dataclass
class Row:
    row: int
    code: str
    name: str
    figures: tuple[Decimal, Decimal, Decimal]  # 送审, 审定, 审减 as the sheet states them
    amounts: tuple[Decimal, Decimal, Decimal]  # the same in 元
    opinion: str
    project: Project | None = None
    review: BudgetReview | None = None  # the review an import would correct; None: a new one
    same: bool = False


class _Template(Importer):
    """The blank workbook: the generic layout writer with the 万元 columns."""

    sheet = SHEET
    columns = TEMPLATE_COLUMNS
    text_columns = ("code",)


class BudgetReviewImporter(Importer):
    kind = "budget_reviews"
    label = "预算评审结果"
    sheet = SHEET
    columns = COLUMNS
    cap = Cap.BUDGET_REVIEW
    reads_file = True  # the unit of the amounts is read from the header
    options = ("year",)

    def write_template(self, path: str) -> None:
        workbooks.write_template(path, _Template())

    def validate(self, table: Any, *, actor: Any, problems: Problems, progress: Progress) -> Checked:
        source: Source = table
        found = read_table(source.path, fmt=source.fmt, filename=source.filename, sheet=SHEET, columns=COLUMNS)
        unit = _unit(found)
        problems.sheet, problems.positions = found.sheet, dict(found.positions)
        rows: list[Row] = []
        seen: dict[str, int] = {}
        for n, (row, rec) in enumerate(found.records(), start=1):
            item = _read(row, rec, unit, problems)
            if item is not None and item.code in seen:
                problems.add(row, "code", f"第{row}行：项目编码“{item.code}”与第{seen[item.code]}行重复")
            elif item is not None:
                seen[item.code] = row
                rows.append(item)
            if n % 2000 == 0:
                progress(n)
        progress(found.count())
        _match(rows, actor, int(source.options["year"]), problems)
        checked = Checked(total=found.count())
        checked.rows = [(r.row, r) for r in rows if r.project is not None]
        checked.summary = _summary(found, unit, rows, problems)
        return checked

    def plan(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        items = [r for _, r in checked.rows]
        created = sum(1 for r in items if r.review is None)
        unchanged = sum(1 for r in items if r.same)
        return {"created": created, "updated": len(items) - created - unchanged, "unchanged": unchanged}

    def commit(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for _, item in checked.rows:
            assert item.project is not None
            if item.same:
                counts["unchanged"] += 1
                continue
            try:
                save_budget_review(
                    actor=actor,
                    project=item.project,
                    amounts=ReviewAmounts(*item.amounts),
                    opinion=item.opinion,
                    review=item.review,
                )
            except DomainError as exc:
                problems.add(item.row, "code", f"第{item.row}行：{exc.message}")
                continue
            counts["created" if item.review is None else "updated"] += 1
        return {} if problems else counts


def _unit(table: Table) -> str:
    """'wan' or 'yuan', as the amount headers say; a TableError if they do not say it, or disagree."""
    where = f"工作表“{table.sheet}”第{table.header_row}行"
    plain = [f"“{AMOUNTS[k]}金额”" for k in AMOUNTS if k in table.positions]
    if plain:
        raise TableError(
            [
                Problem(
                    table.sheet,
                    table.header_row,
                    "",
                    "",
                    f"{where}的表头{'、'.join(plain)}未注明单位：请写作“送审金额（万元）”或“送审金额（元）”",
                )
            ]
        )
    units = [u for u in UNITS if any(f"{k}_{u}" in table.positions for k in AMOUNTS)]
    if len(units) != 1:
        message = "金额列的单位须一致（全部为万元或全部为元）" if units else "缺少送审金额、审定金额、审减金额列"
        raise TableError([Problem(table.sheet, table.header_row, "", "", f"{where}：{message}")])
    unit = units[0]
    missing = [f"{label}金额（{UNITS[unit]}）" for k, label in AMOUNTS.items() if f"{k}_{unit}" not in table.positions]
    if missing:
        raise TableError([Problem(table.sheet, table.header_row, "", "", f"{where}的表头缺少：{'、'.join(missing)}")])
    return unit


def _figure(value: Any, unit: str) -> tuple[Decimal, Decimal]:
    """(the figure as the sheet states it, the amount in 元); MoneyError says what is wrong."""
    yuan = wan_to_yuan(value) if unit == "wan" else to_yuan(value)
    if yuan < 0:
        raise MoneyError("金额不能为负数")
    figure = yuan / 10000 if unit == "wan" else yuan
    return figure, yuan


def _shown(figure: Decimal) -> str:
    """A figure as a report writes it: no trailing zeros beyond two decimals (24053.22, 8873.00)."""
    text = f"{figure.normalize():f}"
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def _read(row: int, rec: dict[str, Any], unit: str, problems: Problems) -> Row | None:
    before = problems.count
    code = cell_text(rec.get("code"))
    if not code:
        problems.add(row, "code", f"第{row}行：项目编码为必填项")
    figures: list[Decimal] = []
    amounts: list[Decimal] = []
    for key, label in AMOUNTS.items():
        value = rec.get(f"{key}_{unit}")
        if value is None or cell_text(value) == "":
            problems.add(row, f"{key}_{unit}", f"第{row}行：{label}金额为必填项")
            continue
        try:
            figure, yuan = _figure(value, unit)
        except MoneyError as exc:
            problems.add(row, f"{key}_{unit}", f"第{row}行：{label}金额：{exc}")
            continue
        figures.append(figure)
        amounts.append(yuan)
    if problems.count > before:
        return None
    submitted, approved, reduced = figures
    if submitted != approved + reduced:
        difference = abs(submitted - approved - reduced)
        problems.add(
            row,
            f"submitted_{unit}",
            f"第{row}行：送审 {_shown(submitted)} ≠ 审定 {_shown(approved)} + 审减 {_shown(reduced)}，"
            f"相差 {_shown(difference)}{UNITS[unit]}",
        )
        return None
    return Row(
        row,
        code,
        cell_text(rec.get("name")),
        (submitted, approved, reduced),
        (amounts[0], amounts[1], amounts[2]),
        cell_text(rec.get("opinion")),
    )


def _match(rows: list[Row], actor: Any, year: int, problems: Problems) -> None:
    """Each row's project (of `year`, which the actor may review) and the review an import would write to."""
    codes = sorted({r.code for r in rows})
    found: dict[str, list[Project]] = {}
    for start in range(0, len(codes), LOOKUP_CHUNK):
        visible = scoping.restrict(
            Project.objects.filter(fiscal_year=year, code__in=codes[start : start + LOOKUP_CHUNK]),
            actor,
            Cap.PROJECT_VIEW,
        ).select_related("owner", "region")
        for p in visible:
            found.setdefault(p.code, []).append(p)
    reviews = _latest_reviews([p.pk for ps in found.values() for p in ps])
    for r in rows:
        candidates = found.get(r.code, [])
        mine = [p for p in candidates if _may_review(actor, p)]
        if len(mine) > 1:
            regions = "、".join(p.region.name for p in mine)
            problems.add(r.row, "code", f"第{r.row}行：项目编码“{r.code}”在{regions}都有{year}年度的项目，请分区划导入")
            continue
        if not mine:
            why = (
                f"您无权记录项目“{r.code} {candidates[0].name}”的预算评审"
                if candidates
                else f"项目编码“{r.code}”在{year}年度不存在或不在您的权限范围内"
            )
            problems.add(r.row, "code", f"第{r.row}行：{why}")
            continue
        r.project = mine[0]
        review = reviews.get(r.project.pk)
        if review is None:
            continue
        stored = (review.submitted_yuan, review.approved_yuan, review.reduced_yuan)
        r.same = stored == r.amounts and (not r.opinion or r.opinion == review.opinion)
        if r.same:
            r.opinion = review.opinion
        elif review.status != BudgetReview.Status.DRAFT:
            problems.add(
                r.row, "code", f"第{r.row}行：项目“{r.code}”的预算评审{review.get_status_display()}，不能通过导入修改"
            )
            r.project = None
            continue
        r.review = review


def _may_review(actor: Any, p: Project) -> bool:
    return scoping.reaches(
        actor, Cap.BUDGET_REVIEW, owner_path=p.owner.path, owner_id=p.owner_id, region_path=p.region.path
    )


def _latest_reviews(ids: list[int]) -> dict[int, BudgetReview]:
    found: dict[int, BudgetReview] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        for review in BudgetReview.objects.filter(project_id__in=ids[start : start + LOOKUP_CHUNK]).order_by(
            "project_id", "id"
        ):
            found[review.project_id] = review  # the latest wins
    return found


def _summary(table: Table, unit: str, rows: list[Row], problems: Problems) -> dict[str, Any]:
    label = UNITS[unit]
    return {
        "sheet": table.sheet,
        "header_row": table.header_row,
        "columns": ["项目编码", "项目名称", f"送审（{label}）", f"审定（{label}）", f"审减（{label}）", "评审意见"],
        "ignored": table.ignored,
        "rows": [
            {
                "row": r.row,
                "cells": [r.code, r.name, *map(_shown, r.figures), r.opinion],
                "error": r.row in problems.rows,
            }
            for r in rows[:PREVIEW_ROWS]
        ],
        "unit": label,
    }
