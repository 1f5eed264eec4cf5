"""Compile Looker filter expressions ("-foo%", ">=5 AND <10", "last 3 months") into SQL conditions."""

from __future__ import annotations

import datetime as dt
import re

UNITS = ("day", "week", "month", "quarter", "year")
UNIT = r"(day|week|month|quarter|year)s?"
DATE = r"(\d{4}(?:[-/]\d{2}(?:[-/]\d{2})?)?)"


class FilterError(ValueError):
    """A filter expression Looker would not accept."""


def _split(expression: str) -> list[str]:
    """Split on commas that are neither escaped (\\, or ^,) nor inside a [range]."""
    parts, current, depth, i = [], "", 0, 0
    while i < len(expression):
        char = expression[i]
        if char in "\\^" and i + 1 < len(expression) and expression[i + 1] == ",":
            current += "\\,"
            i += 2
            continue
        depth += char in "[(" and 1 or 0
        depth -= char in "])" and 1 or 0
        if char == "," and depth <= 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
        i += 1
    parts.append(current.strip())
    return [part for part in parts if part]


def _combine(positives: list, negatives: list, params: list) -> str:
    """AND the negated terms onto the OR of the positive ones; each term is (sql, its params)."""
    clauses = []
    if positives:
        clauses.append("(" + " OR ".join(sql for sql, _ in positives) + ")")
    clauses.extend(sql for sql, _ in negatives)
    for _, term_params in positives + negatives:
        params.extend(term_params)
    return "(" + " AND ".join(clauses) + ")" if clauses else "1=1"


# ---- strings -------------------------------------------------------------------------------------------
def _unescape(text: str) -> tuple[str, bool]:
    """Return the literal text with LIKE wildcards kept, and whether it has any."""
    out, wildcard, i = "", False, 0
    while i < len(text):
        char = text[i]
        if char in "^\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out += {"%": "\\%", "_": "\\_"}.get(nxt, nxt)
            i += 2
            continue
        wildcard |= char in "%_"
        out += char
        i += 1
    return out, wildcard


def string_condition(expr: str, expression: str, params: list) -> str:
    """Compile a string filter: exact values, %wildcards%, -negation, NULL and EMPTY."""
    positives, negatives = [], []
    for term in _split(expression):
        negate = term.startswith("-")
        body = term[1:] if negate else term
        own: list = []
        if body.upper() == "NULL":
            clause = f"{expr} IS NULL"
        elif body.upper() == "EMPTY":
            clause = f"({expr} IS NULL OR {expr} = '')"
        else:
            literal, wildcard = _unescape(body)
            own.append(literal)
            clause = f"{expr} LIKE ? ESCAPE '\\'" if wildcard else f"{expr} = ?"
        (negatives if negate else positives).append((f"NOT ({clause})" if negate else clause, own))
    return _combine(positives, negatives, params)


# ---- numbers -------------------------------------------------------------------------------------------
NUMBER = r"-?\d+(?:\.\d+)?"


def _number_term(expr: str, term: str, params: list) -> str:
    term = term.strip()
    upper = term.upper()
    if upper == "NULL":
        return f"{expr} IS NULL"
    if match := re.fullmatch(rf"({NUMBER})\s+to\s+({NUMBER})", term, re.I):
        params.extend(float(g) for g in match.groups())
        return f"({expr} >= ? AND {expr} <= ?)"
    if match := re.fullmatch(rf"([\[(])\s*({NUMBER})?\s*,\s*({NUMBER})?\s*([\])])", term):
        opening, low, high, closing = match.groups()
        clauses = []
        if low is not None:
            clauses.append(f"{expr} {'>=' if opening == '[' else '>'} ?")
            params.append(float(low))
        if high is not None:
            clauses.append(f"{expr} {'<=' if closing == ']' else '<'} ?")
            params.append(float(high))
        return "(" + " AND ".join(clauses or ["1=1"]) + ")"
    if match := re.fullmatch(rf"(>=|<=|!=|<>|>|<|=)?\s*({NUMBER})", term):
        operator, value = match.groups()
        params.append(float(value))
        return f"{expr} {'<>' if operator == '!=' else operator or '='} ?"
    raise FilterError(f"'{term}' is not a number filter")


def number_condition(expr: str, expression: str, params: list) -> str:
    """Compile a number filter: values, lists, NOT, NULL, comparisons, 'a to b' and [a, b) ranges."""
    positives, negatives = [], []
    for term in _split(expression):
        negate = bool(re.match(r"(?i)not\s+", term))
        body = re.sub(r"(?i)^not\s+", "", term)
        parts = re.split(r"(?i)\s+and\s+", body)
        own: list = []
        clause = " AND ".join(_number_term(expr, part, own) for part in parts)
        clause = f"({clause})" if len(parts) > 1 else clause
        (negatives if negate else positives).append((f"NOT ({clause})" if negate else clause, own))
    return _combine(positives, negatives, params)


