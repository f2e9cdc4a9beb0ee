"""No --source-bucket: pick one of the source account's buckets that have replication configured.
The others are listed too: picking one sets replication up with ``s3repl-tui init`` once the app closes.
``/`` filters the list by name."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from s3repl_tui.plain_text import printable_line as _p
from s3repl_tui.screens.backend import BucketChoice, Identities
from s3repl_tui.widgets.identity_bar import IdentityBar

SETUP_PREFIX = "setup:"  # an option id for a bucket without replication: set it up
INTRO = "Which bucket's replication should be diagnosed?"


class BucketPickerScreen(Screen[str]):
    """Dismisses with the chosen bucket's name, or ``setup:<name>`` for one to set replication up on."""

    def __init__(self, read_only: bool = False) -> None:
        super().__init__()
        self.read_only = read_only
        self._choices: tuple[BucketChoice, ...] | None = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "pick('cursor_up')", show=False),
        Binding("j", "pick('cursor_down')", show=False),
        # priority: shown in the footer (the list's own enter would hide it) and works from the filter box.
        Binding("enter", "pick('select')", "Open", id="start.open", priority=True,
                tooltip="Diagnose the replication of the highlighted bucket"),
        Binding("slash", "filter", "Filter", id="start.filter", key_display="/",
                tooltip="Show only the buckets whose name contains what you type"),
        Binding("escape", "clear_filter", "Clear filter", id="start.clear-filter", show=False),
        Binding("r", "retry", "Try again", id="start.retry", tooltip="Connect and list the buckets again"),
    ]
    DEFAULT_CSS = """
    BucketPickerScreen #buckets { height: 1fr; border: round $accent; }
    BucketPickerScreen #intro { padding: 1 1 0 1; }
    BucketPickerScreen #filter { display: none; margin: 0 1; }
    BucketPickerScreen.-filtering #filter { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield IdentityBar(id="identities")
        yield Static(Text(INTRO, style="bold"), id="intro")
        yield LoadingIndicator()
        yield Input(placeholder="filter bucket names (esc clears)", id="filter", disabled=True)  # until /
        options = OptionList(id="buckets")
        options.border_title = "Source buckets"
        options.display = False
        yield options
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self._choices is None and not self.query_one(LoadingIndicator).display
        if action in ("filter", "pick"):
            return self._choices is not None
        return True

    def show_identities(self, identities: Identities) -> None:
        self.query_one(IdentityBar).show(identities)

    def show_connecting(self) -> None:
        self.query_one(LoadingIndicator).display = True
        self.query_one("#intro", Static).update(Text(INTRO, style="bold"))
        self.refresh_bindings()

    def show_not_connected(self, reason: str) -> None:
        """The connection failed and its message was closed: no spinner left running, say what to do."""
        self.query_one(LoadingIndicator).display = False
        self.query_one("#intro", Static).update(Text.assemble(
            ("Not connected: ", "bold"), _p(reason), "\nPress r to try again, or q to quit."))
        self.refresh_bindings()

    def show_buckets(self, choices: tuple[BucketChoice, ...]) -> None:
        self._choices = choices
        self.query_one(LoadingIndicator).display = False
        self.query_one("#intro", Static).update(Text(INTRO, style="bold"))
        options = self.query_one("#buckets", OptionList)
        options.display = True
        self._fill(self.query_one("#filter", Input).value)
        if not choices:
            self.query_one("#intro", Static).update(
                Text("This account has no buckets. Set replication up with `s3repl-tui init`.")
            )
        options.focus()
        self.refresh_bindings()

    def _fill(self, wanted: str) -> None:
        options = self.query_one("#buckets", OptionList)
        options.clear_options()
        order = {"configured": 0, "unknown": 1, "not-configured": 2}
        shown = [c for c in self._choices or () if wanted.strip().lower() in c.name.lower()]
        for choice in sorted(shown, key=lambda c: (order[c.replication], c.name)):
            options.add_option(self._option(choice))
        total = len(self._choices or ())
        options.border_title = (
            f"Source buckets ({len(shown)} of {total} match {wanted.strip()!r})" if wanted.strip() else "Source buckets"
        )
        options.highlighted = 0 if shown else None

    def _option(self, choice: BucketChoice) -> Option:
        region = f"  {_p(choice.region)}" if choice.region else ""
        name = _p(choice.name)
        if choice.replication == "configured":
            # "has replication", not "✓ configured": that reads as healthy before anything was judged.
            prompt = Text.assemble(("● ", "bold"), (name, "bold"), (region, "dim"), ("  has replication", "cyan"))
            return Option(prompt, id=choice.name)
        if choice.replication == "unknown":
            prompt = Text.assemble(("? ", "yellow"), name, (region, "dim"),
                                   (f"  unknown: {_p(choice.detail)}", "yellow"))
            return Option(prompt, id=choice.name)
        if self.read_only:
            prompt = Text.assemble(("· ", "dim"), name, (region, "dim"),
                                   ("  no replication (read-only: no setup from here)", "dim"))
            return Option(prompt, id=choice.name, disabled=True)
        prompt = Text.assemble(("· ", "dim"), name, (region, "dim"),
                               ("  no replication: enter sets it up (s3repl-tui init)", "dim"))
        return Option(prompt, id=f"{SETUP_PREFIX}{choice.name}")

    def action_pick(self, action: str) -> None:
        options = self.query_one("#buckets", OptionList)
        getattr(options, f"action_{action}")()

    def action_filter(self) -> None:
        self.add_class("-filtering")
        field = self.query_one("#filter", Input)
        field.disabled = False
        field.focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.value = ""
        field.disabled = True
        self.remove_class("-filtering")
        if self._choices is not None:
            self._fill("")
            self.query_one("#buckets", OptionList).focus()

    def action_retry(self) -> None:
        from s3repl_tui.app import S3ReplApp

        if isinstance(self.app, S3ReplApp):
            self.show_connecting()
            self.app.retry_connect()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._choices is not None:
            self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, _event: Input.Submitted) -> None:
        options = self.query_one("#buckets", OptionList)
        if options.option_count == 1:
            options.highlighted = 0
            options.action_select()
        else:
            options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(event.option.id)
