"""The 事前评估 and 预算评审 pages: the worklist and why each project is on it, the scoring sheet and its
conclusion, the panel's override, the resubmission, the 预算评审 form that refuses 送审 ≠ 审定 + 审减 with
the figures, the 联评联审 signatures by role, the function-point page (typed and imported lists, the step
chain, the proposal carried into the review), the project card, and the gate's messages on the project
page. Each for the roles that may, 403 or 404 for the others, and query counts that do not grow."""

import io
import re
from decimal import Decimal as D

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jixiao.appraisals import services
from jixiao.appraisals.models import Assessment, AssessorKind, BudgetReview, Conclusion, FunctionPointReview
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from tests.world import pass_goal

PANEL = ("budget", "performance", "sector", "review_center")


def new_project(world, code: str, amount: str, owner: str = "c1.unit_a", **changes) -> Project:
    data = project_services.ProjectInput(
        code=code,
        name=f"{code}信息化建设项目",
        owner=world.orgs[owner],
        fiscal_year=2026,
        category=Project.Category.SPECIFIC,
        amount_requested=D(amount),
    )
    for k, v in changes.items():
        setattr(data, k, v)
    return project_services.create_project(actor=world.users["performance"], data=data)


def sheet(assessment: Assessment, total: str) -> dict[str, str]:
    """The scoring sheet's POST data: full marks less `100 − total`, from the first sub-items on."""
    deduct = D(100) - D(total)
    data = {}
    for d, dim in enumerate(assessment.dimensions):
        for i, item in enumerate(dim["items"]):
            points = D(item["points"])
            take = min(points, deduct)
            deduct -= take
            data[f"s_{d}_{i}"] = str(points - take)
    return data


def opened(world, project: Project, by: str = "unit") -> Assessment:
    return services.create_assessment(actor=world.users[by], project=project, assessor_kind=AssessorKind.UNIT)


def submitted(world, project: Project, total: str) -> Assessment:
    assessment = opened(world, project)
    scores = [
        services.ScoreInput(dim["key"], item["name"], D(value))
        for (key, value), (dim, item) in zip(
            sheet(assessment, total).items(),
            [(d, i) for d in assessment.dimensions for i in d["items"]],
            strict=True,
        )
    ]
    services.score_assessment(
        actor=world.users["unit"],
        assessment=assessment,
        scores=scores,
        materials_provided=list(assessment.materials_required),
    )
    return services.submit_assessment(actor=world.users["unit"], assessment=assessment)


def passed(world, project: Project) -> Assessment:
    return services.conclude_assessment(actor=world.users["performance"], assessment=submitted(world, project, "90"))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- The worklist -----------------------------------------------------------------------------------------


def test_the_worklist_lists_new_projects_at_the_threshold_with_the_reason(world, client_for):
    new_project(world, "ZY-600", "6000000.00")
    new_project(world, "ZY-499", "4999999.99")
    new_project(world, "ZY-OLD", "8000000.00", is_new=False)
    new_project(world, "ZY-NB", "7000000.00", owner="c1.unit_b")
    page = text(client_for("unit").get("/appraisals/"))
    assert "ZY-600信息化建设项目" in page
    assert "新增项目 · 特定目标类 · 申报600.00万元 ≥ 500.00万元（全国默认）" in page
    assert "未评估" in page and "开始评估" in page
    assert "ZY-499" not in page and "ZY-OLD" not in page
    assert "ZY-NB" not in page  # another unit's
    assert "ZY-NB信息化建设项目" in text(client_for("performance").get("/appraisals/"))


def test_the_worklist_filters_by_assessment_state_and_drops_passing_projects(world, client_for):
    waiting = new_project(world, "ZY-A", "6000000.00")
    doing = new_project(world, "ZY-B", "6000000.00")
    done = new_project(world, "ZY-C", "6000000.00")
    opened(world, doing)
    passed(world, done)
    c = client_for("performance")
    page = text(c.get("/appraisals/"))
    assert "ZY-A信息化" in page and "ZY-B信息化" in page and "ZY-C信息化" not in page
    drafts = text(c.get("/appraisals/", {"state": "draft"}))
    assert "ZY-B信息化" in drafts and "ZY-A信息化" not in drafts
    untouched = text(c.get("/appraisals/", {"state": "none"}))
    assert "ZY-A信息化" in untouched and "ZY-B信息化" not in untouched
    assert waiting.code in untouched


