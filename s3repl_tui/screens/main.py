"""The troubleshooter: identities, the replication path, the layers, the selected layer's panel.

The screen only shows and triggers; the app runs the work (``S3ReplApp.request_*``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, OptionList, Static

from s3repl_tui.canary import CanaryProgress, CanaryResult
from s3repl_tui.checks.model import LayerResult
from s3repl_tui.plain_text import printable_line
from s3repl_tui.report_text import verdict_detail
from s3repl_tui.screens.backend import Diagnosis, Identities
from s3repl_tui.widgets.canary_bar import CanaryBar
from s3repl_tui.widgets.findings import emphasis
from s3repl_tui.widgets.flow import FlowDiagram
from s3repl_tui.widgets.identity_bar import IdentityBar
from s3repl_tui.widgets.layer_list import LayerList
from s3repl_tui.widgets.layer_panel import LayerPanel
from s3repl_tui.widgets.monitoring_panel import MONITORING, MonitoringPanel

if TYPE_CHECKING:
    from s3repl_tui.app import S3ReplApp

MIN_SIZE = (80, 24)  # below this the screen says so instead of drawing a broken layout
WIDE_FOOTER = 110  # from this width the footer has room for spacing and the palette key


def too_small_message(width: int = MIN_SIZE[0], height: int = MIN_SIZE[1]) -> str:
    return f"Terminal too small (need {width}×{height}): make the window larger, or press q to quit."


def _is_sandbox(endpoint_url: str | None) -> bool:
    """Only a custom endpoint can be the sandbox; its module (the sandbox package pulls in moto) is
    imported only then, so startup against AWS stays light."""
    if not endpoint_url:
        return False
    from s3repl_tui.sandbox.emulation import is_sandbox_endpoint

    return is_sandbox_endpoint(endpoint_url)


# Actions that write to AWS: hidden and refused under --read-only.
WRITE_ACTIONS = frozenset({"fix", "fix_all", "undo", "canary"})
_LAYERS_GROUP = Binding.Group("Layers", compact=True)


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "layer_up", "Previous layer", id="layer.previous", key_display="↑", group=_LAYERS_GROUP,
                tooltip="Select the previous layer"),
        Binding("down,j", "layer_down", "Next layer", id="layer.next", key_display="↓", group=_LAYERS_GROUP,
                tooltip="Select the next layer"),
        # Not in the footer (the panel's border says "enter: full detail"): at 80 columns e, ? and q fit.
        Binding("enter", "open_detail", "Detail", id="layer.detail", show=False,
                tooltip="Open the selected layer's full detail"),
        Binding("f", "fix", "Fix", id="fix.layer", tooltip="Fix the selected layer (asks first)"),
        Binding("F", "fix_all", "Fix all", id="fix.all",
                tooltip="Fix every layer that has an automatic fix (asks first)"),
        Binding("u", "undo", "Undo", id="fix.undo", tooltip="Undo the last applied fix set (asks first)"),
        Binding("r", "probe", "Re-probe", id="probe.again", tooltip="Read both accounts again and re-judge"),
        # Not in the footer (no room at 80 columns); help lists it, the status line says when it is on.
        Binding("w", "toggle_watch", "Watch", id="probe.watch", show=False,
                tooltip="Re-probe every N seconds (tui --watch N), to see failures as they happen; w again stops"),
        Binding("c", "canary", "Canary", id="canary.run",
                tooltip="Write a test object and watch it replicate"),
        Binding("e", "export", "Export", id="report.export",
                tooltip="Save the report as Markdown and JSON files"),
        # Reached only under --read-only, where check_action disables the writes above: say why.
        *(
            Binding(key, f"refuse_write('{action}')", show=False, id=f"{action}.refused")
            for key, action in (("f", "fix"), ("F", "fix_all"), ("u", "undo"), ("c", "canary"))
        ),
    ]

    def __init__(self, bucket: str, *, spinners: bool = True) -> None:
        super().__init__()
        self.bucket = bucket
        self._bucket_text = printable_line(bucket)
        self._spinners = spinners
        self._diagnosis: Diagnosis | None = None
        self._probing = True
        self._drawn = False  # widgets exist (is_mounted is only true once on_mount has returned)
        self._watch: Timer | None = None  # w: the re-probe timer while watching
        self._last_probe = ""  # HH:MM:SS of the last finished probe

    @property
    def s3repl(self) -> S3ReplApp:
        return cast("S3ReplApp", self.app)

    def compose(self) -> ComposeResult:
        yield IdentityBar(id="identities")
        yield FlowDiagram(id="flow")
        with Horizontal(id="layers"):
            yield LayerList(id="layer-list", animate_spinner=self._spinners)
            yield LayerPanel(id="layer-panel")
            yield MonitoringPanel(id="monitoring-panel")  # instead of the layer panel on the monitoring layer
        yield Static(id="status-line")
        yield CanaryBar(
            emulated=self.s3repl.backend.emulated_replication, enabled=not self.s3repl.read_only, id="canary"
        )
        yield Static(Text(too_small_message(), style="bold"), id="too-small")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        self.fit_to(event.size.width, event.size.height)

    def fit_to(self, width: int, height: int) -> None:
        """Below MIN_SIZE only the "terminal too small" sentence shows; narrow terminals get a compact
        footer without the palette key, so every binding (e, ?, q included) stays visible at 80 columns."""
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.set_class(small, "-too-small")
        footer = self.query_one(Footer)
        footer.compact = width < WIDE_FOOTER
        footer.show_command_palette = width >= WIDE_FOOTER

    def on_mount(self) -> None:
        self.fit_to(self.app.size.width, self.app.size.height)
        self._drawn = True
        self.query_one(LayerList).focus()
        self.sub_title = f"s3://{self._bucket_text}"
        if self.s3repl.watch_from_start and self._watch is None:
            self._watch = self.set_interval(self.s3repl.watch_seconds, self._watch_tick)
        self._redraw()
        if self.s3repl.identities is not None:
            self.show_identities(self.s3repl.identities)

    # -- what the app tells the screen -------------------------------------------------------------

    def show_identities(self, identities: Identities) -> None:
        if self._drawn:  # else on_mount shows them
            self.query_one(IdentityBar).show(identities)
            self.query_one(CanaryBar).show_sandbox(_is_sandbox(identities.endpoint_url))

    def show_diagnosis(self, diagnosis: Diagnosis | None, *, probing: bool) -> None:
        self._diagnosis, self._probing = diagnosis, probing
        if diagnosis is not None and not probing:
            self._last_probe = self.s3repl.clock()
        self._redraw()

    def show_probe_failed(self, reason: str) -> None:
        self._probing = False
        self._redraw()
        self.query_one("#status-line", Static).update(
            Text.assemble(("✗ The probe stopped: ", emphasis("fail")), reason, " — press r to try again.")
        )

    def show_activity(self, message: str) -> None:
        """A write in progress (apply, undo): the status line says what is happening now."""
        self.query_one("#status-line", Static).update(Text.assemble(("… ", "bold cyan"), message))

    def show_canary_progress(self, progress: CanaryProgress) -> None:
        self.query_one(CanaryBar).show_progress(progress)

    def show_canary_result(self, result: CanaryResult) -> None:
        self.query_one(CanaryBar).show_result(result)
        if result.blamed_layer:
            self.select_layer(result.blamed_layer)

    def clear_canary(self) -> None:
        if self._drawn:
            self.query_one(CanaryBar).clear_result()

    def show_canary_stopped(self, reason: str) -> None:
        self.query_one(CanaryBar).show_stopped(reason)

    def select_layer(self, layer_id: str) -> None:
        self.query_one(LayerList).select_layer(layer_id)

    @property
    def selected_layer(self) -> str | None:
        return self.query_one(LayerList).selected_layer

    def _selected_result(self) -> LayerResult | None:
        if self._diagnosis is None or self.selected_layer is None:
            return None
        try:
            return self._diagnosis.report.layer(self.selected_layer)
        except KeyError:
            return None

    def _redraw(self) -> None:
        if not self._drawn:
            return  # on_mount draws what is known by then
        diagnosis = self._diagnosis
        report = diagnosis.report if diagnosis is not None else None
        self.query_one(LayerList).show(report, probing=self._probing)
        self.query_one(FlowDiagram).show(report, diagnosis.path if diagnosis is not None else None)
        self._redraw_panel()
        self.query_one("#status-line", Static).update(self._status_line())

    def _redraw_panel(self) -> None:
        plan = self._diagnosis.plan if self._diagnosis is not None else None
        monitoring = self.selected_layer == MONITORING
        layer_panel, monitoring_panel = self.query_one(LayerPanel), self.query_one(MonitoringPanel)
        layer_panel.display, monitoring_panel.display = not monitoring, monitoring
        if monitoring:
            monitoring_panel.show(self._selected_result(), plan, probing=self._probing, probed=self._last_probe,
                                  writable=not self.s3repl.read_only)
            return
        layer_panel.show(self._selected_result(), plan, probing=self._probing, writable=not self.s3repl.read_only)

    def _status_line(self) -> Text:
        report = self._diagnosis.report if self._diagnosis is not None else None
        if report is None:
            return Text(f"Probing s3://{self._bucket_text}…", style="dim")
        layers = report.layers  # every row of the list, extra layers included
        if self._probing:
            done = sum(not layer.pending for layer in layers)
            return Text(f"Probing s3://{self._bucket_text}… {done} of {len(layers)} layers read", style="dim")
        verdict = report.verdict
        style = emphasis(verdict)
        detail = verdict_detail(report)
        detail = detail.removeprefix("pass") if detail.startswith("pass with") else f" — {detail}"
        if self._watch is not None:  # short enough for 80 columns: the call count gives way
            tail = f" · re-probing every {self.s3repl.watch_seconds} s, last at {self._last_probe}"
        else:
            probed = f" · probed {self._last_probe}" if self._last_probe else ""
            tail = f" · {report.call_count} AWS calls in {report.wall_seconds:.2f} s{probed}"
        return Text.assemble(("Verdict: ", "bold"), (verdict.upper(), style), f"{detail}{tail}")

    # -- keys ----------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        read_only = self.s3repl.read_only
        if action in WRITE_ACTIONS:
            return not read_only
        if action == "refuse_write":
            return read_only
        return True

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._redraw_panel()

    def action_layer_up(self) -> None:
        self.query_one(LayerList).action_cursor_up()

    def action_layer_down(self) -> None:
        self.query_one(LayerList).action_cursor_down()

    def action_open_detail(self) -> None:
        from s3repl_tui.screens.detail import LayerDetailScreen

        layer = self._selected_result()
        if layer is None:
            self.notify("This layer is still being read.", markup=False)
            return
        plan = self._diagnosis.plan if self._diagnosis is not None else None
        self.app.push_screen(
            LayerDetailScreen(layer, plan, probing=self._probing and layer.pending, probed=self._last_probe)
        )

    def action_fix(self) -> None:
        if self.selected_layer is not None:
            self.s3repl.request_fix((self.selected_layer,))

    def action_fix_all(self) -> None:
        self.s3repl.request_fix(None)

    def action_undo(self) -> None:
        self.s3repl.request_undo()

    def action_probe(self) -> None:
        self.s3repl.request_diagnosis()

    def action_toggle_watch(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
            self.notify("Stopped re-probing.", timeout=4, markup=False)
        else:
            seconds = self.s3repl.watch_seconds
            self._watch = self.set_interval(seconds, self._watch_tick)
            self.notify(f"Re-probing every {seconds} s (w stops).", timeout=4, markup=False)
        self._redraw()

    def _watch_tick(self) -> None:
        """A re-probe, unless one is running or a write or the canary would be disturbed by it."""
        app = self.s3repl
        if not self._probing and app.busy is None and not app.canary_running:
            app.request_diagnosis()

    def action_canary(self) -> None:
        self.s3repl.request_canary()

    def action_export(self) -> None:
        self.s3repl.request_export()

    def action_refuse_write(self, action: str) -> None:
        self.s3repl.refuse_write(action)
