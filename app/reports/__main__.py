"""python -m app.reports [--demo] list | run NAME [--dry-run] [--out DIR] | serve"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from ..config import ConfigError, ReportSettings, Settings, log_level
from ..logs import configure_logging
from ..looker.client import LookerClient
from ..looker.users import UserSessions
from ..metrics.catalog import load_catalog
from .config import load_reports
from .ledger import FileLedger, RedisLedger
from .runner import Deps, dry_run, run_report
from .schedule import latest_slot, next_runs

log = logging.getLogger("looker_proxy.reports")


def read_reports(settings: Settings) -> dict:
    """Read and check the metrics and reports files (no Looker call, no Looker settings needed)."""
    catalog = load_catalog(settings.metrics_file, settings.metrics_file_required)
    return load_reports(settings.reports_file, settings.max_rows, set(catalog.metrics))


def _client(settings):
    """Return the worker's Looker client, able to act as a report's per-user identity."""
    client = LookerClient(settings, pool_size=4)
    client.users = UserSessions(settings, client)
    return client


def build(env) -> tuple[dict, Deps]:
    """Read every setting and file a run needs; raise ConfigError naming the first problem."""
    worker = ReportSettings.from_env(env)
    settings = worker.service
    catalog = load_catalog(settings.metrics_file, settings.metrics_file_required)
    reports = read_reports(settings)
    ledger = RedisLedger(settings.redis_url) if settings.redis_url else FileLedger(worker.state_file)
    deps = Deps(
        client=_client(settings),
        catalog=catalog,
        mail=worker.smtp,
        ledger=ledger,
        env=env,
        web_url=settings.looker_web_url,
    )
    return reports, deps


def _source(report) -> str:
    if report.render is not None and "dashboard" in report.render:
        return f"dashboard {report.render['dashboard']}"
    if report.look is not None:
        return f"Look {report.look}"
    if report.metric is not None:
        return f"metric {report.metric['name']} (last {report.metric.get('last_days', 7)} days)"
    return f"query {report.query['model']}/{report.query['view']}"


def cmd_list(reports: dict, now: dt.datetime) -> int:
    for report in reports.values():
        runs = ", ".join(r.strftime("%Y-%m-%d %H:%M %Z") for r in next_runs(report, now))
        print(
            f"{report.name}: {report.title}\n  {_source(report)} as {report.format} to "
            f"{' and '.join(report.destinations)}\n  schedule '{report.schedule}' ({report.timezone}); next: {runs}"
        )
    return 0


def cmd_run(reports: dict, deps: Deps, name: str, dry: bool, out: str) -> int:
    report = reports.get(name)
    if report is None:
        print(f"There is no report '{name}'. Reports: {', '.join(reports)}", file=sys.stderr)
        return 2
    now = deps.now().astimezone(dt.UTC)
    slot = latest_slot(report, now) or now.replace(second=0, microsecond=0)
    if dry:
        outcome = dry_run(report, slot, deps, Path(out))
        print("Dry run, nothing sent. Wrote:\n  " + "\n  ".join(outcome.written))
        return 0
    outcome = run_report(report, slot, deps)
    print(
        f"{name} for {slot.isoformat()}: sent {outcome.sent or 'nothing'}"
        + (f"; already sent {outcome.skipped}" if outcome.skipped else "")
        + (f"; FAILED {outcome.failed}" if outcome.failed else "")
    )
    return 0 if outcome.ok else 1


def cmd_serve(reports: dict, deps: Deps) -> int:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler, stopping = BackgroundScheduler(timezone="UTC"), threading.Event()

    def job(name: str) -> None:
        report = reports[name]
        now = deps.now().astimezone(dt.UTC)
        run_report(report, latest_slot(report, now) or now, deps)

    for report in reports.values():
        scheduler.add_job(
            job,
            report.trigger(),
            args=[report.name],
            id=report.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )

    def stop(signum, frame):
        log.info("stopping", extra={"event": "reports_stopping", "signal": signum})
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
    log.info("serving reports", extra={"event": "reports_serving", "reports": list(reports)})
    print(f"Serving {len(reports)} report(s): {', '.join(reports)}", flush=True)
    while not stopping.wait(timeout=1):
        pass
    scheduler.shutdown(wait=True)  # a report being sent finishes first
    print("Stopped.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.reports", description="Scheduled Looker reports")
    parser.add_argument("--demo", action="store_true", help="start the bundled Looker emulator and use it")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="show reports and their next run times")
    run = commands.add_parser("run", help="run one report now, for its latest scheduled slot")
    run.add_argument("name")
    run.add_argument("--dry-run", action="store_true", help="write what would be sent; send nothing")
    run.add_argument("--out", default="reports-out", help="folder for --dry-run files (default reports-out)")
    commands.add_parser("serve", help="run every report on its schedule until SIGTERM")
    args = parser.parse_args(argv)
    try:
        configure_logging(log_level())
        if args.command == "list":  # listing reads the files only: no Looker settings needed
            return cmd_list(read_reports(Settings.from_env(os.environ, check=False)), dt.datetime.now(dt.UTC))
        if args.demo:
            from ..demo import start_emulator

            start_emulator(os.environ)
        reports, deps = build(os.environ)
    except ConfigError as exc:
        print(f"looker-proxy reports: {exc}", file=sys.stderr)
        return 2
    if args.command == "run":
        return cmd_run(reports, deps, args.name, args.dry_run, args.out)
    return cmd_serve(reports, deps)


if __name__ == "__main__":
    sys.exit(main())
