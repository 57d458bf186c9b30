"""A function-list workbook (功能清单) read into `FunctionItem`s.

Columns are found by their header labels, whatever their order; the 子系统 and 模块 columns are filled down
(merged cells read as empty below their first row). Every problem is reported with its sheet, row and
column, all at once, so the list can be corrected in one pass.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from jixiao.imports.tables import Problem, TableError, cell_text, read_table
from jixiao.rules.function_points import FPError, FunctionItem, counting_method, function_type


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    note: str = ""
    width: int = 12


def _aliases(key: str, headers: str, required: bool = False) -> list[Column]:
    names = headers.split()
    return [Column(key, name, required and i == 0) for i, name in enumerate(names)]


PATH_KEYS = ("subsystem", "module1", "module2", "module3")
COLUMNS = [
    *_aliases("subsystem", "子系统 子系统名称 系统"),
    *_aliases("module1", "模块 一级模块 功能模块 模块名称"),
    *_aliases("module2", "二级模块 子模块"),
    *_aliases("module3", "三级模块"),
    *_aliases("name", "功能点名称 功能点计数项名称 功能描述 功能名称 功能点 功能项", required=True),
    *_aliases("type", "类别 功能点类型 功能类型 类型 计数类别", required=True),
    *_aliases("method", "计数方法 估算方法 方法"),
    *_aliases("reuse", "复用程度 复用 重用程度"),
    *_aliases("change", "修改类型 变更类型"),
    *_aliases("det", "DET 数据元素类型 数据元素"),
    *_aliases("ret", "RET 记录元素类型 记录元素"),
    *_aliases("ftr", "FTR 引用文件类型 引用文件"),
]
_SKIP_WORDS = ("合计", "小计", "总计")


def read_function_list(path: Path, *, sheet: str = "功能清单") -> list[FunctionItem]:
    """The function list in `path` (.xlsx/.xls/.ods/.csv); raises TableError listing every problem."""
    fmt = "csv" if path.suffix.lower() == ".csv" else "excel"
    table = read_table(path, fmt=fmt, filename=path.name, sheet=sheet, columns=COLUMNS)
    problems = table.problems()
    items: list[FunctionItem] = []
    carried = dict.fromkeys(PATH_KEYS, "")
    for row, raw in table.records():
        values = {key: cell_text(value) for key, value in raw.items()}
        for key in PATH_KEYS:
            if values.get(key):
                carried[key] = values[key]
                # a new subsystem or module starts its own lower levels
                for lower in PATH_KEYS[PATH_KEYS.index(key) + 1 :]:
                    if not values.get(lower):
                        carried[lower] = ""
        name, kind = values.get("name", ""), values.get("type", "")
        if not kind and (not name or any(w in name for w in _SKIP_WORDS) or _is_total(values)):
            continue  # a heading, subtotal or total row
        item = FunctionItem(
            name=name,
            type=kind,
            method=values.get("method", "") or ("详细" if values.get("det") else "估算"),
            path=tuple(carried[k] for k in PATH_KEYS if carried[k]),
            reuse=values.get("reuse", ""),
            change=values.get("change", ""),
            where=f"工作表“{table.sheet}”第{row}行",
        )
        ok = True
        for key, label in (("name", "功能点名称"), ("type", "类别")):
            if not values.get(key):
                problems.add(row, key, f"缺少{label}")
                ok = False
        for key in ("type", "method"):
            try:
                (function_type if key == "type" else counting_method)(item)
            except FPError as exc:
                if values.get(key) or key == "method":
                    problems.add(row, key, exc.message.removeprefix(f"{item.where}："))
                ok = False
        counts: dict[str, int | None] = {}
        for key in ("det", "ret", "ftr"):
            counts[key] = _count(values.get(key, ""), row, key, problems.add)
        if ok:
            items.append(replace(item, det=counts["det"], ret=counts["ret"], ftr=counts["ftr"]))
    if problems:
        raise TableError(problems.items)
    if not items:
        raise TableError([Problem(table.sheet, None, "", "", "功能清单中没有功能点")])
    return items


def _is_total(values: dict[str, str]) -> bool:
    return any(w in v for v in values.values() for w in _SKIP_WORDS)


def _count(text: str, row: int, key: str, add: Callable[[int, str, str], None]) -> int | None:
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if number < 0 or not number.is_integer():
        add(row, key, f"{key.upper()}“{text}”应为非负整数")
        return None
    return int(number)
