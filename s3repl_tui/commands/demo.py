"""``s3repl-tui demo``: the troubleshooter on an embedded two-account sandbox, broken four ways, with
replication metrics on and the failures S3 would have published over the last hours.

The sandbox is moto on loopback (``s3repl_tui.sandbox``). Moto never replicates, so the canary runs
against a replication emulator, and the screen says so.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from s3repl_tui.aws import ConnectOptions
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, build_seed
from s3repl_tui.sandbox.observed import stage_demo_observations
from s3repl_tui.screens.backend import CanarySettings, LiveBackend

if TYPE_CHECKING:
    from s3repl_tui.app import StartupTimings

DEMO_BREAKAGES = ("versioning", "role-kms", "destination-policy", "rule")
DEMO_CANARY = CanarySettings(timeout_seconds=60, poll_seconds=0.5, no_status_grace_seconds=5,
                             emulator_delay_seconds=1.5)
# Variables that would send the demo's calls elsewhere (an endpoint, a profile, keys) than the sandbox.
_FOREIGN_AWS_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                    "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION")


@contextmanager
def demo_sandbox() -> Iterator[tuple[Sandbox, SeedSetup]]:
    """The seed setup of the blog post, broken in four layers, with the environment pointing at it."""
    saved = dict(os.environ)
    with Sandbox() as sandbox:
        try:
            for name in [*_FOREIGN_AWS_ENV, *(n for n in os.environ if n.startswith("AWS_ENDPOINT_URL"))]:
                os.environ.pop(name, None)
            os.environ.update(sandbox.env())
            setup = build_seed(sandbox)
            for name in DEMO_BREAKAGES:
                BREAKAGES[name](sandbox, setup)
            # What S3 would be reporting about this broken setup: the monitoring layer has failures to show.
            stage_demo_observations(sandbox, setup)
            yield sandbox, setup
        finally:
            os.environ.clear()
            os.environ.update(saved)


def demo_backend(sandbox: Sandbox, canary_settings: CanarySettings = DEMO_CANARY) -> LiveBackend:
    """Both sandbox accounts, replication emulated, undo history kept inside the sandbox (never in the
    user's own state directory, where ``s3repl-tui undo`` would later find it)."""
    return LiveBackend(
        ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE),
        emulate_replication=True,
        canary_settings=canary_settings,
        state_dir=sandbox.directory / "state",
    )


def measure_demo_startup(runs: int = 3) -> list[StartupTimings]:
    """Time to first frame and to full diagnosis of the demo, headless at 120×40, ``runs`` times on one
    sandbox (the first run also pays for botocore's first clients)."""
    from s3repl_tui.app import S3ReplApp, measure_startup

    with demo_sandbox() as (sandbox, setup):
        return [
            measure_startup(lambda: S3ReplApp(demo_backend(sandbox), source_bucket=setup.source_bucket))
            for _run in range(runs)
        ]


def run(args: argparse.Namespace) -> int:
    from s3repl_tui.app import S3ReplApp  # Textual only once the sandbox is up
    from s3repl_tui.commands.tui import exit_abandoning_reads, require_terminal

    require_terminal("demo")
    print("Starting the two-account sandbox…", file=sys.stderr, flush=True)
    with demo_sandbox() as (sandbox, setup):
        app = S3ReplApp(demo_backend(sandbox), source_bucket=setup.source_bucket)
        app.sub_title = "demo sandbox"
        app.run()
    if app.reads_in_flight:
        exit_abandoning_reads(0)
    return 0