# ---- yes/no --------------------------------------------------------------------------------------------
def yesno_condition(expr: str, expression: str, params: list) -> str:
    """Compile a yes/no filter."""
    value = expression.strip().lower()
    if value not in ("yes", "no"):
        raise FilterError(f"'{expression}' is not Yes or No")
    return f"({expr})" if value == "yes" else f"NOT ({expr})"


# ---- dates ---------------------------------------------------------------------------------------------
def _start(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    return day


def _shift(day: dt.date, unit: str, n: int) -> dt.date:
    if unit == "day":
        return day + dt.timedelta(days=n)
    if unit == "week":
        return day + dt.timedelta(weeks=n)
    months = {"month": 1, "quarter": 3, "year": 12}[unit] * n
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def _absolute(text: str) -> tuple[dt.date, dt.date]:
    """Return the half-open range a YYYY, YYYY-MM or YYYY-MM-DD names."""
    parts = [int(p) for p in re.split(r"[-/]", text)]
    try:
        if len(parts) == 1:
            return dt.date(parts[0], 1, 1), dt.date(parts[0] + 1, 1, 1)
        if len(parts) == 2:
            start = dt.date(parts[0], parts[1], 1)
            return start, _shift(start, "month", 1)
        start = dt.date(*parts)
    except ValueError as exc:
        raise FilterError(f"'{text}' is not a date") from exc
    return start, start + dt.timedelta(days=1)


def date_range(term: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Return the half-open [start, end) a single date filter term selects; None means open-ended."""
    text = " ".join(term.lower().split())
    named = {"today": 0, "yesterday": -1, "tomorrow": 1}
    if text in named:
        day = today + dt.timedelta(days=named[text])
        return day, day + dt.timedelta(days=1)
    if match := re.fullmatch(rf"(this|last|next) {UNIT}", text):
        which, unit = match.groups()
        start = _shift(_start(today, unit), unit, {"this": 0, "last": -1, "next": 1}[which])
        return start, _shift(start, unit, 1)
    if match := re.fullmatch(rf"(last )?(\d+) {UNIT}", text):
        complete, n, unit = match.groups()
        current = _start(today, unit)
        if complete:  # the n complete periods before the current one
            return _shift(current, unit, -int(n)), current
        return _shift(current, unit, 1 - int(n)), _shift(current, unit, 1)
    if match := re.fullmatch(rf"(\d+) {UNIT} ago(?: for (\d+) {UNIT})?", text):
        n, unit, length, length_unit = match.groups()
        start = _shift(_start(today, unit), unit, -int(n))
        return start, _shift(start, length_unit or unit, int(length or 1))
    if match := re.fullmatch(r"before (.+)", text):
        return None, date_range(match.group(1), today)[0]
    if match := re.fullmatch(r"after (.+)", text):
        return date_range(match.group(1), today)[0], None
    if match := re.fullmatch(rf"{DATE} to {DATE}", text):
        return _absolute(match.group(1))[0], _absolute(match.group(2))[0]
    if match := re.fullmatch(rf"{DATE} for (\d+) {UNIT}", text):
        start = _absolute(match.group(1))[0]
        return start, _shift(start, match.group(3), int(match.group(2)))
    if re.fullmatch(DATE, text):
        return _absolute(text)
    raise FilterError(f"'{term}' is not a date filter Looker understands")


def date_condition(expr: str, expression: str, params: list, today: dt.date) -> str:
    """Compile a date filter against a raw 'YYYY-MM-DD HH:MM:SS' timestamp expression."""
    positives, negatives = [], []
    for term in _split(expression):
        upper = term.strip().upper()
        if upper in ("NULL", "NOT NULL"):
            (negatives if upper == "NOT NULL" else positives).append(
                (f"{expr} IS NOT NULL" if upper == "NOT NULL" else f"{expr} IS NULL", [])
            )
            continue
        start, end = date_range(term, today)
        clauses, own = [], []
        if start is not None:
            clauses.append(f"{expr} >= ?")
            own.append(start.isoformat())
        if end is not None:
            clauses.append(f"{expr} < ?")
            own.append(end.isoformat())
        positives.append(("(" + " AND ".join(clauses) + ")", own))
    return _combine(positives, negatives, params)
