from decimal import Decimal
from typing import Any

from django import forms

from jixiao.core.forms import bootstrap
from jixiao.orgs.models import Organization
from jixiao.projects.models import Project
from jixiao.projects.services import ProjectInput
from jixiao.rules.money import TEN_THOUSAND, YUAN


def _split(text: str) -> list[str]:
    for sep in "，、；;":
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


class ProjectForm(forms.Form):
    """Amounts are typed in 万元 (as offices write them) and stored in 元."""

    kind = forms.ChoiceField(label="类型", choices=Project.Kind.choices)
    code = forms.CharField(label="项目编码", max_length=40)
    name = forms.CharField(label="项目名称", max_length=200)
    owner = forms.ModelChoiceField(label="预算单位", queryset=Organization.objects.none())
    fiscal_year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    category = forms.ChoiceField(label="项目类别", choices=Project.Category.choices)
    budget_type = forms.ChoiceField(label="预算类型", choices=Project.Budget.choices)
    fund_sources = forms.CharField(label="资金来源", required=False, help_text="多个用顿号或逗号分隔")
    domain_tags = forms.CharField(label="领域", required=False, help_text="多个用顿号或逗号分隔")
    is_new = forms.TypedChoiceField(
        label="新增/延续", choices=[("1", "新增"), ("0", "延续")], coerce=lambda v: v == "1"
    )
    start_year = forms.IntegerField(label="起始年度", min_value=2000, max_value=2100, required=False)
    end_year = forms.IntegerField(label="结束年度", min_value=2000, max_value=2100, required=False)
    amount_requested_wan = forms.DecimalField(
        label="申报金额（万元）", min_value=0, max_digits=14, decimal_places=6, localize=True
    )
    amount_approved_wan = forms.DecimalField(
        label="批复金额（万元）", min_value=0, max_digits=14, decimal_places=6, required=False, localize=True
    )
    amount_adjusted_wan = forms.DecimalField(
        label="调整后金额（万元）", min_value=0, max_digits=14, decimal_places=6, required=False, localize=True
    )
    description = forms.CharField(label="项目概述", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        bootstrap(self)

    @staticmethod
    def initial_from(project: Project) -> dict[str, Any]:
        def wan(v: Decimal | None) -> Decimal | None:
            return None if v is None else (v / TEN_THOUSAND).normalize()

        return {
            "kind": project.kind,
            "code": project.code,
            "name": project.name,
            "owner": project.owner_id,
            "fiscal_year": project.fiscal_year,
            "category": project.category,
            "budget_type": project.budget_type,
            "fund_sources": "、".join(t.name for t in project.fund_sources.all()),
            "domain_tags": "、".join(t.name for t in project.domain_tags.all()),
            "is_new": "1" if project.is_new else "0",
            "start_year": project.start_year,
            "end_year": project.end_year,
            "amount_requested_wan": wan(project.amount_requested),
            "amount_approved_wan": wan(project.amount_approved),
            "amount_adjusted_wan": wan(project.amount_adjusted),
            "description": project.description,
        }

    def _yuan(self, name: str) -> Decimal | None:
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        yuan = value * TEN_THOUSAND
        if yuan != yuan.quantize(YUAN):
            raise forms.ValidationError("金额精确到分（万元最多六位小数）")
        return yuan.quantize(YUAN)

    def clean_amount_requested_wan(self) -> Decimal | None:
        self._yuan("amount_requested_wan")
        return self.cleaned_data["amount_requested_wan"]

    def to_input(self) -> ProjectInput:
        d = self.cleaned_data
        requested = self._yuan("amount_requested_wan")
        assert requested is not None
        return ProjectInput(
            kind=d["kind"],
            code=d["code"],
            name=d["name"],
            owner=d["owner"],
            fiscal_year=d["fiscal_year"],
            category=d["category"],
            budget_type=d["budget_type"],
            fund_sources=_split(d["fund_sources"]),
            domain_tags=_split(d["domain_tags"]),
            is_new=d["is_new"],
            start_year=d["start_year"],
            end_year=d["end_year"],
            amount_requested=requested,
            amount_approved=self._yuan("amount_approved_wan"),
            amount_adjusted=self._yuan("amount_adjusted_wan"),
            description=d["description"],
        )
