"""Resolving the rule value in force for a region and a fiscal year.

Order, most specific first: the region's own setting for that year, its setting for every year, then
the same for each region above it, then the catalogue default (national). Within one place the newest
version wins.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from jixiao.orgs.models import Region, RuleSetting
from jixiao.rules.config import DEFINITIONS, definition


@dataclass(frozen=True)
class EffectiveRule:
    key: str
    label: str
    value: Any
    source: str
    origin: str  # where it comes from: a region's name with the year, or 全国默认
    version: int | None
    setting_id: int | None


def _ancestors(region: Region) -> list[Region]:
    codes = [c for c in region.path.split("/") if c]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in reversed(codes) if c in by_code]


def resolve_all(region: Region, fiscal_year: int) -> dict[str, EffectiveRule]:
    """Every catalogue rule in force for the region and year, in two queries."""
    chain = _ancestors(region)
    rank = {r.pk: i for i, r in enumerate(chain)}
    settings = RuleSetting.objects.filter(
        Q(fiscal_year=fiscal_year) | Q(fiscal_year__isnull=True), region__in=chain
    ).select_related("region")
    best: dict[str, tuple[tuple[int, int, int], RuleSetting]] = {}
    for s in settings:
        order = (rank[s.region_id], 0 if s.fiscal_year is not None else 1, -s.version)
        if s.key not in best or order < best[s.key][0]:
            best[s.key] = (order, s)
    result = {}
    for key, d in DEFINITIONS.items():
        if key in best:
            s = best[key][1]
            assert s.region is not None
            year = f"{s.fiscal_year}年度" if s.fiscal_year else "各年度"
            result[key] = EffectiveRule(key, d.label, s.value, s.source, f"{s.region.name}（{year}）", s.version, s.pk)
        else:
            result[key] = EffectiveRule(key, d.label, d.default, d.source, "全国默认", None, None)
    return result


def resolve(key: str, region: Region, fiscal_year: int) -> EffectiveRule:
    definition(key)
    return resolve_all(region, fiscal_year)[key]
