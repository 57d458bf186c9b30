"""Import and list benchmark at scale.

    .venv/bin/python bench/import_bench.py [ROWS] [--counties N --departments M --units K] [--requests R]

On a fresh temporary SQLite database (or DATABASE_URL if set: it must be a scratch database), with
synthetic regions from bench/generate.py:

  (a) floor: read the workbook with calamine and insert the rows without any checking, into a plain
      table (executemany) and as Project rows (bulk_create, no history, no audit, no tags);
  (b) our import: the whole pipeline (guard, store, parse, validate every row, plan, then commit:
      re-read, re-check, upsert with history and audit), and a second import of the same file;
  (c) the 项目库 list page /projects/ and list API /api/projects/ at that many projects: p50/p95
      latency and queries per request, over requests with varied filters.

Prints a table and writes bench/out/import_bench.json.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def setup_django(tmp: Path) -> str:
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["JIXIAO_DATA_DIR"] = str(tmp / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    os.environ.setdefault("JIXIAO_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"].split("://", 1)[0]


class Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}

    @contextmanager
    def lap(self, name: str) -> Any:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.laps[name] = time.perf_counter() - start
            print(f"  {name:<42} {self.laps[name]:8.2f} s", flush=True)


def floor_raw(path: Path) -> int:
    """calamine → executemany into a plain table: the least any import of this file can cost."""
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    with open(path, "rb") as f:
        rows = CalamineWorkbook.from_filelike(f).get_sheet_by_name("项目库").to_python()[1:]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_floor")
        cur.execute(
            "CREATE TABLE bench_floor (code varchar(40), name varchar(200), owner varchar(40), year integer, "
            "category varchar(10), amount numeric(18, 2), description text)"
        )
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO bench_floor VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(r[0], r[1], r[2], int(r[3]), r[5], str(r[12]), r[15]) for r in rows],
        )
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_floor")
    return len(rows)


def floor_orm(path: Path) -> int:
    """calamine → Project objects → bulk_create: no validation, no history, no audit, no tags."""
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from jixiao.orgs.models import Organization
    from jixiao.projects.models import Project
    from jixiao.rules.money import to_yuan

    with open(path, "rb") as f:
        rows = CalamineWorkbook.from_filelike(f).get_sheet_by_name("项目库").to_python()[1:]
    orgs = {o.code: o for o in Organization.objects.filter(kind__in=["department", "unit"])}
    kinds = {"项目": "project", "政策": "policy"}
    objs = []
    for r in rows:
        owner = orgs[r[2]]
        objs.append(
            Project(
                code=r[0], name=r[1], owner=owner, department_id=owner.parent_id or owner.pk, region_id=owner.region_id,
                fiscal_year=int(r[3]), kind=kinds[r[4]], category=r[5], budget_type=r[6], is_new=r[9] == "新增",
                start_year=int(r[10]), end_year=int(r[11]), amount_requested=to_yuan(r[12]),
                amount_approved=to_yuan(r[13]) if r[13] != "" else None, description=r[15],
            )
        )  # fmt: skip
    with transaction.atomic():
        Project.objects.bulk_create(objs, batch_size=2000)
    return len(rows)


def wipe_projects() -> None:
    """Remove the floor's rows without per-row signals (scratch database only)."""
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("projects_project_fund_sources", "projects_project_domain_tags", "projects_project"):
            cur.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)


def pipeline(path: Path, user: Any, clock: Clock, label: str) -> Any:
    from jixiao.imports import services
    from jixiao.orgs.models import User

    with clock.lap(f"{label}: upload + validate + preview"), open(path, "rb") as f:
        batch = services.upload(
            actor=User.objects.get(pk=user.pk), kind="projects", filename=path.name, file=f, inline=True
        )
    if batch.status != "valid":
        raise SystemExit(f"import refused: {batch.message} {batch.errors[:5]}")
    with clock.lap(f"{label}: commit (re-check + write)"):
        batch = services.commit(actor=User.objects.get(pk=user.pk), batch=batch, inline=True)
    if batch.status != "committed":
        raise SystemExit(f"commit failed: {batch.message} {batch.errors[:5]}")
    return batch


def latency(user: Any, urls: list[str]) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(urls[0])  # warm up caches (templates, statement cache)
    times, queries, slowest = [], [], ("", 0.0)
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - start) * 1000)
        if times[-1] > slowest[1]:
            slowest = (url, times[-1])
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        queries.append(len(ctx.captured_queries))
    times.sort()
    return {
        "requests": len(urls),
        "p50_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "max_ms": times[-1],
        "queries_min": min(queries),
        "queries_max": max(queries),
        "slowest": slowest[0],
    }


