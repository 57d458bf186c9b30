"""绩效运行监控 through the services: which projects a round covers, the prefill, the required causes and
measures, the flow with returns, 重点监控 selection, stored warnings, dispositions and the available budget
(调减 opens a goal adjustment, 暂缓 blocks payments), rectification items, and scope isolation."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.models import AuditEvent
from jixiao.goals.models import Goal
from jixiao.monitoring import compute, selectors, services
from jixiao.monitoring.models import MonitoringReport, MonitoringWarning, RectificationItem
from jixiao.monitoring.services import IndicatorEntry, ReportEntry
from jixiao.orgs import services as org_services
from jixiao.projects.models import DomainTag, Project

pytestmark = pytest.mark.django_db

YEAR = 2025
OWN = "c1.unit_a.P2"  # 第一中学's budgeted project (user "unit"), under 教育局 (user "department")


def _open(world, month=7, **kwargs):
    return services.open_round(actor=world.users["performance"], region=world.regions["c1"], year=YEAR, **kwargs)


def _report(round_, key_project):
    return MonitoringReport.objects.get(round=round_, project=key_project)


def _certain(report):
    return [
        IndicatorEntry(id=r.pk, value_to_date=Decimal(50), expected_value=r.target_value, likelihood="确定能")
        for r in report.indicators.all()
    ]


def _fill(world, report, entries=None, user="unit"):
    data = ReportEntry(
        executed_to_date=Decimal("100000.00"),
        expected_full_year=Decimal("250000.50"),
        annual_goal_progress="按计划推进",
        indicators=entries if entries is not None else _certain(report),
    )
    return services.save_report(actor=world.users[user], report=report, data=data)


def test_a_round_covers_budgeted_projects_with_approved_goals_of_its_region_and_year(world):
    round_ = _open(world)
    covered = set(round_.reports.values_list("project__code", flat=True))
    expected = set(
        Project.objects.filter(
            region=world.regions["c1"], fiscal_year=YEAR, status="budgeted", goals__status="approved"
        ).values_list("code", flat=True)
    )
    assert covered == expected and len(covered) == 2
    assert round_.due_date == datetime.date(YEAR, 8, 31)  # 1-7月, reported by the end of August
    assert AuditEvent.objects.filter(action="monitoring.generate", after__created=2).exists()
    # Generating again adds nothing; a second round for the same months is refused.
    assert services.generate_reports(actor=world.users["performance"], round_=round_) == 0
    with pytest.raises(DomainError, match="已存在"):
        _open(world)


def test_exempt_domain_tags_leave_projects_out(world):
    project = world.project(OWN)
    project.domain_tags.add(DomainTag.objects.get_or_create(name="科研")[0])
    round_ = _open(world)
    assert not round_.reports.filter(project=project).exists()
    assert round_.reports.count() == 1


def test_the_cut_off_month_and_due_day_follow_the_configured_rules(world):
    org_services.set_rule(
        actor=world.users["performance"],
        key="monitoring.cutoff_month",
        value=8,
        region=world.regions["c1"],
        fiscal_year=YEAR,
        source="中阳县：1-8月",
    )
    round_ = _open(world)
    assert (round_.cutoff_month, round_.due_date) == (8, datetime.date(YEAR, 9, 30))  # 31 → the month's end


def test_the_report_is_prefilled_from_budget_goal_and_payments(world):
    round_ = _open(world)
    report = _report(round_, world.project(OWN))
    project = world.project(OWN)
    assert report.budget == project.amount_approved and report.budget_initial == project.amount_approved
    assert report.executed_to_date == Decimal(0)  # no payment data yet: 0, and nothing known from payments
    assert report.paid_to_date is None
    assert report.annual_goal.startswith("完成校舍维修改造1200平方米")
    assert [(i.name, i.operator, i.target_value) for i in report.indicators.all()] == [
        ("维修改造校舍面积", "≥", Decimal(1200)),
        ("校舍安全隐患消除率", "=", Decimal(100)),
        ("师生满意度", "≥", Decimal(90)),
    ]


def test_a_likelihood_other_than_certain_requires_causes_and_measures(world):
    round_ = _open(world)
    report = _report(round_, world.project(OWN))
    entries = _certain(report)
    entries[0].likelihood = "有可能"
    with pytest.raises(DomainError, match="须勾选偏差原因") as caught:
        _fill(world, report, entries)
    assert caught.value.field == "indicators.0.causes"
    entries[0].causes = ["经费保障", "其他"]
    with pytest.raises(DomainError, match="须填写相关建议或举措"):
        _fill(world, report, entries)
    entries[0].causes = ["火星保障"]
    entries[0].measures = "加快采购进度"
    with pytest.raises(DomainError, match="偏差原因“火星保障”无效"):
        _fill(world, report, entries)
    entries[0].causes = ["其他", "经费保障"]
    _fill(world, report, entries)
    row = report.indicators.get(pk=entries[0].id)
    assert row.causes == ["经费保障", "其他"] and row.measures == "加快采购进度"


def test_submit_needs_every_likelihood(world):
    round_ = _open(world)
    report = _report(round_, world.project(OWN))
    with pytest.raises(DomainError, match="须填写全年预计执行数"):
        services.submit(actor=world.users["unit"], report=report)
    entries = _certain(report)
    entries[2].likelihood = ""
    _fill(world, report, entries)
    with pytest.raises(DomainError, match="“师生满意度”须选择完成目标可能性"):
        services.submit(actor=world.users["unit"], report=report)


def test_flow_with_returns_department_review_and_finance_recheck(world):
    round_ = _open(world)
    report = _fill(world, _report(round_, world.project(OWN)))
    services.submit(actor=world.users["unit"], report=report)
    with pytest.raises(DomainError, match="不能修改"):
        _fill(world, report)
    # Only the 主管部门 reviews; a return needs a comment and goes back to the unit.
    with pytest.raises(PermissionDenied):
        services.review(actor=world.users["performance"], report=report, approve=True)
    with pytest.raises(DomainError, match="退回须写明"):
        services.review(actor=world.users["department"], report=report, approve=False)
    services.review(actor=world.users["department"], report=report, approve=False, comment="执行数与账面不符")
    assert report.status == MonitoringReport.Status.RETURNED and report.review_comment == "执行数与账面不符"
    _fill(world, report)
    services.submit(actor=world.users["unit"], report=report)
    services.review(actor=world.users["department"], report=report, approve=True)
    assert report.status == MonitoringReport.Status.DEPT_REVIEWED
    # The finance bureau re-checks its selection only.
    with pytest.raises(DomainError, match="只复核重点监控项目"):
        services.recheck(actor=world.users["review_center"], report=report, findings="")
    services.select_key(actor=world.users["performance"], report=report, reason="审计发现问题较多")
    services.recheck(actor=world.users["review_center"], report=report, approve=False, comment="补充佐证材料")
    assert report.status == MonitoringReport.Status.RETURNED
    services.submit(actor=world.users["unit"], report=report)
    services.review(actor=world.users["department"], report=report, approve=True)
    services.recheck(actor=world.users["review_center"], report=report, findings="支付进度滞后于合同约定")
    report.refresh_from_db()
    assert report.status == MonitoringReport.Status.RECHECKED
    assert report.findings == "支付进度滞后于合同约定"
    actions = list(AuditEvent.objects.filter(object_id=str(report.pk)).values_list("action", flat=True))
    assert {"monitoring.return", "monitoring.review", "monitoring.recheck", "monitoring.select_key"} <= set(actions)


def test_key_selection_by_the_configured_rule(world):
    org_services.set_rule(
        actor=world.users["performance"],
        key="monitoring.key_selection",
        value={"min_amount_yuan": "250000", "max_execution_percent": "60", "at_month": 7},
        region=world.regions["c1"],
        fiscal_year=YEAR,
        source="测试",
    )
    round_ = _open(world)
    own, other = _report(round_, world.project(OWN)), _report(round_, world.project("c1.unit_b.P2"))
    _fill(world, own)  # 100000 of 250000.50 spent: 40% < 60%
    assert own.budget >= Decimal(250000) and other.budget >= Decimal(250000)
    MonitoringReport.objects.filter(pk=other.pk).update(executed_to_date=other.budget * Decimal("0.7"))
    assert services.select_key_by_rule(actor=world.users["performance"], round_=round_) == 1
    own.refresh_from_db()
    assert own.is_key and own.key_source == "rule" and "支出进度40.00%<60%" in own.key_reason
    assert not MonitoringReport.objects.get(pk=other.pk).is_key


def test_warnings_are_stored_with_their_explanation(world):
    round_ = _open(world)
    report = _report(round_, world.project(OWN))
    entries = _certain(report)
    entries[0].likelihood, entries[0].causes, entries[0].measures = "不可能", ["人员保障"], "调配人员"
    _fill(world, report, entries)
    stored = compute.compute_warnings(actor=world.users["performance"], round_=round_)
    report.refresh_from_db()
    execution = report.warnings.get(rule="execution_progress")
    # 100000 of 250000.50 after 7 of 12 months: 40.0% ÷ 58.3% = 68.6% → yellow (60 ≤ v < 80).
    assert execution.colour == "yellow" and execution.indicator is None
    assert "68.6%" in execution.message and execution.threshold == Decimal(80)
    impossible = report.warnings.get(rule="declared_likelihood", colour="red")
    assert impossible.indicator.name == "维修改造校舍面积"
    assert report.worst_colour == "red"
    assert stored == MonitoringWarning.objects.filter(report__round=round_).count()
    # Computing again replaces, never adds.
    assert compute.compute_warnings(actor=world.users["performance"], round_=round_) == stored
    with pytest.raises(PermissionDenied):
        compute.compute_warnings(actor=world.users["department"], round_=round_)


def test_dispositions_change_the_available_budget_and_reduce_opens_a_goal_adjustment(world):
    project = world.project(OWN)
    budget = project.amount_approved
    recover = services.propose_disposition(
        actor=world.users["performance"], project=project, kind="recover", amount=Decimal("50000"), reason="结余"
    )
    assert selectors.available_budget(project) == budget  # proposed only
    with pytest.raises(PermissionDenied):
        services.approve_disposition(actor=world.users["performance"], disposition=recover)
    services.approve_disposition(actor=world.users["budget"], disposition=recover)
    assert selectors.available_budget(project) == budget - Decimal("50000")

    reduce = services.propose_disposition(
        actor=world.users["performance"], project=project, kind="reduce", amount=Decimal("100000"), reason="政策调整"
    )
    reduce = services.approve_disposition(actor=world.users["budget"], disposition=reduce)
    assert selectors.available_budget(project) == budget - Decimal("150000")
    adjustment = Goal.objects.get(pk=reduce.goal_adjustment_id)
    assert adjustment.status == Goal.Status.DRAFT and adjustment.version == 2
    assert "调减预算100000.00元" in adjustment.adjustment_reason
    assert AuditEvent.objects.filter(action="goal.adjust", object_id=str(adjustment.pk)).exists()
    # Each approval leaves a rectification item for the owner.
    assert RectificationItem.objects.filter(project=project, owner=project.owner).count() == 2

    with pytest.raises(DomainError, match="超过项目可用预算"):
        services.propose_disposition(
            actor=world.users["performance"], project=project, kind="recover", amount=budget, reason="全部收回"
        )
    with pytest.raises(DomainError, match="须填写大于0的金额"):
        services.propose_disposition(actor=world.users["performance"], project=project, kind="reduce", reason="x")


def test_suspension_blocks_payments_until_lifted(world):
    project = world.project(OWN)
    assert selectors.payment_block(project) == ""
    suspend = services.propose_disposition(
        actor=world.users["performance"], project=project, kind="suspend", reason="项目偏离目标较大"
    )
    assert selectors.payment_block(project) == ""
    services.approve_disposition(actor=world.users["budget"], disposition=suspend)
    assert selectors.payment_block(project) == "已暂缓拨款"
    assert selectors.blocked_project_ids([project.pk, world.project("c1.unit_b.P2").pk]) == {project.pk}
    assert selectors.available_budget(project) == project.amount_approved  # the money is not taken away
    services.lift_disposition(actor=world.users["budget"], disposition=suspend, reason="整改到位")
    assert selectors.payment_block(project) == ""


def test_rectification_items_are_done_by_the_owner(world):
    round_ = _open(world)
    report = _report(round_, world.project(OWN))
    item = services.add_rectification(
        actor=world.users["performance"], report=report, text="完善项目管理制度", due=datetime.date(YEAR, 10, 31)
    )
    with pytest.raises(NotFound):
        services.complete_rectification(actor=world.users["unit_b"], item=item, result="已完善")
    services.complete_rectification(actor=world.users["unit"], item=item, result="已印发管理办法")
    item.refresh_from_db()
    assert item.status == RectificationItem.Status.DONE and item.result == "已印发管理办法"


def test_scope_isolation(world):
    round_ = _open(world)
    report = _report(round_, world.project(OWN))
    # Another unit of the same county neither sees nor fills the report.
    assert not selectors.reports_for(user=world.users["unit_b"]).filter(pk=report.pk).exists()
    with pytest.raises(NotFound):
        selectors.report_detail(user=world.users["unit_b"], pk=report.pk)
    with pytest.raises(NotFound):
        _fill(world, report, user="unit_b")
    # Another county's finance bureau cannot open a round here, nor see this one.
    with pytest.raises(PermissionDenied):
        services.open_round(actor=world.users["p2_performance"], region=world.regions["c1"], year=YEAR)
    assert not selectors.rounds_for(user=world.users["p2_performance"]).filter(pk=round_.pk).exists()
    # The unit sees the round of its region and its own report only.
    assert selectors.rounds_for(user=world.users["unit"]).filter(pk=round_.pk).exists()
    assert list(selectors.reports_for(user=world.users["unit"]).filter(round=round_)) == [report]
    with pytest.raises(NotFound):
        services.propose_disposition(
            actor=world.users["p2_performance"], project=report.project, kind="suspend", reason="x"
        )


def test_cli_opens_a_round_and_computes_warnings(world, capsys):
    call_command("open_round", user="t_performance", region="141129", year=YEAR, month=7)
    out = capsys.readouterr().out
    assert "中阳县2025年1-7月绩效运行监控" in out and "生成绩效监控表2份" in out
    round_id = int(out.split("编号")[1].split("）")[0])
    call_command("compute_warnings", round=round_id)
    out = capsys.readouterr().out
    assert "计算预警" in out and "红色" in out


def _workbook(path, report, rows, executed="10", month=7):
    """A form in the export's layout (jixiao.monitoring.form_layout), as a unit fills it in."""
    import xlsxwriter

    from jixiao.monitoring import form_layout

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(form_layout.sheet_name(report.project.code))
    sheet.write_row(0, 0, [form_layout.TITLE])
    sheet.write_row(2, 0, ["项目编码", report.project.code])
    sheet.write_row(3, 0, ["项目名称", report.project.name])
    sheet.write_row(5, 0, [h for _, h in form_layout.funds_columns(month)])
    sheet.write_row(6, 0, [form_layout.FUNDS_ROW, "25.0005", "25.0005", executed, "", "25"])
    sheet.write_row(8, 0, [form_layout.GOAL_PROGRESS_LABEL, "已完成招标"])
    sheet.write_row(10, 0, [h for _, h in form_layout.indicator_columns(month)])
    for n, row in enumerate(rows):
        sheet.write_row(11 + n, 0, row)
    sheet.write_row(12 + len(rows), 0, [form_layout.NOTES[0]])
    book.close()


