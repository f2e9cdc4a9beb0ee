"""Fixes that are safe to press on production accounts: findings -> plan -> apply -> undo.

Data flows one way (design.md): ``plan_fixes`` is pure (a Snapshot and a Report in, a Plan out);
``apply_plan`` and ``undo_last`` do the I/O, never print, and report progress through a callback, so
the TUI can run them in worker threads. No Textual here.

Every change merges into the document as read, never replaces it: the tool adds statements whose Sid
starts with ``S3ReplTui`` (or widens its own), keeps every other statement as written, never removes a
Deny and never edits a boundary or SCP. Several findings on one document make one change.

The automatic fix ids are the checks' (``s3repl_tui.checks.fixes`` documents them and their
``params``); ``AUTOMATIC_FIX_IDS`` lists those this module plans. Facts the params leave out come from
the Snapshot. Role permissions go into the inline policy ``S3ReplTuiReplication`` (or the inline policy
that already holds a tool statement); a hint's ``policy_name`` is not used, so that one document gets
one change. Any other id, and every hint with ``automatic=False``, lands in ``Plan.manual``.

Use from a worker thread::

    plan = plan_fixes(snapshot, report, layer_ids=None)      # pure
    for change in plan.changes: change.diff()                # account, region, api, resource, before/after
    result = apply_plan(plan, connection, on_progress=post)  # raises FixRejected: nothing written
    result.applied / .unverified / .failed / .refused / .skipped / .backup_dir / .messages
    last_set()                                               # what undo would restore (to show first)
    undo_last(connection, on_progress=post)                  # UndoResult (undo_set: one named set)
    export_plan(plan, "cli" | "json" | "terraform" | "cloudformation")

Before the first write ``apply_plan`` and ``undo_last`` check the state directory
(``check_state_dir``): if backups or the audit log cannot be written they raise ``StateDirError``
(exit 2, "cannot write backups to …; nothing was changed") and send nothing to AWS.

State (backups, manifests, ``audit.jsonl``) lives in ``$XDG_STATE_HOME/s3repl-tui`` (else
``~/.local/state/s3repl-tui``); ``state_dir=`` overrides it.
"""

from s3repl_tui.fixes.apply import apply_plan
from s3repl_tui.fixes.backup import resolve_state_dir
from s3repl_tui.fixes.export import export_plan
from s3repl_tui.fixes.guards import FixRejected
from s3repl_tui.fixes.model import (
    ApplyResult,
    Change,
    ChangeOutcome,
    DocumentRef,
    Plan,
    UndoOutcome,
    UndoResult,
)
from s3repl_tui.fixes.plan import PLANNERS, plan_fixes
from s3repl_tui.fixes.state import StateDirError, check_state_dir
from s3repl_tui.fixes.undo import last_set, undo_last

AUTOMATIC_FIX_IDS: frozenset[str] = frozenset(PLANNERS)

__all__ = [
    "AUTOMATIC_FIX_IDS",
    "ApplyResult",
    "Change",
    "ChangeOutcome",
    "DocumentRef",
    "FixRejected",
    "Plan",
    "StateDirError",
    "UndoOutcome",
    "UndoResult",
    "apply_plan",
    "check_state_dir",
    "export_plan",
    "last_set",
    "plan_fixes",
    "resolve_state_dir",
    "undo_last",
]
