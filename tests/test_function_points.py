"""Function-point cost review: the chain step by step, the benchmark versions' refusals, the workbook, the CLI."""

import json
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.imports.tables import TableError
from jixiao.rules.fp_benchmarks import BENCHMARKS, CSBMK_202510, find_benchmark
from jixiao.rules.fp_workbook import read_function_list
from jixiao.rules.function_points import (
    FPError,
    FunctionItem,
    Options,
    as_dict,
    estimate,
    excel_round,
    fp_unit_price,
    published_price_check,
)


def items(ilf: int = 2, eif: int = 1, ei: int = 3, eo: int = 2, eq: int = 2, **extra: str) -> list[FunctionItem]:
    counts = {"ILF": ilf, "EIF": eif, "EI": ei, "EO": eo, "EQ": eq}
    return [FunctionItem(f"{kind}{n}", kind, **extra) for kind, count in counts.items() for n in range(count)]


def by_key(steps: list) -> dict:
    return {s.key: s for s in steps}


# --- Figures from the domain reference -----------------------------------------------------------------


def test_excel_round_is_half_up_after_15_significant_digits():
    # §8.4: 8.87 × 26009.5 = 230704.265 → Excel .27 (a float rounded half-up gives .26)
    assert excel_round(D("8.87") * D("26009.5"), 2) == D("230704.27")
    assert excel_round(D("2.5"), 0) == D(3)
    assert excel_round(D("0.125"), 2) == D("0.13")
    assert excel_round(D(1) / D(3) * 3, 2) == D("1.00")


def test_beijing_unit_price_against_the_published_one():
    # §8.4: 32198 × 6.72 / 174 = 1243.5090 → 1243.51; the 2025 release prints 1243.52, kept as published.
    assert fp_unit_price(CSBMK_202510, D(32198), D("6.72")) == D("1243.51")
    result = estimate(items(), Options(city="北京"))
    assert published_price_check(result) == (D("1243.51"), D("1243.52"))
    assert CSBMK_202510.published_fp_price["北京"].label == "[S]"


def test_csbmk_chain_step_by_step():
    # UFP = 10×2 + 7×1 + 4×3 + 5×2 + 4×2 = 57; S = 57 × 1.39 = 79.23; AE = 79.23 × 6.72 = 532.4256 h;
    # cost = 532.4256 × 32198 / 174 = 98523.2153… → 98523.22
    result = estimate(items(), Options(city="北京", stage="预算"))
    steps = by_key(result.steps())
    assert steps["ufp"].result == 57
    assert steps["us"].result == 57
    assert steps["scale"].result == D("79.23")
    assert steps["effort"].result == D("532.4256")
    assert steps["person_months"].rounded is None  # CSBMK does not round in between
    assert steps["cost"].result == D("98523.22") and steps["cost"].rounded == 2
    assert result.bands["P25"].cost == D("55272.70")  # 79.23 × 3.77 × 32198 / 174 = 55272.6967
    assert result.bands["P75"].cost == D("180039.45")  # 79.23 × 12.28 × 32198 / 174 = 180039.4471
    assert "32198" in steps["cost"].formula and "1.39" in steps["scale"].formula


def test_reuse_change_and_detailed_count():
    listed = [
        FunctionItem("档案", "ILF", method="详细", det=20, ret=2, reuse="高"),  # 中 → 10 × 1/3
        FunctionItem("录入", "EI", method="详细", det=16, ftr=3, change="修改"),  # 高 → 6 × 0.8
        FunctionItem("报表", "EO", method="详细", det=5, ftr=1),  # 低 → 4
        FunctionItem("外部库", "外部接口文件", method="预估"),  # 15
    ]
    result = estimate(listed, Options(city="西安", stage="招投标", project_kind="升级改造"))
    assert [r.complexity for r in result.items] == ["中", "高", "低", ""]
    assert [r.ufp for r in result.items] == [10, 6, 4, 15]
    assert by_key(result.steps())["ufp"].result == 35
    # US = 10/3 + 4.8 + 4 + 15 = 27.1333…; S × 1.21; cost at 西安 25415, P50 6.72
    expected = excel_round((D(10) / 3 + D("4.8") + 4 + 15) * D("1.21") * D("6.72") * 25415 / 174, 2)
    assert result.cost == expected == D("32225.43")


