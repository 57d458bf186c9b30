"""Importing 预算评审 results (`kind=budget_reviews`): 送审 = 审定 + 审减 checked row by row in the sheet's unit,
matched by 项目编码 within the uploader's scope and year, written through the budget-review service."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from jixiao.appraisals import services as appraisal_services
from jixiao.appraisals.models import BudgetReview
from jixiao.core.errors import PermissionDenied
from jixiao.core.models import AuditEvent
from jixiao.imports import services
from jixiao.imports.models import ImportBatch
from jixiao.orgs.models import User

WAN = ["项目编码", "项目名称", "送审金额（万元）", "审定金额（万元）", "审减金额（万元）", "评审意见"]
YUAN = ["项目编码", "送审金额（元）", "审定金额（元）", "审减金额（元）"]


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def workbook(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("预算评审")
    for c, h in enumerate(headers):
        ws.write_string(0, c, h)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if isinstance(value, int | float):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, str(value))
    wb.close()
    return path


def run(user: User, path: Path, year: int = 2026) -> ImportBatch:
    with open(path, "rb") as f:
        return services.run_import(
            actor=fresh(user),
            kind="budget_reviews",
            filename=path.name,
            file=f,
            commit_rows=True,
            options={"year": year},
        )


def messages(batch: ImportBatch) -> list[str]:
    return [e["message"] for e in batch.errors]


@pytest.fixture
def codes(world):
    return world.projects["c1.unit_a.P1"].code, world.projects["c1.unit_b.P1"].code


def test_a_workbook_in_wan_records_each_review_in_yuan_exactly(world, codes, tmp_path):
    a, b = codes
    path = workbook(
        tmp_path / "r.xlsx",
        WAN,
        [[a, "校舍", 100.01, 60.005, 40.005, "核减设备购置费"], [b, "", 200, 200, 0, ""]],
    )
    batch = run(world.users["review_center"], path)
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors
    assert batch.result == {"created": 2, "updated": 0, "unchanged": 0}
    review = BudgetReview.objects.get(project__code=a)
    assert (review.submitted_yuan, review.approved_yuan, review.reduced_yuan) == (
        Decimal("1000100.00"),
        Decimal("600050.00"),
        Decimal("400050.00"),
    )
    assert review.opinion == "核减设备购置费"
    assert review.reviewer == world.users["review_center"]
    assert AuditEvent.objects.filter(action="budget_review.save", object_id=str(review.pk)).count() == 1


def test_importing_the_same_file_again_writes_nothing(world, codes, tmp_path):
    path = workbook(tmp_path / "r.xlsx", WAN, [[codes[0], "", 100, 70, 30, "意见"]])
    assert run(world.users["review_center"], path).status == ImportBatch.Status.COMMITTED
    reviews, events = BudgetReview.objects.count(), AuditEvent.objects.filter(action="budget_review.save").count()
    again = run(world.users["review_center"], path)
    assert again.status == ImportBatch.Status.COMMITTED
    assert again.result == {"created": 0, "updated": 0, "unchanged": 1}
    assert BudgetReview.objects.count() == reviews
    assert AuditEvent.objects.filter(action="budget_review.save").count() == events


def test_a_row_breaking_the_invariant_is_refused_with_its_figures_and_nothing_is_written(world, codes, tmp_path):
    a, b = codes
    path = workbook(
        tmp_path / "r.xlsx",
        WAN,
        [[a, "", 100, 60, 40, ""], [b, "", 24053.22, 14892.89, 9160.34, ""]],
    )
    batch = run(world.users["review_center"], path)
    assert batch.status == ImportBatch.Status.INVALID
    assert messages(batch) == ["第3行：送审 24053.22 ≠ 审定 14892.89 + 审减 9160.34，相差 0.01万元"]
    assert batch.errors[0]["row"] == 3 and batch.errors[0]["column"] == "C"
    assert not BudgetReview.objects.exists()  # the valid row is not written either


def test_amounts_in_yuan_are_read_as_yuan_and_the_difference_is_said_in_yuan(world, codes, tmp_path):
    a, b = codes
    good = workbook(tmp_path / "ok.xlsx", YUAN, [[a, 1000.5, 1000.5, 0]])
    assert run(world.users["budget"], good).status == ImportBatch.Status.COMMITTED
    assert BudgetReview.objects.get(project__code=a).submitted_yuan == Decimal("1000.50")
    bad = workbook(tmp_path / "bad.xlsx", YUAN, [[b, 1000, 900, 99.99]])
    assert messages(run(world.users["budget"], bad)) == ["第2行：送审 1000.00 ≠ 审定 900.00 + 审减 99.99，相差 0.01元"]


def test_a_header_without_its_unit_is_refused_rather_than_guessed(world, codes, tmp_path):
    path = workbook(tmp_path / "r.xlsx", ["项目编码", "送审金额", "审定金额", "审减金额"], [[codes[0], 1, 1, 0]])
    batch = run(world.users["review_center"], path)
    assert batch.status == ImportBatch.Status.INVALID
    assert "未注明单位" in messages(batch)[0]
    assert not BudgetReview.objects.exists()


def test_projects_of_another_region_or_year_are_not_found(world, codes, tmp_path):
    other = world.projects["p2.unit_a.P1"].code  # 岐山县, outside 中阳县's 评审中心
    path = workbook(tmp_path / "r.xlsx", WAN, [[other, "", 1, 1, 0, ""], [codes[0], "", 1, 1, 0, ""]])
    batch = run(world.users["review_center"], path)
    assert messages(batch) == [f"第2行：项目编码“{other}”在2026年度不存在或不在您的权限范围内"]
    wrong_year = run(
        world.users["review_center"], workbook(tmp_path / "y.xlsx", WAN, [[codes[0], "", 1, 1, 0, ""]]), 2025
    )
    assert wrong_year.status == ImportBatch.Status.INVALID
    assert not BudgetReview.objects.exists()


def test_a_review_sent_to_the_panel_cannot_be_changed_by_an_import(world, codes, tmp_path):
    project = world.projects["c1.unit_a.P1"]
    actor = fresh(world.users["review_center"])
    review = appraisal_services.save_budget_review(
        actor=actor,
        project=project,
        amounts=appraisal_services.ReviewAmounts(Decimal(1000000), Decimal(900000), Decimal(100000)),
    )
    appraisal_services.submit_budget_review(actor=actor, review=review)
    batch = run(world.users["review_center"], workbook(tmp_path / "r.xlsx", WAN, [[codes[0], "", 100, 80, 20, ""]]))
    assert batch.status == ImportBatch.Status.INVALID
    assert "会签中，不能通过导入修改" in messages(batch)[0]
    review.refresh_from_db()
    assert review.approved_yuan == Decimal(900000)


def test_a_draft_review_is_corrected(world, codes, tmp_path):
    project = world.projects["c1.unit_a.P1"]
    actor = fresh(world.users["review_center"])
    appraisal_services.save_budget_review(
        actor=actor, project=project, amounts=appraisal_services.ReviewAmounts(Decimal(100), Decimal(100), Decimal(0))
    )
    batch = run(world.users["review_center"], workbook(tmp_path / "r.xlsx", WAN, [[codes[0], "", 100, 80, 20, ""]]))
    assert batch.result == {"created": 0, "updated": 1, "unchanged": 0}
    assert BudgetReview.objects.get(project=project).reduced_yuan == Decimal(200000)


def test_only_who_records_budget_reviews_may_import_them(world, codes, tmp_path):
    path = workbook(tmp_path / "r.xlsx", WAN, [[codes[0], "", 1, 1, 0, ""]])
    with pytest.raises(PermissionDenied):
        run(world.users["unit"], path)


def test_the_template_offers_the_wan_columns(world, client_for, tmp_path):
    response = client_for("review_center").get("/imports/template.xlsx?kind=budget_reviews")
    assert response.status_code == 200
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("预算评审").to_python()
    assert rows[0] == ["项目编码", "项目名称", "送审金额（万元）", "审定金额（万元）", "审减金额（万元）", "评审意见"]
