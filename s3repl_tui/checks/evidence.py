"""Shared ways to build findings: unreadable inputs, statements at fault, missing statements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from s3repl_tui.checks.model import Finding
from s3repl_tui.policy import Request, StatementRef
from s3repl_tui.probes.snapshot import Read


def unreadable(
    code: str, what: str, read: Read[Any], *, resource: str | None, judged: str, command: str = ""
) -> Finding:
    """An input a check needs could not be read: the check is unknown, never a pass."""
    error = read.error
    if error is None:  # defensive: callers only pass error reads
        return Finding(code, "warning", f"{what} is unknown, so {judged} cannot be judged.", resource,
                       evidence={"reason": "not read", "command": command}, unknown=True)
    pending = error.kind == "pending"
    evidence: dict[str, Any] = {
        "reason": error.message,
        "error": error.code,
        "kind": error.kind,
        "operation": error.operation,
        "command": error.command or command,
    }
    if error.account:
        evidence["read_as"] = error.account
    if pending:
        evidence["pending"] = True
        message = f"Still reading {what}."
    elif error.kind == "no-credentials":
        message = (f"{what} was not read (no credentials for its account), so {judged} cannot be judged; "
                   "pass --dest-profile or ask its owner to run the command in the evidence.")
    else:
        message = (f"{what} could not be read ({error.code}), so {judged} cannot be judged; "
                   "ask its owner to run the command in the evidence.")
    return Finding(code, "warning", message, resource, evidence=evidence, unknown=True)


def statement_evidence(refs: tuple[StatementRef, ...], request: Request | None = None) -> dict[str, Any]:
    """The statement(s) at fault, named by policy, Sid and position."""
    first = refs[0]
    evidence: dict[str, Any] = {
        "policy": first.policy,
        "sid": first.sid,
        "index": first.index,
        "statement": first.statement,
    }
    if len(refs) > 1:
        evidence["also"] = [{"policy": r.policy, "sid": r.sid, "index": r.index} for r in refs[1:]]
    if request is not None:
        evidence["request"] = request_evidence(request)
    return evidence


def missing_evidence(statement: Mapping[str, Any] | Sequence[Mapping[str, Any]], policy: str,
                     request: Request | None = None, **extra: Any) -> dict[str, Any]:
    """The statement we expected to find (and the fix adds, as it writes it), and where; a fix that adds
    several statements (``params["statements"]``) shows them all, as a list."""
    shown = [dict(s) for s in statement] if not isinstance(statement, Mapping) else [dict(statement)]
    evidence: dict[str, Any] = {"missing": shown[0] if len(shown) == 1 else shown, "policy": policy}
    if request is not None:
        evidence["request"] = request_evidence(request)
    evidence.update(extra)
    return evidence


# Every request carries the time (requests.time_context); the report leaves it out so that two reports
# of one setup compare equal, and a time-conditioned statement shows its condition in the evidence.
_TIME_KEYS = frozenset({"aws:CurrentTime", "aws:EpochTime"})


def request_evidence(request: Request) -> dict[str, Any]:
    return {
        "principal": request.principal,
        "action": request.action,
        "resource": request.resource,
        "context": {k: (list(v) if isinstance(v, tuple | list) else v) for k, v in request.context.items()
                    if k not in _TIME_KEYS},
    }
