"""``s3repl-tui scan``: every replicated bucket of the source account(s), judged as ``check`` judges one.

``--format json`` prints one JSON object per bucket as soon as it is judged (JSON lines); ``text`` (the
default, as for ``check``) a table once all are done, never wrapped (pipes and logs keep whole lines).
``--output FILE`` also writes the JSON lines to FILE as they come; ``--resume FILE`` keeps the rows
FILE already holds, checks only the other buckets and appends them. Progress goes to stderr.
Exit codes as ``check``'s (design.md): 0 all pass, 1 any fails, 3 any unknown and none fails, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.text import Text

from s3repl_tui.commands.common import connect_options
from s3repl_tui.errors import UserError
from s3repl_tui.plain_text import printable_line
from s3repl_tui.probes.snapshot import DEFAULT_WINDOW_SECONDS
from s3repl_tui.scan import Progress, Scanner, ScanRow, exit_code, open_accounts, sort_rows

PROGRESS_EVERY_SECONDS = 5.0  # without a terminal on stderr: one progress line at most this often
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left
VERDICT_STYLE = {"pass": "green", "fail": "bold red", "unknown": "yellow"}


def profiles_of(args: argparse.Namespace) -> list[str | None]:
    listed: list[str] | None = getattr(args, "profiles", None)
    if listed and getattr(args, "source_profile", None):
        raise UserError("Give either --profiles or --source-profile, not both.",
                        "--profiles a,b scans several accounts; --source-profile P is the same as --profiles P.")
    if listed:
        return list(listed)
    return [getattr(args, "source_profile", None)]


def read_resumed(path: Path) -> list[ScanRow]:
    """The rows an earlier run wrote to ``path`` (none if it does not exist yet). A line that is not a
    row (the half-written last line of an interrupted run) is dropped, and the file rewritten without it,
    so the lines appended next stay whole."""
    if not path.exists():
        return []
    if not path.is_file():
        raise UserError(f"{path} is not a file.", "--resume takes the JSON lines file of an earlier scan.")
    rows: list[ScanRow] = []
    kept: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path} could not be read ({error}).") from None
    for line in text.splitlines():
        try:
            rows.append(ScanRow.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        kept.append(line)
    if len(kept) != len(text.splitlines()) or (text and not text.endswith("\n")):
        path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    return rows


def _open_output(args: argparse.Namespace) -> tuple[IO[str] | None, list[ScanRow]]:
    resume: Path | None = getattr(args, "resume", None)
    output: Path | None = getattr(args, "output", None)
    if resume is not None:
        done = read_resumed(resume)
        return _open(resume, "a"), done
    if output is not None:
        return _open(output, "w"), []
    return None, []


def _open(path: Path, mode: str) -> IO[str]:
    try:
        return path.open(mode, encoding="utf-8")
    except OSError as error:
        raise UserError(f"{path} could not be opened for writing ({error.strerror}).") from None


def destinations_text(row: ScanRow) -> str:
    return ", ".join(f"{d.bucket} ({d.account})" if d.account else d.bucket for d in row.destinations) or "-"


def layers_text(row: ScanRow) -> str:
    if row.verdict == "fail":
        return ", ".join(row.failing_layers)
    if row.verdict == "unknown":
        return "unknown: " + (", ".join(u.id for u in row.unknown_layers) if not row.error else "not readable")
    return "-"


HEADERS = ("VERDICT", "BUCKET", "ACCOUNT", "REGION", "DESTINATIONS", "OBSERVED FAILURES", "FAILING LAYERS")


def observed_text(row: ScanRow) -> str:
    """The monitoring layer's failed operations in the window; "-": nothing observed (metrics off)."""
    return "-" if row.observed_failures is None else f"{row.observed_failures:g}"


