"""The 绩效目标申报表 layout (财预〔2015〕88号 annex and its 一体化 variants): reading and writing it.

One workbook holds the forms of many projects. Each form is a *block*: header cells found by their
labels (项目编码, 项目名称, 主管部门, 实施单位, 项目属性, 项目期, 资金总额, 中期目标, 年度目标 …; the value is
the next filled cell to the right, or the cell below when the right is empty), then the indicator
table found by its header row (一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 计量单位 …). A block ends
where the next one starts (its title or header labels) or at the end of the sheet; a sheet may hold
one block or several. Labels are matched whatever their spaces, line breaks, required-field stars,
bracket widths and trailing notes in brackets (「年度资金总额（万元）」, 「中期目标（2026—2028年）」).

Published forms merge 一级 and 二级 cells down their rows; the merged area reads as empty cells, so an
empty 一级 or 二级 takes the value above it within the block.

Three shapes besides the export's own are read:
- the 财预〔2015〕88号 annex with 中期 and 年度 indicators side by side (一级指标 | 二级指标 | 三级指标 | 指标值 |
  二级指标 | 三级指标 | 指标值): the right-hand set is the year's, the left-hand 指标值 its 中期指标值;
- a header row over a second one (指标值 over 中期指标值 | 年度指标值);
- one flat table for many projects, as budget disclosures publish them (单位名称 | 项目名称 | 年度目标 |
  一级指标 | … | 指标值 | 度量单位), the project cells merged down its rows: each project is a block of its own.

Sheets are read row by row (`CalamineSheet.iter_rows`): a block at a time is held in Python, never a
copy of the whole sheet. Writing uses XlsxWriter in constant-memory mode (rows written in order).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook, SheetTypeEnum

from jixiao.imports.tables import Problem, TableError, cell_text, column_letter

PROJECT_TITLE = "项目支出绩效目标申报表"
DEPARTMENT_TITLE = "部门整体绩效目标申报表"
# 「项目支出绩效目标申报表」, 「部门整体支出绩效目标表」, 「2026年项目支出绩效目标表」 …
TITLE_MARK = re.compile(r"绩效目标(?:申报)?表")


@dataclass(frozen=True)
class Label:
    key: str
    header: str  # as the export writes it
    aliases: tuple[str, ...] = ()
    rank: int = 0  # among labels of the same key, the lower wins (年度目标 before 总体目标)


# Header cells of a block, in the order the export writes them.
HEADER_LABELS = [
    Label("code", "项目编码", ("项目代码", "部门编码", "单位编码")),
    Label("name", "项目名称"),
    # A 部门整体 form names the department; where a flat table has both, the project's name wins.
    Label("name", "部门（单位）名称", ("部门名称", "单位名称", "预算单位名称", "部门（单位）"), rank=1),
    Label("department", "主管部门", ("主管部门及代码", "主管部门名称", "一级预算单位")),
    Label("unit", "实施单位", ("实施单位名称",)),
    Label("attribute", "项目属性"),
    Label("period", "项目期", ("项目周期", "项目实施期")),
    Label("mid_total", "中期资金总额"),
    Label("annual_total", "年度资金总额", ("年度预算申请", "年度资金总量", "年度预算总额")),
    Label("beneficiaries", "有直接服务对象"),
    Label("mid_term_goal", "中期目标", ("中期绩效目标",)),
    Label("annual_goal", "年度目标", ("年度绩效目标", "年度总体目标")),
    Label("annual_goal", "总体目标", ("绩效目标",), rank=1),
]

# Columns of the indicator table. `required` ones must be in its header row.
INDICATOR_LABELS = [
    Label("level1", "一级指标"),
    Label("level2", "二级指标"),
    Label("name", "三级指标", ("三级指标名称", "指标名称")),
    Label("operator", "指标性质", ("指标值类型", "指标类型", "指标方向")),
    Label("target", "指标值", ("年度指标值", "年度目标值", "目标值")),
    Label("mid_term_target", "中期指标值", ("中期目标值",)),
    Label("unit", "计量单位", ("度量单位", "单位")),
    Label("explanation", "指标解释", ("指标说明", "指标定义")),
    Label("scoring_rule", "评（扣）分标准", ("评分标准", "评扣分标准", "扣分标准")),
    Label("basis", "指标值设定依据", ("设定依据", "取值依据", "指标值确定依据")),
    Label("weight", "分值", ("权重", "指标分值")),
    Label("last_year_actual", "上年实际值", ("上年实际完成值", "上年完成值", "上年值")),
    Label("data_source", "数据来源"),
    Label("is_core", "核心指标", ("是否核心指标",)),
    Label("remark", "备注"),
]
REQUIRED_COLUMNS = ("level1", "level2", "name", "target")
# Columns that a 88号 form repeats for its 中期 set, left of the 年度 one: the key the left one keeps.
MID_TERM_COLUMNS = {"level2": "mid_term_level2", "name": "mid_term_name", "target": "mid_term_target"}
# Header labels that may head a column of a flat table, one project per group of rows.
ROW_KEYS = ("code", "name", "department", "unit", "annual_goal", "mid_term_goal")
COLUMN_HEADERS = {lb.key: lb.header for lb in INDICATOR_LABELS}
FILLED_DOWN = ("level1", "level2")

_SPACES = re.compile(r"\s+")
_TRAILING_NOTE = re.compile(r"（[^（）]*）$")


def normalize_label(value: Any) -> str:
    """「*评(扣)分\\n标准：」 → 「评（扣）分标准」: no spaces, stars, colons; full-width brackets."""
    text = _SPACES.sub("", str(value))
    text = text.replace("*", "").replace("＊", "").replace("(", "（").replace(")", "）")
    return text.rstrip(":：")


def _index(labels: list[Label]) -> dict[str, Label]:
    found: dict[str, Label] = {}
    for label in labels:
        for text in (label.header, *label.aliases):
            found[normalize_label(text)] = label
    return found


_HEADERS = _index(HEADER_LABELS)
_COLUMNS = _index(INDICATOR_LABELS)


def _match(text: str, known: dict[str, Label]) -> Label | None:
    """The label a cell's text is, allowing a trailing note in brackets (「年度资金总额（万元）」)."""
    found = known.get(text)
    if found is None and text.endswith("）"):
        found = known.get(_TRAILING_NOTE.sub("", text))
    return found


