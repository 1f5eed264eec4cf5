"""What the fast path already decided about a request, handed to the route in one typed object.

When the fast path (cache/fast_path.py) cannot answer a request itself, Flask's route does; whatever the fast
path already did (identify the caller, count its rate limit, note the arrival time) travels with the request
under one WSGI environ key, so the route neither repeats nor double-counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ApiError

KEY = "looker_proxy.handover"


@dataclass
class Handover:
    """The fast path's decisions so far: when it saw the request, who the caller is, their rate-limit count."""

    started: float
    identity: tuple[str, str] | ApiError | None = None
    rate: tuple | None = None
    refusal: ApiError | None = field(default=None)


def handover(environ: dict) -> Handover | None:
    """Return the request's hand-over, if the fast path saw it."""
    return environ.get(KEY)
