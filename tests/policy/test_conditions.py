"""Condition operators, absent keys, IfExists, Null, set operators and policy variables.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from policy_helpers import SRC_ACCOUNT, allow, condition_allows, decide, policy

VIA = "kms:ViaService"
S3_EAST = "s3.us-east-1.amazonaws.com"


# --- String ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("StringEquals", S3_EAST, S3_EAST, True),
        ("StringEquals", S3_EAST, "S3.US-EAST-1.AMAZONAWS.COM", False),  # values are case-sensitive
        ("StringEquals", "s3.*", S3_EAST, False),  # no wildcards in StringEquals
        ("StringNotEquals", S3_EAST, S3_EAST, False),
        ("StringNotEquals", S3_EAST, "s3.us-west-2.amazonaws.com", True),
        ("StringEqualsIgnoreCase", S3_EAST, "S3.US-EAST-1.AMAZONAWS.COM", True),
        ("StringNotEqualsIgnoreCase", S3_EAST, "S3.US-EAST-1.AMAZONAWS.COM", False),
        ("StringLike", "s3.*.amazonaws.com", S3_EAST, True),
        ("StringLike", "s3.us-east-?.amazonaws.com", S3_EAST, True),
        ("StringLike", "S3.*", S3_EAST, False),
        ("StringNotLike", "s3.*", S3_EAST, False),
        ("StringNotLike", "ec2.*", S3_EAST, True),
    ],
)
def test_string_operators(operator: str, policy_value: str, request_value: str, expected: bool) -> None:
    assert condition_allows({operator: {VIA: policy_value}}, {VIA: request_value}) is expected


def test_several_values_are_ored() -> None:
    condition = {"StringEquals": {VIA: ["s3.us-west-2.amazonaws.com", S3_EAST]}}
    assert condition_allows(condition, {VIA: S3_EAST})
    assert not condition_allows(condition, {VIA: "s3.eu-west-1.amazonaws.com"})


def test_negated_operator_with_several_values_is_a_nor() -> None:
    condition = {"StringNotEquals": {VIA: ["s3.us-west-2.amazonaws.com", S3_EAST]}}
    assert not condition_allows(condition, {VIA: S3_EAST})
    assert not condition_allows(condition, {VIA: "s3.us-west-2.amazonaws.com"})
    assert condition_allows(condition, {VIA: "s3.eu-west-1.amazonaws.com"})


def test_several_keys_in_one_operator_are_anded() -> None:
    condition = {"StringLike": {VIA: "s3.*", "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::src-bucket/*"}}
    both = {VIA: S3_EAST, "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::src-bucket/a"}
    assert condition_allows(condition, both)
    assert not condition_allows(condition, {**both, "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::src-bucket"})


def test_several_operators_are_anded() -> None:
    condition = {"StringEquals": {VIA: S3_EAST}, "Bool": {"aws:SecureTransport": "true"}}
    assert condition_allows(condition, {VIA: S3_EAST, "aws:SecureTransport": True})
    assert not condition_allows(condition, {VIA: S3_EAST, "aws:SecureTransport": False})
    assert not condition_allows(condition, {VIA: "x", "aws:SecureTransport": True})


def test_condition_key_names_are_case_insensitive_both_ways() -> None:
    assert condition_allows({"StringEquals": {"KMS:VIASERVICE": S3_EAST}}, {VIA: S3_EAST})
    assert condition_allows({"StringEquals": {VIA: S3_EAST}}, {"kms:viaservice": S3_EAST})


def test_bucket_key_vs_object_arn_encryption_context() -> None:
    # With S3 Bucket Keys the encryption context is the bucket ARN, so ".../*" stops matching (catalog §3.3).
    condition = {"StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::src-bucket/*"}}
    assert condition_allows(condition, {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::src-bucket/key"})
    assert not condition_allows(condition, {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::src-bucket"})


# --- Absent keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", False),
        ("StringLike", False),
        ("StringNotEquals", True),  # negated operators match an absent key
        ("StringNotLike", True),
        ("StringNotEqualsIgnoreCase", True),
        ("StringEqualsIfExists", True),
        ("StringLikeIfExists", True),
        ("StringNotEqualsIfExists", True),
        ("NumericLessThan", False),
        ("NumericNotEquals", True),
        ("NumericLessThanIfExists", True),
        ("DateGreaterThan", False),
        ("DateNotEquals", True),
        ("Bool", False),
        ("BoolIfExists", True),
        ("IpAddress", False),
        ("NotIpAddress", True),
        ("ArnLike", False),
        ("ArnNotLike", True),
        ("ArnEqualsIfExists", True),
        ("BinaryEquals", False),
        ("ForAllValues:StringEquals", True),  # ForAllValues on an absent key matches
        ("ForAnyValue:StringEquals", False),
        ("ForAnyValue:StringEqualsIfExists", True),
        ("ForAllValues:StringNotEquals", True),
    ],
)
def test_absent_key(operator: str, expected: bool) -> None:
    value = {"Numeric": "10", "Date": "2020-01-01T00:00:00Z", "Bool": "true", "IpAdd": "10.0.0.0/8",
             "NotIp": "10.0.0.0/8", "ArnLi": "arn:aws:s3:::x", "ArnNo": "arn:aws:s3:::x",
             "ArnEq": "arn:aws:s3:::x", "Binar": "QQ=="}  # fmt: skip
    base = operator.split(":")[-1]
    policy_value = next((v for prefix, v in value.items() if base.startswith(prefix)), "x")
    assert condition_allows({operator: {"test:Key": policy_value}}, {}) is expected


def test_ifexists_still_checks_a_present_key() -> None:
    condition = {"StringLikeIfExists": {"s3:x-amz-server-side-encryption": ["aws:kms", "AES256"]}}
    assert condition_allows(condition, {"s3:x-amz-server-side-encryption": "aws:kms"})
    assert not condition_allows(condition, {"s3:x-amz-server-side-encryption": "aws:kms:dsse"})


def test_deny_with_negated_ifexists_still_denies_when_the_key_is_missing() -> None:
    document = policy(allow(), {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "storage"}}})  # fmt: skip
    assert decide(identity_policies=[document], resource_account=SRC_ACCOUNT).decision == "explicit-deny"


# --- Null -----------------------------------------------------------------------------------------------


def test_null_checks_presence() -> None:
    assert condition_allows({"Null": {"aws:TokenIssueTime": "true"}}, {})
    assert not condition_allows({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "2020-01-01"})
    assert condition_allows({"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "2020-01-01"})
    assert not condition_allows({"Null": {"aws:TokenIssueTime": False}}, {})


# --- Numeric / Date / Bool / Binary / IP / ARN -----------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("NumericEquals", "10", 10, True),
        ("NumericEquals", "10", "10.0", True),
        ("NumericNotEquals", "10", "11", True),
        ("NumericLessThan", "10", "9.5", True),
        ("NumericLessThan", "10", "10", False),
        ("NumericLessThanEquals", "10", "10", True),
        ("NumericGreaterThan", 10, "11", True),
        ("NumericGreaterThanEquals", "10", "9", False),
        ("NumericEquals", "10", "ten", False),
    ],
)
def test_numeric(operator: str, policy_value: Any, request_value: Any, expected: bool) -> None:
    assert condition_allows({operator: {"s3:max-keys": policy_value}}, {"s3:max-keys": request_value}) is expected


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("DateEquals", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00+00:00", True),
        ("DateEquals", "2020-01-01T00:00:00Z", "1577836800", True),  # epoch seconds
        ("DateEquals", "1577836800", "2020-01-01T00:00:00Z", True),
        ("DateNotEquals", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", True),
        ("DateLessThan", "2020-01-01T00:00:00Z", "2019-12-31T23:59:59Z", True),
        ("DateLessThan", "2020-01-01", "2020-01-01T00:00:01Z", False),
        ("DateLessThanEquals", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", True),
        ("DateGreaterThan", "2020-01-01T00:00:00Z", "2020-01-01T01:00:00+02:00", False),  # 23:00 UTC the day before
        ("DateGreaterThanEquals", "2020-01-01T00:00:00Z", "2020-06-01T00:00:00Z", True),
    ],
)
def test_dates(operator: str, policy_value: str, request_value: str, expected: bool) -> None:
    assert (
        condition_allows({operator: {"aws:CurrentTime": policy_value}}, {"aws:CurrentTime": request_value}) is expected
    )


@pytest.mark.parametrize(
    ("policy_value", "request_value", "expected"),
    [("true", True, True), ("true", "true", True), (True, "TRUE", True), ("false", True, False), (False, False, True)],
)
def test_bool(policy_value: Any, request_value: Any, expected: bool) -> None:
    condition = {"Bool": {"aws:SecureTransport": policy_value}}
    assert condition_allows(condition, {"aws:SecureTransport": request_value}) is expected


def test_binary_equals_compares_bytes() -> None:
    encoded = base64.b64encode(b"BinaryValueInBase64").decode()
    assert condition_allows({"BinaryEquals": {"test:bin": encoded}}, {"test:bin": encoded})
    assert not condition_allows({"BinaryEquals": {"test:bin": encoded}}, {"test:bin": base64.b64encode(b"x").decode()})


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
        ("IpAddress", "203.0.113.0/24", "203.0.114.7", False),
        ("IpAddress", "203.0.113.7", "203.0.113.7", True),  # no prefix means /32
        ("IpAddress", "203.0.113.7", "203.0.113.8", False),
        ("IpAddress", "2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", True),
        ("IpAddress", "203.0.113.0/24", "2001:db8::1", False),
        ("NotIpAddress", "203.0.113.0/24", "198.51.100.1", True),
        ("NotIpAddress", ["203.0.113.0/24", "198.51.100.0/24"], "198.51.100.1", False),
    ],
)
def test_ip_address(operator: str, policy_value: Any, request_value: str, expected: bool) -> None:
    assert condition_allows({operator: {"aws:SourceIp": policy_value}}, {"aws:SourceIp": request_value}) is expected


@pytest.mark.parametrize(
    ("operator", "policy_value", "expected"),
    [
        ("ArnEquals", "arn:aws:s3:::src-bucket", True),
        ("ArnLike", "arn:aws:s3:::src-*", True),
        ("ArnLike", "arn:aws:s3:::other", False),
        ("ArnNotEquals", "arn:aws:s3:::src-bucket", False),
        ("ArnNotLike", "arn:aws:s3:::other*", True),
        ("ArnLike", "arn:aws:*:::src-bucket", True),
        ("ArnLike", "arn:aws:s3*src-bucket", False),  # not six components: '*' cannot stand for colons
    ],
)
def test_arn_operators(operator: str, policy_value: str, expected: bool) -> None:
    context = {"aws:SourceArn": "arn:aws:s3:::src-bucket"}
    assert condition_allows({operator: {"aws:SourceArn": policy_value}}, context) is expected


# --- Set operators on multivalued keys -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "request_values", "expected"),
    [
        ("ForAllValues:StringEquals", ["a", "b"], True),
        ("ForAllValues:StringEquals", ["a", "z"], False),
        ("ForAllValues:StringEquals", [], True),  # empty data set
        ("ForAnyValue:StringEquals", ["z", "b"], True),
        ("ForAnyValue:StringEquals", ["y", "z"], False),
        ("ForAnyValue:StringEquals", [], False),
        ("ForAnyValue:StringNotEquals", ["a", "z"], True),  # z matches none of the policy values
        ("ForAnyValue:StringNotEquals", ["a", "b"], False),
        ("ForAllValues:StringNotEquals", ["y", "z"], True),
        ("ForAllValues:StringNotEquals", ["a", "z"], False),
        ("ForAllValues:StringLike", ["a1", "b2"], True),
    ],
)
def test_set_operators(operator: str, request_values: list[str], expected: bool) -> None:
    values = ["a*", "b*"] if operator.endswith("StringLike") else ["a", "b", "c"]
    assert condition_allows({operator: {"aws:TagKeys": values}}, {"aws:TagKeys": request_values}) is expected


def test_empty_string_is_an_empty_data_set_for_set_operators() -> None:
    assert condition_allows({"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": ""})
    assert not condition_allows({"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": ""})


def test_list_value_without_set_operator_matches_when_any_element_does() -> None:
    assert condition_allows({"StringEquals": {"aws:TagKeys": "b"}}, {"aws:TagKeys": ["a", "b"]})
    assert not condition_allows({"StringNotEquals": {"aws:TagKeys": "b"}}, {"aws:TagKeys": ["a", "b"]})


# --- Unknown operators, variables, malformed values -------------------------------------------------------


def test_unknown_operator_means_the_statement_does_not_apply() -> None:
    # IAM rejects "stringEquals" (operator names are case-sensitive), so such a statement never applies.
    assert not condition_allows({"stringEquals": {VIA: S3_EAST}}, {VIA: S3_EAST})
    assert not condition_allows({"StringEqualz": {VIA: S3_EAST}}, {VIA: S3_EAST})
    assert not condition_allows({"ForSomeValues:StringEquals": {VIA: S3_EAST}}, {VIA: S3_EAST})
    assert not condition_allows({"NullIfExists": {VIA: "true"}}, {})
    deny_unknown = policy(allow(), {"Effect": "Deny", "Action": "*", "Resource": "*",
                                    "Condition": {"StringEqualsAny": {VIA: S3_EAST}}})  # fmt: skip
    result = decide(identity_policies=[deny_unknown], resource_account=SRC_ACCOUNT, context={VIA: S3_EAST})
    assert result.allowed
    assert any("unknown condition operator StringEqualsAny" in note for note in result.notes)


@pytest.mark.parametrize(
    "condition",
    [
        {"NumericEquals": {"s3:max-keys": "ten"}},
        {"DateEquals": {"aws:CurrentTime": "yesterday"}},
        {"IpAddress": {"aws:SourceIp": "300.1.1.1"}},
        {"Bool": {"aws:SecureTransport": "yes"}},
        {"StringEquals": {VIA: []}},
        {"StringEquals": {VIA: {"nested": "object"}}},
        {"StringEquals": "not-an-object"},
        "not-an-object",
    ],
)
def test_malformed_conditions_never_apply(condition: Any) -> None:
    context = {"s3:max-keys": "10", "aws:CurrentTime": "2020-01-01T00:00:00Z", "aws:SourceIp": "1.1.1.1",
               "aws:SecureTransport": "true", VIA: S3_EAST}  # fmt: skip
    assert not condition_allows(condition, context)


def test_variables_in_string_condition_values() -> None:
    condition = {"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}
    assert condition_allows(condition, {"s3:prefix": "home/alice/x", "aws:username": "alice"})
    assert not condition_allows(condition, {"s3:prefix": "home/bob/x", "aws:username": "alice"})


def test_variables_in_arn_condition_values() -> None:
    condition = {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::${aws:PrincipalTag/bucket}"}}
    context = {"aws:SourceArn": "arn:aws:s3:::src-bucket", "aws:PrincipalTag/bucket": "src-bucket"}
    assert condition_allows(condition, context)


def test_variables_are_not_substituted_in_numeric_conditions() -> None:
    assert not condition_allows({"NumericEquals": {"s3:max-keys": "${test:limit}"}}, {"s3:max-keys": "5",
                                                                                       "test:limit": "5"})  # fmt: skip


def test_unresolved_variable_in_a_positive_condition_makes_the_statement_not_apply() -> None:
    assert not condition_allows({"StringEquals": {"s3:prefix": "home/${aws:username}"}}, {"s3:prefix": "home/"})
    defaulted = {"StringEquals": {"s3:prefix": "home/${aws:username, 'nobody'}"}}
    assert condition_allows(defaulted, {"s3:prefix": "home/nobody"})


def test_unresolved_variable_in_a_negated_condition_matches_nothing_so_the_condition_holds() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html (policy variables
    with no value): with StringNotEquals and ${aws:PrincipalTag/...} on an untagged principal, AWS's example
    is explicitly denied: the missing value equals nothing, so "not equals" is true."""
    condition = {"StringNotEquals": {"s3:prefix": "home/${aws:username}"}}
    assert condition_allows(condition, {"s3:prefix": "elsewhere"})
    assert condition_allows({"StringNotLike": {"s3:prefix": ["${aws:username}/*"]}}, {"s3:prefix": "x"})
    both = {"StringNotEquals": {"s3:prefix": ["${aws:username}", "elsewhere"]}}
    assert not condition_allows(both, {"s3:prefix": "elsewhere"})  # a resolved value still matches
    any_value = {"ForAnyValue:StringNotEquals": {"aws:TagKeys": "${aws:PrincipalTag/team}"}}
    assert condition_allows(any_value, {"aws:TagKeys": ["a"]})


def test_deny_with_negated_unresolved_variable_explicitly_denies() -> None:
    from policy_helpers import policy

    from s3repl_tui.policy import Request, evaluate

    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalTag/Account}"}}}
    allow = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    request = Request("arn:aws:iam::111122223333:role/r", "s3:GetObject", "arn:aws:s3:::b/k",
                      {"aws:ResourceAccount": "111122223333"})
    assert evaluate(request, [policy(allow, deny)]).decision == "explicit-deny"
    tagged = Request(request.principal, request.action, request.resource,
                     {**request.context, "aws:PrincipalTag/Account": "111122223333"})
    assert evaluate(tagged, [policy(allow, deny)]).decision == "allow"


def test_condition_values_may_be_json_scalars() -> None:
    assert condition_allows({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"})
    assert condition_allows({"NumericLessThanEquals": {"s3:max-keys": 10}}, {"s3:max-keys": 3})
    assert condition_allows(
        {"StringEquals": {"aws:MultiFactorAuthPresent": True}}, {"aws:MultiFactorAuthPresent": True}
    )
