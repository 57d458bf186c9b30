"""`jixiao sample`: create a sampling plan for 抽查复核 and draw it, as the given finance user.

    jixiao sample --user U --region R --year Y --method simple|stratified|pps [--strata department|category|amount_band]
                  (--rate 0.3 | --size N) [--seed N] [--population projects|departments] [--json]

Prints the plan (method, seed, population size and hash) and the sample in the order drawn. Running it
again with the same seed on the same population gives the same sample; every draw is in the audit trail.
"""

import json
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core import command_lookups as _lookup
from jixiao.core.errors import DomainError
from jixiao.evaluations import recheck_services
from jixiao.evaluations.recheck_services import PlanInput
from jixiao.rules.money import format_wan


class Command(BaseCommand):
    help = "抽查复核：按方法和随机种子抽取样本（结果可复现，抽取记入审计日志）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="执行抽样的财政用户名")
        parser.add_argument("--region", required=True, help="行政区划代码或名称（含下级区划）")
        parser.add_argument("--year", required=True, type=int, help="预算年度")
        parser.add_argument("--population", choices=["projects", "departments"], default="projects")
        parser.add_argument("--method", choices=["simple", "stratified", "pps"], required=True)
        parser.add_argument("--strata", choices=["department", "category", "amount_band"], default="")
        parser.add_argument("--rate", type=Decimal, help="抽样比例，如0.3")
        parser.add_argument("--size", type=int, help="样本量")
        parser.add_argument("--seed", type=int, help="随机种子（缺省时随机生成并记录）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _lookup.user(options["user"])
        data = PlanInput(
            region=_lookup.region(options["region"]),
            year=options["year"],
            population=options["population"],
            method=options["method"],
            strata=options["strata"],
            rate=options["rate"],
            size=options["size"],
            seed=options["seed"],
        )
        try:
            plan = recheck_services.create_plan(actor=actor, data=data)
            items = recheck_services.draw(actor=actor, plan=plan)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        rows = [
            {
                "order": i.order,
                "code": i.project.code if i.project else i.department.code,
                "name": i.project.name if i.project else i.department.name,
                "department": i.department.name,
                "stratum": i.stratum,
                "amount_yuan": str(i.amount),
            }
            for i in items
        ]
        head = {
            "plan": plan.pk,
            "region": plan.region.name,
            "year": plan.year,
            "population": plan.population,
            "method": plan.method,
            "strata": plan.strata,
            "rate": str(plan.rate) if plan.rate is not None else None,
            "size": plan.size,
            "seed": plan.seed,
            "population_size": plan.population_size,
            "population_hash": plan.population_hash,
        }
        if options["json"]:
            self.stdout.write(json.dumps({**head, "sample": rows}, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"抽样方案 {plan.pk}：{plan.region.name}{plan.year}年，{plan.get_method_display()}，随机种子 {plan.seed}，"
            f"总体 {plan.population_size} 个（摘要 {plan.population_hash[:16]}…），抽中 {len(rows)} 个"
        )
        for i, row in zip(items, rows, strict=True):
            self.stdout.write(
                f"{row['order']:>4}  {row['code']}  {row['name']}  {row['stratum']}  {format_wan(i.amount)}万元"
            )