def test_who_may_open_the_worklist(world, client_for):
    assert client_for("expert").get("/appraisals/").status_code == 403
    assert client_for("sysadmin").get("/appraisals/").status_code == 403
    agency = client_for("agency").get("/appraisals/")
    assert agency.status_code == 200
    assert "worklist-rows" not in agency.content.decode()  # an agency sees its assignments, not the 项目库


def test_the_worklist_costs_the_same_however_many_projects(world, client_for):
    c = client_for("performance")
    new_project(world, "ZY-Q1", "6000000.00")
    with CaptureQueriesContext(connection) as few:
        assert c.get("/appraisals/").status_code == 200
    for n in range(2, 8):
        project = new_project(world, f"ZY-Q{n}", "6000000.00", owner="c1.unit_b" if n % 2 else "c1.unit_a")
        if n % 3 == 0:
            opened(world, project, by="unit" if n % 2 == 0 else "unit_b")
    with CaptureQueriesContext(connection) as many:
        page = c.get("/appraisals/")
    assert page.content.decode().count('data-project="') >= 7
    assert len(many) == len(few)


# --- The assessment ---------------------------------------------------------------------------------------


def test_a_unit_opens_scores_and_submits_from_the_worklist(world, client_for):
    project = new_project(world, "ZY-600", "6000000.00")
    c = client_for("unit")
    start = c.get(f"/appraisals/project/{project.pk}/start/")
    assert "申报600.00万元 ≥ 500.00万元" in text(start)
    response = c.post(f"/appraisals/project/{project.pk}/start/", {"assessor_kind": "unit"})
    assessment = Assessment.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == f"/appraisals/{assessment.pk}/"
    page = text(c.get(f"/appraisals/{assessment.pk}/"))
    for label in ("立项必要性", "投入经济性", "绩效目标合理性", "实施方案可行性", "筹资合规性", "目的明确"):
        assert label in page
    assert 'data-points="5"' in page and "予以支持 ≥ 80" in page

    # Saved scores stay; submitting without the materials is refused with the list of what is missing.
    data = {**sheet(assessment, "86.5"), "action": "submit"}
    refused = text(c.post(f"/appraisals/{assessment.pk}/", data))
    assert "尚缺应提供材料：项目申报书、绩效目标申报表、实施方案、可行性研究报告、预算测算依据" in refused
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT and assessment.total == D("86.5")

    data["materials_provided"] = list(assessment.materials_required)
    done = c.post(f"/appraisals/{assessment.pk}/", data, follow=True)
    assert "已提交事前绩效评估：总分86.50分，按分档为“予以支持”" in text(done)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.band_conclusion) == (Assessment.Status.SUBMITTED, Conclusion.SUPPORT)
    # Submitted: the sheet is read-only, and no longer a form.
    assert 'name="s_0_0"' not in text(c.get(f"/appraisals/{assessment.pk}/"))


def test_a_score_above_its_points_is_shown_at_its_field(world, client_for):
    assessment = opened(world, new_project(world, "ZY-600", "6000000.00"))
    page = text(client_for("unit").post(f"/appraisals/{assessment.pk}/", {"s_0_0": "6", "action": "save"}))
    assert "确保该值小于或等于5" in page
    assert not assessment.scores.exists()


def test_the_assessment_page_for_other_roles(world, client_for):
    assessment = opened(world, new_project(world, "ZY-600", "6000000.00"))
    url = f"/appraisals/{assessment.pk}/"
    assert client_for("unit_b").get(url).status_code == 404
    assert client_for("p2_performance").get(url).status_code == 404
    assert client_for("agency").get(url).status_code == 404  # not assigned to it
    sector = client_for("sector")
    assert sector.get(url).status_code == 200
    assert 'name="s_0_0"' not in sector.get(url).content.decode()
    assert sector.post(url, {"s_0_0": "5", "action": "save"}).status_code == 403
    assert client_for("unit").post(f"/appraisals/{assessment.pk}/conclude/").status_code == 403


