"""Trust-policy conditions on what S3 sends when it assumes the replication role (issue 11).

``sts:ExternalId`` is present only when the caller of AssumeRole passes an external ID
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_externalid);
S3 never does, so a trust statement requiring one never lets S3 in: fail, not unknown.
``aws:SourceAccount``/``aws:SourceArn`` are sent by a service principal acting for a resource
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount);
for replication they are the source bucket's account and ARN, as S3's own trust policy example uses
them (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html):
naming them passes, with or without IfExists; naming another account or bucket fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from checks_helpers import ACCOUNT_A, ACCOUNT_B, SRC, Seed, errors, find


def _trust_condition(seed: Seed, condition: dict[str, Any]) -> None:
    seed.documents["trust"]["Statement"][0]["Condition"] = condition


def _service_role(seed: Seed) -> tuple[str, list[str], list[str]]:
    report = seed.report()
    layer = report.layer("service-role")
    return layer.status, errors(report, "service-role"), [f.code for f in layer.findings if f.unknown]


def test_external_id_can_never_be_sent_by_s3(seed: Seed) -> None:
    _trust_condition(seed, {"StringEquals": {"sts:ExternalId": "s3cr3t"}})
    status, failing, unknown = _service_role(seed)
    assert status == "fail" and unknown == [], (failing, unknown)
    finding = find(seed.report(), "role-trust-condition-unmet")
    assert "sts:ExternalId" in finding.message and finding.aws_failure_reason == "AssumeRoleNotPermitted"


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"aws:SourceAccount": ACCOUNT_A}},
    {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT_A}},
    {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{SRC}"}},
    {"ArnEqualsIfExists": {"aws:SourceArn": f"arn:aws:s3:::{SRC}"}},
    {"StringEquals": {"aws:SourceAccount": ACCOUNT_A}, "ArnLike": {"aws:SourceArn": "arn:aws:s3:::s3-repl-*"}},
])
def test_the_source_account_and_bucket_pass(seed: Seed, condition: dict[str, Any]) -> None:
    _trust_condition(seed, condition)
    status, failing, unknown = _service_role(seed)
    assert status == "pass" and failing == [] and unknown == [], (failing, unknown)


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"aws:SourceAccount": ACCOUNT_B}},
    {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT_B}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::some-other-bucket"}},
])
def test_another_account_or_bucket_fails(seed: Seed, condition: dict[str, Any]) -> None:
    _trust_condition(seed, condition)
    status, failing, unknown = _service_role(seed)
    assert status == "fail" and "role-trust-condition-unmet" in failing and unknown == []
