"""Between the stored function-point review and the pure engine (`jixiao.rules.function_points`).

The options are stored as JSON with the engine's field names (amounts and productivities as decimal
strings); the items as rows. Both are turned back into the engine's types here, so what is stored and
what `jixiao fpa` computes for the same list are the same computation.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from jixiao.appraisals.models import FunctionItem
from jixiao.rules import function_points as fp

# Options fields stored as JSON and how each is read back.
_TEXT = (
    "benchmark",
    "industry",
    "city",
    "stage",
    "percentile",
    "project_kind",
    "pdr_basis",
    "rate_basis",
    "dnc_reason",
)
_NUMBERS = ("pdr", "rate", "dnc")
PATH_SEPARATOR = " / "


class OptionsError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _number(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise OptionsError(f"参数“{name}”的值“{value}”不是数字", name) from exc
    if not number.is_finite():
        raise OptionsError(f"参数“{name}”的值“{value}”不是数字", name)
    return number


def clean_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options as stored: only the engine's fields, numbers as exact decimal strings."""
    unknown = set(options) - {*_TEXT, *_NUMBERS, "factors", "bases"}
    if unknown:
        raise OptionsError(f"未知的计算参数：{'、'.join(sorted(unknown))}", "options")
    out: dict[str, Any] = {k: str(options[k]).strip() for k in _TEXT if options.get(k) not in (None, "")}
    for k in _NUMBERS:
        number = _number(options.get(k), k)
        if number is not None:
            out[k] = str(number)
    factors = options.get("factors") or {}
    bases = options.get("bases") or {}
    if not isinstance(factors, Mapping) or not isinstance(bases, Mapping):
        raise OptionsError("factors 与 bases 须为“名称: 取值”的对应表", "options")
    out["factors"] = {
        str(k): ({str(i): int(s) for i, s in v.items()} if isinstance(v, Mapping) else str(v))
        for k, v in factors.items()
    }
    out["bases"] = {str(k): str(v) for k, v in bases.items()}
    return out


def engine_options(stored: Mapping[str, Any], requested: Decimal | None) -> fp.Options:
    defaults = fp.Options()
    text = {k: stored.get(k, getattr(defaults, k)) for k in _TEXT}
    return fp.Options(
        **text,
        factors=stored.get("factors", {}),
        bases=stored.get("bases", {}),
        pdr=_number(stored.get("pdr"), "pdr"),
        rate=_number(stored.get("rate"), "rate"),
        dnc=_number(stored.get("dnc"), "dnc") or Decimal(0),
        requested=requested,
    )


def engine_item(row: FunctionItem) -> fp.FunctionItem:
    return fp.FunctionItem(
        name=row.name,
        type=row.type,
        method=row.method,
        path=tuple(p for p in row.path.split(PATH_SEPARATOR) if p),
        det=row.det,
        ret=row.ret,
        ftr=row.ftr,
        reuse=row.reuse,
        change=row.change,
        where=f"第{row.position}项",
    )


def item_row(item: fp.FunctionItem, position: int) -> FunctionItem:
    """An unsaved row for an engine item (types and methods in their canonical codes)."""
    return FunctionItem(
        position=position,
        path=PATH_SEPARATOR.join(item.path),
        name=item.name.strip(),
        type=fp.function_type(item),
        method=fp.counting_method(item),
        det=item.det,
        ret=item.ret,
        ftr=item.ftr,
        reuse=item.reuse,
        change=item.change,
    )


def compute(rows: Iterable[FunctionItem], stored_options: Mapping[str, Any], requested: Decimal | None) -> fp.Estimate:
    return fp.estimate([engine_item(r) for r in rows], engine_options(stored_options, requested))
