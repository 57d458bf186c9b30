"""`jixiao score FILE [--json] [--formula linear|ratio] [--round 2|0] [--denominator 全年预算数|年初预算数]`.

Scores every 项目支出绩效自评表 in a workbook (national or 四川 layout) by the official method and prints each
indicator's score with its formula, the execution score, the total and the grade; where the form carries
published scores, the reconciliation: which differ from the method, by how much, and whether rounding
explains it. The rules are the national defaults (docs/rules.md) unless an option overrides them. It reads
no database and runs no system checks, so it works on any machine with the package installed.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.imports.tables import TableError
from jixiao.rules import scoring
from jixiao.rules.selfeval_workbook import Scored, read_workbook, score
from jixiao.rules.targets import plain_number

LAYOUTS = {scoring.NATIONAL: "全国样式", scoring.SICHUAN: "四川样式"}


class Command(BaseCommand):
    help = "按单位自评计分方法为自评表工作簿逐项计分并说明公式，与表中已填得分核对；不需要数据库"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="自评表工作簿（.xlsx/.xls/.ods）")
        parser.add_argument("--formula", choices=tuple(scoring.NEGATIVE_FORMULAS), help="反向指标计分公式")
        parser.add_argument("--round", choices=("2", "0"), help="显示精度：2 保留两位小数，0 取整（四舍五入）")
        parser.add_argument("--denominator", choices=scoring.DENOMINATORS, help="预算执行率的分母")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件“{path}”不存在")
        settings = scoring.Settings.from_rules(
            {},
            negative_formula=options["formula"],
            places=None if options["round"] is None else int(options["round"]),
            execution_denominator=options["denominator"],
        )
        try:
            forms = read_workbook(path)
            results = [score(form, settings) for form in forms]
        except TableError as exc:
            raise CommandError("自评表有误：\n" + "\n".join(str(p) for p in exc.problems)) from exc
        if options["json"]:
            data = {"file": path.name, "forms": [_as_dict(s, settings.places) for s in results]}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n\n".join("\n".join(_lines(s, settings.places)) for s in results))


def _as_dict(scored: Scored, places: int) -> dict[str, Any]:
    form = scored.form
    data = {
        "sheet": form.sheet,
        "row": form.row,
        "layout": form.layout,
        "name": form.name,
        "department": form.header.get("department", ""),
        "unit": form.header.get("unit", ""),
        "expected_goal": form.expected_goal,
        "achieved_goal": form.achieved_goal,
        **scoring.as_dict(scored.result, places),
        "notes": form.notes,
        "reconciliation": None
        if scored.reconciliation is None
        else scoring.reconciliation_dict(scored.reconciliation, places),
    }
    rows = {r.indicator.ref: r.row for r in form.rows}
    for item in data["indicators"]:
        item["row"] = rows[item["key"]]
    return data


def _lines(scored: Scored, places: int) -> list[str]:
    form, result = scored.form, scored.result
    lines = [f"【{form.name}】工作表“{form.sheet}”第{form.row}行起，{LAYOUTS[form.layout]}"]
    if result.execution is not None:
        lines.append(f"  {result.execution.explanation}")
    rows = {r.indicator.ref: r.row for r in form.rows}
    for s in result.indicators:
        ind = s.indicator
        lines.append(
            f"  第{rows[ind.ref]}行 {ind.name}（分值 {scoring.show(ind.weight, places)}）："
            f"得分 {scoring.show(s.score, places)}；{s.explanation}"
        )
    lines.append(f"  {result.explanation}")
    lines.append(f"  总分 {scoring.show(result.total, places)}，等级 {result.grade}")
    lines.extend(f"  提示：{w}" for w in [*result.warnings, *form.notes])
    rec = scored.reconciliation
    if rec is None:
        return lines
    if not rec.differences and not rec.grade_differs and not rec.notes:
        lines.append(f"  核对：已填得分 {rec.compared} 项，均与计分方法一致")
        return lines
    lines.append(f"  核对：已填得分 {rec.compared} 项，{len(rec.differences)} 项与计分方法不同")
    for d in rec.differences:
        why = f"，{d.rounding}所致" if d.rounding else (f"，{d.note}" if d.note else "，非舍入所致")
        lines.append(
            f"    {d.item}：表中 {plain_number(d.published)}，计算 {scoring.show(d.computed, 4)}，"
            f"相差 {scoring.show(d.difference, 4)}{why}"
        )
    if rec.grade_differs:
        lines.append(f"    等级：表中“{rec.published_grade}”，计算“{rec.computed_grade}”")
    lines.extend(f"    {note}" for note in rec.notes)
    return lines
