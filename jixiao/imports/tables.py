"""Reading a stored file into a located table: which sheet, which header row, which column holds what.

Workbooks are read with python-calamine, which gives numbers as floats; row and column positions are
kept as Excel shows them (row 1 is the first row, column A the first column) so every error can say
where it is. CSV files are read as UTF-8 (with or without BOM) or, failing that, GB18030.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from python_calamine import CalamineWorkbook, SheetTypeEnum

HEADER_SCAN_ROWS = 30
ERROR_LIMIT = 10000


class ColumnSpec(Protocol):
    """A column of an import layout (such as `jixiao.projects.columns.Column`)."""

    @property
    def key(self) -> str: ...
    @property
    def header(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def note(self) -> str: ...
    @property
    def width(self) -> int: ...


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_SPACES = re.compile(r"\s+")


def normalize_header(value: Any) -> str:
    """Headers match whatever the spaces, required-field stars and width of brackets."""
    text = _SPACES.sub("", str(value or ""))
    return text.replace("*", "").replace("＊", "").replace("(", "（").replace(")", "）")


def cell_text(value: Any) -> str:
    """A cell as text: whole-number floats without '.0' (codes typed as numbers), dates in ISO form."""
    if type(value) is str:  # most cells: first, and without the checks below
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


@dataclass(frozen=True)
class Problem:
    """One error, located as a person finds it in Excel."""

    sheet: str
    row: int | None
    column: str
    header: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Problem":
        return cls(
            data.get("sheet", ""), data.get("row"), data.get("column", ""), data.get("header", ""), data["message"]
        )

    @property
    def where(self) -> str:
        parts = [f"工作表“{self.sheet}”"] if self.sheet else []
        if self.row:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"{self.column}列")
        if self.header:
            parts.append(f"（{self.header}）")
        return " ".join(parts)

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


@dataclass
class Problems:
    """Collects errors: counts all of them, keeps the first ERROR_LIMIT."""

    sheet: str = ""
    positions: dict[str, tuple[int, str]] = field(default_factory=dict)  # key → (column index, header)
    limit: int = ERROR_LIMIT
    items: list[Problem] = field(default_factory=list)
    count: int = 0
    rows: set[int] = field(default_factory=set)

    def add(self, row: int | None, key: str, message: str) -> None:
        if row is not None:
            self.rows.add(row)
        self.count += 1
        if len(self.items) < self.limit:
            index, header = self.positions.get(key, (-1, ""))
            self.items.append(Problem(self.sheet, row, column_letter(index) if index >= 0 else "", header, message))

    def add_problem(self, problem: Problem) -> None:
        self.count += 1
        if problem.row is not None:
            self.rows.add(problem.row)
        if len(self.items) < self.limit:
            self.items.append(problem)

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass
class Table:
    """A sheet with its header located. `rows` are the raw cell values of the data rows."""

    sheet: str
    header_row: int  # 1-based
    positions: dict[str, tuple[int, str]]  # column key → (0-based index, header as written)
    ignored: list[str]
    rows: list[list[Any]]
    first_row: int  # 1-based row number of rows[0]

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(Excel row number, {key: raw value}) for every row that is not entirely empty."""
        where = [(key, index) for key, (index, _) in self.positions.items()]
        for offset, raw in enumerate(self.rows):
            if _empty(raw):
                continue
            width = len(raw)
            yield self.first_row + offset, {key: (raw[i] if i < width else "") for key, i in where}

    def column(self, key: str) -> list[Any]:
        """The raw values of one column in every data row ("" where a row is shorter); [] if absent."""
        if key not in self.positions:
            return []
        index = self.positions[key][0]
        return [raw[index] if index < len(raw) else "" for raw in self.rows]

    def count(self) -> int:
        return sum(1 for raw in self.rows if not _empty(raw))

    def problems(self) -> Problems:
        return Problems(sheet=self.sheet, positions=dict(self.positions))


def _empty(raw: list[Any]) -> bool:
    """Every cell of the row is "" or None (counted in C: the same test as `v in ("", None)` per cell)."""
    return raw.count("") + raw.count(None) == len(raw)


