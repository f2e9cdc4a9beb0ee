"""Issue 13.12: the TUI's undo question lists the documents and accounts it restores (from the same core
function the CLI uses, ``fixes.last_set``) and its footer says "undo", not "apply"."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from s3repl_tui.aws import Connection
from s3repl_tui.checks import judge
from s3repl_tui.fixes import apply_plan, last_set, plan_fixes
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import BREAKAGES, Sandbox, SeedSetup
from s3repl_tui.screens.backend import undo_preview
from s3repl_tui.screens.confirm import ConfirmScreen

from .helpers import fix_all, notifications, plain, wait_diagnosed, wait_for
from .reports import DEST_BUCKET, DST, FakeBackend, all_green, all_red
from .test_app_fake import SIZE, make_app


async def test_the_undo_question_lists_documents_and_accounts_and_says_undo() -> None:
    backend = FakeBackend([all_red(), all_green()])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await fix_all(pilot, app, backend.calls)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the undo question")
        screen = app.screen
        body = "\n".join(plain(static) for static in screen.query(Static))
        assert f"bucket policy of {DEST_BUCKET}" in body and f"versioning of bucket {DEST_BUCKET}" in body
        assert f"account {DST}" in body and "destination, profile prod-dst" in body
        labels = [str(key.description) for key in screen.query_one(Footer).query(FooterKey)]
        assert "Yes, undo" in labels and not any("apply" in label.lower() for label in labels)
        assert "apply" not in str(screen.query_one("#yes").label).lower()
        await pilot.press("n")
        assert "undo" not in backend.calls


async def test_nothing_to_undo_asks_nothing() -> None:
    backend = FakeBackend([all_red()])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.press("u")
        await pilot.pause(0.05)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("no applied fix set" in n for n in notifications(app))


def test_the_preview_is_what_the_cli_shows(sandbox: Sandbox, seed: SeedSetup, connection: Connection,
                                           tmp_path: Path) -> None:
    BREAKAGES["destination-policy"](sandbox, seed)
    BREAKAGES["versioning"](sandbox, seed)
    snapshot = probe(connection, seed.source_bucket)
    apply_plan(plan_fixes(snapshot, judge(snapshot), layer_ids=["versioning", "destination-policy"]), connection,
               state_dir=tmp_path)

    preview = undo_preview(tmp_path)
    pending = last_set(tmp_path)

    assert preview is not None and pending is not None
    assert [ref.label for ref in preview.documents] == [entry.ref.label for entry in reversed(pending.undoable)]
    assert {f"versioning of bucket {seed.dest_bucket}", f"bucket policy of {seed.dest_bucket}"} <= {
        ref.label for ref in preview.documents}
    assert preview.accounts == (seed.dest_account,)


def test_the_fix_question_lists_the_opt_in_changes_it_leaves_out(sandbox: Sandbox, seed: SeedSetup,
                                                                  connection: Connection) -> None:
    """Issue 12.8 in the TUI: the opt-in changes are shown as such, never silently dropped or bundled."""
    from rich.console import Console

    from s3repl_tui.screens.confirm import plan_question

    BREAKAGES["versioning"](sandbox, seed)
    snapshot = probe(connection, seed.source_bucket)
    plan = plan_fixes(snapshot, judge(snapshot))
    assert plan.optional and plan.changes  # the seed's rule has no metrics: an opt-in change
    console = Console(width=200, record=True, color_system=None)
    console.print(plan_question(plan, None)[1])
    text = console.export_text()
    assert "Optional, not in this plan" in text and "--include-optional" in text
    assert all(line.split(":")[0] in text for line in plan.optional)
