"""The sandbox in a process of its own:
``python -m s3repl_tui.sandbox [--latency-ms N] [--seed [--break all|LAYER ...]] [--dir DIR]``.

``--break`` breaks the seed the way the README's FAIL example shows: ``all`` applies every breakage of
``BREAKAGES`` (one per layer: versioning, role-kms, destination-policy, rule), or name layers (or the
finer ``MORE_BREAKAGES`` variants, e.g. ``service-role/trust-without-s3``).

Starts moto on 127.0.0.1 as two AWS accounts (optionally with the seed built), prints ONE line of JSON to
stdout and serves until SIGTERM, SIGINT (Ctrl-C) or, when stdin is a pipe, until stdin closes (so a
parent that dies takes the sandbox with it). It exits 0 on each of them.

    {"endpoint_url": "http://127.0.0.1:PORT", "env": {"AWS_CONFIG_FILE": ..., ...},
     "source_profile": "s3repl-source", "dest_profile": "s3repl-dest", "latency_ms": 0.0,
     "seed": {"source_bucket": ..., "dest_bucket": ..., ...} or null}

From a shell, export ``env`` and point the product at it::

    python -m s3repl_tui.sandbox --seed --dir /tmp/sbx &      # AWS_CONFIG_FILE=/tmp/sbx/config, ...
    AWS_CONFIG_FILE=/tmp/sbx/config AWS_SHARED_CREDENTIALS_FILE=/tmp/sbx/credentials \\
        s3repl-tui check --source-bucket s3-repl-test-src --source-profile s3repl-source --dest-profile s3repl-dest

The seed is built before ``--latency-ms`` applies: the added latency is for the clients, not the set-up.
A benchmark runs its client here against it, so moto's CPU time is not spent under the client's GIL.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import stat
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, build_seed
from s3repl_tui.sandbox.scenarios import MORE_BREAKAGES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m s3repl_tui.sandbox",
        description="Serve the two-account sandbox (moto on 127.0.0.1) until SIGTERM, Ctrl-C or stdin closes; "
        "prints one line of JSON (endpoint, environment, profiles, seed) first.",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, metavar="N",
                        help="added to every AWS call, in milliseconds (default 0)")
    parser.add_argument("--seed", action="store_true", help="build the seed's working two-account setup first")
    parser.add_argument("--break", dest="breakages", nargs="+", metavar="all|LAYER",
                        choices=["all", *BREAKAGES, *MORE_BREAKAGES],
                        help=f"with --seed: break it (all, or some of: {', '.join(BREAKAGES)}; or one of the finer "
                        "variants such as service-role/trust-without-s3)")
    parser.add_argument("--dir", type=Path, metavar="DIR",
                        help="where the config and credentials files go (kept on exit; default: a temporary "
                        "directory, removed on exit)")
    return parser


def _stdin_is_a_pipe() -> bool:
    """Only a pipe or socket says "closed" by its end of file; a terminal or /dev/null does not."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (AttributeError, OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _watch_stdin(stop: threading.Event) -> None:
    try:
        descriptor = sys.stdin.fileno()
        while os.read(descriptor, 65536):
            pass
    except (OSError, ValueError):
        pass
    stop.set()


def describe(sandbox: Sandbox, seed: dict[str, Any] | None, latency_ms: float) -> dict[str, Any]:
    """The line printed on start-up."""
    return {
        "endpoint_url": sandbox.endpoint_url,
        "env": sandbox.env(),
        "source_profile": SOURCE_PROFILE,
        "dest_profile": DEST_PROFILE,
        "latency_ms": latency_ms,
        "seed": seed,
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.latency_ms < 0:
        _parser().error("--latency-ms must be 0 or more")
    if args.breakages and not args.seed:
        _parser().error("--break breaks the seed: add --seed")
    broken = list(BREAKAGES) if args.breakages and "all" in args.breakages else list(args.breakages or [])
    stop = threading.Event()

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, on_signal)

    sandbox = Sandbox(args.dir.resolve() if args.dir else None)
    try:
        sandbox.start()
        seed: dict[str, Any] | None = None
        if args.seed:
            setup = build_seed(sandbox)
            for name in broken:
                (BREAKAGES.get(name) or MORE_BREAKAGES[name])(sandbox, setup)
            seed = {**dataclasses.asdict(setup), "role_arn": setup.role_arn, "broken": broken}
        sandbox.middleware.latency_seconds = args.latency_ms / 1000
        if stop.is_set():  # asked to stop while starting
            return 0
        try:
            print(json.dumps(describe(sandbox, seed, args.latency_ms)), flush=True)
        except BrokenPipeError:  # nobody reads us: nobody will call us either
            return 0
        if sys.stderr.isatty():
            exports = " ".join(f"{name}={value}" for name, value in sandbox.env().items())
            print(f"sandbox at {sandbox.endpoint_url}; in another shell: export {exports}\n"
                  "Ctrl-C stops it.", file=sys.stderr, flush=True)
        if _stdin_is_a_pipe():
            threading.Thread(target=_watch_stdin, args=(stop,), name="stdin-watch", daemon=True).start()
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
