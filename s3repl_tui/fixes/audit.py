"""The audit log: one JSON object a line for every write, restore or delete the tool attempted."""

from __future__ import annotations

import json
import os
from pathlib import Path

from s3repl_tui.fixes.backup import now
from s3repl_tui.fixes.jsondoc import Document, fingerprint
from s3repl_tui.fixes.model import DELETE_API, DocumentRef

AUDIT_LOG = "audit.jsonl"


def append(
    root: Path,
    *,
    action: str,  # "write" | "restore" | "delete"
    outcome: str,
    who: str,
    ref: DocumentRef,
    set_id: str,
    before: Document | None,
    after: Document | None,
    message: str = "",
) -> None:
    record = {
        "time": now(),
        "action": action,
        "outcome": outcome,
        "who": who,
        "account": ref.account,
        "region": ref.region,
        "api": DELETE_API.get(ref.kind, ref.api) if action == "delete" else ref.api,
        "resource": ref.resource,
        "document": ref.label,
        "before_sha256": fingerprint(before),
        "after_sha256": fingerprint(after),
        "set": set_id,
        "message": message,
    }
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(root / AUDIT_LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
