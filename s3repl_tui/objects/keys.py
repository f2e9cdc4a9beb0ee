"""The KMS key an object is encrypted with, when the snapshot did not read it (a key other than the
bucket's default: objects can name any key at upload)."""

from __future__ import annotations

import json
from typing import Any

from s3repl_tui.aws import Connection, classify
from s3repl_tui.aws.arns import KeyReference
from s3repl_tui.probes.commands import cli_command, owner_profile
from s3repl_tui.probes.snapshot import KeySnapshot, Read, ReadError, Snapshot


def known_key(snapshot: Snapshot, key_arn: str) -> KeySnapshot | None:
    """The snapshot's reading of ``key_arn``, whatever reference (alias, id, ARN) it was read under."""
    if key_arn in snapshot.keys:
        return snapshot.keys[key_arn]
    for key in snapshot.keys.values():
        if key.arn == key_arn:
            return replace_reference(key, key_arn)
    return None


def replace_reference(key: KeySnapshot, reference: str) -> KeySnapshot:
    return KeySnapshot(reference, key.arn, key.region, key.account, key.metadata, key.policy, key.aliases)


def _read(operation: str, account: str | None, command: str, call: Any) -> Read[Any]:
    try:
        return Read.ok(call())
    except Exception as error:  # classified once, as every probe read is
        read_error = classify(error, operation, account, command)
        if read_error.kind == "not-found":
            return Read.absent(read_error.code)
        return Read.failed(read_error)


def read_key(connection: Connection, key_arn: str) -> KeySnapshot:
    """DescribeKey and the default key policy of ``key_arn``, with its own account's credentials."""
    parsed = KeyReference.parse(key_arn)
    session = connection.for_account(parsed.account)
    profile = owner_profile(connection, parsed.account)
    describe_command = cli_command("kms:DescribeKey", KeyId=key_arn, region=parsed.region, profile=profile)
    policy_command = cli_command(
        "kms:GetKeyPolicy", KeyId=key_arn, PolicyName="default", region=parsed.region, profile=profile
    )
    if session is None:
        def missing(operation: str, command: str) -> Read[Any]:
            return Read.failed(ReadError(
                "no-credentials", "NoCredentials", f"No credentials for account {parsed.account}.", operation,
                None, command,
            ))
        return KeySnapshot(key_arn, key_arn, parsed.region, parsed.account,
                           missing("kms:DescribeKey", describe_command),
                           missing("kms:GetKeyPolicy", policy_command), Read.absent("NotRead"))
    kms = session.client("kms", region=parsed.region)
    metadata = _read("kms:DescribeKey", session.account, describe_command,
                     lambda: kms.describe_key(KeyId=key_arn)["KeyMetadata"])
    policy = _read("kms:GetKeyPolicy", session.account, policy_command,
                   lambda: json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]))
    return KeySnapshot(key_arn, key_arn, parsed.region, parsed.account, metadata, policy, Read.absent("NotRead"))
