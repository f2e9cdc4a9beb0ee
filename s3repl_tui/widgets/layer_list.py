"""The layers down the left, in replication order, each with a mark and a word (no colour needed)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from s3repl_tui.checks.model import LAYERS, LayerResult, Report
from s3repl_tui.widgets.findings import STATUS_MARK, STATUS_STYLE, STATUS_WORD

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class LayerList(OptionList, inherit_bindings=False):
    """One option per layer; the highlighted one is the selected layer. Arrows, j/k and enter are
    the screen's bindings (so the footer and help show them), not OptionList's own."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first", "First layer", show=False),
        Binding("end", "last", "Last layer", show=False),
    ]
    DEFAULT_CSS = """
    LayerList { width: 40; height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, animate_spinner: bool = True) -> None:
        self._layers: list[tuple[str, str]] = list(LAYERS)
        self._report: Report | None = None
        self._probing = True
        self._frame = 0
        self._spinning = animate_spinner  # off in snapshot tests: a frozen frame renders the same
        super().__init__(*[Option(self._prompt(i, t, None), id=i) for i, t in self._layers], id=id)

    def on_mount(self) -> None:
        self.highlighted = 0
        if self._spinning:
            self.set_interval(0.1, self._spin)

    @property
    def selected_layer(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None

    def select_layer(self, layer_id: str) -> None:
        for index, (known, _title) in enumerate(self._layers):
            if known == layer_id:
                self.highlighted = index

    def show(self, report: Report | None, *, probing: bool) -> None:
        self._report, self._probing = report, probing
        layers = [(layer.id, layer.title) for layer in report.layers] if report is not None else list(LAYERS)
        if layers != self._layers:  # an extra layer appeared: rebuild, keeping the selection
            selected = self.selected_layer
            self._layers = layers
            self.set_options(Option(self._prompt(i, t, None), id=i) for i, t in layers)
            self.select_layer(selected or layers[0][0])
        self._redraw()

    def _result(self, layer_id: str) -> LayerResult | None:
        if self._report is None:
            return None
        return next((layer for layer in self._report.layers if layer.id == layer_id), None)

    def _prompt(self, layer_id: str, title: str, result: LayerResult | None) -> Text:
        if result is None or result.pending:
            mark = SPINNER[self._frame % len(SPINNER)] if self._probing else "?"
            word, style = ("probing", "dim") if self._probing else ("not read", STATUS_STYLE["unknown"])
        else:
            status = result.status
            mark, word, style = STATUS_MARK[status], STATUS_WORD[status], STATUS_STYLE[status]
            if status == "fail":
                style = f"bold {style}"  # the word FAIL stands out in every theme, with or without colour
        return Text.assemble((f"{mark} ", f"bold {style}"), f"{title:<26}", (f"{word:>8}", style))

    def _redraw(self) -> None:
        for index, (layer_id, title) in enumerate(self._layers):
            self.replace_option_prompt_at_index(index, self._prompt(layer_id, title, self._result(layer_id)))

    def _spin(self) -> None:
        if not self._probing:
            return
        self._frame += 1
        self._redraw()
