"""An error nothing else can go on without (no credentials, an unreachable endpoint): said plainly."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from s3repl_tui.plain_text import printable


class ErrorScreen(ModalScreen[bool]):
    """Dismisses with True when the person asks to try again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Try again", id="error.retry", tooltip="Try the same thing again"),
        Binding("escape", "close", "Close", id="error.close", tooltip="Close this message"),
        Binding("q", "app.quit", "Quit", id="error.quit", tooltip="Quit s3repl-tui"),
    ]
    DEFAULT_CSS = """
    ErrorScreen { align: center middle; }
    ErrorScreen > Vertical {
        width: 80; max-width: 100%; height: auto; border: round $error; padding: 1 2; background: $surface;
    }
    """

    def __init__(self, title: str, message: str, hint: str = "") -> None:
        super().__init__()
        self._title, self._message, self._hint = title, message, hint

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(printable(self._title)).markup  # a str title is markup: escape it
            yield Static(Text(printable(self._message), style="bold"))
            if self._hint:
                yield Static(Text(f"hint: {printable(self._hint)}", style="dim"))
        yield Footer()

    def action_retry(self) -> None:
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)
