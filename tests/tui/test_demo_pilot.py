"""Pilot tests on the demo's setup: the sandbox, the seed and its four breakages, the real core."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import OptionList

from s3repl_tui.app import S3ReplApp
from s3repl_tui.checks.model import LAYERS
from s3repl_tui.commands.demo import DEMO_BREAKAGES, demo_backend
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, build_seed
from s3repl_tui.screens.backend import CanarySettings
from s3repl_tui.screens.confirm import ConfirmScreen

from .helpers import layer_statuses, main_screen, status_text, wait_diagnosed, wait_for

SIZE = (120, 40)
FAST_CANARY = CanarySettings(timeout_seconds=10, poll_seconds=0.05, no_status_grace_seconds=1,
                             emulator_delay_seconds=0.1)


@pytest.fixture
def demo(sandbox: Sandbox) -> SeedSetup:
    setup = build_seed(sandbox)
    for name in DEMO_BREAKAGES:
        BREAKAGES[name](sandbox, setup)
    return setup


def make_app(sandbox: Sandbox, setup: SeedSetup, tmp_path: Path) -> S3ReplApp:
    backend = demo_backend(sandbox, canary_settings=FAST_CANARY)
    backend.state_dir = tmp_path / "state"
    return S3ReplApp(backend, source_bucket=setup.source_bucket, export_dir=tmp_path, spinners=False)


def failing(app: S3ReplApp) -> set[str]:
    return {layer for layer, status in layer_statuses(app).items() if status == "fail"}


async def confirm(pilot, app: S3ReplApp, key: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what=f"the confirmation of {key}")
    await pilot.press("y")
    await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    await pilot.pause(0.05)
    await wait_diagnosed(pilot, app)


async def test_from_all_red_to_all_green_then_the_canary_completes(
    sandbox: Sandbox, demo: SeedSetup, tmp_path: Path
) -> None:
    app = make_app(sandbox, demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        assert failing(app) == set(DEMO_BREAKAGES)
        assert "Verdict: FAIL" in status_text(app)
        # The canary on the broken setup fails and points at the first failing layer.
        await pilot.press("down")
        await pilot.press("c")
        await wait_for(pilot, lambda: app.last_canary is not None, what="the first canary")
        assert app.last_canary is not None and app.last_canary.outcome == "FAILED"
        assert main_screen(app).selected_layer == "versioning"
        await confirm(pilot, app, "F")  # one round of F then y turns every layer green
        assert failing(app) == set()
        assert "Verdict: PASS" in status_text(app)
        app.last_canary = None
        await pilot.press("c")
        await wait_for(pilot, lambda: app.last_canary is not None, what="the second canary")
        assert app.last_canary is not None and app.last_canary.outcome == "COMPLETED", app.last_canary
    source = sandbox.session(SOURCE_PROFILE).client("s3", region_name=demo.source_region)
    dest = sandbox.session(DEST_PROFILE).client("s3", region_name=demo.dest_region)
    for s3, bucket in ((source, demo.source_bucket), (dest, demo.dest_bucket)):
        left = s3.list_object_versions(Bucket=bucket, Prefix=".s3repl-tui/")
        assert not left.get("Versions") and not left.get("DeleteMarkers")


async def test_fix_one_layer_then_undo_it(sandbox: Sandbox, demo: SeedSetup, tmp_path: Path) -> None:
    app = make_app(sandbox, demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        assert main_screen(app).selected_layer == "versioning"
        await confirm(pilot, app, "f")
        assert failing(app) == set(DEMO_BREAKAGES) - {"versioning"}
        await confirm(pilot, app, "u")
        assert failing(app) == set(DEMO_BREAKAGES)


async def test_reprobe_sees_a_change_made_elsewhere_and_export_follows_the_contract(
    sandbox: Sandbox, demo: SeedSetup, tmp_path: Path
) -> None:
    app = make_app(sandbox, demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        dest = sandbox.session(DEST_PROFILE).client("s3", region_name=demo.dest_region)
        dest.put_bucket_versioning(Bucket=demo.dest_bucket, VersioningConfiguration={"Status": "Enabled"})
        await pilot.press("r")
        await pilot.pause(0.05)
        await wait_diagnosed(pilot, app)
        assert "versioning" not in failing(app)
        await pilot.press("e")
        await wait_for(pilot, lambda: app.last_export is not None)
    assert app.last_export is not None
    document = json.loads(app.last_export[1].read_text())
    assert document["schema"] == 1 and document["verdict"] == "fail"
    assert document["source"] == {"bucket": demo.source_bucket, "account": demo.source_account,
                                  "region": demo.source_region}
    assert [d["bucket"] for d in document["destinations"]] == [demo.dest_bucket]
    assert [layer["id"] for layer in document["layers"]][:6] == [layer_id for layer_id, _ in LAYERS]
    for layer in document["layers"]:
        assert set(layer) == {"id", "title", "status", "findings"}
        for finding in layer["findings"]:
            assert set(finding) == {"code", "severity", "message", "resource", "aws_failure_reason", "evidence",
                                    "fix"}
    assert set(document["calls"]) == {"count", "wall_seconds"}


async def test_without_a_bucket_the_start_screen_offers_the_replicated_one(
    sandbox: Sandbox, demo: SeedSetup, tmp_path: Path
) -> None:
    source = sandbox.session(SOURCE_PROFILE).client("s3", region_name=demo.source_region)
    source.create_bucket(Bucket="plain-bucket")
    app = S3ReplApp(demo_backend(sandbox), spinners=False)
    async with app.run_test(size=SIZE) as pilot:
        options = app.screen.query_one("#buckets", OptionList)
        await wait_for(pilot, lambda: options.option_count == 2, what="the bucket list")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(2)]
        assert demo.source_bucket in prompts[0] and "has replication" in prompts[0]
        assert "plain-bucket" in prompts[1] and "no replication: enter sets it up" in prompts[1]
        await pilot.press("enter")
        await wait_diagnosed(pilot, app)
        assert failing(app) == set(DEMO_BREAKAGES)


@pytest.mark.parametrize("key", ["F", "u"])
async def test_a_state_directory_that_cannot_hold_backups_stops_before_the_question(
    sandbox: Sandbox, demo: SeedSetup, tmp_path: Path, key: str
) -> None:
    """Issue 12.1 in the TUI: the CLI's sentence, before any confirmation, and never "changing AWS"."""
    from .helpers import notifications

    app = make_app(sandbox, demo, tmp_path)
    assert app.backend.state_dir is not None
    app.backend.state_dir.parent.mkdir(parents=True, exist_ok=True)
    app.backend.state_dir.write_text("a file where the state folder should be")
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.press(key)
        await wait_for(pilot, lambda: any("cannot write backups" in n for n in notifications(app)),
                       what="the state directory sentence")
        assert not isinstance(app.screen, ConfirmScreen)
        titles = [str(n.title) for n in app._notifications]
        assert titles and all("changing AWS" not in title for title in titles)
        assert any(title == "Nothing was changed" for title in titles)
        assert failing(app) == set(DEMO_BREAKAGES)  # nothing was written
