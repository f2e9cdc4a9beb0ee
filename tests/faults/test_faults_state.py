"""A state directory that cannot hold backups (issue 12.1): one sentence, exit 2, nothing sent to AWS.

Each case breaks the state directory in one way (a file where the folder should be, ``audit.jsonl`` a
folder, permission denied, the disk full, too little free space); ``fix --yes`` must then stop before
its first write with "cannot write backups to …; nothing was changed" and exit 2, and AWS must hold
exactly what it held before. The core (``apply_plan``, which the TUI calls) raises the same sentence.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from fault_helpers import cli_flags, open_connection

from s3repl_tui.cli import main
from s3repl_tui.fixes import apply_plan, plan_fixes, undo_last
from s3repl_tui.fixes import state as state_module
from s3repl_tui.fixes.state import StateDirError, check_state_dir
from s3repl_tui.sandbox import BREAKAGES, Sandbox, SeedSetup
from s3repl_tui.sandbox.middleware import FaultResponse, SandboxRequest


def _documents(sandbox: Sandbox, setup: SeedSetup) -> dict[str, object]:
    from fixes import seeded

    return seeded.read_documents(sandbox, setup)


def _count_writes(sandbox: Sandbox) -> list[str]:
    from fixes import seeded

    seen: list[str] = []

    def hook(request: SandboxRequest) -> FaultResponse | None:
        if seeded.is_write(request):
            seen.append(request.operation)
        return None

    sandbox.middleware.fault_hooks.append(hook)
    return seen


@pytest.fixture
def broken(sandbox: Sandbox, seed: SeedSetup) -> SeedSetup:
    BREAKAGES["versioning"](sandbox, seed)
    BREAKAGES["destination-policy"](sandbox, seed)
    return seed


def _file_instead_of_folder(home: Path, patch: pytest.MonkeyPatch) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "s3repl-tui").write_text("not a folder")


def _home_is_a_file(home: Path, patch: pytest.MonkeyPatch) -> None:
    home.parent.mkdir(parents=True, exist_ok=True)
    home.write_text("not a folder")


def _audit_log_is_a_folder(home: Path, patch: pytest.MonkeyPatch) -> None:
    (home / "s3repl-tui" / "audit.jsonl").mkdir(parents=True)


def _under(home: Path, path: object) -> bool:
    try:
        return Path(os.fsdecode(path)).resolve().is_relative_to(home.resolve())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _permission_denied(home: Path, patch: pytest.MonkeyPatch) -> None:
    """As root, chmod does not stop a write: every open under the state folder is refused instead."""
    real_open = os.open

    def refusing(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if _under(home, path) and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))  # type: ignore[arg-type]
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    patch.setattr(os, "open", refusing)


def _disk_full(home: Path, patch: pytest.MonkeyPatch) -> None:
    """Every write to a file under the state folder answers ENOSPC (the folder itself can be made)."""
    real_open, real_write = os.open, os.write
    ours: set[int] = set()

    def opening(path: object, flags: int, *args: object, **kwargs: object) -> int:
        descriptor = real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]
        if _under(home, path):
            ours.add(descriptor)
        else:
            ours.discard(descriptor)
        return descriptor

    def writing(descriptor: int, data: bytes) -> int:
        if descriptor in ours:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(descriptor, data)

    patch.setattr(os, "open", opening)
    patch.setattr(os, "write", writing)


def _low_free_space(home: Path, patch: pytest.MonkeyPatch) -> None:
    patch.setattr(state_module, "free_bytes", lambda path: 10_000)


BREAKS: dict[str, Callable[[Path, pytest.MonkeyPatch], None]] = {
    "file-instead-of-folder": _file_instead_of_folder,
    "state-home-is-a-file": _home_is_a_file,
    "audit-log-is-a-folder": _audit_log_is_a_folder,
    "permission-denied": _permission_denied,
    "disk-full": _disk_full,
    "low-free-space": _low_free_space,
}


@pytest.mark.parametrize("how", sorted(BREAKS))
def test_fix_yes_with_a_broken_state_dir_says_one_sentence_exits_2_and_writes_nothing(
    sandbox: Sandbox, broken: SeedSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], how: str,
) -> None:
    home = tmp_path / "state-home"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    before = _documents(sandbox, broken)
    writes = _count_writes(sandbox)
    BREAKS[how](home, monkeypatch)

    code = main(["fix", "--yes", *cli_flags(broken)])

    monkeypatch.undo()  # os.open / os.write as they were, to read AWS back
    captured = capsys.readouterr()
    assert code == 2, captured
    assert "cannot write" in captured.err and "; nothing was changed" in captured.err, captured.err
    assert str(home) in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert writes == []
    sandbox.middleware.fault_hooks.clear()
    assert _documents(sandbox, broken) == before


@pytest.mark.parametrize("how", sorted(BREAKS))
def test_the_core_refuses_before_the_first_write_with_the_same_sentence(
    sandbox: Sandbox, broken: SeedSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """What the TUI calls: apply_plan and undo_last raise StateDirError (exit 2) and send nothing."""
    connection = open_connection(sandbox)
    from fixes import seeded

    plan = plan_fixes(*seeded.checked(connection, broken))
    home = tmp_path / "state-home"
    root = home / "s3repl-tui"
    writes = _count_writes(sandbox)
    BREAKS[how](home, monkeypatch)

    with pytest.raises(StateDirError) as raised:
        check_state_dir(root)
    with pytest.raises(StateDirError) as applying:
        apply_plan(plan, connection, state_dir=root)
    with pytest.raises(StateDirError):
        undo_last(connection, state_dir=root)

    assert applying.value.exit_code == 2
    assert applying.value.message.startswith("cannot write ")
    assert applying.value.message.endswith("; nothing was changed")
    assert raised.value.message == applying.value.message
    assert writes == []
