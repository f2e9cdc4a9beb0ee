"""Merging grants into policies without touching anything the owner wrote.

The tool only ever appends statements whose Sid starts with ``S3ReplTui``, or widens one of those.
Every other statement stays exactly as read (same position, same spelling), Deny statements
included. A tool statement is widened only along one axis: more actions on the same resources, or
the same actions on more resources, so merging never grants an action on a resource nobody asked for.
"""

from __future__ import annotations

import copy
from typing import Any

from s3repl_tui.fixes.jsondoc import Document, canonical_statement, statements

TOOL_SID_PREFIX = "S3ReplTui"
POLICY_VERSION = "2012-10-17"


def is_tool_statement(statement: dict[str, Any]) -> bool:
    return str(statement.get("Sid", "")).startswith(TOOL_SID_PREFIX)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _union(existing: Any, added: Any) -> list[Any]:
    """``existing`` then whatever of ``added`` it lacks (actions compared without case)."""
    result = _as_list(existing)
    seen = {str(item).lower() for item in result}
    for item in _as_list(added):
        if str(item).lower() not in seen:
            result.append(item)
            seen.add(str(item).lower())
    return result


def _same(statement: dict[str, Any], other: dict[str, Any], key: str) -> bool:
    left = canonical_statement({key: statement[key]}) if key in statement else {}
    right = canonical_statement({key: other[key]}) if key in other else {}
    return left == right


def _widen(existing: dict[str, Any], grant: dict[str, Any]) -> bool:
    """Fold ``grant`` into the tool statement ``existing`` if that adds no unintended access."""
    fixed = ("Effect", "Principal", "Condition", "NotAction", "NotResource", "NotPrincipal")
    if not all(_same(existing, grant, key) for key in fixed):
        return False
    if _same(existing, grant, "Resource"):
        existing["Action"] = _union(existing.get("Action"), grant.get("Action"))
        return True
    if _same(existing, grant, "Action"):
        existing["Resource"] = _union(existing.get("Resource"), grant.get("Resource"))
        return True
    return False


def _already_granted(document: Document, grant: dict[str, Any]) -> bool:
    wanted = canonical_statement({k: v for k, v in grant.items() if k != "Sid"})
    for statement in statements(document):
        if canonical_statement({k: v for k, v in statement.items() if k != "Sid"}) == wanted:
            return True
    return False


def _free_sid(document: Document, sid: str) -> str:
    taken = {str(s.get("Sid", "")) for s in statements(document)}
    if sid not in taken:
        return sid
    number = 2
    while f"{sid}{number}" in taken:
        number += 1
    return f"{sid}{number}"


def add_grant(document: Document | None, grant: dict[str, Any]) -> Document:
    """A copy of ``document`` (or a new policy) that also grants ``grant`` (its Sid names the purpose).

    The grant is folded into the tool statement with the same Sid (or ``Sid2``, ``Sid3``...) when that
    is safe, else appended with a free Sid of that family.
    """
    sid = str(grant["Sid"])
    if not sid.startswith(TOOL_SID_PREFIX):
        raise ValueError(f"tool statements carry the {TOOL_SID_PREFIX} Sid prefix, not {sid!r}")
    result: Document = copy.deepcopy(document) if document is not None else {"Version": POLICY_VERSION}
    if _already_granted(result, grant):
        return result
    raw = result.get("Statement", [])
    body: list[Any] = [raw] if isinstance(raw, dict) else list(raw) if isinstance(raw, list) else []
    for statement in body:
        if not isinstance(statement, dict) or not is_tool_statement(statement):
            continue
        family = str(statement.get("Sid", ""))
        if (family == sid or (family.startswith(sid) and family[len(sid) :].isdigit())) and _widen(statement, grant):
            result["Statement"] = body
            return result
    body.append(copy.deepcopy({**grant, "Sid": _free_sid(result, sid)}))
    result["Statement"] = body
    return result


def tool_statements(document: Document | None) -> list[dict[str, Any]]:
    return [s for s in statements(document) if is_tool_statement(s)]


def owner_statements(document: Document | None) -> list[dict[str, Any]]:
    """Everything the tool did not write: what every fix must leave exactly as it was."""
    return [s for s in statements(document) if not is_tool_statement(s)]
