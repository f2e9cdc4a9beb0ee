"""Pilot tests against a fake backend: the app's flows without AWS (fast, deterministic)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path

from textual.widgets import OptionList, Static

from s3repl_tui.app import S3ReplApp
from s3repl_tui.checks.model import LAYERS
from s3repl_tui.errors import UserError
from s3repl_tui.screens.confirm import ConfirmScreen
from s3repl_tui.screens.detail import LayerDetailScreen
from s3repl_tui.screens.error import ErrorScreen
from s3repl_tui.screens.help import HelpScreen
from s3repl_tui.screens.main import MainScreen
from s3repl_tui.widgets.canary_bar import EMULATION_NOTICE, CanaryBar
from s3repl_tui.widgets.layer_list import LayerList
from s3repl_tui.widgets.layer_panel import LayerPanel

from .helpers import fix_all, main_screen, notifications, plain, status_text, wait_diagnosed, wait_for
from .reports import SOURCE_BUCKET, FakeBackend, all_green, all_red

SIZE = (120, 40)


def make_app(backend: FakeBackend, **options: object) -> S3ReplApp:
    return S3ReplApp(backend, source_bucket=SOURCE_BUCKET, spinners=False, **options)  # type: ignore[arg-type]


async def test_walks_the_layers_and_opens_the_detail() -> None:
    app = make_app(FakeBackend([all_red()]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        screen = main_screen(app)
        assert screen.selected_layer == "versioning"
        await pilot.press("down", "j")
        assert screen.selected_layer == "service-role"
        assert "Service role" in str(screen.query_one(LayerPanel).border_title)
        await pilot.press("k")
        assert screen.selected_layer == "key-policy"
        await pilot.press("enter")
        assert isinstance(app.screen, LayerDetailScreen)
        assert app.screen.layer_result.id == "key-policy"
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        assert "Verdict: FAIL" in status_text(app)
        assert "6 of 6 layers fail" in status_text(app)


async def test_fix_one_layer_asks_first_and_no_is_the_default() -> None:
    backend = FakeBackend([all_red(), all_green()])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        assert "plan ('versioning',)" in backend.calls
        await pilot.press("enter")  # the focused button is No
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert not any(call.startswith("apply") for call in backend.calls)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "apply 1" in backend.calls, what="the apply")
        await wait_diagnosed(pilot, app)
        assert app.diagnosis is not None and app.diagnosis.report.verdict == "pass"


async def test_fix_all_then_undo_then_reprobe() -> None:
    backend = FakeBackend([all_red(), all_green()])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await fix_all(pilot, app, backend.calls, applied="apply 5")  # the manual fix is not applied
        assert "plan None" in backend.calls
        assert "Verdict: PASS" in status_text(app)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "undo" in backend.calls)
        await wait_diagnosed(pilot, app)
        assert "Verdict: FAIL" in status_text(app)
        probes = backend.calls.count(f"diagnose {SOURCE_BUCKET}")
        await pilot.press("r")
        await wait_for(pilot, lambda: backend.calls.count(f"diagnose {SOURCE_BUCKET}") == probes + 1)
        await wait_diagnosed(pilot, app)


async def test_canary_says_replication_is_emulated() -> None:
    app = make_app(FakeBackend([all_green()]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        bar = main_screen(app).query_one(CanaryBar)
        assert EMULATION_NOTICE in plain(bar)
        await pilot.press("c")
        await wait_for(pilot, lambda: app.last_canary is not None, what="the canary")
        await pilot.pause()
        rendered = plain(bar)
        assert "COMPLETED" in rendered and EMULATION_NOTICE in rendered


async def test_export_writes_markdown_and_the_contract_json(tmp_path: Path) -> None:
    app = make_app(FakeBackend([all_red()]), export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: app.last_export is not None)
        assert any(str(tmp_path) in note for note in notifications(app))
    assert app.last_export is not None
    markdown, json_file = app.last_export
    assert markdown.parent == tmp_path and markdown.read_text().startswith("# Replication of s3://orders-src")
    document = json.loads(json_file.read_text())
    assert set(document) == {"schema", "verdict", "source", "destinations", "layers", "calls"}
    assert document["verdict"] == "fail"
    assert [layer["id"] for layer in document["layers"]] == [layer_id for layer_id, _ in LAYERS]


async def test_read_only_hides_and_refuses_every_write() -> None:
    backend = FakeBackend([all_red()])
    app = make_app(backend, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        shown = {binding.binding.action for binding in app.screen.active_bindings.values()
                 if binding.enabled and binding.binding.show}
        assert not shown & {"fix", "fix_all", "undo", "canary"}
        assert {"probe", "export"} <= shown  # enter (detail) is named on the panel border, not in the footer
        for key in ("f", "F", "u", "c"):
            await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert not any(call.startswith(("plan", "apply", "undo", "canary")) for call in backend.calls)
        assert sum("Read-only" in note for note in notifications(app)) == 4
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Re-probe" in titles and "Fix" not in titles and "Canary" not in titles


async def test_palette_and_help_list_the_same_commands() -> None:
    app = make_app(FakeBackend([all_red()]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Fix", "Fix all", "Undo", "Re-probe", "Canary", "Export", "Detail"} <= titles
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_a_failing_probe_is_shown_not_raised() -> None:
    backend = FakeBackend([all_red()], fail_diagnosis=RuntimeError("probe exploded"))
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any("probe exploded" in n for n in notifications(app)), what="the error")
        assert app.is_running and isinstance(app.screen, MainScreen)
        assert "The probe stopped" in status_text(app)
        assert not app.probing


async def test_a_connection_error_opens_a_modal_and_retry_works() -> None:
    class NoCredentials(FakeBackend):
        failures = 1

        def connect(self):  # type: ignore[no-untyped-def]
            if self.failures:
                self.failures -= 1
                raise UserError("No AWS credentials were found for the source account.", hint="Pass --source-profile.")
            return super().connect()

    app = make_app(NoCredentials([all_red()]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), what="the error modal")
        await pilot.press("r")
        await wait_diagnosed(pilot, app)
        assert isinstance(app.screen, MainScreen)


async def test_layers_fill_in_while_probing() -> None:
    gate = threading.Event()
    app = make_app(FakeBackend([all_red()], gate=gate))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.diagnosis is not None, what="a partial diagnosis")
        layers = main_screen(app).query_one(LayerList)
        prompts = [str(layers.get_option_at_index(i).prompt) for i in range(layers.option_count)]
        assert "FAIL" in prompts[0] and all("probing" in prompt for prompt in prompts[1:])
        assert "Probing" in status_text(app)
        await pilot.press("f")  # no write before the diagnosis is complete
        assert any("Wait for the probe" in n for n in notifications(app))
        gate.set()
        await wait_diagnosed(pilot, app)


async def test_start_screen_lists_buckets_and_opens_the_chosen_one() -> None:
    backend = FakeBackend([all_red()])
    app = S3ReplApp(backend, spinners=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "list_buckets" in backend.calls)
        options = app.screen.query_one("#buckets", OptionList)
        await wait_for(pilot, lambda: options.option_count == 2)
        assert "no replication: enter sets it up" in str(options.get_option_at_index(1).prompt)
        await pilot.press("enter")
        await wait_diagnosed(pilot, app)
        assert isinstance(app.screen, MainScreen) and app.screen.bucket == SOURCE_BUCKET
        assert app.setup_requested is None


async def test_picking_a_bucket_without_replication_closes_the_app_to_set_it_up() -> None:
    backend = FakeBackend([all_red()])
    app = S3ReplApp(backend, spinners=False)
    async with app.run_test(size=SIZE) as pilot:
        options = app.screen.query_one("#buckets", OptionList)
        await wait_for(pilot, lambda: options.option_count == 2)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.setup_requested is not None)
    assert app.setup_requested == str(options.get_option_at_index(1).id).removeprefix("setup:")
    assert not any(call.startswith("diagnose") for call in backend.calls)


async def test_read_only_offers_no_setup() -> None:
    app = S3ReplApp(FakeBackend([all_red()]), spinners=False, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        options = app.screen.query_one("#buckets", OptionList)
        await wait_for(pilot, lambda: options.option_count == 2)
        unconfigured = options.get_option_at_index(1)
        assert unconfigured.disabled and "read-only" in str(unconfigured.prompt)


async def test_quit_lets_a_running_canary_clean_up_first() -> None:
    class SlowCanary(FakeBackend):
        def canary(self, on_progress, should_stop):  # type: ignore[no-untyped-def]
            while not should_stop():
                time.sleep(0.01)
            self.calls.append("canary stopped and cleaned up")
            return super().canary(on_progress, should_stop)

    backend = SlowCanary([all_green()])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: "canary" in backend.calls or app.canary_running)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert "canary stopped and cleaned up" in backend.calls


async def test_the_status_line_counts_the_listed_layers_and_the_warnings() -> None:
    """Issue 13.11: no "every layer passes" while layers warn; "N of M" counts every row of the list."""
    from s3repl_tui.checks.model import Finding, LayerResult

    green = all_green()
    warning = Finding("replication-metrics-off", "warning", "Replication metrics are off.")
    layers = tuple(LayerResult(layer.id, layer.title, (warning,)) if layer.id in ("rule", "versioning") else layer
                   for layer in green.layers)
    warned = dataclasses.replace(green, layers=layers)
    app = make_app(FakeBackend([warned]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        assert "Verdict: PASS with 2 warnings" in status_text(app)
        assert "every layer passes" not in status_text(app)
    red = all_red()
    extra = LayerResult("source-policy", "Source bucket policy", (Finding("deny", "error", "A Deny hits the role."),))
    red = dataclasses.replace(red, layers=(*red.layers, extra))  # an extra layer: a 7th row
    app = make_app(FakeBackend([red]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        rows = main_screen(app).query_one(LayerList).option_count
        assert rows == 7
        failing = sum(layer.status == "fail" for layer in red.layers)
        assert f"{failing} of {rows} layers fail" in status_text(app)


async def test_the_detail_view_fixes_fixes_all_and_undoes() -> None:
    """Issue 13.4: the detail says "press f", so f (and F, u) work there, asking first as on the main screen."""
    backend = FakeBackend([all_red(), all_green()])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.press("down", "enter")
        assert isinstance(app.screen, LayerDetailScreen)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        assert "plan ('key-policy',)" in backend.calls
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("enter", "F")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "plan None" in backend.calls
        await pilot.press("y")
        await wait_for(pilot, lambda: "apply 6" in backend.calls or any(c.startswith("apply") for c in backend.calls))
        await wait_diagnosed(pilot, app)
        await pilot.press("enter", "u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the undo question")
        await pilot.press("y")
        await wait_for(pilot, lambda: "undo" in backend.calls, what="the undo")


async def test_the_detail_view_refuses_writes_when_read_only() -> None:
    backend = FakeBackend([all_red()])
    app = make_app(backend, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.press("enter", "f")
        await pilot.pause(0.1)
        assert not any(call.startswith("plan") for call in backend.calls)
        assert any("Read-only" in n for n in notifications(app))


async def test_the_canary_result_is_cleared_when_the_diagnosis_changes() -> None:
    """Issue 13.5: after a re-probe, a fix or an undo the old canary result is gone from the screen."""
    backend = FakeBackend([all_green(), all_green()])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)

        async def run_canary() -> None:
            await pilot.press("c")
            await wait_for(pilot, lambda: app.last_canary is not None, what="the canary")
            await pilot.pause(0.05)
            assert "COMPLETED" in plain(main_screen(app).query_one(CanaryBar))

        await run_canary()
        await pilot.press("r")
        await wait_diagnosed(pilot, app)
        assert app.last_canary is None
        assert "COMPLETED" not in plain(main_screen(app).query_one(CanaryBar))
        assert "press c" in plain(main_screen(app).query_one(CanaryBar))

        backend._undo_available = True
        await run_canary()
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "undo" in backend.calls)
        await wait_diagnosed(pilot, app)
        assert "COMPLETED" not in plain(main_screen(app).query_one(CanaryBar))


async def test_ctrl_c_quits_and_help_lists_it() -> None:
    """Issue 13.14: ctrl+c quits (as k9s and lazygit do), and the help says so."""
    app = make_app(FakeBackend([all_red()]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = "\n".join(plain(widget, 98) for widget in app.screen.query(Static))
        assert "ctrl+c" in help_text
        await pilot.press("escape")
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        assert not app.is_running


def test_quitting_while_probing_does_not_wait_for_the_probe() -> None:
    """Issue 13.14: the probe is abandoned at once (reads change nothing): `App.run` returns while the
    backend is still blocked in diagnose (if it waited, diagnose would finish first, after its gate)."""
    gate = threading.Event()
    finished: list[bool] = []

    class Blocked(FakeBackend):
        def diagnose(self, bucket, on_update):  # type: ignore[no-untyped-def]
            gate.wait(20)
            finished.append(True)
            return super().diagnose(bucket, on_update)

    app = make_app(Blocked([all_red()]))

    def quit_when_probing() -> None:
        app.set_timer(0.2, lambda: app.call_later(app.action_quit))

    app.call_later(quit_when_probing)
    app.run(headless=True, size=SIZE)
    assert not finished, "quitting waited for the probe"
    assert app.reads_in_flight
    gate.set()


async def test_quitting_during_a_write_waits_for_it() -> None:
    app = make_app(FakeBackend([all_red()]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        app.busy = "applying"
        await pilot.press("q")
        await pilot.pause(0.05)
        assert app.is_running
        assert any("Not quitting yet" in n for n in notifications(app))
        app.busy = None


async def test_w_re_probes_on_a_timer_shows_the_last_probe_and_w_again_stops() -> None:
    """Issue 14: watch mode sees failures as they happen; the status line says when it last looked."""
    backend = FakeBackend([all_red()])
    app = make_app(backend)
    app.watch_seconds = 0.2  # type: ignore[assignment]  # a test need not wait a second per probe
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        assert "probed " in status_text(app) and "re-probing" not in status_text(app)
        probes = backend.calls.count(f"diagnose {SOURCE_BUCKET}")
        await pilot.press("w")
        await wait_for(pilot, lambda: backend.calls.count(f"diagnose {SOURCE_BUCKET}") >= probes + 2,
                       what="two re-probes")
        await wait_diagnosed(pilot, app)
        assert "re-probing every 0.2 s" in status_text(app)
        await pilot.press("w")
        await wait_diagnosed(pilot, app)
        stopped = backend.calls.count(f"diagnose {SOURCE_BUCKET}")
        await pilot.pause(0.6)
        assert backend.calls.count(f"diagnose {SOURCE_BUCKET}") == stopped
        assert "re-probing" not in status_text(app)


async def test_tui_watch_n_watches_from_the_first_probe() -> None:
    app = make_app(FakeBackend([all_red()]), watch_seconds=30)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        assert "re-probing every 30 s" in status_text(app)
