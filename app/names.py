"""Names the contract and LookML define, written once: every check of a model, field or id uses these."""

from __future__ import annotations

import re
from typing import Literal, get_args

LOOKML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")  # a model, explore, view or metric name
LOOKML_NAME_RULE = "letters, digits and underscores, starting with a letter or underscore"
FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}\.[A-Za-z_][A-Za-z0-9_]{0,127}")  # view.field
DASHBOARD_ID = re.compile(r"[0-9]{1,20}|[A-Za-z0-9_]{1,100}::[A-Za-z0-9_]{1,100}")  # numeric, or model::lookml
REPORT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
Granularity = Literal["day", "week", "month", "quarter", "year"]
GRANULARITIES: tuple[str, ...] = get_args(Granularity)
