"""The question before any write: the full diff and the accounts it writes to. y applies, n (and
enter, which presses the focused No) does not: the default is No."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from s3repl_tui.fixes.model import Plan
from s3repl_tui.plain_text import printable_line as _p
from s3repl_tui.screens.backend import Identities, UndoPreview
from s3repl_tui.widgets.findings import change_block, finding_block


def _account_label(account: str, identities: Identities | None) -> str:
    if identities is not None:
        for side, identity in (("source", identities.source), ("destination", identities.dest)):
            if identity is not None and identity.account == account:
                return f"{_p(account)} ({side}, profile {_p(identity.profile or 'default')})"
    return _p(account)


def plan_question(plan: Plan, identities: Identities | None) -> tuple[str, RenderableType]:
    """Title and body of the confirmation of a fix plan."""
    accounts = sorted({change.account for change in plan.changes})
    count = len(plan.changes)
    title = f"Apply {count} change{'s' if count != 1 else ''}?"
    parts: list[RenderableType] = [
        Text.assemble(
            ("Writes to account" + ("s " if len(accounts) > 1 else " "), "bold"),
            (" and ".join(_account_label(a, identities) for a in accounts), "bold"),
            ". A backup of every document is kept: u undoes the set.",
        ),
        Text(""),
    ]
    for change in plan.changes:
        parts += [change_block(change), Text("")]
    if plan.manual:
        parts.append(Text("Not fixed automatically (a person must do these):", style="bold yellow"))
        parts += [finding_block(finding, full=False) for finding in plan.manual]
    parts += [Text(f"note: {_p(note)}", style="yellow") for note in plan.notes]
    parts += optional_lines(plan)
    return title, Group(*parts)


def optional_lines(plan: Plan) -> list[Text]:
    """The opt-in changes the plan leaves out (they copy data, cost money or grant more than needed)."""
    if not plan.optional:
        return []
    lines = [Text("Optional, not in this plan (opt-in: s3repl-tui fix --include-optional):", style="bold")]
    return lines + [Text(f"  - {_p(line)}") for line in plan.optional]


def undo_question(preview: UndoPreview, identities: Identities | None) -> tuple[str, RenderableType]:
    """Title and body of the confirmation of an undo: every document it restores, and where."""
    count = len(preview.documents)
    accounts = preview.accounts
    title = f"Undo the last fix set: restore {count} document{'s' if count != 1 else ''}?"
    parts: list[RenderableType] = [
        Text.assemble(
            ("Writes to account" + ("s " if len(accounts) > 1 else " "), "bold"),
            (" and ".join(_account_label(a, identities) for a in accounts), "bold"),
            ". Each document goes back to what it was before the fix, newest change first; one changed "
            "since the fix is refused, not overwritten.",
        ),
        Text(""),
        Text(f"Fix set {_p(preview.set_id)} restores:", style="bold"),
    ]
    parts += [
        Text(f"  - {_p(ref.label)} (account {_p(ref.account)}, {_p(ref.region)})") for ref in preview.documents
    ]
    return title, Group(*parts)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes, apply", id="confirm.yes", tooltip="Apply the changes shown"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="Change nothing"),
        Binding("down", "scroll('down')", "Scroll", show=False, id="confirm.scroll-down"),
        Binding("up", "scroll('up')", "Scroll", show=False, id="confirm.scroll-up"),
        Binding("pagedown", "scroll('page_down')", show=False, id="confirm.page-down"),
        Binding("pageup", "scroll('page_up')", show=False, id="confirm.page-up"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 96%; height: 92%; border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmScreen VerticalScroll { height: 1fr; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin: 0 1; }
    """

    def __init__(self, title: str, body: RenderableType, *, yes_label: str = "Yes, apply") -> None:
        super().__init__()
        self._title, self._body, self._yes_label = title, body, yes_label

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            box.border_subtitle = "y: yes · n: no (default)"
            with VerticalScroll(id="confirm-body"):
                yield Static(self._body)
            with Horizontal():
                yield Button("No (n)", id="no", variant="primary")
                yield Button(f"{self._yes_label} (y)", id="yes", variant="error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # enter answers No

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#confirm-body", VerticalScroll)
        {"down": body.scroll_down, "up": body.scroll_up, "page_down": body.scroll_page_down,
         "page_up": body.scroll_page_up}[direction]()


class UndoConfirmScreen(ConfirmScreen):
    """The undo question: the same No default, a footer and button that say "undo", not "apply"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes, undo", id="confirm.yes", tooltip="Restore the documents shown"),
    ]

    def __init__(self, title: str, body: RenderableType) -> None:
        super().__init__(title, body, yes_label="Yes, undo")