@lru_cache(maxsize=65536)
def classify(raw: str) -> tuple[str, Label | None, Label | None, bool]:
    """A text cell: its normalized form, the table column and header label it is (if any), whether it
    is a form's title. Texts repeat from block to block (level names, labels, scoring rules): each
    distinct one is worked out once."""
    text = normalize_label(raw)
    return text, _match(text, _COLUMNS), _match(text, _HEADERS), TITLE_MARK.search(text) is not None


@dataclass
class Located:
    """A value with the cell it came from (row 1-based, column 0-based)."""

    value: Any
    row: int
    column: int


@dataclass
class Block:
    """One form as read: its header values, the indicator table's columns and its rows."""

    sheet: str
    row: int  # where the block starts
    title: str = ""
    header: dict[str, Located] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)
    table_row: int | None = None
    columns: dict[str, tuple[int, str]] = field(default_factory=dict)  # key → (column, header as written)
    row_keys: dict[str, int] = field(default_factory=dict)  # a flat table's project columns: key → column
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row, {key: cell as text})
    problems: list[Problem] = field(default_factory=list)

    def text(self, key: str) -> str:
        found = self.header.get(key)
        return cell_text(found.value) if found else ""

    def where(self, key: str) -> tuple[int, str, str]:
        """(row, column letter, label) of a header value, for error messages."""
        found = self.header.get(key)
        label = next(lb.header for lb in HEADER_LABELS if lb.key == key)
        if found is None:
            return self.row, "", label
        return found.row, column_letter(found.column), label

    def cell(self, row: int, key: str) -> tuple[str, str]:
        """(column letter, header as written) of an indicator column."""
        column, header = self.columns.get(key, (-1, COLUMN_HEADERS.get(key, "")))
        return (column_letter(column) if column >= 0 else ""), header

    def problem(self, row: int | None, key: str, message: str, *, table: bool = True) -> Problem:
        if table:
            letter, header = self.cell(row or 0, key)
        else:
            _, letter, header = self.where(key)
        return Problem(self.sheet, row, letter, header, message)


