"""A Deny with NotPrincipal always hits a role that has a permissions boundary (issue 11).

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html: "a
Deny statement with NotPrincipal ... always denies access to IAM principals with a permissions
boundary, regardless of the values specified in the NotPrincipal element". The role is listed (role
ARN, its session, its account) and would be spared without a boundary; with one it is denied, and the
layer whose policy holds the statement fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from checks_helpers import ACCOUNT_A, ACCOUNT_B, DST, ROLE_ARN, ROLE_NAME, SRC, SRC_KEY, Seed, errors

from s3repl_tui.policy import Request, evaluate

SESSION = f"arn:aws:sts::{ACCOUNT_A}:assumed-role/{ROLE_NAME}/s3-replication"
SPARED = [ROLE_ARN, SESSION, f"arn:aws:iam::{ACCOUNT_A}:root", f"arn:aws:iam::{ACCOUNT_B}:root"]
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _deny(resource: str, action: str = "s3:*") -> dict[str, Any]:
    return {"Sid": "OnlyUs", "Effect": "Deny", "NotPrincipal": {"AWS": SPARED}, "Action": action,
            "Resource": resource}


def test_engine_without_boundary_spares_the_listed_role() -> None:
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "s3:*", "Resource": "*"},
        _deny(f"arn:aws:s3:::{DST}/*")]}
    request = Request(ROLE_ARN, "s3:ReplicateObject", f"arn:aws:s3:::{DST}/k")
    assert evaluate(request, [ALLOW_ALL], None, policy, ACCOUNT_B).allowed
    denied = evaluate(request, [ALLOW_ALL], ALLOW_ALL, policy, ACCOUNT_B)
    assert denied.decision == "explicit-deny"


def test_destination_policy_not_principal_deny_fails_with_a_boundary(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"].append(_deny(f"arn:aws:s3:::{DST}/*"))
    assert seed.report().layer("destination-policy").status != "fail"  # spared without a boundary
    seed.boundary = ALLOW_ALL
    report = seed.report()
    assert "destination-policy-denies" in errors(report, "destination-policy")
    assert report.verdict == "fail"


def test_source_policy_not_principal_deny_fails_with_a_boundary(seed: Seed) -> None:
    seed.source_policy = {"Version": "2012-10-17", "Statement": [_deny(f"arn:aws:s3:::{SRC}/*")]}
    seed.boundary = ALLOW_ALL
    report = seed.report()
    assert report.layer("source-policy").status == "fail"


@pytest.mark.parametrize("key", ["source"])
def test_key_policy_not_principal_deny_fails_with_a_boundary(seed: Seed, key: str) -> None:
    seed.documents["source_key_policy"]["Statement"].append(_deny("*", "kms:*"))
    seed.boundary = ALLOW_ALL
    report = seed.report()
    assert report.layer("key-policy").status == "fail", [f.code for f in report.layer("key-policy").findings]
    assert any(f.resource == SRC_KEY for f in report.layer("key-policy").findings if f.severity == "error")
