"""``s3repl-tui fix`` and ``undo`` in-process against the sandbox: output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from s3repl_tui.cli import main
from s3repl_tui.fixes.jsondoc import same_meaning
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, build_seed

from . import seeded


@pytest.fixture
def broken(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SeedSetup:
    """The seed with its destination versioning suspended and its destination bucket policy gone."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    setup = build_seed(sandbox)
    BREAKAGES["versioning"](sandbox, setup)
    BREAKAGES["destination-policy"](sandbox, setup)
    return setup


def test_fix_yes_then_undo_yes(
    sandbox: Sandbox, broken: SeedSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = seeded.read_documents(sandbox, broken)

    assert main(["fix", "--yes", *seeded.cli_flags(broken)]) == 0

    out = capsys.readouterr().out
    assert "The check after fixing says: pass." in out
    assert f"Backup of the previous documents: {tmp_path / 'state' / 's3repl-tui' / 'fix-sets'}" in out
    assert f"Undo with: s3repl-tui undo --source-profile {SOURCE_PROFILE} --dest-profile {DEST_PROFILE}" in out

    assert main(["undo", "--yes", "--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]) == 0

    out = capsys.readouterr().out
    assert "restored: versioning of bucket s3-repl-test-dsc" in out
    assert "deleted: bucket policy of s3-repl-test-dsc" in out
    after = seeded.read_documents(sandbox, broken)
    assert all(same_meaning(after.get(name), document) for name, document in before.items())
    assert main(["undo", "--yes", "--source-profile", SOURCE_PROFILE]) == 0
    assert "Nothing to undo" in capsys.readouterr().out


def test_a_layer_filter_fixes_only_that_layer(
    sandbox: Sandbox, broken: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["fix", "--yes", "--layer", "versioning", *seeded.cli_flags(broken)])

    out = capsys.readouterr().out
    assert code == 1  # the destination policy is still missing
    assert "1 of 1 change(s) applied." in out and "[destination-policy]" in out
    documents = seeded.read_documents(sandbox, broken)
    assert documents["dest-versioning"] == {"Status": "Enabled"} and documents["dest-bucket-policy"] is None


def test_undo_dry_run_list_and_set(
    sandbox: Sandbox, broken: SeedSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--dry-run`` says what undo would restore and changes nothing; ``--list`` names every set and
    its state; ``--set`` undoes the set it names; an unknown id is one sentence and exit 2."""
    profiles = ["--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]
    assert main(["fix", "--yes", *seeded.cli_flags(broken)]) == 0
    fixed = seeded.read_documents(sandbox, broken)
    capsys.readouterr()

    assert main(["undo", "--dry-run", *profiles]) == 0
    out = capsys.readouterr().out
    assert "would be restored: versioning of bucket s3-repl-test-dsc" in out
    assert "would be deleted: bucket policy of s3-repl-test-dsc" in out
    assert "Dry run: nothing was changed." in out
    assert seeded.read_documents(sandbox, broken) == fixed

    assert main(["undo", "--list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2 and " undoable " in listing[1]
    set_id = listing[1].split()[0]

    assert main(["undo", "--set", "20000101T000000000000Z-000000", "--yes", *profiles]) == 2
    assert "There is no fix set" in capsys.readouterr().err

    assert main(["undo", "--set", set_id, "--yes", *profiles]) == 0
    assert "restored: versioning of bucket s3-repl-test-dsc" in capsys.readouterr().out
    assert main(["undo", "--list"]) == 0
    assert " undone " in capsys.readouterr().out
