"""Every key, what it does and why, generated from the bindings themselves (one source of truth)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from s3repl_tui.screens.main import WRITE_ACTIONS

_KEY_NAMES = {"up": "↑", "down": "↓", "question_mark": "?", "escape": "esc"}


def keys_text(binding: Binding) -> str:
    """Every key of a binding as typed: ``up,k`` -> ``↑ / k``."""
    return " / ".join(_KEY_NAMES.get(key.strip(), key.strip()) for key in binding.key.split(","))


def help_table(bindings: Iterable[Binding], *, read_only: bool) -> Table:
    table = Table(box=None, expand=True, show_header=True, header_style="bold", padding=(0, 2, 0, 0))
    table.add_column("Key", no_wrap=True, style="bold cyan")
    table.add_column("Does")
    table.add_column("Details", style="dim")
    for binding in bindings:
        if not binding.description:
            continue  # hidden helpers (scrolling, read-only refusals)
        disabled = read_only and binding.action in WRITE_ACTIONS
        keys = keys_text(binding)
        description = Text(binding.description, style="strike dim" if disabled else "")
        details = "disabled: started with --read-only" if disabled else binding.tooltip
        table.add_row(keys, description, details)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close", tooltip="Close the help"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 100%; height: auto; max-height: 90%; border: round $accent; padding: 0 1;
        background: $surface;
    }
    """

    def __init__(self, bindings: list[Binding], *, read_only: bool, intro: str) -> None:
        super().__init__()
        self._bindings_shown = bindings
        self._read_only = read_only
        self._intro = intro

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "Keys"
            box.border_subtitle = "esc: close"
            yield Static(Text(self._intro))
            yield Static(help_table(self._bindings_shown, read_only=self._read_only))
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
