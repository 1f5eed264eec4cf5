"""python -m looker_emulator --port 19999 [--seed N] [--latency-ms N] [--embed-token-ttl N]: a stand-in Looker."""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from .server import RunningEmulator
from .state import Config


def _log_thread_error(args: threading.ExceptHookArgs) -> None:
    """Log a crash in background work (render tasks, query tasks) as one line, like a route's."""
    name = args.thread.name if args.thread else "a thread"
    logging.getLogger("looker_emulator").error("%s failed: %s: %s", name, args.exc_type.__name__, args.exc_value)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m looker_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=19999)
    parser.add_argument("--seed", type=int, default=7, help="sample data seed (default 7)")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every query run (default 0)")
    parser.add_argument("--client-id", default=Config.client_id)
    parser.add_argument("--client-secret", default=Config.client_secret)
    parser.add_argument(
        "--embed-token-ttl",
        type=int,
        default=Config.embed_token_ttl,
        help=f"seconds a cookieless navigation or API token works (default {Config.embed_token_ttl})",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    threading.excepthook = _log_thread_error
    config = Config(
        client_id=args.client_id,
        client_secret=args.client_secret,
        seed=args.seed,
        latency_ms=args.latency_ms,
        embed_token_ttl=args.embed_token_ttl,
    )
    emulator = RunningEmulator(config, host=args.host, port=args.port)
    print(f"Looker emulator serving API 4.0 on {emulator.url}  (client id {config.client_id})", flush=True)
    try:
        emulator.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
