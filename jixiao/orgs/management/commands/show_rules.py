"""`jixiao show_rules --region CODE [--year Y] [--json]`: the rules in force, and where each comes from."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jixiao.orgs.forms import display_value
from jixiao.orgs.models import Region
from jixiao.orgs.rules_config import resolve_all


class Command(BaseCommand):
    help = "显示区划某年度适用的全部规则及其来源"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="区划代码")
        parser.add_argument("--year", type=int, help="年度（缺省：今年）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            region = Region.objects.get(code=options["region"])
        except Region.DoesNotExist as exc:
            raise CommandError(f"区划代码“{options['region']}”不存在") from exc
        year = options["year"] or timezone.localdate().year
        rules = resolve_all(region, year)
        if options["json"]:
            data = {"region": region.code, "year": year, "rules": [r.__dict__ for r in rules.values()]}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{region.name}（{region.code}）{year}年度适用的规则")
        for r in rules.values():
            version = f" 第{r.version}版" if r.version else ""
            self.stdout.write(f"\n{r.label}  [{r.key}]")
            self.stdout.write(f"  取值：{display_value(r.key, r.value)}")
            self.stdout.write(f"  来源：{r.origin}{version}")
            self.stdout.write(f"  依据：{r.source}")
