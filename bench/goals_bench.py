"""Goal forms and goal checks at province scale.

    .venv/bin/python bench/goals_bench.py [--projects N] [--indicators K] [--counties C --departments D --units U]

On a fresh temporary SQLite database (or DATABASE_URL if set: it must be a scratch database), with the
synthetic regions of bench/generate.py and N projects (default 20000) loaded through `upsert_projects`:

  (a) a workbook of N 绩效目标申报表 (one block per project, K indicators each, default 10, targets
      written inline as offices do: 「≥50个」「≤90万元」「应保尽保」), written by the export's writer;
  (b) floor: reading that workbook with calamine alone (every row of every sheet, nothing else);
  (c) our import: the whole pipeline (guard, store, read the blocks, parse every target, match the
      projects, run the automatic checks for the preview, plan; then commit: read and check again,
      write through `bulk.upsert_goals`), and a second import of the same file (nothing changes);
  (d) the automatic checks over every goal of the province: floor = iterating the facts (every
      indicator of every goal touched once), ours = `check_goal` on each goal.

Prints a table and writes bench/out/goals_bench.json.
"""

import argparse
import json
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import Clock, setup_django  # noqa: E402 (after the path is set)

YEAR = 2026
# (一级, 二级, 三级, target as written, unit column): a realistic mix of inline and qualitative targets.
INDICATORS = [
    ("产出指标", "数量指标", "完成工程数量", "≥{n}个"),
    ("产出指标", "数量指标", "受益人数", "≥{n}人"),
    ("产出指标", "质量指标", "验收合格率", "=100%"),
    ("产出指标", "时效指标", "完成及时率", "≥95%"),
    ("产出指标", "成本指标", "单位成本", "≤{c}万元"),
    ("效益指标", "社会效益指标", "群众生活条件改善", "明显改善"),
    ("效益指标", "经济效益指标", "带动增收", "≥{n}万元"),
    ("效益指标", "可持续影响指标", "设施使用年限", "≥10年"),
    ("满意度指标", "服务对象满意度指标", "受益群众满意度", "≥90%"),
    ("满意度指标", "服务对象满意度指标", "应保尽保", "应保尽保"),
]


def load_projects(spec: Any, user: Any) -> int:
    """The N projects of bench/generate.py, through the 项目库's bulk writer."""
    import generate

    from jixiao.orgs.models import Organization
    from jixiao.projects.services import ProjectInput, upsert_projects

    owners = {o.code: o for o in Organization.objects.filter(code__in=spec.owner_codes()).select_related("region")}
    kinds = {"项目": "project", "政策": "policy"}
    rows = [
        ProjectInput(
            code=r[0], name=r[1], owner=owners[r[2]], fiscal_year=int(r[3]), category=r[5],
            amount_requested=Decimal(str(r[12])), kind=kinds[r[4]], start_year=int(r[10]), end_year=int(r[11]),
        )
        for r in generate.project_rows(spec)
    ]  # fmt: skip
    return upsert_projects(actor=user, rows=rows).created


def write_forms(spec: Any, path: Path, indicators: int) -> int:
    import generate

    from jixiao.goals import excel

    writer = excel.FormWriter(str(path))
    for i, r in enumerate(generate.project_rows(spec)):
        items = []
        for k in range(indicators):
            level1, level2, name, target = INDICATORS[k % len(INDICATORS)]
            target = target.format(n=10 + (i + k) % 90, c=round(r[12] / 10000 / 20, 1) or 1)
            items.append(
                excel.FormIndicator(
                    level1 if k == 0 or INDICATORS[(k - 1) % len(INDICATORS)][0] != level1 else "",
                    level2, f"{name}{k // len(INDICATORS) or ''}", "", target,
                    scoring_rule="未达指标值酌情扣分", basis="计划标准" if k % 3 == 0 else "",
                )
            )  # fmt: skip
        writer.write(
            excel.Form(
                code=r[0], name=r[1], annual_total_wan=round(r[12] / 10000, 2),
                annual_goal=f"完成{r[1]}的建设任务，服务群众{100 + i % 900}人", indicators=items,
            )
        )  # fmt: skip
    writer.close()
    return writer.count


def floor_read(path: Path) -> int:
    """calamine alone: every row of every sheet, as Python lists, one at a time."""
    from python_calamine import CalamineWorkbook

    n = 0
    with open(path, "rb") as f:
        book = CalamineWorkbook.from_filelike(f)
        for name in book.sheet_names:
            for _ in book.get_sheet_by_name(name).iter_rows():
                n += 1
    return n


def pipeline(path: Path, user: Any, clock: Clock, label: str) -> Any:
    from jixiao.imports import services
    from jixiao.orgs.models import User

    with clock.lap(f"{label}: upload + validate + preview"), open(path, "rb") as f:
        batch = services.upload(
            actor=User.objects.get(pk=user.pk), kind="goals", filename=path.name, file=f, inline=True,
            options={"year": YEAR},
        )  # fmt: skip
    if batch.status != "valid":
        raise SystemExit(f"import refused: {batch.message} {batch.errors[:5]}")
    with clock.lap(f"{label}: commit (re-check + write)"):
        batch = services.commit(actor=User.objects.get(pk=user.pk), batch=batch, inline=True)
    if batch.status != "committed":
        raise SystemExit(f"commit failed: {batch.message} {batch.errors[:5]}")
    return batch