def test_liuzhou_rounds_size_months_and_cost_and_has_no_cf():
    # 57 × 0.9 = 51.30 FP; 51.30 × 6.51 / 174 = 1.9193 → 1.92 人月; 1.92 × 17000 = 32640.00
    result = estimate(items(), Options(benchmark="柳财审〔2020〕16号", factors={"软件类别": "业务处理=0.9"}))
    steps = by_key(result.steps())
    assert "scale" not in steps
    assert steps["size_factor"].result == D("51.30") and steps["size_factor"].rounded == 2
    assert steps["person_months"].result == D("1.92")
    assert result.cost == D("32640.00")
    assert set(result.bands) == {"P50"} and result.missing_bands == ("P25", "P75")


def test_beijing_standard_uses_176_hours():
    # 10 UFP × 1.22 (招投标) × 6.65 = 81.13 h; 81.13 × 25500 / 176 = 11754.63
    result = estimate([FunctionItem("档案", "ILF")], Options(benchmark="DB11", stage="招投标"))
    assert result.industry == "电子政务"
    assert by_key(result.steps())["person_months"].formula.endswith("÷ 176")
    assert result.cost == D("11754.63")


def test_review_proposes_approved_and_reduction():
    result = estimate(items(), Options(city="北京", requested=D("200000")))
    review = result.review
    assert review.approved == D("98523.22")
    assert review.reduction == D("101476.78")
    assert review.reduction_rate == D("50.74")
    lower = estimate(items(), Options(city="北京", requested=D("90000"))).review
    assert lower.approved == D("90000") and lower.reduction == 0


# --- Refusals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "options", "says"),
    [
        (items(), Options(city="北京", factors={"应用类型": "科技"}), "须写明取值依据"),
        (items(), Options(city="宝鸡"), "未给出“宝鸡”的人月费率"),
        (items(), Options(), "请指定城市"),
        (items(), Options(benchmark="DB11", stage="预算"), "没有“预算”阶段"),
        (items(reuse="高"), Options(benchmark="CSBMK-201809", rate=D(20000), rate_basis="本地"), "未取得复用程度系数"),
        (items(), Options(benchmark="CSBMK-201809", rate=D(20000), rate_basis="本地"), "未取得规模变更调整因子"),
        (items(reuse="中"), Options(benchmark="SSM-BK-202509", city="北京"), "未取得复用程度系数"),
        (items(change="修改"), Options(city="北京"), "新建开发项目只计新增功能"),
        (items(change="修改"), Options(benchmark="柳州", project_kind="升级改造"), "未规定修改类型"),
        (items(), Options(benchmark="柳州"), "必须乘“软件类别”"),
        (items(), Options(benchmark="柳州", factors={"软件类别": "人工智能=1.6"}), "1–1.5 之间"),
        (
            items(),
            Options(benchmark="柳州", factors={"软件类别": "业务处理"}, pdr=D("8"), pdr_basis="复杂"),
            "只能上下浮动 20%",
        ),
        (items(), Options(city="北京", pdr=D("7")), "须写明取值依据"),
        (items(), Options(city="北京", dnc=D("5000")), "说明原因及测算依据"),
        (items(), Options(city="北京", percentile="P60"), "未给出“全行业”生产率的 P60"),
        (items(), Options(city="北京", industry="教育"), "没有“教育”行业"),
        ([FunctionItem("录入", "EI", method="预估")], Options(city="北京"), "预估功能点法只计 ILF、EIF"),
        ([FunctionItem("档案", "ILF", method="详细", det=3)], Options(city="北京"), "需要 DET 和 RET"),
        (
            [FunctionItem("档案", "ILF", method="详细", det=3, ret=1)],
            Options(benchmark="DB11", stage="招投标"),
            "IFPUG",
        ),
        ([FunctionItem("档案", "表")], Options(city="北京"), "类别“表”无法识别"),
        (items(), Options(benchmark="CSBMK-2099"), "没有基准版本"),
    ],
)
def test_refusals_say_what_is_missing(listed, options, says):
    with pytest.raises(FPError) as exc:
        estimate(listed, options)
    assert says in exc.value.message


def test_a_written_basis_admits_a_factor_above_one_and_a_custom_productivity():
    options = Options(city="北京", factors={"应用类型": "科技"}, bases={"应用类型": "科学计算为主"})
    assert estimate(items(), options).cost == excel_round(D("79.23") * D("6.72") * D("1.2") * 32198 / 174, 2)
    liuzhou = Options(benchmark="柳州", factors={"软件类别": "业务处理"}, pdr=D("7.5"), pdr_basis="流程复杂")
    result = estimate(items(), liuzhou)
    assert result.chosen == "自定" and result.bands["自定"].pdr == D("7.5")
    assert "流程复杂" in by_key(result.steps())["effort"].inputs[0][1]


