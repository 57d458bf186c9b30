"""The 运行监控 pages: rounds opened by the finance bureau, the dashboard, the monitoring form with the causes a
likelihood other than 确定能 needs, department review, finance re-check, warnings with their explanations,
dispositions with the available budget before and after, exports, who may see what, and query counts."""

import io
from decimal import Decimal
from html import unescape

import docx
import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jixiao.monitoring import compute, services
from jixiao.monitoring.models import Disposition, MonitoringReport, MonitoringRound

P2 = "c1.unit_a.P2"  # 中阳县第一中学智慧农业示范项目: budgeted 2025, its goal approved (tests/world.py)


def text(response) -> str:
    return unescape(response.content.decode())


def open_round(world) -> MonitoringRound:
    return services.open_round(actor=world.users["performance"], region=world.regions["c1"], year=2025)


def report_of(round_, world, key: str = P2) -> MonitoringReport:
    return MonitoringReport.objects.get(round=round_, project=world.projects[key])


def form_data(report: MonitoringReport, likelihood: str, **row0: str) -> dict[str, str]:
    rows = list(report.indicators.all())
    data = {
        "ind-TOTAL_FORMS": str(len(rows)),
        "ind-INITIAL_FORMS": str(len(rows)),
        "ind-MIN_NUM_FORMS": "0",
        "ind-MAX_NUM_FORMS": "500",
        "executed_to_date": "10",
        "expected_full_year": "25",
        "annual_goal_progress": "已完成维修改造700平方米。",
        "remark": "",
    }
    for n, row in enumerate(rows):
        data[f"ind-{n}-id"] = str(row.pk)
        data[f"ind-{n}-value_to_date"] = "700"
        data[f"ind-{n}-likelihood"] = likelihood if n == 0 else "确定能"
    for name, value in row0.items():
        data[f"ind-0-{name}"] = value
    return data


def test_finance_opens_a_round_and_sees_the_dashboard(world, client_for):
    client = client_for("performance")
    page = text(client.get(reverse("monitoring:rounds")))
    assert "发起监控" in page
    response = client.post(reverse("monitoring:rounds"), {"region": "141129", "year": "2025", "name": ""})
    round_ = MonitoringRound.objects.get(region=world.regions["c1"], year=2025)
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:round", args=[round_.pk])
    assert round_.cutoff_month == 7  # the configured default: 1-7月
    client.post(reverse("monitoring:round_action", args=[round_.pk]), {"action": "warnings"})
    page = text(client.get(reverse("monitoring:round", args=[round_.pk])))
    count = round_.reports.count()
    assert count >= 1 and f'id="round-projects">{count}<' in page
    assert 'data-chart="chart-colours"' in page and 'id="chart-departments"' in page
    assert "<script>" not in page  # charts come from JSON blocks, drawn by app.js
    # Nothing spent by July: every report is red, the distribution puts them all below the red line.
    assert f"红色 {count}" in page and "低于60%" in page


def test_unit_cannot_open_a_round_and_sees_only_its_reports(world, client_for):
    round_ = open_round(world)
    unit = client_for("unit")
    assert "发起监控" not in text(unit.get(reverse("monitoring:rounds")))
    assert unit.post(reverse("monitoring:rounds"), {"region": "141129", "year": "2025"}).status_code == 403
    page = text(unit.get(reverse("monitoring:reports", args=[round_.pk])))
    assert "中阳县第一中学智慧农业示范项目" in page and "农技推广中心智慧农业示范项目" not in page
    other = report_of(round_, world, "c1.unit_b.P2")
    assert unit.get(reverse("monitoring:report", args=[other.pk])).status_code == 404
    assert unit.post(reverse("monitoring:round_action", args=[round_.pk]), {"action": "close"}).status_code == 403
    assert client_for("p2_performance").get(reverse("monitoring:round", args=[round_.pk])).status_code == 404


