"""Real published 自评表, transcribed cell by cell in their own layouts (the stored copies at the URLs below), scored
by `jixiao score`: the totals and grades by the official method, and the reconciliation naming exactly where a
published form added, rounded or judged differently. Where a stored copy stops, the transcription stops too."""

import json
from decimal import Decimal
from pathlib import Path

from django.core.management import call_command
from openpyxl import Workbook

from jixiao.rules import scoring
from jixiao.rules.selfeval_workbook import read_workbook, score

ZHONGJIANG = "https://chacewang.com/newsdetail/news242266.html"  # 中江县水利局, 2022, national variant
TANGXI = "http://www.anthempetcare.com/upload_cz/download?id=502364&siteId=2"  # 棠溪镇, 2022, national 附件1
QINGSHEN = "https://www.scqs.gov.cn/info/13206/211004.htm"  # 青神县发改局, 2023, 四川 layout
DAYING = "https://dyxrmt.cn/article-157795-21.html"  # 大英县司法局, 2023, 四川 layout (a form's last rows)


def _sheet(path: Path, rows: list[list], merges: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    for row in rows:
        ws.append([None if v == "" else v for v in row])
    for area in merges:
        ws.merge_cells(area)
    wb.save(path)
    return path


def zhongjiang(path: Path) -> Path:
    rows = [
        ["绩效目标自评表"],
        ["（2022年度）"],
        [
            "项目名称",
            "中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装",
            "",
            "",
            "项目负责人及电话",
            "谢凯13990260322(办公)",
        ],
        ["主管部门", "中江县水利局", "", "", "实施单位", "中江县水利局"],
        ["资金情况（万元）", "", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分"],
        ["", "年度资金总额：", 20, 20, 10, "100.00%", 10],
        ["", "其中：本年财政拨款", 20, 20],
        ["", "其他资金"],
        ["年度总体目标", "年初设定目标", "", "", "年度总体目标完成情况综述"],
        [
            "",
            "对农村地区供水计量设施设备进行改进，对项目区农业用水计量，为项目区农业生产夯实基础，",
            "",
            "",
            "对项目区农业用水计量，为项目区农业生产夯实基础，",
        ],
        [
            "绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "分值",
            "年度指标值",
            "全年实际值",
            "得分",
            "未完成原因及拟采取的改进措施",
        ],
        ["", "产出指标（70分）", "数量指标", "安装坡面水标尺", 10, "≥266米", "≥266米", 10],
        ["", "", "", "水标尺宽度", 10, "≥50厘米", "≥50厘米", 10],
        ["", "", "质量指标", "项目（工程）验收合格率", 20, "100%", "100%", 20],
        ["", "", "时效指标", "及时（按期）开工率", 10, "≥90%", "≥90%", 10],
        ["", "", "", "及时（按期）完工率", 10, "≥90%", "≥90%", 10],
        ["", "", "成本指标", "项目计划总投资", 10, "20万元", "20万元", 10],
        ["", "效益指标（20分）", "经济效益指标"],
        ["", "", "社会效益指标", "受益脱贫（含监测对象）户人口数", 10, "≥1000人", "≥1000人", 10],
        ["", "", "", "群众生产生活条件改善状况", 10, "显著提升", "显著提升", 10],
        ["", "满意度指标（10分）", "服务对象满意度指标", "受益脱贫（含监测对象）户满意度", 10, "≥95%", "≥95%", 10],
        ["", "……"],
        ["总分", "", "", "", 100, "", "", 100],
    ]
    return _sheet(path, rows, ("A1:I1", "A5:B5", "A11:A22", "B12:B17", "C12:C13", "C15:C16", "B18:B20", "C19:C20"))


def tangxi(path: Path) -> Path:
    # The stored copy ends inside the 满意度指标 row: the transcription ends at the row before it.
    rows = [
        ["项目支出绩效自评表"],
        ["（2022年度）"],
        ["项目名称", "委托业务项目"],
        ["主管部门", "219-池州市贵池区棠溪镇人民政府", "", "", "实施单位", "219001-池州市贵池区棠溪镇人民政府"],
        ["项目资金\n（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["", "年度资金总额：", 0, 0, 0, 10, 0, 0],
        ["", "其中：本年财政拨款", 90, 89.974, 89.974],
        ["", "上年结转资金"],
        ["", "其他资金"],
        ["年度总体目标", "预期目标", "", "", "实际完成情况"],
        [
            "",
            "本项目共申请预算资金90万元。其中：30万元用于基建工程项目预算编制；30万元用于基建工程项目审计；"
            "30万元用于基建工程项目设计、规划、测绘。",
            "",
            "",
            "本项目共完成预算资金89.97万元。其中：30万元用于基建工程项目预算编制；30万元用于基建工程项目审计；"
            "29.99万元用于基建工程项目设计、规划、测绘。",
        ],
        [
            "绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ],
        ["", "产出指标（50分）", "数量指标", "基建工程委托业务项目数量", "≥50个", 50, 8, 8],
        ["", "", "质量指标", "委托业务报告合格率", "≥100百分比", 100, 8, 8],
        ["", "", "", "经费支出合规性", "严格执行相关制度规定", "达成预期指标", 8, 8],
        ["", "", "时效指标", "提交报告及时性", "在项目计划完成时间内完成", "达成预期指标", 8, 8],
        ["", "", "成本指标", "项目总成本", "≤90万元", 90, 8, 8],
        ["", "", "", "单项业务成本", "符合相关规定", "达成预期指标", 10, 10],
        ["", "效益指标（30分）", "社会效益指标", "对维护基建市场公平的影响程度", "效果明显", "达成预期指标", 10, 10],
        ["", "", "生态效益指标", "对控制基建项目成本影响程度", "效果明显", "达成预期指标", 10, 10],
        [
            "",
            "",
            "可持续影响指标",
            "对推动基建项目“四项制度”健全和落实的持续性影响",
            "效果明显",
            "达成预期指标",
            10,
            10,
        ],
        ["", "", "经济效益指标"],
    ]
    return _sheet(path, rows, ("A1:I1", "A5:A9", "A12:A24", "B13:B18", "C15:C16", "C17:C18", "B19:B22"))


def qingshen(path: Path) -> Path:
    note = (
        "1.预算执行率=预算执行数/调整后预算数，预算执行率未达到90%的需说明原因（100字以内）；2.年中发生预算调整的"
        "（追加或调减），应单独说明理由；3.其他资金包括：社会投入资金、银行贷款."
    )
    rows = [
        ["报表编号：510000_0013zp"],
        ["部门预算项目支出绩效自评表（2023年度）"],
        ["项目名称", "51000021R000000019951-工资性支出"],
        ["主管部门", "青神县发展和改革局本级", "", "", "实施单位\n（盖章）", "青神县发展和改革局"],
        ["项目基本情况", "1.项目年度目标完成情况", "项目年度目标", "", "", "年度目标完成情况"],
        [
            "",
            "",
            "严格执行相关政策，保障工资及时、足额发放或社保及时、足额缴纳，预算编制科学合理，减少结余资金。",
            "",
            "",
            "对照年度目标，说明相关任务目标的完成情况（100字以内）",
        ],
        ["", "2.项目实施内容及过程概述"],
        [
            "预算执行情况（10分）",
            "年度预算数（万元）",
            "年初预算",
            "调整后预算数",
            "预算执行数",
            "预算执行率",
            "权重",
            "得分",
            "原因",
        ],
        ["", "总额", 238.93, 251.89, 251.89, "100.00%", 10, "", note],
        ["", "其中：财政资金", 238.93, 251.89, 251.89, "100.00%", "/", "/"],
        ["", "财政专户管理资金", 0, 0, 0, "0.00%", "/", "/"],
        ["", "单位资金", 0, 0, 0, "0.00%", "/", "/"],
        ["", "其他资金", "", "", "", "", "/", "/"],
        [
            "绩效指标（90分）",
            "一级指标",
            "二级指标",
            "三级指标",
            "指标性质",
            "指标值",
            "度量单位",
            "完成值",
            "权重",
            "得分",
            "未完成原因分析",
        ],
        ["", "产出指标", "数量指标", "发放（缴纳）覆盖率", "=", 100, "%", "", 60],
        ["", "效益指标", "社会效益指标", "足额保障率（参保率）", "=", 100, "%", "", 30],
        ["合计", "", "", "", "", "", "", "", 100],
        ["评价结论", "结合自评情况，说明项目自评总分，说明项目实施取得的成效或成果。（200字以内）"],
    ]
    return _sheet(path, rows, ("A8:A13", "A14:A16"))


def daying(path: Path) -> Path:
    # The stored copy starts with the last rows of a form; its top (and its 预算执行情况) are not in the copy.
    rows = [
        [
            "绩效指标（90分）",
            "一级指标",
            "二级指标",
            "三级指标",
            "指标性质",
            "指标值",
            "度量单位",
            "完成值",
            "权重",
            "得分",
            "未完成原因分析",
        ],
        ["", "产出指标", "经济成本指标", "成本控制数", "≤", 30, "万元", "完成", 90, 90],
        ["合计", "", "", "", "", "", "", "", 100],
        ["评价结论", "根据财政局资金下达的管理办法，将资金支付给项目施工方。"],
    ]
    return _sheet(path, rows)


def test_zhongjiang_points_add_to_110_while_the_form_prints_100(tmp_path, capsys):
    (form,) = read_workbook(zhongjiang(tmp_path / "zj.xlsx"))
    assert form.layout == scoring.NATIONAL and form.header["name"].startswith("中江县农业水价")
    assert form.expected_goal.startswith("对农村地区供水计量") and form.funds.adjusted == 20
    assert [r.indicator.level1 for r in form.rows][:1] == ["产出指标"]  # 「（70分）」 is a note, not the name
    assert len(form.rows) == 9 and form.published_total == 100
    scored = score(form, scoring.Settings())
    # Every indicator met and 100% executed: 10 + 70 + 20 + 10 = 110 points, all earned.
    assert scored.result.total == 110 and scored.result.grade == "优"
    assert "各项分值合计为 110，不是100" in scored.result.warnings
    rec = scored.reconciliation
    assert [(d.item, d.published, d.computed) for d in rec.differences] == [("总分", 100, 110)]
    assert rec.notes == ("公布的总分 100 不等于公布的各项得分之和 110",)
    call_command("score", str(tmp_path / "zj.xlsx"), "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["forms"][0]["reconciliation"]["differences"][0]["item"] == "总分"


def test_tangxi_total_row_left_at_zero_and_judged_rows(tmp_path):
    (form,) = read_workbook(tangxi(tmp_path / "tx.xlsx"))
    # 年度资金总额 printed 0 0 0 with 得分 0; the 其中 row holds 89.974 of 89.974.
    assert form.funds.adjusted == Decimal("89.974") and form.funds.spent == Decimal("89.974")
    assert form.published_execution == 0
    assert any("年度资金总额为0" in n for n in form.notes)
    scored = score(form, scoring.Settings())
    assert scored.result.execution.score == 10
    assert len(form.rows) == 9  # the empty 经济效益指标 row is not an indicator
    rec = scored.reconciliation
    # Only the execution differs: the form scored 0 where the money was 100% spent. The 定性 rows written
    # 「达成预期指标」 at full points agree with the 达成 tier.
    assert [(d.item, d.published, d.computed) for d in rec.differences] == [("预算执行率", 0, 10)]
    assert scored.result.total == 10 + 8 * 5 + 10 * 4  # the transcription stops before 满意度指标


def test_qingshen_sichuan_layout_unfilled(tmp_path):
    (form,) = read_workbook(qingshen(tmp_path / "qs.xlsx"), blank_actuals=True)
    assert form.layout == scoring.SICHUAN and form.header["unit"] == "青神县发展和改革局"
    assert (form.funds.initial, form.funds.adjusted, form.funds.spent) == (
        Decimal("238.93"),
        Decimal("251.89"),
        Decimal("251.89"),
    )
    assert form.published_execution is None  # 得分 left empty
    assert [r.indicator.weight for r in form.rows] == [60, 30]
    assert form.published_total is None  # 「合计 100」 stands under 权重: the points available, not a score
    assert scoring.score_execution(form.funds).score == 10


def test_daying_quantitative_row_judged_as_done(tmp_path, capsys):
    path = daying(tmp_path / "dy.xlsx")
    (form,) = read_workbook(path)
    scored = score(form, scoring.Settings())
    assert scored.result.total == 90 and form.published_total is None
    (note,) = scored.reconciliation.notes
    assert "第2行“成本控制数”" in note and "完成" in note and "评定分" in note
    call_command("score", str(path))
    assert "评定分" in capsys.readouterr().out


def test_sources_are_named():
    assert all(url.startswith("http") for url in (ZHONGJIANG, TANGXI, QINGSHEN, DAYING))
