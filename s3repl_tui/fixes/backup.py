"""Where applied sets live: one folder per set with the documents as they were and a manifest.

Layout (``$XDG_STATE_HOME/s3repl-tui``, else ``~/.local/state/s3repl-tui``)::

    audit.jsonl                                  every write and restore, one JSON object a line
    fix-sets/<UTC time>-<random>/manifest.json   what was planned and what happened to each change
    fix-sets/<...>/NN-<kind>.before.json         a document as it was right before the tool wrote it

The folders sort by time, so the newest set is the last one. Files are private (0600): policies name
principals and accounts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3repl_tui.fixes.jsondoc import Document, fingerprint
from s3repl_tui.fixes.model import Change, DocumentRef

SETS = "fix-sets"
MANIFEST = "manifest.json"
UNDOABLE = ("applied", "unverified", "writing")  # "writing": interrupted between backup and answer


def resolve_state_dir(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "s3repl-tui"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_private(path: Path, text: str) -> None:
    """Write atomically (a crash leaves the old file or the new one) with owner-only permissions."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


class DamagedBackup(Exception):
    """A manifest entry or a before-file that cannot be trusted; ``str(error)`` is one sentence."""


@dataclass
class Entry:
    """One change of a set, as recorded in the manifest."""

    raw: dict[str, Any]

    @property
    def ref(self) -> DocumentRef:
        try:
            return DocumentRef.from_json(self.raw["ref"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DamagedBackup("its manifest entry is damaged (it names no document); left as it is") from error

    @property
    def label(self) -> str:
        """What to call it even when the entry is damaged."""
        try:
            return self.ref.label
        except DamagedBackup:
            return str(self.raw.get("label") or f"change {self.raw.get('index', '?')}")

    @property
    def status(self) -> str:
        return str(self.raw["status"])

    @property
    def existed(self) -> bool:
        """Whether the document existed before the fix. A recorded hash or before-file says it did,
        whatever ``existed`` says: undo must never delete a document the owner had."""
        return bool(self.raw.get("existed") or self.raw.get("before_sha256") or self.raw.get("before_file"))

    @property
    def written(self) -> Document | None:
        value = self.raw.get("written")
        return value if isinstance(value, dict) else None

    @property
    def read_back(self) -> Document | None:
        value = self.raw.get("read_back")
        return value if isinstance(value, dict) else None


@dataclass
class BackupSet:
    directory: Path
    manifest: dict[str, Any]

    @property
    def id(self) -> str:
        return self.directory.name

    @property
    def entries(self) -> list[Entry]:
        return [Entry(raw) for raw in self.manifest["changes"]]

    @property
    def undoable(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.status in UNDOABLE]

    @property
    def source_bucket(self) -> str:
        """The bucket whose setup the set changed ("" for sets made before it was recorded)."""
        return str(self.manifest.get("source_bucket") or "")

    @property
    def blocked(self) -> bool:
        """Undo refused some of its entries (changed since, damaged backup): ``undo`` moves on to the
        sets before it; ``undo --set ID`` still tries this one."""
        return bool(self.manifest.get("blocked"))

    def mark_blocked(self, reason: str) -> None:
        self.manifest["blocked"] = {"time": now(), "reason": reason}
        self.save()

    @staticmethod
    def create(root: Path, changes: tuple[Change, ...], source_bucket: str = "") -> BackupSet:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        (root / SETS).mkdir(exist_ok=True, mode=0o700)
        directory = root / SETS / f"{stamp}-{secrets.token_hex(3)}"
        directory.mkdir(mode=0o700)
        manifest = {
            "schema": 1,
            "created": now(),
            "source_bucket": source_bucket,
            "changes": [
                {
                    "index": index,
                    "change_id": change.id,
                    "layer": change.layer,
                    "fix_ids": list(change.fix_ids),
                    "label": change.ref.label,
                    "summary": change.summary,
                    "ref": change.ref.to_json(),
                    "status": "pending",
                    "message": "",
                    "existed": change.before is not None,
                    "before_file": None,
                    "written": None,
                    "read_back": None,
                }
                for index, change in enumerate(changes, start=1)
            ],
            "undo": [],
        }
        backup = BackupSet(directory, manifest)
        backup.save()
        return backup

    def save(self) -> None:
        write_private(self.directory / MANIFEST, json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n")

    def set_ref(self, index: int, ref: DocumentRef) -> None:
        """The document as it is really named once placeholders are filled (a created key's ARN)."""
        raw = self.manifest["changes"][index - 1]
        if raw["ref"] != ref.to_json():
            raw["ref"] = ref.to_json()
            raw["label"] = ref.label
            self.save()

    def keep_before(self, index: int, document: Document | None) -> None:
        """Back up the document as read right before writing (None: it did not exist)."""
        raw = self.manifest["changes"][index - 1]
        raw["existed"] = document is not None
        raw["before_sha256"] = fingerprint(document)
        if document is not None:
            name = f"{index:02d}-{raw['ref']['kind']}.before.json"
            write_private(self.directory / name, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
            raw["before_file"] = name
        self.save()

    def before(self, entry: Entry) -> Document | None:
        """The document as it was before the fix (None: it did not exist). Raises DamagedBackup when
        the before-file is missing, unreadable or not what was recorded when it was taken."""
        if not entry.existed:
            return None
        name = entry.raw.get("before_file")
        if not name:
            raise DamagedBackup(
                "the document existed before the fix, but the manifest names no backup of it; left as it is"
            )
        path = self.directory / Path(str(name)).name  # never outside the set's folder
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not valid JSON"
            raise DamagedBackup(f"its backup {path.name} cannot be read ({reason}); left as it is") from error
        if not isinstance(loaded, dict):
            raise DamagedBackup(f"its backup {path.name} holds no JSON document; left as it is")
        recorded = entry.raw.get("before_sha256")
        if recorded and fingerprint(loaded) != recorded:
            raise DamagedBackup(
                f"its backup {path.name} differs from the hash recorded when it was taken; left as it is"
            )
        return loaded

    def record(self, index: int, status: str, message: str, **documents: Document | None) -> None:
        raw = self.manifest["changes"][index - 1]
        raw["status"] = status
        raw["message"] = message
        raw.update(documents)
        self.save()

    def record_undo(self, entry: Entry, status: str, message: str) -> None:
        if status in ("restored", "deleted", "kept"):
            entry.raw["status"] = "undone"
        self.manifest["undo"].append(
            {"time": now(), "change_id": entry.raw["change_id"], "outcome": status, "message": message}
        )
        self.save()

    @staticmethod
    def load(directory: Path) -> BackupSet:
        """Raises DamagedBackup when the manifest cannot be read or has not the manifest's shape."""
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not valid JSON"
            raise DamagedBackup(f"set {directory.name}: its manifest is damaged ({reason})") from error
        changes = manifest.get("changes") if isinstance(manifest, dict) else None
        if not isinstance(changes, list) or not all(isinstance(raw, dict) for raw in changes):
            raise DamagedBackup(f"set {directory.name}: its manifest is damaged (no list of changes)")
        manifest.setdefault("undo", [])
        return BackupSet(directory, manifest)

    @staticmethod
    def listing(root: Path) -> list[SetListing]:
        """Every set, newest first, loaded or with the sentence that says why it cannot be."""
        folder = root / SETS
        if not folder.is_dir():
            return []
        found = []
        for directory in sorted(folder.iterdir(), reverse=True):
            if not directory.is_dir():
                continue
            try:
                found.append(SetListing(directory, BackupSet.load(directory), ""))
            except DamagedBackup as error:
                found.append(SetListing(directory, None, str(error)))
        return found

    @staticmethod
    def latest_undoable(root: Path) -> tuple[BackupSet | None, tuple[str, ...]]:
        """The newest set that still holds changes the tool wrote and has not restored, and not marked
        blocked; and a sentence for each newer set passed over because it is damaged."""
        damaged: list[str] = []
        for listed in BackupSet.listing(root):
            if listed.backup is None:
                damaged.append(f"{listed.problem}; skipped, nothing of it was restored")
            elif listed.backup.undoable and not listed.backup.blocked:
                return listed.backup, tuple(damaged)
        return None, tuple(damaged)

    @staticmethod
    def last_written(root: Path, source_bucket: str) -> dict[str, str]:
        """Layer -> when the tool last wrote (or restored) a document of it for ``source_bucket``'s
        setup (the set's creation time, just before its writes): failures S3 reported before it may
        predate the change (checks/monitoring.py)."""
        latest: dict[str, str] = {}
        for listed in BackupSet.listing(root):
            backup = listed.backup
            if backup is None or backup.source_bucket != source_bucket:
                continue
            created = str(backup.manifest.get("created") or "")
            undone = [str(record.get("time") or "") for record in backup.manifest.get("undo") or []]
            for entry in backup.entries:
                layer = str(entry.raw.get("layer") or "")
                if layer and entry.status in (*UNDOABLE, "undone"):
                    when = max([created, *undone]) if entry.status == "undone" else created
                    latest[layer] = max(latest.get(layer, ""), when)
        return latest

    @staticmethod
    def find(root: Path, set_id: str) -> BackupSet | None:
        directory = root / SETS / Path(set_id).name
        return BackupSet.load(directory) if directory.is_dir() else None

    def state(self) -> str:
        """One word for ``undo --list``."""
        if self.blocked and self.undoable:
            return "refused"
        if self.undoable:
            return "undoable"
        if any(entry.status == "undone" for entry in self.entries):
            return "undone"
        return "nothing written"


@dataclass(frozen=True)
class SetListing:
    directory: Path
    backup: BackupSet | None  # None: damaged, ``problem`` says how
    problem: str
