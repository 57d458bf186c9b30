"""Forms of the 绩效运行监控 pages: opening a round, the monitoring form (the report block and one row per
indicator), the review and re-check decisions, 重点监控 additions, dispositions and rectification.

Amounts are typed in 万元, as the form prints them, and stored in 元 (`jixiao.rules.money`). Whether what is
typed may be stored (the causes and measures a likelihood other than 确定能 needs) is for the service to
say: these forms refuse only what cannot be read.
"""

from decimal import Decimal
from typing import Any

from django import forms

from jixiao.core.forms import bootstrap
from jixiao.monitoring.models import Cause, Disposition, IndicatorProgress, Likelihood, MonitoringReport
from jixiao.monitoring.services import IndicatorEntry, ReportEntry
from jixiao.rules.money import wan_to_yuan, yuan_to_wan
from jixiao.rules.monitoring_warnings import COLOUR_LABELS

WAN = {"max_digits": 18, "decimal_places": 6, "min_value": 0, "required": False}
VALUE = {"max_digits": 20, "decimal_places": 4, "required": False}


def _text(label: str, *, rows: int = 0, required: bool = False, max_length: int | None = None) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=required, max_length=max_length, widget=widget)


def wan(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else yuan_to_wan(amount, 6).normalize()


def yuan(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else wan_to_yuan(amount)


class RoundForm(forms.Form):
    """发起监控: region and year; the cut-off month and due date default to the configured ones."""

    region = forms.ChoiceField(label="区划")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    cutoff_month = forms.IntegerField(
        label="监控截止月份", min_value=1, max_value=12, required=False, help_text="留空按规则配置（默认1-7月）"
    )
    due_date = forms.DateField(
        label="报送截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="留空按规则配置"
    )
    name = _text("名称", max_length=100)

    def __init__(self, *args: Any, regions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]
        bootstrap(self, small=True)


class ReportForm(forms.Form):
    """The report block: 项目资金 to the cut-off month and the year, the overall goal's progress."""

    executed_to_date = forms.DecimalField(label="截至当月执行数（万元）", **WAN)
    expected_full_year = forms.DecimalField(label="全年预计执行数（万元）", **WAN)
    annual_goal_progress = _text("年度总体目标执行情况", rows=2)
    remark = _text("备注", rows=1)

    def __init__(self, *args: Any, month: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if month:
            self.fields["executed_to_date"].label = f"1-{month}月执行数（万元）"
        bootstrap(self, small=True)
        # The amounts sit in the funds table without their own labels: the column head names them.
        for name in ("executed_to_date", "expected_full_year"):
            self.fields[name].widget.attrs["aria-label"] = self.fields[name].label

    @staticmethod
    def initial_from(report: MonitoringReport) -> dict[str, Any]:
        return {
            "executed_to_date": wan(report.executed_to_date),
            "expected_full_year": wan(report.expected_full_year),
            "annual_goal_progress": report.annual_goal_progress,
            "remark": report.remark,
        }


class IndicatorForm(forms.Form):
    """What the unit states for one indicator row (known by its id; the rest is the goal's)."""

    id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    value_to_date = forms.DecimalField(label="截至当月完成值", **VALUE)
    value_to_date_text = _text("截至当月执行情况", max_length=500)
    expected_value = forms.DecimalField(label="全年预计完成值", **VALUE)
    expected_text = _text("全年预计完成情况", max_length=500)
    likelihood = forms.ChoiceField(label="完成目标可能性", choices=[("", "—"), *Likelihood.choices], required=False)
    causes = forms.MultipleChoiceField(
        label="偏差原因", choices=Cause.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    cause_analysis = _text("偏差原因分析", rows=2)
    measures = _text("相关建议或举措", rows=2)
    remark = _text("备注", max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)
        self.fields["causes"].widget.attrs["class"] = "form-check-input"
        # app.js shows the causes and measures as required while the likelihood is not 确定能.
        self.fields["likelihood"].widget.attrs["data-likelihood"] = Likelihood.CERTAIN
        self.fields["measures"].widget.attrs["data-needs-cause"] = ""

    @staticmethod
    def initial_from(row: IndicatorProgress) -> dict[str, Any]:
        return {
            "id": row.pk,
            "value_to_date": None if row.value_to_date is None else row.value_to_date.normalize(),
            "value_to_date_text": row.value_to_date_text,
            "expected_value": None if row.expected_value is None else row.expected_value.normalize(),
            "expected_text": row.expected_text,
            "likelihood": row.likelihood,
            "causes": list(row.causes),
            "cause_analysis": row.cause_analysis,
            "measures": row.measures,
            "remark": row.remark,
        }

    def entry(self) -> IndicatorEntry:
        d = self.cleaned_data
        return IndicatorEntry(
            id=d["id"],
            value_to_date=d["value_to_date"],
            value_to_date_text=d["value_to_date_text"],
            expected_value=d["expected_value"],
            expected_text=d["expected_text"],
            likelihood=d["likelihood"],
            causes=list(d["causes"]),
            cause_analysis=d["cause_analysis"],
            measures=d["measures"],
            remark=d["remark"],
        )


IndicatorFormSet = forms.formset_factory(IndicatorForm, extra=0, max_num=500, absolute_max=500)
INDICATOR_PREFIX = "ind"


def report_entry(form: ReportForm, formset: Any) -> ReportEntry:
    """What both forms hold, as the service takes it (amounts back in 元)."""
    d = form.cleaned_data
    return ReportEntry(
        executed_to_date=yuan(d["executed_to_date"]),
        expected_full_year=yuan(d["expected_full_year"]),
        annual_goal_progress=d["annual_goal_progress"],
        remark=d["remark"],
        indicators=[f.entry() for f in formset.forms],
    )


class DecisionForm(forms.Form):
    """A review step's decision: approve, or return to the unit with what to change."""

    decision = forms.ChoiceField(
        label="审核结论", choices=[("approve", "审核通过"), ("return", "退回修改")], widget=forms.RadioSelect
    )
    comment = _text("审核意见（退回时必填）", rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].widget.attrs["class"] = "form-control"


class RecheckForm(DecisionForm):
    decision = forms.ChoiceField(
        label="复核结论", choices=[("approve", "复核通过"), ("return", "退回修改")], widget=forms.RadioSelect
    )
    findings = _text("财政复核发现的问题", rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["findings"].widget.attrs["class"] = "form-control"


class ReasonForm(forms.Form):
    """A reason, as adding or removing a 重点监控 project needs."""

    reason = _text("理由", required=True, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)


class DispositionForm(forms.Form):
    """处理建议: the kind, the amount for 收回 and 调减 (万元), and the reason."""

    kind = forms.ChoiceField(label="处理方式", choices=Disposition.Kind.choices)
    amount = forms.DecimalField(label="金额（万元）", **WAN)
    reason = _text("处理理由", rows=2, required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)


class ApproveForm(forms.Form):
    due = forms.DateField(label="整改期限", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)


class RectificationForm(forms.Form):
    result = _text("整改情况", rows=2, required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)


class ReportFilter(forms.Form):
    """The reports list's filters; every one optional."""

    colour = forms.ChoiceField(
        required=False, choices=[("", "全部"), *((str(c), label) for c, label in COLOUR_LABELS.items())]
    )
    status = forms.ChoiceField(required=False, choices=[("", "全部"), *MonitoringReport.Status.choices])
    department = forms.IntegerField(required=False, min_value=1)
    key = forms.ChoiceField(required=False, choices=[("", "全部"), ("1", "重点监控"), ("0", "非重点")])
    q = forms.CharField(required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)
