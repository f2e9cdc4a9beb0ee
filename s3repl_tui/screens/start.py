"""No --source-bucket: pick one of the source account's buckets that have replication configured.
The others are listed too: picking one sets replication up with ``s3repl-tui init`` once the app closes."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from s3repl_tui.plain_text import printable_line as _p
from s3repl_tui.screens.backend import BucketChoice, Identities
from s3repl_tui.widgets.identity_bar import IdentityBar

SETUP_PREFIX = "setup:"  # an option id for a bucket without replication: set it up


class BucketPickerScreen(Screen[str]):
    """Dismisses with the chosen bucket's name, or ``setup:<name>`` for one to set replication up on."""

    def __init__(self, read_only: bool = False) -> None:
        super().__init__()
        self.read_only = read_only

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "pick('cursor_up')", show=False),
        Binding("j", "pick('cursor_down')", show=False),
        Binding("enter", "pick('select')", "Open", id="start.open",
                tooltip="Diagnose the replication of the highlighted bucket"),
    ]
    DEFAULT_CSS = """
    BucketPickerScreen #buckets { height: 1fr; border: round $accent; }
    BucketPickerScreen #intro { padding: 1 1 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield IdentityBar(id="identities")
        yield Static(Text("Which bucket's replication should be diagnosed?", style="bold"), id="intro")
        yield LoadingIndicator()
        options = OptionList(id="buckets")
        options.border_title = "Source buckets"
        options.display = False
        yield options
        yield Footer()

    def show_identities(self, identities: Identities) -> None:
        self.query_one(IdentityBar).show(identities)

    def show_buckets(self, choices: tuple[BucketChoice, ...]) -> None:
        self.query_one(LoadingIndicator).display = False
        options = self.query_one("#buckets", OptionList)
        options.display = True
        order = {"configured": 0, "unknown": 1, "not-configured": 2}
        for choice in sorted(choices, key=lambda c: (order[c.replication], c.name)):
            region = f"  {_p(choice.region)}" if choice.region else ""
            name = _p(choice.name)
            if choice.replication == "configured":
                prompt = Text.assemble(("✓ ", "green"), (name, "bold"), (region, "dim"),
                                       ("  replication configured", "green"))
                options.add_option(Option(prompt, id=choice.name))
            elif choice.replication == "unknown":
                prompt = Text.assemble(("? ", "yellow"), name, (region, "dim"),
                                       (f"  unknown: {_p(choice.detail)}", "yellow"))
                options.add_option(Option(prompt, id=choice.name))
            elif self.read_only:
                prompt = Text.assemble(("· ", "dim"), name, (region, "dim"),
                                       ("  not configured (read-only: no setup from here)", "dim"))
                options.add_option(Option(prompt, id=choice.name, disabled=True))
            else:
                prompt = Text.assemble(("· ", "dim"), name, (region, "dim"),
                                       ("  not configured: enter sets it up (s3repl-tui init)", "dim"))
                options.add_option(Option(prompt, id=f"{SETUP_PREFIX}{choice.name}"))
        if not choices:
            self.query_one("#intro", Static).update(
                Text("This account has no buckets. Set replication up with `s3repl-tui init`.")
            )
        options.highlighted = 0 if choices else None
        options.focus()

    def action_pick(self, action: str) -> None:
        options = self.query_one("#buckets", OptionList)
        getattr(options, f"action_{action}")()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(event.option.id)
