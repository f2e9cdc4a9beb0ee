"""The bench's results: rows of a table, the machine they were measured on, and RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass
class Row:
    section: str
    what: str
    value: str
    note: str = ""


def load_average() -> float | None:
    """The 1-minute load average: on a shared machine, what other work competed for the CPUs."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    loads: list[float] = field(default_factory=list)  # load averages sampled while the bench ran

    def add(self, section: str, what: str, value: str, note: str = "") -> None:
        row = Row(section, what, value, note)
        self.rows.append(row)
        load = load_average()
        if load is not None:
            self.loads.append(load)
        print(f"  {what:<58} {value:>16}  {note}", flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def table(self) -> str:
        lines = ["| section | measurement | value | note |", "|---|---|---:|---|"]
        lines += [f"| {r.section} | {r.what} | {r.value} | {r.note} |" for r in self.rows]
        return "\n".join(lines)


def median_of(runs: int, measure: Callable[[], T], key: Callable[[T], float]) -> tuple[float, list[T]]:
    """Run ``measure`` ``runs`` times; the median of ``key`` over the results, and the results."""
    results = [measure() for _ in range(runs)]
    return statistics.median(key(r) for r in results), results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    return {
        "nproc": str(os.cpu_count() or "?"),
        "cpu": cpu_model(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def write_markdown(results: Results, command: str, elapsed: float, lines: Iterable[str] = ()) -> Path:
    info = machine()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = [
        "# s3repl-tui benchmark results",
        "",
        f"- date: {when}",
        f"- command: `{command}` (took {elapsed:.0f} s)",
        f"- machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, {info['platform']}",
        "- every value is the median of the runs named in its row; ratios are computed from values measured "
        "in the same run",
        *([f"- load average (1 min) while it ran: {min(results.loads):.1f} to {max(results.loads):.1f} on "
           f"{info['nproc']} CPUs (above the CPU count, other processes competed for them and wall times grow)"]
          if results.loads else []),
        "",
        results.table(),
        "",
    ]
    if results.notes:
        text += ["## Notes", ""] + [f"- {note}" for note in results.notes] + [""]
    text += list(lines)
    RESULTS.write_text("\n".join(text), encoding="utf-8")
    return RESULTS
