"""Turn a Looker query (model, view, fields, filters, sorts, pivots, limit) into SQL and run it."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

from . import filters as flt
from .lookml import REF, Explore, Field, Model
from .pivot import Result, clean, inline, pivot


class QueryError(ValueError):
    """A query Looker would reject; `errors` name each bad field as Looker's 422 does."""

    def __init__(self, message: str, errors: list[dict] | None = None, status: int = 422):
        super().__init__(message)
        self.message, self.errors, self.status = message, errors or [], status


class Compiler:
    """Compile and execute queries against one model's explores."""

    def __init__(self, models: dict[str, Model], db: sqlite3.Connection, today: dt.date):
        self.models, self.db, self.today = models, db, today
        self._lock = threading.Lock()

    # ---- lookups ---------------------------------------------------------------------------------------
    def explore(self, model: str, name: str) -> Explore:
        if model not in self.models:
            raise QueryError(f"model '{model}' not found", status=404)
        explore = self.models[model].explores.get(name)
        if explore is None:
            raise QueryError(f"explore '{name}' not found in model '{model}'", status=404)
        return explore

    def field(self, explore: Explore, name: str) -> Field | None:
        view, _, short = name.partition(".")
        if view not in explore.views():
            return None
        return self.models[explore.model].views[view].fields.get(short)

    def fields_of(self, explore: Explore) -> list[Field]:
        views = self.models[explore.model].views
        return [f for view in explore.views() for f in views[view].fields.values()]

    # ---- SQL pieces ------------------------------------------------------------------------------------
    def _expand(self, explore: Explore, view: str, sql: str, used: set[str], depth: int = 0) -> str:
        if depth > 10:
            raise QueryError("LookML reference cycle")

        def substitute(match) -> str:
            ref = match.group(1)
            if ref == "TABLE":
                used.add(view)
                return view
            target = ref if "." in ref else f"{view}.{ref}"
            found = self.field(explore, target)
            if found is None:
                raise QueryError(f"Unknown reference ${{{ref}}} in view {view}")
            return "(" + self._expand(explore, found.view, found.sql, used, depth + 1) + ")"

        return REF.sub(substitute, sql)

    def _raw(self, explore: Explore, f: Field, used: set[str]) -> str:
        return self._expand(explore, f.view, f.sql, used)

    def _dimension(self, explore: Explore, f: Field, used: set[str]) -> str:
        raw = self._raw(explore, f, used)
        if f.type == "yesno":
            return f"CASE WHEN {raw} THEN 'Yes' ELSE 'No' END"
        if f.type == "tier":
            return self._tier(raw, f.tiers)
        return raw

    @staticmethod
    def _tier(raw: str, tiers: tuple[float, ...]) -> str:
        cases = [f"WHEN {raw} < {tiers[0]:g} THEN 'Below {tiers[0]:g}'"]
        for low, high in zip(tiers, tiers[1:], strict=False):
            cases.append(f"WHEN {raw} < {high:g} THEN '{low:g} to {high - 1:g}'")
        cases.append(f"WHEN {raw} >= {tiers[-1]:g} THEN '{tiers[-1]:g} or Above'")
        return "CASE " + " ".join(cases) + " ELSE 'Undefined' END"

    def _measure(self, explore: Explore, f: Field, used: set[str]) -> str:
        view = self.models[explore.model].views[f.view]
        if f.type == "count":
            used.add(f.view)
            return f"COUNT(DISTINCT {f.view}.{view.primary_key})" if view.primary_key else "COUNT(*)"
        inner = self._raw(explore, f, used)
        function = {
            "count_distinct": "COUNT(DISTINCT {})",
            "sum": "COALESCE(SUM({}), 0)",
            "average": "AVG({})",
            "min": "MIN({})",
            "max": "MAX({})",
        }.get(f.type)
        if function is None:
            raise QueryError(f"measure type '{f.type}' is not supported")
        return function.format(inner)

    def _condition(self, explore: Explore, f: Field, expression: str, params: list, used: set[str]) -> str:
        if f.category == "measure":
            return flt.number_condition(self._measure(explore, f, used), expression, params)
        if f.is_time:  # date filters compare the group's raw timestamp, whatever the time frame
            raw = self.field(explore, f.dimension_group + "_raw") or f
            return flt.date_condition(self._raw(explore, raw, used), expression, params, self.today)
        expr = self._raw(explore, f, used)
        if f.type == "yesno":
            return flt.yesno_condition(expr, expression, params)
        if f.type == "tier":
            return flt.string_condition(self._tier(expr, f.tiers), expression, params)
        if f.is_numeric:
            return flt.number_condition(expr, expression, params)
        return flt.string_condition(expr, expression, params)

    def _joins(self, explore: Explore, used: set[str]) -> list[str]:
        needed = set(used) - {explore.view_name}
        changed = True
        while changed:  # a join's ON clause may need another joined view (users needs orders)
            changed = False
            for join in explore.joins:
                if join.name in needed:
                    refs = {ref.split(".")[0] for ref in REF.findall(join.sql_on)}
                    extra = refs - needed - {explore.view_name}
                    if extra:
                        needed |= extra
                        changed = True
        clauses = []
        for join in explore.joins:
            if join.name in needed:
                on = self._expand(explore, join.name, join.sql_on, set())
                table = self.models[explore.model].views[join.name].table
                clauses.append(f"LEFT JOIN {table} AS {join.name} ON {on}")
        return clauses

    # ---- compile and run ------------------------------------------------------------------------------
    def _resolve(self, explore: Explore, names: list[str], what: str) -> list[Field]:
        resolved, errors = [], []
        for name in names:
            found = self.field(explore, name)
            if found is None:
                errors.append(
                    {"field": what, "code": "invalid", "message": f"Unknown field '{name}' in explore '{explore.name}'"}
                )
            else:
                resolved.append(found)
        if errors:
            raise QueryError("Validation Failed", errors)
        return resolved

    def compile(
        self, query: dict, access: list[tuple[str, str | None]] = ()
    ) -> tuple[str, list, list[Field], list[Field]]:
        """Return the SQL, its parameters, the selected fields and the pivot fields for a query.

        `access` holds the (field, user's attribute value) pairs of the explore's access filters, ANDed in.
        """
        explore = self.explore(query.get("model") or "", query.get("view") or "")
        fields = self._resolve(explore, list(query.get("fields") or []), "fields")
        if not fields:
            raise QueryError(
                "Validation Failed",
                [{"field": "fields", "code": "missing", "message": "A query needs at least one field"}],
            )
        pivots = self._resolve(explore, list(query.get("pivots") or []), "pivots")
        if any(p not in fields or p.category != "dimension" for p in pivots):
            raise QueryError(
                "Validation Failed",
                [{"field": "pivots", "code": "invalid", "message": "Pivots must be dimensions in the query's fields"}],
            )
        used: set[str] = {explore.view_name}
        select, dims = [], []
        for index, f in enumerate(fields, start=1):
            if f.category == "dimension":
                select.append(f'{self._dimension(explore, f, used)} AS "{f.name}"')
                dims.append(str(index))
            else:
                select.append(f'{self._measure(explore, f, used)} AS "{f.name}"')
        where, having, params_where, params_having = [], [], [], []
        filter_map = query.get("filters") or {}
        filter_fields = self._resolve(explore, list(filter_map), "filters")
        for f in filter_fields:
            expression = filter_map[f.name]
            if expression is None or str(expression).strip() == "":
                continue  # Looker ignores an empty filter value
            try:
                if f.category == "measure":
                    having.append(self._condition(explore, f, str(expression), params_having, used))
                else:
                    where.append(self._condition(explore, f, str(expression), params_where, used))
            except flt.FilterError as exc:
                raise QueryError(
                    "Validation Failed", [{"field": f"filters.{f.name}", "code": "invalid", "message": str(exc)}]
                ) from exc
        access_fields = self._resolve(explore, [name for name, _ in access], "access_filter")
        for f, (_, value) in zip(access_fields, access, strict=True):
            if not (value or "").strip():  # no value for the filter's attribute: no row gets through
                where.append("1=0")
                continue
            try:
                where.append(self._condition(explore, f, value, params_where, used))
            except flt.FilterError as exc:
                raise QueryError("Validation Failed", [{"field": "access_filter", "message": str(exc)}]) from exc
        order = self._order(explore, fields, list(query.get("sorts") or []))
        base = self.models[explore.model].views[explore.view_name].table
        sql = "SELECT\n    " + ",\n    ".join(select) + f"\nFROM {base} AS {explore.view_name}"
        for join in self._joins(explore, used):
            sql += "\n" + join
        if where:
            sql += "\nWHERE " + "\n  AND ".join(where)
        if dims:
            sql += "\nGROUP BY " + ", ".join(dims)
        if having:
            sql += "\nHAVING " + "\n  AND ".join(having)
        if order:
            sql += "\nORDER BY " + ", ".join(order)
        limit = self._limit(query.get("limit"))
        if limit is not None and not pivots:
            sql += f"\nLIMIT {limit}"
        return sql, params_where + params_having, fields, pivots

    @staticmethod
    def _limit(value) -> int | None:
        if value in (None, ""):
            return 500
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise QueryError(
                "Validation Failed", [{"field": "limit", "code": "invalid", "message": f"'{value}' is not a row limit"}]
            ) from exc
        return None if number < 0 else number

    def _order(self, explore: Explore, fields: list[Field], sorts: list[str]) -> list[str]:
        names = [f.name for f in fields]
        if sorts == ["__UNSORTED__"]:
            return []
        order = []
        for sort in sorts:
            name, _, direction = sort.strip().partition(" ")
            direction = direction.strip().lower() or "asc"
            if name not in names or direction not in ("asc", "desc"):
                raise QueryError(
                    "Validation Failed",
                    [
                        {
                            "field": "sorts",
                            "code": "invalid",
                            "message": f"Cannot sort by '{sort}': sort by a selected "
                            "field, optionally followed by asc or desc",
                        }
                    ],
                )
            order.append(f'"{name}" {direction.upper()}')
        if order:
            return order
        time_dim = next((f for f in fields if f.is_time), None)
        measure = next((f for f in fields if f.category == "measure"), None)
        if time_dim:
            return [f'"{time_dim.name}" DESC']
        if measure:
            return [f'"{measure.name}" DESC']
        return [f'"{fields[0].name}" ASC']

    def run(self, query: dict, access: list[tuple[str, str | None]] = ()) -> Result:
        """Compile and execute a query, pivoting in Python when the query asks for pivots."""
        sql, params, fields, pivots = self.compile(query, access)
        with self._lock:
            cursor = self.db.execute(sql, params)
            raw_rows = cursor.fetchall()
        rows = [{f.name: clean(value) for f, value in zip(fields, row, strict=True)} for row in raw_rows]
        shown = inline(sql, params)
        if not pivots:
            return Result(fields, rows, shown)
        return pivot(fields, pivots, rows, shown, self._limit(query.get("limit")))

    def scalar(self, sql: str):
        """Run one SQL statement and return the first column of its first row (None when no row)."""
        with self._lock:
            row = self.db.execute(sql).fetchone()
        return None if row is None else row[0]

    def replace_data(self, fresh: sqlite3.Connection) -> None:
        """Copy another database over this one in place, so everything holding the connection sees the new rows."""
        with self._lock:
            fresh.backup(self.db)
