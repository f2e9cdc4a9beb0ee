"""Policy lint surfaced in the layer of the document: a typo like ``s3:ReplicateObjects`` never allows
anything, and the evaluation only says "missing". Lint says why."""

from __future__ import annotations

from typing import Any

from s3repl_tui.checks.model import Finding
from s3repl_tui.policy import LintKind, NamedPolicy, PolicyError, lint

# Lint codes that don't change what a policy allows or denies; not worth a person's attention here.
_QUIET = frozenset({"missing-version", "duplicate-sid", "invalid-sid"})


def lint_findings(policy: NamedPolicy, kind: LintKind, resource: str | None,
                  skip: frozenset[str] = frozenset()) -> list[Finding]:
    try:
        found = lint(policy, kind)
    except PolicyError as error:
        return [Finding("lint-not-a-policy", "warning", f"{policy.name} is not a policy document: {error}",
                        resource, evidence={"policy": policy.name})]
    findings = []
    for item in found:
        if item.severity == "info" or item.code in _QUIET or item.code in skip:
            continue
        evidence: dict[str, Any] = {"policy": policy.name, "lint": item.code, "sid": item.sid,
                                    "index": item.index}
        statement = _statement(policy.document, item.index)
        if statement is not None:
            evidence["statement"] = statement
        findings.append(Finding(f"lint-{item.code}", "warning", f"{policy.name}: {item.message}", resource,
                                None, evidence))
    return findings


def _statement(document: Any, index: int | None) -> Any:
    if index is None or not isinstance(document, dict):
        return None
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if isinstance(statements, list) and 0 <= index < len(statements):
        return statements[index]
    return None
