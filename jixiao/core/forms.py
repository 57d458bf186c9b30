"""What the forms of every module share: Bootstrap classes on their widgets."""

from django import forms


def bootstrap(form: forms.BaseForm, *, small: bool = False) -> None:
    """`form-select` on select boxes, `form-control` on every other widget; their `-sm` sizes when small."""
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", f"{css} {css}-sm" if small else css)
