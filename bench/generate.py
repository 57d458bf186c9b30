"""Synthetic regions at any scale, for benchmarks and load tests.

A province (990000) with cities of up to 99 counties each; every county has a finance bureau with a
绩效科, N departments with K units each; P projects are spread over the units round-robin. Codes are
deterministic, so a workbook written here imports into a database loaded here.

    .venv/bin/python bench/generate.py --counties 10 --departments 20 --units 4 --projects 100000 \
        --out /tmp/projects.xlsx [--load]

`--load` creates the regions, organizations and users in the configured database (DATABASE_URL, or
the default SQLite file), through the services.
"""

import argparse
import os
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROVINCE = "990000"
PASSWORD = "Bench-pass-2026"  # noqa: S105 (synthetic users of a throwaway database)
CATEGORIES = ["特定目标类", "其他运转类", "公用经费", "人员类"]
BUDGETS = ["一般公共预算", "一般公共预算", "一般公共预算", "政府性基金预算", "国有资本经营预算"]
FUNDS = ["", "一般债券", "专项债券", "上级转移支付", "一般债券、上级转移支付", "政府购买服务"]
TAGS = ["", "教育", "乡村振兴", "生态环保", "卫生健康", "交通", "教育、乡村振兴"]
WORDS = ["校舍维修", "道路硬化", "饮水安全", "农田水利", "人才培养", "设备购置", "信息化建设", "环境整治", "公共卫生"]


@dataclass(frozen=True)
class Spec:
    counties: int = 10
    departments: int = 20
    units: int = 4
    projects: int = 100_000
    year: int = 2026
    seed: int = 1

    def county_codes(self) -> list[tuple[str, str]]:
        """(city code, county code) for each county: 99 counties per city."""
        out = []
        for i in range(self.counties):
            city, county = divmod(i, 99)
            if city >= 99:
                raise ValueError("at most 9801 counties")
            out.append((f"99{city + 1:02d}00", f"99{city + 1:02d}{county + 1:02d}"))
        return out

    def owner_codes(self) -> list[str]:
        """Every budget unit's code (departments and their units), in a stable order."""
        codes = []
        for _, county in self.county_codes():
            for d in range(self.departments):
                dept = f"{county}D{d + 1:03d}"
                codes.append(dept)
                codes.extend(f"{dept}U{u + 1:03d}" for u in range(self.units))
        return codes


def project_rows(spec: Spec) -> Iterator[list[Any]]:
    """Rows in the 项目库 layout (jixiao.projects.columns), deterministic for a given seed."""
    rnd = random.Random(spec.seed)
    owners = spec.owner_codes()
    for i in range(spec.projects):
        owner = owners[i % len(owners)]
        fen = rnd.randrange(10_000, 5_000_000_000)  # 100 元 … 5000 万元, in 分
        requested = fen / 100
        approved = round(requested * rnd.choice([0.8, 0.9, 1.0]), 2) if i % 3 == 0 else None
        start = spec.year - (i % 3 == 0)
        yield [
            f"XM{spec.year}{i + 1:07d}",
            f"{rnd.choice(WORDS)}项目{i + 1}",
            owner,
            spec.year,
            "项目" if i % 50 else "政策",
            CATEGORIES[i % len(CATEGORIES)],
            rnd.choice(BUDGETS),
            rnd.choice(FUNDS),
            rnd.choice(TAGS),
            "新增" if start == spec.year else "延续",
            start,
            spec.year + (i % 4 == 0),
            requested,
            approved,
            None,
            f"第{i + 1}个演示项目的概述" if i % 5 == 0 else "",
        ]


