"""Running one report for one slot: claim each destination once, fetch the data, send, retry within a bound."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ..errors import ApiError
from ..frontdoor.state import RequestState, enter, leave
from ..looker.client import LookerClient
from ..metrics.catalog import Catalog
from ..security.people import LookerUser
from .config import Mail, Report
from .data import Table, fetch
from .deliver import DeliveryError, build_email, send_email, send_slack, slack_payload

log = logging.getLogger("looker_proxy.reports")
RETRY_DELAYS = (1.0, 4.0, 15.0)  # three retries, about 20 s in all


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class Deps:
    """What a run needs, injected so tests can use real servers and no sleeping."""

    client: LookerClient
    catalog: Catalog
    mail: Mail
    ledger: object
    env: Mapping[str, str]
    delays: tuple[float, ...] = RETRY_DELAYS
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    web_url: str = ""  # LOOKER_WEB_URL: where "Open in Looker" links point


def _retrying(action, delays, sleep, retryable):
    for attempt, delay in enumerate((*delays, None)):
        try:
            return action()
        except Exception as exc:
            if delay is None or not retryable(exc):
                raise
            log.warning("retrying", extra={"event": "report_retry", "attempt": attempt + 1, "error": str(exc)})
            sleep(delay)


def _looker_retryable(exc: Exception) -> bool:
    return isinstance(exc, ApiError) and exc.status >= 500


def _send(report: Report, destination: str, table: Table, slot: dt.datetime, deps: Deps) -> None:
    if destination == "email":
        message = build_email(report, table, slot, deps.mail, deps.now())
        _retrying(
            lambda: send_email(message, deps.mail),
            deps.delays,
            deps.sleep,
            lambda exc: isinstance(exc, DeliveryError) and "SMTP_HOST" not in str(exc),
        )
        return
    url = deps.env.get(report.slack_webhook_env, "").strip()
    if not url:
        raise DeliveryError(f"{report.slack_webhook_env} is not set (the Slack incoming webhook URL)")
    payload = slack_payload(report, table, slot)
    _retrying(lambda: send_slack(url, payload), deps.delays, deps.sleep, lambda exc: isinstance(exc, DeliveryError))


def as_identity(report: Report, run: Callable[[], Table]) -> Table:
    """Run a report's Looker calls as its per-user identity when it names user_attributes, else as the service."""
    if not report.user_attributes:
        return run()
    state = RequestState(time.perf_counter(), f"report-{report.name}")
    state.user = LookerUser(f"report:{report.name}", report.user_attributes)
    token = enter(state)
    try:
        return run()
    finally:
        leave(token)


def dry_run(report: Report, slot: dt.datetime, deps: Deps, out: Path) -> Outcome:
    """Write what would be sent into a folder; send nothing, record nothing."""
    table = _retrying(
        lambda: as_identity(report, lambda: fetch(report, deps.client, deps.catalog, slot.date(), deps.web_url)),
        deps.delays,
        deps.sleep,
        _looker_retryable,
    )
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{report.name}-{slot.strftime('%Y%m%dT%H%M')}"
    outcome = Outcome()
    files = {f"{stem}.{report.format}": table.attachment}
    if report.email:
        files[f"{stem}.eml"] = bytes(build_email(report, table, slot, deps.mail, deps.now()))
    if report.slack_webhook_env:
        files[f"{stem}.slack.json"] = orjson.dumps(slack_payload(report, table, slot), option=orjson.OPT_INDENT_2)
    for name, content in files.items():
        (out / name).write_bytes(content)
        outcome.written.append(str(out / name))
    return outcome


def run_report(report: Report, slot: dt.datetime, deps: Deps) -> Outcome:
    """Send the slot to every destination that has not had it; a failing destination does not stop the others."""
    outcome = Outcome()
    keys = {d: f"{report.name}|{slot.astimezone(dt.UTC).isoformat()}|{d}" for d in report.destinations}
    claimed = []
    for destination, key in keys.items():
        (claimed if deps.ledger.claim(key) else outcome.skipped).append(destination)
    if not claimed:
        log.info(
            "report slot already sent",
            extra={"event": "report_skipped", "report": report.name, "slot": slot.isoformat()},
        )
        return outcome
    try:
        table = _retrying(
            lambda: as_identity(report, lambda: fetch(report, deps.client, deps.catalog, slot.date(), deps.web_url)),
            deps.delays,
            deps.sleep,
            _looker_retryable,
        )
    except ApiError as exc:
        for destination in claimed:
            deps.ledger.release(keys[destination])
            outcome.failed[destination] = f"Looker: {exc.detail}"
        log.error("report failed", extra={"event": "report_failed", "report": report.name, "error": exc.detail})
        return outcome
    for destination in claimed:
        try:
            _send(report, destination, table, slot, deps)
        except DeliveryError as exc:
            deps.ledger.release(keys[destination])  # a later run of this slot may try it again
            outcome.failed[destination] = str(exc)
        else:
            deps.ledger.done(keys[destination])
            outcome.sent.append(destination)
    log.info(
        "report run",
        extra={
            "event": "report_run",
            "report": report.name,
            "slot": slot.isoformat(),
            "sent": outcome.sent,
            "skipped": outcome.skipped,
            "failed": outcome.failed,
            "rows": len(table.rows),
        },
    )
    return outcome
