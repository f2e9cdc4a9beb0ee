"""Property tests: wildcard matching against independent oracles; no input crashes the engine."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_helpers import DST_ACCOUNT, ROLE, SESSION

from s3repl_tui.policy import PolicyError, Request, arn_match, evaluate, lint, wildcard_match

# Characters that are special to regular expressions, plus newline, to catch escaping mistakes.
ALPHABET = "ab:/.\\[]()$^+{}|\n"
patterns = st.text(alphabet=ALPHABET + "*?", max_size=12)
values = st.text(alphabet=ALPHABET + "*?", max_size=14)


def reference_regex(pattern: str) -> re.Pattern[str]:
    """Translate by hand: every literal character becomes its \\U code point escape."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append("[\\s\\S]*")
        elif char == "?":
            parts.append("[\\s\\S]")
        else:
            parts.append(f"\\U{ord(char):08x}")
    return re.compile("\\A" + "".join(parts) + "\\Z")


def dynamic_programming_match(pattern: str, value: str) -> bool:
    """A second oracle with no regular expressions at all."""

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(value)
        if pattern[i] == "*":
            return match(i + 1, j) or (j < len(value) and match(i, j + 1))
        if j < len(value) and (pattern[i] == "?" or pattern[i] == value[j]):
            return match(i + 1, j + 1)
        return False

    return match(0, 0)


@settings(max_examples=400, deadline=None, database=None)
@given(patterns, values)
def test_wildcard_match_agrees_with_reference_translation(pattern: str, value: str) -> None:
    expected = reference_regex(pattern).match(value) is not None
    assert wildcard_match(pattern, value) is expected
    assert dynamic_programming_match(pattern, value) is expected


@settings(max_examples=200, deadline=None, database=None)
@given(patterns)
def test_wildcard_pattern_matches_its_own_instances(pattern: str) -> None:
    # Every '*' may match nothing and every '?' exactly one character; literal text matches itself.
    assert wildcard_match(pattern, pattern.replace("*", "").replace("?", "x")) is True
    assert wildcard_match(pattern, pattern.replace("*", "").replace("?", "")) is (pattern.count("?") == 0)


def reference_arn_match(pattern: str, value: str) -> bool:
    """Component by component: split both into at most six colon-delimited parts."""
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != len(value_parts):
        return False
    return all(dynamic_programming_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


@settings(max_examples=400, deadline=None, database=None)
@given(patterns.map(lambda p: "arn:" + p), values.map(lambda v: "arn:" + v))
def test_arn_match_agrees_with_component_reference(pattern: str, value: str) -> None:
    assert arn_match(pattern, value) is reference_arn_match(pattern, value)


# --- Robustness -------------------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True), st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
INTERESTING_STRINGS = [
    "*", "s3:*", "s3:ReplicateObject", "kms:Decrypt", "sts:AssumeRole", "Allow", "Deny", "2012-10-17",
    "arn:aws:s3:::dst-bucket/*", "arn:aws:s3:::dst-bucket/${aws:username}/${*}${?}${$}${x, 'd'}${",
    "arn:aws:iam::111122223333:root", ROLE, SESSION, "111122223333", "AROAEXAMPLEID12345678",
    "s3.amazonaws.com", "arn:aws:kms:*:111122223333:key/*", "arn:", "arn:aws:iam::*:role/*", "10.0.0.0/8",
    "2020-01-01T00:00:00Z", "1577836800", "true", "false", "QQ==", "", "::", "${aws:PrincipalAccount}",
]  # fmt: skip
OPERATORS = [
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
    "StringNotLike", "NumericEquals", "NumericLessThan", "NumericGreaterThanEquals", "DateEquals", "DateLessThan",
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotLike", "Null",
    "StringLikeIfExists", "ForAllValues:StringLike", "ForAnyValue:StringEquals", "ForAnyValue:ArnLikeIfExists",
    "stringEquals", "ForSome:StringEquals", "NullIfExists", "",
]  # fmt: skip
KEYS = ["kms:ViaService", "aws:SourceIp", "aws:CurrentTime", "aws:TagKeys", "s3:max-keys", "aws:username", "x"]

strings = st.one_of(st.sampled_from(INTERESTING_STRINGS), st.text(max_size=10))
string_or_list = st.one_of(strings, st.lists(strings, max_size=3), json_values)
principals = st.one_of(
    st.sampled_from(["*", {"AWS": "*"}, {"AWS": ROLE}, {"Service": "s3.amazonaws.com"}]),
    st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "Bogus"]), string_or_list, max_size=3
    ),
    json_values,
)
conditions = st.one_of(
    st.dictionaries(
        st.sampled_from(OPERATORS),
        st.one_of(st.dictionaries(st.sampled_from(KEYS), string_or_list, max_size=3), json_values),
        max_size=3,
    ),
    json_values,
)
statement_fields = {
    "Sid": st.one_of(strings, json_values),
    "Effect": st.one_of(st.sampled_from(["Allow", "Deny"]), json_values),
    "Action": string_or_list,
    "NotAction": string_or_list,
    "Resource": string_or_list,
    "NotResource": string_or_list,
    "Principal": principals,
    "NotPrincipal": principals,
    "Condition": conditions,
}
# Mostly well-formed statements (so evaluation gets past parsing), some with anything in any field.
plausible_statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.sampled_from(["*", "s3:*", "s3:ReplicateObject", "kms:Decrypt", "sts:AssumeRole"]),
    },
    optional={
        "Resource": st.sampled_from(["*", "arn:aws:s3:::dst-bucket/*", "arn:aws:s3:::dst-bucket/${aws:username}"]),
        "Principal": principals,
        "NotPrincipal": principals,
        "Condition": conditions,
        "NotAction": string_or_list,
    },
)
simple_statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.sampled_from(["*", "s3:Replicate*", "kms:*"]),
        "Resource": st.sampled_from(["*", "arn:aws:s3:::dst-bucket/*"]),
    },
    optional={"Principal": st.sampled_from(["*", {"AWS": ROLE}]), "Condition": conditions},
)
statements = st.one_of(
    simple_statements,
    plausible_statements,
    st.fixed_dictionaries({}, optional=statement_fields),  # type: ignore[arg-type]
    json_values,
)
policy_documents = st.fixed_dictionaries(
    {"Statement": st.one_of(st.lists(statements, max_size=4), statements)},
    optional={"Version": st.one_of(st.sampled_from(["2012-10-17", "2008-10-17"]), json_values), "Id": json_values},
)
documents = st.one_of(
    policy_documents,
    st.fixed_dictionaries({}, optional={"Version": json_values, "Statement": json_values}),
    json_values,
    st.text(max_size=20),
    st.builds(json.dumps, json_values),
)
contexts = st.dictionaries(
    st.sampled_from([*KEYS, "AWS:SourceIp", "aws:PrincipalAccount"]),
    st.one_of(strings, st.booleans(), st.integers(), st.lists(strings, max_size=3), st.none()),
    max_size=5,
)
requests = st.builds(
    Request,
    principal=st.one_of(st.sampled_from([ROLE, SESSION, "s3.amazonaws.com", "111122223333", ""]), st.text(max_size=10)),
    action=st.one_of(st.sampled_from(["s3:ReplicateObject", "kms:Decrypt", "sts:AssumeRole"]), st.text(max_size=8)),
    resource=st.one_of(st.sampled_from(["arn:aws:s3:::dst-bucket/a", "arn:aws:kms:us-east-1:444455556666:key/k"]),
                       st.text(max_size=10)),
    context=contexts,
)  # fmt: skip


