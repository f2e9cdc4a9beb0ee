"""What the monitoring layer is given besides the probe's reads: failure events from a file, and when
this tool last changed each layer of the setup (its fix sets), so failures from before a fix are
history rather than a contradiction. Used by ``check`` and the TUI alike; no Textual here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from s3repl_tui.errors import UserError
from s3repl_tui.fixes.backup import BackupSet, resolve_state_dir
from s3repl_tui.probes.events import load_events
from s3repl_tui.probes.snapshot import Snapshot


def with_observations(snapshot: Snapshot, events: Path | None = None, state_dir: Path | None = None) -> Snapshot:
    observed = snapshot.observed
    changes: dict[str, object] = {}
    if events is not None:
        if not events.is_file():
            raise UserError(f"There is no events file {events}.")
        loaded = load_events(events, observed.window_seconds)
        if observed.events is None:
            changes.update(events=loaded, events_source=events.name)
        else:  # beside what the probe peeked at on the source's queues
            merged = tuple(sorted((*observed.events, *loaded), key=lambda event: event.time))
            changes.update(events=merged, events_source=f"{observed.events_source} and {events.name}")
    try:
        changed_at = BackupSet.last_written(resolve_state_dir(state_dir), snapshot.source_bucket)
    except OSError:  # an unreadable state folder only loses this hint; fix and undo report it themselves
        changed_at = {}
    if changed_at:
        changes["changed_at"] = changed_at
    if not changes:
        return snapshot
    return dataclasses.replace(snapshot, observed=dataclasses.replace(observed, **changes))  # type: ignore[arg-type]
