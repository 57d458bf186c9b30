"""The staged import: 项目库 workbooks and CSV files from upload to commit, through the services, the
pages, the API and the CLI."""

import csv
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.goals import services as goal_services
from jixiao.imports import services
from jixiao.imports.models import ImportBatch
from jixiao.orgs import services as org_services
from jixiao.orgs.models import Organization, User
from jixiao.orgs.roles import Role
from jixiao.projects.columns import HEADERS, SHEET
from jixiao.projects.exports import write_workbook
from jixiao.projects.models import Project
from tests.world import GOAL

PASSWORD = "Import-test-2026"
Status = ImportBatch.Status


@dataclass
class ImportWorld:
    orgs: dict[str, Organization]
    users: dict[str, User]


@pytest.fixture
def iw(db) -> ImportWorld:
    """中阳县 (教育局 › 第一中学, 农业农村局) and 交口县 (卫健局), a 绩效科 user in 中阳县, a 第一中学 user,
    a 教科文科 user (who may view but not change) and a 交口县 绩效科 user."""
    reg = org_services.create_region
    prov = reg(actor=None, code="140000", name="山西省", parent=None)
    city = reg(actor=None, code="141100", name="吕梁市", parent=prov)
    c1 = reg(actor=None, code="141129", name="中阳县", parent=city)
    c2 = reg(actor=None, code="141130", name="交口县", parent=city)

    def org(code: str, name: str, kind: str, region: Any, parent: Any = None, division: str = "") -> Organization:
        return org_services.create_organization(
            actor=None, code=code, name=name, kind=kind, region=region, parent=parent, division=division
        )

    K = Organization.Kind
    orgs: dict[str, Organization] = {}
    for key, region in (("c1", c1), ("c2", c2)):
        fb = orgs[f"{key}_fb"] = org(f"{region.code}CZ", f"{region.name}财政局", K.FINANCE_BUREAU, region)
        orgs[f"{key}_perf"] = org(f"{region.code}JX", "绩效科", K.FINANCE_DIVISION, region, fb, "performance")
        orgs[f"{key}_sector"] = org(f"{region.code}JKW", "教科文科", K.FINANCE_DIVISION, region, fb, "sector")
    orgs["edu"] = org("141129JY", "中阳县教育局", K.DEPARTMENT, c1)
    orgs["school"] = org("141129JY01", "中阳县第一中学", K.UNIT, c1, orgs["edu"])
    orgs["agri"] = org("141129NY", "中阳县农业农村局", K.DEPARTMENT, c1)
    orgs["health"] = org("141130WJ", "交口县卫健局", K.DEPARTMENT, c2)

    users: dict[str, User] = {}
    for key, org_key, role in (
        ("perf", "c1_perf", Role.PERFORMANCE),
        ("sector", "c1_sector", Role.SECTOR),
        ("school", "school", Role.UNIT),
        ("c2_perf", "c2_perf", Role.PERFORMANCE),
    ):
        user = org_services.create_user(actor=None, username=key, password=PASSWORD, display_name=key)
        org_services.add_membership(actor=None, user=user, organization=orgs[org_key], role=role)
        users[key] = user
    return ImportWorld(orgs, users)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def fresh(user: User) -> User:
    """The user as a new request sees it (permission grants are cached on the instance)."""
    return User.objects.get(pk=user.pk)


def row(code: str = "P001", **over: Any) -> dict[str, Any]:
    base = {
        "项目编码": code,
        "项目名称": f"项目{code}",
        "预算单位编码": "141129JY01",
        "年度": 2026,
        "类型": "项目",
        "项目类别": "特定目标类",
        "预算类型": "一般公共预算",
        "资金来源": "一般债券、上级转移支付",
        "领域": "教育",
        "新增/延续": "新增",
        "申报金额（元）": 12345.67,
        "批复金额（元）": None,
        "项目概述": "校舍维修",
    }
    base.update(over)
    return base


def write_xlsx(
    path: Path, rows: list[dict[str, Any]], *, headers: list[str] | None = None, sheet: str = SHEET, above: int = 0
) -> Path:
    headers = headers or HEADERS
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    if above:
        ws.write_string(0, 0, "2026年度项目库（单位：元）")
    for c, h in enumerate(headers):
        ws.write_string(above, c, h)
    for r, data in enumerate(rows, start=above + 1):
        for c, h in enumerate(headers):
            value = data.get(h)
            if value is None:
                continue
            if isinstance(value, int | float):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(value))
    wb.close()
    return path


