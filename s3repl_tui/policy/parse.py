"""Normalising policy documents into statements ready to evaluate (cached per document).

Shapes follow the IAM grammar as AWS accepts it: ``Statement`` may be one object or a list;
Action/Resource/Principal values may be a string or a list; a statement with both ``Action`` and
``NotAction`` (or ``Resource``/``NotResource``, ``Principal``/``NotPrincipal``) is invalid and never
applies. Policy variables are only substituted when ``Version`` is ``2012-10-17``
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
"""

from __future__ import annotations

import copy
import json
import threading
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from .conditions import ParsedCondition, parse_condition
from .matching import Matcher
from .model import NamedPolicy, PolicyError
from .principals import PrincipalSpec, parse_principal

Effect = Literal["Allow", "Deny"]
VARIABLES_VERSION = "2012-10-17"
KNOWN_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_EMPTY_CONDITION = ParsedCondition((), (), ())


@dataclass(frozen=True, slots=True)
class ParsedStatement:
    index: int
    sid: str | None
    raw: dict[str, Any]
    effect: Effect | None
    actions: tuple[Matcher, ...]
    not_action: bool
    resources: tuple[Matcher, ...] | None  # None: no Resource/NotResource element
    not_resource: bool
    principal: PrincipalSpec | None
    has_principal: bool  # Principal or NotPrincipal present (allowed only in resource policies)
    not_principal: bool
    condition: ParsedCondition
    problems: tuple[str, ...]  # any problem means AWS would reject the statement: it never applies

    @property
    def usable(self) -> bool:
        return (
            self.effect is not None
            and not self.problems
            and not self.condition.problems
            and not self.condition.unknown_operators
        )


@dataclass(frozen=True, slots=True)
class ParsedPolicy:
    statements: tuple[ParsedStatement, ...]
    variables: bool
    problems: tuple[str, ...]


def _string_list(value: object, element: str, problems: list[str]) -> list[str]:
    items = value if isinstance(value, list) else [value]
    strings: list[str] = []
    for item in items:
        if isinstance(item, str):
            strings.append(item)
        else:
            problems.append(f"{element} values must be strings, got {type(item).__name__}")
    return strings


def _pick(statement: dict[str, Any], positive: str, negative: str, problems: list[str]) -> tuple[object, bool, bool]:
    """(value, is_negated, present) for an element that has a Not- twin."""
    if positive in statement and negative in statement:
        problems.append(f"statement has both {positive} and {negative}")
    if positive in statement:
        return statement[positive], False, True
    if negative in statement:
        return statement[negative], True, True
    return None, False, False


def parse_statement(index: int, statement: object, variables: bool) -> ParsedStatement:
    problems: list[str] = []
    if not isinstance(statement, dict):
        problems.append("statement is not a JSON object")
        return ParsedStatement(
            index,
            None,
            {},
            None,
            (),
            False,
            None,
            False,
            None,
            False,
            False,
            _EMPTY_CONDITION,
            tuple(problems),
        )
    sid_value = statement.get("Sid")
    sid = sid_value if isinstance(sid_value, str) else None
    effect_value = statement.get("Effect")
    effect: Effect | None = effect_value if effect_value in ("Allow", "Deny") else None

    action_value, not_action, action_present = _pick(statement, "Action", "NotAction", problems)
    if not action_present:
        problems.append("statement has neither Action nor NotAction")
    action_names = _string_list(action_value, "Action", problems) if action_present else []
    actions = tuple(Matcher(action.strip(), "glob", ignore_case=True) for action in action_names)

    resource_value, not_resource, resource_present = _pick(statement, "Resource", "NotResource", problems)
    resources: tuple[Matcher, ...] | None = None
    if resource_present:
        resources = tuple(
            Matcher(resource, "arn", variables=variables)
            for resource in _string_list(resource_value, "Resource", problems)
        )

    principal_value, not_principal, has_principal = _pick(statement, "Principal", "NotPrincipal", problems)
    principal: PrincipalSpec | None = None
    if has_principal:
        principal, principal_problems = parse_principal(principal_value)
        problems.extend(principal_problems)

    condition = parse_condition(statement.get("Condition"), variables)
    return ParsedStatement(
        index,
        sid,
        statement,
        effect,
        actions,
        not_action,
        resources,
        not_resource,
        principal,
        has_principal,
        not_principal,
        condition,
        tuple(problems),
    )


