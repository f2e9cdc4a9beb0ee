"""JSON documents compared by meaning, fingerprinted and shown as diffs.

Two policies mean the same when they differ only in key order, statement order, a single value
written as a string or as a one-element list, duplicates in a list, or the case of action names.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
from typing import Any

Document = dict[str, Any]

ACCOUNT_ID = re.compile(r"^\d{12}$")
_LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
_ACTION_ELEMENTS = ("Action", "NotAction")


def copy_document(document: Document | None) -> Document | None:
    return copy.deepcopy(document)


def is_policy(document: Document | None) -> bool:
    return isinstance(document, dict) and "Statement" in document


def statements(document: Document | None) -> list[dict[str, Any]]:
    """The statements of a policy as a list (IAM also accepts one statement object)."""
    if not document:
        return []
    raw = document.get("Statement", [])
    if isinstance(raw, dict):
        return [raw]
    return [s for s in raw if isinstance(s, dict)] if isinstance(raw, list) else []


def _string_set(value: Any, lower: bool = False) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    if lower:
        items = [item.lower() if isinstance(item, str) else item for item in items]
    return sorted({json.dumps(item, sort_keys=True): item for item in items}.values(), key=json.dumps)


def _principal_values(kind: str, values: Any) -> Any:
    """An account id and its root ARN name the same principal (S3 answers the ARN for either)."""
    if kind != "AWS":
        return values
    items = values if isinstance(values, list) else [values]
    return [f"arn:aws:iam::{v}:root" if isinstance(v, str) and ACCOUNT_ID.match(v) else v for v in items]


def canonical_statement(statement: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _LIST_ELEMENTS:
            result[key] = _string_set(value, lower=key in _ACTION_ELEMENTS)
        elif key in ("Principal", "NotPrincipal") and isinstance(value, dict):
            result[key] = {kind: _string_set(_principal_values(kind, values)) for kind, values in value.items()}
        elif key == "Condition" and isinstance(value, dict):
            result[key] = {
                operator: (
                    {name: _string_set(values) for name, values in tests.items()} if isinstance(tests, dict) else tests
                )
                for operator, tests in value.items()
            }
        else:
            result[key] = value
    return result


def canonical(document: Document | None) -> Any:
    """The meaning of a document as a value that compares equal for equal meanings."""
    if document is None:
        return None
    if not is_policy(document):
        return json.loads(json.dumps(document, sort_keys=True))
    result = {key: value for key, value in document.items() if key != "Statement"}
    normalised = [canonical_statement(s) for s in statements(document)]
    result["Statement"] = sorted(
        {json.dumps(s, sort_keys=True): s for s in normalised}.values(), key=lambda s: json.dumps(s, sort_keys=True)
    )
    return json.loads(json.dumps(result, sort_keys=True))


def same_meaning(left: Document | None, right: Document | None) -> bool:
    return bool(canonical(left) == canonical(right))


def contains(container: Document | None, expected: Document | None) -> bool:
    """Whether ``container`` holds everything ``expected`` says (policies: every statement of it)."""
    if expected is None:
        return container is None
    if container is None:
        return False
    if is_policy(expected):
        have = {json.dumps(s, sort_keys=True) for s in canonical(container).get("Statement", [])}
        want = {json.dumps(s, sort_keys=True) for s in canonical(expected)["Statement"]}
        return want <= have
    return _value_contains(canonical(container), canonical(expected))


def _value_contains(container: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(container, dict) and all(
            key in container and _value_contains(container[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(container, list)
            and len(container) == len(expected)
            and all(_value_contains(c, e) for c, e in zip(container, expected, strict=True))
        )
    return bool(container == expected)


def fingerprint(document: Document | None) -> str | None:
    """sha256 of the canonical JSON (the audit log's before/after), None for a missing document."""
    if document is None:
        return None
    text = json.dumps(canonical(document), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compact(document: Document) -> str:
    """The JSON sent to AWS: key order as read, so the owner's document keeps its shape."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def iam_chars(document: Document) -> int:
    """How IAM sizes a policy against its quotas: characters, whitespace not counted."""
    return len("".join(compact(document).split()))


def pretty(document: Document | None) -> str:
    """Readable JSON for people: keys sorted (statement order kept, lists are never sorted)."""
    if document is None:
        return ""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def unified_diff(before: Document | None, after: Document | None, before_name: str, after_name: str) -> str:
    lines = difflib.unified_diff(
        pretty(before).splitlines(keepends=True),
        pretty(after).splitlines(keepends=True),
        fromfile=before_name if before is not None else "(does not exist)",
        tofile=after_name,
    )
    return "".join(lines)
