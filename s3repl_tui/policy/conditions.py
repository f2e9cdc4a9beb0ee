"""The Condition element: parsing operators once, then testing request contexts.

Semantics follow https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html:
- several operators, and several keys under one operator, are ANDed; several values for one key are ORed
  (for a negated operator: the request value must match none of them);
- a key absent from the request fails every operator except negated ones (which match),
  ``...IfExists`` (matches) and ``Null``;
- ``ForAllValues`` matches when every request value matches (also when the key is absent or empty);
  ``ForAnyValue`` when at least one does (never when the key is absent or empty);
- condition key names are case-insensitive; operator names are not (IAM rejects ``stringEquals``).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from .matching import Matcher, NormalizedContext

Qualifier = Literal["ForAllValues", "ForAnyValue"]
Family = Literal["string", "numeric", "date", "bool", "binary", "ip", "arn", "null"]
# Tests one request value against every policy value of a test: True if any matches (the
# un-negated sense), None when a policy variable could not be resolved.
ValueCheck = Callable[[str, NormalizedContext], bool | None]


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    family: Family
    comparison: str
    negated: bool


_OPERATORS: dict[str, OperatorInfo] = {
    "StringEquals": OperatorInfo("string", "exact", False),
    "StringNotEquals": OperatorInfo("string", "exact", True),
    "StringEqualsIgnoreCase": OperatorInfo("string", "exact-ignore-case", False),
    "StringNotEqualsIgnoreCase": OperatorInfo("string", "exact-ignore-case", True),
    "StringLike": OperatorInfo("string", "glob", False),
    "StringNotLike": OperatorInfo("string", "glob", True),
    "NumericEquals": OperatorInfo("numeric", "eq", False),
    "NumericNotEquals": OperatorInfo("numeric", "eq", True),
    "NumericLessThan": OperatorInfo("numeric", "lt", False),
    "NumericLessThanEquals": OperatorInfo("numeric", "le", False),
    "NumericGreaterThan": OperatorInfo("numeric", "gt", False),
    "NumericGreaterThanEquals": OperatorInfo("numeric", "ge", False),
    "DateEquals": OperatorInfo("date", "eq", False),
    "DateNotEquals": OperatorInfo("date", "eq", True),
    "DateLessThan": OperatorInfo("date", "lt", False),
    "DateLessThanEquals": OperatorInfo("date", "le", False),
    "DateGreaterThan": OperatorInfo("date", "gt", False),
    "DateGreaterThanEquals": OperatorInfo("date", "ge", False),
    "Bool": OperatorInfo("bool", "eq", False),
    "BinaryEquals": OperatorInfo("binary", "eq", False),
    "IpAddress": OperatorInfo("ip", "in", False),
    "NotIpAddress": OperatorInfo("ip", "in", True),
    "ArnEquals": OperatorInfo("arn", "arn", False),
    "ArnLike": OperatorInfo("arn", "arn", False),
    "ArnNotEquals": OperatorInfo("arn", "arn", True),
    "ArnNotLike": OperatorInfo("arn", "arn", True),
    "Null": OperatorInfo("null", "null", False),
}
KNOWN_OPERATORS: tuple[str, ...] = tuple(_OPERATORS)


@dataclass(frozen=True, slots=True)
class ParsedOperator:
    written: str
    base: str
    info: OperatorInfo
    qualifier: Qualifier | None
    if_exists: bool


def parse_operator(written: str) -> ParsedOperator | None:
    """``ForAnyValue:StringLikeIfExists`` -> its parts; None for an operator AWS does not know."""
    qualifier: Qualifier | None = None
    name = written
    if ":" in name:
        prefix, name = name.split(":", 1)
        if prefix == "ForAllValues":
            qualifier = "ForAllValues"
        elif prefix == "ForAnyValue":
            qualifier = "ForAnyValue"
        else:
            return None
    if_exists = name.endswith("IfExists")
    base = name[: -len("IfExists")] if if_exists else name
    info = _OPERATORS.get(base)
    if info is None or (info.family == "null" and (if_exists or qualifier is not None)):
        return None  # AWS documents no Null...IfExists and no set operator on Null
    return ParsedOperator(written, base, info, qualifier, if_exists)


def suggest_operator(written: str) -> str | None:
    """The operator the author probably meant (wrong case, a typo)."""
    import difflib

    name = written.split(":", 1)[-1]
    lowered = {op.lower(): op for op in KNOWN_OPERATORS}
    bare = name[: -len("IfExists")] if name.lower().endswith("ifexists") else name
    if bare.lower() in lowered:
        fixed = lowered[bare.lower()] + ("IfExists" if bare != name else "")
        prefix = written.split(":", 1)[0] + ":" if ":" in written else ""
        if prefix.lower() == "forallvalues:":
            prefix = "ForAllValues:"
        elif prefix.lower() == "foranyvalue:":
            prefix = "ForAnyValue:"
        return prefix + fixed
    close = difflib.get_close_matches(bare, KNOWN_OPERATORS, n=1, cutoff=0.75)
    return close[0] if close else None


@dataclass(frozen=True, slots=True)
class ConditionTest:
    """One (operator, key) pair of a Condition block with its prepared policy values."""

    operator: ParsedOperator
    key: str  # lower-cased
    key_as_written: str
    values: tuple[str, ...]  # the policy values as strings, for lint and explanations
    check: ValueCheck
    null_expects_absent: tuple[bool, ...] = ()

    def evaluate(self, context: NormalizedContext) -> bool | None:
        """Does the request context satisfy this test? None if a policy variable is unresolvable.

        A policy value whose variable has no value matches nothing: for a negated operator that makes the
        test true (AWS's example on the policy variables page: StringNotEquals against
        ``${aws:PrincipalTag/...}`` of an untagged principal is explicitly denied); for a positive
        operator the statement does not apply (None)."""
        operator = self.operator
        present = context.get(self.key)
        if operator.info.family == "null":
            absent = present is None
            return any(expects_absent == absent for expects_absent in self.null_expects_absent)
        negated = operator.info.negated
        if present is None:
            if operator.if_exists or operator.qualifier == "ForAllValues":
                return True
            if operator.qualifier == "ForAnyValue":
                return False
            return negated
        request_values = present if isinstance(present, tuple) else (present,)
        if operator.qualifier is not None:
            if request_values in ((), ("",)):  # "resolves to an empty data set"
                return operator.qualifier == "ForAllValues"
            outcomes: list[bool] = []
            for value in request_values:
                hit = self.check(value, context)
                if hit is None:
                    if not negated:
                        return None
                    hit = False
                outcomes.append(hit != negated)
            return all(outcomes) if operator.qualifier == "ForAllValues" else any(outcomes)
        # No set operator: a single value (a list is treated as "any element matches").
        any_hit = False
        for value in request_values:
            hit = self.check(value, context)
            if hit is None:
                if not negated:
                    return None
                hit = False
            any_hit = any_hit or hit
        return any_hit != negated


def _scalar_strings(raw: object) -> tuple[list[str], list[str]]:
    """Policy condition values as strings (JSON true -> "true", 5 -> "5"); also returns problems."""
    items = raw if isinstance(raw, list) else [raw]
    values: list[str] = []
    problems: list[str] = []
    for item in items:
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, str):
            values.append(item)
        elif isinstance(item, int | float):
            values.append(str(item))
        else:
            problems.append(f"condition values must be strings, numbers or booleans, not {type(item).__name__}")
    if not items:
        problems.append("condition has an empty list of values")
    return values, problems


_EPOCH = re.compile(r"^-?\d+(?:\.\d+)?$")


def parse_number(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None


def parse_date(text: str) -> float | None:
    """ISO 8601 (W3C profile) or epoch seconds -> POSIX timestamp."""
    text = text.strip()
    try:
        if _EPOCH.match(text):
            return datetime.fromtimestamp(float(text), tz=UTC).timestamp()
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.timestamp()
    except (ValueError, OverflowError, OSError):
        return None


def _compare(comparison: str, request: float, policy: float) -> bool:
    if comparison == "eq":
        return request == policy
    if comparison == "lt":
        return request < policy
    if comparison == "le":
        return request <= policy
    if comparison == "gt":
        return request > policy
    return request >= policy


def _decode_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _request_in_network(value: str, networks: tuple[IpNetwork, ...]) -> bool:
    try:
        request: IpNetwork = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return any(
        request.version == network.version and request.subnet_of(network)  # type: ignore[arg-type]
        for network in networks
    )


def _build_check(info: OperatorInfo, values: list[str], variables: bool) -> tuple[ValueCheck | None, list[str]]:
    """Prepare the per-value check for one test; problems make the statement invalid."""
    problems: list[str] = []
    family = info.family
    if family in ("string", "arn"):
        mode = "arn" if family == "arn" else info.comparison
        matchers = tuple(
            Matcher(value, mode, variables=variables)  # type: ignore[arg-type]
            for value in values
        )

        def check_strings(request: str, context: NormalizedContext) -> bool | None:
            unresolved = False
            for matcher in matchers:
                hit = matcher.matches(request, context)
                if hit:
                    return True
                unresolved = unresolved or hit is None
            return None if unresolved else False

        return check_strings, problems
    if family in ("numeric", "date"):
        parse = parse_number if family == "numeric" else parse_date
        parsed: list[float] = []
        for value in values:
            number = parse(value)
            if number is None:
                problems.append(f"{value!r} is not a valid {'number' if family == 'numeric' else 'date'}")
            else:
                parsed.append(number)
        limits = tuple(parsed)
        comparison = info.comparison

        def check_ordered(request: str, context: NormalizedContext) -> bool:
            number = parse(request)
            return number is not None and any(_compare(comparison, number, limit) for limit in limits)

        return check_ordered, problems
    if family == "bool":
        expected = set()
        for value in values:
            if value.lower() not in ("true", "false"):
                problems.append(f"Bool expects true or false, got {value!r}")
            expected.add(value.lower())

        def check_bool(request: str, context: NormalizedContext) -> bool:
            return request.lower() in expected

        return check_bool, problems
    if family == "binary":
        wanted = tuple(_decode_base64(value) or value.encode() for value in values)

        def check_binary(request: str, context: NormalizedContext) -> bool:
            actual = _decode_base64(request) or request.encode()
            return actual in wanted

        return check_binary, problems
    if family == "ip":
        networks: list[IpNetwork] = []
        for value in values:
            try:
                networks.append(ipaddress.ip_network(value.strip(), strict=False))
            except ValueError:
                problems.append(f"{value!r} is not an IP address or CIDR range")
        frozen_networks = tuple(networks)

        def check_ip(request: str, context: NormalizedContext) -> bool:
            return _request_in_network(request, frozen_networks)

        return check_ip, problems
    return None, problems


@dataclass(frozen=True, slots=True)
class ParsedCondition:
    tests: tuple[ConditionTest, ...]
    problems: tuple[str, ...]  # anything here makes the statement not apply
    unknown_operators: tuple[str, ...]


def parse_condition(element: object, variables: bool) -> ParsedCondition:
    """Normalise a Condition element. Unknown operators and malformed values are reported."""
    if element is None:
        return ParsedCondition((), (), ())
    if not isinstance(element, dict):
        return ParsedCondition((), ("Condition must be an object of operator -> {key: values}",), ())
    tests: list[ConditionTest] = []
    problems: list[str] = []
    unknown: list[str] = []
    for written, block in element.items():
        operator = parse_operator(str(written))
        if operator is None:
            unknown.append(str(written))
            continue
        if not isinstance(block, dict) or not block:
            problems.append(f"{written} must map condition keys to values")
            continue
        for key, raw_values in block.items():
            values, value_problems = _scalar_strings(raw_values)
            problems.extend(f"{written} {key}: {problem}" for problem in value_problems)
            if value_problems:
                continue
            if operator.info.family == "null":
                flags: list[bool] = []
                for value in values:
                    if value.lower() not in ("true", "false"):
                        problems.append(f"Null {key}: expects true or false, got {value!r}")
                    flags.append(value.lower() == "true")
                tests.append(ConditionTest(operator, str(key).lower(), str(key), tuple(values), _never, tuple(flags)))
                continue
            # Policy variables are only substituted for string and ARN operators.
            substitutes = variables and operator.info.family in ("string", "arn")
            check, check_problems = _build_check(operator.info, values, substitutes)
            problems.extend(f"{written} {key}: {problem}" for problem in check_problems)
            if check is not None and not check_problems:
                tests.append(ConditionTest(operator, str(key).lower(), str(key), tuple(values), check))
    return ParsedCondition(tuple(tests), tuple(problems), tuple(unknown))


def _never(request: str, context: NormalizedContext) -> bool:
    return False
