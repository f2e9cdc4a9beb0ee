"""``make bench`` (``python -m bench``): every benchmark, a table on stdout and in bench/RESULTS.md.

    python -m bench            # the full run (a few minutes)
    python -m bench --quick    # one run per measurement, no AWS CLI baseline, RESULTS.md untouched (a smoke test)
    S3REPL_BENCH_INVENTORY_ROWS=1000000 python -m bench   # a smaller generated inventory (default 10 million rows)
"""

from __future__ import annotations

import argparse
import compileall
import shlex
import sys
import time
from pathlib import Path

import s3repl_tui
from bench import check_bench, inventory_bench, scan_bench, startup_bench
from bench.policy_bench import measure as policy_measure
from bench.results import Results, machine, ratio, write_markdown
from bench.served import environment, served
from s3repl_tui.sandbox import Sandbox, build_seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument("--quick", action="store_true", help="1 run each, no AWS CLI runbook")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else max(1, args.runs)
    started = time.perf_counter()
    info = machine()
    print(f"s3repl-tui bench: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}", flush=True)
    results = Results()
    # The child processes run the package as installed: its bytecode compiled (with
    # PYTHONDONTWRITEBYTECODE set, a changed module would be compiled again by every child).
    compileall.compile_dir(str(Path(s3repl_tui.__file__).parent), quiet=1)

    print("\n[policy engine]", flush=True)
    cached, naive = policy_measure(200 if not args.quick else 20)
    results.add("policy engine", "per request, caches warm", f"{cached:.1f} us", "30 requests x up to 6 documents")
    results.add("policy engine", "per request, no caches (naive)", f"{naive:.1f} us",
                f"cached is {ratio(naive, cached)} faster")

    with Sandbox() as sandbox, served(check_bench.LATENCIES) as servers, environment(sandbox.env()):
        seed = build_seed(sandbox)
        print("\n[check on the seed]", flush=True)
        ours = check_bench.bench_check(results, sandbox, seed, servers, runs)
        check_bench.bench_judge_rules(results, sandbox, seed, runs)
        print("\n[AWS CLI runbook]", flush=True)
        if args.quick:
            results.add("AWS CLI runbook", "AWS CLI runbook", "skipped", "--quick")
        else:
            check_bench.bench_awscli(results, sandbox, seed, runs, ours)
        print("\n[start-up]", flush=True)
        startup_bench.bench_cli(results, servers, max(runs, 3))
        print("\n[scale]", flush=True)
        check_bench.bench_scale(results, sandbox, runs)
    print("\n[TUI]", flush=True)
    startup_bench.bench_tui(results, runs)
    print("\n[scan: every replicated bucket]", flush=True)
    scan_bench.bench_scan(results, 10 if args.quick else 200)
    print("\n[failed: S3 Inventory scan]", flush=True)  # rows: $S3REPL_BENCH_INVENTORY_ROWS (default 10 million)
    inventory_bench.bench_inventory(results, 200_000 if args.quick else None)

    elapsed = time.perf_counter() - started
    extra = shlex.join(sys.argv[1:]) if argv is None else shlex.join(argv)
    command = f"python -m bench {extra}".strip() + (" (make bench)" if not extra else "")
    if args.quick:  # a smoke run's single samples must not replace the recorded results
        print(f"\n{results.table()}\n\n(--quick: bench/RESULTS.md left as it was) {elapsed:.0f} s")
        return 0
    path = write_markdown(results, command, elapsed)
    print(f"\n{results.table()}\n\nwritten to {path} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
