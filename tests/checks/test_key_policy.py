"""Layer 2: keys exist, are Enabled, symmetric, customer managed, and their policies let the role in."""

from __future__ import annotations

from typing import Any

import pytest
from checks_helpers import (
    ACCOUNT_A,
    ACCOUNT_B,
    REPLICA_KEY,
    ROLE_ARN,
    SRC_KEY,
    Seed,
    codes,
    errors,
    find,
    key_meta,
    no_credentials,
)


def _without_use_statement(seed: Seed) -> None:
    statements = seed.documents["replica_key_policy"]["Statement"]
    seed.documents["replica_key_policy"]["Statement"] = [s for s in statements if s["Sid"] != "Allow use of the key"]


def test_replica_key_policy_not_granting_the_source_account_fails(seed: Seed) -> None:
    _without_use_statement(seed)
    report = seed.report()
    assert report.layer("key-policy").status == "fail"
    finding = find(report, "key-policy-missing-grant")
    assert finding.aws_failure_reason == "DstPutObjectNotPermitted"
    assert finding.resource == REPLICA_KEY
    fix = finding.fix
    assert fix is not None and fix.id == "add-key-policy-statement" and fix.automatic and fix.account == ACCOUNT_B
    assert fix.params["principal"] == ROLE_ARN and fix.params["key_arn"] == REPLICA_KEY
    assert set(fix.params["actions"]) >= {"kms:Encrypt", "kms:GenerateDataKey"}
    statement = fix.params["statement"]
    assert statement["Condition"]["StringEquals"]["kms:ViaService"] == "s3.us-west-2.amazonaws.com"
    assert "missing" in finding.evidence and finding.evidence["policy"] == f"key-policy:{REPLICA_KEY}"


@pytest.mark.parametrize(("state", "code", "fix_id"), [("Disabled", "key-not-enabled", "enable-key"),
                                                       ("PendingDeletion", "key-pending-deletion", "cancel-key-deletion")])
def test_replica_key_not_enabled_fails(seed: Seed, state: str, code: str, fix_id: str) -> None:
    seed.keys_meta[REPLICA_KEY] = key_meta(REPLICA_KEY, KeyState=state, Enabled=False)
    report = seed.report()
    finding = find(report, code)
    assert finding.aws_failure_reason == "DstKmsKeyInvalidState"
    assert finding.fix is not None and finding.fix.id == fix_id and not finding.fix.automatic
    assert "aws kms" in finding.fix.manual_steps


def test_source_key_disabled_is_src_invalid_state(seed: Seed) -> None:
    seed.keys_meta[SRC_KEY] = key_meta(SRC_KEY, KeyState="Disabled", Enabled=False)
    assert find(seed.report(), "key-not-enabled").aws_failure_reason == "SrcKmsKeyInvalidState"


def test_replica_key_that_does_not_exist(seed: Seed) -> None:
    del seed.keys_meta[REPLICA_KEY]
    report = seed.report()
    assert find(report, "key-not-found").aws_failure_reason == "DstKmsKeyNotFound"
    assert report.layer("key-policy").status == "fail"


def test_asymmetric_key_fails(seed: Seed) -> None:
    seed.keys_meta[REPLICA_KEY] = key_meta(REPLICA_KEY, KeySpec="RSA_2048")
    assert "key-not-symmetric" in errors(seed.report(), "key-policy")


def test_aws_managed_replica_key_of_another_account_fails(seed: Seed) -> None:
    seed.keys_meta[REPLICA_KEY] = key_meta(REPLICA_KEY, KeyManager="AWS")
    assert "key-aws-managed-cross-account" in errors(seed.report(), "key-policy")


def test_unreadable_key_policy_is_unknown(seed: Seed) -> None:
    seed.reads[f"{REPLICA_KEY}.policy"] = no_credentials("kms:GetKeyPolicy")
    report = seed.report()
    assert report.layer("key-policy").status == "unknown"
    assert report.verdict == "unknown"


def test_key_policy_deny_on_the_role(seed: Seed) -> None:
    seed.documents["replica_key_policy"]["Statement"].append(
        {"Effect": "Deny", "Principal": {"AWS": ROLE_ARN}, "Action": "kms:*", "Resource": "*"})
    report = seed.report()
    finding = find(report, "key-policy-denies")
    assert finding.severity == "error" and finding.fix is not None and finding.fix.id == "remove-deny-statement"
    assert finding.evidence["statement"]["Effect"] == "Deny"


def _with_via_service(seed: Seed, region: str) -> None:
    for statement in seed.documents["replica_key_policy"]["Statement"]:
        if statement["Sid"] == "Allow use of the key":
            statement["Condition"] = {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}


def test_key_policy_via_service_of_the_wrong_region_fails(seed: Seed) -> None:
    _with_via_service(seed, "eu-west-1")
    report = seed.report()
    finding = find(report, "key-policy-condition-mismatch")
    assert finding.evidence["mismatched_conditions"] == ["kms:ViaService"]
    assert "s3.us-west-2.amazonaws.com" in finding.message


def test_key_policy_via_service_of_the_destination_region_passes(seed: Seed) -> None:
    _with_via_service(seed, "us-west-2")
    assert seed.report().layer("key-policy").status == "pass"


def test_source_account_key_policy_without_root_delegation_needs_the_role(seed: Seed) -> None:
    policy: dict[str, Any] = seed.documents["source_key_policy"]
    policy["Statement"][0]["Principal"] = {"AWS": f"arn:aws:iam::{ACCOUNT_A}:user/admin"}
    report = seed.report()
    assert "key-policy-missing-grant" in codes(report, "key-policy")
    finding = find(report, "key-policy-missing-grant")
    assert finding.resource == SRC_KEY and finding.aws_failure_reason is None