def test_an_agency_scores_what_it_was_assigned(world, client_for):
    project = new_project(world, "ZY-600", "6000000.00")
    c = client_for("unit")
    agency = world.orgs["c1.agency"]
    c.post(f"/appraisals/project/{project.pk}/start/", {"assessor_kind": "agency", "agency": agency.pk})
    assessment = Assessment.objects.get(project=project)
    assert assessment.assessor_org == agency
    listing = text(client_for("agency").get("/appraisals/"))
    assert "委托本机构评估的项目" in listing and project.name in listing
    page = client_for("agency").get(f"/appraisals/{assessment.pk}/")
    assert 'name="s_0_0"' in page.content.decode()
    assert c.post(f"/appraisals/{assessment.pk}/", {"s_0_0": "5", "action": "save"}).status_code == 403


def test_the_bureau_concludes_and_the_panel_overrides_only_with_a_reason(world, client_for):
    assessment = submitted(world, new_project(world, "ZY-600", "6000000.00"), "75")
    c = client_for("performance")
    page = text(c.get(f"/appraisals/{assessment.pk}/"))
    assert "按分档：调整完善后予以支持" in page and "出具评估结论" in page
    refused = text(c.post(f"/appraisals/{assessment.pk}/conclude/", {"override": "予以支持"}, follow=True))
    assert "专家组将结论由“调整完善后予以支持”改为“予以支持”，须写明理由" in refused
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    reason = "专家论证认为实施方案已按意见完善"
    done = text(
        c.post(f"/appraisals/{assessment.pk}/conclude/", {"override": "予以支持", "reason": reason}, follow=True)
    )
    assert "评估结论：予以支持" in done and f"理由：{reason}" in done
    assessment.refresh_from_db()
    assert (assessment.band_conclusion, assessment.conclusion) == (Conclusion.ADJUST, Conclusion.SUPPORT)


def test_adjust_then_support_requires_a_resubmission(world, client_for):
    project = new_project(world, "ZY-600", "6000000.00")
    first = services.conclude_assessment(actor=world.users["performance"], assessment=submitted(world, project, "70"))
    c = client_for("unit")
    page = text(c.get(f"/appraisals/{first.pk}/"))
    assert "须调整完善后重新报送" in page and "调整完善后重新报送" in page
    response = c.post(f"/appraisals/{first.pk}/resubmit/", follow=True)
    second = Assessment.objects.get(project=project, submission=2)
    assert response.redirect_chain[-1][0] == f"/appraisals/{second.pk}/"
    assert "已重新报送（第2次）" in text(response)
    assert second.status == Assessment.Status.DRAFT and second.previous == first
    again = text(c.get(f"/appraisals/{first.pk}/"))
    assert 'id="resubmit"' not in again and "已重新报送（第2次）" in again