def _decide_or_policy_error(call: Any) -> Any:
    try:
        return call()
    except PolicyError as error:
        assert str(error)
        return None


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    request=requests,
    identity=st.lists(st.one_of(policy_documents, policy_documents, documents), max_size=2),
    boundary=st.one_of(st.none(), policy_documents, documents),
    resource=st.one_of(st.none(), policy_documents, documents),
    kind=st.sampled_from(["s3", "kms", "role-trust"]),
    resource_account=st.one_of(st.none(), st.sampled_from([DST_ACCOUNT, "111122223333"]), st.text(max_size=4)),
)
def test_no_document_makes_evaluate_raise_anything_but_policy_error(
    request: Request, identity: list[Any], boundary: Any, resource: Any, kind: str, resource_account: Any
) -> None:
    result = _decide_or_policy_error(
        lambda: evaluate(request, identity_policies=identity, permission_boundary=boundary, resource_policy=resource,
                         resource_account=resource_account, resource_kind=kind)  # type: ignore[arg-type]
    )  # fmt: skip
    if result is None:
        return
    assert result.decision in ("allow", "explicit-deny", "implicit-deny")
    assert result.allowed is (result.decision == "allow")
    assert bool(result.missing) is (result.decision == "implicit-deny")
    assert bool(result.denying) is (result.decision == "explicit-deny")
    assert result.reason.startswith("Allowed: " if result.allowed else "Denied: ") and result.reason.endswith(".")


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents, kind=st.sampled_from([None, "identity", "boundary", "s3", "kms", "role-trust"]))
def test_no_document_makes_lint_raise_anything_but_policy_error(document: Any, kind: Any) -> None:
    findings = _decide_or_policy_error(lambda: lint(document, kind))
    if findings is None:
        return
    for finding in findings:
        assert finding.severity in ("error", "warning", "info")
        assert finding.code and finding.message


def test_deeply_nested_garbage_is_handled() -> None:
    nested: Any = "${aws:username}"
    for _ in range(5000):
        nested = [nested]
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": nested, "Condition": {"StringEquals": {"k": nested}}}
        ],
        "Id": nested,
    }
    result = evaluate(Request(ROLE, "s3:ReplicateObject", "arn:aws:s3:::dst-bucket/a"), identity_policies=[document])
    assert not result.allowed
    assert {finding.code for finding in lint(document)} >= {"invalid-resource", "invalid-condition"}
    with pytest.raises(PolicyError):
        lint("[" * 100_000 + "]" * 100_000)