class _Reader:
    """The state of one sheet read row by row."""

    def __init__(self, sheet: str, offset: int) -> None:
        self.sheet = sheet
        self.offset = offset  # column index of the sheet's first read column
        self.block: Block | None = None
        self.below: dict[int, Label] = {}  # column → label whose value is expected in the next row
        self.above: dict[str, Any] = {}  # filled-down 一级/二级 values

    def feed(self, r: int, raw: list[Any]) -> Block | None:
        """Read row `r`; return the block it closes, if any."""
        # One pass over the row's text cells (most rows are indicator rows: no label, no title).
        columns: dict[int, Label] = {}
        labels: dict[int, Label] = {}
        title = ""
        texts = 0
        for i, v in enumerate(raw):
            if type(v) is str and v:
                texts += 1
                _, column, label, is_title = classify(v)
                if column is not None:
                    columns[i] = column
                if label is not None:
                    labels[i] = label
                if is_title and not title:
                    title = v.strip()
        if not texts and raw.count("") + raw.count(None) == len(raw):
            self.below.clear()
            return None
        block = self.block
        is_table = len(columns) >= 3 and {"level1", "name"} <= {lb.key for lb in columns.values()}
        closed: Block | None = None
        starts = bool(title) or (bool(labels) and not is_table)
        if block is not None and (
            (block.table_row is not None and (starts or is_table))
            or (
                block.table_row is None
                and (title or any(lb.key == "code" for lb in labels.values()))
                and "code" in block.header
            )
        ):
            closed, block = block, None
            self.below.clear()
        if block is None and (starts or is_table):
            block = self.block = Block(self.sheet, r, title=title)
            self.above = {}
        self.block = block
        if block is None:
            return closed
        if is_table:
            self._table_header(block, r, raw, columns, labels)
        elif block.table_row == r - 1 and columns and not block.rows:
            # A second header row under a merged one: 指标值 over 中期指标值 | 年度指标值.
            for i, label in columns.items():
                block.columns[label.key] = (self.offset + i, cell_text(raw[i]))
        elif block.table_row is not None:
            return self._indicator(block, r, raw) or closed
        else:
            self._header(block, r, raw, labels, title)
        return closed

    def finish(self) -> Block | None:
        block, self.block = self.block, None
        return block

    def _header(self, block: Block, r: int, raw: list[Any], labels: dict[int, Label], title: str) -> None:
        if title and not block.title:
            block.title = title
        for i, label in self.below.items():  # labels of the row above whose value is here
            if i < len(raw) and i not in labels and cell_text(raw[i]):
                self._set(block, label, Located(raw[i], r, self.offset + i))
        self.below = {}
        for i, label in labels.items():
            value = None
            for j in range(i + 1, len(raw)):
                if j in labels:
                    break
                if cell_text(raw[j]):
                    value = Located(raw[j], r, self.offset + j)
                    break
            if value is None:
                self.below[i] = label
            else:
                self._set(block, label, value)

    @staticmethod
    def _set(block: Block, label: Label, value: Located) -> None:
        if label.key in block.header and block.ranks[label.key] <= label.rank:
            return
        block.header[label.key] = value
        block.ranks[label.key] = label.rank

    def _table_header(
        self, block: Block, r: int, raw: list[Any], columns: dict[int, Label], labels: dict[int, Label]
    ) -> None:
        block.table_row = r
        ranks: dict[str, int] = {}
        for i, label in sorted(labels.items()):
            if label.key in ROW_KEYS and ranks.get(label.key, label.rank + 1) > label.rank:
                block.row_keys[label.key] = self.offset + i
                ranks[label.key] = label.rank
        for i, label in sorted(columns.items()):
            mid = MID_TERM_COLUMNS.get(label.key)
            if label.key in block.columns and mid and mid not in block.columns:
                block.columns[mid] = block.columns[label.key]  # the 中期 set comes first
                block.columns[label.key] = (self.offset + i, cell_text(raw[i]))
                continue
            if label.key in block.columns:
                first = column_letter(block.columns[label.key][0])
                letter = column_letter(self.offset + i)
                block.problems.append(
                    Problem(
                        self.sheet, r, letter, label.header, f"表头“{label.header}”重复出现（{first}列和{letter}列）"
                    )
                )
                continue
            block.columns[label.key] = (self.offset + i, cell_text(raw[i]))

    def _indicator(self, block: Block, r: int, raw: list[Any]) -> Block | None:
        """Read an indicator row; in a flat table, a row naming another project closes the block."""
        closed = self._next_project(block, r, raw) if block.row_keys else None
        block = self.block or block
        width = len(raw)
        offset = self.offset
        values = {  # as text: what the importer reads (a number typed in a cell as its plain text)
            key: ((v.strip() if type(v := raw[i - offset]) is str else cell_text(v)) if i - offset < width else "")
            for key, (i, _) in block.columns.items()
        }
        for key in FILLED_DOWN:
            text = values.get(key, "")
            if text:
                if key == "level1" and text != self.above.get("level1"):
                    self.above.pop("level2", None)  # a new 一级 starts its own 二级 merge
                self.above[key] = text
            else:
                values[key] = self.above.get(key, "")
        if not values.get("name") and not values.get("target"):
            return closed  # a spacer, a merged remainder, or the signature line under the table
        block.rows.append((r, values))
        return closed

    def _next_project(self, block: Block, r: int, raw: list[Any]) -> Block | None:
        """A flat table row: its project cells (merged down, so filled only on a project's first row)
        fill the block's header; different ones start the next block."""
        found = {
            key: Located(raw[i - self.offset], r, i)
            for key, i in block.row_keys.items()
            if i - self.offset < len(raw) and cell_text(raw[i - self.offset])
        }
        identity = "code" if "code" in block.row_keys else "name"
        closed = None
        if identity in found and block.rows and cell_text(found[identity].value) != block.text(identity):
            closed = block
            block = self.block = Block(
                self.sheet, r, title=block.title, table_row=block.table_row, columns=block.columns,
                row_keys=block.row_keys,
            )  # fmt: skip
            self.above = {}
        elif identity in found and not block.rows:
            block.row = r  # the first project of the table starts at its first row, not at the title
        for key, value in found.items():
            if not block.rows or key not in block.header:  # the table's cells win over labels above it
                block.header[key] = value
                block.ranks[key] = 0
        return closed