def test_attachments_mark_their_material(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assessment = opened(world, new_project(world, "ZY-600", "6000000.00"))
    upload = SimpleUploadedFile("实施方案.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    page = text(
        client_for("unit").post(
            f"/appraisals/{assessment.pk}/attach/", {"file": upload, "material": "实施方案"}, follow=True
        )
    )
    assert "已上传附件“实施方案.pdf”" in page
    assessment.refresh_from_db()
    assert assessment.materials_provided == ["实施方案"]
    assert client_for("unit_b").post(f"/appraisals/{assessment.pk}/attach/").status_code == 404


# --- 预算评审 and the panel --------------------------------------------------------------------------------


def test_the_review_form_starts_from_the_request_and_refuses_a_mismatch_with_the_figures(world, client_for):
    project = new_project(world, "ZY-600", "6000000.00")
    passed(world, project)
    c = client_for("review_center")
    url = f"/appraisals/project/{project.pk}/review/"
    form = text(c.get(url))
    assert 'name="submitted_wan" value="600"' in form and "data-review-amounts" in form
    refused = text(c.post(url, {"submitted_wan": "600", "approved_wan": "450", "reduced_wan": "100"}))
    assert "送审金额6,000,000.00元 ≠ 审定金额4,500,000.00元 + 审减金额1,000,000.00元" in refused
    assert "相差500,000.00元" in refused
    assert not BudgetReview.objects.filter(project=project).exists()
    # Two of the three: the third is worked out.
    c.post(url, {"submitted_wan": "600", "approved_wan": "450.5", "action": "save"})
    review = BudgetReview.objects.get(project=project)
    assert (review.submitted_yuan, review.approved_yuan, review.reduced_yuan) == (
        D("6000000.00"),
        D("4505000.00"),
        D("1495000.00"),
    )
    page = text(c.get(url))
    assert 'name="reduced_wan" value="149.5"' in page


def test_the_panel_signs_each_in_its_own_role_and_then_the_review_is_final(world, client_for):
    project = new_project(world, "ZY-600", "6000000.00")
    passed(world, project)
    url = f"/appraisals/project/{project.pk}/review/"
    client_for("review_center").post(
        url, {"submitted_wan": "600", "approved_wan": "480", "reduced_wan": "120", "action": "submit"}
    )
    review = BudgetReview.objects.get(project=project)
    assert review.status == BudgetReview.Status.SIGNING and review.panel_roles == list(PANEL)
    budget = client_for("budget")
    page = text(budget.get(url))
    assert "以预算科签署" in page and "以绩效管理签署" not in page
    assert 'id="reduction-rate">20.00%' in page
    assert budget.post(f"/appraisals/reviews/{review.pk}/sign/", {"role": "sector"}).status_code == 403
    assert client_for("unit").post(f"/appraisals/reviews/{review.pk}/sign/", {"role": "budget"}).status_code == 403
    assert (
        client_for("p2_performance").post(f"/appraisals/reviews/{review.pk}/sign/", {"role": "performance"}).status_code
        == 404
    )
    for role in PANEL:
        done = text(
            client_for(role).post(
                f"/appraisals/reviews/{review.pk}/sign/", {"role": role, "opinion": "同意"}, follow=True
            )
        )
    assert "联评联审小组已全部签署，评审定稿" in done
    review.refresh_from_db()
    assert review.status == BudgetReview.Status.FINAL and review.signatures.count() == 4
    assert "20.00%" in text(client_for("unit").get(url))  # 审减率 = 120 / 600


def test_only_the_review_centre_or_budget_division_records_a_review(world, client_for):
    project = new_project(world, "ZY-600", "6000000.00")
    url = f"/appraisals/project/{project.pk}/review/"
    data = {"submitted_wan": "600", "approved_wan": "480", "reduced_wan": "120"}
    assert client_for("unit").post(url, data).status_code == 403
    assert client_for("sector").post(url, data).status_code == 403
    assert client_for("unit_b").get(url).status_code == 404
    assert 'name="approved_wan"' not in client_for("sector").get(url).content.decode()
    assert client_for("budget").post(url, data).status_code == 302


def test_the_review_list_shows_what_waits_for_the_users_signature(world, client_for):
    project = new_project(world, "ZY-600", "6000000.00")
    passed(world, project)
    assert "ZY-600信息化建设项目" in text(client_for("review_center").get("/appraisals/reviews/"))
    review = services.save_budget_review(
        actor=world.users["review_center"],
        project=project,
        amounts=services.ReviewAmounts(D("6000000"), D("4800000"), D("1200000")),
    )
    services.submit_budget_review(actor=world.users["review_center"], review=review)
    page = text(client_for("sector").get("/appraisals/reviews/"))
    assert "待我签署" in page and "480.00" in page and "20.00%" in page
    assert client_for("expert").get("/appraisals/reviews/").status_code == 403


def test_the_review_list_costs_the_same_however_many_reviews(world, client_for):
    c = client_for("sector")

    def review(code: str) -> None:
        project = new_project(world, code, "6000000.00")
        r = services.save_budget_review(
            actor=world.users["review_center"],
            project=project,
            amounts=services.ReviewAmounts(D("6000000"), D("5000000"), D("1000000")),
        )
        services.submit_budget_review(actor=world.users["review_center"], review=r)

    review("ZY-R1")
    with CaptureQueriesContext(connection) as few:
        c.get("/appraisals/reviews/")
    for n in range(2, 7):
        review(f"ZY-R{n}")
    with CaptureQueriesContext(connection) as many:
        c.get("/appraisals/reviews/")
    assert len(many) == len(few)


# --- Function points --------------------------------------------------------------------------------------


def rows(*functions: tuple[str, str, str]) -> dict[str, str]:
    """The function list's formset data: (path, name, type) each, 估算功能点法."""
    data = {"fn-TOTAL_FORMS": str(len(functions)), "fn-INITIAL_FORMS": "0"}
    for n, (path, name, kind) in enumerate(functions):
        data |= {f"fn-{n}-path": path, f"fn-{n}-name": name, f"fn-{n}-type": kind, f"fn-{n}-method": "估算"}
    return data


FUNCTIONS = rows(
    ("审批系统/申报管理", "项目信息", "ILF"),
    ("审批系统/申报管理", "财政一体化接口", "EIF"),
    ("审批系统/申报管理", "新增申报", "EI"),
    ("审批系统/统计", "统计报表", "EO"),
    ("审批系统/统计", "项目查询", "EQ"),
)


def test_the_calculator_shows_every_step_and_the_range(client_for):
    data = {**FUNCTIONS, "benchmark": "CSBMK-202510", "city": "北京", "stage": "预算", "percentile": "P50"}
    data |= {"project_kind": "新建", "action": "compute"}
    page = text(client_for("unit").post("/appraisals/fpa/", data))
    # UFP = 10 + 7 + 4 + 5 + 4 = 30; S = 30 × 1.39 = 41.7; AE = 41.7 × 6.72 = 280.224 人时;
    # cost = 280.224 × 32198 ÷ 174 = 51854.3238… → 51854.32 元.
    assert "UFP = Σ UFP_i（ILF 10 + EIF 7 + EI 4 + EO 5 + EQ 4）" in page
    assert "S = US × CF = 30 × 1.39" in page
    assert "AE = S × PDR × Π调整因子 = 41.7 × 6.72 × 1" in page
    assert "51,854.32" in page
    for band in ('data-band="P25"', 'data-band="P50"', 'data-band="P75"'):
        assert band in page
    assert "计算 1243.51 元/功能点，基准公布 1243.52 元/功能点" in page


def test_the_calculator_says_what_the_version_cannot_compute(client_for):
    data = {**FUNCTIONS, "benchmark": "CSBMK-202510", "stage": "预算", "percentile": "P50", "project_kind": "新建"}
    page = text(client_for("unit").post("/appraisals/fpa/", {**data, "action": "compute"}))
    assert "CSBMK-202510 的人月费率按城市取值，请指定城市" in page
    data |= {"city": "北京", "b0_f0": "科技"}  # 应用类型 科技 1.2 > 1 without a basis
    page = text(client_for("unit").post("/appraisals/fpa/", {**data, "action": "compute"}))
    assert "“应用类型”取 1.2，大于 1，须写明取值依据" in page


def function_workbook() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    ws = book.add_worksheet("功能清单")
    for r, values in enumerate(
        [
            ("子系统", "模块", "功能点名称", "类别"),
            ("审批系统", "申报管理", "项目信息", "ILF"),
            ("", "", "新增申报", "EI"),
            ("", "统计", "统计报表", "EO"),
            ("", "", "合计", ""),
        ]
    ):
        ws.write_row(r, 0, values)
    book.close()
    return buffer.getvalue()


def test_a_function_list_workbook_fills_the_table(client_for):
    upload = SimpleUploadedFile("功能清单.xlsx", function_workbook())
    data = {"fn-TOTAL_FORMS": "0", "fn-INITIAL_FORMS": "0", "benchmark": "CSBMK-202510", "action": "import"}
    page = text(client_for("unit").post("/appraisals/fpa/", {**data, "file": upload, "sheet": "功能清单"}))
    assert 'name="fn-TOTAL_FORMS" value="3"' in page
    assert 'value="审批系统 / 统计"' in page and 'value="统计报表"' in page
    bad = SimpleUploadedFile("功能清单.csv", "功能点名称,类别\n项目信息,XYZ\n".encode())
    page = text(client_for("unit").post("/appraisals/fpa/", {**data, "file": bad, "sheet": ""}))
    assert "功能清单有误" in page and "XYZ" in page


def test_the_review_centre_saves_a_function_point_review_and_carries_it_into_the_review(world, client_for):
    project = new_project(world, "ZY-RJ", "6000000.00")
    c = client_for("review_center")
    url = f"/appraisals/project/{project.pk}/fpa/"
    page = text(c.get(url))
    assert 'name="requested_wan" value="600"' in page
    data = {**FUNCTIONS, "benchmark": "CSBMK-202510", "city": "北京", "stage": "预算", "percentile": "P50"}
    data |= {"project_kind": "新建", "requested_wan": "600", "action": "compute"}
    page = text(c.post(url, data))
    saved = FunctionPointReview.objects.get(project=project)
    assert saved.estimate_yuan == D("51854.32") and saved.items.count() == 5
    assert saved.proposed_approved_yuan == D("51854.32")
    assert "建议审定" in page and "审减率" in page
    carry = re.search(r'id="fp-carry" href="([^"]+)"', page)
    assert carry is not None
    review_form = text(c.get(carry.group(1).replace("&amp;", "&")))
    assert 'name="approved_wan" value="5.185432"' in review_form
    # The saved list comes back on the next visit, computed.
    again = text(c.get(url))
    assert 'value="财政一体化接口"' in again and "51,854.32" in again
    # A unit may compute on its project's page, but nothing is stored.
    c_unit = client_for("unit")
    c_unit.post(url, {**data, "requested_wan": "1"})
    assert FunctionPointReview.objects.get(project=project).requested_yuan == D("6000000")
    assert client_for("unit_b").get(url).status_code == 404


# --- The project page and the gate ---------------------------------------------------------------------


def test_the_project_page_shows_the_appraisal_card(world, client_for):
    project = new_project(world, "ZY-600", "6000000.00")
    small = world.projects["c1.unit_a.P1"]
    c = client_for("unit")
    page = text(c.get(f"/projects/{project.pk}/"))
    assert "须开展事前绩效评估：新增项目 · 特定目标类 · 申报600.00万元 ≥ 500.00万元" in page
    assert "尚未评估" in page and "发起事前评估" in page
    assert "按本地区规则无需开展事前绩效评估" in text(c.get(f"/projects/{small.pk}/"))
    passed(world, project)
    review = services.save_budget_review(
        actor=world.users["review_center"],
        project=project,
        amounts=services.ReviewAmounts(D("6000000"), D("4800000"), D("1200000")),
    )
    assert review.pk
    page = text(c.get(f"/projects/{project.pk}/"))
    assert "已出结论（予以支持）" in page and "审定 <strong>480.00</strong>" in page
    assert "发起事前评估" not in page


@pytest.mark.parametrize("action", ["admit", "approve_budget"])
def test_the_gate_message_shows_on_the_project_page(world, client_for, action):
    project = new_project(world, "ZY-600", "6000000.00")
    project = project_services.transition_project(actor=world.users["unit"], project=project, action="submit")
    if action == "approve_budget":
        # Admitted before the rule applied to it, with its goal passed: the budget is still gated.
        Project.objects.filter(pk=project.pk).update(status=Project.Status.IN_LIBRARY)
        pass_goal(world, project)
    page = text(client_for("budget").post(f"/projects/{project.pk}/transition/", {"action": action}, follow=True))
    doing = "纳入项目库" if action == "admit" else "批复预算"
    assert f"项目“ZY-600 ZY-600信息化建设项目”须开展事前绩效评估，尚未评估，不能{doing}。" in page
    assert Project.objects.get(pk=project.pk).status != Project.Status.BUDGETED
