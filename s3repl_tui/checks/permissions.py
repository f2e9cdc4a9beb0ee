"""From judged requests to problems of one side, grouped the way a person fixes them (one finding per
statement to add or remove, listing every action it concerns)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from s3repl_tui.checks.access import Access, Side, Unreadable
from s3repl_tui.checks.evidence import unreadable
from s3repl_tui.checks.model import Finding, Severity
from s3repl_tui.checks.requests import FAILURE_REASONS, Need, ReplicationRequest
from s3repl_tui.policy import StatementRef

# deny: an explicit Deny; missing: no Allow; boundary: the identity allows, the boundary doesn't;
# undetermined: the outcome hinges on context keys we can't know; may-deny: allowed, unless such a key
# makes a Deny apply.
ProblemKind = Literal["deny", "missing", "boundary", "undetermined", "may-deny"]
_SEVERITY: dict[Need, Severity] = {"required": "error", "recommended": "warning", "optional": "info"}
_ORDER = list(FAILURE_REASONS)


@dataclass(frozen=True)
class Problem:
    access: Access
    kind: ProblemKind
    severity: Severity
    refs: tuple[StatementRef, ...] = ()
    keys: tuple[str, ...] = ()
    downgraded: bool = False  # a sibling action makes it work (replica Encrypt vs GenerateDataKey)

    @property
    def item(self) -> ReplicationRequest:
        return self.access.item


@dataclass
class ProblemGroup:
    kind: ProblemKind
    severity: Severity
    problems: list[Problem] = field(default_factory=list)

    @property
    def first(self) -> Problem:
        return self.problems[0]

    @property
    def actions(self) -> list[str]:
        return list(dict.fromkeys(p.item.action for p in self.problems))

    @property
    def resources(self) -> list[str]:
        return list(dict.fromkeys(p.item.request.resource for p in self.problems))

    @property
    def rules(self) -> list[str]:
        return list(dict.fromkeys(rule for p in self.problems for rule in p.item.rules))

    @property
    def failure_reason(self) -> str | None:
        reasons = [p.item.failure_reason for p in self.problems if p.item.failure_reason]
        if not reasons:
            return None
        return min(reasons, key=lambda r: min((_ORDER.index(a) for a in _ORDER if FAILURE_REASONS[a] == r),
                                              default=len(_ORDER)))


class _Groups:
    """The accesses indexed by their group (one pass, so that many rules stay linear)."""

    def __init__(self, accesses: tuple[Access, ...]) -> None:
        self.siblings: dict[tuple[object, ...], list[Access]] = {}
        self.combined_known: set[str | None] = set()
        for other in accesses:
            sibling = other.item
            if not sibling.group:  # only requests of a group have siblings
                continue
            self.siblings.setdefault((sibling.group, sibling.key_ref, sibling.rules), []).append(other)
            if other.combined is not None:
                self.combined_known.add(sibling.group)


def _group_allows(access: Access, groups: _Groups, side: Side | None) -> bool:
    """Whether any action of the request's group (replica kms:Encrypt/kms:GenerateDataKey) is allowed on
    ``side``, or with both sides together (``None``)."""
    item = access.item
    for other in groups.siblings.get((item.group, item.key_ref, item.rules), ()):
        judged = other.combined if side is None else other.side(side).judgement
        if judged is not None and judged.allowed:
            return True
    return False


def _partial(access: Access, groups: _Groups, side: Side) -> bool:
    """One action of the group is enough to work (catalog §1 notes): a missing sibling is a warning,
    unless the two sides each allow a different one, so that nothing works."""
    if not _group_allows(access, groups, side):
        return False
    other: Side = "resource" if side == "identity" else "identity"
    combined_known = access.item.group in groups.combined_known
    if not combined_known or _group_allows(access, groups, None):
        return True
    return not _group_allows(access, groups, other)  # the other side blocks it all: its finding fails


def _problem(access: Access, groups: _Groups, side: Side) -> Problem | None:
    result = access.side(side)
    judged = result.judgement
    if judged is None:
        return None
    need: Need = access.item.need
    downgraded = False
    if access.item.group and need == "required" and _partial(access, groups, side):
        need, downgraded = "recommended", True
    if judged.allowed:
        if judged.doubt == "may-deny" and need != "optional":
            return Problem(access, "may-deny", "warning", keys=judged.doubtful_keys)
        return None
    if judged.doubt == "may-allow":
        if need == "optional":
            return None
        return Problem(access, "undetermined", "warning", keys=judged.doubtful_keys)
    if side == "identity" and access.combined is not None and access.combined.allowed:
        return None  # the resource policy grants the role directly (same account)
    decision = judged.result
    if decision.decision == "explicit-deny":
        # An optional action denied on purpose (tags) still drops data: a warning, never silent.
        severity: Severity = "warning" if need != "required" else "error"
        return Problem(access, "deny", severity, refs=decision.denying, downgraded=downgraded)
    if need == "optional":
        return None
    kind: ProblemKind = "missing"
    if side == "identity" and "boundary" in decision.missing and "identity" not in decision.missing:
        kind = "boundary"
    return Problem(access, kind, _SEVERITY[need], downgraded=downgraded)


def problems_of(accesses: tuple[Access, ...], side: Side, keep: Callable[[Access], bool]) -> list[Problem]:
    found = []
    groups = _Groups(accesses)
    for access in accesses:
        if keep(access):
            problem = _problem(access, groups, side)
            if problem is not None:
                found.append(problem)
    return found


_RANK: dict[Severity, int] = {"error": 0, "warning": 1, "info": 2}


def group(problems: Iterable[Problem], key: Callable[[Problem], object]) -> list[ProblemGroup]:
    """One group per statement to add or remove; it is as severe as its most severe request."""
    groups: dict[tuple[object, ...], ProblemGroup] = {}
    for problem in problems:
        deny = tuple((ref.policy, ref.index) for ref in problem.refs)
        gkey = (problem.kind, problem.downgraded, deny, key(problem))
        found = groups.setdefault(gkey, ProblemGroup(problem.kind, problem.severity))
        found.problems.append(problem)
        if _RANK[problem.severity] < _RANK[found.severity]:
            found.severity = problem.severity
    for found in groups.values():  # the most severe request leads (its reason, its wording)
        found.problems.sort(key=lambda p: _RANK[p.severity])
    return list(groups.values())


def unreadable_findings(accesses: Iterable[Access], side: Side, code: str, judged: str,
                        keep: Callable[[Access], bool]) -> list[Finding]:
    """One unknown finding per input that could not be read (never more than once)."""
    seen: dict[str, Unreadable] = {}
    for access in accesses:
        if not keep(access) or access.item.need == "optional":
            continue
        for missing in access.side(side).unreadable:
            seen.setdefault(missing.what, missing)
    return [unreadable(code, m.what[0].upper() + m.what[1:], m.read, resource=m.resource, judged=judged,
                       command=m.command) for m in seen.values()]
