"""Read each layer's inputs concurrently into an immutable Snapshot (what was read, what could not be).

The names below load on first use: importing ``s3repl_tui.probes.snapshot`` (the data model, which
the checks and ``s3repl_tui.aws`` use) must not pull in boto3 and the probe machinery, and
``s3repl_tui.aws`` itself imports the model, so eager imports here would be circular."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from s3repl_tui.probes.commands import DESTINATION_PROFILE_PLACEHOLDER, cli_command
    from s3repl_tui.probes.flow import probe, traced_probe
    from s3repl_tui.probes.trace import ProbeTrace, TracedCall

_EXPORTS = {
    "DESTINATION_PROFILE_PLACEHOLDER": "s3repl_tui.probes.commands",
    "cli_command": "s3repl_tui.probes.commands",
    "probe": "s3repl_tui.probes.flow",
    "traced_probe": "s3repl_tui.probes.flow",
    "ProbeTrace": "s3repl_tui.probes.trace",
    "TracedCall": "s3repl_tui.probes.trace",
}

__all__ = [
    "DESTINATION_PROFILE_PLACEHOLDER",
    "ProbeTrace",
    "TracedCall",
    "cli_command",
    "probe",
    "traced_probe",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
