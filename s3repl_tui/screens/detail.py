"""One layer's full detail: every finding with its evidence, the request evaluated, the fix's diff."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from s3repl_tui.checks.model import LayerResult
from s3repl_tui.fixes.model import Plan
from s3repl_tui.widgets.findings import STATUS_MARK, STATUS_WORD, layer_body, layer_changes
from s3repl_tui.widgets.monitoring_panel import MONITORING, monitoring_summary

if TYPE_CHECKING:
    from s3repl_tui.app import S3ReplApp


class LayerDetailScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Back", id="detail.close", tooltip="Back to the layers"),
        # The same writes as on the main screen (the fix shown here says "press f"): back to the layers,
        # then the app asks first, as it does there.
        Binding("f", "write('fix')", "Fix", id="detail.fix", tooltip="Fix this layer (asks first)"),
        Binding("F", "write('fix_all')", "Fix all", id="detail.fix-all", tooltip="Fix every layer (asks first)"),
        Binding("u", "write('undo')", "Undo", id="detail.undo", tooltip="Undo the last applied fix set (asks first)"),
    ]
    DEFAULT_CSS = """
    LayerDetailScreen { align: center middle; }
    LayerDetailScreen > VerticalScroll {
        width: 95%; height: 90%; border: round $foreground 50%; padding: 0 1; background: $surface;
    }
    LayerDetailScreen .-pass { border: round $success; }
    LayerDetailScreen .-warn { border: round $warning; }
    LayerDetailScreen .-fail { border: round $error; }
    """

    def __init__(self, layer: LayerResult, plan: Plan | None, *, probing: bool = False, probed: str = "") -> None:
        super().__init__()
        self.layer_result = layer
        self._plan = plan
        self._probing = probing
        self._probed = probed  # HH:MM:SS of the last probe (the monitoring numbers say when they were read)

    def compose(self) -> ComposeResult:
        layer = self.layer_result
        status = layer.status
        scroll = VerticalScroll(classes=f"-{status}")
        scroll.border_title = f"{STATUS_MARK[status]} {layer.title} ({layer.id}) — {STATUS_WORD[status]}"
        scroll.border_subtitle = "↑/↓ scroll · esc back"
        body = layer_body(layer, layer_changes(layer, self._plan), full=True, probing=self._probing)
        if layer.id == MONITORING and not self._probing:
            writable = not cast("S3ReplApp", self.app).read_only
            body = Group(monitoring_summary(layer, self._probed, writable=writable), Text(""), body)
        with scroll:
            yield Static(body)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_write(self, what: str) -> None:
        app = cast("S3ReplApp", self.app)
        layer_id = self.layer_result.id
        self.dismiss(None)
        if app.read_only:
            app.refuse_write(what)
        elif what == "fix":
            app.request_fix((layer_id,))
        elif what == "fix_all":
            app.request_fix(None)
        else:
            app.request_undo()
