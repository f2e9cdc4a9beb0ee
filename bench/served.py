"""Sandboxes served from processes of their own (``python -m s3repl_tui.sandbox``), one per latency.

An in-process sandbox runs moto under the probe's GIL: every request costs the client ~3 ms of CPU that
AWS's servers never cost it, and on a 2-core machine that is most of the gap to the critical path. The
timed measurements run their client in this process against a server in another one, as against AWS."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, fields
from typing import IO, Any

from s3repl_tui.sandbox import SeedSetup

START_TIMEOUT = 120.0


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """This process's environment with no ``AWS_*`` variable but ``values`` (a sandbox's), restored after."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class ServedSandbox:
    latency: float  # seconds added to every call, by the server
    endpoint_url: str
    env: dict[str, str]  # AWS_CONFIG_FILE, ... for the client
    seed: SeedSetup
    process: subprocess.Popen[bytes]
    errors: IO[bytes]

    @property
    def label(self) -> str:
        return f"{self.latency * 1000:.0f} ms/call"


def _seed(data: dict[str, Any]) -> SeedSetup:
    return SeedSetup(**{f.name: data[f.name] for f in fields(SeedSetup) if f.name in data})


def _read_line(process: subprocess.Popen[bytes], errors: IO[bytes], deadline: float) -> dict[str, Any]:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
    line = process.stdout.readline() if ready else b""
    if not line.endswith(b"\n"):
        errors.seek(0)
        why = errors.read()[-500:].decode(errors="replace")
        raise RuntimeError(f"python -m s3repl_tui.sandbox did not start: {why}")
    return dict(json.loads(line))


def _stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=10)


@contextmanager
def served(latencies: Iterable[float]) -> Iterator[dict[float, ServedSandbox]]:
    """One seeded sandbox process per latency, started together; stopped (SIGTERM) on exit."""
    started: list[tuple[float, subprocess.Popen[bytes], IO[bytes]]] = []
    with ExitStack() as files:
        try:
            for latency in latencies:
                errors: IO[bytes] = files.enter_context(tempfile.TemporaryFile())
                process = subprocess.Popen(
                    [sys.executable, "-m", "s3repl_tui.sandbox", "--seed", "--latency-ms", f"{latency * 1000:g}"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,  # our exit closes its stdin
                )
                started.append((latency, process, errors))
            deadline = time.monotonic() + START_TIMEOUT
            servers: dict[float, ServedSandbox] = {}
            for latency, process, errors in started:
                info = _read_line(process, errors, deadline)
                servers[latency] = ServedSandbox(latency, info["endpoint_url"], dict(info["env"]),
                                                 _seed(info["seed"]), process, errors)
            yield servers
        finally:
            for _latency, process, errors in started:
                code = _stop(process)
                if code != 0:
                    errors.seek(0)
                    print(f"  warning: a sandbox process exited {code}: {errors.read()[-300:]!r}", file=sys.stderr)
