from typing import Any

from django import forms

from jixiao.core import scoping
from jixiao.imports.registry import all_importers


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入内容")
    file = forms.FileField(label="文件", help_text="支持 .xlsx（Excel 工作簿）和 .csv（UTF-8 或 GB18030 编码）")
    year = forms.IntegerField(
        label="年度", required=False, min_value=2000, max_value=2100, help_text="绩效目标申报表：项目编码所属的预算年度"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(i.kind, i.label) for i in all_importers() if scoping.has_cap(user, i.cap)]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
