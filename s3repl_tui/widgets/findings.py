"""Rich renderables for one layer: its findings in plain words, the statement at fault (or missing),
the failure reason S3 reports, and the fix as a diff. Marks are text, so they survive no colour."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.syntax import Syntax
from rich.text import Text

from s3repl_tui.checks.model import Finding, LayerResult, LayerStatus
from s3repl_tui.fixes.model import Change, Plan
from s3repl_tui.plain_text import printable
from s3repl_tui.plain_text import printable_line as _p

SYNTAX_THEME = "ansi_dark"  # the terminal's own palette: readable on dark and light backgrounds

STATUS_MARK: dict[LayerStatus, str] = {"pass": "✓", "warn": "!", "fail": "✗", "unknown": "?"}
STATUS_WORD: dict[LayerStatus, str] = {"pass": "pass", "warn": "warning", "fail": "FAIL", "unknown": "unknown"}
_COLOUR_STYLES: dict[LayerStatus, str] = {
    "pass": "green",
    "warn": "yellow",
    "fail": "red",
    "unknown": "bright_black",
}
# Without colour (NO_COLOR: Textual turns colours to grey by luminance, and red becomes dark grey on
# dark grey) a failure is reversed, so it stays the most visible thing on screen; a warning is underlined.
_MONOCHROME_STYLES: dict[LayerStatus, str] = {
    "pass": "default",
    "warn": "underline",
    "fail": "reverse",
    "unknown": "italic",
}


class _StatusStyles(Mapping[LayerStatus, str]):
    """``STATUS_STYLE[status]``: the colour style, or the monochrome one once ``use_monochrome(True)``."""

    monochrome = False

    def _styles(self) -> dict[LayerStatus, str]:
        return _MONOCHROME_STYLES if self.monochrome else _COLOUR_STYLES

    def __getitem__(self, status: LayerStatus) -> str:
        return self._styles()[status]

    def __iter__(self) -> Iterator[LayerStatus]:
        return iter(self._styles())

    def __len__(self) -> int:
        return len(self._styles())


STATUS_STYLE = _StatusStyles()


def use_monochrome(monochrome: bool) -> None:
    """The app calls this with ``App.no_color`` (NO_COLOR set) before drawing anything."""
    _StatusStyles.monochrome = monochrome


def emphasis(status: LayerStatus) -> str:
    """The style of a verdict or an outcome word: bold and the status's style."""
    return f"bold {STATUS_STYLE[status]}"
PROBING_MARK = "…"


def finding_mark(finding: Finding) -> tuple[str, str, str]:
    """(mark, word, style) of one finding."""
    if finding.unknown:
        return "?", "unknown", STATUS_STYLE["unknown"]
    return {
        "error": ("✗", "error", STATUS_STYLE["fail"]),
        "warning": ("!", "warning", STATUS_STYLE["warn"]),
        "info": ("i", "note", "cyan"),
    }[finding.severity]


def layer_changes(layer: LayerResult, plan: Plan | None) -> tuple[Change, ...]:
    """The planned changes that fix something in this layer (a change may fix several layers)."""
    if plan is None:
        return ()
    fix_ids = {f.fix.id for f in layer.findings if f.fix is not None}
    return tuple(c for c in plan.changes if c.layer == layer.id or fix_ids & set(c.fix_ids))


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, default=str)


def _marked_lines(text: str, evidence: Mapping[str, Any]) -> set[int]:
    """Line numbers (1-based) of the statement's offending part: what the evaluated request hit.

    A Deny hits through its Effect; an Allow that does not cover the request is at fault through
    its actions, resources and conditions, so the lines naming the request's action, resource and
    condition keys are marked; checks may also name strings to mark in ``evidence["highlight"]``.
    """
    statement = evidence.get("statement")
    needles: list[str] = [str(n) for n in evidence.get("highlight", ()) if n]
    if isinstance(statement, Mapping) and statement.get("Effect") == "Deny":
        needles.append('"Deny"')
    request = evidence.get("request")
    if isinstance(request, Mapping):
        needles += [f'"{request[k]}"' for k in ("action", "resource") if request.get(k)]
        needles += [f'"{key}"' for key in request.get("context", {}) or {}]
    if isinstance(statement, Mapping) and "Condition" in statement:
        needles.append('"Condition"')
    return {number for number, line in enumerate(text.splitlines(), 1) if any(n in line for n in needles)}