def table_lines(rows: Sequence[ScanRow]) -> list[Text]:
    """The table, one line per bucket, columns padded to their widest cell (never wrapped)."""
    cells = [
        (row.verdict, printable_line(row.bucket), row.account or "?", row.region or "?",
         printable_line(destinations_text(row)), observed_text(row), layers_text(row))
        for row in sort_rows(rows)
    ]
    widths = [max(len(c) for c in column) for column in zip(HEADERS, *cells, strict=False)]
    lines = [Text("  ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)).rstrip(), style="bold")]
    for cell in cells:
        line = Text("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
        line.stylize(VERDICT_STYLE[cell[0]], 0, len(cell[0]))
        lines.append(line)
    return lines


def reason_lines(rows: Sequence[ScanRow]) -> list[str]:
    lines = []
    for row in sort_rows(rows):
        for reason in row.reasons if row.verdict == "unknown" else ():
            lines.append(printable_line(f"{row.bucket}: {reason}"))
    return lines


def summary(rows: Sequence[ScanRow], progress: Progress | None) -> str:
    counts = {verdict: sum(1 for r in rows if r.verdict == verdict) for verdict in ("pass", "fail", "unknown")}
    listed = f"checked {progress.checked} of {progress.total} buckets: " if progress else ""
    if not rows:
        return f"{listed}none has a replication configuration."
    return (f"{listed}{len(rows)} with replication: {counts['pass']} pass, {counts['fail']} fail, "
            f"{counts['unknown']} unknown.")


class _ProgressLine:
    """Progress on stderr: a live status on a terminal, else a line every few seconds."""

    def __init__(self, errors: Console) -> None:
        self.errors = errors
        self.last: Progress | None = None
        self._printed_at = time.monotonic()
        self._status = errors.status("Listing the buckets…") if errors.is_terminal else None

    def __enter__(self) -> _ProgressLine:
        if self._status is not None:
            self._status.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def __call__(self, progress: Progress) -> None:
        self.last = progress
        if self._status is not None:
            self._status.update(progress.line)
        elif time.monotonic() - self._printed_at >= PROGRESS_EVERY_SECONDS:
            self._printed_at = time.monotonic()
            self.errors.print(progress.line, highlight=False, soft_wrap=True)


def _silence_stdout() -> None:
    """Python flushes stdout once more at exit; to a closed pipe that would print a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to flush to a pipe
        pass


def run(args: argparse.Namespace) -> int:
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    profiles = profiles_of(args)
    output, done = _open_output(args)
    fmt = getattr(args, "format", "text")
    try:
        with errors.status("Connecting…") if errors.is_terminal else nullcontext():
            accounts = open_accounts(profiles, connect_options(args))
        scanner = Scanner(accounts, concurrency=getattr(args, "concurrency", 8),
                          window_seconds=getattr(args, "since", DEFAULT_WINDOW_SECONDS), done=done)

        def emit(row: ScanRow) -> None:
            line = json.dumps(row.to_json())
            if output is not None:
                output.write(line + "\n")
                output.flush()  # an interrupted scan keeps every finished row (--resume)
            if fmt == "json":
                sys.stdout.write(line + "\n")
                sys.stdout.flush()

        if fmt == "json":
            for row in done:  # the resumed rows too: stdout always holds the whole scan
                sys.stdout.write(json.dumps(row.to_json()) + "\n")
        with _ProgressLine(errors) as progress:
            rows = scanner.run(on_row=emit, on_progress=progress)
    except KeyboardInterrupt:
        kept = getattr(args, "resume", None) or getattr(args, "output", None)
        if kept is not None:  # every finished row is in the file already (flushed one by one)
            errors.print(f"The finished rows are in {kept}; --resume {kept} checks only the other buckets.")
        raise
    except BrokenPipeError:
        # The reader went away (`scan --format json | head`): stop quietly, as a SIGPIPE would.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    finally:
        if output is not None:
            output.close()
    if fmt != "json":
        out = Console(highlight=False, soft_wrap=True)
        if rows:
            for line in table_lines(rows):
                out.print(line)
        reasons = reason_lines(rows)
        if reasons:
            out.print("\nwhy unknown:")
            for reason in reasons:
                out.print(Text(f"  {reason}"))
    errors.print(summary(rows, progress.last))
    return exit_code(rows)