def load_facts() -> list[tuple[Any, Any]]:
    """Every goal's facts with the settings of its region and year."""
    from django.db.models import Prefetch

    from jixiao.goals.models import Goal, Indicator
    from jixiao.goals.services import check_settings, facts_for

    settings: dict[tuple[int, int], Any] = {}
    out = []
    goals = Goal.objects.select_related("project__region").prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("position"))
    )
    for goal in goals.iterator(chunk_size=2000):
        key = (goal.project.region_id, goal.project.fiscal_year)
        if key not in settings:
            settings[key] = check_settings(goal.project.region, goal.project.fiscal_year)
        out.append((facts_for(goal), settings[key]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", nargs="?", type=int, help="projects (what `make bench BENCH_ARGS=N` passes)")
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--indicators", type=int, default=10, help="indicators per project")
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--units", type=int, default=4)
    parser.add_argument("--profile", action="store_true", help="profile our import and print the hot spots")
    args = parser.parse_args()
    n_projects = args.count or args.projects

    with tempfile.TemporaryDirectory(prefix="jixiao-goals-bench-") as tmpdir:
        tmp = Path(tmpdir)
        vendor = setup_django(tmp)
        import generate

        from jixiao.goals.models import Goal, Indicator
        from jixiao.orgs.models import Region
        from jixiao.rules.goal_checks import check_goal

        if Region.objects.filter(code=generate.PROVINCE).exists():
            raise SystemExit("the database is not empty: point DATABASE_URL at a scratch database")
        spec = generate.Spec(args.counties, args.departments, args.units, n_projects, YEAR)
        clock = Clock()
        print(f"database: {vendor}; {n_projects} projects × {args.indicators} indicators")
        with clock.lap("load organizations and projects"):
            loaded = generate.load_orgs(spec)
            load_projects(spec, loaded.province_user)
        path = tmp / "goals.xlsx"
        with clock.lap("write workbook (FormWriter, constant memory)"):
            write_forms(spec, path, args.indicators)
        print(f"  workbook: {path.stat().st_size / 1024 / 1024:.1f} MB")
        with clock.lap("floor: calamine reads every row"):
            sheet_rows = floor_read(path)

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        first = pipeline(path, loaded.province_user, clock, "import")
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        indicators = Indicator.objects.count()
        assert Goal.objects.count() == n_projects and indicators == n_projects * args.indicators
        second = pipeline(path, loaded.province_user, clock, "re-import")
        assert second.result == {"created": 0, "updated": 0, "unchanged": n_projects}, second.result
        findings_in_preview = first.summary.get("findings", {})

        with clock.lap("checks: load facts of every goal"):
            facts = load_facts()
        with clock.lap("checks floor: iterate the facts"):
            touched = 0
            for goal, _ in facts:
                for item in goal.indicators:
                    touched += len(item.name) > 0
        with clock.lap("checks: check_goal on every goal"):
            findings = sum(len(check_goal(goal, settings)) for goal, settings in facts)

    laps = clock.laps
    rows = n_projects * args.indicators
    floor = laps["floor: calamine reads every row"]
    ours = laps["import: upload + validate + preview"] + laps["import: commit (re-check + write)"]
    again = laps["re-import: upload + validate + preview"] + laps["re-import: commit (re-check + write)"]
    steps = [
        ("floor: calamine reads the workbook", floor),
        ("import: validate + preview", laps["import: upload + validate + preview"]),
        ("import: commit", laps["import: commit (re-check + write)"]),
        ("import: total", ours),
        ("re-import (no change): total", again),
    ]
    print()
    print(f"{'step':<36}{'seconds':>9}{'rows/s':>12}{'goals/s':>11}{'× floor':>9}")
    for name, seconds in steps:
        print(f"{name:<36}{seconds:>9.2f}{rows / seconds:>12,.0f}{n_projects / seconds:>11,.0f}{seconds / floor:>9.1f}")
    check_floor = laps["checks floor: iterate the facts"]
    check_ours = laps["checks: check_goal on every goal"]
    print()
    print(f"{'checks over the province':<36}{'seconds':>9}{'rows/s':>12}{'goals/s':>11}{'× floor':>9}")
    for name, seconds in (("floor: iterate the facts", check_floor), ("check_goal on every goal", check_ours)):
        ratio = seconds / check_floor
        print(f"{name:<36}{seconds:>9.2f}{rows / seconds:>12,.0f}{n_projects / seconds:>11,.0f}{ratio:>9.1f}")
    print(f"\nfindings: {findings} over {n_projects} goals; import preview: {findings_in_preview}")

    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "database": vendor,
        "projects": n_projects,
        "indicator_rows": rows,
        "sheet_rows": sheet_rows,
        "seconds": laps,
        "rows_per_second": {name: rows / s for name, s in steps},
        "goals_per_second": {name: n_projects / s for name, s in steps},
        "import_ratio_to_floor": ours / floor,
        "checks": {
            "seconds": check_ours,
            "floor_seconds": check_floor,
            "ratio_to_floor": check_ours / check_floor,
            "goals_per_second": n_projects / check_ours,
            "indicators_per_second": rows / check_ours,
            "findings": findings,
        },
        "batches": {"first": first.result, "second": second.result},
    }
    (out / "goals_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"written to {out / 'goals_bench.json'}")


if __name__ == "__main__":
    main()
