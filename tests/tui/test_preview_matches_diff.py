"""Issue 13.13 in the TUI: the detail screen's "Missing statement (the fix adds it)" names the Sids the
planned change's diff adds, on the demo's broken setup (real sandbox, real core)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Static

from s3repl_tui.app import S3ReplApp
from s3repl_tui.commands.demo import DEMO_BREAKAGES, demo_backend
from s3repl_tui.sandbox import BREAKAGES, Sandbox, build_seed
from s3repl_tui.screens.detail import LayerDetailScreen

from .helpers import main_screen, plain, wait_diagnosed, wait_for

_SID = re.compile(r'"Sid": "([^"]+)"')


@pytest.mark.parametrize("layer", ["role-kms", "destination-policy"])
async def test_the_detail_screen_shows_the_statement_its_diff_writes(
    sandbox: Sandbox, tmp_path: Path, layer: str
) -> None:
    setup = build_seed(sandbox)
    for name in DEMO_BREAKAGES:
        BREAKAGES[name](sandbox, setup)
    backend = demo_backend(sandbox)
    backend.state_dir = tmp_path / "state"
    app = S3ReplApp(backend, source_bucket=setup.source_bucket, export_dir=tmp_path, spinners=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_diagnosed(pilot, app)
        for _ in range(12):
            if main_screen(app).selected_layer == layer:
                break
            await pilot.press("down")
        assert main_screen(app).selected_layer == layer
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LayerDetailScreen), what="the detail screen")
        text = plain(app.screen.query_one(Static), width=156)
    findings, _, changes = text.partition("Planned change:")
    shown = set(_SID.findall(findings.split("Missing statement", 1)[-1]))
    added = {sid for line in changes.splitlines() if line.lstrip().startswith("+") for sid in _SID.findall(line)}
    assert "Missing statement" in findings and shown, text
    assert shown <= added, (shown, added)
