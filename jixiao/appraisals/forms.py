"""Forms of the 事前评估 and 预算评审 pages: the worklist filters, the assessment (scores, assessor,
materials, attachments), the conclusion with the expert panel's override, and the 预算评审 amounts.

Amounts are typed in 万元 (as the reports give them) and handed to the services in 元.
"""

from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from jixiao.appraisals.models import Assessment, AssessorKind, Conclusion
from jixiao.appraisals.services import ReviewAmounts, ScoreInput
from jixiao.core.errors import DomainError
from jixiao.core.forms import bootstrap
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Role
from jixiao.projects.filters import MAX_ID, IntegerFilter
from jixiao.projects.models import Project
from jixiao.rules.money import MoneyError, wan_to_yuan, yuan_to_wan

# What the worklist says of a project's latest assessment (annotated by views.worklist_rows).
STATES = [
    ("none", "未评估"),
    (Assessment.Status.DRAFT, "评估中"),
    (Assessment.Status.SUBMITTED, "待出结论"),
    ("adjust", "调整完善后重新报送"),
    ("reject", "不予支持"),
]


class WorklistFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method="filter_region", label="区划代码")
    department = IntegerFilter(field_name="department_id", label="主管部门", min_value=1, max_value=MAX_ID)
    fiscal_year = IntegerFilter(label="年度", min_value=2000, max_value=2100)
    kind = django_filters.ChoiceFilter(choices=Project.Kind.choices, label="类型")
    state = django_filters.ChoiceFilter(method="filter_state", choices=STATES, label="评估状态")
    q = django_filters.CharFilter(method="filter_text", label="关键词")

    class Meta:
        model = Project
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self.form, small=True)

    def filter_region(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return qs.filter(region__path__contains=f"{value}/") if value else qs

    def filter_text(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else qs

    def filter_state(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        # Q, not keywords: the latest_* names are annotations (views.with_latest), not fields.
        if value == "none":
            return qs.filter(Q(latest_status__isnull=True))
        if value == "adjust":
            return qs.filter(Q(latest_conclusion=Conclusion.ADJUST))
        if value == "reject":
            return qs.filter(Q(latest_conclusion=Conclusion.REJECT))
        return qs.filter(Q(latest_status=value)) if value else qs


def score_key(dimension: int, item: int) -> str:
    return f"s_{dimension}_{item}"


class StartForm(forms.Form):
    """Who assesses: the unit itself (谁申报，谁评估), a third-party agency it names, or the finance bureau."""

    assessor_kind = forms.ChoiceField(label="评估主体", choices=AssessorKind.choices, widget=forms.RadioSelect)
    agency = forms.ModelChoiceField(label="第三方机构", queryset=Organization.objects.none(), required=False)

    def __init__(self, *args: Any, kinds: list[str], agencies: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessor_kind"].choices = [  # type: ignore[attr-defined]
            (k, label) for k, label in AssessorKind.choices if k in kinds
        ]
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        bootstrap(self)
        self.fields["assessor_kind"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("assessor_kind") == AssessorKind.AGENCY and d.get("agency") is None:
            self.add_error("agency", "委托第三方机构评估须选择机构")
        return d


class AssessmentForm(forms.Form):
    """The scoring sheet of one assessment: a score (and a note) for each sub-item of the dimensions copied
    onto it, the materials provided and the opinion. Scores left empty are not recorded yet."""

    materials_provided = forms.MultipleChoiceField(
        label="已提供材料", required=False, widget=forms.CheckboxSelectMultiple
    )
    opinion = forms.CharField(label="评估意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assessment = assessment
        scored = {(s.dimension, s.item): s for s in assessment.scores.all()}
        self.dimensions: list[dict[str, Any]] = []
        for d, dim in enumerate(assessment.dimensions):
            rows = []
            for i, item in enumerate(dim["items"]):
                key = score_key(d, i)
                points = Decimal(item["points"])
                saved = scored.get((dim["key"], item["name"]))
                self.fields[key] = forms.DecimalField(
                    label=f"{dim['label']}/{item['name']}",
                    required=False,
                    min_value=Decimal(0),
                    max_value=points,
                    max_digits=6,
                    decimal_places=2,
                    initial=saved.score if saved else None,
                )
                self.fields[f"{key}_note"] = forms.CharField(
                    label="评分说明", required=False, max_length=1000, initial=saved.comment if saved else ""
                )
                rows.append({"name": item["name"], "points": points, "key": key})
            self.dimensions.append({"key": dim["key"], "label": dim["label"], "index": d, "rows": rows})
        self.fields["materials_provided"].choices = [  # type: ignore[attr-defined]
            (m, m) for m in assessment.materials_required
        ]
        self.fields["materials_provided"].initial = list(assessment.materials_provided)
        self.fields["opinion"].initial = assessment.opinion
        bootstrap(self, small=True)
        for dim in self.dimensions:
            for row in dim["rows"]:
                attrs = self.fields[row["key"]].widget.attrs
                attrs.update({"data-score": "", "data-points": str(row["points"]), "data-dimension": dim["key"]})
                attrs["inputmode"] = "decimal"
                row["field"] = self[row["key"]]
                row["note"] = self[f"{row['key']}_note"]
        self.fields["materials_provided"].widget.attrs["class"] = "form-check-input"

    def scores(self) -> list[ScoreInput]:
        out = []
        for dim in self.dimensions:
            for row in dim["rows"]:
                value = self.cleaned_data.get(row["key"])
                if value is not None:
                    note = (self.cleaned_data.get(f"{row['key']}_note") or "").strip()
                    out.append(ScoreInput(dim["key"], row["name"], value, note))
        return out


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件")
    material = forms.ChoiceField(label="对应材料", required=False)

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material"].choices = [  # type: ignore[attr-defined]
            ("", "其他材料"),
            *((m, m) for m in assessment.materials_required),
        ]
        bootstrap(self, small=True)


class ConcludeForm(forms.Form):
    """The finance bureau's conclusion: by the bands, or the expert panel's with a reason."""

    override = forms.ChoiceField(label="专家组结论", required=False)
    reason = forms.CharField(label="改变结论的理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, band: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first = [("", f"按分档：{band}")] if band else []
        self.fields["override"].choices = [*first, *Conclusion.choices]  # type: ignore[attr-defined]
        bootstrap(self, small=True)


class BudgetReviewForm(forms.Form):
    """送审, 审定 and 审减 in 万元. Left empty, one of them is worked out from the other two; given all three,
    they must agree (the service says by how much they do not)."""

    submitted_wan = forms.DecimalField(label="送审金额（万元）", required=False, max_digits=18, decimal_places=6)
    approved_wan = forms.DecimalField(label="审定金额（万元）", required=False, max_digits=18, decimal_places=6)
    reduced_wan = forms.DecimalField(label="审减金额（万元）", required=False, max_digits=18, decimal_places=6)
    opinion = forms.CharField(label="评审意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = {"submitted_yuan": "submitted_wan", "approved_yuan": "approved_wan", "reduced_yuan": "reduced_wan"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        for service_name, name in self.FIELDS.items():
            self.fields[name].widget.attrs.update(
                {"data-amount": service_name.removesuffix("_yuan"), "inputmode": "decimal"}
            )

    @staticmethod
    def initial_from(review: Any) -> dict[str, Any]:
        return {
            "submitted_wan": as_wan(review.submitted_yuan),
            "approved_wan": as_wan(review.approved_yuan),
            "reduced_wan": as_wan(review.reduced_yuan),
            "opinion": review.opinion,
        }

    def amounts(self) -> ReviewAmounts:
        d = self.cleaned_data
        yuan = {}
        for service_name, name in self.FIELDS.items():
            try:
                yuan[service_name] = None if d.get(name) is None else wan_to_yuan(d[name])
            except MoneyError as exc:
                raise DomainError(str(exc), field=service_name) from exc
        return ReviewAmounts(**yuan, derive=True)


def as_wan(amount: Decimal | None) -> Decimal | None:
    """An amount in 元 as typed in 万元: exact, without trailing zeros."""
    if amount is None:
        return None
    value = yuan_to_wan(amount, 6).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


class SignForm(forms.Form):
    role = forms.ChoiceField(label="签署角色", choices=Role.choices)
    opinion = forms.CharField(label="意见", required=False, max_length=500)
