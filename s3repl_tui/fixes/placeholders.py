"""Names for ARNs that only exist once an earlier change of the same plan has created them.

A change that creates a resource (a KMS key) says which placeholder its ARN fills (``Change.creates``);
later changes write ``${NAME}`` wherever they need that ARN (a bucket's default encryption, the role's
KMS statement, the rule's ``ReplicaKmsKeyID``). ``apply_plan`` substitutes the real ARN as soon as the
key exists; the exports keep the placeholder (a shell variable in ``cli``, a named output in ``json``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

SOURCE_KEY_ARN = "SOURCE_KEY_ARN"
REPLICA_KEY_ARN = "REPLICA_KEY_ARN"
# The only placeholders there are: an owner's ``${HOME}`` or ``${aws:username}`` in a Sid, a resource or a
# rule id is plain text, applied as written and single-quoted in the CLI export (issue 12.6).
NAMES = frozenset({SOURCE_KEY_ARN, REPLICA_KEY_ARN})
TOKEN = re.compile(r"\$\{(" + "|".join(sorted(NAMES)) + r")\}")


def token(name: str) -> str:
    """``SOURCE_KEY_ARN`` -> ``${SOURCE_KEY_ARN}``."""
    if name not in NAMES:
        raise ValueError(f"{name!r} is not one of the placeholders {sorted(NAMES)}")
    return "${" + name + "}"


def names_in(value: Any) -> set[str]:
    """Every placeholder name used anywhere in ``value`` (strings, lists and dicts, deeply)."""
    if isinstance(value, str):
        return set(TOKEN.findall(value))
    if isinstance(value, dict):
        found: set[str] = set()
        for key, item in value.items():
            found |= names_in(key) | names_in(item)
        return found
    if isinstance(value, list | tuple):
        found = set()
        for item in value:
            found |= names_in(item)
        return found
    return set()


def substitute(value: Any, values: Mapping[str, str]) -> Any:
    """A copy of ``value`` with every known ``${NAME}`` replaced; unknown ones stay as written."""
    if not values:
        return value
    if isinstance(value, str):
        return TOKEN.sub(lambda match: values.get(match.group(1), match.group(0)), value)
    if isinstance(value, dict):
        return {substitute(key, values): substitute(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, values) for item in value]
    if isinstance(value, tuple):
        return tuple(substitute(item, values) for item in value)
    return value


def is_placeholder(text: str) -> bool:
    """Whether ``text`` is exactly one placeholder (the name of a resource not created yet)."""
    return TOKEN.fullmatch(text) is not None