def test_ssm_has_only_the_median():
    # 10 UFP × 1.70 (预算) × 6.96 × 33400 / 174 = 22712.00
    result = estimate([FunctionItem("档案", "ILF")], Options(benchmark="SSM-BK-202509", city="北京"))
    assert set(result.bands) == {"P50"} and result.missing_bands == ("P25", "P75")
    assert result.cost == D("22712.00")
    with pytest.raises(FPError, match="未给出“全行业”生产率的 P25"):
        estimate([FunctionItem("档案", "ILF")], Options(benchmark="SSM-BK-202509", city="北京", percentile="P25"))


def test_quality_scores_follow_the_version_scale():
    zero_to_two = {"分布式处理": 2, "性能": 0, "可靠性": 0, "多重站点": 0}
    with pytest.raises(FPError, match="0/1/2"):
        estimate(items(), Options(city="北京", factors={"质量特性": {**zero_to_two, "性能": -1}}))
    with pytest.raises(FPError, match="-1/0/1"):
        estimate(items(), Options(benchmark="DB11", stage="招投标", factors={"质量特性": zero_to_two}))
    below = {"分布式处理": -1, "性能": -1, "可靠性": 0, "多重站点": 0}
    result = estimate(
        [FunctionItem("档案", "ILF")], Options(benchmark="DB11", stage="招投标", factors={"质量特性": below})
    )
    assert result.cost == excel_round(D("81.13") * D("0.95") * 25500 / 176, 2)


def test_every_table_names_its_source_and_label():
    for bench in BENCHMARKS.values():
        tables = [bench.estimated_weights, bench.reuse, bench.change, bench.scale_change, bench.rates]
        tables += list(bench.pdr.values()) + list((bench.detailed_weights or {}).values())
        for table in filter(None, tables):
            assert table.source and table.label in ("[V]", "[S]")
        for factor in bench.factors.values():
            assert factor.source and factor.label in ("[V]", "[S]")
        assert bench.hours_per_month.source
    assert find_benchmark("csbmk®-202510") is CSBMK_202510


# --- Properties ----------------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=40)


@settings(max_examples=60, deadline=None)
@given(counts, counts, counts, counts, counts, st.sampled_from(["ILF", "EIF", "EI", "EO", "EQ"]))
def test_cost_grows_with_size_and_the_range_is_ordered(ilf, eif, ei, eo, eq, extra):
    listed = items(ilf, eif, ei, eo, eq)
    if not listed:
        return
    base = estimate(listed, Options(city="成都"))
    more = estimate([*listed, FunctionItem("新增项", extra)], Options(city="成都"))
    assert more.cost > base.cost
    assert base.bands["P25"].cost <= base.bands["P50"].cost <= base.bands["P75"].cost


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2), st.integers(min_value=1, max_value=60))
def test_requested_equals_approved_plus_reduction(requested, ilf):
    review = estimate(items(ilf, 0, 0, 0, 0), Options(city="上海", requested=requested)).review
    assert review.requested == review.approved + review.reduction
    assert review.approved <= review.requested and review.approved <= review.estimate
    assert review.reduction >= 0


# --- Workbook and CLI ----------------------------------------------------------------------------------


def write_list(path: Path, rows: list[list]) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("功能清单")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return path


HEADER = ["序号", "子系统", "模块", "功能点名称", "功能点类型", "复用程度", "修改类型", "DET", "RET", "FTR"]
GOOD = [
    ["某平台功能清单"],
    HEADER,
    [1, "门户", "用户管理", "用户信息", "ILF", "低", "新增"],
    [2, "", "", "用户查询", "EQ", "中", "新增"],
    [3, "", "登录", "登录", "外部输入", "", ""],
    [4, "后台", "统计", "统计报表", "EO", "高", ""],
    ["", "", "", "合计", "", "", ""],
]


def test_workbook_reads_paths_filled_down(tmp_path):
    listed = read_function_list(write_list(tmp_path / "list.xlsx", GOOD))
    assert [i.path for i in listed] == [("门户", "用户管理"), ("门户", "用户管理"), ("门户", "登录"), ("后台", "统计")]
    assert [i.type for i in listed] == ["ILF", "EQ", "外部输入", "EO"]
    assert listed[0].where == "工作表“功能清单”第3行"


