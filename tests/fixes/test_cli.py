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
