"""`jixiao fpa FILE [--benchmark ID] [--city NAME] [--industry NAME] [--stage NAME] [--requested 元] [--json]`.

Computes the cost of a function-list workbook by the function-point method and prints every step. It reads
no database and runs no system checks, so it works on any machine with the package installed.
"""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.imports.tables import TableError
from jixiao.rules import function_points as fp
from jixiao.rules.fp_benchmarks import BENCHMARKS, DEFAULT_BENCHMARK
from jixiao.rules.fp_workbook import read_function_list
from jixiao.rules.money import MoneyError, format_yuan, to_yuan


class Command(BaseCommand):
    help = "按功能点法测算软件开发费用（GB/T 36964-2018 + 基准数据），逐步列出计算过程；不需要数据库"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="功能清单工作簿（.xlsx/.xls/.ods/.csv）")
        parser.add_argument("--benchmark", default=DEFAULT_BENCHMARK, help=f"基准版本：{'、'.join(BENCHMARKS)}")
        parser.add_argument("--city", default="", help="城市（按城市取人月费率的基准须指定），如 北京、西安")
        parser.add_argument("--industry", default="", help="行业（生产率），如 全行业、电子政务；默认取基准的默认行业")
        parser.add_argument(
            "--stage", default="预算", help="阶段（规模变更调整因子）：预算、招投标、需求分析、变更、交付后"
        )
        parser.add_argument("--percentile", default="P50", help="审定所取的生产率分位：P10、P25、P50、P75、P90")
        parser.add_argument("--kind", default=fp.NEW, choices=(fp.NEW, fp.ENHANCEMENT), help="项目类型")
        parser.add_argument("--requested", help="送审金额（元）：给出时列出审定、审减和审减率")
        parser.add_argument(
            "--factor",
            action="append",
            default=[],
            metavar="名称=取值",
            help="调整因子，如 应用类型=科技、软件类别=应用集成=1.1、质量特性.性能=1（可重复）",
        )
        parser.add_argument("--basis", action="append", default=[], metavar="名称=依据", help="因子取值大于1的依据")
        parser.add_argument("--pdr", help="自定生产率（人时/功能点），须同时给 --pdr-basis")
        parser.add_argument("--pdr-basis", default="")
        parser.add_argument("--rate", help="自定人月费率（元/人月），须同时给 --rate-basis")
        parser.add_argument("--rate-basis", default="")
        parser.add_argument("--dnc", help="直接非人力成本（元），须同时给 --dnc-reason")
        parser.add_argument("--dnc-reason", default="")
        parser.add_argument("--sheet", default="功能清单", help="工作表名称（默认取第一个有表头的工作表）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件“{path}”不存在")
        try:
            items = read_function_list(path, sheet=options["sheet"])
        except TableError as exc:
            raise CommandError("功能清单有误：\n" + "\n".join(str(p) for p in exc.problems)) from exc
        try:
            result = fp.estimate(items, _options(options))
        except fp.FPError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(fp.as_dict(result), ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n".join(_lines(result)))


def _options(options: dict[str, Any]) -> fp.Options:
    factors: dict[str, Any] = {}
    for text in options["factor"]:
        name, sep, value = text.partition("=")
        if not sep:
            raise CommandError(f"--factor “{text}” 应写作 名称=取值")
        factor, dot, item = name.strip().partition(".")
        if dot:  # a scored item: 质量特性.性能=1
            try:
                factors.setdefault(factor, {})[item] = int(value)
            except ValueError as exc:
                raise CommandError(f"--factor “{text}” 的分值应为整数") from exc
        else:
            factors[factor] = value.strip()
    bases = {}
    for text in options["basis"]:
        name, sep, value = text.partition("=")
        if not sep:
            raise CommandError(f"--basis “{text}” 应写作 名称=依据")
        bases[name.strip()] = value.strip()
    return fp.Options(
        benchmark=options["benchmark"],
        industry=options["industry"],
        city=options["city"],
        stage=options["stage"],
        percentile=options["percentile"].upper(),
        project_kind=options["kind"],
        factors=factors,
        bases=bases,
        pdr=_number(options["pdr"], "--pdr"),
        pdr_basis=options["pdr_basis"],
        rate=_number(options["rate"], "--rate"),
        rate_basis=options["rate_basis"],
        dnc=_yuan(options["dnc"], "--dnc") or Decimal(0),
        dnc_reason=options["dnc_reason"],
        requested=_yuan(options["requested"], "--requested"),
    )


def _number(text: str | None, flag: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise CommandError(f"{flag} “{text}” 不是数字") from exc
    if not value.is_finite():
        raise CommandError(f"{flag} “{text}” 不是数字")
    return value


def _yuan(text: str | None, flag: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return to_yuan(text)
    except MoneyError as exc:
        raise CommandError(f"{flag}：{exc}") from exc


def _lines(result: fp.Estimate) -> list[str]:
    bench = result.benchmark
    where = "，".join(
        part
        for part in (
            f"行业 {result.industry}",
            f"城市 {result.city}" if result.city else "",
            f"阶段 {result.stage}" if result.stage else "",
        )
        if part
    )
    lines = [f"基准：{bench.title}（{bench.id}）；{where}", f"功能点 {len(result.items)} 项", ""]
    for number, step in enumerate(result.steps(), 1):
        rounded = f"（取 {step.rounded} 位小数）" if step.rounded is not None else ""
        lines.append(f"{number}. {step.label}：{step.formula} = {fp.show(step.result, 4)} {step.unit}{rounded}")
        lines.extend(f"     {name}：{value}" for name, value in step.inputs)
        if step.note:
            lines.append(f"     说明：{step.note}")
    lines.append("")
    bands = "；".join(f"{p} {format_yuan(b.cost)}" for p, b in result.bands.items())
    lines.append(f"费用区间（元）：{bands}")
    lines.append(f"测算结果（{result.chosen}）：{format_yuan(result.cost)} 元")
    review = result.review
    if review is not None:
        rate = "—" if review.reduction_rate is None else f"{review.reduction_rate}%"
        lines.append(
            f"送审 {format_yuan(review.requested)} 元；建议审定 {format_yuan(review.approved)} 元；"
            f"审减 {format_yuan(review.reduction)} 元；审减率 {rate}"
        )
    check = fp.published_price_check(result)
    if check is not None:
        computed, published = check
        lines.append(
            f"功能点单价核对（全行业 P50）：人月费率 × PDR ÷ HM = {computed} 元/功能点，基准公布 {published} 元/功能点"
            + ("" if computed == published else f"，相差 {published - computed} 元")
        )
        cited = fp.published_price(result)
        if cited is not None and cited.note:
            lines.append(f"公布单价说明：{cited.note}")
    lines.append(f"舍入：{bench.rounding_source}")
    lines.extend(f"注：{note}" for note in result.notes)
    return lines
