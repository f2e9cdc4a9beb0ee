"""Writes healthy.json: what `terraform show -json` prints for the two-account setup below (run it again
after changing the setup: `python -m tests.terraform_plan.make_healthy`)."""

from __future__ import annotations

import json
from typing import Any

from tests.terraform_plan.plans import DEST, HEALTHY, ROLE_ARN, SOURCE

SRC, DST = "tf-repl-source", "tf-repl-destination"
P_SRC = 'provider["registry.terraform.io/hashicorp/aws"].source'
P_DST = 'provider["registry.terraform.io/hashicorp/aws"].destination'
KEY_SRC, KEY_DST = "aws.source", "aws.destination"

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ROLE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "SourceBucket", "Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
     "Resource": f"arn:aws:s3:::{SRC}"},
    {"Sid": "SourceObjects", "Effect": "Allow",
     "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
     "Resource": f"arn:aws:s3:::{SRC}/*"},
    {"Sid": "Replicate", "Effect": "Allow",
     "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
     "Resource": f"arn:aws:s3:::{DST}/*"},
    {"Sid": "DecryptSource", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}},
    {"Sid": "EncryptReplicas", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
     "Resource": "*",
     "Condition": {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}},
]}
SOURCE_KEY_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
     "Action": "kms:*", "Resource": "*"}]}
REPLICA_KEY_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DEST}:root"},
     "Action": "kms:*", "Resource": "*"},
    {"Sid": "ReplicationRole", "Effect": "Allow", "Principal": {"AWS": ROLE_ARN},
     "Action": ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"}]}
BUCKET_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ReplicateIntoDestination", "Effect": "Allow", "Principal": {"AWS": ROLE_ARN},
     "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
     "Resource": f"arn:aws:s3:::{DST}/*"}]}


def _bucket(name: str) -> dict[str, Any]:
    values = {"bucket": name, "force_destroy": False, "object_lock_enabled": False, "tags": None, "timeouts": None}
    unknown = {k: True for k in ("acceleration_status", "acl", "arn", "bucket_domain_name", "bucket_prefix",
                                 "bucket_regional_domain_name", "cors_rule", "grant", "hosted_zone_id", "id",
                                 "lifecycle_rule", "logging", "object_lock_configuration", "policy", "region",
                                 "replication_configuration", "request_payer", "server_side_encryption_configuration",
                                 "tags_all", "versioning", "website", "website_domain", "website_endpoint")}
    return {"values": values, "unknown": unknown, "expr": {"bucket": {"constant_value": name}}}


def _versioning(bucket: str) -> dict[str, Any]:
    return {"values": {"bucket": None, "expected_bucket_owner": None, "mfa": None,
                       "versioning_configuration": [{"status": "Enabled"}]},
            "unknown": {"bucket": True, "id": True, "versioning_configuration": [{"mfa_delete": True}]},
            "expr": {"bucket": {"references": [f"aws_s3_bucket.{bucket}.id", f"aws_s3_bucket.{bucket}"]},
                     "versioning_configuration": [{"status": {"constant_value": "Enabled"}}]}}


