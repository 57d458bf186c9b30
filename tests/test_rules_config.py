"""Rule configuration: inheritance down the regions, versions, refusal of bad values, page, API and CLI.

The world (tests/world.py): 吕梁市 (city) with 中阳县 (c1) and 交口县 (c2) below it. "city_performance"
is 吕梁市财政局绩效科, "performance" is 中阳县's 绩效股 and "budget" 中阳县's 预算股 (may read rules only).
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from jixiao.core.errors import DomainError, PermissionDenied
from jixiao.core.models import AuditEvent
from jixiao.orgs import services
from jixiao.orgs.forms import parse_value
from jixiao.orgs.models import RuleSetting
from jixiao.orgs.rules_config import resolve, resolve_all
from jixiao.rules.config import DEFINITIONS

BANDS = "evaluation.grade_bands"
WEIGHTS = "self_evaluation.weights"
THRESHOLD = "appraisal.new_project_threshold_yuan"
CITY_BANDS = [
    {"grade": "优", "min": "85"},
    {"grade": "良", "min": "75"},
    {"grade": "中", "min": "60"},
    {"grade": "差", "min": "0"},
]
COUNTY_BANDS = [{"grade": "优", "min": "95"}, {"grade": "合格", "min": "60"}, {"grade": "不合格", "min": "0"}]


def set_rule(world, who, key, region, value, year=None, source="吕财绩〔2024〕3号"):
    return services.set_rule(
        actor=world.users[who], key=key, region=world.regions[region], fiscal_year=year, value=value, source=source
    )


# --- Inheritance and versions ------------------------------------------------------------------------


def test_without_settings_every_rule_is_the_national_default(world):
    rules = resolve_all(world.regions["c1"], 2024)
    assert set(rules) == set(DEFINITIONS)
    for key, rule in rules.items():
        assert rule.origin == "全国默认"
        assert rule.value == DEFINITIONS[key].default
        assert rule.source == DEFINITIONS[key].source
        assert rule.version is None


def test_a_city_setting_applies_to_its_counties_until_a_county_overrides(world):
    set_rule(world, "city_performance", BANDS, "city", CITY_BANDS)
    for county in ("c1", "c2"):
        rule = resolve(BANDS, world.regions[county], 2024)
        assert rule.value == CITY_BANDS
        assert rule.origin == "吕梁市（各年度）"
        assert rule.source == "吕财绩〔2024〕3号"

    set_rule(world, "performance", BANDS, "c1", COUNTY_BANDS, source="中财绩〔2024〕1号")
    assert resolve(BANDS, world.regions["c1"], 2024).value == COUNTY_BANDS
    assert resolve(BANDS, world.regions["c1"], 2024).origin == "中阳县（各年度）"
    # The neighbouring county and the city itself keep the city's value.
    assert resolve(BANDS, world.regions["c2"], 2024).value == CITY_BANDS
    assert resolve(BANDS, world.regions["city"], 2024).value == CITY_BANDS
    # The province above is untouched.
    assert resolve(BANDS, world.regions["prov"], 2024).origin == "全国默认"


def test_a_year_specific_setting_beats_an_every_year_one(world):
    set_rule(world, "performance", THRESHOLD, "c1", "3000000")
    set_rule(world, "performance", THRESHOLD, "c1", "2000000", year=2024)
    assert resolve(THRESHOLD, world.regions["c1"], 2024).value == "2000000"
    assert resolve(THRESHOLD, world.regions["c1"], 2024).origin == "中阳县（2024年度）"
    assert resolve(THRESHOLD, world.regions["c1"], 2025).value == "3000000"
    assert resolve(THRESHOLD, world.regions["c1"], 2025).origin == "中阳县（各年度）"


def test_each_change_is_a_new_version_and_the_newest_applies(world):
    first = set_rule(world, "performance", THRESHOLD, "c1", "3000000")
    second = set_rule(world, "performance", THRESHOLD, "c1", "4000000", source="中财绩〔2025〕2号")
    assert (first.version, second.version) == (1, 2)
    rule = resolve(THRESHOLD, world.regions["c1"], 2024)
    assert (rule.value, rule.version, rule.source) == ("4000000", 2, "中财绩〔2025〕2号")
    # The old version is kept, unchanged.
    assert RuleSetting.objects.get(pk=first.pk).value == "3000000"


def test_rule_changes_are_audited_in_the_region(world):
    setting = set_rule(world, "performance", THRESHOLD, "c1", "3000000")
    event = AuditEvent.objects.get(action="rule.set", object_id=str(setting.pk))
    assert event.actor == world.users["performance"]
    assert event.region_path == world.regions["c1"].path
    assert event.after["value"] == "3000000"
    assert event.after["source"] == "吕财绩〔2024〕3号"


# --- Refusals ----------------------------------------------------------------------------------------


def test_weights_not_summing_to_100_are_refused_with_the_total(world):
    with pytest.raises(DomainError, match="各项分值合计须为100，现为95"):
        set_rule(
            world, "performance", WEIGHTS, "c1", {"预算执行率": 10, "产出指标": 50, "效益指标": 25, "满意度指标": 10}
        )
    assert not RuleSetting.objects.filter(key=WEIGHTS).exists()


def test_bands_not_decreasing_are_refused(world):
    bad = [{"grade": "优", "min": "80"}, {"grade": "良", "min": "90"}, {"grade": "差", "min": "0"}]
    with pytest.raises(DomainError, match="严格递减"):
        set_rule(world, "performance", BANDS, "c1", bad)


def test_a_county_cannot_set_the_city_rules_and_a_reader_cannot_set_any(world):
    with pytest.raises(PermissionDenied):
        set_rule(world, "performance", THRESHOLD, "city", "1")
    with pytest.raises(PermissionDenied):
        set_rule(world, "budget", THRESHOLD, "c1", "1")
    with pytest.raises(PermissionDenied):
        set_rule(world, "c2_performance", THRESHOLD, "c1", "1")


def test_a_source_is_required(world):
    with pytest.raises(DomainError, match="依据"):
        set_rule(world, "performance", THRESHOLD, "c1", "1", source="  ")


# --- Friendly input ----------------------------------------------------------------------------------


def test_friendly_text_of_each_kind_of_value():
    assert parse_value(BANDS, "优 90\n良 80\n中：60\n差 0") == [
        {"grade": "优", "min": "90"},
        {"grade": "良", "min": "80"},
        {"grade": "中", "min": "60"},
        {"grade": "差", "min": "0"},
    ]
    assert parse_value(WEIGHTS, "预算执行率 10\n产出指标 50") == {"预算执行率": "10", "产出指标": "50"}
    assert parse_value("goals.exempt_categories", "人员类，公用经费、基建") == ["人员类", "公用经费", "基建"]
    assert parse_value(THRESHOLD, "5000000") == "5000000"
    assert parse_value(BANDS, '[{"grade": "优", "min": 90}]') == [{"grade": "优", "min": 90}]


# --- Page --------------------------------------------------------------------------------------------


def rules_url(region, year=2024):
    return f"{reverse('rules')}?region={region.code}&year={year}"


def test_page_shows_effective_values_and_where_they_come_from(world, client_for):
    set_rule(world, "city_performance", BANDS, "city", CITY_BANDS)
    page = client_for("performance").get(rules_url(world.regions["c1"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "中阳县 2024年度适用的规则" in html
    assert 'name="year" value="2024"' in html
    assert "优 ≥85" in html
    assert "吕梁市（各年度）" in html
    assert "全国默认" in html
    assert DEFINITIONS[WEIGHTS].source in html
    # History of the region and the regions above it.
    assert "吕财绩〔2024〕3号" in html and "第1版" in html
    # Amounts in 元 read with thousands separators, and in 万元.
    assert "5,000,000.00 元（500.00 万元）" in html


def test_posting_an_unknown_rule_answers_404(world, client_for):
    c1 = world.regions["c1"]
    response = client_for("performance").post(
        reverse("rules"), {"key": "no.such_rule", "region": c1.code, "year": "2024"}
    )
    assert response.status_code == 404
    assert not RuleSetting.objects.filter(key="no.such_rule").exists()


def test_performance_office_changes_a_rule_through_the_page(world, client_for):
    c1 = world.regions["c1"]
    client = client_for("performance")
    response = client.post(
        reverse("rules"),
        {
            "key": BANDS,
            "region": c1.code,
            "year": 2024,
            "evaluation-grade_bands-value": "优 95\n合格 60\n不合格 0",
            "evaluation-grade_bands-source": "中财绩〔2024〕1号",
            "evaluation-grade_bands-fiscal_year": "2024",
        },
    )
    assert response.status_code == 302
    rule = resolve(BANDS, c1, 2024)
    assert rule.value == COUNTY_BANDS
    assert rule.origin == "中阳县（2024年度）"
    page = client.get(response["Location"])
    assert "已保存“绩效评价等级划分”：中阳县2024年度第1版" in page.content.decode()


def test_page_shows_a_bad_value_inline_and_saves_nothing(world, client_for):
    c1 = world.regions["c1"]
    response = client_for("performance").post(
        reverse("rules"),
        {
            "key": WEIGHTS,
            "region": c1.code,
            "year": 2024,
            "self_evaluation-weights-value": "预算执行率 10\n产出指标 50\n效益指标 25\n满意度指标 10",
            "self_evaluation-weights-source": "中财绩〔2024〕1号",
        },
    )
    assert response.status_code == 400
    assert "各项分值合计须为100，现为95" in response.content.decode()
    assert not RuleSetting.objects.filter(key=WEIGHTS).exists()


def test_page_requires_a_source(world, client_for):
    response = client_for("performance").post(
        reverse("rules"),
        {
            "key": THRESHOLD,
            "region": world.regions["c1"].code,
            "year": 2024,
            "appraisal-new_project_threshold_yuan-value": "3000000",
        },
    )
    assert response.status_code == 400
    assert not RuleSetting.objects.exists()


def test_readers_see_no_edit_form_and_may_not_post(world, client_for):
    c1 = world.regions["c1"]
    page = client_for("budget").get(rules_url(c1))
    assert page.status_code == 200
    assert "保存为新版本" not in page.content.decode()
    response = client_for("budget").post(
        reverse("rules"),
        {
            "key": THRESHOLD,
            "region": c1.code,
            "appraisal-new_project_threshold_yuan-value": "1",
            "appraisal-new_project_threshold_yuan-source": "x",
        },
    )
    assert response.status_code == 403
    assert not RuleSetting.objects.exists()


def test_a_county_user_sees_its_county_and_not_the_city(world, client_for):
    client = client_for("performance")
    assert client.get(rules_url(world.regions["city"])).status_code == 404
    assert client.get(rules_url(world.regions["c2"])).status_code == 404
    # The city's finance bureau reaches its counties and may change them.
    city = client_for("city_performance")
    assert "保存为新版本" in city.get(rules_url(world.regions["c1"])).content.decode()


# --- API ---------------------------------------------------------------------------------------------


def test_api_lists_effective_rules(world, client_for):
    set_rule(world, "city_performance", THRESHOLD, "city", "8000000", year=2024)
    response = client_for("performance").get("/api/rules/", {"region": "141129", "year": 2024})
    assert response.status_code == 200
    rules = {r["key"]: r for r in response.json()}
    assert rules[THRESHOLD]["value"] == "8000000"
    assert rules[THRESHOLD]["origin"] == "吕梁市（2024年度）"
    assert rules[BANDS]["origin"] == "全国默认"
    # In 2025 the city's 2024 setting does not apply.
    rules = {r["key"]: r for r in client_for("performance").get("/api/rules/?region=141129&year=2025").json()}
    assert rules[THRESHOLD]["origin"] == "全国默认"


def test_api_sets_a_rule_and_refuses_bad_values_and_strangers(world, client_for):
    body = {
        "region": "141129",
        "key": THRESHOLD,
        "value": "2500000",
        "fiscal_year": None,
        "source": "中财绩〔2024〕1号",
    }
    created = client_for("performance").post("/api/rules/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["version"] == 1
    assert resolve(THRESHOLD, world.regions["c1"], 2024).value == "2500000"

    bad = dict(body, key=WEIGHTS, value={"产出指标": 60})
    refused = client_for("performance").post("/api/rules/", bad, content_type="application/json")
    assert refused.status_code == 400
    assert "现为60" in refused.json()["detail"]

    assert client_for("budget").post("/api/rules/", body, content_type="application/json").status_code == 403
    assert client_for("c2_performance").post("/api/rules/", body, content_type="application/json").status_code == 404
    assert client_for("unit").get("/api/rules/?region=141129").status_code == 403
    assert client_for("sysadmin").get("/api/rules/?region=141129").status_code == 403


# --- CLI ---------------------------------------------------------------------------------------------


def test_cli_sets_and_shows_rules(world):
    out = StringIO()
    call_command(
        "set_rule",
        WEIGHTS,
        '{"预算执行率": 20, "产出指标": 40, "效益指标": 30, "满意度指标": 10}',
        region="141100",
        source="吕财绩〔2024〕3号",
        user="t_city_performance",
        stdout=out,
    )
    assert "第1版" in out.getvalue()
    out = StringIO()
    call_command("show_rules", region="141129", year=2024, json=True, stdout=out)
    data = json.loads(out.getvalue())
    rules = {r["key"]: r for r in data["rules"]}
    assert rules[WEIGHTS]["value"]["预算执行率"] == "20"
    assert rules[WEIGHTS]["origin"] == "吕梁市（各年度）"
    out = StringIO()
    call_command("show_rules", region="141129", year=2024, stdout=out)
    assert "来源：吕梁市（各年度） 第1版" in out.getvalue()


def test_cli_refuses_bad_values_and_users_without_the_right(world):
    with pytest.raises(CommandError, match="现为90"):
        call_command("set_rule", WEIGHTS, '{"产出指标": 90}', region="141129", source="x", user="t_performance")
    with pytest.raises(CommandError, match="权限"):
        call_command("set_rule", THRESHOLD, "1", region="141129", source="x", user="t_budget")


def test_docs_list_every_rule_with_its_source():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    for key in DEFINITIONS:
        assert f"`{key}`" in text, f"docs/rules.md does not describe {key}"
