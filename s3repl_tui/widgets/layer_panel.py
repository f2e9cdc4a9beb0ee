"""The selected layer's panel: border coloured by its status, its findings and fix inside."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from s3repl_tui.checks.model import LayerResult
from s3repl_tui.fixes.model import Plan
from s3repl_tui.widgets.findings import STATUS_MARK, STATUS_WORD, layer_body, layer_changes

STATUS_CLASSES = ("-pass", "-warn", "-fail", "-unknown", "-probing")


def status_panel_css(widget: str) -> str:
    """The border every layer panel wears: its colour says the layer's status."""
    return f"""
    {widget} {{ height: 1fr; border: round $foreground 30%; padding: 0 1; }}
    {widget}.-pass {{ border: round $success; }}
    {widget}.-warn {{ border: round $warning; }}
    {widget}.-fail {{ border: round $error; }}
    {widget}.-unknown {{ border: round $foreground 50%; }}
    {widget}.-probing {{ border: dashed $foreground 30%; }}
    """


class LayerPanel(VerticalScroll):
    DEFAULT_CSS = status_panel_css("LayerPanel")

    def compose(self) -> ComposeResult:
        yield Static(id="layer-body")

    def show(self, layer: LayerResult | None, plan: Plan | None, *, probing: bool, writable: bool = True) -> None:
        body = self.query_one("#layer-body", Static)
        self.remove_class(*STATUS_CLASSES)
        if layer is None:
            self.add_class("-probing" if probing else "-unknown")
            self.border_title = "… probing" if probing else "? not read"
            body.update("Probing…" if probing else "Not read: the probe stopped before this layer (r: try again).")
            return
        if layer.pending and probing:
            self.add_class("-probing")
            self.border_title = f"… {layer.title} — probing"
            body.update(layer_body(layer, (), full=False, probing=True))
            return
        status = layer.status
        self.add_class(f"-{status}")
        self.border_title = f"{STATUS_MARK[status]} {layer.title} — {STATUS_WORD[status]}"
        self.border_subtitle = "enter: full detail"
        body.update(layer_body(layer, layer_changes(layer, plan), full=False, writable=writable))
