"""Payment data: streamed, idempotent imports of CSV and xlsx, the monthly aggregates and who may import."""

import csv
import io
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError

from jixiao.core.errors import PermissionDenied
from jixiao.core.models import AuditEvent
from jixiao.imports import services as import_services
from jixiao.imports.models import ImportBatch
from jixiao.payments import selectors
from jixiao.payments.models import Payment, PaymentBatch, ProjectMonth
from jixiao.payments.services import PaymentImportRefused, import_payments
from jixiao.projects.models import Project

YEAR = 2025


@pytest.fixture
def c1(world):
    return world.regions["c1"]


@pytest.fixture
def codes(world, c1):
    """The 2025 projects of 中阳县 (budgeted in the world), by code."""
    found = list(Project.objects.filter(region=c1, fiscal_year=YEAR).order_by("code").values_list("code", flat=True))
    assert len(found) >= 2
    return found


def write_csv(path: Path, header: list[str], rows: list[list[object]], *, encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(world, path: Path, *, user: str = "budget", period: int | None = None, region: str = "c1", **kw):
    return import_payments(
        actor=world.users[user],
        path=path,
        filename=path.name,
        region=world.regions[region],
        fiscal_year=YEAR,
        period=period,
        **kw,
    )


def test_csv_in_wan_builds_payments_months_and_one_audit_event(world, codes, tmp_path):
    a, b = codes[0], codes[1]
    path = write_csv(
        tmp_path / "支付.csv",
        ["项目编码", "支付日期", "金额（万元）", "资金来源"],
        [
            [a, "2025-01-10", "1.5", "一般公共预算"],
            [a, "2025-01-20", "0.25", "一般公共预算"],
            [a, "2025-03-05", "2", "上级转移支付"],
            [b, "2025/02/28", "10.0001", ""],
        ],
    )
    result = run(world, path)

    assert result.unit == "万元"
    assert result.rows == 4 and result.projects == 2
    assert result.amount == Decimal("137501.00")
    pa = Project.objects.get(region=world.regions["c1"], fiscal_year=YEAR, code=a)
    months = {m.month: (m.paid, m.cumulative) for m in ProjectMonth.objects.filter(project=pa)}
    assert months == {1: (Decimal("17500.00"), Decimal("17500.00")), 3: (Decimal("20000.00"), Decimal("37500.00"))}
    assert selectors.executed_to(pa, 2) == Decimal("17500.00")
    assert selectors.executed_to(pa, 12) == Decimal("37500.00")
    series = selectors.monthly_execution(Project.objects.filter(code__in=[a, b]), YEAR)
    assert series[pa.pk][:4] == [Decimal("17500.00"), Decimal("17500.00"), Decimal("37500.00"), Decimal("37500.00")]
    event = AuditEvent.objects.get(action="payment.import")
    assert event.after["rows"] == 4 and event.after["amount"] == "137501.00" and event.after["unit"] == "万元"
    assert event.region_path == world.regions["c1"].path


def test_xlsx_with_title_rows_and_month_column(world, codes, tmp_path):
    path = tmp_path / "支付明细.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("说明")
        sheet.write(0, 0, "本表为说明")
        sheet = book.add_worksheet("支付明细")
        sheet.write(0, 0, "2025年1-7月支付明细表")
        sheet.write(1, 0, "单位：元")
        for col, head in enumerate(["序号", "项目编码", "项目名称", "月份", "支付金额（元）"]):
            sheet.write(2, col, head)
        sheet.write_row(3, 0, [1, codes[0], "甲", 7, 1234.56])
        sheet.write_row(4, 0, [2, codes[1], "乙", "6月", 100])
    result = run(world, path)

    assert (result.rows, result.amount, result.unit) == (2, Decimal("1334.56"), "元")
    assert sorted(Payment.objects.values_list("month", "source_row")) == [(6, 5), (7, 4)]


def test_the_same_file_twice_changes_nothing(world, codes, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["项目编码", "月份", "金额"], [[codes[0], 1, "100"], [codes[1], 2, "50"]])
    first = run(world, path)
    ids = list(Payment.objects.order_by("pk").values_list("pk", flat=True))
    second = run(world, path)

    assert second.unchanged and second.batch == first.batch
    assert list(Payment.objects.order_by("pk").values_list("pk", flat=True)) == ids
    assert PaymentBatch.objects.count() == 1
    assert AuditEvent.objects.filter(action="payment.import").count() == 2  # the attempt is recorded


def test_a_corrected_file_replaces_only_its_period(world, codes, tmp_path):
    a = codes[0]
    year_file = write_csv(
        tmp_path / "y.csv", ["项目编码", "月份", "金额"], [[a, 1, "100"], [a, 2, "200"], [a, 3, "300"]]
    )
    run(world, year_file)
    march = write_csv(tmp_path / "m3.csv", ["项目编码", "月份", "金额"], [[a, 3, "30"]])
    run(world, march, period=3)
    corrected = write_csv(tmp_path / "m3b.csv", ["项目编码", "月份", "金额"], [[a, 3, "35"], [a, 3, "5"]])
    result = run(world, corrected, period=3)

    assert result.replaced == 1
    assert sorted(Payment.objects.values_list("month", "amount")) == [
        (1, Decimal("100.00")),
        (2, Decimal("200.00")),
        (3, Decimal("5.00")),
        (3, Decimal("35.00")),
    ]
    project = Project.objects.get(region=world.regions["c1"], fiscal_year=YEAR, code=a)
    assert selectors.executed_to(project, 3) == Decimal("340.00")
    superseded = PaymentBatch.objects.filter(period=3).exclude(superseded_by=None)
    assert [b.filename for b in superseded] == ["m3.csv"]
    # the whole-year file is still in force for January and February
    assert PaymentBatch.objects.get(period=0).superseded_by is None


def test_unknown_codes_are_reported_by_row_and_nothing_is_written(world, codes, tmp_path):
    other_year = Project.objects.filter(region=world.regions["c1"]).exclude(fiscal_year=YEAR).first().code
    c2_code = Project.objects.filter(region=world.regions["c2"], fiscal_year=YEAR).first().code
    path = write_csv(
        tmp_path / "p.csv",
        ["项目编码", "月份", "金额"],
        [[codes[0], 1, "1"], ["NOPE-1", 1, "2"], [codes[1], 1, "3"], [c2_code, 2, "4"], [other_year, 2, "5"]],
    )
    with pytest.raises(PaymentImportRefused) as refused:
        run(world, path)

    located = sorted((p.row, p.column, p.message) for p in refused.value.problems.items)
    assert [(row, col) for row, col, _ in located] == [(3, "A"), (5, "A"), (6, "A")]
    assert "NOPE-1" in located[0][2] and "中阳县2025年度" in located[0][2]
    assert not Payment.objects.exists() and not PaymentBatch.objects.exists()


def test_row_errors_are_located(world, codes, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["项目编码", "支付日期", "月份", "金额"],
        [
            [codes[0], "2024-12-31", "", "1"],  # another year
            [codes[0], "2025-04-01", "5", "1"],  # month and date disagree
            [codes[0], "2025-03-01", "", "1.234"],  # more than two decimals
            ["", "2025-03-01", "", "1"],  # no code
            [codes[0], "", "", "1"],  # no date nor month
            [codes[0], "", "3", "abc"],
        ],
    )
    with pytest.raises(PaymentImportRefused) as refused:
        run(world, path, period=3)

    rows = sorted(refused.value.problems.rows)
    assert rows == [2, 3, 4, 5, 6, 7]
    messages = " ".join(p.message for p in refused.value.problems.items)
    assert "不在2025年度内" in messages and "与导入的期间3月不符" in messages and "超过两位小数" in messages
    assert not Payment.objects.exists()


def test_a_file_without_the_header_is_refused(world, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["编码", "金额"], [["x", "1"]])
    with pytest.raises(Exception, match="没有找到表头"):
        run(world, path)


def test_scope_unit_and_other_county_cannot_import_but_the_city_can(world, codes, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["项目编码", "月份", "金额"], [[codes[0], 1, "1"]])
    for user in ("unit", "department", "sector", "c2_performance"):
        with pytest.raises(PermissionDenied):
            run(world, path, user=user)
    assert not Payment.objects.exists()
    assert run(world, path, user="city_performance").rows == 1
    assert run(world, path, user="performance").unchanged


def test_aggregates_are_rebuilt_for_the_region_after_each_import(world, codes, tmp_path):
    a, b = codes[0], codes[1]
    run(world, write_csv(tmp_path / "1.csv", ["项目编码", "月份", "金额"], [[a, 1, "10"], [b, 1, "20"], [a, 5, "1"]]))
    run(world, write_csv(tmp_path / "2.csv", ["项目编码", "月份", "金额"], [[a, 1, "7"]]), period=1)

    got = sorted(ProjectMonth.objects.values_list("project__code", "month", "paid", "cumulative"))
    assert got == [(a, 1, Decimal("7.00"), Decimal("7.00")), (a, 5, Decimal("1.00"), Decimal("8.00"))]
    totals = selectors.region_totals(region_id=world.regions["c1"].pk, year=YEAR)
    assert totals == {"rows": 2, "amount": Decimal("8.00"), "projects": 1}


def test_execution_against_budget_and_time(world, codes, tmp_path):
    project = Project.objects.get(region=world.regions["c1"], fiscal_year=YEAR, code=codes[0])
    budget = selectors.budget_of(project)
    assert budget
    half = (budget / 2).quantize(Decimal("0.01"))
    run(world, write_csv(tmp_path / "p.csv", ["项目编码", "月份", "金额"], [[codes[0], 3, str(half)]]))
    found = selectors.execution(Project.objects.filter(pk=project.pk), 6, year=YEAR)[project.pk]

    assert found.paid == half and found.progress.percent == 50
    assert round(found.rate) == 50 and round(found.ratio) == 100


def test_monthly_execution_takes_a_constant_number_of_queries(world, codes, django_assert_num_queries):
    projects = Project.objects.filter(region=world.regions["c1"], fiscal_year=YEAR)
    with django_assert_num_queries(1):
        selectors.monthly_execution(projects, YEAR)
    with django_assert_num_queries(2):
        selectors.execution(projects, 7, year=YEAR)


def test_a_large_csv_is_streamed_not_loaded(world, codes, tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["项目编码", "支付日期", "金额", "资金来源"])
        for i in range(200_000):
            writer.writerow(
                [
                    codes[i % len(codes)],
                    f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
                    f"{i % 997}.{i % 100:02d}",
                    "一般公共预算",
                ]
            )
    size = path.stat().st_size
    tracemalloc.start()
    try:
        result = run(world, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.rows == 200_000 and Payment.objects.count() == 200_000
    assert size > 8_000_000
    assert peak < size / 2, f"peak {peak} bytes for a file of {size} bytes"


def test_the_command_imports_and_reports_refusals(world, codes, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["项目编码", "月份", "金额（元）"], [[codes[0], 2, "12.5"]])
    out = io.StringIO()
    call_command(
        "import_payments",
        str(path),
        user=world.users["budget"].username,
        region="中阳县",
        year=YEAR,
        period=2,
        stdout=out,
    )
    assert "已导入：1 笔" in out.getvalue()
    call_command(
        "import_payments",
        str(path),
        user=world.users["budget"].username,
        region="141129",
        year=YEAR,
        period=2,
        stdout=out,
    )
    assert "未作改动" in out.getvalue()

    bad = write_csv(tmp_path / "bad.csv", ["项目编码", "月份", "金额"], [["NOPE", 2, "1"]])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_payments", str(bad), user=world.users["budget"].username, region="中阳县", year=YEAR, stderr=err
        )
    assert "\t2\tA\t项目编码\t" in err.getvalue()


def test_through_the_import_pipeline(world, codes, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["项目编码", "月份", "金额"], [[codes[0], 1, "10"], [codes[1], 2, "20"]])
    with open(path, "rb") as f:
        batch = import_services.run_import(
            actor=world.users["performance"],
            kind="payments",
            filename="p.csv",
            file=f,
            commit_rows=True,
            options={"year": YEAR},
        )
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    assert batch.result["created"] == 2
    assert Payment.objects.count() == 2

    bad = write_csv(tmp_path / "bad.csv", ["项目编码", "月份", "金额"], [["NOPE", 1, "10"]])
    with open(bad, "rb") as f:
        batch = import_services.run_import(
            actor=world.users["performance"],
            kind="payments",
            filename="bad.csv",
            file=f,
            commit_rows=True,
            options={"year": YEAR},
        )
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[0]["row"] == 2 and "NOPE" in batch.errors[0]["message"]
    assert Payment.objects.count() == 2


def test_the_api_lists_batches_to_the_finance_roles_only(world, codes, tmp_path, client):
    run(world, write_csv(tmp_path / "p.csv", ["项目编码", "月份", "金额"], [[codes[0], 1, "10"]]))
    client.force_login(world.users["budget"])
    data = client.get("/api/payment-batches/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert [(r["filename"], r["rows"], r["period_label"]) for r in rows] == [("p.csv", 1, "全年")]
    client.force_login(world.users["unit"])
    data = client.get("/api/payment-batches/").json()
    assert (data["results"] if isinstance(data, dict) else data) == []
