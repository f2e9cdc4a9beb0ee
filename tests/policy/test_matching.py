"""Wildcards, ARN components, action/resource case rules and policy variables."""

from __future__ import annotations

import pytest
from policy_helpers import SRC_ACCOUNT, allow, decide, policy

from s3repl_tui.policy import arn_match, parse_arn, wildcard_match
from s3repl_tui.policy.matching import Matcher, normalize_context


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "", True),
        ("*", "anything at all", True),
        ("a*c", "abc", True),
        ("a*c", "ac", True),
        ("a*c", "abd", False),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a?c", "abbc", False),
        ("photos/*.jpg", "photos/2024/cat.jpg", True),
        ("a.c", "abc", False),  # regex metacharacters are literal
        ("a+b", "a+b", True),
        ("(x)", "(x)", True),
        ("[ab]", "a", False),
        ("line*", "line1\nline2", True),  # '*' also crosses newlines
    ],
)
def test_wildcard_match(pattern: str, value: str, expected: bool) -> None:
    assert wildcard_match(pattern, value) is expected


def test_wildcards_are_case_sensitive_unless_asked() -> None:
    assert not wildcard_match("Photos/*", "photos/x")
    assert wildcard_match("Photos/*", "photos/x", ignore_case=True)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("arn:aws:s3:::dst-bucket/*", "arn:aws:s3:::dst-bucket/a/b:c", True),
        ("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/abc", True),
        # A wildcard inside one component does not swallow the next colon (AWS's ArnLike example).
        (
            "arn:aws:someservice:*:111122223333:finance/*",
            "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
            False,
        ),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/service-role/r", True),
        ("arn:aws:iam::1111222233?3:role/r", "arn:aws:iam::111122223333:role/r", True),
        ("arn:aws:iam::*:role/r", "arn:aws:iam::111122223333:user/r", False),
    ],
)
def test_arn_match_is_component_wise(pattern: str, value: str, expected: bool) -> None:
    assert arn_match(pattern, value) is expected


def test_stringlike_would_match_where_arnlike_does_not() -> None:
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    assert wildcard_match(pattern, value)
    assert not arn_match(pattern, value)


def test_parse_arn() -> None:
    arn = parse_arn("arn:aws:s3:::bucket/key:with:colons")
    assert arn is not None
    assert (arn.partition, arn.service, arn.region, arn.account, arn.resource) == (
        "aws", "s3", "", "", "bucket/key:with:colons",
    )  # fmt: skip
    assert parse_arn("arn:aws:s3:::") is None
    assert parse_arn("not-an-arn") is None
    assert parse_arn("arn:aws:iam") is None


def test_actions_are_case_insensitive_in_service_and_name() -> None:
    document = policy(allow(action="S3:replicateOBJECT"))
    assert decide(action="s3:ReplicateObject", identity_policies=[document], resource_account=SRC_ACCOUNT).allowed
    document = policy(allow(action="s3:Replicate*"))
    assert decide(action="S3:REPLICATEDELETE", identity_policies=[document], resource_account=SRC_ACCOUNT).allowed


def test_action_wildcards() -> None:
    for pattern, expected in [("*", True), ("s3:*", True), ("s3:Replicate?bject", True), ("kms:*", False),
                              ("s3:Get*", False)]:  # fmt: skip
        document = policy(allow(action=pattern))
        result = decide(identity_policies=[document], resource_account=SRC_ACCOUNT)
        assert result.allowed is expected, pattern


def test_resources_are_case_sensitive() -> None:
    document = policy(allow(resource="arn:aws:s3:::DST-BUCKET/*"))
    assert not decide(identity_policies=[document], resource_account=SRC_ACCOUNT).allowed


def test_resource_list_and_string_forms() -> None:
    as_list = policy(allow(resource=["arn:aws:s3:::other/*", "arn:aws:s3:::dst-bucket/photos/*"]))
    assert decide(identity_policies=[as_list], resource_account=SRC_ACCOUNT).allowed
    bucket_only = policy(allow(resource="arn:aws:s3:::dst-bucket"))
    assert not decide(identity_policies=[bucket_only], resource_account=SRC_ACCOUNT).allowed


# Policy variables: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
def test_variable_in_resource_is_substituted_from_context() -> None:
    document = policy(allow(resource="arn:aws:s3:::dst-bucket/${aws:username}/*"))
    ok = decide(resource="arn:aws:s3:::dst-bucket/alice/x", context={"aws:username": "alice"},
                identity_policies=[document], resource_account=SRC_ACCOUNT)  # fmt: skip
    other = decide(resource="arn:aws:s3:::dst-bucket/bob/x", context={"aws:username": "alice"},
                   identity_policies=[document], resource_account=SRC_ACCOUNT)  # fmt: skip
    assert ok.allowed and not other.allowed


def test_variable_key_lookup_is_case_insensitive() -> None:
    document = policy(allow(resource="arn:aws:s3:::dst-bucket/${AWS:UserName}/*"))
    result = decide(resource="arn:aws:s3:::dst-bucket/alice/x", context={"aws:username": "alice"},
                    identity_policies=[document], resource_account=SRC_ACCOUNT)  # fmt: skip
    assert result.allowed


