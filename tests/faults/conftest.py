"""Fixtures of the fault suite: the seed in the sandbox, a fresh connection, fast retries.

Built on tests/conftest.py's ``sandbox`` (one moto server per process, reset per test). The checks'
hand-built healthy Snapshot (tests/checks/checks_helpers.py) is importable as ``checks_helpers``, the
fix tests' sandbox helpers as ``fixes.seeded``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.retries.standard import ExponentialBackoff

_TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(_TESTS / "checks"))  # checks_helpers: the hand-built healthy Snapshot
sys.path.append(str(_TESTS))  # the package ``fixes`` (tests/fixes): seeded.read_documents
sys.path.insert(0, str(Path(__file__).resolve().parent))



@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """botocore's standard retries without their back-off sleeps (up to seconds each): the same
    attempts, in a fraction of the time."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    yield


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The state folder (backups, audit log, locks) of the CLI under test, inside tmp_path."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    return tmp_path / "s3repl-tui"
