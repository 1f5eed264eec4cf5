"""python -m app [--demo] | check | warm --dashboards 1,2: serve the API, check Looker, or fill the cache."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve() -> None:
    """Run gunicorn with the project's gunicorn.conf.py, exactly as the `gunicorn` command does."""
    from gunicorn.app.wsgiapp import WSGIApplication

    sys.argv = ["gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "--chdir", str(ROOT)]
    WSGIApplication("%(prog)s [OPTIONS]").run()


def main(argv: list[str] | None = None) -> int:
    """Dispatch the command line."""
    parser = argparse.ArgumentParser(prog="python -m app", description="Looker Proxy")
    parser.add_argument("command", nargs="?", choices=["serve", "check", "warm"], default="serve")
    parser.add_argument("--demo", action="store_true", help="start the bundled Looker emulator and use it")
    parser.add_argument("--dashboards", default="", help="warm: comma-separated dashboard ids, e.g. 1,2")
    parser.add_argument(
        "--embed-token-ttl", type=int, metavar="SECONDS", help="with --demo: the emulator's cookieless token lifetime"
    )
    args = parser.parse_args(argv)

    from . import load_settings
    from .config import ConfigError

    if args.command == "check":
        from .looker.check import run_check

        return run_check(os.environ)
    if args.command == "warm":
        from .warm import warm

        dashboards = [d.strip() for d in args.dashboards.split(",") if d.strip()]
        if not dashboards:
            parser.error("warm needs --dashboards, e.g. --dashboards 1,2")
        return warm(dashboards)
    try:
        if args.demo:
            from .demo import start_demo

            start_demo(os.environ, embed_token_ttl=args.embed_token_ttl)
        load_settings()
    except ConfigError as exc:
        print(f"looker-proxy: {exc}", file=sys.stderr)
        return 2
    serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
