"""`jixiao recommend_eval [--region CODE] [--year Y] [--holdout 0.2] [--seed 1] [--k 5] [--json]`: how good the
indicator recommendation is, measured on held-out projects (see `jixiao.goals.recommend.evaluate`)."""

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.goals.recommend import evaluate
from jixiao.orgs.models import Region


class Command(BaseCommand):
    help = "评估指标推荐质量：留出部分已有绩效目标的项目，按其名称、概述、类别和领域推荐，统计前k条命中率"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="区划代码（含下级区划；缺省：全部）")
        parser.add_argument("--year", type=int, help="年度（缺省：全部）")
        parser.add_argument("--holdout", type=float, default=0.2, help="留出比例（0–1，缺省0.2）")
        parser.add_argument("--seed", type=int, default=1, help="抽样种子（同一种子抽到同一批项目）")
        parser.add_argument("--k", type=int, default=5, help="每个项目推荐的条数（缺省5）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["holdout"] < 1:
            raise CommandError("留出比例须在 0 与 1 之间")
        if options["k"] < 1:
            raise CommandError("条数须为正整数")
        region_path, where = "", "全部区划"
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"区划代码“{options['region']}”不存在")
            region_path, where = region.path, region.name
        report = evaluate(
            region_path=region_path,
            year=options["year"],
            holdout=options["holdout"],
            seed=options["seed"],
            k=options["k"],
        )
        if options["json"]:
            data = {"region": options["region"] or "", "year": options["year"], **asdict(report)}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        if not report.held_out:
            raise CommandError(f"{where}没有带绩效指标的项目，无从评估")
        k = report.k
        year = f"{options['year']}年度" if options["year"] else "各年度"
        self.stdout.write(
            f"{where}{year}：有绩效指标的项目 {report.projects} 个，留出 {report.held_out} 个（种子 {options['seed']}）"
        )
        self.stdout.write(f"{'':8}{f'前{k}命中率':>10}{f'精确率@{k}':>10}{f'召回率@{k}':>10}")
        rows = [("相似推荐", report.recommended), ("常用基线", report.baseline)]
        for label, s in rows:
            self.stdout.write(f"{label:8}{s.hit_rate:>12.1%}{s.precision:>12.1%}{s.recall:>12.1%}")
        self.stdout.write(f"未找到相似项目：{report.no_suggestion} 个；常用基线为各项目一律推荐使用最多的{k}个指标。")
        self.stdout.write(f"\n不计最常用的{k}个指标（{report.distinctive_projects} 个项目另有其他指标）：")
        rows = [("相似推荐", report.distinctive), ("次常用基线", report.distinctive_baseline)]
        for label, s in rows:
            self.stdout.write(f"{label:8}{s.hit_rate:>12.1%}{s.precision:>12.1%}{s.recall:>12.1%}")
