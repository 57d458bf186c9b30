"""Forms of the function-point review page: the function list (one formset row per function), the choice of
benchmark version with its adjustment factors, and the workbook import.

The forms only read what is typed; what the chosen version can compute, and what needs a written basis, is
for `jixiao.rules.function_points.estimate` to say (its refusals name the row or the option).
"""

from decimal import Decimal
from typing import Any

from django import forms

from jixiao.appraisals.forms import as_wan
from jixiao.appraisals.function_points import PATH_SEPARATOR
from jixiao.core.forms import bootstrap
from jixiao.rules import function_points as fp
from jixiao.rules.fp_benchmarks import (
    BENCHMARKS,
    DEFAULT_BENCHMARK,
    PERCENTILES,
    TYPES,
    Benchmark,
    Factor,
    find_benchmark,
)
from jixiao.rules.money import MoneyError, wan_to_yuan

TYPE_LABELS = {"ILF": "ILF 内部逻辑文件", "EIF": "EIF 外部接口文件", "EI": "EI 外部输入", "EO": "EO 外部输出"}
TYPE_LABELS["EQ"] = "EQ 外部查询"
METHOD_LABELS = {"预估": "预估功能点法", "估算": "估算功能点法", "详细": "详细（DET/RET/FTR）"}
REUSE_CHOICES = [("", "—"), ("高", "高"), ("中", "中"), ("低", "低")]
CHANGE_CHOICES = [("", "—"), ("新增", "新增"), ("修改", "修改"), ("删除", "删除")]
FUNCTION_PREFIX = "fn"


def _choices(values: list[str], blank: str = "") -> list[tuple[str, str]]:
    return ([("", blank)] if blank else []) + [(v, v) for v in values]


class FunctionRowForm(forms.Form):
    """One function of the list. The path is typed as 子系统/一级模块/二级模块 (stored with " / ")."""

    path = forms.CharField(label="子系统/模块", max_length=200, required=False)
    name = forms.CharField(label="功能点名称", max_length=200, required=False)
    type = forms.ChoiceField(label="类别", choices=[(t, TYPE_LABELS[t]) for t in TYPES])
    method = forms.ChoiceField(label="计数方法", choices=list(METHOD_LABELS.items()), initial="估算")
    det = forms.IntegerField(label="DET", required=False, min_value=0, max_value=9999)
    ret = forms.IntegerField(label="RET", required=False, min_value=0, max_value=9999)
    ftr = forms.IntegerField(label="FTR", required=False, min_value=0, max_value=9999)
    reuse = forms.ChoiceField(label="复用程度", choices=REUSE_CHOICES, required=False)
    change = forms.ChoiceField(label="修改类型", choices=CHANGE_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)
        self.fields["path"].widget.attrs["placeholder"] = "如 审批系统/申报管理"

    def is_blank(self) -> bool:
        """A row added and left empty: no function."""
        d = self.cleaned_data
        return not (d.get("name") or "").strip() and not (d.get("path") or "").strip()

    def to_item(self, number: int) -> fp.FunctionItem:
        d = self.cleaned_data
        path = tuple(p.strip() for p in (d["path"] or "").split("/") if p.strip())
        return fp.FunctionItem(
            name=d["name"].strip(),
            type=d["type"],
            method=d["method"],
            path=path,
            det=d["det"],
            ret=d["ret"],
            ftr=d["ftr"],
            reuse=d["reuse"],
            change=d["change"],
            where=f"功能清单第{number}行（{d['name'].strip() or '未命名'}）",
        )

    @staticmethod
    def initial_from(item: fp.FunctionItem) -> dict[str, Any]:
        return {
            "path": PATH_SEPARATOR.join(item.path),
            "name": item.name,
            "type": fp.function_type(item),
            "method": fp.counting_method(item),
            "det": item.det,
            "ret": item.ret,
            "ftr": item.ftr,
            "reuse": item.reuse.strip().removesuffix("复用").removesuffix("度"),
            "change": item.change,
        }


class BaseFunctionFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def kept(self) -> list[FunctionRowForm]:
        """The rows that are functions: valid, not removed and not left blank, in the table's order."""
        return [
            f  # type: ignore[misc]
            for f in self.forms
            if f.is_valid() and not f.cleaned_data.get("DELETE") and not f.is_blank()
        ]

    def items(self) -> list[fp.FunctionItem]:
        return [form.to_item(n) for n, form in enumerate(self.kept(), 1)]