def write_csv(path: Path, rows: list[dict[str, Any]], *, encoding: str = "utf-8-sig") -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for data in rows:
        writer.writerow(["" if data.get(h) is None else data.get(h) for h in HEADERS])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def import_file(user: User, path: Path, *, commit: bool = True) -> ImportBatch:
    with open(path, "rb") as f:
        return services.run_import(actor=fresh(user), kind="projects", filename=path.name, file=f, commit_rows=commit)


def errors_at(batch: ImportBatch) -> dict[tuple[int | None, str], str]:
    return {(e["row"], e["column"]): e["message"] for e in batch.errors}


# --- the pipeline through the services ---


def test_valid_workbook_creates_projects_with_exact_amounts(iw, tmp_path):
    path = write_xlsx(
        tmp_path / "ok.xlsx",
        [
            row("P001"),
            row("P002", **{"申报金额（元）": 0.1, "批复金额（元）": 1000000, "类型": "政策", "新增/延续": "延续"}),
            row("P003", **{"预算单位编码": "141129JY", "类型": "部门整体支出", "项目类别": "人员类", "资金来源": ""}),
        ],
    )
    batch = import_file(iw.users["perf"], path, commit=False)
    assert batch.status == Status.VALID, batch.errors
    assert batch.summary["plan"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert not Project.objects.exists()  # the preview writes nothing

    batch = services.commit(actor=fresh(iw.users["perf"]), batch=batch)
    assert batch.status == Status.COMMITTED
    assert batch.result == {"created": 3, "updated": 0, "unchanged": 0}
    p1 = Project.objects.get(code="P001")
    assert p1.amount_requested == Decimal("12345.67")
    assert str(p1.amount_requested) == "12345.67"
    assert p1.owner == iw.orgs["school"] and p1.department == iw.orgs["edu"]
    assert {t.name for t in p1.fund_sources.all()} == {"一般债券", "上级转移支付"}
    assert [t.name for t in p1.domain_tags.all()] == ["教育"]
    p2 = Project.objects.get(code="P002")
    assert (p2.amount_requested, p2.amount_approved) == (Decimal("0.10"), Decimal("1000000.00"))
    assert p2.kind == Project.Kind.POLICY and p2.is_new is False
    assert Project.objects.get(code="P003").kind == Project.Kind.DEPARTMENT_OVERALL
    actions = list(AuditEvent.objects.filter(action__startswith="import.").values_list("action", flat=True))
    assert sorted(actions) == ["import.commit", "import.upload"]
    assert AuditEvent.objects.filter(action="project.import").count() == 3


def test_bad_rows_are_located_and_nothing_is_written(iw, tmp_path):
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            row("P001"),  # row 2: fine
            row("P002", **{"项目名称": ""}),  # row 3
            row("P003", **{"项目类别": "基建类"}),  # row 4
            row("P004", **{"申报金额（元）": 12.345}),  # row 5
            row("P005", **{"年度": "二〇二六"}),  # row 6
            row("P006", **{"预算单位编码": "NOPE"}),  # row 7
            row("P007", **{"申报金额（元）": -5}),  # row 8
            row("P001"),  # row 9: same code as row 2
        ],
    )
    batch = import_file(iw.users["perf"], path)
    assert batch.status == Status.INVALID
    assert not Project.objects.exists()
    found = errors_at(batch)
    assert found[(3, "B")] == "项目名称为必填项"
    assert "基建类" in found[(4, "F")] and "特定目标类" in found[(4, "F")]
    assert "两位小数" in found[(5, "M")]
    assert "不是年份" in found[(6, "D")]
    assert "NOPE" in found[(7, "C")]
    assert "负" in found[(8, "M")]
    assert "与第2行重复" in found[(9, "A")]
    assert all(e["sheet"] == SHEET for e in batch.errors)
    headers = {(e["row"], e["column"]): e["header"] for e in batch.errors}
    assert headers[(7, "C")] == "预算单位编码"
    assert batch.error_count == 7 and batch.summary["error_rows"] == 7
    with pytest.raises(DomainError):
        services.commit(actor=fresh(iw.users["perf"]), batch=batch)


def test_missing_required_column_is_one_clear_error(iw, tmp_path):
    headers = [h for h in HEADERS if h != "预算单位编码"]
    batch = import_file(iw.users["perf"], write_xlsx(tmp_path / "nocol.xlsx", [row()], headers=headers))
    assert batch.status == Status.INVALID
    assert batch.error_count == 1
    message = batch.errors[0]["message"]
    assert "项目库" in message and "预算单位编码" in message


