"""Forms of the administration pages, and the friendly text form of rule values.

A rule value may be typed as JSON, or the way an office would write it: a list as comma-separated
items, grade bands as lines "优 90" (grade and inclusive lower bound), weights as lines "产出指标 50".
"""

import json
import re
from typing import Any

from django import forms

from jixiao.core.forms import bootstrap
from jixiao.orgs.models import Organization, User
from jixiao.orgs.roles import Role
from jixiao.rules.config import RuleValueError, check_grade_bands, check_string_list, check_weights, definition
from jixiao.rules.money import format_wan, format_yuan, to_yuan

BANDS, WEIGHTS, LIST, SCALAR = "bands", "weights", "list", "scalar"
ROLE_CHOICES = [("", "请选择"), *Role.choices]


def value_kind(key: str) -> str:
    check = definition(key).check
    if check is check_grade_bands:
        return BANDS
    if check is check_weights:
        return WEIGHTS
    if check is check_string_list:
        return LIST
    return SCALAR


def _pairs(text: str, what: str) -> list[tuple[str, str]]:
    pairs = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"[:：,，\t]", " ", raw).strip()
        if not line:
            continue
        parts = line.rsplit(maxsplit=1)
        if len(parts) != 2:
            raise RuleValueError(f"第{n}行“{raw.strip()}”应为“{what}”，名称与数值之间用空格分隔")
        pairs.append((parts[0].strip(), parts[1].strip()))
    if not pairs:
        raise RuleValueError("取值不能为空")
    return pairs


def parse_value(key: str, text: str) -> Any:
    """The value typed in the form, before the rule's own check."""
    text = text.strip()
    if not text:
        raise RuleValueError("取值不能为空")
    if text[0] in '[{"':
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise RuleValueError(f"不是有效的JSON：第{exc.lineno}行第{exc.colno}列 {exc.msg}") from exc
    kind = value_kind(key)
    if kind == BANDS:
        return [{"grade": g, "min": m} for g, m in _pairs(text, "等级 下限")]
    if kind == WEIGHTS:
        return dict(_pairs(text, "名称 分值"))
    if kind == LIST:
        return [part.strip() for part in re.split(r"[,，、;；\n]", text) if part.strip()]
    return text


def format_value(key: str, value: Any) -> str:
    """The friendly text of a value, as the edit form shows it."""
    kind = value_kind(key)
    try:
        if kind == BANDS:
            return "\n".join(f"{b['grade']} {b['min']}" for b in value)
        if kind == WEIGHTS:
            return "\n".join(f"{k} {v}" for k, v in value.items())
        if kind == LIST:
            return "，".join(str(v) for v in value)
    except (TypeError, KeyError, AttributeError):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def display_value(key: str, value: Any) -> str:
    """One line for the table: bands with their lower bounds, amounts also in 万元."""
    kind = value_kind(key)
    try:
        if kind == BANDS:
            return "；".join(f"{b['grade']} ≥{b['min']}" for b in value)
        if kind == WEIGHTS:
            return "；".join(f"{k} {v}" for k, v in value.items())
        if kind == LIST:
            return "、".join(str(v) for v in value)
        if key.endswith("_yuan"):
            amount = to_yuan(value)
            return f"{format_yuan(amount)} 元（{format_wan(amount)} 万元）"
        if key.endswith("_percent"):
            return f"{value}%"
    except (TypeError, KeyError, AttributeError, ValueError, ArithmeticError):
        pass
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _choose(form: forms.Form, name: str, queryset: Any, label: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset
    field.label_from_instance = label  # type: ignore[method-assign]


def _org_label(o: Organization) -> str:
    return f"{o.region.name} · {o.name}"


class RuleForm(forms.Form):
    value = forms.CharField(label="取值", widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.CharField(label="依据", max_length=300, help_text="文件名称及文号，如“吕财绩〔2024〕3号”")
    fiscal_year = forms.IntegerField(
        label="适用年度", min_value=2000, max_value=2100, required=False, help_text="留空表示适用于各年度"
    )
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", key.replace(".", "-"))
        super().__init__(*args, **kwargs)
        self.key = key
        bootstrap(self)
        kind = value_kind(key)
        self.fields["value"].help_text = {
            BANDS: "每行一个等级：等级名称 下限（含本数），从高到低，最后一档下限为0；也可填JSON",
            WEIGHTS: "每行一项：名称 分值，合计须为100；也可填JSON",
            LIST: "多项用逗号或顿号分隔；也可填JSON",
            SCALAR: definition(key).help or "",
        }[kind]

    def clean_value(self) -> Any:
        try:
            return parse_value(self.key, self.cleaned_data["value"])
        except RuleValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class UserCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput(render_value=False), strip=False)
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput(render_value=False), strip=False)
    organization = forms.ModelChoiceField(label="所在机构", queryset=Organization.objects.none())
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        _choose(self, "organization", organizations, _org_label)
        bootstrap(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        return data


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(label="用户", queryset=User.objects.none())
    organization = forms.ModelChoiceField(label="机构", queryset=Organization.objects.none())
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES)

    def __init__(self, *args: Any, users: Any, organizations: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "grant")
        super().__init__(*args, **kwargs)
        _choose(self, "user", users, lambda u: f"{u.username}（{u.display_name}）")
        _choose(self, "organization", organizations, _org_label)
        bootstrap(self)


class UnlockForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, required=False)
    ip = forms.GenericIPAddressField(label="IP地址", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("username") and not data.get("ip") and not self.errors:
            raise forms.ValidationError("请填写要解锁的用户名或IP地址")
        return data
