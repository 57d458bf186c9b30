"""Forms of the 绩效自评 pages: the self-evaluation (the form block and one row per indicator), the review
decision, the list filter, the sampling plan and the 再评价 checklist.

The 项目资金 block is typed in 万元, as the 自评表 prints it, and stored in 元 (`jixiao.rules.money`). Whether
a value can be scored (a 定性 score inside its tier's band, a 调减 with its reason) is for the engine to say:
these forms refuse only what cannot be read.
"""

from decimal import Decimal
from typing import Any

from django import forms

from jixiao.core.forms import bootstrap
from jixiao.evaluations.models import (
    Grade,
    IndicatorFields,
    QualitativeBand,
    SamplingPlan,
    ScoredForm,
    SelfEvaluation,
)
from jixiao.evaluations.services import FormEntry, IndicatorEntry
from jixiao.rules.money import wan_to_yuan, yuan_to_wan

WAN = {"max_digits": 18, "decimal_places": 6, "min_value": 0, "required": False}
POINTS = {"max_digits": 8, "decimal_places": 4, "min_value": 0, "required": False}


def _text(label: str, *, rows: int = 0, required: bool = False, max_length: int | None = None) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=required, max_length=max_length, widget=widget)


def _wan(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else yuan_to_wan(amount, 6).normalize()


class SelfEvaluationForm(forms.Form):
    """The form block: 项目资金 (万元), why execution fell short, and the overall goal as achieved."""

    budget_initial = forms.DecimalField(label="年初预算数（万元）", **WAN)
    budget_full_year = forms.DecimalField(label="全年预算数（万元）", **WAN)
    executed = forms.DecimalField(label="全年执行数（万元）", **WAN)
    execution_reason = _text("执行率偏低原因", rows=2)
    annual_goal_actual = _text("实际完成情况", rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)
        # The 项目资金 cells sit in a table without their own labels: the column head names them.
        for name in ("budget_initial", "budget_full_year", "executed", "execution_reason"):
            self.fields[name].widget.attrs["aria-label"] = self.fields[name].label

    @staticmethod
    def initial_from(evaluation: ScoredForm) -> dict[str, Any]:
        return {
            "budget_initial": _wan(evaluation.budget_initial),
            "budget_full_year": _wan(evaluation.budget_full_year),
            "executed": _wan(evaluation.executed),
            "execution_reason": evaluation.execution_reason,
            "annual_goal_actual": getattr(evaluation, "annual_goal_actual", ""),  # a re-check has none
        }


class IndicatorEntryForm(forms.Form):
    """What the unit states for one indicator row (the row is known by its id, the rest is the goal's)."""

    id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    actual_value = forms.DecimalField(label="实际完成值", max_digits=20, decimal_places=4, required=False)
    actual_text = _text("实际完成情况", max_length=500)
    band = forms.ChoiceField(label="定性档次", choices=[("", "—"), *QualitativeBand.choices], required=False)
    manual_score = forms.DecimalField(label="评定得分", **POINTS)
    not_applicable = forms.BooleanField(label="不适用", required=False)
    not_applicable_reason = _text("不适用理由", max_length=500)
    deduction = forms.DecimalField(label="偏离度调减", **POINTS)
    deduction_reason = _text("调减理由", max_length=500)
    deviation_reason = _text("偏差原因分析", rows=2)
    improvement_measures = _text("改进措施", rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)
        self.fields["not_applicable"].widget.attrs["class"] = "form-check-input"
        self.fields["actual_value"].widget.attrs["data-actual"] = ""

    @staticmethod
    def initial_from(row: IndicatorFields) -> dict[str, Any]:
        return {
            "id": row.pk,
            "actual_value": None if row.actual_value is None else row.actual_value.normalize(),
            "actual_text": row.actual_text,
            "band": row.band,
            "manual_score": None if row.manual_score is None else row.manual_score.normalize(),
            "not_applicable": row.not_applicable,
            "not_applicable_reason": row.not_applicable_reason,
            "deduction": None if row.deduction is None else row.deduction.normalize(),
            "deduction_reason": row.deduction_reason,
            # A re-check's row has the re-checker's comment instead.
            "deviation_reason": getattr(row, "deviation_reason", ""),
            "improvement_measures": getattr(row, "improvement_measures", ""),
        }

    def entry(self) -> IndicatorEntry:
        d = self.cleaned_data
        return IndicatorEntry(
            id=d["id"],
            actual_value=d["actual_value"],
            actual_text=d["actual_text"].strip(),
            band=d["band"],
            manual_score=d["manual_score"],
            not_applicable=d["not_applicable"],
            not_applicable_reason=d["not_applicable_reason"].strip(),
            deduction=d["deduction"],
            deduction_reason=d["deduction_reason"].strip(),
            deviation_reason=d["deviation_reason"].strip(),
            improvement_measures=d["improvement_measures"].strip(),
        )


IndicatorEntryFormSet = forms.formset_factory(IndicatorEntryForm, extra=0, max_num=500, absolute_max=500)
INDICATOR_PREFIX = "res"


def form_entry(form: SelfEvaluationForm, formset: Any) -> FormEntry:
    """What both forms hold, as the service takes it (amounts back in 元)."""
    d = form.cleaned_data

    def yuan(name: str) -> Decimal | None:
        return None if d[name] is None else wan_to_yuan(d[name])

    return FormEntry(
        annual_goal_actual=d["annual_goal_actual"].strip(),
        budget_initial=yuan("budget_initial"),
        budget_full_year=yuan("budget_full_year"),
        executed=yuan("executed"),
        execution_reason=d["execution_reason"].strip(),
        indicators=[f.entry() for f in formset.forms],
    )


class ReviewForm(forms.Form):
    """A review step's decision: approve, or return to the unit with what to change."""

    decision = forms.ChoiceField(
        label="审核结论", choices=[("approve", "审核通过"), ("return", "退回修改")], widget=forms.RadioSelect
    )
    comment = _text("审核意见", rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].widget.attrs["class"] = "form-control"


class EvaluationFilter(forms.Form):
    """The list's filters; every one optional (an invalid value is ignored with a message)."""

    region = forms.CharField(required=False)
    department = forms.IntegerField(required=False, min_value=1)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(
        required=False, choices=[("", "全部"), ("project", "项目/政策"), ("department_overall", "部门整体支出")]
    )
    status = forms.ChoiceField(required=False, choices=[("", "全部"), *SelfEvaluation.Status.choices])
    grade = forms.ChoiceField(required=False, choices=[("", "全部"), *Grade.choices])
    q = forms.CharField(required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)


class SamplingPlanForm(forms.Form):
    """A sampling plan: the population (region, year, projects or departments, narrowed by category,
    department and amount), the method, a rate or a size, and the seed anyone can rerun it with."""

    name = _text("方案名称", max_length=100)
    region = forms.CharField(label="区划")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    population = forms.ChoiceField(label="抽样对象", choices=SamplingPlan.Population.choices)
    category = forms.CharField(label="项目类别", required=False, max_length=20)
    department = forms.IntegerField(label="部门", required=False, min_value=1)
    min_amount = forms.DecimalField(label="金额不低于（万元）", **WAN)
    method = forms.ChoiceField(label="抽样方法", choices=SamplingPlan.Method.choices)
    strata = forms.ChoiceField(label="分层依据", choices=[("", "—"), *SamplingPlan.Strata.choices], required=False)
    rate = forms.DecimalField(label="抽样比例（%）", max_digits=7, decimal_places=4, required=False, min_value=0)
    size = forms.IntegerField(label="样本量", required=False, min_value=1)
    seed = forms.IntegerField(label="随机种子", min_value=0, max_value=2**62)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if (d.get("rate") is None) == (d.get("size") is None):
            raise forms.ValidationError("抽样比例和样本量须填写且只填写一项")
        if d.get("rate") is not None and not 0 < d["rate"] <= 100:
            self.add_error("rate", "抽样比例须大于0且不超过100%")
        if d.get("method") == SamplingPlan.Method.STRATIFIED and not d.get("strata"):
            self.add_error("strata", "分层抽样须选择分层依据")
        return d

    def filters(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {}
        if d.get("category"):
            out["category"] = d["category"]
        if d.get("department"):
            out["department"] = d["department"]
        if d.get("min_amount") is not None:
            out["min_amount"] = str(wan_to_yuan(d["min_amount"]))
        return out
