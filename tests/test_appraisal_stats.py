"""Appraisal statistics (`jixiao.appraisals.stats`, `jixiao stats appraisal`) on appraisals made through the
services: counts by conclusion and assessor, 送审/审定/审减 and 审减率 of final reviews, the region's own level
by default, and the user's scope."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from jixiao.appraisals import services as s
from jixiao.appraisals.models import Assessment, BudgetReview
from jixiao.appraisals.stats import appraisal_stats
from jixiao.orgs.models import User
from jixiao.rules.config import DEFINITIONS
from jixiao.rules.money import yuan_to_wan

ITEMS = [
    (d["key"], i["name"], Decimal(str(i["points"])))
    for d in DEFINITIONS["appraisal.dimensions"].default
    for i in d["items"]
]
MATERIALS = list(DEFINITIONS["appraisal.materials"].default)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def sheet(total: Decimal) -> list[s.ScoreInput]:
    """Every sub-item scored, full marks but for the points lost from the first items."""
    lost, out = Decimal(100) - total, []
    for key, item, points in ITEMS:
        take = min(points, lost)
        lost -= take
        out.append(s.ScoreInput(key, item, points - take))
    return out


def assess(world, key: str, total: str, *, agency: bool = False) -> Assessment:
    project = world.projects[key]
    bureau = fresh(world.users["performance"])
    kind = "agency" if agency else "bureau"
    a = s.create_assessment(
        actor=bureau, project=project, assessor_kind=kind, agency=world.orgs["c1.agency"] if agency else None
    )
    assessor = fresh(world.users["agency"]) if agency else bureau
    a = s.score_assessment(actor=assessor, assessment=a, scores=sheet(Decimal(total)), materials_provided=MATERIALS)
    a = s.submit_assessment(actor=assessor, assessment=a)
    return s.conclude_assessment(actor=bureau, assessment=a)


def review(world, key: str, submitted: str, approved: str, reduced: str, *, sign: bool = True) -> BudgetReview:
    actor = fresh(world.users["review_center"])
    amounts = s.ReviewAmounts(Decimal(submitted), Decimal(approved), Decimal(reduced))
    r = s.save_budget_review(actor=actor, project=world.projects[key], amounts=amounts)
    if sign:
        r = s.submit_budget_review(actor=actor, review=r)
        for role in r.panel_roles:
            s.sign_review(actor=fresh(world.users[role]), review=r, role=role)
        r.refresh_from_db()
    return r


@pytest.fixture
def appraised(world):
    """中阳县 2026: 第一中学's project assessed by the bureau (85, 予以支持) and reviewed (final); 农技推广中心's
    assessed by the agency (72, 调整完善后予以支持) and reviewed, its review still being written."""
    first = assess(world, "c1.unit_a.P1", "85")
    second = assess(world, "c1.unit_b.P1", "72", agency=True)
    final = review(world, "c1.unit_a.P1", "1000000.01", "800000.00", "200000.01")
    draft = review(world, "c1.unit_b.P1", "2000000.02", "2000000.02", "0", sign=False)
    return first, second, final, draft


def test_the_figures_of_a_county_are_counted_from_its_assessments_and_final_reviews(world, appraised):
    first, second, final, draft = appraised
    assert (first.conclusion, second.conclusion, final.status) == ("予以支持", "调整完善后予以支持", "final")
    stats = appraisal_stats(region=world.regions["c1"], year=2026)
    t = stats.total
    assert t.assessed == 2
    assert t.by_conclusion == {"予以支持": 1, "调整完善后予以支持": 1, "不予支持": 0}
    assert t.by_assessor == {"unit": 0, "agency": 1, "bureau": 1}
    assert (t.lowest_score, t.highest_score) == (Decimal("72.00"), Decimal("85.00"))
    # Only the final review counts; the one still being written is counted apart.
    assert (t.reviewed, t.reviews_open) == (1, 1)
    assert (t.submitted, t.approved, t.reduced) == (final.submitted_yuan, final.approved_yuan, final.reduced_yuan)
    assert t.reduction_rate == Decimal("20.00")  # 200000.01 / 1000000.01 = 19.999…%, half-up
    data = t.as_dict()
    assert (data["submitted_wan"], data["approved_wan"], data["reduced_wan"]) == ("100.00", "80.00", "20.00")
    assert set(stats.by_department) == {"中阳县教育局", "中阳县农业农村局"}
    assert stats.by_department["中阳县教育局"].reviewed == 1


def test_the_latest_conclusion_of_a_resubmitted_project_counts_once(world, appraised):
    _, second, *_ = appraised
    agency = fresh(world.users["agency"])
    again = s.resubmit_assessment(actor=agency, assessment=second)
    again = s.score_assessment(
        actor=agency, assessment=again, scores=sheet(Decimal("90")), materials_provided=MATERIALS
    )
    again = s.submit_assessment(actor=agency, assessment=again)
    s.conclude_assessment(actor=fresh(world.users["performance"]), assessment=again)
    t = appraisal_stats(region=world.regions["c1"], year=2026).total
    assert t.assessed == 2
    assert t.by_conclusion == {"予以支持": 2, "调整完善后予以支持": 0, "不予支持": 0}


def test_a_city_counts_its_own_level_unless_asked_for_the_regions_below(world, appraised):
    city = world.regions["city"]
    assert appraisal_stats(region=city, year=2026).total.reviewed == 0
    below = appraisal_stats(region=city, year=2026, below=True)
    assert below.total.reviewed == 1 and list(below.by_region) == ["中阳县"]
    assert appraisal_stats(region=world.regions["c1"], year=2025).total.assessed == 0


def test_a_unit_counts_only_its_own_projects(world, appraised):
    mine = appraisal_stats(region=world.regions["c1"], year=2026, user=fresh(world.users["unit"])).total
    assert (mine.assessed, mine.reviewed, mine.reviews_open) == (1, 1, 0)
    other = appraisal_stats(region=world.regions["c1"], year=2026, user=fresh(world.users["p2_performance"])).total
    assert (other.assessed, other.reviewed) == (0, 0)


def test_the_command_prints_the_figures_as_json_and_as_a_table(world, appraised, capsys):
    call_command("stats", "appraisal", "--region", "中阳县", "--year", "2026", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["region"]["name"] == "中阳县" and data["includes_regions_below"] is False
    final = appraised[2]
    assert data["total"]["submitted_wan"] == str(yuan_to_wan(final.submitted_yuan))
    assert data["total"]["reduction_rate"] == "20.00"
    assert data["total"]["by_conclusion"]["调整完善后予以支持"] == 1
    call_command("stats", "appraisal", "--region", "141129", "--year", "2026")
    out = capsys.readouterr().out
    assert "合计\t2\t1\t1\t0\t1\t100.00\t80.00\t20.00\t20.00%" in out
    assert "审减金额20.00万元，审减率20.00%" in out and "另有1个预算评审尚未定稿" in out
