"""KMS grants count alongside the key policy (issue 11).

A grant lets its grantee principal use the key for the grant's operations, without the key policy
naming it (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html; ListGrants lists them:
https://docs.aws.amazon.com/kms/latest/developerguide/determining-access-grants.html). Encryption
context constraints must match what S3 sends (aws:s3:arn). A grant list we could not read makes a key
policy that does not allow the role ``unknown``, never ``fail``; an explicit Deny in the key policy
still fails (a grant cannot override it).
"""

from __future__ import annotations

from typing import Any

from checks_helpers import ACCOUNT_A, DST, REPLICA_KEY, ROLE_ARN, Seed, errors, failed

from s3repl_tui.probes.snapshot import Read


def _strip_replica_key_policy(seed: Seed) -> None:
    """The replica key's policy keeps only its owner's admin statement: nothing for the source account."""
    statements = seed.documents["replica_key_policy"]["Statement"]
    seed.documents["replica_key_policy"]["Statement"] = statements[:1]


def _grant(operations: list[str], grantee: str = ROLE_ARN, **constraints: Any) -> dict[str, Any]:
    grant: dict[str, Any] = {"KeyId": REPLICA_KEY, "GrantId": "g" * 64, "Name": "replication",
                             "GranteePrincipal": grantee, "Operations": operations,
                             "IssuingAccount": f"arn:aws:iam::{ACCOUNT_A}:root"}
    if constraints:
        grant["Constraints"] = constraints
    return grant


def _replica_key_findings(seed: Seed) -> list[tuple[str, str]]:
    report = seed.report()
    return [(f.code, f.severity) for f in report.layer("key-policy").findings
            if f.resource == REPLICA_KEY and not f.unknown]


def test_without_grants_the_stripped_key_policy_fails(seed: Seed) -> None:
    _strip_replica_key_policy(seed)
    assert "key-policy-missing-grant" in errors(seed.report(), "key-policy")


def test_a_grant_to_the_role_counts_like_the_key_policy(seed: Seed) -> None:
    _strip_replica_key_policy(seed)
    seed.reads[f"{REPLICA_KEY}.grants"] = Read.ok((_grant(["Encrypt", "GenerateDataKey", "Decrypt"]),))
    assert _replica_key_findings(seed) == []
    assert seed.report().layer("key-policy").status == "pass"


def test_a_grant_missing_an_operation_still_fails_for_it(seed: Seed) -> None:
    """Decrypt is only recommended without a destination Bucket Key; Encrypt/GenerateDataKey are needed."""
    _strip_replica_key_policy(seed)
    seed.reads[f"{REPLICA_KEY}.grants"] = Read.ok((_grant(["Decrypt"]),))
    assert "key-policy-missing-grant" in errors(seed.report(), "key-policy")


def test_a_grant_to_someone_else_does_not_count(seed: Seed) -> None:
    _strip_replica_key_policy(seed)
    other = f"arn:aws:iam::{ACCOUNT_A}:role/someone-else"
    seed.reads[f"{REPLICA_KEY}.grants"] = Read.ok((_grant(["Encrypt", "GenerateDataKey", "Decrypt"], other),))
    assert "key-policy-missing-grant" in errors(seed.report(), "key-policy")


def test_a_grant_constrained_to_another_context_does_not_count(seed: Seed) -> None:
    _strip_replica_key_policy(seed)
    grant = _grant(["Encrypt", "GenerateDataKey", "Decrypt"],
                   EncryptionContextSubset={"aws:s3:arn": "arn:aws:s3:::some-other-bucket"})
    seed.reads[f"{REPLICA_KEY}.grants"] = Read.ok((grant,))
    assert "key-policy-missing-grant" in errors(seed.report(), "key-policy")


def test_a_grant_constrained_to_the_destination_context_counts(seed: Seed) -> None:
    _strip_replica_key_policy(seed)
    seed.dest_encryption["Rules"][0]["BucketKeyEnabled"] = True  # the context is then the bucket ARN
    grant = _grant(["Encrypt", "GenerateDataKey", "Decrypt"], EncryptionContextEquals={"aws:s3:arn": f"arn:aws:s3:::{DST}"})
    seed.reads[f"{REPLICA_KEY}.grants"] = Read.ok((grant,))
    assert _replica_key_findings(seed) == []


def test_an_unreadable_grant_list_is_unknown_not_fail(seed: Seed) -> None:
    _strip_replica_key_policy(seed)
    seed.reads[f"{REPLICA_KEY}.grants"] = failed("access-denied", "kms:ListGrants", "AccessDeniedException")
    report = seed.report()
    layer = report.layer("key-policy")
    assert layer.status == "unknown", [(f.code, f.severity, f.unknown) for f in layer.findings]
    assert any(f.unknown and f.evidence.get("operation") == "kms:ListGrants" for f in layer.findings)


def test_an_unreadable_grant_list_does_not_hide_a_deny(seed: Seed) -> None:
    seed.documents["replica_key_policy"]["Statement"].append(
        {"Effect": "Deny", "Principal": {"AWS": ROLE_ARN}, "Action": "kms:*", "Resource": "*"})
    seed.reads[f"{REPLICA_KEY}.grants"] = failed("access-denied", "kms:ListGrants", "AccessDeniedException")
    assert "key-policy-denies" in errors(seed.report(), "key-policy")


def test_an_unreadable_grant_list_changes_nothing_when_the_policy_allows(seed: Seed) -> None:
    seed.reads[f"{REPLICA_KEY}.grants"] = failed("access-denied", "kms:ListGrants", "AccessDeniedException")
    assert seed.report().layer("key-policy").status == "pass"
