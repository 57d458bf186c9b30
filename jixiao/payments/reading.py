"""Reading a payment file from the budget system, streamed: one row at a time, never the whole file.

The columns are found by their labels in the first rows (the export of a 预算管理一体化系统 puts a title
and a date line above the header): 项目编码, 支付日期 or 月份 (either, or both), 金额 and, optionally,
资金来源. The amount's unit is read from its header (「金额（万元）」 is in 万元; 「金额」 or 「金额（元）」 in
元). CSV files go through the csv module line by line (UTF-8 with or without BOM, else GB18030); workbooks
through calamine's row iterator on the first sheet that has the header.
"""

import codecs
import csv
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, SheetTypeEnum

from jixiao.imports.tables import HEADER_SCAN_ROWS, Problem, Problems, TableError, cell_text, normalize_header
from jixiao.rules.money import MoneyError, to_yuan, wan_to_yuan

# Column key → the labels it goes by, matched on the header with its unit in brackets removed.
LABELS: dict[str, tuple[str, ...]] = {
    "code": ("项目编码", "项目代码", "项目编号"),
    "date": ("支付日期", "日期", "支付时间", "记账日期", "凭证日期"),
    "month": ("月份", "支付月份", "期间", "会计期间"),
    "amount": ("金额", "支付金额", "实际支付金额", "支出金额", "发生额"),
    "fund_source": ("资金来源", "资金性质"),
}
HEADERS = {"code": "项目编码", "date": "支付日期", "month": "月份", "amount": "金额", "fund_source": "资金来源"}
_UNIT = re.compile(r"（([^）]*)）$")
_MONTH = re.compile(r"^(?:\d{4}\s*[-年/.]\s*)?(\d{1,2})\s*月?$")
FUND_SOURCE_MAX = 60


@dataclass(frozen=True)
class Header:
    sheet: str
    row: int  # 1-based, as Excel shows it
    positions: dict[str, tuple[int, str]]  # key → (column index, header as written)
    unit: str  # 元 or 万元

    def problems(self) -> Problems:
        return Problems(sheet=self.sheet, positions=self.positions)


@dataclass(frozen=True, slots=True)
class Row:
    row: int
    code: str
    month: int
    paid_on: datetime.date | None
    amount: Decimal  # 元
    fund_source: str


@dataclass
class Reading:
    """The rows of a file, read on demand; `header` is known once `rows()` has started."""

    path: Path
    fmt: str
    filename: str
    year: int
    period: int | None  # a month 1–12 the file must keep to, or None
    header: Header | None = None
    problems: Problems = field(default_factory=Problems)
    total: int = 0

    def rows(self) -> Iterator[Row]:
        raw = _csv_rows(self.path) if self.fmt == "csv" else _xlsx_rows(self.path)
        for sheet, number, cells in raw:
            if self.header is None or self.header.sheet != sheet:
                if self.header is not None:  # the table was on an earlier sheet: stop at its end
                    return
                if number > HEADER_SCAN_ROWS:
                    continue
                self.header = _header(sheet, number, cells)
                if self.header is not None:
                    self.problems = self.header.problems()
                continue
            if not any(c not in (None, "") for c in cells):
                continue
            self.total += 1
            found = _row(self.header, number, cells, self.year, self.period, self.problems)
            if found is not None:
                yield found
        if self.header is None:
            hint = "项目编码、支付日期或月份、金额"
            raise TableError([Problem("", None, "", "", f"前{HEADER_SCAN_ROWS}行中没有找到表头（应包含：{hint}）")])


def _header(sheet: str, number: int, cells: list[Any]) -> Header | None:
    positions: dict[str, tuple[int, str]] = {}
    unit = "元"
    for index, cell in enumerate(cells):
        text = normalize_header(cell_text(cell))
        match = _UNIT.search(text)
        base = text[: match.start()] if match else text
        for key, labels in LABELS.items():
            if base in labels and key not in positions:
                positions[key] = (index, cell_text(cell))
                if key == "amount" and match:
                    unit = "万元" if "万元" in match.group(1) else "元"
    if "code" in positions and "amount" in positions and ("date" in positions or "month" in positions):
        return Header(sheet, number, positions, unit)
    return None