FunctionFormSet = forms.formset_factory(
    FunctionRowForm, formset=BaseFunctionFormSet, extra=0, can_delete=True, max_num=2000, absolute_max=2000
)


def factor_key(bench: Benchmark, factor: Factor, part: str = "") -> str:
    """The form field of a factor of a version: versions and factors by position, so names stay ASCII."""
    b = list(BENCHMARKS).index(bench.id)
    f = list(bench.factors).index(factor.name)
    return f"b{b}_f{f}{'_' + part if part else ''}"


class FactorFields:
    """The fields of one version's adjustment factors, as the page groups them."""

    def __init__(self, form: "EstimateForm", bench: Benchmark) -> None:
        self.bench = bench
        self.rows = []
        for factor in bench.factors.values():
            keys = [factor_key(bench, factor, str(i)) for i in range(len(factor.items))] if factor.items else []
            main = [form[factor_key(bench, factor)]] if factor.kind != "score" else []
            value = [form[factor_key(bench, factor, "value")]] if factor.kind == "range" else []
            self.rows.append(
                {
                    "factor": factor,
                    "fields": [*main, *value, *(form[k] for k in keys)],
                    "basis": form[factor_key(bench, factor, "basis")],
                }
            )


class EstimateForm(forms.Form):
    """What the estimate is computed with. The factor fields of every version are on the page (app.js shows
    those of the chosen one); only the chosen version's are read."""

    benchmark = forms.ChoiceField(
        label="基准版本", choices=[(b.id, b.title) for b in BENCHMARKS.values()], initial=DEFAULT_BENCHMARK
    )
    industry = forms.ChoiceField(label="行业（生产率）", required=False)
    city = forms.ChoiceField(label="城市（人月费率）", required=False)
    stage = forms.ChoiceField(label="阶段（规模变更调整因子）", required=False, initial="预算")
    percentile = forms.ChoiceField(label="审定取值分位", choices=_choices(list(PERCENTILES)), initial="P50")
    project_kind = forms.ChoiceField(label="项目类型", choices=_choices([fp.NEW, fp.ENHANCEMENT]), initial=fp.NEW)
    requested_wan = forms.DecimalField(label="送审金额（万元）", required=False, max_digits=18, decimal_places=6)
    pdr = forms.DecimalField(label="自定生产率（人时/功能点）", required=False, max_digits=8, decimal_places=4)
    pdr_basis = forms.CharField(label="生产率取值依据", max_length=500, required=False)
    rate = forms.DecimalField(label="自定人月费率（元/人月）", required=False, max_digits=12, decimal_places=2)
    rate_basis = forms.CharField(label="人月费率取值依据", max_length=500, required=False)
    dnc = forms.DecimalField(label="直接非人力成本（元）", required=False, max_digits=16, decimal_places=2)
    dnc_reason = forms.CharField(label="计列原因及测算依据", max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        industries = list(dict.fromkeys(i for b in BENCHMARKS.values() for i in b.pdr))
        cities = list(dict.fromkeys(c for b in BENCHMARKS.values() if b.rates for c in b.rates.values))
        stages = list(dict.fromkeys(s for b in BENCHMARKS.values() if b.scale_change for s in b.scale_change.values))
        self.fields["industry"].choices = _choices(industries, "基准默认行业")  # type: ignore[attr-defined]
        self.fields["city"].choices = _choices(cities, "—")  # type: ignore[attr-defined]
        self.fields["stage"].choices = _choices(stages, "—")  # type: ignore[attr-defined]
        for bench in BENCHMARKS.values():
            for factor in bench.factors.values():
                self._add_factor(bench, factor)
        bootstrap(self, small=True)
        self.fields["benchmark"].widget.attrs["data-benchmark-select"] = ""

    def _add_factor(self, bench: Benchmark, factor: Factor) -> None:
        key = factor_key(bench, factor)
        if factor.kind == "choice":
            options = [(o, f"{o}（{fp.show(v)}）") for o, v in factor.options.items()]
            self.fields[key] = forms.ChoiceField(
                label=factor.name, choices=[("", "不选（按 1）"), *options], required=False
            )
        elif factor.kind == "range":
            ranges = [(o, f"{o}（{fp.show(lo)}–{fp.show(hi)}）") for o, (lo, hi) in factor.ranges.items()]
            self.fields[key] = forms.ChoiceField(label=factor.name, choices=[("", "—"), *ranges], required=False)
            self.fields[factor_key(bench, factor, "value")] = forms.DecimalField(
                label=f"{factor.name}取值", required=False, max_digits=6, decimal_places=4
            )
        else:
            scale = [(str(s), str(s)) for s in factor.scale]
            for i, item in enumerate(factor.items):
                self.fields[factor_key(bench, factor, str(i))] = forms.TypedChoiceField(
                    label=f"{factor.name}·{item}", choices=[("", "—"), *scale], coerce=int, required=False
                )
        self.fields[factor_key(bench, factor, "basis")] = forms.CharField(
            label=f"{factor.name}取值依据", max_length=500, required=False
        )

    def factor_groups(self) -> list[dict[str, Any]]:
        """Each version with its factor fields, for the template."""
        return [{"bench": b, "index": i, "rows": FactorFields(self, b).rows} for i, b in enumerate(BENCHMARKS.values())]

    def chosen_benchmark(self) -> Benchmark:
        return BENCHMARKS[self.cleaned_data["benchmark"]]

    def options(self) -> dict[str, Any]:
        """The options with the engine's field names, as a function-point review stores them."""
        d = self.cleaned_data
        bench = self.chosen_benchmark()
        factors: dict[str, str | dict[str, int]] = {}
        bases: dict[str, str] = {}
        for factor in bench.factors.values():
            if factor.kind == "score":
                scores = {
                    item: d[factor_key(bench, factor, str(i))]
                    for i, item in enumerate(factor.items)
                    if d.get(factor_key(bench, factor, str(i))) not in (None, "")
                }
                if scores:
                    factors[factor.name] = scores
            elif d.get(factor_key(bench, factor)):
                choice = d[factor_key(bench, factor)]
                typed = d.get(factor_key(bench, factor, "value"))
                factors[factor.name] = f"{choice}={typed}" if typed is not None else choice
            basis = (d.get(factor_key(bench, factor, "basis")) or "").strip()
            if basis:
                bases[factor.name] = basis
        plain = ("industry", "city", "stage", "percentile", "project_kind", "pdr_basis", "rate_basis", "dnc_reason")
        numbers = {k: str(d[k]) for k in ("pdr", "rate", "dnc") if d.get(k) is not None}
        return {"benchmark": bench.id, **{k: d[k] for k in plain}, **numbers, "factors": factors, "bases": bases}

    @staticmethod
    def initial_from(options: dict[str, Any], requested: Decimal | None) -> dict[str, Any]:
        """The fields for stored options (the inverse of `options`)."""
        initial: dict[str, Any] = {k: v for k, v in options.items() if k in EstimateForm.base_fields}
        if requested is not None:
            initial["requested_wan"] = as_wan(requested)
        bench = find_benchmark(str(options.get("benchmark", DEFAULT_BENCHMARK)))
        if bench is None:
            return initial
        for name, choice in (options.get("factors") or {}).items():
            factor = bench.factors.get(name)
            if factor is None:
                continue
            if isinstance(choice, dict):
                for i, item in enumerate(factor.items):
                    if item in choice:
                        initial[factor_key(bench, factor, str(i))] = str(choice[item])
            else:
                option, _, typed = str(choice).partition("=")
                initial[factor_key(bench, factor)] = option
                if typed:
                    initial[factor_key(bench, factor, "value")] = typed
        for name, basis in (options.get("bases") or {}).items():
            if name in bench.factors:
                initial[factor_key(bench, bench.factors[name], "basis")] = basis
        return initial

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        d["requested"] = None
        if d.get("requested_wan") is not None:
            try:
                d["requested"] = wan_to_yuan(d["requested_wan"])
            except MoneyError as exc:
                self.add_error("requested_wan", str(exc))
        return d


class FunctionListUploadForm(forms.Form):
    file = forms.FileField(label="功能清单工作簿（.xlsx 或 .csv）")
    sheet = forms.CharField(label="工作表", max_length=100, required=False, initial="功能清单")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)
