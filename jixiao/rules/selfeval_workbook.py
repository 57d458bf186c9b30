"""项目支出绩效自评表 workbooks (national 附件1 layout and the 四川 variant) read into forms the engine scores.

A workbook holds one form per sheet or several per sheet: a form starts at its title (「…绩效自评表」) or, in a
sheet without titles, at its 项目名称 label. Inside a form, blocks are found by their header labels, whatever
their cells: labels match whatever their spaces, line breaks, stars, colons, bracket widths and trailing notes
(「项目资金（万元）」「预算执行情况（10分）」). A header value is the next filled cell to its right.

- 项目资金 / 预算执行情况: the row naming 年初预算数, 全年预算数 (调整后预算数) and 全年执行数 (预算执行数);
  the amounts are read from the first row under it (年度资金总额 / 总额), with 分值 (权重), 执行率 and 得分.
- 年度总体目标: the cells under 预期目标 and 实际完成情况.
- 项目编码 (where the form has one) identifies the project when a form is imported into the platform.
- 绩效指标: the row naming 一级指标 and 三级指标; a merged 一级 or 二级 cell reads as empty below its first
  row, so an empty one takes the value above it. The table ends at 总分 / 合计 or the next block.

Targets are read by `targets.parse_target` (with the 指标性质 and 度量单位 columns where there are any).
Every problem is reported with its sheet, row and column, all at once.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, SheetTypeEnum

from jixiao.imports.tables import Problem, TableError, cell_text, column_letter, normalize_header
from jixiao.rules import scoring
from jixiao.rules.scoring import Funds, Indicator, ScoringError, Settings
from jixiao.rules.targets import QUALITATIVE, TargetError, parse_target

TITLE_MARK = "自评表"
# Header cells → the key of their value (the first alias is the label written in the national form).
NAME_LABELS = ("项目名称", "部门名称", "单位名称", "部门（单位）名称", "预算单位名称")
HEADER_LABELS = {
    "name": NAME_LABELS,
    "code": ("项目编码", "项目代码"),
    "department": ("主管部门", "主管部门及代码", "主管部门名称"),
    "unit": ("实施单位", "实施单位名称", "预算单位"),
}
FUNDS_COLUMNS = {
    "initial": ("年初预算数", "年初预算", "年初预算金额"),
    "adjusted": ("全年预算数", "调整后预算数", "调整预算数", "全年预算", "调整后预算"),
    "spent": ("全年执行数", "预算执行数", "执行数", "实际支出数"),
    "weight": ("分值", "权重"),
    "rate": ("执行率", "预算执行率"),
    "score": ("得分",),
    "reason": ("原因", "偏差原因", "未完成原因", "原因说明"),
}
INDICATOR_COLUMNS = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "指标名称", "三级指标名称"),
    "operator": ("指标性质", "指标方向"),
    "target": ("年度指标值", "指标值", "年度目标值", "目标值"),
    "unit": ("度量单位", "计量单位", "单位"),
    "actual": ("实际完成值", "完成值", "全年实际值", "实际值"),
    "weight": ("分值", "权重"),
    "score": ("得分",),
    "reason": (
        "偏差原因分析及改进措施",
        "未完成原因分析",
        "偏差原因分析",
        "未完成原因分析及改进措施",
        "未完成原因及拟采取的改进措施",
        "原因分析",
    ),
}
GOAL_LABELS = {
    "expected": ("预期目标", "年初设定目标"),
    "achieved": ("实际完成情况", "实际完成目标", "年度总体目标完成情况综述"),
}
TOTAL_LABELS = ("总分", "合计", "总计")
GRADE_LABELS = ("自评等级", "评价等级", "等级", "自评结果")
NOT_APPLICABLE = ("不适用", "不考核")
# 实际完成值 of a 定性 indicator → its tier, the most specific words first.
TIER_WORDS = (
    ("未达成", scoring.MISSED),
    ("未完成", scoring.MISSED),
    ("未达到", scoring.MISSED),
    ("部分达成", scoring.PARTIAL),
    ("部分完成", scoring.PARTIAL),
    ("基本达成", scoring.PARTIAL),
    ("基本完成", scoring.PARTIAL),
    ("达成", scoring.ACHIEVED),
    ("完成", scoring.ACHIEVED),
    ("达到", scoring.ACHIEVED),
)
_TRAILING_NOTE = re.compile(r"（[^（）]*）$")
_POINTS_NOTE = re.compile(r"[（(]\s*\d+(?:\.\d+)?\s*分\s*[)）]$")  # 「产出指标（70分）」


def label(value: Any) -> str:
    """「 项目资金\\n(万元)：」 → 「项目资金」: the label without spaces, stars, colons or a trailing note."""
    text = normalize_header(value).rstrip(":：")
    return _TRAILING_NOTE.sub("", text) if text.endswith("）") else text


def _lookup(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {label(alias): key for key, aliases in groups.items() for alias in aliases}


_FUNDS = _lookup(FUNDS_COLUMNS)
_INDICATORS = _lookup(INDICATOR_COLUMNS)
_HEADERS = _lookup({k: v for k, v in HEADER_LABELS.items()})
_GOALS = _lookup(GOAL_LABELS)
_NAMES = {label(n) for n in NAME_LABELS}
_TOTALS = {label(n) for n in TOTAL_LABELS}
_GRADES = {label(n) for n in GRADE_LABELS}


@dataclass
class Row:
    """An indicator as read, with where it is."""

    row: int
    indicator: Indicator
    published: Decimal | None
    reason: str
    actual: str = ""  # the 实际完成值 cell as written
    judged: str = ""  # why the published score stands in for the formula (a 定量 row without a number)


@dataclass
class Form:
    sheet: str
    row: int  # the first row of the form
    layout: str  # scoring.NATIONAL or scoring.SICHUAN
    title: str = ""
    header: dict[str, str] = field(default_factory=dict)  # name, code, department, unit
    header_at: dict[str, tuple[int, int]] = field(default_factory=dict)  # key → (row, column index) of its value
    funds: Funds | None = None
    funds_row: int | None = None
    funds_columns: dict[str, int] = field(default_factory=dict)  # 项目资金 column key → index
    published_execution: Decimal | None = None
    expected_goal: str = ""
    achieved_goal: str = ""
    goal_row: int | None = None  # the row of the 预期目标 / 实际完成情况 labels, where the form has them
    rows: list[Row] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)  # indicator column key → index
    headers: dict[str, str] = field(default_factory=dict)  # indicator column key → header as written
    published_total: Decimal | None = None
    published_grade: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.header.get("name") or self.title or f"工作表“{self.sheet}”第{self.row}行起的自评表"

    @property
    def indicators(self) -> list[Indicator]:
        return [r.indicator for r in self.rows]

    @property
    def published(self) -> dict[str, Decimal]:
        return {r.indicator.ref: r.published for r in self.rows if r.published is not None}

    def problem(self, row: int | None, key: str, message: str) -> Problem:
        index = self.columns.get(key, -1)
        return Problem(self.sheet, row, column_letter(index) if index >= 0 else "", self.headers.get(key, ""), message)


@dataclass(frozen=True)
class Scored:
    form: Form
    result: scoring.FormScore
    reconciliation: scoring.Reconciliation | None


def read_workbook(path: Path, *, blank_actuals: bool = False) -> list[Form]:
    """Every form in the workbook; raises TableError listing every problem of every form.

    With `blank_actuals`, an indicator whose 实际完成值 (and, for a 定性 one, 得分) is empty is read without
    it instead of being a problem: a form being filled in, where such a row is simply not entered yet."""
    forms, problems = read_forms(path, blank_actuals=blank_actuals)
    if problems:
        raise TableError(problems)
    return forms


def read_forms(path: Path, *, blank_actuals: bool = False) -> tuple[list[Form], list[Problem]]:
    """The forms and, apart, the problems found in them (a row with a problem is left out of its form), so
    that a caller can add its own findings on the forms to the list. Raises TableError only for a file that
    cannot be read or holds no form."""
    try:
        with open(path, "rb") as f:
            book = CalamineWorkbook.from_filelike(f)
    except Exception as exc:  # the parser reports damaged files with assorted exception types
        raise TableError([Problem("", None, "", "", "无法读取 Excel 文件，文件可能已损坏或已加密")]) from exc
    forms: list[Form] = []
    problems: list[Problem] = []
    with book:
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            try:
                grid = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except Exception as exc:  # noqa: BLE001 (same: damaged parts raise assorted errors)
                raise TableError([Problem(meta.name, None, "", "", "工作表无法读取，文件可能已损坏")]) from exc
            for start, end in _blocks(grid):
                form = _read_form(meta.name, grid, start, end, problems.append, blank_actuals)
                if form is not None:
                    forms.append(form)
    if not forms and not problems:
        raise TableError([Problem("", None, "", "", "工作簿中没有找到自评表（应有“一级指标”“三级指标”等表头）")])
    return forms, problems


def _texts(raw: list[Any]) -> dict[int, str]:
    return {i: label(v) for i, v in enumerate(raw) if type(v) is str and v.strip()}


def _blocks(grid: list[list[Any]]) -> list[tuple[int, int]]:
    """(first, end) row indexes (0-based, end exclusive) of the forms on a sheet."""
    titles = [r for r, raw in enumerate(grid) if any(TITLE_MARK in t for t in _texts(raw).values())]
    starts = titles or [r for r, raw in enumerate(grid) if _NAMES & set(_texts(raw).values())]
    starts = starts or ([0] if grid else [])
    return list(zip(starts, [*starts[1:], len(grid)], strict=True))


def _number(value: Any) -> Decimal | None:
    """A cell as a number: numeric cells, or text such as 「48」「1,200.5」「86%」 (percent as written)."""
    text = cell_text(value).replace(",", "").replace("，", "").rstrip("%％").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _actual(text: str) -> Decimal | None:
    """实际完成值 as written: a number, or one with its unit (「480人」「96%」「≥96%」)."""
    number = _number(text)
    if number is not None or not text:
        return number
    try:
        return parse_target(text).value
    except TargetError:
        return None


def _right(raw: list[Any], i: int, stop: set[str]) -> tuple[int, Any] | None:
    """The next filled cell right of column i, unless a label in `stop` comes first."""
    for j in range(i + 1, len(raw)):
        text = cell_text(raw[j])
        if text:
            return None if label(text) in stop else (j, raw[j])
    return None


def _read_form(
    sheet: str, grid: list[list[Any]], start: int, end: int, add: Callable[[Problem], None], blank_actuals: bool
) -> Form | None:
    form = Form(sheet, start + 1, scoring.NATIONAL)
    table_at = None
    for r in range(start, end):
        raw = grid[r]
        texts = _texts(raw)
        values = set(texts.values())
        if not form.title:
            form.title = next((cell_text(raw[i]) for i, t in texts.items() if TITLE_MARK in t), "")
        if "预算执行情况" in values or "指标性质" in values:
            form.layout = scoring.SICHUAN
        if table_at is None and ({"一级指标", "三级指标"} <= values or {"一级指标", "指标名称"} <= values):
            table_at = r
            _read_table(form, grid, r, end, add, blank_actuals)
            continue
        if table_at is not None:
            continue  # rows of the table (read above) and the footer, read next
        for i, t in texts.items():
            if t in _HEADERS and _HEADERS[t] not in form.header:
                found = _right(raw, i, set(_HEADERS))
                if found is not None:
                    form.header[_HEADERS[t]] = cell_text(found[1])
                    form.header_at[_HEADERS[t]] = (r + 1, found[0])
        funds_keys = {_FUNDS[t] for t in values if t in _FUNDS}
        if form.funds is None and {"adjusted", "spent"} <= funds_keys:
            _read_funds(form, grid, r, end, add)
        if form.goal_row is None and "expected" in {_GOALS.get(t) for t in values}:
            form.goal_row = r + 1
            form.expected_goal, form.achieved_goal = _goal(grid, r, end, texts)
    if table_at is None:
        if form.header or form.funds is not None:
            add(Problem(sheet, start + 1, "", "", f"自评表“{form.name}”中没有找到绩效指标表（一级指标、三级指标…）"))
        return None
    return form


def _goal(grid: list[list[Any]], r: int, end: int, texts: dict[int, str]) -> tuple[str, str]:
    """The cells under 预期目标 and 实际完成情况 (the first filled one within the next rows)."""
    found = {"expected": "", "achieved": ""}
    for i, t in texts.items():
        key = _GOALS.get(t)
        if key is None:
            continue
        for below in range(r + 1, min(end, r + 4)):
            row = grid[below]
            text = cell_text(row[i]) if i < len(row) else ""
            if text:
                found[key] = text
                break
    return found["expected"], found["achieved"]


def _read_funds(form: Form, grid: list[list[Any]], r: int, end: int, add: Callable[[Problem], None]) -> None:
    columns = {_FUNDS[t]: i for i, t in sorted(_texts(grid[r]).items(), reverse=True) if t in _FUNDS}
    form.funds_columns = columns
    for below in range(r + 1, min(end, r + 8)):
        raw = grid[below]
        if not any(_number(raw[i]) is not None for i in columns.values() if i < len(raw)):
            continue
        values = {k: raw[i] if i < len(raw) else "" for k, i in columns.items()}
        amounts: dict[str, Decimal | None] = {}
        for key in ("initial", "adjusted", "spent", "weight", "score"):
            text = cell_text(values.get(key, ""))
            amounts[key] = _number(text)
            if text and amounts[key] is None:
                header = FUNDS_COLUMNS[key][0]
                add(Problem(form.sheet, below + 1, column_letter(columns[key]), header, f"“{text}”不是数字"))
        if not any(amounts[k] for k in ("initial", "adjusted", "spent")):
            parts = _parts(grid, below + 1, min(end, r + 8), columns)
            if parts is not None:
                amounts.update(parts)
                form.notes.append(
                    f"第{below + 1}行年度资金总额为0，其下“其中”各行有金额：按各行合计"
                    f"（全年预算数 {parts['adjusted']}，全年执行数 {parts['spent']}）计算执行率"
                )
        weight = amounts["weight"] if amounts["weight"] is not None else Decimal(10)
        reason = cell_text(values.get("reason", ""))
        form.funds = Funds(amounts["adjusted"], amounts["spent"], amounts["initial"], weight, reason)
        form.funds_row = below + 1
        form.published_execution = amounts["score"]
        return
    add(Problem(form.sheet, r + 1, "", "", "项目资金表头下没有金额（年度资金总额一行）"))


def _parts(grid: list[list[Any]], first: int, end: int, columns: dict[str, int]) -> dict[str, Decimal] | None:
    """The sums of the rows under a 年度资金总额 row left at 0 (「其中：本年财政拨款」「上年结转资金」…), up to
    the next block; None when they hold no amount either."""
    sums = dict.fromkeys(("initial", "adjusted", "spent"), Decimal(0))
    for n in range(first, end):
        raw = grid[n]
        values = set(_texts(raw).values())
        if values & (set(_GOALS) | set(_INDICATORS)):
            break
        for key in sums:
            i = columns.get(key, -1)
            number = _number(raw[i]) if 0 <= i < len(raw) else None
            sums[key] += number or 0
    return sums if any(sums.values()) else None


def _read_table(
    form: Form, grid: list[list[Any]], r: int, end: int, add: Callable[[Problem], None], blank_actuals: bool
) -> None:
    columns: dict[str, int] = {}
    for i, t in _texts(grid[r]).items():
        key = _INDICATORS.get(t)
        if key is not None and key not in columns:
            columns[key] = i
            form.headers[key] = cell_text(grid[r][i])
    form.columns = columns
    missing = [INDICATOR_COLUMNS[k][0] for k in ("name", "target", "actual", "weight") if k not in columns]
    if missing:
        add(Problem(form.sheet, r + 1, "", "", f"绩效指标表缺少列：{'、'.join(missing)}"))
        return
    above = {"level1": "", "level2": ""}
    for n in range(r + 1, end):
        raw = grid[n]
        texts = _texts(raw)
        if _TOTALS & set(texts.values()) or _GRADES & set(texts.values()):
            _footer(form, grid, n, end)
            return
        cells = {k: (raw[i] if i < len(raw) else "") for k, i in columns.items()}
        for key in ("level1", "level2"):
            text = _POINTS_NOTE.sub("", cell_text(cells.get(key, ""))).strip()
            if text:
                if key == "level1" and text != above["level1"]:
                    above["level2"] = ""  # a new 一级 starts its own 二级 merge
                above[key] = text
            cells[key] = above[key]
        if not cell_text(cells["name"]) and not cell_text(cells["target"]):
            continue  # a merged remainder or spacer
        _indicator_row(form, n + 1, cells, add, blank_actuals)


def _footer(form: Form, grid: list[list[Any]], n: int, end: int) -> None:
    for r in range(n, end):
        raw = grid[r]
        for i, t in _texts(raw).items():
            if t in _TOTALS and form.published_total is None:
                form.published_total = _total(form, raw, i)
            if t in _GRADES and not form.published_grade:
                found = _right(raw, i, _TOTALS)
                form.published_grade = cell_text(found[1]) if found else ""


def _total(form: Form, raw: list[Any], i: int) -> Decimal | None:
    """The total: in the 得分 column when it has one there, else the last number right of the label (the
    first ones are usually the points available)."""
    at = form.columns.get("score", -1)
    if i < at:
        # 「合计 | 100」 under 权重 with an empty 得分 is the points available, not a score
        return _number(raw[at]) if at < len(raw) else None
    numbers = []
    for j in range(i + 1, len(raw)):
        if label(cell_text(raw[j])) in _GRADES:
            break
        if _number(raw[j]) is not None:
            numbers.append(_number(raw[j]))
    return numbers[-1] if numbers else None


def _indicator_row(
    form: Form, row: int, cells: dict[str, Any], add: Callable[[Problem], None], blank_actuals: bool = False
) -> None:
    name = cell_text(cells["name"])
    ref = f"{form.sheet}!{row}"
    try:
        target = parse_target(
            cell_text(cells["target"]), operator=cell_text(cells.get("operator", "")), unit=cell_text(cells.get("unit"))
        )
    except TargetError as exc:
        add(form.problem(row, "target", str(exc)))
        return
    weight_text = cell_text(cells["weight"])
    weight = _number(weight_text)
    if weight is None:
        add(form.problem(row, "weight", f"分值“{weight_text}”不是数字" if weight_text else "缺少分值"))
        return
    score_text = cell_text(cells.get("score", ""))
    published = _number(score_text)
    if score_text and published is None:
        add(form.problem(row, "score", f"得分“{score_text}”不是数字"))
    actual_text = cell_text(cells["actual"])
    base = Indicator(
        name=name or cell_text(cells["level2"]),
        weight=weight,
        operator=target.operator,
        target=target.value,
        unit=target.unit,
        level1=cell_text(cells["level1"]),
        level2=cell_text(cells["level2"]),
        key=ref,
    )
    reason = cell_text(cells.get("reason", ""))
    if blank_actuals and not actual_text and (published is None or target.operator != QUALITATIVE):
        form.rows.append(Row(row, base, published, reason, actual_text))
        return
    if any(word in actual_text for word in NOT_APPLICABLE):
        indicator = replace(base, applicable=False)
    elif target.operator == QUALITATIVE:
        found = _tier(form, row, base, actual_text, target.text, published, add)
        if found is None:
            return
        indicator = found
    else:
        actual = _actual(actual_text)
        said = next((tier for word, tier in TIER_WORDS if word in actual_text), "") if actual is None else ""
        if said and published is not None and _band_of(published, weight) is not None:
            # 「≤30万元 | 完成 | 90 | 90」: no number to put in the formula; the published score is a judgement
            judged = (
                f"第{row}行“{base.name}”：定量指标（{target.text}）的实际完成值写“{actual_text}”，没有数值，"
                f"无法按公式计分；公布得分 {published} 属评定分，按“{_band_of(published, weight)}”档计入"
            )
            indicator = replace(base, operator=QUALITATIVE, tier=_band_of(published, weight) or "", points=published)
            form.rows.append(Row(row, indicator, published, reason, actual_text, judged))
            return
        if actual is None:
            add(form.problem(row, "actual", f"实际完成值“{actual_text}”不是数字" if actual_text else "缺少实际完成值"))
            return
        raw_actual = cells["actual"]
        if target.unit == "%" and isinstance(raw_actual, float) and abs(actual) <= 1 and (target.value or 0) > 1:
            # a cell formatted as a percentage holds the fraction: 96% is 0.96
            actual *= 100
        indicator = replace(base, actual=actual)
    form.rows.append(Row(row, indicator, published, reason, actual_text))


def _tier(
    form: Form,
    row: int,
    base: Indicator,
    actual_text: str,
    target_text: str,
    published: Decimal | None,
    add: Callable[[Problem], None],
) -> Indicator | None:
    """A 定性 indicator: the published score is the assessor's judgement (its tier is the band it falls in);
    without one, the tier comes from the words of the 实际完成值."""
    said = next((tier for word, tier in TIER_WORDS if word in actual_text), "")
    if not said and actual_text and actual_text == target_text:
        said = scoring.ACHIEVED
    if published is not None:
        tier = _band_of(published, base.weight)
        if tier is None:
            add(form.problem(row, "score", f"得分 {published} 超出分值 {base.weight}"))
            return None
        if said and said != tier:
            form.notes.append(f"第{row}行“{base.name}”：实际完成值写“{actual_text}”，得分 {published} 属于“{tier}”档")
        return replace(base, tier=tier, points=published)
    if said == scoring.ACHIEVED:
        return replace(base, tier=said)
    add(
        form.problem(
            row,
            "score" if said else "actual",
            f"定性指标评为{said}，须填写得分"
            if said
            else f"定性指标的实际完成值“{actual_text}”无法判断档次，须填写得分",
        )
    )
    return None


def _band_of(points: Decimal, weight: Decimal, settings: Settings | None = None) -> str | None:
    settings = settings or Settings()
    if points < 0 or points > weight:
        return None
    for tier, _ in settings.tiers:
        low, high = settings.band(tier)
        lo, hi = scoring.rounded(weight * low), scoring.rounded(weight * high)
        if lo <= points and (points < hi or high == 1):
            return tier
    return None


def score(form: Form, settings: Settings) -> Scored:
    """Score a form read from a workbook; raises TableError with every indicator the method refuses, located."""
    problems = []
    for r in form.rows:
        points = r.indicator.points
        if points is not None:  # the tier a typed score falls in, by the tiers in force
            r.indicator = replace(r.indicator, tier=_band_of(points, r.indicator.weight, settings) or "")
        try:
            scoring.score_indicator(r.indicator, settings)
        except ScoringError as exc:
            problems.append(form.problem(r.row, exc.field if exc.field in form.columns else "", exc.message))
    if problems:
        raise TableError(problems)
    result = scoring.score_form(form.indicators, form.funds, settings)
    published = form.published
    has_published = bool(published) or form.published_total is not None or form.published_execution is not None
    reconciliation = (
        scoring.reconcile(
            result,
            published,
            execution=form.published_execution,
            total=form.published_total,
            grade=form.published_grade,
        )
        if has_published
        else None
    )
    judged = tuple(r.judged for r in form.rows if r.judged)
    if reconciliation is not None and judged:
        reconciliation = replace(reconciliation, notes=(*judged, *reconciliation.notes))
    return Scored(form, result, reconciliation)
