"""``s3repl-tui fix`` modes that write nothing, on one broken setup shared by this module."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3repl_tui.cli import main
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, Sandbox, SeedSetup, build_seed

from . import seeded

_AWS_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION")  # fmt: skip


@pytest.fixture(scope="module")
def shared(sandbox_server: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path]]:
    """The sandbox, emptied once for this module, and the state dir the fix command would use."""
    state = tmp_path_factory.mktemp("state")
    with pytest.MonkeyPatch.context() as patch:
        sandbox_server.reset()
        sandbox_server.middleware.fault_hooks.clear()
        sandbox_server.middleware.latency_seconds = 0.0
        sandbox_server.middleware.cross_account_guard = True
        for name in _AWS_ENV:
            patch.delenv(name, raising=False)
        for name, value in {**sandbox_server.env(), "XDG_STATE_HOME": str(state)}.items():
            patch.setenv(name, value)
        yield sandbox_server, state


@pytest.fixture(scope="module")
def broken(shared: tuple[Sandbox, Path]) -> SeedSetup:
    """The seed with its destination versioning suspended and its destination bucket policy gone."""
    sandbox = shared[0]
    setup = build_seed(sandbox)
    BREAKAGES["versioning"](sandbox, setup)
    BREAKAGES["destination-policy"](sandbox, setup)
    return setup


@pytest.fixture
def sandbox(shared: tuple[Sandbox, Path]) -> Sandbox:
    """This module's sandbox: not emptied between its tests, since none of them writes."""
    return shared[0]


@pytest.fixture
def state_home(shared: tuple[Sandbox, Path]) -> Path:
    return shared[1]


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_dry_run_prints_the_plan_as_diffs_and_writes_nothing(
    sandbox: Sandbox, broken: SeedSetup, state_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = seeded.read_documents(sandbox, broken)

    code = main(["fix", "--dry-run", *seeded.cli_flags(broken)])

    out = capsys.readouterr().out
    assert code == 1
    assert "[versioning] enable versioning on s3-repl-test-dsc" in out
    assert "s3:PutBucketVersioning on arn:aws:s3:::s3-repl-test-dsc" in out
    assert "account 444455556666, region us-west-2" in out
    assert '-  "Status": "Suspended"' in out and '+  "Status": "Enabled"' in out
    assert "The check says: fail." in out
    assert seeded.read_documents(sandbox, broken) == before
    assert not (state_home / "s3repl-tui").exists()


def test_export_prints_commands_or_json_and_exits_zero(broken: SeedSetup, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "--export", "cli", *seeded.cli_flags(broken)]) == 0
    script = capsys.readouterr().out
    assert script.startswith("#!/bin/sh")
    assert f"--profile {DEST_PROFILE}" in script and "aws s3api put-bucket-policy" in script

    assert main(["fix", "--export", "json", *seeded.cli_flags(broken)]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert {c["api"] for c in exported["changes"]} >= {"s3:PutBucketVersioning", "s3:PutBucketPolicy"}


def test_without_a_terminal_and_without_yes_it_refuses_with_one_sentence(
    sandbox: Sandbox, broken: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    before = seeded.read_documents(sandbox, broken)

    code = main(["fix", *seeded.cli_flags(broken)])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("s3repl-tui: Refusing to change AWS without a confirmation") and "hint: " in err
    assert "Traceback" not in err
    assert seeded.read_documents(sandbox, broken) == before


def test_a_declined_confirmation_changes_nothing(
    sandbox: Sandbox, broken: SeedSetup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = seeded.read_documents(sandbox, broken)
    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr("builtins.input", lambda question: "")  # Enter: the default is No

    assert main(["fix", *seeded.cli_flags(broken)]) == 1

    assert "Nothing was changed." in capsys.readouterr().out
    assert seeded.read_documents(sandbox, broken) == before


def test_an_unknown_layer_is_a_usage_error(broken: SeedSetup, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "--dry-run", "--layer", "kms", *seeded.cli_flags(broken)]) == 2
    assert "Unknown layer 'kms'" in capsys.readouterr().err
