"""How a report shows a cell: Looker's label for the column, and numbers in the field's value format.

Looker describes each field of a `json_detail` answer (label, type, `value_format`, `align`), and may send
a `rendered` string beside each value. A report shows Looker's rendering when there is one, else the
value in the field's Excel-style `value_format` (or its `value_format_name`), else a number with
thousands separators. Only the parts of the Excel syntax LookML uses are read: literals, quoted text,
`#,##0.00` placeholders, `%`, scaling commas (`0.0,,"M"`) and `[>=1000]` conditions; anything else
falls back to the plain number rather than showing something wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

NAMED = {
    **{f"decimal_{n}": "#,##0" + ("." + "0" * n if n else "") for n in range(5)},
    **{f"percent_{n}": "0" + ("." + "0" * n if n else "") + "%" for n in range(5)},
    **{f"{code}_0": f"{sign}#,##0" for code, sign in (("usd", "$"), ("gbp", "£"), ("eur", "€"))},
    **{code: f"{sign}#,##0.00" for code, sign in (("usd", "$"), ("gbp", "£"), ("eur", "€"))},
    "id": "0",
}
TOKEN = re.compile(r'"([^"]*)"|\\(.)|\[\$([^\]-]*)[^\]]*\]|\[([<>=]{1,2})(-?[\d.]+)\]|\[[^\]]*\]|([0#?,.]+)|(.)')
NUMERIC_TYPES = {"number", "count", "count_distinct", "sum", "average", "min", "max", "sum_distinct", "tier"}


@dataclass(frozen=True)
class Column:
    """One column of a report: Looker's field name, its label, and how its values are shown."""

    name: str
    label: str
    numeric: bool = False
    value_format: str | None = None

    @classmethod
    def from_field(cls, field: dict) -> Column:
        """Describe a column from a field of Looker's json_detail (or an explore's field list)."""
        pattern = field.get("value_format") or NAMED.get(field.get("value_format_name") or "")
        numeric = field.get("is_numeric")
        if numeric is None:
            numeric = field.get("type") in NUMERIC_TYPES or field.get("align") == "right"
        return cls(field["name"], field.get("label") or field["name"], bool(numeric), pattern)

    def show(self, value, rendered: str | None = None) -> str:
        """Return the cell as a reader should see it."""
        if rendered not in (None, ""):
            return str(rendered)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return (self.value_format and format_number(value, self.value_format)) or plain_number(value)


def plain_number(value: int | float) -> str:
    """Show a number with thousands separators: whole numbers as such, others to two decimals."""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def _section(pattern: str, value: float) -> tuple[list[tuple], float, bool]:
    """Pick the part of a `a;b;c` pattern that applies to the value, parsed into tokens."""
    parts = [list(TOKEN.finditer(part)) for part in _split(pattern)]
    conditional = [p for p in parts if any(t.group(4) for t in p)]
    if conditional:
        for part in parts:
            test = next((t for t in part if t.group(4)), None)
            if test is None or _holds(test.group(4), value, float(test.group(5))):
                return part, value, False
        return parts[-1], value, False
    if value < 0 and len(parts) > 1:
        return parts[1], -value, False
    if value == 0 and len(parts) > 2:
        return parts[2], value, False
    return parts[0], value, value < 0


def _split(pattern: str) -> list[str]:
    parts, current, quoted = [], "", False
    for char in pattern:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _holds(op: str, value: float, limit: float) -> bool:
    return {
        ">": value > limit,
        ">=": value >= limit,
        "<": value < limit,
        "<=": value <= limit,
        "=": value == limit,
        "<>": value != limit,
    }.get(op, False)


def format_number(value: int | float, pattern: str) -> str | None:
    """Format a number with an Excel-style pattern such as `$#,##0.00`; None when the pattern is not understood."""
    tokens, value, negative = _section(pattern, float(value))
    digits = [t.group(6) for t in tokens if t.group(6) and re.search(r"[0#?]", t.group(6))]
    if len(digits) != 1:
        return None
    placeholder = digits[0]
    scaled = len(placeholder) - len(placeholder.rstrip(","))
    placeholder = placeholder.rstrip(",")
    whole, _, decimals = placeholder.partition(".")
    value /= 1000**scaled
    if any(t.group(7) == "%" for t in tokens):
        value *= 100
    places = len(re.findall(r"[0#?]", decimals))
    rounded = Decimal(repr(abs(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    number = f"{rounded:{',' if ',' in whole else ''}.{places}f}"  # half away from zero, as Looker rounds
    if not re.search(r"0", whole) and number.startswith("0") and places:
        number = number[1:]  # "#.00" shows .50, not 0.50
    out = []
    for token in tokens:
        literal = token.group(1) or token.group(2) or token.group(3) or token.group(7)
        if token.group(6) and re.search(r"[0#?]", token.group(6)):
            out.append(number)
        elif token.group(6):
            out.append(token.group(6))  # a comma or a point on its own is text
        elif literal is not None:
            out.append(literal)
    text = "".join(out)
    return ("-" + text) if (negative or value < 0) and float(number.replace(",", "") or 0) else text