def statement_block(evidence: Mapping[str, Any]) -> RenderableType | None:
    """The statement at fault (offending lines marked ❱) or the one that is missing."""
    policy = evidence.get("policy")
    where = f" in {_p(policy)}" if policy else ""
    if evidence.get("statement"):
        text = _json(evidence["statement"])
        sid = evidence.get("sid")
        label = f"Statement at fault{where}" + (f" (Sid {_p(repr(sid))})" if sid else "")
        return Group(
            Text(label + ":", style="bold"),
            Syntax(
                text,
                "json",
                theme=SYNTAX_THEME,
                line_numbers=True,
                highlight_lines=_marked_lines(text, evidence),
                word_wrap=True,
            ),
        )
    if evidence.get("missing"):
        missing = evidence["missing"]
        text = _json(missing)
        several = "s" if isinstance(missing, list) and len(missing) > 1 else ""
        return Group(
            # The checks build it with the planner's code (checks.statements): it is what the fix writes.
            Text(f"Missing statement{several}{where} (the fix adds {'them' if several else 'it'}):", style="bold"),
            Syntax(text, "json", theme=SYNTAX_THEME, word_wrap=True),
        )
    return None


def finding_block(finding: Finding, *, full: bool, planned: frozenset[str] = frozenset()) -> RenderableType:
    """One finding; its fix hint is left out when a planned change (shown after) carries it."""
    mark, word, style = finding_mark(finding)
    parts: list[RenderableType] = [Text.assemble((f"{mark} {word}: ", f"bold {style}"), _p(finding.message))]
    details: list[RenderableType] = []
    if finding.aws_failure_reason:
        details.append(Text.assemble("S3 reports ", (_p(finding.aws_failure_reason), "bold"), " for objects."))
    if full and finding.resource:
        details.append(Text(f"Resource: {_p(finding.resource)}", style="dim"))
    evidence = finding.evidence
    if finding.unknown and evidence.get("reason"):
        details.append(Text(f"Why: {_p(evidence['reason'])}", style="dim"))
    block = statement_block(evidence)
    if block is not None:
        details.append(block)
    if full and isinstance(evidence.get("request"), Mapping):
        details.append(Text("Request evaluated:", style="bold"))
        details.append(Syntax(_json(evidence["request"]), "json", theme=SYNTAX_THEME, word_wrap=True))
    if evidence.get("command"):
        details.append(Text.assemble(("Its owner can run: ", "bold"), _p(evidence["command"])))
    if finding.fix is not None and finding.fix.id not in planned:
        how = "Fix (automatic)" if finding.fix.automatic else "Fix (manual)"
        account = f" in account {_p(finding.fix.account)}" if finding.fix.account else ""
        details.append(
            Text.assemble((f"{how}: ", "bold"), f"{_p(finding.fix.summary)} ({_p(finding.fix.api)}{account})")
        )
        if finding.fix.manual_steps:
            details.append(Text(printable(finding.fix.manual_steps)))
    if details:
        parts.append(Padding(Group(*details), (0, 0, 0, 2)))
    return Group(*parts)


def change_block(change: Change) -> RenderableType:
    """One planned write: where it goes, and its diff."""
    header = Text.assemble(
        ("Planned change: ", "bold"),
        _p(change.summary),
        (f"\n  {_p(change.api)} on {_p(change.resource)} — account {_p(change.account)}, {_p(change.region)}",
         "dim"),
    )
    parts: list[RenderableType] = [header]
    parts += [Text(f"  note: {_p(note)}", style="yellow") for note in change.notes]
    parts.append(Syntax(printable(change.diff()), "diff", theme=SYNTAX_THEME, word_wrap=True))
    return Group(*parts)


def layer_body(
    layer: LayerResult, changes: Iterable[Change], *, full: bool, probing: bool = False, writable: bool = True
) -> RenderableType:
    """Everything the panel (``full=False``) or the detail screen (``full=True``) shows of a layer."""
    if probing:
        return Text("Probing: this layer fills in as its reads finish.", style="dim")
    parts: list[RenderableType] = []
    planned = list(changes)
    planned_fix_ids = frozenset(fix_id for change in planned for fix_id in change.fix_ids)
    if not layer.findings:
        parts.append(Text("✓ Nothing wrong here.", style=STATUS_STYLE["pass"]))
    for finding in layer.findings:
        parts += [finding_block(finding, full=full, planned=planned_fix_ids), Text("")]
    if planned:
        how = "press f" if writable else "read-only: not applied from here"
        plural = "s" if len(planned) > 1 else ""
        parts.append(Text(f"The fix ({len(planned)} change{plural}, {how}):", style="bold"))
        parts += [change_block(change) for change in planned]
    return Group(*parts)
