"""Layer 6: the replication configuration (catalog §2, §4)."""

from __future__ import annotations

from typing import Any

from checks_helpers import (
    ACCOUNT_A,
    ACCOUNT_B,
    DST,
    REPLICA_KEY,
    ROLE_ARN,
    ROLE_NAME,
    SRC,
    Seed,
    codes,
    errors,
    find,
    warnings,
)

from s3repl_tui.probes.snapshot import Read


def test_missing_configuration(seed: Seed) -> None:
    seed.documents["replication"] = None
    report = seed.report()
    finding = find(report, "replication-configuration-missing")
    assert finding.aws_failure_reason == "SrcBucketReplicationConfigMissing"
    assert report.verdict == "fail"


def test_disabled_rule_fails(seed: Seed) -> None:
    seed.rule["Status"] = "Disabled"
    report = seed.report()
    finding = find(report, "rule-disabled")
    assert finding.severity == "error"
    assert finding.fix is not None and finding.fix.id == "rule-enable" and finding.fix.automatic
    assert finding.fix.params["rule_id"] == "seed-rule" and finding.fix.params["bucket"] == SRC


def test_disabled_rule_next_to_an_enabled_one_warns(seed: Seed) -> None:
    second = {**seed.rule, "ID": "off", "Priority": 1, "Status": "Disabled", "Filter": {"Prefix": "logs/"}}
    seed.documents["replication"]["Rules"].append(second)
    report = seed.report()
    assert "rule-disabled" in warnings(report, "rule")


def test_sse_kms_opt_in_missing_fails_with_the_destination_key_as_fix(seed: Seed) -> None:
    seed.rule.pop("SourceSelectionCriteria")
    seed.rule["Destination"].pop("EncryptionConfiguration")
    report = seed.report()
    finding = find(report, "rule-sse-kms-opt-in-missing")
    assert finding.severity == "error" and report.layer("rule").status == "fail"
    fix = finding.fix
    assert fix is not None and fix.id == "rule-add-sse-kms-opt-in" and fix.automatic and fix.account == ACCOUNT_A
    assert fix.params["replica_kms_key_id"] == REPLICA_KEY and fix.params["rule_id"] == "seed-rule"


def test_dsse_source_needs_opt_in_too(seed: Seed) -> None:
    seed.source_encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] = "aws:kms:dsse"
    seed.rule.pop("SourceSelectionCriteria")
    seed.rule["Destination"].pop("EncryptionConfiguration")
    assert "rule-sse-kms-opt-in-missing" in errors(seed.report(), "rule")


def test_opt_in_without_replica_key(seed: Seed) -> None:
    seed.rule["Destination"].pop("EncryptionConfiguration")
    assert "rule-replica-key-missing" in errors(seed.report(), "rule")


def test_replica_key_without_opt_in(seed: Seed) -> None:
    seed.rule.pop("SourceSelectionCriteria")
    assert "rule-sse-kms-criteria-missing" in errors(seed.report(), "rule")


def test_replica_key_alias(seed: Seed) -> None:
    seed.rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] = "alias/s3-repl-test-dsc"
    report = seed.report()
    assert "rule-replica-key-not-arn" in warnings(report, "rule")
    assert report.verdict != "pass"  # the alias can't be resolved to a key ARN: KMS layers are unknown


def test_replica_key_in_the_wrong_region(seed: Seed) -> None:
    wrong = REPLICA_KEY.replace("us-west-2", "eu-west-1")
    seed.rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] = wrong
    report = seed.report()
    finding = find(report, "rule-replica-key-wrong-region")
    assert finding.aws_failure_reason == "DstKmsKeyNotFound" and finding.severity == "error"


def test_replica_key_owned_by_the_source_account(seed: Seed) -> None:
    key = f"arn:aws:kms:us-west-2:{ACCOUNT_A}:key/abcd"
    seed.rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] = key
    assert "rule-replica-key-source-account" in warnings(seed.report(), "rule")


def test_v2_rule_without_priority(seed: Seed) -> None:
    seed.rule.pop("Priority")
    assert "rule-priority-missing" in errors(seed.report(), "rule")


def test_v1_rule_with_delete_marker_replication(seed: Seed) -> None:
    seed.rule.pop("Filter")
    seed.rule["Prefix"] = ""
    assert "rule-v1-delete-marker-replication" in errors(seed.report(), "rule")


def test_tag_filter_with_delete_marker_replication(seed: Seed) -> None:
    seed.rule["Filter"] = {"Tag": {"Key": "replicate", "Value": "yes"}}
    seed.rule["DeleteMarkerReplication"] = {"Status": "Enabled"}
    assert "rule-tag-filter-with-delete-markers" in errors(seed.report(), "rule")


def test_overlapping_rules_to_one_destination(seed: Seed) -> None:
    second: dict[str, Any] = {**seed.rule, "ID": "photos", "Priority": 5, "Filter": {"Prefix": "photos/"}}
    seed.documents["replication"]["Rules"].append(second)
    report = seed.report()
    finding = find(report, "rule-priority-shadowing")
    assert "'photos'" in finding.message and finding.evidence["overlap"] == "photos/"


