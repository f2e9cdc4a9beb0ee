"""Issue 11 in the sandbox: the seed, broken (or made unusual but healthy) one way at a time, probed and
judged end to end. Each test names the AWS page that settles the verdict in the unit test next to it
(tests/checks, tests/policy)."""

from __future__ import annotations

import copy
from typing import Any

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Report
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.scenarios import seed_clients


def _check(setup: SeedSetup) -> Report:
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    return judge(probe(connection, setup.source_bucket))


def _errors(report: Report, layer: str) -> list[str]:
    return [f.code for f in report.layer(layer).findings if f.severity == "error" and not f.unknown]


def _put_replication(sandbox: Sandbox, setup: SeedSetup, change: Any) -> None:
    replication = copy.deepcopy(setup.documents["replication"])
    change(replication)
    seed_clients(sandbox, setup)["s3_a"].put_bucket_replication(Bucket=setup.source_bucket,
                                                              ReplicationConfiguration=replication)


def _replica_key(reference: str) -> Any:
    def change(replication: dict[str, Any]) -> None:
        for rule in replication["Rules"]:
            rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] = reference
    return change


def test_aws_managed_alias_as_replica_key_fails(sandbox: Sandbox, seed: SeedSetup) -> None:
    _put_replication(sandbox, seed, _replica_key("alias/aws/s3"))
    report = _check(seed)
    assert report.verdict == "fail"
    assert "key-aws-managed-cross-account" in _errors(report, "key-policy")


def test_aws_managed_alias_arn_of_the_source_account_fails(sandbox: Sandbox, seed: SeedSetup) -> None:
    _put_replication(sandbox, seed, _replica_key(f"arn:aws:kms:{seed.dest_region}:{seed.source_account}:alias/aws/s3"))
    report = _check(seed)
    assert "key-aws-managed-cross-account" in _errors(report, "key-policy")


def test_aws_managed_alias_arn_of_the_destination_account_fails(sandbox: Sandbox, seed: SeedSetup) -> None:
    _put_replication(sandbox, seed, _replica_key(f"arn:aws:kms:{seed.dest_region}:{seed.dest_account}:alias/aws/s3"))
    report = _check(seed)
    assert "key-aws-managed-cross-account" in _errors(report, "key-policy")
