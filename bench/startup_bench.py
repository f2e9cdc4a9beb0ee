"""Start-up: ``s3repl-tui --help`` and ``check`` in new processes (wall time, peak memory), ``check``'s
phases (import, Connection.open, probe+judge) in a new process, the import time of ``check``'s path
against ``textual.app``'s, and the TUI's time to first frame and to the full diagnosis of the demo
(``s3repl_tui.commands.demo.measure_demo_startup``). Every child reports its own time and peak memory."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.results import Results, ms, ratio
from bench.served import ServedSandbox

BIN = Path(sys.executable).parent
# Peak memory: each child reports its own. Linux keeps ru_maxrss across exec, so a child forked from
# this (large, moto-loaded) process would report the parent's size; VmHWM is the peak RSS of the
# child's own image. ru_maxrss is the fallback where /proc is missing.
_PEAK = """
def _peak_kb():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
_IMPORT = _PEAK + """
import json, sys, time
started = time.perf_counter()
import {module}
elapsed = time.perf_counter() - started
print(json.dumps({{"seconds": elapsed, "peak_kb": _peak_kb(),
                  "textual": any(m == "textual" or m.startswith("textual.") for m in sys.modules)}}))
"""
# What `s3repl-tui <argv>` does, then its own peak memory on stderr (stdout stays the command's).
_CLI = _PEAK + """
import sys, time
started = time.perf_counter()
from s3repl_tui.cli import main
try:
    code = main({argv!r})
except SystemExit as exit:
    code = exit.code
print(f"BENCH {{time.perf_counter() - started}} {{_peak_kb()}}", file=sys.stderr)
sys.exit(code)
"""
# `check`'s phases in a fresh process, as `s3repl-tui check` runs them: import (what the check path
# imports), credentials (Connection.start: the sessions, with GetCallerIdentity of both sides, the
# destination's AssumeRole and the client warm-ups sent off, not waited for), probe (the reads, beside
# those identity calls, which it waits for before it ends), judge, render (the text report). The critical
# path is the trace's depth times the sandbox's latency. "python" is the interpreter's own start-up,
# measured from outside.
_CHECK_PHASES = _PEAK + """
import io, json, time
t0 = time.perf_counter()
import s3repl_tui.commands.check
from rich.console import Console
from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import judge
from s3repl_tui.probes import traced_probe
from s3repl_tui.report_text import render
t1 = time.perf_counter()
connection = Connection.start(ConnectOptions(source_profile="s3repl-source", dest_profile="s3repl-dest"))
t2 = time.perf_counter()
snapshot, trace = traced_probe(connection, {bucket!r})
t3 = time.perf_counter()
report = judge(snapshot)
t4 = time.perf_counter()
render(report, Console(file=io.StringIO(), width=120))
t5 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "open": t2 - t1, "probe": t3 - t2, "judge": t4 - t3, "render": t5 - t4,
                  "probe_judge": t4 - t2, "depth": trace.depth, "calls": len(trace.calls),
                  "verdict": report.verdict, "peak_kb": _peak_kb()}}))
"""
STARTUP_ALLOWANCE = 0.35  # seconds: the goal is a whole process within 1.5x (critical path + this)
_TUI = _PEAK + """
import json
from s3repl_tui.commands.demo import measure_demo_startup
timings = measure_demo_startup(runs={runs})
print(json.dumps({{"first_frame": [t.first_frame_seconds for t in timings],
                  "diagnosed": [t.diagnosis_seconds for t in timings], "peak_kb": _peak_kb()}}))
"""


