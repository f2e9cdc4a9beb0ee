"""Writes that land with no record (issue 12.2): an intent record before each write, the outcome
after; a state directory that fails after a write landed, and Ctrl-C during ``fix``, both end with
what was applied and the undo command printed, and undo restores every document.

Run in-process against the sandbox on the seed with its destination versioning suspended and its
destination bucket policy gone (two changes: versioning, then the bucket policy).
"""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.cli import main
from s3repl_tui.fixes import audit, documents
from s3repl_tui.fixes import backup as backup_module
from s3repl_tui.fixes.jsondoc import fingerprint, same_meaning
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup

PROFILES = ["--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]


@pytest.fixture
def broken(sandbox: Sandbox, seed: SeedSetup) -> SeedSetup:
    BREAKAGES["versioning"](sandbox, seed)
    BREAKAGES["destination-policy"](sandbox, seed)
    return seed


def _documents(sandbox: Sandbox, setup: SeedSetup) -> dict[str, Any]:
    from fixes import seeded

    return seeded.read_documents(sandbox, setup)


def _flags(setup: SeedSetup) -> list[str]:
    from fixes import seeded

    return seeded.cli_flags(setup)


def _audit(state: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]


def _undo_restores_everything(sandbox: Sandbox, setup: SeedSetup, before: dict[str, Any]) -> None:
    assert main(["undo", "--yes", *PROFILES]) == 0
    after = _documents(sandbox, setup)
    assert all(same_meaning(after.get(name), document) for name, document in before.items())


def test_every_write_has_an_intent_record_before_it_and_its_outcome_after(
    sandbox: Sandbox, broken: SeedSetup, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _documents(sandbox, broken)
    assert main(["fix", "--yes", *_flags(broken)]) == 0

    writes = [record for record in _audit(state) if record["action"] == "write"]
    assert len(writes) >= 4 and [record["outcome"] for record in writes] == ["intent", "applied"] * (len(writes) // 2)
    for intent, outcome in zip(writes[::2], writes[1::2], strict=True):
        assert intent["document"] == outcome["document"] and intent["api"] == outcome["api"]
        assert intent["before_sha256"] == outcome["before_sha256"]
    by_api = {record["api"]: record for record in writes[::2]}
    assert by_api["s3:PutBucketVersioning"]["before_sha256"] == fingerprint(before["dest-versioning"])
    assert by_api["s3:PutBucketPolicy"]["before_sha256"] is None  # the bucket had no policy


def test_a_state_directory_that_fails_after_a_write_landed_still_prints_what_landed_and_how_to_undo(
    sandbox: Sandbox,
    broken: SeedSetup,
    state: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _documents(sandbox, broken)
    real_write, real_private = documents.write, backup_module.write_private
    landed: list[str] = []

    def write(*args: Any, **kwargs: Any) -> str | None:
        answer = real_write(*args, **kwargs)
        landed.append(args[1].kind)
        return answer

    def disk_full_once_a_write_landed(path: Path, text: str) -> None:
        if landed:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_private(path, text)

    real_append = audit.append  # the audit log is opened on its own: it fails the same way

    def append(*args: Any, **kwargs: Any) -> None:
        if landed:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_append(*args, **kwargs)

    monkeypatch.setattr(documents, "write", write)
    monkeypatch.setattr(backup_module, "write_private", disk_full_once_a_write_landed)
    monkeypatch.setattr(audit, "append", append)

    code = main(["fix", "--yes", *_flags(broken)])

    out = capsys.readouterr().out
    assert code == 1
    assert landed == ["bucket-versioning"]  # the run stopped: nothing more is written without a backup
    assert "applied: versioning of bucket" in out and "could not record it" in out
    assert "skipped: bucket policy of" in out and "state directory" in out
    assert "Undo with: s3repl-tui undo" in out
    landed.clear()  # the disk has room again
    monkeypatch.setattr(documents, "write", real_write)
    _undo_restores_everything(sandbox, broken, before)


def test_ctrl_c_during_fix_prints_what_landed_and_the_undo_command(
    sandbox: Sandbox,
    broken: SeedSetup,
    state: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _documents(sandbox, broken)
    real_write = documents.write
    calls: list[str] = []

    def write(*args: Any, **kwargs: Any) -> str | None:
        calls.append(args[1].kind)
        answer = real_write(*args, **kwargs)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second write's answer is on its way
        return answer

    monkeypatch.setattr(documents, "write", write)

    code = main(["fix", "--yes", *_flags(broken)])

    captured = capsys.readouterr()
    assert code == 130
    assert "interrupted" in captured.err
    assert "applied: versioning of bucket" in captured.out
    assert "interrupted: inline policy S3ReplTuiReplication of role" in captured.out
    assert "skipped: bucket policy of" in captured.out and "not attempted: interrupted" in captured.out
    assert "Undo with: s3repl-tui undo --source-profile" in captured.out
    monkeypatch.setattr(documents, "write", real_write)
    _undo_restores_everything(sandbox, broken, before)
