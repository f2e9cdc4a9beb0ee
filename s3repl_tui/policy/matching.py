"""Wildcard, ARN and policy-variable matching.

Patterns are split once into tokens (literal text, policy variables, escaped characters) and
translated into regular expressions that are compiled once and cached, so matching a request
costs one ``fullmatch``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

# Request context after normalisation: lower-cased key -> one string, or a tuple for multivalued keys.
NormalizedValue = str | tuple[str, ...]
NormalizedContext = Mapping[str, NormalizedValue]

MatchMode = Literal["glob", "arn", "exact", "exact-ignore-case"]


@dataclass(frozen=True, slots=True)
class Text:
    """Policy text in which ``*`` and ``?`` are wildcards (in glob/arn modes)."""

    text: str


@dataclass(frozen=True, slots=True)
class Escaped:
    """A character written as ``${*}``, ``${?}`` or ``${$}``: always literal."""

    text: str


@dataclass(frozen=True, slots=True)
class Variable:
    """``${key}`` or ``${key, 'default'}``, replaced from the request context."""

    key: str
    default: str | None


Token = Text | Escaped | Variable

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY = re.compile(r"^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@lru_cache(maxsize=4096)
def tokenize(text: str, variables: bool) -> tuple[Token, ...]:
    """Split policy text into tokens; without ``variables`` (policy Version 2008-10-17) all is literal."""
    if not variables or "${" not in text:
        return (Text(text),)
    tokens: list[Token] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        if found.start() > position:
            tokens.append(Text(text[position : found.start()]))
        body = found.group(1).strip()
        if body in _ESCAPES:
            tokens.append(Escaped(_ESCAPES[body]))
        else:
            parsed = _VARIABLE_BODY.match(body)
            if parsed is None:
                # Not a variable AWS would recognise: keep the characters as written.
                tokens.append(Text(found.group(0)))
            else:
                tokens.append(Variable(parsed.group(1).lower(), parsed.group(2)))
        position = found.end()
    if position < len(text):
        tokens.append(Text(text[position:]))
    return tuple(tokens)


def has_variables(tokens: tuple[Token, ...]) -> bool:
    return any(isinstance(token, Variable) for token in tokens)


def variable_names(text: str) -> list[str]:
    """Names of the policy variables in ``text`` (for lint)."""
    return [token.key for token in tokenize(text, True) if isinstance(token, Variable)]


def resolve_variable(variable: Variable, context: NormalizedContext) -> str | None:
    """The variable's value, its default, or None when AWS could not resolve it."""
    value = context.get(variable.key)
    if isinstance(value, str):
        return value
    # Absent, or multivalued (multivalued keys cannot be policy variables).
    return variable.default


def _glob_regex(tokens: tuple[Token, ...], context: NormalizedContext | None, arn_segments: bool) -> str | None:
    """Regex source for tokens; ``None`` if a variable cannot be resolved."""
    parts: list[str] = []
    colons = 0
    for token in tokens:
        if isinstance(token, Text):
            for char in token.text:
                in_last_segment = not arn_segments or colons >= 5
                if char == "*":
                    parts.append(".*" if in_last_segment else "[^:]*")
                elif char == "?":
                    parts.append("." if in_last_segment else "[^:]")
                else:
                    if char == ":":
                        colons += 1
                    parts.append(re.escape(char))
        elif isinstance(token, Escaped):
            parts.append(re.escape(token.text))
        else:
            if context is None:
                return None
            value = resolve_variable(token, context)
            if value is None:
                return None
            # Substituted values are literal: ${*} exists precisely because only policy text is a wildcard.
            parts.append(re.escape(value))
    return "".join(parts)


@lru_cache(maxsize=8192)
def compile_regex(source: str, ignore_case: bool) -> re.Pattern[str]:
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(source, flags)


def _is_arn_shaped(tokens: tuple[Token, ...]) -> bool:
    literal = "".join(token.text for token in tokens if isinstance(token, Text | Escaped))
    # Component-wise for anything written as an ARN, even a short one: a wildcard never stands for
    # a colon in the first five components, so "arn:aws:kms:*" matches no full key ARN.
    return literal.startswith("arn:")


