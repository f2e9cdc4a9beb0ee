"""Extra layer: Denies in the source bucket policy that hit the role's reads (catalog §3.4)."""

from __future__ import annotations

from typing import Any

from checks_helpers import ROLE_ARN, SRC, Seed, errors, find, no_credentials


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_deny_on_the_role_reads(seed: Seed) -> None:
    seed.source_policy = _policy({"Sid": "NoReplicationReads", "Effect": "Deny", "Principal": {"AWS": ROLE_ARN},
                                  "Action": "s3:GetObjectVersionForReplication", "Resource": f"arn:aws:s3:::{SRC}/*"})
    report = seed.report()
    finding = find(report, "source-policy-denies")
    assert finding.aws_failure_reason == "SrcGetObjectNotPermitted"
    assert report.layer("source-policy").status == "fail"


def test_deny_outside_vpc_endpoint(seed: Seed) -> None:
    seed.source_policy = _policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                  "Resource": [f"arn:aws:s3:::{SRC}", f"arn:aws:s3:::{SRC}/*"],
                                  "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}})
    assert "source-policy-denies" in errors(seed.report(), "source-policy")


def test_deny_excepting_the_role_passes(seed: Seed) -> None:
    seed.source_policy = _policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                  "Resource": f"arn:aws:s3:::{SRC}/*",
                                  "Condition": {"ArnNotEquals": {"aws:PrincipalArn": ROLE_ARN}}})
    assert seed.report().layer("source-policy").status == "pass"


def test_unrelated_allow_passes(seed: Seed) -> None:
    seed.source_policy = _policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                  "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{SRC}/*"})
    assert seed.report().layer("source-policy").status == "pass"


def test_unreadable_source_policy_is_unknown(seed: Seed) -> None:
    seed.reads["source.policy"] = no_credentials()
    assert seed.report().layer("source-policy").status == "unknown"