class TableError(Exception):
    """The file cannot be read as the expected table; `problems` says why and where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _locate(name: str, rows: list[list[Any]], columns: Sequence[ColumnSpec]) -> Table | list[Problem] | None:
    """The table in one sheet's rows, problems if its header is incomplete, None if it has no header."""
    known = {normalize_header(c.header): c for c in columns}
    best: tuple[int, int] | None = None  # (matches, row index)
    for r, raw in enumerate(rows[:HEADER_SCAN_ROWS]):
        matches = sum(1 for v in raw if isinstance(v, str) and normalize_header(v) in known)
        if matches >= 2 and (best is None or matches > best[0]):
            best = (matches, r)
    if best is None:
        return None
    r = best[1]
    positions: dict[str, tuple[int, str]] = {}
    problems: list[Problem] = []
    ignored: list[str] = []
    for i, v in enumerate(rows[r]):
        text = cell_text(v)
        col = known.get(normalize_header(text)) if text else None
        if col is None:
            if text:
                ignored.append(f"{column_letter(i)}列“{text}”")
            continue
        if col.key in positions:
            first = column_letter(positions[col.key][0])
            problems.append(
                Problem(
                    name,
                    r + 1,
                    column_letter(i),
                    col.header,
                    f"表头“{col.header}”重复出现（{first}列和{column_letter(i)}列）",
                )
            )
            continue
        positions[col.key] = (i, text)
    for col in columns:
        if col.required and col.key not in positions:
            problems.append(
                Problem(name, r + 1, "", col.header, f"工作表“{name}”的表头（第{r + 1}行）缺少必填列“{col.header}”")
            )
    if problems:
        return problems
    return Table(name, r + 1, positions, ignored, rows[r + 1 :], r + 2)


def decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError([Problem("", None, "", "", "CSV 文件编码无法识别：请保存为 UTF-8 或 GB18030（GBK）编码")])


def read_table(path: Path, *, fmt: str, filename: str, sheet: str, columns: Sequence[ColumnSpec]) -> Table:
    """Find the table: the sheet named `sheet` if there is one, else the first sheet with the header."""
    if fmt == "csv":
        text = decode_csv(path.read_bytes())
        rows: list[list[Any]] = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
        name = Path(filename).name
        found = _locate(name, rows, columns)
        if found is None:
            raise TableError([_no_header(name, columns)])
        if isinstance(found, list):
            raise TableError(found)
        width = len(rows[found.header_row - 1])
        ragged = [
            Problem(
                name,
                found.first_row + i,
                column_letter(width),
                "",
                f"该行有{len(raw)}个字段，多于表头的{width}列（含逗号的内容须加英文双引号）",
            )
            for i, raw in enumerate(found.rows)
            if len(raw) > width and any(v.strip() for v in raw[width:])
        ]
        if ragged:
            raise TableError(ragged[:ERROR_LIMIT])
        return found
    with open(path, "rb") as f:
        try:
            book = CalamineWorkbook.from_filelike(f)
        except Exception as exc:  # the parser reports damaged files with assorted exception types
            raise TableError([Problem("", None, "", "", "无法读取 Excel 文件，文件可能已损坏或已加密")]) from exc
    with book:
        names = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        named = [n for n in names if n.strip() == sheet]
        for name in named + [n for n in names if n not in named]:
            try:
                sheet_rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception as exc:  # noqa: BLE001 (same: damaged parts raise assorted errors)
                raise TableError([Problem(name, None, "", "", "工作表无法读取，文件可能已损坏")]) from exc
            found = _locate(name, sheet_rows, columns)
            if isinstance(found, Table):
                return found
            if isinstance(found, list):
                raise TableError(found)
            if name in named:
                raise TableError([_no_header(name, columns)])
    raise TableError(
        [Problem("", None, "", "", f"未找到工作表“{sheet}”，其他工作表中也没有找到表头（{_header_hint(columns)}）")]
    )


def _header_hint(columns: Sequence[ColumnSpec]) -> str:
    return "、".join(c.header for c in columns if c.required)


def _no_header(name: str, columns: Sequence[ColumnSpec]) -> Problem:
    return Problem(
        name, None, "", "", f"工作表“{name}”的前{HEADER_SCAN_ROWS}行中没有找到表头（应包含：{_header_hint(columns)}）"
    )
