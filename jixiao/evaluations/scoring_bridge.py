"""Between the stored forms and the pure engine `jixiao.rules.scoring`: the rules in force for a form's
region and year, the engine's inputs read from the rows, and the engine's results written back. No
formula lives here; every point comes from the engine.

A row that is not filled in yet (no actual value, no 定性 tier) has no score; the form has a total and a
grade only once every applicable row and the execution block are scored.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from jixiao.evaluations.models import IndicatorFields, Layout, ScoredForm, SelfEvaluation
from jixiao.orgs.rules_config import resolve_all
from jixiao.rules import config, scoring
from jixiao.rules.targets import QUALITATIVE, polarity

WEIGHT_KEYS = {Layout.NATIONAL: "self_evaluation.weights", Layout.SICHUAN: "self_evaluation.sichuan_weights"}
# What the engine says when a value is simply not entered yet: the row waits, it is not wrong.
_NOT_YET = ("actual", "tier", "target")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class RowResult:
    row: IndicatorFields
    scored: scoring.IndicatorScore | None
    error: scoring.ScoringError | None  # a value the method refuses (a 定性 score outside its band, …)
    waiting: str = ""  # what is still to be entered


@dataclass(frozen=True)
class FormResult:
    rows: tuple[RowResult, ...]
    execution: scoring.ExecutionScore | None
    form: scoring.FormScore | None  # None until everything is entered
    settings: scoring.Settings


def rules_for(evaluation: SelfEvaluation) -> dict[str, Any]:
    return {key: rule.value for key, rule in resolve_all(evaluation.project.region, evaluation.year).items()}


def settings_for(evaluation: SelfEvaluation, rules: dict[str, Any] | None = None) -> scoring.Settings:
    return scoring.Settings.from_rules(rules if rules is not None else rules_for(evaluation))


def execution_weight(layout: str, rules: dict[str, Any]) -> Decimal:
    """The execution item comes first in both weight templates (预算执行率 / 预算执行情况)."""
    template = rules.get(WEIGHT_KEYS[Layout(layout)]) or config.DEFINITIONS[WEIGHT_KEYS[Layout(layout)]].default
    return Decimal(str(next(iter(template.values()))))


def template_weights(layout: str, level1s: Sequence[str], rules: dict[str, Any]) -> list[Decimal | None]:
    """Points for indicators declared without any: the template's points of each 一级指标 (national) or the
    90 points of the indicators together (四川), shared equally, in cents, the leftover cents to the first
    rows so that each group adds up exactly. None for a 一级指标 the template does not name."""
    template = rules.get(WEIGHT_KEYS[Layout(layout)]) or config.DEFINITIONS[WEIGHT_KEYS[Layout(layout)]].default
    points = {str(k): Decimal(str(v)) for k, v in list(template.items())[1:]}
    groups = [("绩效指标" if layout == Layout.SICHUAN else name) for name in level1s]
    out: list[Decimal | None] = []
    seen: dict[str, int] = {}
    for group in groups:
        total = points.get(group)
        if total is None:
            out.append(None)
            continue
        n = groups.count(group)
        share = (total / n).quantize(_CENT, rounding=ROUND_DOWN)
        leftover_cents = int((total - share * n) / _CENT)
        index = seen.get(group, 0)
        seen[group] = index + 1
        out.append(share + (_CENT if index < leftover_cents else 0))
    return out


def engine_indicator(row: IndicatorFields) -> scoring.Indicator:
    return scoring.Indicator(
        name=row.name,
        weight=row.weight if row.weight is not None else Decimal(0),
        operator=row.operator,
        target=row.target_value,
        actual=row.actual_value,
        unit=row.unit,
        level1=row.level1,
        level2=row.level2,
        tier=row.band,
        points=row.manual_score,
        applicable=not row.not_applicable,
        deduction=row.deduction or Decimal(0),
        deduction_reason=row.deduction_reason,
        key=str(row.pk or row.position),
    )


def engine_funds(form: ScoredForm, weight: Decimal) -> scoring.Funds:
    return scoring.Funds(
        adjusted=form.budget_full_year,
        spent=form.executed,
        initial=form.budget_initial,
        weight=weight,
        reason=form.execution_reason,
    )


def score_rows(rows: Sequence[IndicatorFields], settings: scoring.Settings) -> tuple[RowResult, ...]:
    out = []
    for row in rows:
        try:
            out.append(RowResult(row, scoring.score_indicator(engine_indicator(row), settings), None))
        except scoring.ScoringError as exc:
            if exc.field in _NOT_YET:
                out.append(RowResult(row, None, None, exc.message))
            else:
                out.append(RowResult(row, None, exc))
    return tuple(out)


def score_form(
    form: ScoredForm, layout: str, rows: Sequence[IndicatorFields], rules: dict[str, Any], settings: scoring.Settings
) -> FormResult:
    """Each row scored on its own (so a half-filled form shows what it can); the whole form once complete."""
    results = score_rows(rows, settings)
    funds = engine_funds(form, execution_weight(layout, rules))
    execution = scoring.score_execution(funds, settings) if form.executed is not None else None
    complete = execution is not None and all(r.scored is not None for r in results)
    whole = scoring.score_form([engine_indicator(r) for r in rows], funds, settings) if complete else None
    return FormResult(results, execution, whole, settings)


def store(form: ScoredForm, result: FormResult) -> None:
    """Write scores and explanations onto the form and its rows (in memory; the caller saves)."""
    for r in result.rows:
        row = r.row
        row.score = r.scored.score if r.scored is not None else None
        if r.scored is not None:
            row.explanation = {
                "polarity": r.scored.polarity,
                "formula_score": str(r.scored.formula_score),
                "text": r.scored.explanation,
                "band": [str(b) for b in r.scored.band] if r.scored.band else None,
            }
        else:
            error = r.error.message if r.error is not None else ""
            row.explanation = {"waiting": r.waiting, "error": error}
    places = result.settings.places
    form.execution_score = result.execution.score if result.execution is not None else None
    if result.form is None:
        form.indicator_score = form.total_score = None
        form.grade = ""
        form.explanation = {"complete": False, "execution": _execution_dict(result.execution)}
        return
    whole = result.form
    form.indicator_score = sum((s.score for s in whole.indicators if s.applicable), Decimal(0))
    form.total_score = whole.total
    form.grade = whole.grade
    form.explanation = {"complete": True, **scoring.as_dict(whole, places)}


def _execution_dict(execution: scoring.ExecutionScore | None) -> dict[str, Any] | None:
    if execution is None:
        return None
    return {"score": str(execution.score), "explanation": execution.explanation, "applicable": execution.applicable}


def target_missed(row: IndicatorFields) -> bool:
    """Whether a scored, applicable row fell short of its target: a 定性 row below 达成, a quantitative
    one whose formula score (before any 偏离度调减) is below its points."""
    if row.not_applicable or row.score is None:
        return False
    if polarity(row.operator) == QUALITATIVE:
        return row.band != scoring.ACHIEVED
    formula = Decimal(str(row.explanation.get("formula_score", row.score)))
    return row.weight is not None and formula < row.weight


def execution_needs_reason(form: ScoredForm, layout: str, settings: scoring.Settings) -> bool:
    """四川: a 预算执行率 below the threshold (default 90%) must be explained."""
    if layout != Layout.SICHUAN or form.executed is None:
        return False
    execution = scoring.score_execution(engine_funds(form, Decimal(10)), settings)
    return execution.rate is not None and execution.rate * 100 < settings.execution_reason_below_percent
