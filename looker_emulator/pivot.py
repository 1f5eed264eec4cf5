"""Query results as Looker shapes them: rows by field name, pivoted in Python when the query pivots."""

from __future__ import annotations

from dataclasses import dataclass, field

from .lookml import Field


@dataclass
class Result:
    """Rows keyed by field name, in the query's field order, with what produced them."""

    fields: list[Field]
    rows: list[dict]
    sql: str
    pivots: list[Field] = field(default_factory=list)
    pivot_keys: list[str] = field(default_factory=list)


def clean(value):
    """Round floats as Looker rounds what it shows."""
    return round(value, 4) if isinstance(value, float) else value


def inline(sql: str, params: list) -> str:
    """Return the SQL with its parameters written in, as Looker shows the SQL it ran."""
    parts = sql.split("?")
    out = parts[0]
    for value, part in zip(params, parts[1:], strict=True):
        literal = f"{value:g}" if isinstance(value, float) else "'" + str(value).replace("'", "''") + "'"
        out += literal + part
    return out


def pivot(fields: list[Field], pivots: list[Field], rows: list[dict], sql: str, limit: int | None) -> Result:
    """Turn flat rows into Looker's pivoted rows: one per dimension tuple, measures keyed by pivot value."""
    pivot_names = [p.name for p in pivots]
    keep = [f for f in fields if f.name not in pivot_names]
    keys: list[str] = []
    grouped: dict[tuple, dict] = {}
    for row in rows:
        key = "|FIELD|".join(str(row[name]) for name in pivot_names)
        if key not in keys:
            keys.append(key)
        ident = tuple(row[f.name] for f in keep if f.category == "dimension")
        target = grouped.setdefault(ident, {f.name: row[f.name] for f in keep if f.category == "dimension"})
        for f in keep:
            if f.category == "measure":
                target.setdefault(f.name, {})[key] = row[f.name]
    keys.sort()
    out = list(grouped.values())
    for row in out:
        for f in keep:
            if f.category == "measure":
                row[f.name] = {key: row.get(f.name, {}).get(key) for key in keys}
    if limit is not None:
        out = out[:limit]
    return Result(keep, out, sql, pivots, keys)
