"""Payment import and monitoring warnings at provincial scale.

    .venv/bin/python bench/payments_bench.py [--rows 300000] [--projects 300000] [--year 2025]

On a fresh temporary SQLite database (or DATABASE_URL if set: it must be a scratch database), with one
synthetic county holding all the projects (bench/generate.py's organizations, projects inserted raw):

  (a) a CSV of ROWS payments (项目编码, 支付日期, 金额, 资金来源) over the projects is written;
  (b) floor: reading the CSV with the csv module alone; our import: `import_payments` (streamed, staged,
      checked, INSERT … SELECT, monthly aggregates rebuilt, audit), then the same file again (a no-op);
  (c) warnings: the twelve cumulative amounts of every project read through `monthly_execution`, then
      the execution colour of every project and month and the behind-schedule run (the integer core of
      `jixiao.rules.monitoring_warnings`), against a floor that is a bare loop over the same inputs with
      the comparison written inline; and the explained warnings (`project_warnings`) for a sample.

Peak memory: the growth of the process's maximum resident set size during the import (the rows before
it are inserted in chunks, so the high-water mark is the import's), and tracemalloc's peak for the
warnings. Prints a table and writes bench/out/payments_bench.json.
"""

import argparse
import csv
import json
import random
import resource
import sys
import tempfile
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import Clock, setup_django  # noqa: E402

FUNDS = ["一般公共预算", "上级转移支付", "政府性基金", "专项债券"]


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def insert_projects(n: int, year: int, seed: int) -> tuple[Any, list[str]]:
    """n budgeted projects in the county, inserted in chunks without objects (the bench's setup, not measured)."""
    from django.db import connection, transaction
    from django.utils import timezone
    from generate import Spec, load_orgs

    from jixiao.orgs.models import Organization, Region, User

    spec = Spec(counties=1, departments=20, units=4, projects=n, year=year)
    loaded = load_orgs(spec)
    county = Region.objects.get(code=spec.county_codes()[0][1])
    owners = list(Organization.objects.filter(region=county, kind="unit").values_list("pk", "parent_id"))
    rng = random.Random(seed)
    now = timezone.now()
    codes = [f"{county.code}-{year}-{i:07d}" for i in range(n)]
    sql = (
        "INSERT INTO projects_project (kind, code, name, owner_id, department_id, region_id, fiscal_year, category, "
        "budget_type, is_new, start_year, end_year, amount_requested, amount_approved, description, status, "
        "is_generated, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "%s, %s, %s, %s)"
    )
    with transaction.atomic(), connection.cursor() as cur:
        for start in range(0, n, 20000):
            batch = []
            for i in range(start, min(n, start + 20000)):
                owner, dept = owners[i % len(owners)]
                amount = str(Decimal(rng.randrange(10_000_00, 10_000_000_00)) / 100)
                batch.append(
                    ("project", codes[i], f"项目{i}", owner, dept, county.pk, year, "特定目标类", "一般公共预算",
                     True, year, year, amount, amount, "", "executing", True, now, now)
                )  # fmt: skip
            cur.executemany(sql, batch)
    return User.objects.get(pk=loaded.county_user.pk), codes


def write_csv(path: Path, codes: list[str], rows: int, year: int, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["项目编码", "支付日期", "金额（元）", "资金来源"])
        for _ in range(rows):
            month = rng.randint(1, 12)
            w.writerow(
                [
                    codes[rng.randrange(len(codes))],
                    f"{year}-{month:02d}-{rng.randint(1, 28):02d}",
                    f"{rng.randrange(100, 5_000_000)}.{rng.randrange(100):02d}",
                    FUNDS[rng.randrange(len(FUNDS))],
                ]
            )


def floor_read(path: Path) -> int:
    """The csv module alone: every row read and its cells touched, nothing checked or written."""
    n = 0
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            if row[0] and row[2]:
                n += 1
    return n


def floor_warnings(series: list[tuple[int, list[int]]]) -> int:
    """A bare loop over the same inputs: the red and yellow comparison for each month written inline."""
    red = yellow = 0
    for budget, cumulative in series:
        for month in range(1, 13):
            left = cumulative[month - 1] * 1200
            if left < 60 * budget * month:
                red += 1
            elif left < 80 * budget * month:
                yellow += 1
    return red + yellow