def test_disjoint_rules_do_not_shadow(seed: Seed) -> None:
    seed.rule["Filter"] = {"Prefix": "logs/"}
    second: dict[str, Any] = {**seed.rule, "ID": "photos", "Priority": 5, "Filter": {"Prefix": "photos/"}}
    seed.documents["replication"]["Rules"].append(second)
    assert "rule-priority-shadowing" not in codes(seed.report(), "rule")


def test_metrics_off_is_a_warning_and_on_is_quiet(seed: Seed) -> None:
    finding = find(seed.report(), "rule-metrics-disabled")
    assert finding.severity == "warning" and finding.fix is not None and finding.fix.id == "rule-enable-metrics"
    seed.rule["Destination"]["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    report = seed.report()
    assert "rule-metrics-disabled" not in codes(report)
    assert report.layer("rule").status == "pass"


def test_rtc_without_metrics(seed: Seed) -> None:
    seed.rule["Destination"]["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": 15}}
    assert "rule-rtc-without-metrics" in errors(seed.report(), "rule")


def test_existing_object_replication_warns(seed: Seed) -> None:
    seed.rule["ExistingObjectReplication"] = {"Status": "Enabled"}
    assert "rule-existing-object-replication" in warnings(seed.report(), "rule")


def test_owner_override_without_account(seed: Seed) -> None:
    seed.rule["Destination"].pop("Account")
    finding = find(seed.report(), "rule-owner-override-without-account")
    assert finding.fix is not None and finding.fix.id == "rule-set-destination-account" and finding.fix.automatic
    assert finding.fix.params["destination_account"] == ACCOUNT_B


def test_account_not_the_destination_owner(seed: Seed) -> None:
    seed.rule["Destination"]["Account"] = "999999999999"
    assert "rule-account-mismatch" in errors(seed.report(), "rule")


def test_destination_bucket_missing(seed: Seed) -> None:
    seed.dest_exists = False
    finding = find(seed.report(), "destination-bucket-not-found")
    assert finding.aws_failure_reason == "DstBucketNotFound" and finding.fix is not None
    assert not finding.fix.automatic and "create-bucket" in finding.fix.manual_steps


def test_destination_is_the_source(seed: Seed) -> None:
    seed.rule["Destination"]["Bucket"] = f"arn:aws:s3:::{SRC}"
    assert "rule-destination-is-source" in errors(seed.report(), "rule")


def test_source_object_lock_without_destination_object_lock(seed: Seed) -> None:
    seed.source_object_lock = {"ObjectLockEnabled": "Enabled"}
    report = seed.report()
    finding = find(report, "destination-object-lock-missing")
    assert finding.aws_failure_reason == "DstBucketObjectLockConfigMissing"
    seed.dest_object_lock = {"ObjectLockEnabled": "Enabled"}
    assert "destination-object-lock-missing" not in codes(seed.report())


def test_role_arn_with_the_wrong_path(seed: Seed) -> None:
    seed.documents["replication"]["Role"] = f"arn:aws:iam::{ACCOUNT_A}:role/{ROLE_NAME}"
    report = seed.report()
    finding = find(report, "rule-role-arn-mismatch")
    assert finding.aws_failure_reason == "AssumeRoleNotPermitted" and report.layer("rule").status == "fail"
    assert finding.fix is not None and finding.fix.id == "rule-set-role-arn" and finding.fix.automatic
    assert finding.fix.params["role_arn"] == ROLE_ARN


def test_multiple_destinations_is_info(seed: Seed) -> None:
    second: dict[str, Any] = {**seed.rule, "ID": "copy", "Priority": 2,
                              "Destination": {**seed.rule["Destination"], "Bucket": "arn:aws:s3:::third"}}
    seed.documents["replication"]["Rules"].append(second)
    report = seed.report()
    assert "rule-multiple-destinations" in codes(report, "rule")
    assert report.layer("versioning").status == "unknown"  # 'third' was never read: not a pass


def test_unreadable_destination_existence_is_unknown(seed: Seed) -> None:
    seed.reads["dest.exists"] = Read.pending("s3:HeadBucket")
    assert seed.report().layer("rule").status == "unknown"


def test_rule_layer_names_bucket_dst(seed: Seed) -> None:
    assert seed.report().destinations[0].bucket == DST


def test_prefix_with_a_leading_slash_warns(seed: Seed) -> None:
    seed.rule["Filter"] = {"Prefix": "/Tax/"}
    assert "rule-prefix-leading-slash" in warnings(seed.report(), "rule")


def test_replica_encryption_is_confirmed_as_info(seed: Seed) -> None:
    finding = find(seed.report(), "rule-replica-encryption")
    assert finding.severity == "info" and REPLICA_KEY in finding.message
