"""Forms of the goal pages: the declaration (goal text and an indicator formset), the review, the
adjustment request, the library entry and the list filters.

Targets are typed as offices write them (「≥50个」) and read by `jixiao.rules.targets.parse_target`, the
parser the imports use; whether the indicators are complete and sound is for the goal checks to say, so
the declaration form refuses only what cannot be read at all.
"""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from jixiao.core.forms import bootstrap
from jixiao.goals.library import LibraryInput
from jixiao.goals.models import Basis, Goal, Indicator, LibraryIndicator, Operator, Review, ReviewResult
from jixiao.goals.services import GoalInput, IndicatorInput
from jixiao.projects.filters import MAX_ID, IntegerFilter
from jixiao.projects.models import DomainTag, Project
from jixiao.rules.targets import TargetError, parse_target

# What each review result sets off (财预〔2015〕88号第二十五条), shown next to the choice.
CONSEQUENCES: dict[str, str] = {
    ReviewResult.EXCELLENT: "直接进入下一环节（末环节后进入预算安排）。",
    ReviewResult.GOOD: "可与单位协商、直接完善目标后进入下一环节；本环节审核人可修改指标。",
    ReviewResult.FAIR: "退回单位修改完善，按程序重新报送审核；须填写修改意见。",
    ReviewResult.POOR: "不得进入预算安排；须填写理由。",
}
CRITERIA = ("completeness", "relevance", "appropriateness", "feasibility")
OPERATOR_CHOICES = [("", "—"), *Operator.choices]
BASIS_CHOICES = [("", "—"), *Basis.choices]


def _text(label: Any, *, rows: int = 0, max_length: int | None = None, required: bool = False) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=required, max_length=max_length, widget=widget)


class GoalForm(forms.Form):
    mid_term_goal = _text("中期目标", rows=3)
    annual_goal = _text("年度目标", rows=3)
    has_beneficiaries = forms.BooleanField(
        label="有直接服务对象", required=False, help_text="有直接服务对象的项目须设置满意度指标"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        self.fields["has_beneficiaries"].widget.attrs["class"] = "form-check-input"


class IndicatorForm(forms.Form):
    """One row of the indicator table. 一级/二级 are offered from the region's tree; a value outside it
    (an old import) stays selectable and the checks name it."""

    level1 = forms.CharField(label="一级指标", max_length=20, required=False, widget=forms.Select)
    level2 = forms.CharField(label="二级指标", max_length=30, required=False, widget=forms.Select)
    name = _text("三级指标", max_length=200)
    operator = forms.ChoiceField(label="指标性质", choices=OPERATOR_CHOICES, required=False)
    target = _text("指标值", max_length=200)
    unit = _text("计量单位", max_length=20)
    explanation = _text("指标解释", rows=1)
    scoring_rule = _text("评(扣)分标准", rows=1)
    basis = forms.ChoiceField(label="指标值设定依据", choices=BASIS_CHOICES, required=False)
    data_source = _text("数据来源", max_length=200)
    last_year_actual = forms.DecimalField(label="上年实际值", required=False, max_digits=20, decimal_places=4)
    weight = forms.DecimalField(label="分值", required=False, max_digits=6, decimal_places=2, min_value=0)
    is_core = forms.BooleanField(label="核心", required=False)
    remark = _text("备注", rows=1)
    mid_term_target = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    library_entry_id = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)

    TEXT_FIELDS = ("name", "target", "unit", "explanation", "scoring_rule", "data_source", "remark")

    def __init__(self, *args: Any, tree: dict[str, list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)
        tree = tree or {}
        current1, current2 = self._current("level1"), self._current("level2")
        level1s = list(tree) + ([current1] if current1 and current1 not in tree else [])
        level2s = tree.get(current1, [])
        if current2 and current2 not in level2s:
            level2s = [*level2s, current2]
        self.fields["level1"].widget.choices = [("", "—"), *((v, v) for v in level1s)]
        self.fields["level2"].widget.choices = [("", "—"), *((v, v) for v in level2s)]
        self.fields["level1"].widget.attrs["data-level1"] = ""
        self.fields["level2"].widget.attrs["data-level2"] = ""
        self.fields["target"].widget.attrs.update({"data-target": "", "placeholder": "如 ≥50个"})
        self.fields["operator"].widget.attrs["data-operator"] = ""
        self.fields["unit"].widget.attrs["data-unit"] = ""
        self.fields["is_core"].widget.attrs["class"] = "form-check-input"

    def _current(self, name: str) -> str:
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        return str(value or "").strip()

    def is_blank(self) -> bool:
        """A row added and left empty: not an indicator, so neither saved nor checked."""
        d = self.cleaned_data
        return not any(str(d.get(n) or "").strip() for n in self.TEXT_FIELDS)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        text = (d.get("target") or "").strip()
        d["target_value"] = None
        d["target_text"] = ""
        if text:
            try:
                parsed = parse_target(text, operator=d.get("operator") or "", unit=(d.get("unit") or "").strip())
            except TargetError as exc:
                self.add_error("target", str(exc))
                return d
            d["operator"], d["target_value"], d["unit"], d["target_text"] = (
                parsed.operator,
                parsed.value,
                parsed.unit,
                parsed.text,
            )
        return d

    def to_input(self) -> IndicatorInput:
        d = self.cleaned_data
        return IndicatorInput(
            level1=d["level1"].strip(),
            level2=d["level2"].strip(),
            name=d["name"].strip(),
            operator=d.get("operator") or "",
            target_value=d["target_value"],
            target_text=d["target_text"],
            mid_term_target=d["mid_term_target"],
            unit=(d.get("unit") or "").strip(),
            explanation=d["explanation"].strip(),
            scoring_rule=d["scoring_rule"].strip(),
            basis=d["basis"],
            data_source=d["data_source"].strip(),
            last_year_actual=d["last_year_actual"],
            weight=d["weight"],
            is_core=d["is_core"],
            remark=d["remark"].strip(),
            library_entry_id=d["library_entry_id"],
        )

    @staticmethod
    def initial_from(ind: Indicator) -> dict[str, Any]:
        """A saved indicator as the row shows it: the target as one readable value (「≥50个」 is
        shown as 50 with ≥ and 个 in their columns; a 定性 target as its text)."""
        target = ind.target_text if ind.target_value is None else f"{ind.target_value.normalize():f}"
        return {
            "level1": ind.level1,
            "level2": ind.level2,
            "name": ind.name,
            "operator": ind.operator,
            "target": target,
            "unit": ind.unit,
            "explanation": ind.explanation,
            "scoring_rule": ind.scoring_rule,
            "basis": ind.basis,
            "data_source": ind.data_source,
            "last_year_actual": ind.last_year_actual,
            "weight": ind.weight,
            "is_core": ind.is_core,
            "remark": ind.remark,
            "mid_term_target": ind.mid_term_target,
            "library_entry_id": ind.library_entry_id,
        }


class BaseIndicatorFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, tree: dict[str, list[str]], **kwargs: Any) -> None:
        self.tree = tree
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "tree": self.tree}

    def kept(self) -> list[tuple[int, IndicatorForm]]:
        """(form index, form) of the rows that are indicators: not removed and not left blank. Their
        order is the indicators' order, so the n-th of them is the indicator at position n."""
        return [
            (i, f)
            for i, f in enumerate(self.forms)
            if f.is_valid() and not f.cleaned_data.get("DELETE") and not f.is_blank()
        ]