def test_unresolvable_variable_makes_statement_not_apply() -> None:
    document = policy(allow(resource="arn:aws:s3:::dst-bucket/${aws:username}/*"))
    result = decide(resource="arn:aws:s3:::dst-bucket/alice/x", identity_policies=[document],
                    resource_account=SRC_ACCOUNT)  # fmt: skip
    assert not result.allowed
    assert any("policy variable" in note for note in result.notes)
    # ... and a Deny with an unresolvable variable denies nothing.
    both = policy(
        allow(), {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::dst-bucket/${aws:username}/*"}
    )
    assert decide(identity_policies=[both], resource_account=SRC_ACCOUNT).allowed


def test_variable_default_value() -> None:
    document = policy(allow(resource="arn:aws:s3:::dst-bucket/${aws:username, 'anonymous'}/*"))
    result = decide(resource="arn:aws:s3:::dst-bucket/anonymous/x", identity_policies=[document],
                    resource_account=SRC_ACCOUNT)  # fmt: skip
    assert result.allowed


@pytest.mark.parametrize(
    ("resource_pattern", "matching", "not_matching"),
    [
        ("arn:aws:s3:::dst-bucket/a${*}b", "arn:aws:s3:::dst-bucket/a*b", "arn:aws:s3:::dst-bucket/axxb"),
        ("arn:aws:s3:::dst-bucket/a${?}b", "arn:aws:s3:::dst-bucket/a?b", "arn:aws:s3:::dst-bucket/axb"),
        ("arn:aws:s3:::dst-bucket/a${$}b", "arn:aws:s3:::dst-bucket/a$b", "arn:aws:s3:::dst-bucket/a${$}b"),
    ],
)
def test_special_character_variables_are_literal(resource_pattern: str, matching: str, not_matching: str) -> None:
    document = policy(allow(resource=resource_pattern))
    assert decide(resource=matching, identity_policies=[document], resource_account=SRC_ACCOUNT).allowed
    assert not decide(resource=not_matching, identity_policies=[document], resource_account=SRC_ACCOUNT).allowed


def test_substituted_values_are_literal_not_wildcards() -> None:
    document = policy(allow(resource="arn:aws:s3:::dst-bucket/${aws:username}/x"))
    for username, resource in [("*", "arn:aws:s3:::dst-bucket/alice/x"), ("a.c", "arn:aws:s3:::dst-bucket/abc/x")]:
        result = decide(resource=resource, context={"aws:username": username}, identity_policies=[document],
                        resource_account=SRC_ACCOUNT)  # fmt: skip
        assert not result.allowed, username
    exact = decide(resource="arn:aws:s3:::dst-bucket/a.c/x", context={"aws:username": "a.c"},
                   identity_policies=[document], resource_account=SRC_ACCOUNT)  # fmt: skip
    assert exact.allowed


def test_without_version_2012_variables_are_literal_text() -> None:
    document = policy(allow(resource="arn:aws:s3:::dst-bucket/${aws:username}/*"), version="2008-10-17")
    literal = decide(resource="arn:aws:s3:::dst-bucket/${aws:username}/x", context={"aws:username": "alice"},
                     identity_policies=[document], resource_account=SRC_ACCOUNT)  # fmt: skip
    substituted = decide(resource="arn:aws:s3:::dst-bucket/alice/x", context={"aws:username": "alice"},
                         identity_policies=[document], resource_account=SRC_ACCOUNT)  # fmt: skip
    assert literal.allowed and not substituted.allowed


def test_principal_account_variable() -> None:
    document = policy(allow(resource="arn:aws:s3:::dst-bucket/${aws:PrincipalAccount}/*"))
    context = {"aws:PrincipalAccount": SRC_ACCOUNT}
    own = decide(resource=f"arn:aws:s3:::dst-bucket/{SRC_ACCOUNT}/x", context=context,
                 identity_policies=[document], resource_account=SRC_ACCOUNT)  # fmt: skip
    other = decide(resource="arn:aws:s3:::dst-bucket/999999999999/x", context=context,
                   identity_policies=[document], resource_account=SRC_ACCOUNT)  # fmt: skip
    assert own.allowed and not other.allowed
    matcher = Matcher("arn:aws:kms:*:${aws:PrincipalAccount}:key/*", "arn", variables=True)
    assert matcher.matches(f"arn:aws:kms:us-east-1:{SRC_ACCOUNT}:key/k", normalize_context(context))


def test_multivalued_context_key_cannot_be_a_variable() -> None:
    matcher = Matcher("x/${aws:TagKeys}", "glob", variables=True)
    assert matcher.matches("x/a", normalize_context({"aws:TagKeys": ["a"]})) is None


def test_normalize_context() -> None:
    context = normalize_context({"AWS:SecureTransport": True, "s3:max-keys": 10, "aws:TagKeys": ["a", "b"], "x": None})
    assert context == {"aws:securetransport": "true", "s3:max-keys": "10", "aws:tagkeys": ("a", "b")}
