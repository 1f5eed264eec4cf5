"""Turn the benchmark's runs into the Markdown tables the README shows: ratios, their spread, p99s, targets."""

from __future__ import annotations

import statistics
from collections import Counter

from .rows import Row

P99_LIMIT = 1.5


def _spread(values: list[float], unit: str = "x", digits: int = 2) -> str:
    middle, low, high = statistics.median(values), min(values), max(values)
    return f"{middle:.{digits}f}{unit} ({low:.{digits}f}-{high:.{digits}f})"


def _calls(seen: Counter) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(seen.items()) if n) or "0"


def throughput_table(table: list[Row], runs: dict, sizes: dict[str, int]) -> str:
    """Return one line per row: requests/s of both sides, the paired ratio, p99s, Looker calls, the verdict."""
    lines = [
        "| cached answer | bytes | req/s | reference req/s | ratio, median (range) | target "
        "| p99 ms / reference p99 ms | p99 ratio | Looker calls | met |",
        "|---|---:|---:|---:|---|---|---|---|---:|---|",
    ]
    for row in table:
        measured, reference = runs[row.name]["measured"], runs[row.name]["reference"]
        pairs = list(zip(measured, reference, strict=True))
        if row.against_reference:
            ratios = [r.rps / m.rps for m, r in pairs]
        else:
            ratios = [m.rps / r.rps for m, r in pairs]
        p99_ratios = [m.p99_ms / r.p99_ms for m, r in pairs]
        p99_ms = statistics.median(m.p99_ms for m in measured), statistics.median(r.p99_ms for r in reference)
        p99 = f"{p99_ms[0]:.2f} / {p99_ms[1]:.2f}"
        fast_enough = statistics.median(ratios) >= row.goal
        if row.against_reference:  # the naive proxy waits on Looker: its p99 is Looker's, not a hit's
            p99_cell, p99_ok = "-", True
        else:
            p99_cell = _spread(p99_ratios)
            p99_ok = statistics.median(p99_ratios) <= P99_LIMIT
        verdict = (
            "yes"
            if fast_enough and p99_ok
            else "**no**: " + ", ".join(what for what, ok in (("throughput", fast_enough), ("p99", p99_ok)) if not ok)
        )
        lines.append(
            f"| {row.label} | {sizes.get(row.name, '-')} | {statistics.median(m.rps for m in measured):.0f} "
            f"| {statistics.median(r.rps for r in reference):.0f} | {_spread(ratios, digits=1 if row.goal > 1 else 2)} "
            f"| {'>' if row.goal > 1 else '>='} {row.goal:g}x | {p99} | {p99_cell} "
            f"| {_calls(runs[row.name]['looker'])} | {verdict} |"
        )
    reference_note = (
        "Reference: the bare Flask route serving the same status, bytes and content type, measured next to the"
        " row in each round; for the naive proxy, the service's own hit (the ratio is how many times faster the"
        " service answers). Looker calls: calls the emulator saw during the row's timed runs (0: all hits; a"
        " dashboard's plan is kept a minute, so a warm dashboard asks Looker for it again about once a minute)."
    )
    return "\n".join(lines) + "\n\n" + reference_note


def cold_table(cold: dict[str, list[float]], one_call_ms: float, looker_ms: int) -> str:
    """Return the cold dashboard times against one Looker call's time."""
    lines = [
        f"One Looker call (a new inline query through the SDK, {looker_ms} ms of Looker latency): "
        f"{one_call_ms:.0f} ms median.",
        "",
        "| 6-tile dashboard, fresh service | time to the answer, median (range) | in Looker calls | target |",
        "|---|---|---|---|",
    ]
    labels = {
        "cold": ("first view: plan and six tiles unknown", "about 2"),
        "new filters": ("new filter values: plan known, six tiles unknown", "about 1"),
    }
    for name, times in cold.items():
        label, target = labels[name]
        calls = [t / one_call_ms for t in times]
        lines.append(f"| {label} | {_spread(times, ' ms', 0)} | {_spread(calls, '', 1)} | {target} |")
    return "\n".join(lines)
