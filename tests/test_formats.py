"""Chinese formats: dates typed the way offices write them, numbers with thousands separators."""

import datetime
from decimal import Decimal

from django import forms
from django.template import Context, Template
from django.utils import formats, translation


class DateForm(forms.Form):
    day = forms.DateField()


def test_date_input_accepts_chinese_style():
    with translation.override("zh-hans"):
        form = DateForm({"day": "2026年9月5日"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["day"] == datetime.date(2026, 9, 5)


def test_numbers_are_grouped_by_thousands():
    with translation.override("zh-hans"):
        assert formats.number_format(Decimal("1234567.89"), 2, use_l10n=True, force_grouping=True) == "1,234,567.89"


def test_wan_filter_rounds_half_up_in_templates():
    out = Template("{{ a|wan }} {{ b|wan }} {{ c|yuan }}").render(
        Context({"a": Decimal("123456789.50"), "b": Decimal("50"), "c": Decimal("1234.565")})
    )
    # 12345.678950 万元 → 12,345.68; 0.005 万元 → 0.01 (half-up, not half-even); 1234.565 元 → 1,234.57
    assert out == "12,345.68 0.01 1,234.57"
