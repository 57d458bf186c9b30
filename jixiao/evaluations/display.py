"""How a self-evaluation's scores are shown: each row with its target, the engine's score and its
explanation, for the unit's form, the reviewers' screens and the re-check beside it."""

from dataclasses import dataclass
from typing import Any

from jixiao.evaluations import scoring_bridge
from jixiao.evaluations.forms import (
    IndicatorEntryForm,
)
from jixiao.evaluations.models import IndicatorFields
from jixiao.rules import scoring
from jixiao.rules.targets import QUALITATIVE, format_target, polarity


@dataclass(frozen=True)
class RowView:
    """One indicator row as a page shows it: the goal's part, the score (rounded for display) and the
    engine's explanation, whether the target was missed (a reason is then required) and the entry form."""

    row: IndicatorFields
    target: str
    polarity: str
    score: str
    explanation: str
    error: str
    missed: bool
    form: IndicatorEntryForm | None = None


@dataclass(frozen=True)
class Scored:
    rows: list[RowView]
    execution_score: str
    execution_rate: str
    execution_text: str
    total: str
    grade: str
    explanation: str
    warnings: list[str]
    needs_execution_reason: bool
    places: int


def _target(row: IndicatorFields) -> str:
    if row.operator == QUALITATIVE:
        return row.target_text
    return format_target(row.operator, row.target_value, row.unit) or row.target_text


def score_view(evaluation: Any, rows: list[Any], forms: list[IndicatorEntryForm] | None = None) -> Scored:
    """Score the form as it stands (saved or typed) through the engine and say how each point came about.
    Nothing is saved: the scores land on the objects given, which the preview builds as copies."""
    rules = scoring_bridge.rules_for(evaluation)
    settings = scoring_bridge.settings_for(evaluation, rules)
    result = scoring_bridge.score_form(evaluation, evaluation.layout, rows, rules, settings)
    scoring_bridge.store(evaluation, result)
    places = settings.places
    shown_rows = []
    for n, r in enumerate(result.rows):
        row = r.row
        text = r.scored.explanation if r.scored else (r.waiting or "")
        shown_rows.append(
            RowView(
                row=row,
                target=_target(row),
                polarity=polarity(row.operator),
                score=scoring.show(r.scored.score, places) if r.scored else "—",
                explanation=text,
                error=r.error.message if r.error else "",
                missed=scoring_bridge.target_missed(row),
                form=forms[n] if forms else None,
            )
        )
    execution = result.execution
    whole = result.form
    return Scored(
        rows=shown_rows,
        execution_score=scoring.show(execution.score, places) if execution else "—",
        execution_rate=scoring.show(execution.rate * 100, 2) + "%" if execution and execution.rate is not None else "—",
        execution_text=execution.explanation if execution else "填写全年执行数后计算",
        total=scoring.show(whole.total, places) if whole else "—",
        grade=whole.grade if whole else "",
        explanation=whole.explanation if whole else "各指标的实际完成值和全年执行数填写完整后计算总分",
        warnings=list(whole.warnings) if whole else [],
        needs_execution_reason=scoring_bridge.execution_needs_reason(evaluation, evaluation.layout, settings),
        places=places,
    )


# --- the list ---------------------------------------------------------------------------------------
