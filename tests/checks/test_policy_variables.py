"""A policy variable with no value inside a negated operator (issue 11).

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html: a Deny whose
``StringNotEquals`` compares against ``${aws:PrincipalTag/...}`` of an untagged principal explicitly
denies. The role's tags come from GetRole (principal tags of its sessions are the role's tags:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag).
"""

from __future__ import annotations

from checks_helpers import ACCOUNT_A, ACCOUNT_B, DST, Seed, errors

DENY_OTHER_TEAMS = {"Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalTag/DestAccount}"}}}


def test_untagged_role_is_denied_by_its_own_policy(seed: Seed) -> None:
    seed.documents["inline"]["Statement"].append(DENY_OTHER_TEAMS)
    report = seed.report()
    assert "role-policy-denies" in errors(report, "service-role"), [f.code for f in report.findings]


def test_a_tagged_role_resolves_the_variable(seed: Seed) -> None:
    seed.documents["inline"]["Statement"].append(DENY_OTHER_TEAMS)
    seed.role_tags = [{"Key": "DestAccount", "Value": ACCOUNT_B}]
    report = seed.report()
    assert "role-policy-denies" not in [f.code for f in report.findings]


def test_bucket_policy_deny_on_an_untagged_principal_fails(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:ReplicateObject", "Resource": f"arn:aws:s3:::{DST}/*",
         "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "${aws:PrincipalTag/Account}"}}})
    assert "destination-policy-denies" in errors(seed.report(), "destination-policy")
    seed.role_tags = [{"Key": "Account", "Value": ACCOUNT_A}]
    assert "destination-policy-denies" not in errors(seed.report(), "destination-policy")