def read_blocks(path: Path) -> Iterator[Block]:
    """Every block of every worksheet, in order. Raises TableError when the file cannot be read."""
    with open(path, "rb") as f:
        try:
            book = CalamineWorkbook.from_filelike(f)
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
            # iter_rows pads the rows above the first filled one, not the columns left of it.
            reader = _Reader(meta.name, start[1] if start else 0)
            for r, raw in enumerate(sheet.iter_rows(), start=1):
                closed = reader.feed(r, raw)
                if closed is not None:
                    yield closed
            last = reader.finish()
            if last is not None:
                yield last


# --- Writing -----------------------------------------------------------------------------------------------


@dataclass
class FormIndicator:
    level1: str
    level2: str
    name: str
    operator: str
    target: str | float  # the number, or the text of a 定性 target
    unit: str = ""
    mid_term_target: str = ""
    explanation: str = ""
    scoring_rule: str = ""
    basis: str = ""
    weight: float | None = None
    last_year_actual: float | None = None
    data_source: str = ""
    is_core: bool = False
    remark: str = ""


@dataclass
class Form:
    """One block to write."""

    code: str
    name: str
    department: str = ""
    unit: str = ""
    attribute: str = ""
    period: str = ""
    annual_total_wan: float | None = None
    beneficiaries: bool = True
    mid_term_goal: str = ""
    annual_goal: str = ""
    department_overall: bool = False
    indicators: list[FormIndicator] = field(default_factory=list)