def _import(world, path, user="unit"):
    from jixiao.imports import services as import_services

    with open(path, "rb") as f:
        return import_services.run_import(
            actor=world.users[user],
            kind="monitoring",
            filename="监控表.xlsx",
            file=f,
            commit_rows=True,
            options={"year": YEAR},
        )


def test_the_form_imports_by_project_code_with_located_errors_and_is_idempotent(world, tmp_path):
    round_ = _open(world)
    report = _report(round_, world.project(OWN))
    good = [
        ["产出指标", "数量指标", "维修改造校舍面积", "≥1200平方米", 600, 1200, "确定能", "", "", "", ""],
        [
            "效益指标",
            "社会效益指标",
            "校舍安全隐患消除率",
            "=100%",
            50,
            100,
            "有可能",
            "经费保障、人员保障",
            "资金未到位",
            "",
            "",
        ],
        ["满意度指标", "服务对象满意度指标", "师生满意度", "≥90%", 92, 92, "确定能", "", "", "", ""],
    ]
    path = tmp_path / "bad.xlsx"
    _import_rows = [list(r) for r in good]
    _workbook(path, report, _import_rows)
    batch = _import(world, path)
    assert batch.status != "committed"
    problem = batch.errors[0]
    assert problem["row"] == 13 and problem["column"] == "J" and "须填写相关建议或举措" in problem["message"]

    good[1][9] = "争取上级资金"
    path = tmp_path / "good.xlsx"
    _workbook(path, report, good)
    batch = _import(world, path)
    assert batch.status == "committed", batch.errors
    report.refresh_from_db()
    assert report.executed_to_date == Decimal("100000.00") and report.expected_full_year == Decimal("250000.00")
    assert report.annual_goal_progress == "已完成招标"
    row = report.indicators.get(name="校舍安全隐患消除率")
    assert (row.value_to_date, row.likelihood, row.causes) == (Decimal(50), "有可能", ["经费保障", "人员保障"])
    assert AuditEvent.objects.filter(action="monitoring.import", object_id=str(report.pk)).count() == 1
    # The same file again writes nothing.
    batch = _import(world, path)
    assert batch.result["updated"] == 0 and batch.result["unchanged"] == 1
    assert AuditEvent.objects.filter(action="monitoring.import", object_id=str(report.pk)).count() == 1
    # Another unit cannot import into this report.
    batch = _import(world, path, user="unit_b")
    assert "没有您可填报的绩效监控表" in batch.errors[0]["message"] and batch.errors[0]["column"] == "B"


def test_payments_prefill_the_report_and_drive_the_consecutive_months_rule(world):
    from jixiao.payments.models import ProjectMonth

    project = world.project(OWN)
    # 10000 a month in January–July: 70000 of 250000.50, behind the time every month.
    ProjectMonth.objects.bulk_create(
        ProjectMonth(project=project, month=m, paid=Decimal(10000), cumulative=Decimal(10000 * m)) for m in range(1, 8)
    )
    round_ = _open(world)
    report = _report(round_, project)
    assert report.paid_to_date == report.executed_to_date == Decimal(70000)
    other = _report(round_, world.project("c1.unit_b.P2"))
    assert other.paid_to_date is None and other.executed_to_date == Decimal(0)
    compute.compute_warnings(actor=world.users["performance"], round_=round_)
    behind = report.warnings.get(rule="behind_schedule")
    assert behind.colour == "red" and "已连续7个月执行进度靠后" in behind.message
    # Without payment data nothing is known about earlier months: no consecutive-months warning.
    assert not other.warnings.filter(rule="behind_schedule").exists()