IndicatorFormSet = forms.formset_factory(
    IndicatorForm, formset=BaseIndicatorFormSet, extra=0, can_delete=True, max_num=200, absolute_max=200
)
INDICATOR_PREFIX = "ind"


def goal_input(goal_form: GoalForm, formset: BaseIndicatorFormSet) -> GoalInput:
    d = goal_form.cleaned_data
    return GoalInput(
        annual_goal=d["annual_goal"].strip(),
        mid_term_goal=d["mid_term_goal"].strip(),
        has_beneficiaries=d["has_beneficiaries"],
        indicators=[f.to_input() for _, f in formset.kept()],
    )


def goal_initial(goal: Goal | None) -> dict[str, Any]:
    if goal is None:
        return {"has_beneficiaries": True}
    return {
        "mid_term_goal": goal.mid_term_goal,
        "annual_goal": goal.annual_goal,
        "has_beneficiaries": goal.has_beneficiaries,
    }


class ReviewForm(forms.Form):
    completeness = _text(Review._meta.get_field("completeness").verbose_name, rows=2)
    relevance = _text(Review._meta.get_field("relevance").verbose_name, rows=2)
    appropriateness = _text(Review._meta.get_field("appropriateness").verbose_name, rows=2)
    feasibility = _text(Review._meta.get_field("feasibility").verbose_name, rows=2)
    result = forms.ChoiceField(label="审核结果", choices=ReviewResult.choices, widget=forms.RadioSelect)
    comment = _text("审核意见（需补充完善事项）", rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        self.fields["result"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("result") in (ReviewResult.FAIR, ReviewResult.POOR) and not d.get("comment", "").strip():
            self.add_error("comment", f"审核结果为“{d['result']}”时须填写审核意见，告诉单位需要修改什么。")
        return d

    def consequences(self) -> list[tuple[str, str]]:
        return [(value, CONSEQUENCES[value]) for value, _ in ReviewResult.choices]


class AdjustmentForm(forms.Form):
    reason = _text("调整理由", rows=3, required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class BatchReviewForm(forms.Form):
    """批量通过: only the results that let a goal proceed; 中 and 差 need a comment per goal."""

    result = forms.ChoiceField(
        label="审核结果", choices=[(ReviewResult.EXCELLENT, "优"), (ReviewResult.GOOD, "良")], initial="优"
    )
    comment = _text("审核意见", max_length=500)
    goals = forms.TypedMultipleChoiceField(label="绩效目标", coerce=int, error_messages={"required": "请勾选绩效目标"})

    def __init__(self, *args: Any, goal_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goals"].choices = [(pk, pk) for pk in goal_ids]  # type: ignore[attr-defined]
        bootstrap(self, small=True)


class LibraryForm(forms.Form):
    """An entry of the 指标库; it is kept by the user's own finance bureau (共性) or department (个性)."""

    scope = forms.ChoiceField(label="类别", choices=LibraryIndicator.Scope.choices)
    domain = forms.ModelChoiceField(label="行业领域", queryset=DomainTag.objects.order_by("name"), required=False)
    level1 = forms.CharField(label="一级指标", max_length=20, widget=forms.Select)
    level2 = forms.CharField(label="二级指标", max_length=30, widget=forms.Select)
    name = _text("三级指标", max_length=200, required=True)
    operator = forms.ChoiceField(label="指标性质", choices=Operator.choices)
    unit = _text("计量单位", max_length=20)
    typical_target = _text("参考指标值", max_length=200)
    explanation = _text("指标解释", rows=2)
    scoring_rule = _text("评(扣)分标准", rows=2)
    basis = forms.ChoiceField(label="指标值设定依据", choices=BASIS_CHOICES, required=False)

    def __init__(self, *args: Any, tree: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level1"].widget.choices = [(v, v) for v in tree]
        self.fields["level2"].widget.choices = [(v, v) for v in dict.fromkeys(x for xs in tree.values() for x in xs)]
        bootstrap(self)
        self.fields["level1"].widget.attrs["data-level1"] = ""
        self.fields["level2"].widget.attrs["data-level2"] = ""

    @staticmethod
    def initial_from(entry: LibraryIndicator) -> dict[str, Any]:
        return {name: getattr(entry, name) for name in LibraryForm.base_fields}

    def to_input(self) -> LibraryInput:
        d = self.cleaned_data
        return LibraryInput(**{name: d[name].strip() if isinstance(d[name], str) else d[name] for name in d})


class LibrarySearchForm(forms.Form):
    q = _text("关键词", max_length=100)
    scope = forms.ChoiceField(label="类别", choices=[("", "全部"), *LibraryIndicator.Scope.choices], required=False)
    level1 = forms.ChoiceField(label="一级指标", required=False)
    domain = forms.ModelChoiceField(
        label="行业领域", queryset=DomainTag.objects.order_by("name"), required=False, empty_label="全部"
    )
    retired = forms.BooleanField(label="含已停用", required=False)

    def __init__(self, *args: Any, tree: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level1"].choices = [("", "全部"), *((v, v) for v in tree)]  # type: ignore[attr-defined]
        bootstrap(self, small=True)
        self.fields["retired"].widget.attrs["class"] = "form-check-input"


class GoalFilter(django_filters.FilterSet):
    """The 绩效目标 list's filters; `has_findings` is answered by the list view (checks are not in SQL)."""

    region = django_filters.CharFilter(method="filter_region", label="区划代码")
    department = IntegerFilter(field_name="project__department_id", label="主管部门", min_value=1, max_value=MAX_ID)
    fiscal_year = IntegerFilter(field_name="project__fiscal_year", label="年度", min_value=2000, max_value=2100)
    status = django_filters.ChoiceFilter(choices=Goal.Status.choices, label="状态")
    kind = django_filters.ChoiceFilter(field_name="project__kind", choices=Project.Kind.choices, label="类型")
    result = django_filters.ChoiceFilter(field_name="last_result", choices=ReviewResult.choices, label="审核结果")
    q = django_filters.CharFilter(method="filter_text", label="关键词")
    findings = django_filters.ChoiceFilter(
        method="filter_findings",
        choices=[("blocking", "有阻断问题"), ("any", "有问题"), ("none", "无问题")],
        label="自动审核",
    )

    class Meta:
        model = Goal
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self.form, small=True)

    def filter_region(self, qs: QuerySet[Goal], name: str, value: str) -> QuerySet[Goal]:
        return qs.filter(project__region__path__contains=f"{value}/") if value else qs

    def filter_text(self, qs: QuerySet[Goal], name: str, value: str) -> QuerySet[Goal]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(project__name__icontains=value) | Q(project__code__icontains=value))

    def filter_findings(self, qs: QuerySet[Goal], name: str, value: str) -> QuerySet[Goal]:
        return qs  # the checks run in Python: the list view applies this one (see views.goal_list)
