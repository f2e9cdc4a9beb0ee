"""Helpers of the fault suite: connect, probe and judge the sandbox; compare reports layer by layer."""

from __future__ import annotations

from typing import Any

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Report
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup


def open_connection(sandbox: Sandbox) -> Connection:
    """Both accounts, opened before any fault hook is installed; the sandbox's counts zeroed after."""
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    sandbox.middleware.reset_counts()
    return connection


def check(connection: Connection, setup: SeedSetup) -> Report:
    return judge(probe(connection, setup.source_bucket))


def statuses(report: Report) -> dict[str, str]:
    return {layer.id: layer.status for layer in report.layers}


def layer_json(report: Report, layer_id: str) -> dict[str, Any]:
    return report.layer(layer_id).to_json()


def unknown_reasons(report: Report, layer_id: str) -> list[dict[str, Any]]:
    """The evidence of every unknown finding of a layer (reason, error, kind, operation, command)."""
    return [dict(f.evidence) for f in report.layer(layer_id).findings if f.unknown]


def cli_flags(setup: SeedSetup) -> list[str]:
    return ["--source-bucket", setup.source_bucket, "--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]