def _encryption(bucket: str, key: str) -> dict[str, Any]:
    return {"values": {"bucket": None, "expected_bucket_owner": None, "rule": [
                {"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}], "bucket_key_enabled": False}]},
            "unknown": {"bucket": True, "id": True, "rule": [
                {"apply_server_side_encryption_by_default": [{"kms_master_key_id": True}]}]},
            "expr": {"bucket": {"references": [f"aws_s3_bucket.{bucket}.id", f"aws_s3_bucket.{bucket}"]},
                     "rule": [{"apply_server_side_encryption_by_default": [
                         {"kms_master_key_id": {"references": [f"aws_kms_key.{key}.arn", f"aws_kms_key.{key}"]},
                          "sse_algorithm": {"constant_value": "aws:kms"}}],
                         "bucket_key_enabled": {"constant_value": False}}]}}


def _key(description: str, document: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(document)
    return {"values": {"bypass_policy_lockout_safety_check": False, "custom_key_store_id": None,
                       "customer_master_key_spec": "SYMMETRIC_DEFAULT", "deletion_window_in_days": 30,
                       "description": description, "enable_key_rotation": True, "is_enabled": True,
                       "key_usage": "ENCRYPT_DECRYPT", "policy": text, "tags": None, "timeouts": None,
                       "xks_key_id": None},
            "unknown": {"arn": True, "id": True, "key_id": True, "multi_region": True, "rotation_period_in_days": True,
                        "tags_all": True},
            "expr": {"description": {"constant_value": description}, "enable_key_rotation": {"constant_value": True},
                     "policy": {"constant_value": text}}}


RESOURCES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("aws_s3_bucket", "source", KEY_SRC, _bucket(SRC)),
    ("aws_s3_bucket_versioning", "source", KEY_SRC, _versioning("source")),
    ("aws_kms_key", "source", KEY_SRC, _key("tf-repl-source objects", SOURCE_KEY_POLICY)),
    ("aws_s3_bucket_server_side_encryption_configuration", "source", KEY_SRC, _encryption("source", "source")),
    ("aws_s3_bucket_notification", "source", KEY_SRC, {
        "values": {"eventbridge": True, "lambda_function": [], "queue": [], "topic": []},
        "unknown": {"bucket": True, "id": True, "lambda_function": [], "queue": [], "topic": []},
        "expr": {"bucket": {"references": ["aws_s3_bucket.source.id", "aws_s3_bucket.source"]},
                 "eventbridge": {"constant_value": True}}}),
    ("aws_iam_role", "replication", KEY_SRC, {
        "values": {"assume_role_policy": json.dumps(TRUST), "description": None, "force_detach_policies": False,
                   "max_session_duration": 3600, "name": "s3-replication", "path": "/", "permissions_boundary": None,
                   "tags": None},
        "unknown": {"arn": True, "create_date": True, "id": True, "inline_policy": True, "managed_policy_arns": True,
                    "name_prefix": True, "tags_all": True, "unique_id": True},
        "expr": {"assume_role_policy": {"constant_value": json.dumps(TRUST)}, "name": {"constant_value": "s3-replication"}}}),
    ("aws_iam_role_policy", "replication", KEY_SRC, {
        "values": {"name": "replication", "policy": json.dumps(ROLE_POLICY)},
        "unknown": {"id": True, "name_prefix": True, "role": True},
        "expr": {"name": {"constant_value": "replication"}, "policy": {"constant_value": json.dumps(ROLE_POLICY)},
                 "role": {"references": ["aws_iam_role.replication.id", "aws_iam_role.replication"]}}}),
    ("aws_s3_bucket", "destination", KEY_DST, _bucket(DST)),
    ("aws_s3_bucket_versioning", "destination", KEY_DST, _versioning("destination")),
    ("aws_kms_key", "replica", KEY_DST, _key("tf-repl-destination replicas", REPLICA_KEY_POLICY)),
    ("aws_s3_bucket_server_side_encryption_configuration", "destination", KEY_DST, _encryption("destination", "replica")),
    ("aws_s3_bucket_policy", "destination", KEY_DST, {
        "values": {"policy": json.dumps(BUCKET_POLICY)},
        "unknown": {"bucket": True, "id": True},
        "expr": {"bucket": {"references": ["aws_s3_bucket.destination.id", "aws_s3_bucket.destination"]},
                 "policy": {"constant_value": json.dumps(BUCKET_POLICY)}}}),
    ("aws_s3_bucket_replication_configuration", "replication", KEY_SRC, {
        "values": {"rule": [{
            "delete_marker_replication": [{"status": "Disabled"}],
            "destination": [{"access_control_translation": [{"owner": "Destination"}], "account": DEST,
                             "encryption_configuration": [{}], "metrics": [{"event_threshold": [], "status": "Enabled"}],
                             "replication_time": [],
                             "storage_class": "STANDARD"}],
            "existing_object_replication": [], "filter": [{"and": [], "prefix": "", "tag": []}], "id": "everything",
            "prefix": "", "priority": 1,
            "source_selection_criteria": [{"replica_modifications": [],
                                           "sse_kms_encrypted_objects": [{"status": "Enabled"}]}],
            "status": "Enabled"}], "timeouts": None, "token": None},
        "unknown": {"bucket": True, "id": True, "role": True, "rule": [{
            "delete_marker_replication": [{}],
            "destination": [{"access_control_translation": [{}], "bucket": True,
                             "encryption_configuration": [{"replica_kms_key_id": True}], "metrics": [{"event_threshold": []}],
                             "replication_time": []}],
            "existing_object_replication": [], "filter": [{"and": [], "tag": []}],
            "source_selection_criteria": [{"replica_modifications": [], "sse_kms_encrypted_objects": [{}]}]}]},
        "expr": {"bucket": {"references": ["aws_s3_bucket.source.id", "aws_s3_bucket.source"]},
                 "role": {"references": ["aws_iam_role.replication.arn", "aws_iam_role.replication"]},
                 "rule": [{"id": {"constant_value": "everything"}, "status": {"constant_value": "Enabled"},
                           "priority": {"constant_value": 1},
                           "filter": [{"prefix": {"constant_value": ""}}],
                           "delete_marker_replication": [{"status": {"constant_value": "Disabled"}}],
                           "destination": [{
                               "bucket": {"references": ["aws_s3_bucket.destination.arn", "aws_s3_bucket.destination"]},
                               "account": {"constant_value": DEST}, "storage_class": {"constant_value": "STANDARD"},
                               "metrics": [{"status": {"constant_value": "Enabled"}}],
                               "access_control_translation": [{"owner": {"constant_value": "Destination"}}],
                               "encryption_configuration": [{"replica_kms_key_id": {
                                   "references": ["aws_kms_key.replica.arn", "aws_kms_key.replica"]}}]}],
                           "source_selection_criteria": [{"sse_kms_encrypted_objects": [
                               {"status": {"constant_value": "Enabled"}}]}]}]}}),
]


def build() -> dict[str, Any]:
    planned, changes, config = [], [], []
    for kind, name, provider_key, spec in RESOURCES:
        address = f"{kind}.{name}"
        provider = P_SRC if provider_key == KEY_SRC else P_DST
        planned.append({"address": address, "mode": "managed", "type": kind, "name": name,
                        "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                        "values": spec["values"], "sensitive_values": {}})
        changes.append({"address": address, "mode": "managed", "type": kind, "name": name,
                        "provider_name": "registry.terraform.io/hashicorp/aws",
                        "change": {"actions": ["create"], "before": None, "after": spec["values"],
                                   "after_unknown": spec["unknown"], "before_sensitive": False, "after_sensitive": {}}})
        config.append({"address": address, "mode": "managed", "type": kind, "name": name,
                       "provider_config_key": provider_key, "expressions": spec["expr"], "schema_version": 0})
        del provider
    identities = [{"address": f"data.aws_caller_identity.{side}", "mode": "data", "type": "aws_caller_identity",
                   "name": side, "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                   "values": {"account_id": account, "arn": f"arn:aws:iam::{account}:user/terraform",
                              "id": account, "user_id": "AIDAEXAMPLE"}, "sensitive_values": {}}
                  for side, account in (("source", SOURCE), ("destination", DEST))]
    for side in ("source", "destination"):
        config.append({"address": f"data.aws_caller_identity.{side}", "mode": "data", "type": "aws_caller_identity",
                       "name": side, "provider_config_key": f"aws.{side}", "schema_version": 0})
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "prior_state": {"format_version": "1.0", "terraform_version": "1.9.8",
                        "values": {"root_module": {"resources": identities}}},
        "configuration": {
            "provider_config": {
                "aws.source": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws", "alias": "source",
                               "version_constraint": "~> 5.0",
                               "expressions": {"region": {"constant_value": "us-east-1"},
                                               "profile": {"constant_value": "source"}}},
                "aws.destination": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                                    "alias": "destination", "version_constraint": "~> 5.0",
                                    "expressions": {"region": {"constant_value": "us-west-2"},
                                                    "profile": {"constant_value": "destination"}}},
            },
            "root_module": {"resources": config},
        },
        "timestamp": "2026-12-07T05:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }


if __name__ == "__main__":
    HEALTHY.write_text(json.dumps(build(), indent=2) + "\n")