def _cell(cells: list[Any], header: Header, key: str) -> Any:
    found = header.positions.get(key)
    if found is None or found[0] >= len(cells):
        return None
    return cells[found[0]]


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value).replace("/", "-").replace(".", "-")
    if len(text) == 8 and text.isdigit():  # 20240315, as some exports write dates
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return datetime.date.fromisoformat(text[:10])


def _month(value: Any) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    match = _MONTH.match(cell_text(value))
    return int(match.group(1)) if match else None


def _row(
    header: Header, number: int, cells: list[Any], year: int, period: int | None, problems: Problems
) -> Row | None:
    bad = problems.count
    code = cell_text(_cell(cells, header, "code"))
    if not code:
        problems.add(number, "code", "项目编码为空")
    paid_on: datetime.date | None = None
    month: int | None = None
    raw_date = _cell(cells, header, "date")
    if raw_date not in (None, ""):
        try:
            paid_on = _date(raw_date)
        except ValueError:
            problems.add(number, "date", f"支付日期“{cell_text(raw_date)}”无法识别，应为 2024-03-15 这样的日期")
        else:
            month = paid_on.month
            if paid_on.year != year:
                problems.add(number, "date", f"支付日期{paid_on.isoformat()}不在{year}年度内")
    raw_month = _cell(cells, header, "month")
    if raw_month not in (None, ""):
        stated = _month(raw_month)
        if stated is None or not 1 <= stated <= 12:
            problems.add(number, "month", f"月份“{cell_text(raw_month)}”应为1到12的整数")
        elif month is not None and stated != month:
            problems.add(number, "month", f"月份{stated}与支付日期{paid_on}不一致")
        else:
            month = stated
    elif raw_date in (None, ""):
        problems.add(number, "date" if "date" in header.positions else "month", "支付日期和月份均为空")
    if month is not None and period is not None and month != period:
        problems.add(number, "month", f"支付月份为{month}月，与导入的期间{period}月不符")
    raw_amount = _cell(cells, header, "amount")
    amount = Decimal(0)
    try:
        amount = wan_to_yuan(raw_amount) if header.unit == "万元" else to_yuan(raw_amount)
    except MoneyError as exc:
        problems.add(number, "amount", str(exc))
    fund_source = cell_text(_cell(cells, header, "fund_source"))
    if len(fund_source) > FUND_SOURCE_MAX:
        problems.add(number, "fund_source", f"资金来源超过{FUND_SOURCE_MAX}个字")
    if problems.count > bad or month is None:
        return None
    return Row(number, code, month, paid_on, amount, fund_source)


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the start of the file decodes as such, else GB18030."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[tuple[str, int, list[Any]]]:
    name = path.name
    try:
        with open(path, encoding=_encoding(path), newline="") as f:
            for number, cells in enumerate(csv.reader(f), start=1):
                yield name, number, cells
    except UnicodeDecodeError as exc:
        raise TableError(
            [Problem("", None, "", "", "CSV 文件编码无法识别：请保存为 UTF-8 或 GB18030（GBK）编码")]
        ) from exc
    except csv.Error as exc:
        raise TableError([Problem("", None, "", "", f"CSV 文件格式有误：{exc}")]) from exc


def _xlsx_rows(path: Path) -> Iterator[tuple[str, int, list[Any]]]:
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # the parser reports damaged files with assorted exception types
        raise TableError([Problem("", None, "", "", "无法读取 Excel 文件，文件可能已损坏或已加密")]) from exc
    with book:
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            try:
                sheet = book.get_sheet_by_name(meta.name)
            except Exception as exc:  # noqa: BLE001 (same: damaged parts raise assorted errors)
                raise TableError([Problem(meta.name, None, "", "", "工作表无法读取，文件可能已损坏")]) from exc
            start = sheet.start
            pad = [None] * (start[1] if start else 0)  # iter_rows leaves out the columns left of the data
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                yield meta.name, number, pad + list(cells) if pad else list(cells)
