"""lint(): each rule, tied to the statement it came from."""

from __future__ import annotations

from typing import Any

import pytest
from policy_helpers import ROLE, SRC_ACCOUNT, allow, grant, policy

from s3repl_tui.policy import LintFinding, NamedPolicy, PolicyError, lint


def codes(document: Any, kind: Any = None) -> list[str]:
    return [finding.code for finding in lint(document, kind)]


def only(document: Any, code: str, kind: Any = None) -> LintFinding:
    found = [finding for finding in lint(document, kind) if finding.code == code]
    assert len(found) == 1, lint(document, kind)
    return found[0]


MINIMUM_ROLE_POLICY = policy(
    allow(action=["s3:GetReplicationConfiguration", "s3:ListBucket"], resource=["arn:aws:s3:::src-bucket"]),
    allow(action=["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
          resource=["arn:aws:s3:::src-bucket/*"]),
    allow(action=["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], resource="arn:aws:s3:::dst-bucket/*"),
)  # fmt: skip


def test_clean_documents_have_no_findings() -> None:
    assert lint(MINIMUM_ROLE_POLICY) == []
    bucket = policy(grant({"AWS": ROLE}, action=["s3:ReplicateDelete", "s3:ReplicateObject"], Sid="Objects"))
    assert lint(bucket) == []
    trust = policy({"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"})
    assert lint(trust, "role-trust") == []


def test_unknown_action_with_suggestion_and_statement_position() -> None:
    document = policy(allow(action="s3:GetObject"), allow(action="s3:ReplicateObjects", Sid="Replicate"))
    finding = only(document, "unknown-action")
    assert (finding.index, finding.sid, finding.severity) == (1, "Replicate", "error")
    assert "s3:ReplicateObjects" in finding.message and "Did you mean s3:ReplicateObject?" in finding.message


def test_action_checks() -> None:
    assert codes(policy(allow(action="s3:replicateobject"))) == []  # case-insensitive
    assert codes(policy(allow(action="s3:Replicate*"))) == []
    assert codes(policy(allow(action="s3:Replikate*"))) == ["unknown-action"]
    assert codes(policy(allow(action="ec2:RunInstances"))) == []  # service not catalogued: no opinion
    assert codes(policy(allow(action="ReplicateObject"))) == ["action-without-service"]
    assert codes(policy(allow(action=[5]))) == ["invalid-action"]
    assert codes(policy(allow(action=[]))) == ["empty-action"]
    assert codes(policy({"Effect": "Allow", "NotAction": "kms:Decrypts", "Resource": "*"})) == ["unknown-action"]
    assert codes(policy(allow(action="s3:GetObjectVersionAnnotationForReplication"))) == []  # supplement


def test_malformed_arns() -> None:
    cases = {
        "arn:aws:s3:us-east-1:111122223333:dst-bucket/*": "region or account",
        "dst-bucket/*": "is not an ARN",
        "arn:aws:kms:us-east-1:1111:key/abc": "12-digit",
        "arn:aws:kms:us-east-1:111122223333:abc": "neither key/",
        "arn:awz:s3:::dst-bucket": "partition",
        "arn:aws:iam:us-east-1:111122223333:role/r": "empty region",
    }
    for resource, words in cases.items():
        finding = only(policy(allow(resource=resource)), "malformed-arn")
        assert words in finding.message, (resource, finding.message)
    fine = ["*", "arn:aws:s3:::dst-bucket", "arn:aws:kms:*:111122223333:key/*", "arn:aws:s3:us-east-1:111122223333:accesspoint/ap",
            "arn:aws:kms:us-east-1:111122223333:alias/replica", "arn:aws-cn:s3:::b/*"]  # fmt: skip
    assert codes(policy(allow(resource=fine))) == []


def test_missing_and_conflicting_elements() -> None:
    assert codes(policy({"Action": "s3:GetObject", "Resource": "*"})) == ["missing-effect"]
    assert codes(policy(allow(**{"Effect": "allow"}))) == ["invalid-effect"]
    assert codes(policy({"Effect": "Allow", "Resource": "*"})) == ["missing-action"]
    assert codes(policy(allow(NotAction="s3:GetObject"))) == ["action-and-notaction"]
    assert codes(policy(allow(NotResource="*"))) == ["resource-and-notresource"]
    assert codes(policy(allow(resource=None))) == ["missing-resource"]
    assert codes(policy(allow(Resources="*"))) == ["unknown-element"]
    assert codes({"Version": "2012-10-17"}) == ["missing-statement"]
    assert codes({"Version": "2012-10-17", "Statement": "x"}) == ["invalid-statement"]
    assert codes({"Version": "2012-10-17", "Statement": [1]}) == ["invalid-statement"]
    assert codes({"Version": "2012-10-17", "Statement": [], "Statements": []}) == ["unknown-element"]
    assert codes({"Version": "2012-10-18", "Statement": []}) == ["invalid-version"]


def test_missing_version() -> None:
    assert only(policy(allow(), version=None), "missing-version").severity == "info"
    with_variable = policy(allow(resource="arn:aws:s3:::dst-bucket/${aws:username}/*"), version=None)
    assert only(with_variable, "missing-version").severity == "warning"


def test_duplicate_sids() -> None:
    finding = only(policy(allow(Sid="A"), allow(Sid="A")), "duplicate-sid")
    assert finding.index is None and '"A"' in finding.message


def test_principal_rules() -> None:
    assert codes(policy(allow(Principal="*")), "identity") == ["principal-in-identity-policy"]
    assert codes(policy(allow()), "s3") == ["missing-principal"]
    assert codes(policy(grant({"AWS": ROLE}, NotPrincipal={"AWS": ROLE}))) == ["principal-and-notprincipal"]
    assert codes(policy(grant({"Group": "x"}))) == ["invalid-principal"]
    assert codes(policy(grant({"AWS": f"arn:aws:iam::{SRC_ACCOUNT}:role/service-role/*"}))) == ["wildcard-in-principal"]
    assert codes(policy(grant({"AWS": "bob"}))) == ["malformed-principal"]
    assert codes(policy(grant("*"))) == ["public-allow"]
    assert codes(policy(grant("*", Condition={"StringEquals": {"aws:PrincipalAccount": SRC_ACCOUNT}}))) == []
    allow_np = policy({"Effect": "Allow", "NotPrincipal": {"AWS": ROLE}, "Action": "s3:*", "Resource": "*"})
    assert codes(allow_np) == ["notprincipal-with-allow"]
    deny_np = policy({"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "s3:*", "Resource": "*"})
    assert codes(deny_np) == ["notprincipal-with-deny"]


def test_stale_unique_id_principal() -> None:
    document = policy(grant({"AWS": ["AROA3XFRBF535PLBIFPI4", ROLE]}, Sid="Replication"))
    finding = only(document, "stale-principal")
    assert (finding.index, finding.sid) == (0, "Replication")
    assert "AROA3XFRBF535PLBIFPI4" in finding.message and "deleted" in finding.message


def test_kind_inference() -> None:
    # With a Principal anywhere the document is a resource policy, so a statement without one is flagged.
    document = policy(grant({"AWS": ROLE}), allow())
    assert codes(document) == ["missing-principal"]
    assert codes(policy(grant({"AWS": ROLE}, resource=None)), "kms") == []
    assert codes(policy(grant({"AWS": ROLE}, resource="arn:aws:kms:us-east-1:111122223333:key/k")), "kms") == [
        "kms-resource-not-star"
    ]


def test_unknown_condition_operator() -> None:
    document = policy(allow(Condition={"stringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}))
    finding = only(document, "unknown-condition-operator")
    assert "Did you mean StringEquals?" in finding.message
    finding = only(policy(allow(Condition={"forallvalues:StringLikeifexists": {"aws:TagKeys": "a"}})),
                   "unknown-condition-operator")  # fmt: skip
    assert "ForAllValues:StringLikeIfExists" in finding.message


def test_invalid_condition_values() -> None:
    assert codes(policy(allow(Condition={"NumericLessThan": {"s3:max-keys": "ten"}}))) == ["invalid-condition"]
    assert codes(policy(allow(Condition={"IpAddress": {"aws:SourceIp": "999.1.1.1/8"}}))) == ["invalid-condition"]
    assert codes(policy(allow(Condition={"Null": {"aws:TokenIssueTime": "maybe"}}))) == ["invalid-condition"]
    assert codes(policy(allow(Condition=["StringEquals"]))) == ["invalid-condition"]


@pytest.mark.parametrize(
    "condition",
    [
        # The same key (names are case-insensitive) required to equal two different values.
        {"StringEquals": {"aws:SourceAccount": "111122223333", "AWS:SourceAccount": "444455556666"}},
        {
            "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
            "StringEqualsIgnoreCase": {"kms:ViaService": "s3.us-west-2.amazonaws.com"},
        },
        {
            "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
            "StringNotEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com", "x"]},
        },
        {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}, "StringNotLike": {"kms:ViaService": "s3.*"}},
        {"Null": {"kms:ViaService": "true"}, "StringLike": {"kms:ViaService": "s3.*"}},
        {"Bool": {"aws:SecureTransport": "true", "AWS:securetransport": "false"}},
        {"NumericLessThan": {"s3:max-keys": "5"}, "NumericGreaterThan": {"s3:max-keys": "10"}},
        {"NumericLessThan": {"s3:max-keys": "5"}, "NumericGreaterThanEquals": {"s3:max-keys": "5"}},
        {"NumericEquals": {"s3:max-keys": ["20", "30"]}, "NumericLessThanEquals": {"s3:max-keys": "10"}},
        {
            "DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        },
    ],
)
def test_impossible_conditions(condition: dict[str, Any]) -> None:
    finding = only(policy(allow(Condition=condition, Sid="Never")), "impossible-condition")
    assert finding.sid == "Never"


@pytest.mark.parametrize(
    "condition",
    [
        {
            "StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com", "s3.us-west-2.amazonaws.com"]},
            "StringEqualsIgnoreCase": {"kms:ViaService": "S3.US-WEST-2.AMAZONAWS.COM"},
        },
        {
            "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
            "StringNotLike": {"kms:ViaService": "ec2.*"},
        },
        {"Null": {"kms:ViaService": "true"}, "StringNotEquals": {"kms:ViaService": "x"}},
        {"Null": {"kms:ViaService": "true"}, "StringLikeIfExists": {"kms:ViaService": "s3.*"}},
        {"NumericLessThanEquals": {"s3:max-keys": "5"}, "NumericGreaterThanEquals": {"s3:max-keys": "5"}},
        {"NumericLessThan": {"s3:max-keys": ["5", "50"]}, "NumericGreaterThan": {"s3:max-keys": "10"}},
        {"StringEquals": {"aws:username": "${aws:userid}"}, "StringNotEquals": {"aws:username": "alice"}},
        {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}, "ForAnyValue:StringNotEquals": {"aws:TagKeys": "a"}},
    ],
)
def test_possible_conditions_are_not_flagged(condition: dict[str, Any]) -> None:
    assert "impossible-condition" not in codes(policy(allow(Condition=condition)))


def test_set_operator_warnings() -> None:
    document = policy(allow(Condition={"ForAnyValue:StringEquals": {"aws:SourceAccount": SRC_ACCOUNT}}))
    assert codes(document) == ["set-operator-on-single-valued-key"]
    document = policy(allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}))
    assert codes(document) == ["forallvalues-allow"]
    document = policy(allow(Condition={"ForAllValues:StringEqualsIfExists": {"aws:TagKeys": ["a", "b"]}}))
    assert codes(document) == []


def test_variables_rules() -> None:
    before_fifth_colon = policy(allow(action="kms:Decrypt", resource="arn:aws:kms:*:${aws:PrincipalAccount}:key/*"))
    assert codes(before_fifth_colon) == ["variable-outside-resource-part"]
    old_version = policy(allow(Condition={"StringLike": {"s3:prefix": "home/${aws:username}/*"}}), version="2008-10-17")
    assert codes(old_version) == ["variables-without-version"]


def test_lint_accepts_text_and_named_policies_and_rejects_non_objects() -> None:
    named = NamedPolicy("inline:Repl", policy(allow(action="s3:ReplicateObjects")))
    assert only(named, "unknown-action").policy == "inline:Repl"
    assert lint('{"Version": "2012-10-17", "Statement": []}') == []
    for bad in ("[]", "nope", 3, None):
        with pytest.raises(PolicyError):
            lint(bad)