def test_workbook_errors_name_sheet_row_and_column(tmp_path):
    rows = [
        HEADER,
        [1, "门户", "用户", "", "ILF"],
        [2, "门户", "用户", "查询", "表格"],
        [3, "门户", "用户", "档案", "ILF", "", "", "2.5", "1"],
    ]
    with pytest.raises(TableError) as exc:
        read_function_list(write_list(tmp_path / "bad.xlsx", rows))
    text = [str(p) for p in exc.value.problems]
    assert text[0] == "工作表“功能清单” 第2行 D列 （功能点名称）：缺少功能点名称"
    assert text[1].startswith("工作表“功能清单” 第3行 E列 （功能点类型）：类别“表格”无法识别")
    assert text[2] == "工作表“功能清单” 第4行 H列 （DET）：DET“2.5”应为非负整数"


def test_cli_prints_the_chain_and_the_review(tmp_path, capsys):
    path = write_list(tmp_path / "list.xlsx", GOOD)
    call_command("fpa", str(path), "--city", "北京", "--requested", "50000")
    out = capsys.readouterr().out
    # UFP 10 + 4 + 4 + 5 = 23; US = 10 + 4×2/3 + 4 + 5×1/3 = 18.3333…; S × 1.39; P50 6.72; 北京 32198
    assert "UFP = Σ UFP_i（ILF 10 + EI 4 + EO 5 + EQ 4） = 23 功能点" in out
    assert "测算结果（P50）：31,688.75 元" in out
    assert "送审 50,000.00 元；建议审定 31,688.75 元；审减 18,311.25 元；审减率 36.62%" in out
    assert "基准公布 1243.52 元/功能点" in out
    call_command("fpa", str(path), "--city", "北京", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["cost"] == "31688.75" and data["benchmark"]["id"] == "CSBMK-202510"
    assert [s["key"] for s in data["bands"]["P50"]["steps"]] == ["effort", "person_months", "cost"]


def test_cli_refusal_is_a_command_error(tmp_path):
    path = write_list(tmp_path / "list.xlsx", GOOD)
    with pytest.raises(CommandError, match="未给出“宝鸡”的人月费率"):
        call_command("fpa", str(path), "--city", "宝鸡")


def test_cli_runs_without_a_database(tmp_path):
    path = write_list(tmp_path / "list.xlsx", GOOD)
    env = {**os.environ, "DATABASE_URL": "postgres://nobody:none@127.0.0.1:9/none", "JIXIAO_DATA_DIR": str(tmp_path)}
    jixiao = Path(sys.executable).with_name("jixiao")
    run = subprocess.run(  # noqa: S603 (our own console script)
        [str(jixiao), "fpa", str(path), "--city", "北京", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["cost"] == "31688.75"


def test_as_dict_keeps_exact_numbers():
    data = as_dict(estimate(items(), Options(city="北京")))
    assert data["size"] == "79.23" and data["bands"]["P50"]["effort_hours"] == "532.4256"


# --- Published figures ---------------------------------------------------------------------------------

SSM_SOURCE = (
    "SSM-BK-202509 第3.14节 功能点单价（北京，开发）1336.00 元/功能点，转录于 "
    "https://github.com/vinnyren/cost-estimation/blob/3d4e54e3f0979b73aaed0ed745ff6929c1079075/server/app/data/ssm_bk_202509.json"
)


def test_ssm_beijing_unit_price_is_reproduced_to_the_cent(tmp_path, capsys):
    # SSM_SOURCE: 33400 元/人月 × 6.96 人时/功能点 ÷ 174 = 1336.00 exactly. SSM-BK gives no reuse factors.
    path = write_list(tmp_path / "list.xlsx", [[c if i != 5 else "" for i, c in enumerate(r)] for r in GOOD])
    call_command("fpa", str(path), "--benchmark", "SSM-BK-202509", "--city", "北京", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["published_unit_price_check"]["computed"] == data["published_unit_price_check"]["published"]
    assert data["published_unit_price_check"]["published"] == "1336.00"
    # The chain at P50 is the published unit price times the size: S = 23 × 1.70 (预算) = 39.1, × 1336.00.
    assert data["size"] == "39.10" and data["cost"] == "52237.60"
    call_command("fpa", str(path), "--benchmark", "SSM-BK-202509", "--city", "北京")
    out = capsys.readouterr().out
    assert "人月费率 × PDR ÷ HM = 1336.00 元/功能点，基准公布 1336.00 元/功能点" in out
    assert "相差" not in out


def test_csbmk_beijing_price_is_shown_as_unverified(tmp_path, capsys):
    # 1243.52 is not reachable from the published, rounded inputs (32198, 6.72, 174): the line says so.
    path = write_list(tmp_path / "list.xlsx", GOOD)
    call_command("fpa", str(path), "--city", "北京")
    out = capsys.readouterr().out
    assert "基准公布 1243.52 元/功能点，相差 0.01 元" in out
    assert "公布单价说明：" in out and "未能核实" in out and "32198.13" in out