@lru_cache(maxsize=8192)
def _prepared(text: str, mode: MatchMode, variables: bool, ignore_case: bool
              ) -> tuple[tuple[Token, ...], MatchMode, re.Pattern[str] | None, str | None]:
    """A pattern's tokens, mode, and its regex or literal when it has no variables: a pure function of
    the pattern, found once however many documents and rules repeat it."""
    tokens = tokenize(text, variables)
    if mode == "arn" and not _is_arn_shaped(tokens):
        mode = "glob"  # "*" (or other non-ARN text): plain wildcard matching
    static: re.Pattern[str] | None = None
    static_text: str | None = None
    if not has_variables(tokens):
        if mode in ("exact", "exact-ignore-case"):
            plain = "".join(token.text for token in tokens if isinstance(token, Text | Escaped))
            static_text = plain.casefold() if mode == "exact-ignore-case" else plain
        else:
            source = _glob_regex(tokens, None, mode == "arn")
            assert source is not None  # no variables, so always resolvable
            static = compile_regex(source, ignore_case)
    return tokens, mode, static, static_text


class Matcher:
    """One pattern from a policy, ready to match request values.

    ``glob``: ``*``/``?`` wildcards over the whole string (Action, StringLike).
    ``arn``: wildcards never cross the first five colons (Resource, ArnLike): AWS checks the six
    colon-delimited ARN components separately.
    ``exact`` / ``exact-ignore-case``: no wildcards (StringEquals, StringEqualsIgnoreCase).
    """

    __slots__ = ("_ignore_case", "_mode", "_static", "_static_text", "text", "tokens")

    def __init__(self, text: str, mode: MatchMode, *, ignore_case: bool = False, variables: bool = False):
        self.text = text
        self.tokens, self._mode, self._static, self._static_text = _prepared(text, mode, variables, ignore_case)
        self._ignore_case = ignore_case

    def matches(self, value: str, context: NormalizedContext) -> bool | None:
        """True/False, or None when a policy variable in the pattern cannot be resolved."""
        if self._static is not None:
            return self._static.fullmatch(value) is not None
        if self._static_text is not None:
            if self._mode == "exact-ignore-case":
                return value.casefold() == self._static_text
            return value == self._static_text
        if self._mode in ("exact", "exact-ignore-case"):
            resolved: list[str] = []
            for token in self.tokens:
                if isinstance(token, Variable):
                    substituted = resolve_variable(token, context)
                    if substituted is None:
                        return None
                    resolved.append(substituted)
                else:
                    resolved.append(token.text)
            expected = "".join(resolved)
            if self._mode == "exact-ignore-case":
                return value.casefold() == expected.casefold()
            return value == expected
        source = _glob_regex(self.tokens, context, self._mode == "arn")
        if source is None:
            return None
        return compile_regex(source, self._ignore_case).fullmatch(value) is not None


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Plain ``*``/``?`` matching of a whole string (no variables)."""
    result = Matcher(pattern, "glob", ignore_case=ignore_case).matches(value, {})
    return bool(result)


def arn_match(pattern: str, value: str) -> bool:
    """ARN matching as ArnLike does it: component by component (no variables)."""
    return bool(Matcher(pattern, "arn").matches(value, {}))


@dataclass(frozen=True, slots=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(text: str) -> Arn | None:
    """Split an ARN into its parts; None unless it reads ``arn:partition:service:region:account:resource``."""
    if not text.startswith("arn:"):
        return None
    parts = text.split(":", 5)
    if len(parts) != 6 or not parts[1] or not parts[2] or not parts[5]:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def normalize_context_value(value: object) -> NormalizedValue | None:
    """Context values become strings (``True`` -> ``"true"``) or tuples of strings; None means absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [normalize_context_value(item) for item in value]
        return tuple(item for item in items if isinstance(item, str))
    return str(value)


def normalize_context(context: Mapping[str, object] | None) -> dict[str, NormalizedValue]:
    """Lower-case the keys (condition key names are case-insensitive) and normalise the values."""
    normalized: dict[str, NormalizedValue] = {}
    if not context:
        return normalized
    try:
        items = list(context.items())
    except (AttributeError, TypeError):
        return normalized
    for key, value in items:
        converted = normalize_context_value(value)
        if converted is not None:
            normalized[str(key).lower()] = converted
    return normalized


def clear_caches() -> None:
    """Forget compiled patterns (the benchmark's cold baseline uses this)."""
    tokenize.cache_clear()
    compile_regex.cache_clear()
    _prepared.cache_clear()
