"""The replication statuses a Batch Replication manifest can select (``ObjectReplicationStatuses``)."""

from __future__ import annotations

from s3repl_tui.errors import UserError

# What each status selects, in the words a person reads before confirming the job.
STATUS_MEANINGS: dict[str, str] = {
    "FAILED": "objects whose replication failed (S3 never retries them by itself)",
    "NONE": "objects that were never replicated (written before the rule, or while no rule matched)",
    "COMPLETED": "objects already replicated (to copy them to a new destination)",
    "REPLICA": "replicas written here by another bucket's replication (chains A→B→C)",
}


def parse_statuses(text: str) -> tuple[str, ...]:
    """``"failed, none"`` → ``("FAILED", "NONE")``; an unknown or empty list is a UserError."""
    wanted = [part.strip().upper() for part in text.split(",") if part.strip()]
    unknown = [part for part in wanted if part not in STATUS_MEANINGS]
    if unknown:
        raise UserError(
            f"--statuses accepts {', '.join(STATUS_MEANINGS)}, not {', '.join(unknown)}.",
            "For example: --statuses FAILED,NONE",
        )
    if not wanted:
        raise UserError("--statuses needs at least one status.", "For example: --statuses FAILED,NONE")
    return tuple(dict.fromkeys(wanted))  # keep the order given, drop repeats
