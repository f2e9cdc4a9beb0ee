"""Two runs at once (issue 12.5): a run that changes a setup holds its source bucket's lock; another
process asking for it refuses in one sentence and changes nothing; the lock dies with its process.

The first run is a real second process that holds the lock (``setup_lock``) until told to stop.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3repl_tui.checks import judge
from s3repl_tui.cli import main
from s3repl_tui.fixes import apply_plan, plan_fixes, undo_last
from s3repl_tui.fixes.backup import SETS
from s3repl_tui.fixes.lock import SetupBusy, lock_path
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import BREAKAGES, Sandbox, SeedSetup

HOLDER = """
import sys
from pathlib import Path
from s3repl_tui.fixes.lock import setup_lock
with setup_lock(Path(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def broken(sandbox: Sandbox, seed: SeedSetup) -> SeedSetup:
    BREAKAGES["versioning"](sandbox, seed)
    return seed


def _hold(state: Path, bucket: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state), bucket], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.fixture
def held(state: Path, broken: SeedSetup) -> Iterator[subprocess.Popen[str]]:
    holder = _hold(state, broken.source_bucket)
    yield holder
    holder.kill()
    holder.wait()


def _documents(sandbox: Sandbox, setup: SeedSetup) -> dict[str, object]:
    from fixes import seeded

    return seeded.read_documents(sandbox, setup)


def _sets(state: Path) -> list[Path]:
    folder = state / SETS
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_a_second_fix_on_the_same_setup_refuses_in_one_sentence_and_changes_nothing(
    sandbox: Sandbox, broken: SeedSetup, state: Path, held: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from fixes import seeded

    before = _documents(sandbox, broken)

    code = main(["fix", "--yes", *seeded.cli_flags(broken)])

    err = capsys.readouterr().err
    assert code == 2
    assert (
        f"another s3repl-tui run (process {held.pid}) is changing the replication setup of {broken.source_bucket}"
        in err
    )
    assert "nothing was changed" in err and "Traceback" not in err
    assert _documents(sandbox, broken) == before and _sets(state) == []


def test_apply_plan_and_undo_refuse_while_another_process_holds_the_lock(
    sandbox: Sandbox, broken: SeedSetup, state: Path
) -> None:
    from fixes import seeded

    connection = seeded.connect()
    snapshot = probe(connection, broken.source_bucket)
    plan = plan_fixes(snapshot, judge(snapshot))
    assert plan.source_bucket == broken.source_bucket and plan.changes
    assert apply_plan(plan, connection).complete  # nobody else: it applies (and releases the lock)
    holder = _hold(state, broken.source_bucket)
    try:
        with pytest.raises(SetupBusy):
            undo_last(connection)
        with pytest.raises(SetupBusy):
            apply_plan(plan, connection)
    finally:
        holder.kill()
        holder.wait()
    assert len(_sets(state)) == 1
    assert undo_last(connection).complete  # the holder died: its lock went with it


def test_another_bucket_is_not_blocked(sandbox: Sandbox, broken: SeedSetup, state: Path) -> None:
    from fixes import seeded

    holder = _hold(state, "some-other-bucket")
    try:
        assert main(["fix", "--yes", *seeded.cli_flags(broken)]) == 0
    finally:
        holder.kill()
        holder.wait()
    assert lock_path(state, broken.source_bucket).exists()