# Indicator columns in the order written: the standard ones first.
WRITTEN_COLUMNS = [
    "level1", "level2", "name", "operator", "target", "unit", "explanation", "scoring_rule", "basis",
    "remark", "mid_term_target", "weight", "last_year_actual", "data_source", "is_core",
]  # fmt: skip
# Wide enough for the header values written in columns B and E as well.
_WIDTHS = {"level1": 16, "level2": 24, "name": 28, "operator": 10, "target": 24, "unit": 10, "explanation": 30}
LAST_COLUMN = len(WRITTEN_COLUMNS) - 1


class FormWriter:
    """Blocks written one after another, several per sheet (a sheet per year's form kind)."""

    def __init__(self, path: str) -> None:
        self.book = xlsxwriter.Workbook(
            path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        book = self.book
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.label = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        self.value = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        self.code = book.add_format({"border": 1, "num_format": "@"})
        self.money = book.add_format({"border": 1, "num_format": "#,##0.00"})
        self.head = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
        self.sheets: dict[str, Any] = {}
        self.next_row: dict[str, int] = {}
        self.count = 0

    def _sheet(self, name: str) -> tuple[Any, int]:
        if name not in self.sheets:
            ws = self.book.add_worksheet(name)
            for c, key in enumerate(WRITTEN_COLUMNS):
                ws.set_column(c, c, _WIDTHS.get(key, 14))
            self.sheets[name] = ws
            self.next_row[name] = 0
        return self.sheets[name], self.next_row[name]

    def write(self, form: Form) -> None:
        title = DEPARTMENT_TITLE if form.department_overall else PROJECT_TITLE
        ws, r = self._sheet(title)
        ws.write_string(r, 0, title, self.title)
        r += 1
        pairs: list[tuple[str, Any]] = [
            ("项目编码", form.code),
            ("项目名称", form.name),
            ("主管部门", form.department),
            ("实施单位", form.unit),
            ("项目属性", form.attribute),
            ("项目期", form.period),
            ("年度资金总额（万元）", form.annual_total_wan),
            ("有直接服务对象", "是" if form.beneficiaries else "否"),
        ]
        for start in range(0, len(pairs), 2):  # two labelled values a row: label | value
            for k, (label, value) in enumerate(pairs[start : start + 2]):
                c = k * 3
                ws.write_string(r, c, label, self.label)
                if isinstance(value, float):
                    ws.write_number(r, c + 1, value, self.money)
                elif value:
                    ws.write_string(r, c + 1, str(value), self.code if label == "项目编码" else self.value)
            r += 1
        for label, text in (("中期目标", form.mid_term_goal), ("年度目标", form.annual_goal)):
            ws.write_string(r, 0, label, self.label)
            ws.merge_range(r, 1, r, LAST_COLUMN, "", self.value)
            if text:
                ws.write_string(r, 1, text, self.value)
            ws.set_row(r, 45)
            r += 1
        for c, key in enumerate(WRITTEN_COLUMNS):
            ws.write_string(r, c, COLUMN_HEADERS[key], self.head)
        r += 1
        for item in form.indicators:
            for c, key in enumerate(WRITTEN_COLUMNS):
                value = getattr(item, key)
                if key == "is_core":
                    value = "是" if value else ""
                if isinstance(value, float):
                    ws.write_number(r, c, value)
                elif value not in ("", None):
                    ws.write_string(r, c, str(value))
            r += 1
        self.next_row[title] = r + 1  # a blank row between blocks
        self.count += 1

    def close(self) -> None:
        if not self.sheets:
            self._sheet(PROJECT_TITLE)
        self.book.close()
