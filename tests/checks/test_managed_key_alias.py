"""An AWS managed key as the replica key, however it is written (issue 11).

``ReplicaKmsKeyID`` given as an alias resolves in the requester's (the source) account
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_EncryptionConfiguration.html: "If you use a KMS
key alias instead, then AWS KMS resolves the key within the requester's account"). ``alias/aws/`` names
only AWS managed keys (https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html: "The
alias/aws/ prefix is reserved for AWS managed key"), whose policy cannot be changed: a destination in
another account can never use replicas encrypted with it (catalog S17). Such a rule fails, whichever
account the alias names, even when the key's metadata cannot be read.
"""

from __future__ import annotations

from typing import Any

import pytest
from checks_helpers import ACCOUNT_A, ACCOUNT_B, DST_REGION, Seed, errors, failed, find, key_meta

from s3repl_tui.probes.snapshot import Read

MANAGED_KEY_A = f"arn:aws:kms:{DST_REGION}:{ACCOUNT_A}:key/aaaaaaaa-0000-0000-0000-00000000a0a0"
MANAGED_KEY_B = f"arn:aws:kms:{DST_REGION}:{ACCOUNT_B}:key/bbbbbbbb-0000-0000-0000-00000000b0b0"


def _use_replica_key(seed: Seed, reference: str, meta: dict[str, Any] | None) -> None:
    seed.rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] = reference
    if meta is not None:
        seed.keys_meta[reference] = meta


@pytest.mark.parametrize("reference", ["alias/aws/s3", f"arn:aws:kms:{DST_REGION}:{ACCOUNT_A}:alias/aws/s3"])
def test_managed_key_alias_resolving_in_the_source_account_fails(seed: Seed, reference: str) -> None:
    _use_replica_key(seed, reference, key_meta(MANAGED_KEY_A, KeyManager="AWS"))
    report = seed.report()
    assert "key-aws-managed-cross-account" in errors(report, "key-policy")
    finding = find(report, "key-aws-managed-cross-account")
    assert ACCOUNT_B in finding.message and "customer managed" in finding.message
    assert report.verdict == "fail"


def test_managed_key_alias_arn_of_the_destination_account_fails(seed: Seed) -> None:
    reference = f"arn:aws:kms:{DST_REGION}:{ACCOUNT_B}:alias/aws/s3"
    _use_replica_key(seed, reference, key_meta(MANAGED_KEY_B, KeyManager="AWS"))
    assert "key-aws-managed-cross-account" in errors(seed.report(), "key-policy")


def test_the_reserved_alias_alone_is_enough(seed: Seed) -> None:
    """The key could not be described (no credentials, denied): alias/aws/ still says what it is."""
    reference = f"arn:aws:kms:{DST_REGION}:{ACCOUNT_B}:alias/aws/s3"
    _use_replica_key(seed, reference, None)
    seed.reads[f"{reference}.metadata"] = failed("access-denied", "kms:DescribeKey", "AccessDeniedException")
    report = seed.report()
    assert "key-aws-managed-cross-account" in errors(report, "key-policy")
    assert report.verdict == "fail"


def test_a_key_listing_an_aws_alias_is_managed_even_if_metadata_says_otherwise(seed: Seed) -> None:
    """moto answers KeyManager CUSTOMER for alias/aws/s3; ListAliases still shows the reserved alias."""
    _use_replica_key(seed, "alias/aws/s3", key_meta(MANAGED_KEY_A))
    seed.reads["alias/aws/s3.aliases"] = Read.ok(("alias/aws/s3",))
    assert "key-aws-managed-cross-account" in errors(seed.report(), "key-policy")


def test_a_customer_managed_alias_of_the_destination_is_not_flagged(seed: Seed) -> None:
    reference = f"arn:aws:kms:{DST_REGION}:{ACCOUNT_B}:alias/s3-repl-test-dsc"
    replica = seed.keys_meta[next(k for k in seed.keys_meta if ACCOUNT_B in k)]
    _use_replica_key(seed, reference, dict(replica))
    report = seed.report()
    assert "key-aws-managed-cross-account" not in [f.code for f in report.findings]
