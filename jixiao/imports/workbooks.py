"""Workbooks the import pages offer: the blank template of a kind, and a batch's error list.

Both are written with XlsxWriter; every text cell is written as a string, never as a formula.
"""

from typing import Any

import xlsxwriter

from jixiao.imports.models import ImportBatch
from jixiao.imports.registry import Importer
from jixiao.imports.tables import Problem, column_letter

TEMPLATE_ROWS = 5000  # rows the dropdowns and text formats cover
NOTES_SHEET = "填写说明"


def write_template(path: str, importer: Importer) -> None:
    if importer.reads_file:  # a layout of its own (the goal forms): the importer writes its blank form
        importer.write_template(path)
        return
    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(importer.sheet)
    notes = wb.add_worksheet(NOTES_SHEET)
    required = wb.add_format({"bold": True, "bg_color": "#F8CBAD", "border": 1})
    optional = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = wb.add_format({"num_format": "@"})
    money = wb.add_format({"num_format": "#,##0.00"})
    choices = importer.choices()
    for i, col in enumerate(importer.columns):
        fmt = text if col.key in importer.text_columns else money if col.key.startswith("amount_") else None
        ws.set_column(i, i, col.width, fmt)
        ws.write_string(0, i, col.header, required if col.required else optional)
        rule = ("必填。" if col.required else "选填。") + (col.note or "")
        ws.write_comment(0, i, rule, {"x_scale": 2, "y_scale": 1.2})
        if col.key in choices:
            ws.data_validation(
                1,
                i,
                TEMPLATE_ROWS,
                i,
                {
                    "validate": "list",
                    "source": choices[col.key],
                    "error_title": "请从下拉列表中选择",
                    "error_message": "可选值：" + " / ".join(choices[col.key]),
                },
            )
    ws.freeze_panes(1, 0)
    ws.activate()

    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    notes.set_column(0, 0, 8)
    notes.set_column(1, 1, 20)
    notes.set_column(2, 2, 8)
    notes.set_column(3, 3, 60)
    notes.set_column(4, 4, 40)
    for c, title in enumerate(["列", "列名", "必填", "填写规则", "可选值"]):
        notes.write_string(0, c, title, head)
    for i, col in enumerate(importer.columns, start=1):
        notes.write_string(i, 0, column_letter(i - 1))
        notes.write_string(i, 1, col.header)
        notes.write_string(i, 2, "是" if col.required else "否")
        notes.write_string(i, 3, col.note or "", wrap)
        notes.write_string(i, 4, " / ".join(choices.get(col.key, [])), wrap)
    end = len(importer.columns) + 2
    for offset, line in enumerate(
        [
            f"数据填写在“{importer.sheet}”工作表，第1行为表头，从第2行起每行一条；列的顺序可以调整，多余的列会被忽略。",
            "红色表头为必填列，蓝色表头为选填列；把鼠标移到表头上可以看到该列的填写规则。",
            "编码类的列请按文本填写，以免长编码被 Excel 改写为科学计数法。",
            "上传后系统会逐行校验并给出预览，确认后才会写入；同一文件重复导入不会改变任何数据。",
        ]
    ):
        notes.write_string(end + offset, 0, f"{offset + 1}.")
        notes.write_string(end + offset, 1, line)
    wb.close()


def write_errors(path: str, batch: ImportBatch) -> int:
    """The batch's stored errors, one per row, located as in Excel. Returns how many were written."""
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("错误清单")
    head = wb.add_format({"bold": True, "bg_color": "#F8CBAD", "border": 1})
    widths = [16, 8, 6, 18, 80]
    for c, (title, width) in enumerate(zip(["工作表", "行号", "列", "列名", "错误说明"], widths, strict=True)):
        ws.set_column(c, c, width)
        ws.write_string(0, c, title, head)
    n = 0
    for n, data in enumerate(batch.errors, start=1):
        p = Problem.from_dict(data)
        values: list[Any] = [p.sheet, p.row, p.column, p.header, p.message]
        for c, value in enumerate(values):
            if isinstance(value, int):
                ws.write_number(n, c, value)
            elif value:
                ws.write_string(n, c, str(value))
    if batch.error_count > len(batch.errors):
        ws.write_string(n + 2, 0, f"共{batch.error_count}处错误，此处列出前{len(batch.errors)}处。")
    wb.close()
    return n