def parse_document(document: dict[str, Any]) -> ParsedPolicy:
    """Normalise a policy object (no caching)."""
    problems: list[str] = []
    variables = document.get("Version") == VARIABLES_VERSION
    raw_statements = document.get("Statement")
    if raw_statements is None:
        problems.append("policy has no Statement")
        items: list[object] = []
    elif isinstance(raw_statements, dict):
        items = [raw_statements]
    elif isinstance(raw_statements, list):
        items = list(raw_statements)
    else:
        problems.append("Statement must be an object or a list of objects")
        items = []
    statements = tuple(parse_statement(index, item, variables) for index, item in enumerate(items))
    return ParsedPolicy(statements, variables, tuple(problems))


def load_document(document: object) -> dict[str, Any]:
    """The policy as a dict, from a dict, a NamedPolicy or JSON text (also URL-encoded, as IAM returns it)."""
    if isinstance(document, NamedPolicy):
        document = document.document
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PolicyError("The policy document is bytes that are not UTF-8 text.") from error
    if isinstance(document, str):
        return _load_text(document)
    if isinstance(document, dict):
        return document
    raise PolicyError(f"A policy document must be a JSON object, not {type(document).__name__}.")


@lru_cache(maxsize=512)
def _load_text_cached(text: str) -> dict[str, Any]:
    stripped = text.strip()
    if stripped.startswith("%7B") or stripped.startswith("%7b"):
        stripped = urllib.parse.unquote(stripped)
    try:
        loaded = json.loads(stripped)
    except (ValueError, RecursionError) as error:
        raise PolicyError(f"The policy document is not valid JSON ({error}).") from error
    if not isinstance(loaded, dict):
        raise PolicyError(f"A policy document must be a JSON object, not a JSON {type(loaded).__name__}.")
    return loaded


def _load_text(text: str) -> dict[str, Any]:
    # Cached dicts are shared: callers must treat them as read-only (the engine does).
    return _load_text_cached(text)


class _ParsedPolicyCache:
    """Normalised policies keyed by the document object, checked against a snapshot so edits are seen.

    Comparing a dict with its snapshot runs in C and costs far less than normalising it again.
    """

    def __init__(self, size: int = 256, by_content_size: int = 2048) -> None:
        self._size = size
        self._by_content_size = by_content_size
        self._entries: OrderedDict[int, tuple[dict[str, Any], dict[str, Any], ParsedPolicy]] = OrderedDict()
        # Equal documents built anew (the checks derive variants of the same policies per request) are
        # found by their canonical JSON: dumping costs a fraction of normalising again.
        self._by_content: OrderedDict[str, ParsedPolicy] = OrderedDict()
        self._lock = threading.Lock()

    def _parse_by_content(self, document: dict[str, Any]) -> tuple[ParsedPolicy, bool]:
        """The parsed policy, and whether it had to be parsed (False: an equal document was seen)."""
        try:
            content = json.dumps(document, sort_keys=True, default=repr)
        except (TypeError, ValueError, RecursionError):  # keys of mixed types and the like: no shortcut
            return parse_document(document), True
        with self._lock:
            parsed = self._by_content.get(content)
            if parsed is not None:
                self._by_content.move_to_end(content)
                return parsed, False
        parsed = parse_document(document)
        with self._lock:
            self._by_content[content] = parsed
            while len(self._by_content) > self._by_content_size:
                self._by_content.popitem(last=False)
        return parsed, True

    def get(self, document: dict[str, Any]) -> ParsedPolicy:
        key = id(document)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is not None and entry[0] is document:
            try:
                if entry[1] == document:
                    return entry[2]
            except Exception:  # odd values inside a dict: just parse again
                pass
        parsed, new = self._parse_by_content(document)
        if not new:  # often a document built anew for one question: not worth a snapshot by identity
            return parsed
        try:
            snapshot = copy.deepcopy(document)
        except Exception:  # caching is an optimisation; never fail because of it
            return parsed
        with self._lock:
            self._entries[key] = (document, snapshot, parsed)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return parsed

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_content.clear()


_CACHE = _ParsedPolicyCache()


def parse_policy(document: object) -> ParsedPolicy:
    """Load (if needed) and normalise a document, using the cache."""
    return _CACHE.get(load_document(document))


def clear_caches() -> None:
    _CACHE.clear()
    _load_text_cached.cache_clear()