def test_column_order_extra_columns_and_a_title_row_are_tolerated(iw, tmp_path):
    headers = ["备注", "项目名称", "申报金额（元）", "项目编码", "项目类别", "年度", "预算单位编码"]
    data = [{"备注": "x", **row("P001")}]
    path = write_xlsx(tmp_path / "order.xlsx", data, headers=headers, sheet="Sheet1", above=1)
    batch = import_file(iw.users["perf"], path)
    assert batch.status == Status.COMMITTED, batch.errors
    assert batch.summary["header_row"] == 2 and batch.summary["ignored"] == ["A列“备注”"]
    assert Project.objects.get().amount_requested == Decimal("12345.67")


def test_same_file_twice_changes_nothing(iw, tmp_path):
    path = write_xlsx(tmp_path / "twice.xlsx", [row("P001"), row("P002")])
    first = import_file(iw.users["perf"], path)
    assert first.result == {"created": 2, "updated": 0, "unchanged": 0}
    history = Project.history.count()
    events = AuditEvent.objects.filter(action="project.import").count()

    second = import_file(iw.users["perf"], path, commit=False)
    assert second.sha256 == first.sha256
    assert second.summary["plan"] == {"created": 0, "updated": 0, "unchanged": 2}
    from jixiao.imports.selectors import previous_commit

    assert previous_commit(user=iw.users["perf"], batch=second) == first
    second = services.commit(actor=fresh(iw.users["perf"]), batch=second)
    assert second.result == {"created": 0, "updated": 0, "unchanged": 2}
    assert Project.history.count() == history
    assert AuditEvent.objects.filter(action="project.import").count() == events


def test_changed_row_updates_only_that_project(iw, tmp_path):
    import_file(iw.users["perf"], write_xlsx(tmp_path / "a.xlsx", [row("P001"), row("P002")]))
    changed = write_xlsx(tmp_path / "b.xlsx", [row("P001"), row("P002", **{"申报金额（元）": 20000})])
    batch = import_file(iw.users["perf"], changed)
    assert batch.result == {"created": 0, "updated": 1, "unchanged": 1}
    assert Project.objects.get(code="P002").amount_requested == Decimal("20000.00")


def test_an_exported_workbook_imports_back_unchanged(iw, tmp_path):
    import_file(
        iw.users["perf"], write_xlsx(tmp_path / "a.xlsx", [row("P001"), row("P002", **{"批复金额（元）": 99.9})])
    )
    exported = tmp_path / "export.xlsx"
    write_workbook(
        str(exported), Project.objects.prefetch_related("fund_sources", "domain_tags").select_related("owner")
    )
    batch = import_file(iw.users["perf"], exported)
    assert batch.result == {"created": 0, "updated": 0, "unchanged": 2}, batch.errors


def test_out_of_scope_owner_is_refused(iw, tmp_path):
    # 交口县卫健局 lies outside 中阳县's finance bureau; 农业农村局 is outside 第一中学's own scope.
    batch = import_file(
        iw.users["perf"], write_xlsx(tmp_path / "c2.xlsx", [row("P001", **{"预算单位编码": "141130WJ"})])
    )
    assert batch.status == Status.INVALID
    assert "不在您的权限范围内" in errors_at(batch)[(2, "C")]
    batch = import_file(
        iw.users["school"], write_xlsx(tmp_path / "ny.xlsx", [row("P001", **{"预算单位编码": "141129NY"})])
    )
    assert batch.status == Status.INVALID
    assert "权限" in errors_at(batch)[(2, "C")]
    assert not Project.objects.exists()
    # …while the unit imports its own projects.
    batch = import_file(iw.users["school"], write_xlsx(tmp_path / "own.xlsx", [row("P001")]))
    assert batch.status == Status.COMMITTED


