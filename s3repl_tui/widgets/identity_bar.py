"""Who the app reads and writes as: both identities (account, caller ARN, profile) and the endpoint
when it is not AWS's."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from s3repl_tui.plain_text import printable_line as _p
from s3repl_tui.probes.snapshot import Identity
from s3repl_tui.screens.backend import Identities


def _identity_line(label: str, identity: Identity | None, fallback: str) -> Text:
    line = Text.assemble((f"{label:<12}", "bold"))
    if identity is None:
        return line.append(fallback, style="dim")
    if identity.error is not None:
        return line.append(f"? {_p(identity.error.message)}", style="yellow")
    line.append(_p(identity.account or "?"), style="bold")
    line.append(f"  profile {_p(identity.profile or 'default')}", style="dim")
    line.append(f"  {_p(identity.arn or '?')}")
    return line


class IdentityBar(Static):
    DEFAULT_CSS = """
    IdentityBar { height: auto; padding: 0 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Connecting…", style="dim"), id=id)

    def show(self, identities: Identities) -> None:
        lines = [
            _identity_line("Source", identities.source, ""),
            _identity_line(
                "Destination", identities.dest, "same credentials as the source (no --dest-profile)"
            ),
        ]
        if identities.endpoint_url:
            lines.append(Text.assemble((f"{'Endpoint':<12}", "bold"), (_p(identities.endpoint_url), "magenta")))
        self.update(Text("\n").join(lines))  # CSS: long role-session ARNs end in … instead of wrapping
