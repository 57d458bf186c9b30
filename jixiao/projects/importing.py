"""The 项目库 import: reading and checking workbook rows, planning and committing them.

Columns come from `jixiao.projects.columns` (the same layout the export writes, so an exported workbook
imports back unchanged). Every row is checked before anything is written; the write itself goes
through `services.upsert_projects`, which is idempotent: the same file imported twice changes nothing.
"""

import datetime
import re
from decimal import Decimal
from typing import Any

from jixiao.core import scoping
from jixiao.core.errors import DomainError
from jixiao.imports.registry import Checked, Importer, Progress
from jixiao.imports.tables import Problems, Table, cell_text
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap
from jixiao.projects import services
from jixiao.projects.columns import COLUMNS, SHEET
from jixiao.projects.models import DomainTag, FundSource, Project
from jixiao.projects.services import ProjectInput
from jixiao.rules.money import MoneyError, to_yuan

YEAR_MIN, YEAR_MAX = 2000, 2100
MAX_AMOUNT = Decimal(10) ** 16  # 18 digits with 2 decimals
NEW_LABELS = {"新增": True, "延续": False}
LIST_SPLIT = re.compile(r"[、,，;；/\n]+")
LOOKUP_CHUNK = 500
PROGRESS_EVERY = 2000

_limits: dict[str, int] = {
    "code": Project._meta.get_field("code").max_length or 40,
    "name": Project._meta.get_field("name").max_length or 200,
    "tag": min(FundSource._meta.get_field("name").max_length or 30, DomainTag._meta.get_field("name").max_length or 30),
}


_BAD = object()  # a cell that could not be read (its error is already recorded)


class RowError(ValueError):
    """One cell cannot be read; the message says why."""


def _labels(choices: Any) -> dict[str, str]:
    """Label → stored value; the stored value is accepted as well."""
    mapping = {str(label): value for value, label in choices.choices}
    mapping.update({value: value for value, _ in choices.choices})
    return mapping


KINDS = _labels(Project.Kind)
CATEGORIES = _labels(Project.Category)
BUDGETS = _labels(Project.Budget)