def our_warnings(series: list[tuple[int, list[int]]], thresholds: Any) -> tuple[int, int]:
    from jixiao.rules.monitoring_warnings import Colour, behind_run, execution_colours

    flagged = behind = 0
    for budget, cumulative in series:
        colours = execution_colours(cumulative, budget, thresholds)
        flagged += sum(1 for c in colours if c != Colour.GREEN)
        if behind_run(colours) >= thresholds.behind_months:
            behind += 1
    return flagged, behind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=300_000, help="payment rows (3000000 for the full run)")
    parser.add_argument("--projects", type=int, default=300_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--sample", type=int, default=10_000, help="projects whose explained warnings are built")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jixiao-payments-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        vendor = setup_django(tmp)
        clock = Clock()
        print(f"payments bench on {vendor}: {args.rows:,} payment rows, {args.projects:,} projects", flush=True)
        with clock.lap("setup: organizations and projects"):
            user, codes = insert_projects(args.projects, args.year, args.seed)
        path = tmp / "payments.csv"
        with clock.lap("setup: write the CSV"):
            write_csv(path, codes, args.rows, args.year, args.seed)
        size_mb = path.stat().st_size / 1e6

        from jixiao.orgs.models import Region
        from jixiao.payments.models import Payment
        from jixiao.payments.selectors import monthly_execution
        from jixiao.payments.services import import_payments
        from jixiao.projects.models import Project
        from jixiao.rules.monitoring_warnings import Thresholds, project_warnings

        region = Region.objects.get(code=codes[0].split("-")[0])
        with clock.lap("floor: csv module read"):
            floor_rows = floor_read(path)
        rss_before = maxrss_mb()
        with clock.lap("import: import_payments"):
            result = import_payments(actor=user, path=path, filename=path.name, region=region, fiscal_year=args.year)
        rss_growth = maxrss_mb() - rss_before
        corrected = tmp / "corrected.csv"
        corrected.write_bytes(path.read_bytes() + f"{codes[0]},{args.year}-12-31,1.00,一般公共预算\r\n".encode())
        tracemalloc.start()
        with clock.lap("memory: corrected file, dry run, traced"):
            import_payments(
                actor=user, path=corrected, filename=corrected.name, region=region, fiscal_year=args.year, dry_run=True
            )
        _, import_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        with clock.lap("import again: same file (no-op)"):
            again = import_payments(actor=user, path=path, filename=path.name, region=region, fiscal_year=args.year)
        assert result.rows == floor_rows == args.rows and again.unchanged
        assert Payment.objects.count() == args.rows

        projects = Project.objects.filter(region=region, fiscal_year=args.year)
        with clock.lap("warnings: read 12 months of every project"):
            months = monthly_execution(projects, args.year)
            budgets = dict(projects.values_list("pk", "amount_approved"))
            series = [
                (int(budgets[pk] * 100), [int(c * 100) for c in months.get(pk, [Decimal(0)] * 12)]) for pk in budgets
            ]
        thresholds = Thresholds()
        with clock.lap("warnings floor: bare loop"):
            floor_flagged = floor_warnings(series)
        with clock.lap("warnings: execution + behind schedule"):
            flagged, behind = our_warnings(series, thresholds)
        tracemalloc.start()
        our_warnings(series, thresholds)  # again, traced: the memory the rules take beyond their inputs
        _, warn_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert flagged == floor_flagged, (flagged, floor_flagged)
        sample = list(budgets.items())[: args.sample]
        with clock.lap(f"warnings explained: {len(sample):,} projects"):
            for pk, budget in sample:
                project_warnings(
                    month=7, budget=budget, cumulative=months.get(pk, [Decimal(0)] * 12), thresholds=thresholds
                )

    laps = clock.laps
    cells = len(series) * 12
    figures = {
        "database": vendor,
        "rows": args.rows,
        "projects": args.projects,
        "csv_mb": round(size_mb, 1),
        "floor_read_rows_per_s": round(args.rows / laps["floor: csv module read"]),
        "import_s": round(laps["import: import_payments"], 2),
        "import_rows_per_s": round(args.rows / laps["import: import_payments"]),
        "import_ratio_to_floor": round(laps["import: import_payments"] / laps["floor: csv module read"], 1),
        "import_peak_rss_growth_mb": round(rss_growth, 1),
        "import_peak_tracemalloc_mb": round(import_peak / 1e6, 1),
        "reimport_same_file_s": round(laps["import again: same file (no-op)"], 2),
        "warnings_project_months": cells,
        "warnings_per_s": round(cells / laps["warnings: execution + behind schedule"]),
        "warnings_floor_per_s": round(cells / laps["warnings floor: bare loop"]),
        "warnings_ratio_to_floor": round(
            laps["warnings: execution + behind schedule"] / laps["warnings floor: bare loop"], 1
        ),
        "warnings_peak_tracemalloc_mb": round(warn_peak / 1e6, 1),
        "flagged_project_months": flagged,
        "behind_schedule_projects": behind,
        "explained_projects_per_s": round(len(sample) / laps[f"warnings explained: {len(sample):,} projects"]),
        "read_months_s": round(laps["warnings: read 12 months of every project"], 2),
    }
    print()
    for key, value in figures.items():
        print(f"  {key:<32} {value}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "payments_bench.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
