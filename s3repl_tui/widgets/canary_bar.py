"""The canary's line at the bottom: what it does, how it goes, what came out (and, in the demo, that
replication is emulated)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from s3repl_tui.canary import CanaryProgress, CanaryResult
from s3repl_tui.checks.model import LayerStatus
from s3repl_tui.plain_text import printable_line as _p
from s3repl_tui.widgets.findings import emphasis

# One line at 80 columns each.
EMULATION_NOTICE = "Replication is EMULATED (moto never replicates): the canary follows the check."
SANDBOX_NOTICE = "Sandbox endpoint: replication is NOT emulated; canary results are not real."
_OUTCOME_STATUS: dict[str, LayerStatus] = {"COMPLETED": "pass", "FAILED": "fail", "NOT_REPLICATED": "fail",
                                           "TIMEOUT": "warn"}
_OUTCOME_MARK = {"COMPLETED": "✓", "FAILED": "✗", "NOT_REPLICATED": "✗", "TIMEOUT": "?"}


class CanaryBar(Static):
    DEFAULT_CSS = """
    CanaryBar { height: auto; padding: 0 1; background: $boost; }
    """

    def __init__(self, *, emulated: bool, enabled: bool = True, id: str | None = None) -> None:
        self._emulated = emulated
        self._sandbox = False
        intro = (
            "Canary: press c to write a test object and watch it replicate."
            if enabled
            else "Canary: off (read-only: it would write a test object)."
        )
        self._intro = Text(intro, style="dim")
        super().__init__(self._with_notice(self._intro), id=id)

    def clear_result(self) -> None:
        """Back to the intro: a result says something about the diagnosis it ran on, not a newer one."""
        self.update(self._with_notice(self._intro))

    def show_sandbox(self, sandbox: bool) -> None:
        """The endpoint is the local sandbox (moto), which stores configurations but never replicates:
        without the emulator a canary there ends NOT_REPLICATED whatever the setup. Say so."""
        self._sandbox = sandbox
        self.update(self._with_notice(self._intro))

    def _with_notice(self, line: RenderableType) -> RenderableType:
        if self._emulated:
            return Group(line, Text(EMULATION_NOTICE, style="bold magenta"))
        if self._sandbox:
            return Group(line, Text(SANDBOX_NOTICE, style="bold reverse"))
        return line

    def show_progress(self, progress: CanaryProgress) -> None:
        status = _p(progress.status or "no status yet")
        line = Text.assemble(
            ("Canary: ", "bold"),
            (f"{progress.phase} ", "cyan"),
            f"{status} · {progress.elapsed_seconds:.1f} s · {_p(progress.message)}",
        )
        self.update(self._with_notice(line))

    def show_result(self, result: CanaryResult) -> None:
        line = Text.assemble(
            ("Canary: ", "bold"),
            (f"{_OUTCOME_MARK[result.outcome]} {result.outcome} ", emphasis(_OUTCOME_STATUS[result.outcome])),
            _p(result.message),
        )
        lines: list[RenderableType] = [line]
        # Passing checks by name only: the details of a good replica are long ARNs nobody needs here.
        checks = [f"✓ {_p(c.name)}" if c.ok else f"{'?' if c.ok is None else '✗'} {_p(c.name)}: {_p(c.detail)}"
                  for c in result.replica_checks]
        if checks:
            lines.append(Text("Replica: " + " · ".join(checks), style="dim"))
        self.update(self._with_notice(Group(*lines)))

    def show_stopped(self, reason: str) -> None:
        self.update(self._with_notice(Text.assemble(("Canary: ", "bold"), ("stopped ", "bold yellow"), _p(reason))))