def _cli_run(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, int]:
    """Wall seconds from outside, seconds inside (interpreter start excluded), peak KiB, exit code."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _CLI.format(argv=argv)], capture_output=True, text=True,
                            env=env, timeout=300, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    marker = [line for line in result.stderr.splitlines() if line.startswith("BENCH ")]
    if not marker:
        raise RuntimeError(f"s3repl-tui {' '.join(argv)} printed no measurement: {result.stderr[-300:]}")
    _, inside, peak = marker[-1].split()
    return wall, float(inside), int(peak), result.returncode


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                   check=False, timeout=120)
    return time.perf_counter() - started


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def _python_json(code: str, timeout: float = 300, env: dict[str, str] | None = None) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                            check=True, stdin=subprocess.DEVNULL, env=env)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def bench_cli(results: Results, servers: dict[float, ServedSandbox], runs: int) -> None:
    """The check rows run against ``servers`` (a sandbox process per latency), as against AWS."""
    section = "start-up"
    cli = str(BIN / "s3repl-tui")
    walls = [_wall([cli, "--help"]) for _ in range(runs)]
    helps = [_cli_run(["--help"]) for _ in range(runs)]
    results.add(section, "`s3repl-tui --help`: wall (console script)", ms(_median(walls)), f"median of {runs}")
    results.add(section, "`s3repl-tui --help`: peak memory", _mib(_median([h[2] for h in helps])))

    imports = {}
    for module in ("s3repl_tui.commands.check", "textual.app"):
        samples = [_python_json(_IMPORT.format(module=module)) for _ in range(runs)]
        imports[module] = samples
        seconds = _median([float(str(x["seconds"])) for x in samples])
        peak = _median([float(str(x["peak_kb"])) for x in samples])
        textual = " (pulls in Textual!)" if module != "textual.app" and samples[0]["textual"] else ""
        results.add(section, f"import {module}", ms(seconds), f"peak {_mib(peak)}; median of {runs}{textual}")
    check_s = _median([float(str(x["seconds"])) for x in imports["s3repl_tui.commands.check"]])
    textual_s = _median([float(str(x["seconds"])) for x in imports["textual.app"]])
    results.add(section, "import check path / import textual.app", ratio(check_s, textual_s),
                "check never imports Textual" if not imports["s3repl_tui.commands.check"][0]["textual"]
                else "check imports Textual")

    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    served = servers[0.0]
    argv = ["check", "--source-bucket", served.seed.source_bucket, "--source-profile", "s3repl-source",
            "--dest-profile", "s3repl-dest", "--format", "json"]
    checks = [_cli_run(argv, clean | served.env) for _ in range(runs)]
    codes = sorted({c[3] for c in checks})
    results.add(section, "`s3repl-tui check` in a new process, 0 ms/call: wall", ms(_median([c[0] for c in checks])),
                f"median of {runs}; exit {codes}; sandbox in its own process")
    results.add(section, "`s3repl-tui check`: peak memory", _mib(_median([c[2] for c in checks])))
    python_start = _median([_wall([sys.executable, "-c", "pass"]) for _ in range(runs)])
    for latency in (0.0, 0.05):
        served = servers[latency]
        phases = [_python_json(_CHECK_PHASES.format(bucket=served.seed.source_bucket), env=clean | served.env)
                  for _ in range(runs)]
        label = served.label

        def med(name: str, phases: list[dict[str, object]] = phases) -> float:
            return _median([float(str(p[name])) for p in phases])

        critical = float(str(phases[0]["depth"])) * latency
        note = f"import {ms(med('import'))}, Connection.start {ms(med('open'))}; median of {runs}"
        results.add(section, f"{label}: check's probe+judge in a new process (identities beside the reads)",
                    ms(med("probe_judge")), note)
        if not latency:
            continue
        results.add(section, f"{label}: check's probe+judge in a new process / critical path",
                    ratio(med("probe_judge"), critical),
                    f"critical path {ms(critical)}; the probe also waits for both identities (the destination's "
                    "AssumeRole + GetCallerIdentity) and makes every client")
        breakdown = {"python": python_start, "import": med("import"), "credentials": med("open"),
                     "probe": med("probe"), "judge": med("judge"), "render": med("render")}
        results.add(section, f"{label}: start-up breakdown of a new `check` process", ms(sum(breakdown.values())),
                    ", ".join(f"{name} {ms(value)}" for name, value in breakdown.items())
                    + f"; median of {runs} each")
        whole_argv = [*argv[:-2], "--format", "text"]
        wholes = [_cli_run(whole_argv, clean | served.env) for _ in range(runs)]
        whole = _median([w[0] for w in wholes])
        goal = critical + STARTUP_ALLOWANCE
        results.add(section, f"{label}: `s3repl-tui check` in a new process: wall (whole process)", ms(whole),
                    f"median of {runs}; exit {sorted({w[3] for w in wholes})}; text report; sandbox in its own process")
        results.add(section, f"{label}: whole process / (critical path + {ms(STARTUP_ALLOWANCE)} start-up)",
                    ratio(whole, goal), f"{ms(whole)} / {ms(goal)}; goal <= 1.5x")


def bench_tui(results: Results, runs: int) -> None:
    section = "start-up"
    try:
        data = _python_json(_TUI.format(runs=runs))
    except (subprocess.SubprocessError, ValueError) as error:
        results.add(section, "TUI on the demo", "skipped", f"{type(error).__name__}: {str(error)[:150]}")
        return
    first = [float(x) for x in data["first_frame"] if x is not None]  # type: ignore[attr-defined]
    done = [float(x) for x in data["diagnosed"] if x is not None]  # type: ignore[attr-defined]
    if first:
        results.add(section, "TUI (demo, 120x40 headless): time to first frame", ms(_median(first)),
                    f"median of {len(first)}; first run {ms(first[0])}")
    if done:
        results.add(section, "TUI (demo): time to full diagnosis", ms(_median(done)),
                    f"median of {len(done)}; first run {ms(done[0])}")
    results.add(section, "TUI process (with its in-process sandbox): peak memory",
                _mib(float(str(data["peak_kb"]))))