def test_a_likelihood_other_than_certain_needs_causes_and_measures(world, client_for):
    round_ = open_round(world)
    report = report_of(round_, world)
    unit = client_for("unit")
    page = text(unit.post(reverse("monitoring:report", args=[report.pk]), form_data(report, "有可能")))
    assert "须勾选偏差原因" in page
    data = form_data(report, "有可能", causes="经费保障", measures="加快拨付进度")
    data["action"] = "submit"
    response = unit.post(reverse("monitoring:report", args=[report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == MonitoringReport.Status.SUBMITTED and report.executed_to_date == Decimal(100000)
    page = text(unit.get(reverse("monitoring:report", args=[report.pk])))
    # The warnings were computed on save, each with what it was computed from.
    assert "完成目标可能性" in page and "有可能" in page and "时间进度" in page and "阈值" in page


def test_review_recheck_and_a_suspension_change_the_available_budget(world, client_for):
    round_ = open_round(world)
    report = report_of(round_, world)
    unit = client_for("unit")
    data = form_data(report, "不可能", causes="制度保障", measures="调整实施方案")
    data["action"] = "submit"
    unit.post(reverse("monitoring:report", args=[report.pk]), data)
    assert unit.get(reverse("monitoring:review", args=[report.pk])).status_code == 403
    dept = client_for("department")
    dept.post(reverse("monitoring:review", args=[report.pk]), {"decision": "approve", "comment": ""})
    finance = client_for("performance")
    finance.post(reverse("monitoring:key", args=[report.pk]), {"reason": "审计发现问题较多", "action": "add"})
    response = finance.post(
        reverse("monitoring:recheck", args=[report.pk]), {"decision": "approve", "findings": "进度滞后", "comment": ""}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == MonitoringReport.Status.RECHECKED and report.findings == "进度滞后"
    budget = world.project(P2).amount_approved
    finance.post(
        reverse("monitoring:propose", args=[report.pk]), {"kind": "recover", "amount": "1", "reason": "进度滞后"}
    )
    recover = Disposition.objects.get(project=world.projects[P2], kind="recover")
    assert client_for("unit").get(reverse("monitoring:disposition", args=[recover.pk])).status_code == 200
    assert client_for("unit").post(reverse("monitoring:disposition", args=[recover.pk])).status_code == 403
    page = text(client_for("budget").get(reverse("monitoring:disposition", args=[recover.pk])))
    assert "批准处理" in page
    client_for("budget").post(reverse("monitoring:disposition", args=[recover.pk]), {"action": "approve"})
    page = text(client_for("budget").get(reverse("monitoring:disposition", args=[recover.pk])))
    after = budget - Decimal(10000)
    assert f'id="available-after">{after / 10000:.2f}<' in page
    assert "落实收回资金" in page  # the rectification item it created
    assert "落实收回资金" in text(client_for("unit").get(reverse("monitoring:rectifications")))


def test_warnings_list_explains_each_warning(world, client_for):
    round_ = open_round(world)
    compute.compute_warnings(actor=world.users["performance"], round_=round_)
    page = text(client_for("performance").get(reverse("monitoring:warnings", args=[round_.pk]) + "?colour=red"))
    assert "预算执行进度预警" in page and "低于红色预警线 60%" in page and "累计执行数（元）" in page


def test_exports_the_forms_and_the_summary(world, client_for):
    round_ = open_round(world)
    client = client_for("performance")
    response = client.get(reverse("monitoring:export_forms", args=[round_.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book[world.projects[P2].code]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert "项目支出绩效目标执行监控表" in values and "1-7月执行情况" in values and "维修改造校舍面积" in values
    response = client.get(reverse("monitoring:summary_xlsx", args=[round_.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert {"按区划", "按部门", "处置情况"} <= set(book.sheetnames)
    assert any("教育局" in str(c.value) for row in book["按部门"].iter_rows() for c in row)
    response = client.get(reverse("monitoring:summary_docx", args=[round_.pk]))
    document = docx.Document(io.BytesIO(b"".join(response.streaming_content)))
    body = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "中阳县2025年度预算绩效运行监控情况汇总" in body and f"本轮监控项目{round_.reports.count()}个" in body
    assert "中阳县" in cells and any("教育局" in c for c in cells) and "暂缓拨款" in cells
    assert not any("{{" in c for c in cells) and "{{" not in body


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["round", "reports", "warnings", "report", "dispositions", "rectifications"])
def test_query_counts_do_not_grow_with_rows(world, client_for, name):
    round_ = open_round(world)
    finance = world.users["performance"]
    reports = list(round_.reports.order_by("pk"))
    report = reports[0]
    urls = {
        "round": reverse("monitoring:round", args=[round_.pk]),
        "reports": reverse("monitoring:reports", args=[round_.pk]),
        "warnings": reverse("monitoring:warnings", args=[round_.pk]),
        "report": reverse("monitoring:report", args=[report.pk]),
        "dispositions": reverse("monitoring:dispositions"),
        "rectifications": reverse("monitoring:rectifications"),
    }
    client = client_for("performance")
    client.get(urls[name])
    services.propose_disposition(actor=finance, project=report.project, kind="suspend", reason="滞后", report=report)
    services.add_rectification(actor=finance, report=report, text="加快进度")
    compute.compute_report_warnings(actor=finance, report=report)
    before = count_queries(client, urls[name])
    compute.compute_warnings(actor=finance, round_=round_)
    assert len(reports) > 1
    for r in [*reports[1:], *reports, *reports]:
        services.propose_disposition(actor=finance, project=r.project, kind="stop", reason="严重滞后", report=r)
        services.add_rectification(actor=finance, report=r, text="整改")
    assert count_queries(client, urls[name]) == before