def test_existing_project_of_another_region_is_not_overwritten(iw, tmp_path):
    import_file(iw.users["perf"], write_xlsx(tmp_path / "a.xlsx", [row("P001")]))
    # Same code, same year, same region but a user whose scope does not reach the owner.
    batch = import_file(iw.users["school"], write_xlsx(tmp_path / "b.xlsx", [row("P001", **{"项目名称": "改名"})]))
    assert batch.status == Status.COMMITTED  # the school owns P001: its change is allowed
    assert Project.objects.get(code="P001").name == "改名"
    batch = import_file(iw.users["c2_perf"], write_xlsx(tmp_path / "c.xlsx", [row("P001")]))
    assert batch.status == Status.INVALID  # the owner code itself is out of scope


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_files_import(iw, tmp_path, encoding):
    path = write_csv(
        tmp_path / "projects.csv", [row("P001"), row("P002", **{"申报金额（元）": "1,234.50"})], encoding=encoding
    )
    batch = import_file(iw.users["perf"], path)
    assert batch.status == Status.COMMITTED, batch.errors
    assert Project.objects.get(code="P002").amount_requested == Decimal("1234.50")
    assert Project.objects.get(code="P001").name == "项目P001"


def test_csv_errors_name_the_file_as_sheet(iw, tmp_path):
    batch = import_file(iw.users["perf"], write_csv(tmp_path / "bad.csv", [row("P001", **{"年度": "1999"})]))
    assert batch.errors[0]["sheet"] == "bad.csv" and batch.errors[0]["row"] == 2 and batch.errors[0]["column"] == "D"
    # An unquoted amount with a thousands separator shifts the row: refused, not misread.
    path = tmp_path / "ragged.csv"
    path.write_text(
        ",".join(HEADERS) + "\nP001,项目,141129JY01,2026,项目,特定目标类,,,,,,,1,234.50,,,概述\n", encoding="utf-8"
    )
    batch = import_file(iw.users["perf"], path)
    assert batch.status == Status.INVALID and batch.errors[0]["row"] == 2
    assert "多于表头" in batch.errors[0]["message"]


