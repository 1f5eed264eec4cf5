"""Datagroups as Looker keeps them: each model's LookML caching policies and what their trigger checks found.

Looker re-runs every datagroup's `sql_trigger` on a schedule; when the value differs from the last check,
the datagroup is triggered (`triggered_at` becomes that moment) and results cached for it before then are
stale. The emulator's data changes only when it is reloaded, so it checks at start and after every reload,
which is all a scheduled check could ever see. An admin may also move `triggered_at` or `stale_before`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .compiler import Compiler

WRITABLE = ("stale_before", "triggered_at")  # the fields the spec does not mark readOnly


class InvalidUpdate(ValueError):
    """An update Looker would refuse with 422; `errors` name each bad field."""

    def __init__(self, errors: list[dict]):
        super().__init__("Validation Failed")
        self.errors = errors


@dataclass
class Record:
    """One datagroup and the state Looker keeps for it, in the `Datagroup` shape of the spec."""

    id: str
    model_name: str
    name: str
    sql_trigger: str | None
    created_at: int
    stale_before: int | None = None
    trigger_check_at: int | None = None
    trigger_error: str | None = None
    trigger_value: str | None = None
    triggered_at: int | None = None

    def as_json(self) -> dict:
        """Return the record as Looker's API sends it."""
        return {
            "id": self.id,
            "model_name": self.model_name,
            "name": self.name,
            "created_at": self.created_at,
            "stale_before": self.stale_before,
            "trigger_check_at": self.trigger_check_at,
            "trigger_error": self.trigger_error,
            "trigger_value": self.trigger_value,
            "triggered_at": self.triggered_at,
            "can": {"show": True, "update": True},
        }


class Datagroups:
    """Every datagroup of every model, numbered by model and name, checked against the compiler's data."""

    def __init__(self, compiler: Compiler, clock: Callable[[], float] = time.time):
        self.compiler, self.clock = compiler, clock
        self.lock = threading.Lock()
        now = int(clock())
        models = compiler.models.values()
        declared = sorted((m.name, d.name, d.sql_trigger) for m in models for d in m.datagroups.values())
        self.records = {
            str(number): Record(str(number), model, name, sql, created_at=now)
            for number, (model, name, sql) in enumerate(declared, 1)
        }
        self.check()

    def check(self) -> list[str]:
        """Run every trigger and mark those whose value changed as triggered now; return their ids."""
        results = {id_: self._evaluate(record.sql_trigger) for id_, record in self.records.items()}
        now, triggered = int(self.clock()), []
        with self.lock:
            for id_, (value, failure) in results.items():
                record = self.records[id_]
                record.trigger_check_at, record.trigger_error = now, failure
                if failure is None and value != record.trigger_value:
                    record.trigger_value, record.triggered_at = value, now
                    triggered.append(id_)
        return triggered

    def _evaluate(self, sql: str | None) -> tuple[str | None, str | None]:
        if not sql:
            return None, None
        try:
            value = self.compiler.scalar(sql)
        except sqlite3.Error as exc:
            return None, str(exc)
        return (None if value is None else str(value)), None

    def describe_all(self) -> list[dict]:
        """Return every datagroup."""
        with self.lock:
            return [record.as_json() for record in self.records.values()]

    def describe(self, datagroup_id: str) -> dict | None:
        """Return one datagroup, or None when there is none with that id."""
        with self.lock:
            record = self.records.get(datagroup_id)
            return None if record is None else record.as_json()

    def update(self, datagroup_id: str, changes: dict) -> dict | None:
        """Set `stale_before` and/or `triggered_at` (UNIX seconds, not in the future); ignore read-only fields."""
        if datagroup_id not in self.records:
            return None
        now = int(self.clock())
        wanted = {k: changes[k] for k in WRITABLE if changes.get(k) is not None}
        errors = [
            {"field": k, "code": "invalid", "message": f"{k} must be a UNIX timestamp in seconds, not in the future"}
            for k, v in wanted.items()
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= now
        ]
        if errors:
            raise InvalidUpdate(errors)
        with self.lock:
            record = self.records[datagroup_id]
            for key, value in wanted.items():
                setattr(record, key, value)
            return record.as_json()