def filter_urls(base: str, county_codes: list[str], department_ids: list[int], n: int, *, pages: int) -> list[str]:
    """`n` list requests with varied filters; `pages` > 1 adds the second, a middle and the last page."""
    variants = [
        "",
        "fiscal_year=2026",
        f"region={county_codes[0]}",
        f"region={county_codes[-1]}&category=特定目标类",
        f"department={department_ids[len(department_ids) // 2]}",
        "category=人员类&budget_type=政府性基金预算",
        "q=校舍",
        "q=XM20260099",
        "min_wan=100&max_wan=500",
        "sort=-amount",
        "sort=owner",
        "status=draft&kind=policy",
        "is_new=false",
    ]
    if pages > 1:
        variants += [f"page={p}" for p in sorted({2, pages // 2, pages})]
    return [f"{base}?{variants[i % len(variants)]}" for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--units", type=int, default=4)
    parser.add_argument("--requests", type=int, default=30, help="requests per list endpoint")
    parser.add_argument("--profile", action="store_true", help="profile our import and print the hot spots")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as tmpdir:
        tmp = Path(tmpdir)
        vendor = setup_django(tmp)
        import generate
        from django.db import connection

        from jixiao.orgs.models import Region
        from jixiao.projects.models import Project

        if Region.objects.filter(code=generate.PROVINCE).exists() or Project.objects.exists():
            raise SystemExit("the database is not empty: point DATABASE_URL at a scratch database")
        spec = generate.Spec(args.counties, args.departments, args.units, args.rows)
        clock = Clock()
        print(
            f"database: {vendor}; {args.rows} rows, {len(spec.owner_codes())} budget units in {args.counties} counties"
        )
        with clock.lap("load organizations (services)"):
            loaded = generate.load_orgs(spec)
        path = tmp / "projects.xlsx"
        with clock.lap("write workbook (XlsxWriter constant_memory)"):
            generate.write_workbook(spec, path)
        print(f"  workbook: {path.stat().st_size / 1024 / 1024:.1f} MB")

        with clock.lap("floor: calamine + executemany (plain table)"):
            floor_raw(path)
        with clock.lap("floor: calamine + bulk_create(Project)"):
            floor_orm(path)
        wipe_projects()

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        first = pipeline(path, loaded.province_user, clock, "import")
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        assert Project.objects.count() == args.rows
        second = pipeline(path, loaded.province_user, clock, "re-import")
        assert second.result == {"created": 0, "updated": 0, "unchanged": args.rows}, second.result

        connection.close()  # a fresh connection for the read benchmark
        lists = {}
        everything = -(-args.rows // 50)  # pages of the province user's lists (50 rows a page)
        for who, user, pages in (
            ("province", loaded.province_user, everything),
            ("department", loaded.department_user, 1),
        ):
            for base in ("/projects/", "/api/projects/"):
                urls = filter_urls(base, loaded.county_codes, loaded.department_ids, args.requests, pages=pages)
                lists[f"{base} ({who})"] = latency(user, urls)

    laps = clock.laps
    n = args.rows
    floor = laps["floor: calamine + bulk_create(Project)"]
    ours = laps["import: upload + validate + preview"] + laps["import: commit (re-check + write)"]
    again = laps["re-import: upload + validate + preview"] + laps["re-import: commit (re-check + write)"]
    rates = [
        ("floor: calamine + executemany", laps["floor: calamine + executemany (plain table)"]),
        ("floor: calamine + bulk_create", floor),
        ("import: validate + preview", laps["import: upload + validate + preview"]),
        ("import: commit", laps["import: commit (re-check + write)"]),
        ("import: total", ours),
        ("re-import (no change): total", again),
    ]
    print()
    print(f"{'step':<34}{'seconds':>10}{'rows/s':>12}{'× floor':>10}")
    for name, seconds in rates:
        print(f"{name:<34}{seconds:>10.2f}{n / seconds:>12,.0f}{seconds / floor:>10.1f}")
    print()
    title = f"list at {n:,} projects"
    print(f"{title:<30}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'queries':>10}  slowest request")
    for name, r in lists.items():
        q = f"{r['queries_min']}–{r['queries_max']}" if r["queries_min"] != r["queries_max"] else str(r["queries_min"])
        print(f"{name:<30}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['max_ms']:>9.1f}{q:>10}  {r['slowest']}")

    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "database": vendor,
        "rows": n,
        "budget_units": len(spec.owner_codes()),
        "seconds": laps,
        "rows_per_second": {name: n / s for name, s in rates},
        "ratio_to_floor": ours / floor,
        "lists": lists,
        "batches": {"first": first.result, "second": second.result},
    }
    (out / "import_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nwritten to {out / 'import_bench.json'}")


if __name__ == "__main__":
    main()