def zip_bomb(path: Path, megabytes: int) -> Path:
    """An .xlsx-shaped zip whose worksheet expands from a few KB to `megabytes` MB of zeros."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (megabytes * 1024 * 1024))
    return path


def test_zip_bomb_is_refused_before_parsing(iw, tmp_path, settings):
    settings.JIXIAO_IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    path = zip_bomb(tmp_path / "bomb.xlsx", 8)
    assert path.stat().st_size < 100 * 1024
    with pytest.raises(DomainError) as refused:
        import_file(iw.users["perf"], path)
    # The message is the guard's, not a parser's complaint about the (invalid) workbook inside.
    assert "解压后大小" in refused.value.message
    assert not ImportBatch.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "imports").exists()
    assert AuditEvent.objects.filter(action="import.refused").count() == 1


def test_oversize_and_wrong_type_files_are_refused(iw, tmp_path, settings):
    settings.JIXIAO_IMPORT_MAX_UPLOAD_BYTES = 1000
    big = write_xlsx(tmp_path / "big.xlsx", [row(f"P{i:03}") for i in range(50)])
    with pytest.raises(DomainError, match="超过上限"):
        import_file(iw.users["perf"], big)
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(DomainError, match="xlsx"):
        import_file(iw.users["perf"], legacy)
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"name,code\n")
    with pytest.raises(DomainError, match="不是 Excel"):
        import_file(iw.users["perf"], fake)


def test_large_import_runs_as_background_task_with_progress(iw, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.JIXIAO_IMPORT_INLINE_ROWS = 3
    path = write_xlsx(tmp_path / "big.xlsx", [row(f"P{i:03}") for i in range(12)])
    with django_capture_on_commit_callbacks(execute=True) as callbacks, open(path, "rb") as f:
        batch = services.upload(actor=fresh(iw.users["perf"]), kind="projects", filename=path.name, file=f)
    assert len(callbacks) == 1  # validation was queued, not run in the request
    batch.refresh_from_db()
    assert batch.status == Status.VALID and batch.task_id
    assert (batch.total_rows, batch.processed_rows) == (12, 12)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.commit(actor=fresh(iw.users["perf"]), batch=batch)
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == Status.COMMITTED and batch.result["created"] == 12
    assert Project.objects.count() == 12


def test_commit_rechecks_the_data(iw, tmp_path):
    """A row valid at preview time but not at commit time: nothing is written."""
    batch = import_file(iw.users["school"], write_xlsx(tmp_path / "a.xlsx", [row("P001"), row("P002")]), commit=False)
    assert batch.status == Status.VALID
    # Meanwhile the finance bureau approves P002 … created here through the normal services.
    import_file(iw.users["perf"], write_xlsx(tmp_path / "b.xlsx", [row("P002", **{"项目名称": "财政改名"})]))
    from jixiao.projects import services as project_services

    perf = fresh(iw.users["perf"])
    p2 = Project.objects.get(code="P002")
    pass_goal_in_one_step(perf, p2)
    for action in ("submit", "admit", "approve_budget"):
        p2 = project_services.transition_project(actor=perf, project=p2, action=action)
    batch = services.commit(actor=fresh(iw.users["school"]), batch=batch)
    assert batch.status == Status.INVALID
    assert "只有财政部门可以修改" in errors_at(batch)[(3, "A")]
    assert not Project.objects.filter(code="P001").exists()


def pass_goal_in_one_step(perf: User, project: Project) -> None:
    """A goal that passed review, as the goal gate requires before the budget: this world has no
    主管部门 user, so the county reviews goals in one step, by its 绩效科."""
    org_services.set_rule(
        actor=perf,
        key="goals.review_chain",
        region=project.region,
        fiscal_year=None,
        value=[{"step": "财政部门审核", "role": "performance"}],
        source="测试",
    )
    goal = goal_services.save_goal(actor=perf, project=project, data=GOAL)
    goal = goal_services.submit_goal(actor=perf, goal=goal)
    goal_services.review_goal(actor=perf, goal=goal, result="优")


# --- pages ---


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_web_flow_upload_preview_commit(iw, tmp_path):
    c = client_for(iw.users["perf"])
    page = c.get(reverse("projects:list"))
    assert reverse("imports:list") in page.content.decode()  # the 导入 button and the menu entry
    assert c.get(reverse("imports:list")).status_code == 200
    path = write_xlsx(tmp_path / "web.xlsx", [row("P001"), row("P002")])
    with open(path, "rb") as f:
        response = c.post(reverse("imports:upload"), {"kind": "projects", "file": f})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    detail = c.get(response.url)
    html = detail.content.decode()
    assert "校验通过" in html and 'id="plan-created">2<' in html and "项目P001" in html
    assert 'id="commit-form"' in html

    response = c.post(reverse("imports:commit", args=[batch.pk]))
    assert response.status_code == 302
    html = c.get(response.url).content.decode()
    assert 'id="result-created">2<' in html
    assert Project.objects.count() == 2
    assert "web.xlsx" in c.get(reverse("imports:list")).content.decode()

    # The same file again: recognised, and its commit changes nothing.
    with open(path, "rb") as f:
        response = c.post(reverse("imports:upload"), {"kind": "projects", "file": f})
    html = c.get(response.url).content.decode()
    assert 'id="same-file"' in html and 'id="plan-unchanged">2<' in html


def test_web_upload_shows_errors_and_error_list(iw, tmp_path):
    c = client_for(iw.users["perf"])
    path = write_xlsx(tmp_path / "bad.xlsx", [row("P001", **{"项目类别": "基建类"})])
    with open(path, "rb") as f:
        response = c.post(reverse("imports:upload"), {"kind": "projects", "file": f})
    batch = ImportBatch.objects.get()
    html = c.get(response.url).content.decode()
    assert "校验未通过" in html and "基建类" in html and 'id="commit-form"' not in html
    download = c.get(reverse("imports:errors", args=[batch.pk]))
    assert download.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(download.streaming_content)))
    rows = book.get_sheet_by_name("错误清单").to_python()
    assert rows[0] == ["工作表", "行号", "列", "列名", "错误说明"]
    assert rows[1][:4] == [SHEET, 2.0, "F", "项目类别"]


def test_web_refuses_a_zip_bomb_with_a_message(iw, tmp_path, settings):
    settings.JIXIAO_IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    c = client_for(iw.users["perf"])
    with open(zip_bomb(tmp_path / "bomb.xlsx", 4), "rb") as f:
        response = c.post(reverse("imports:upload"), {"kind": "projects", "file": f})
    assert response.status_code == 200
    assert "疑似压缩炸弹" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_progress_fragment_polls_while_in_progress(iw, tmp_path):
    user = iw.users["perf"]
    batch = ImportBatch.objects.create(
        kind="projects", filename="x.xlsx", sha256="0" * 64, size=1, stored_path="imports/x", uploaded_by=user,
        status=Status.VALIDATING, total_rows=200, processed_rows=50, message="正在校验",
    )  # fmt: skip
    c = client_for(user)
    html = c.get(reverse("imports:detail", args=[batch.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in html and "50 / 200" in html and "<html" not in html
    batch.status = Status.VALID
    batch.save()
    html = c.get(reverse("imports:detail", args=[batch.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html


def test_template_workbook(iw):
    c = client_for(iw.users["perf"])
    response = c.get(reverse("imports:template"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == [SHEET, "填写说明"]
    assert book.get_sheet_by_name(SHEET).to_python()[0] == HEADERS
    notes = book.get_sheet_by_name("填写说明").to_python()
    assert notes[0][:4] == ["列", "列名", "必填", "填写规则"]
    assert any(r[1] == "项目类别" and "特定目标类" in r[4] for r in notes[1:])
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<dataValidation " in sheet_xml and "特定目标类" in sheet_xml


def test_batches_are_private_and_import_needs_the_capability(iw, tmp_path):
    batch = import_file(iw.users["perf"], write_xlsx(tmp_path / "a.xlsx", [row("P001")]), commit=False)
    other = client_for(iw.users["c2_perf"])
    assert other.get(reverse("imports:detail", args=[batch.pk])).status_code == 404
    assert other.post(reverse("imports:commit", args=[batch.pk])).status_code == 404
    assert "a.xlsx" not in other.get(reverse("imports:list")).content.decode()
    sector = client_for(iw.users["sector"])
    assert sector.get(reverse("imports:upload")).status_code == 403
    assert "数据导入" not in sector.get(reverse("projects:list")).content.decode()


# --- API ---


def test_api_flow(iw, tmp_path):
    c = client_for(iw.users["perf"])
    path = write_xlsx(tmp_path / "api.xlsx", [row("P001"), row("P002", **{"申报金额（元）": 7.5})])
    with open(path, "rb") as f:
        response = c.post("/api/imports/", {"kind": "projects", "file": f})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "valid" and body["summary"]["plan"]["created"] == 2
    assert c.get(f"/api/imports/{body['id']}/").json()["total_rows"] == 2
    response = c.post(f"/api/imports/{body['id']}/commit/")
    assert response.status_code == 200
    assert response.json()["result"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert Project.objects.get(code="P002").amount_requested == Decimal("7.50")
    again = c.post(f"/api/imports/{body['id']}/commit/")
    assert again.status_code == 400 and "已导入" in again.json()["detail"]
    assert client_for(iw.users["c2_perf"]).get(f"/api/imports/{body['id']}/").status_code == 404
    listing = c.get("/api/imports/").json()
    assert [b["id"] for b in listing["results"]] == [body["id"]]


def test_api_reports_bad_rows_and_refused_files(iw, tmp_path, settings):
    c = client_for(iw.users["perf"])
    with open(write_xlsx(tmp_path / "bad.xlsx", [row("P001", **{"年度": 1999})]), "rb") as f:
        body = c.post("/api/imports/", {"kind": "projects", "file": f}).json()
    assert body["status"] == "invalid"
    assert body["errors"][0] | {"message": ""} == {
        "sheet": SHEET, "row": 2, "column": "D", "header": "年度", "message": ""
    }  # fmt: skip
    settings.JIXIAO_IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    with open(zip_bomb(tmp_path / "bomb.xlsx", 4), "rb") as f:
        response = c.post("/api/imports/", {"kind": "projects", "file": f})
    assert response.status_code == 400 and "解压后大小" in response.json()["detail"]


# --- CLI ---


def test_cli_checks_and_commits(iw, tmp_path, capsys):
    path = write_xlsx(tmp_path / "cli.xlsx", [row("P001"), row("P002")])
    call_command("import_projects", str(path), user="perf")
    assert "将新增 2" in capsys.readouterr().out
    assert not Project.objects.exists()
    call_command("import_projects", str(path), user="perf", commit=True)
    assert "新增 2" in capsys.readouterr().out
    assert Project.objects.count() == 2
    call_command("import_projects", str(path), user="perf", commit=True)
    out = capsys.readouterr().out
    assert "新增 0，更新 0，未变 2" in out and "导入过" in out


def test_cli_prints_errors_and_exits_1(iw, tmp_path, capsys):
    path = write_xlsx(tmp_path / "bad.xlsx", [row("P001"), row("P002", **{"预算单位编码": "141130WJ"})])
    with pytest.raises(CommandError) as failed:
        call_command("import_projects", str(path), user="perf", commit=True)
    assert failed.value.returncode == 1
    err = capsys.readouterr().err
    assert f"{SHEET}\t3\tC\t预算单位编码\t" in err
    assert not Project.objects.exists()