def write_workbook(spec: Spec, path: str | os.PathLike[str]) -> int:
    """Write the projects to an .xlsx in the import layout (constant memory: any size)."""
    import xlsxwriter

    from jixiao.projects.columns import COLUMNS, SHEET

    wb = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    ws = wb.add_worksheet(SHEET)
    for c, col in enumerate(COLUMNS):
        ws.write_string(0, c, col.header)
    n = 0
    for n, row in enumerate(project_rows(spec), start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                ws.write_number(n, c, value)
            else:
                ws.write_string(n, c, value)
    wb.close()
    return n


@dataclass
class Loaded:
    province_user: Any
    county_user: Any
    department_user: Any
    county_codes: list[str]
    department_ids: list[int]


def load_orgs(spec: Spec) -> Loaded:
    """Create the regions, organizations and three users (province 绩效科, a county 绩效科, a department)
    through the services. Needs Django set up."""
    from django.db import transaction

    from jixiao.orgs import services
    from jixiao.orgs.models import Organization
    from jixiao.orgs.roles import Role

    kind = Organization.Kind
    with transaction.atomic():
        province = services.create_region(actor=None, code=PROVINCE, name="基准省", parent=None)
        bureau = services.create_organization(
            actor=None, code=f"{PROVINCE}CZ", name="基准省财政厅", kind=kind.FINANCE_BUREAU, region=province
        )
        perf = services.create_organization(
            actor=None,
            code=f"{PROVINCE}JX",
            name="绩效处",
            kind=kind.FINANCE_DIVISION,
            region=province,
            parent=bureau,
            division="performance",
        )
        cities: dict[str, Any] = {}
        county_perf = None
        first_department = None
        department_ids = []
        for city_code, county_code in spec.county_codes():
            if city_code not in cities:
                cities[city_code] = services.create_region(
                    actor=None, code=city_code, name=f"基准市{city_code[2:4]}", parent=province
                )
            county = services.create_region(
                actor=None, code=county_code, name=f"基准县{county_code[2:]}", parent=cities[city_code]
            )
            fb = services.create_organization(
                actor=None,
                code=f"{county_code}CZ",
                name=f"{county.name}财政局",
                kind=kind.FINANCE_BUREAU,
                region=county,
            )
            division = services.create_organization(
                actor=None,
                code=f"{county_code}JX",
                name="绩效股",
                kind=kind.FINANCE_DIVISION,
                region=county,
                parent=fb,
                division="performance",
            )
            county_perf = county_perf or division
            for d in range(spec.departments):
                dept = services.create_organization(
                    actor=None,
                    code=f"{county_code}D{d + 1:03d}",
                    name=f"{county.name}部门{d + 1}",
                    kind=kind.DEPARTMENT,
                    region=county,
                    is_generated=True,
                )
                department_ids.append(dept.pk)
                first_department = first_department or dept
                for u in range(spec.units):
                    services.create_organization(
                        actor=None,
                        code=f"{dept.code}U{u + 1:03d}",
                        name=f"{dept.name}单位{u + 1}",
                        kind=kind.UNIT,
                        region=county,
                        parent=dept,
                        is_generated=True,
                    )
        users = []
        for username, org, role in (
            ("bench_province", perf, Role.PERFORMANCE),
            ("bench_county", county_perf, Role.PERFORMANCE),
            ("bench_department", first_department, Role.DEPARTMENT),
        ):
            user = services.create_user(actor=None, username=username, password=PASSWORD, display_name=username)
            services.add_membership(actor=None, user=user, organization=org, role=role)
            users.append(user)
    return Loaded(*users, [c for _, c in spec.county_codes()], department_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--departments", type=int, default=20, help="departments per county")
    parser.add_argument("--units", type=int, default=4, help="units per department")
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="write the 项目库 workbook here")
    parser.add_argument("--load", action="store_true", help="create the regions, organizations and users")
    args = parser.parse_args()
    spec = Spec(args.counties, args.departments, args.units, args.projects, args.year, args.seed)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    import django

    django.setup()
    if args.load:
        loaded = load_orgs(spec)
        print(f"loaded {len(spec.owner_codes())} budget units in {spec.counties} counties; users:", end=" ")
        print(", ".join(u.username for u in (loaded.province_user, loaded.county_user, loaded.department_user)))
    if args.out:
        n = write_workbook(spec, args.out)
        print(f"wrote {n} projects to {args.out}")


if __name__ == "__main__":
    main()
