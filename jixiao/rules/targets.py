"""指标值: a target as written in a 绩效目标表, read into operator, number and unit, and written back.

Published tables write targets in many ways: inline (「≥50个」「≤90万元」「≥100百分比」「8个以上」「不低于95%」),
or split over columns (指标性质 | 指标值 | 计量单位: 「= | 100 | %」), sometimes with the indicator's name in
front (「科目调整次数≤10次」). One reader serves the forms and the imports, so a target means the same
wherever it was typed. Values are Decimal as written; a text without a number is a 定性 target.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

QUALITATIVE = "定性"
QUANTITATIVE = "定量"  # in a 指标性质 column: a number, direction given by the text
OPERATORS = ("=", "≥", "≤", ">", "<")
POLARITY = {"≥": "正向", ">": "正向", "≤": "反向", "<": "反向", "=": "等于", QUALITATIVE: "定性"}


class TargetError(ValueError):
    """A target that cannot be read without guessing; the message says what to change."""


@dataclass(frozen=True)
class ParsedTarget:
    operator: str  # one of OPERATORS, or 定性
    value: Decimal | None
    unit: str
    text: str  # the target as written (stripped); for 定性 the described level


# Full-width forms as typed with a Chinese input method, and the look-alike comparison signs.
_NARROW = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "＞": ">",
        "＜": "<",
        "＝": "=",
        "％": "%",
        "，": ",",
        "．": ".",
        "－": "-",
        "−": "-",
        "＋": "+",
        "　": " ",
        "≧": "≥",
        "≦": "≤",
        "⩾": "≥",
        "⩽": "≤",
    }
)

# Words and signs before the number, by the operator they mean.
_BEFORE = {
    "≥": [
        "≥",
        ">=",
        "大于等于",
        "大于或等于",
        "高于或等于",
        "不低于",
        "不少于",
        "不小于",
        "不得低于",
        "不得少于",
        "至少",
    ],
    "≤": ["≤", "<=", "小于等于", "小于或等于", "低于或等于", "不高于", "不超过", "不多于", "不大于", "不得高于"]
    + ["不得超过", "至多", "最多", "控制在"],
    ">": [">", "大于", "高于", "超过", "多于"],
    "<": ["<", "小于", "低于", "少于", "不足"],
    "=": ["=", "等于"],
}
# Words after the number: 「8个以上」 includes 8 (以上、以下 include the number in Chinese usage).
_AFTER = {"及以上": "≥", "以上": "≥", "及以下": "≤", "以下": "≤", "以内": "≤", "之内": "≤"}
# What a separate 指标性质 column may hold besides an operator: a direction, or the kind of value.
_DIRECTION = {"正向": "≥", "反向": "≤"}
_OPERATOR_OF = {word: op for op, words in _BEFORE.items() for word in words}
_BEFORE_RE = re.compile("|".join(re.escape(w) for w in sorted(_OPERATOR_OF, key=len, reverse=True)))
_AFTER_RE = re.compile("|".join(re.escape(w) for w in sorted(_AFTER, key=len, reverse=True)))
# A number not glued to a preceding letter (so 「m3」「PM2.5」 stay units or names), with optional
# thousands separators; a minus sign counts only where it cannot be a range dash (「5-10」).
_NUMBER_RE = re.compile(r"(?<![A-Za-z0-9.,])-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
# The unit is what follows the number up to a space, a bracket or a separator.
_UNIT_RE = re.compile(r"[^\s,;；、。()（）\[\]【】<>=≥≤]*")
_PERCENT = {"%", "百分比", "百分点", "百分率"}
# A deadline (「2026年12月31日前」「8月31日前」「6月底前」「2026年底」): its numbers make one date, not a
# target value and a unit (nor two targets). Kept as written, a 定性 target.
_DATE_RE = re.compile(r"(?:[0-9]{4}年)?(?:[0-9]{1,2}月)?(?:[0-9]{1,2}[日号]|[上中下]旬|底|末)?(?:前|之前|以前|完成)?")
_DATE_PART_RE = re.compile(r"[0-9]{4}年|[0-9]{1,2}月")


def normalize_unit(unit: str) -> str:
    """「百分比」「百分点」「％」 → 「%」; other units as written, without surrounding spaces."""
    unit = unit.translate(_NARROW).strip()
    return "%" if unit in _PERCENT else unit


def parse_target(text: str, *, operator: str = "", unit: str = "") -> ParsedTarget:
    """Read a target. `operator` and `unit` are the separate 指标性质 and 计量单位 columns when the table
    has them; they win over what the text says, except that an operator contradicting the text's is
    an error (「≤」 with 「≥5」), since either may be the typo."""
    written = text.strip()
    narrow = written.translate(_NARROW)
    column = _column_operator(operator)
    numbers = list(_NUMBER_RE.finditer(narrow))
    values = {Decimal(m.group().replace(",", "")) for m in numbers}
    if numbers and _is_date(narrow):
        return ParsedTarget(QUALITATIVE, None, normalize_unit(unit), written)
    if len(values) > 1:
        shown = "、".join(m.group() for m in numbers)
        raise TargetError(f"指标值“{written}”中有多个数字（{shown}），无法确定目标值：请只填写一个目标值，如“≥95%”")
    inline, inline_unit = _inline(written, narrow, numbers[0] if numbers else None)
    unit = normalize_unit(unit) or inline_unit
    # Without a number the text describes a level (「应保尽保」「不低于上年」), unless a column or the
    # text alone (「≥」) says the target is a number that is still missing.
    if column == QUALITATIVE or (not numbers and not column and narrow.replace(" ", "") not in _OPERATOR_OF):
        return ParsedTarget(QUALITATIVE, None, unit, written)
    # 正向/反向 name a direction only; 定量 says nothing about it.
    if column not in ("", QUANTITATIVE) and inline and POLARITY.get(column, column) != POLARITY[inline]:
        raise TargetError(f"指标性质“{operator.strip()}”与指标值“{written}”中的“{inline}”矛盾：请改为一致的方向")
    if column in ("", QUANTITATIVE):
        chosen = inline or "="
    elif column in _DIRECTION:
        chosen = inline or _DIRECTION[column]
    else:
        chosen = column
    value = Decimal(numbers[0].group().replace(",", "")) if numbers else None
    return ParsedTarget(chosen, value, unit, written)


def _is_date(narrow: str) -> bool:
    text = narrow.replace(" ", "")
    return _DATE_PART_RE.search(text) is not None and _DATE_RE.fullmatch(text) is not None


def _column_operator(operator: str) -> str:
    """The separate 指标性质 column: an operator, 定性, 定量, 正向, 反向, or ''."""
    word = operator.translate(_NARROW).replace(" ", "")
    if not word or word in (QUALITATIVE, QUANTITATIVE) or word in _DIRECTION:
        return word
    if word in _OPERATOR_OF:
        return _OPERATOR_OF[word]
    raise TargetError(f"指标性质“{operator.strip()}”无法识别：可填 =、≥、≤、>、<、定性（或 正向、反向、定量）")


def _inline(written: str, narrow: str, number: re.Match[str] | None) -> tuple[str, str]:
    """The operator and unit the text itself gives: the last operator word before the number, a
    「以上/以下/以内」 after it, and the unit right after the number."""
    before = narrow[: number.start()] if number else narrow
    after = narrow[number.end() :] if number else ""
    words = _BEFORE_RE.findall(before)
    prefix = _OPERATOR_OF[words[-1]] if words else ""
    after_word = _AFTER_RE.search(after)
    suffix_word = after_word.group() if after_word else ""
    suffix = _AFTER.get(suffix_word, "")
    if prefix and suffix and POLARITY[prefix] != POLARITY[suffix]:
        raise TargetError(f"指标值“{written}”前后方向矛盾：“{words[-1]}”与“{suffix_word}”，请只保留一个")
    unit_match = _UNIT_RE.match(after.lstrip())
    unit = unit_match.group() if unit_match else ""
    cut = _AFTER_RE.search(unit)
    unit = unit[: cut.start()] if cut else unit
    return prefix or suffix, normalize_unit(unit)


def format_target(operator: str, value: Decimal | None, unit: str) -> str:
    """「≥50个」: operator, the value without trailing zeros or exponent, unit. A target without a value
    (定性, or not yet filled in) gives ''; show its text instead."""
    if operator == QUALITATIVE or value is None:
        return ""
    if operator not in OPERATORS:
        raise TargetError(f"指标性质“{operator}”无效：可为 =、≥、≤、>、< 或 定性")
    return f"{operator}{plain_number(value)}{unit}"


def plain_number(value: Decimal) -> str:
    """202.6000 → 「202.6」, 1E+3 → 「1000」, -0 → 「0」."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def polarity(operator: str) -> str:
    """指标方向 from the operator: ≥ and > 正向, ≤ and < 反向, = 等于, 定性 定性."""
    try:
        return POLARITY[operator]
    except KeyError as exc:
        raise TargetError(f"指标性质“{operator}”无效：可为 =、≥、≤、>、< 或 定性") from exc