def read_year(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowError("应为四位年份，如 2024")
    if isinstance(value, float):
        if not value.is_integer():
            raise RowError(f"“{cell_text(value)}”不是年份，应为四位数字，如 2024")
        year = int(value)
    elif isinstance(value, int):
        year = value
    elif isinstance(value, datetime.date):
        year = value.year
    else:
        text = str(value).strip().removesuffix("年").removesuffix("年度").strip()
        if not text.isdigit():
            raise RowError(f"“{value}”不是年份，应为四位数字，如 2024")
        year = int(text)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise RowError(f"年份 {year} 超出范围（{YEAR_MIN}—{YEAR_MAX}）")
    return year


def read_amount(value: Any) -> Decimal | None:
    if type(value) is not float:  # spreadsheets give numbers as floats: the rest is rarer
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
            raise RowError("应为金额数字，单元格却是日期或时间")
    try:
        amount = to_yuan(value)
    except MoneyError as exc:
        raise RowError(str(exc)) from exc
    if amount < 0:
        raise RowError(f"金额 {amount} 为负数，金额不能为负")
    if amount >= MAX_AMOUNT:
        raise RowError(f"金额 {amount} 超出可记录的范围")
    return amount


def read_choice(value: Any, mapping: dict[str, str], allowed: list[str]) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    if text not in mapping:
        raise RowError(f"“{text}”不是可选值，应为：{' / '.join(allowed)}")
    return mapping[text]


def read_list(value: Any) -> list[str]:
    text = cell_text(value)
    if not text:
        return []
    names = [n.strip() for n in LIST_SPLIT.split(text) if n.strip()]
    for n in names:
        if len(n) > _limits["tag"]:
            raise RowError(f"“{n}”超过{_limits['tag']}个字")
    if len(names) > 20:
        raise RowError("最多填写20项")
    return list(dict.fromkeys(names))


def _once(reader: Any) -> Any:
    """`reader`, remembering what it made of each cell value (a list comes back as a new list)."""
    seen: dict[tuple[type, Any], Any] = {}

    def read(value: Any) -> Any:
        key = (type(value), value)  # 2024 and 2024.0 are equal but need not read the same
        try:
            found = seen[key]
        except KeyError:
            found = seen[key] = reader(value)
        except TypeError:  # unhashable: not from a spreadsheet, read it every time
            return reader(value)
        return list(found) if isinstance(found, list) else found

    return read


class ProjectImporter(Importer):
    kind = "projects"
    label = "项目库"
    sheet = SHEET
    columns = COLUMNS
    cap = Cap.PROJECT_CHANGE
    text_columns = ("code", "owner_code")

    def choices(self) -> dict[str, list[str]]:
        return {
            "kind": [str(label) for label in Project.Kind.labels],
            "category": [str(label) for label in Project.Category.labels],
            "budget_type": [str(label) for label in Project.Budget.labels],
            "is_new": list(NEW_LABELS),
        }

    # --- owners ---

    def _owners(self, table: Table, actor: Any) -> dict[str, Organization | str]:
        """Owner code → the organization, or the message saying why it cannot carry the rows."""
        codes = sorted({cell_text(value) for value in table.column("owner_code")} - {""})
        found: dict[str, Organization] = {}
        for start in range(0, len(codes), LOOKUP_CHUNK):
            part = codes[start : start + LOOKUP_CHUNK]
            found.update(
                {o.code: o for o in Organization.objects.filter(code__in=part).select_related("region", "parent")}
            )
        result: dict[str, Organization | str] = {}
        for code in codes:
            org = found.get(code)
            may_change = org is not None and _reaches(actor, Cap.PROJECT_CHANGE, org)
            if org is None or not (may_change or _reaches(actor, Cap.PROJECT_VIEW, org)):
                result[code] = f"预算单位编码“{code}”不存在或不在您的权限范围内"
            elif not may_change:
                result[code] = f"您无权为“{org.name}”（{code}）导入项目"
            elif not org.is_budget_unit:
                result[code] = f"“{org.name}”（{code}）不是预算单位，不能承担项目"
            else:
                try:
                    services.department_of(org)
                except DomainError as exc:
                    result[code] = exc.message
                else:
                    result[code] = org
        return result

    # --- rows ---

    def validate(self, table: Table, *, actor: Any, problems: Problems, progress: Progress) -> Checked:
        owners = self._owners(table, actor)
        readers = self._readers()
        seen: dict[tuple[int, int, str], int] = {}
        checked = Checked()
        n = 0
        for n, (row, rec) in enumerate(table.records(), start=1):
            if n % PROGRESS_EVERY == 0:
                progress(n)
            data = self._row(row, rec, owners, readers, problems)
            if data is None:
                continue
            key = (data.owner.region_id, data.fiscal_year, data.code)
            if key in seen:
                problems.add(
                    row, "code", f"项目编码“{data.code}”与第{seen[key]}行重复（同一区划同一年度内项目编码须唯一）"
                )
                continue
            seen[key] = row
            checked.rows.append((row, data))
        progress(n)
        return checked

    def _readers(self) -> list[tuple[str, Any, tuple[Any, ...], str]]:
        """The cells read by a reader: (key, reader, its further arguments, label if required). Years and
        lists repeat from row to row: each distinct cell is read once."""
        choices = self.choices()
        year, names = _once(read_year), _once(read_list)
        return [
            ("fiscal_year", year, (), "年度"),
            ("kind", read_choice, (KINDS, choices["kind"]), ""),
            ("category", read_choice, (CATEGORIES, choices["category"]), "项目类别"),
            ("budget_type", read_choice, (BUDGETS, choices["budget_type"]), ""),
            ("fund_sources", names, (), ""),
            ("domain_tags", names, (), ""),
            ("is_new", read_choice, (NEW_LABELS, choices["is_new"]), ""),
            ("start_year", year, (), ""),
            ("end_year", year, (), ""),
            ("amount_requested", read_amount, (), "申报金额"),
            ("amount_approved", read_amount, (), ""),
            ("amount_adjusted", read_amount, (), ""),
        ]

    def _row(
        self,
        row: int,
        rec: dict[str, Any],
        owners: dict[str, Organization | str],
        readers: list[tuple[str, Any, tuple[Any, ...], str]],
        problems: Problems,
    ) -> ProjectInput | None:
        before = problems.count
        code = cell_text(rec.get("code"))
        if not code:
            problems.add(row, "code", "项目编码为必填项")
        elif len(code) > _limits["code"]:
            problems.add(row, "code", f"项目编码超过{_limits['code']}个字符")
        name = cell_text(rec.get("name"))
        if not name:
            problems.add(row, "name", "项目名称为必填项")
        elif len(name) > _limits["name"]:
            problems.add(row, "name", f"项目名称超过{_limits['name']}个字（现有{len(name)}个字）")
        owner_code = cell_text(rec.get("owner_code"))
        owner: Organization | None = None
        if not owner_code:
            problems.add(row, "owner_code", "预算单位编码为必填项")
        else:
            found = owners.get(owner_code)
            if isinstance(found, Organization):
                owner = found
            else:
                problems.add(row, "owner_code", found or f"预算单位编码“{owner_code}”不存在")
        cells: dict[str, Any] = {}
        for key, reader, args, required in readers:
            try:
                value = cells[key] = reader(rec.get(key, ""), *args)
            except RowError as exc:
                problems.add(row, key, str(exc))
                cells[key] = _BAD
            else:
                if value is None and required:
                    problems.add(row, key, f"{required}为必填项")
        fiscal_year = cells["fiscal_year"]
        kind = cells["kind"] or Project.Kind.PROJECT
        category = cells["category"]
        budget_type = cells["budget_type"] or Project.Budget.GENERAL
        fund_sources = cells["fund_sources"]
        domain_tags = cells["domain_tags"]
        is_new = cells["is_new"]
        start_year = cells["start_year"]
        end_year = cells["end_year"]
        requested = cells["amount_requested"]
        approved = cells["amount_approved"]
        adjusted = cells["amount_adjusted"]
        description = cell_text(rec.get("description"))
        if problems.count > before:
            return None
        assert owner is not None and fiscal_year is not None and requested is not None
        start = start_year or fiscal_year
        end = end_year or start
        if end < start:
            problems.add(row, "end_year", f"结束年度 {end} 早于起始年度 {start}")
        elif not start <= fiscal_year <= end:
            problems.add(row, "fiscal_year", f"年度 {fiscal_year} 不在项目起止年度（{start}—{end}）之内")
        if kind == Project.Kind.DEPARTMENT_OVERALL and owner.kind != Organization.Kind.DEPARTMENT:
            problems.add(row, "kind", f"部门整体支出须由主管部门（一级预算单位）申报，“{owner.name}”不是主管部门")
        if problems.count > before:
            return None
        return ProjectInput(
            code=code,
            name=name,
            owner=owner,
            fiscal_year=fiscal_year,
            category=category,
            amount_requested=requested,
            kind=kind,
            budget_type=budget_type,
            fund_sources=fund_sources,
            domain_tags=domain_tags,
            is_new=True if is_new is None else bool(is_new),
            start_year=start_year,
            end_year=end_year,
            amount_approved=approved,
            amount_adjusted=adjusted,
            description=description,
        )

    # --- plan and commit ---

    def plan(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        result = services.upsert_projects(actor=actor, rows=[d for _, d in checked.rows], dry_run=True)
        self._refused(checked, result.refused, problems)
        return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}

    def commit(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        try:
            result = services.upsert_projects(actor=actor, rows=[d for _, d in checked.rows], action="project.import")
        except services.UpsertRefused as exc:
            self._refused(checked, exc.refused, problems)
            return {}
        return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}

    def _refused(self, checked: Checked, refused: list[services.Refusal], problems: Problems) -> None:
        keys = {c.key for c in COLUMNS}
        for r in refused:
            key = {"owner": "owner_code"}.get(r.field or "", r.field or "code")
            problems.add(checked.rows[r.index][0], key if key in keys else "code", r.message)


def _reaches(actor: Any, cap: str, org: Organization) -> bool:
    return scoping.reaches(actor, cap, owner_path=org.path, owner_id=org.pk, region_path=org.region.path)
