"""A bigger setup for the scale benchmark: the seed's source bucket with 10 rules to 10 destination
buckets in 3 accounts (the source's, the seed's destination account, and a third one reached with a
``role_arn`` profile added to a copy of the sandbox's config file)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.session

from s3repl_tui.sandbox import DEST_ACCOUNT, DEST_PROFILE, SOURCE_ACCOUNT, SOURCE_PROFILE, Sandbox, SeedSetup

THIRD_ACCOUNT = "777788889999"
THIRD_PROFILE = "s3repl-third"
THIRD_REGION = "eu-west-1"


@dataclass
class ScaleSetup:
    seed: SeedSetup
    config_file: Path
    destinations: dict[str, str] = field(default_factory=dict)  # bucket -> account


def write_config(sandbox: Sandbox, directory: Path) -> Path:
    """The sandbox's config plus a third-account profile (role_arn + source_profile)."""
    config = directory / "config-three-accounts"
    config.write_text(
        sandbox.config_file.read_text(encoding="utf-8")
        + f"\n[profile {THIRD_PROFILE}]\nregion = {THIRD_REGION}\nendpoint_url = {sandbox.endpoint_url}\n"
        f"role_arn = arn:aws:iam::{THIRD_ACCOUNT}:role/s3repl-sandbox-admin\nsource_profile = {SOURCE_PROFILE}\n"
        "s3 =\n    addressing_style = path\n",
        encoding="utf-8",
    )
    return config


def _session(sandbox: Sandbox, config: Path, profile: str) -> boto3.Session:
    core = botocore.session.Session()
    core.set_config_variable("config_file", str(config))
    core.set_config_variable("credentials_file", str(sandbox.credentials_file))
    core.set_config_variable("profile", profile)
    return boto3.Session(botocore_session=core)


def _key_policy(owner: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{owner}:root"}, "Action": "kms:*",
         "Resource": "*"},
        {"Sid": "Source", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE_ACCOUNT}:root"},
         "Action": ["kms:Encrypt", "kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*"}]}


def build_scale(sandbox: Sandbox, seed: SeedSetup, directory: Path, rules: int = 10) -> ScaleSetup:
    """Add ``rules - 1`` destinations to a built seed and replace its configuration with ``rules`` rules."""
    config = write_config(sandbox, directory)
    profiles = {SOURCE_ACCOUNT: (SOURCE_PROFILE, "us-west-2"), DEST_ACCOUNT: (DEST_PROFILE, seed.dest_region),
                THIRD_ACCOUNT: (THIRD_PROFILE, THIRD_REGION)}
    sessions = {account: _session(sandbox, config, profile) for account, (profile, _) in profiles.items()}
    setup = ScaleSetup(seed, config, {seed.dest_bucket: DEST_ACCOUNT})
    keys = {seed.dest_bucket: seed.replica_key_arn}
    order = [SOURCE_ACCOUNT, DEST_ACCOUNT, THIRD_ACCOUNT]
    for number in range(1, rules):
        account = order[number % 3]
        region = profiles[account][1]
        s3: Any = sessions[account].client("s3", region_name=region)
        kms: Any = sessions[account].client("kms", region_name=region)
        bucket = f"s3-repl-scale-dst-{number:02d}"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        key = kms.create_key(Description=bucket, Policy=json.dumps(_key_policy(account)))["KeyMetadata"]["Arn"]
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "Replication", "Effect": "Allow", "Principal": {"AWS": seed.role_arn},
             "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ObjectOwnerOverrideToBucketOwner"],
             "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
        setup.destinations[bucket] = account
        keys[bucket] = key
    replication_rules: list[dict[str, Any]] = []
    configuration = {"Role": seed.role_arn, "Rules": replication_rules}
    for number, (bucket, account) in enumerate(setup.destinations.items()):
        destination: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{bucket}", "Account": account,
                                       "EncryptionConfiguration": {"ReplicaKmsKeyID": keys[bucket]}}
        if account != SOURCE_ACCOUNT:
            destination["AccessControlTranslation"] = {"Owner": "Destination"}
        replication_rules.append({
            "ID": f"rule-{number:02d}", "Priority": number, "Filter": {"Prefix": f"p{number:02d}/"},
            "Status": "Enabled", "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
            "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": destination})
    source: Any = sessions[SOURCE_ACCOUNT].client("s3", region_name=seed.source_region)
    source.put_bucket_replication(Bucket=seed.source_bucket, ReplicationConfiguration=configuration)
    return setup
