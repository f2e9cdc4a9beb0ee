"""Issue 11 in the sandbox: the seed, broken (or made unusual but healthy) one way at a time, probed and
judged end to end. Each test names the AWS page that settles the verdict in the unit test next to it
(tests/checks, tests/policy)."""

from __future__ import annotations

import copy
import json
from typing import Any

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Report
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.faults import deny
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


ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _put_dest_policy(sandbox: Sandbox, setup: SeedSetup, statement: dict[str, Any]) -> None:
    policy = copy.deepcopy(setup.documents["dest_bucket_policy"])
    policy["Statement"].append(statement)
    seed_clients(sandbox, setup)["s3_b"].put_bucket_policy(Bucket=setup.dest_bucket, Policy=json.dumps(policy))


def test_not_principal_deny_hits_a_role_with_a_boundary(sandbox: Sandbox, seed: SeedSetup) -> None:
    """tests/checks/test_not_principal_boundary.py: the role is listed, and spared only without a boundary."""
    session = f"arn:aws:sts::{seed.source_account}:assumed-role/{seed.role_name}/s3-replication"
    _put_dest_policy(sandbox, seed, {
        "Sid": "OnlyUs", "Effect": "Deny", "Action": "s3:*", "Resource": f"arn:aws:s3:::{seed.dest_bucket}/*",
        "NotPrincipal": {"AWS": [seed.role_arn, session, f"arn:aws:iam::{seed.source_account}:root",
                                 f"arn:aws:iam::{seed.dest_account}:root"]}})
    assert _check(seed).layer("destination-policy").status != "fail"
    iam = seed_clients(sandbox, seed)["iam"]
    arn = iam.create_policy(PolicyName="allow-all-boundary", PolicyDocument=json.dumps(ALLOW_ALL))["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=seed.role_name, PermissionsBoundary=arn)
    report = _check(seed)
    assert "destination-policy-denies" in _errors(report, "destination-policy")
    assert report.verdict == "fail"


def test_a_time_conditioned_deny_in_the_trust_policy_fails(sandbox: Sandbox, seed: SeedSetup) -> None:
    """tests/checks/test_time_conditions.py: aws:CurrentTime is in every request; this Deny is in force."""
    trust = copy.deepcopy(seed.documents["trust_policy"])
    trust["Statement"].append({"Sid": "Expired", "Effect": "Deny", "Principal": {"Service": "s3.amazonaws.com"},
                               "Action": "sts:AssumeRole",
                               "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}}})
    seed_clients(sandbox, seed)["iam"].update_assume_role_policy(RoleName=seed.role_name,
                                                                 PolicyDocument=json.dumps(trust))
    report = _check(seed)
    assert report.layer("service-role").status == "fail" and report.verdict == "fail"


def test_sse_s3_source_into_a_destination_default_key_that_grants_nothing(sandbox: Sandbox, seed: SeedSetup) -> None:
    """tests/checks/test_sse_s3_source.py: replicas keep the source's SSE-S3; the default key is not used."""
    clients = seed_clients(sandbox, seed)
    clients["s3_a"].put_bucket_encryption(Bucket=seed.source_bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    admin_only = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{seed.dest_account}:root"}, "Action": "kms:*",
         "Resource": "*"}]}
    other = clients["kms_b"].create_key(Policy=json.dumps(admin_only))["KeyMetadata"]["Arn"]
    clients["s3_b"].put_bucket_encryption(Bucket=seed.dest_bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": other}}]})
    report = _check(seed)
    blamed = [(layer.id, f.code) for layer in report.layers for f in layer.findings
              if f.severity != "info" and other in (f.resource or "")]
    assert blamed == []
    assert report.layer("role-kms").status != "fail" and report.layer("key-policy").status != "fail"


def _replica_key_policy_admin_only(sandbox: Sandbox, setup: SeedSetup) -> Any:
    kms_b = seed_clients(sandbox, setup)["kms_b"]
    admin_only = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{setup.dest_account}:root"}, "Action": "kms:*",
         "Resource": "*"}]}
    kms_b.put_key_policy(KeyId=setup.replica_key_arn, PolicyName="default", Policy=json.dumps(admin_only))
    return kms_b


def _replica_key_errors(report: Report, key: str) -> list[str]:
    return [f.code for f in report.layer("key-policy").findings
            if f.resource == key and f.severity == "error" and not f.unknown]


def test_a_grant_to_the_role_stands_in_for_the_key_policy(sandbox: Sandbox, seed: SeedSetup) -> None:
    """tests/checks/test_kms_grants.py: ListGrants is read, and a grant to the role counts."""
    kms_b = _replica_key_policy_admin_only(sandbox, seed)
    assert _replica_key_errors(_check(seed), seed.replica_key_arn)  # without the grant: a fail
    kms_b.create_grant(KeyId=seed.replica_key_arn, GranteePrincipal=seed.role_arn,
                       Operations=["Encrypt", "GenerateDataKey", "Decrypt"])
    report = _check(seed)
    assert _replica_key_errors(report, seed.replica_key_arn) == []
    assert report.layer("key-policy").status == "pass"


def test_an_unreadable_grant_list_is_unknown(sandbox: Sandbox, seed: SeedSetup) -> None:
    _replica_key_policy_admin_only(sandbox, seed)
    sandbox.middleware.fault_hooks.append(deny("kms:ListGrants", resource=seed.replica_key_arn))
    report = _check(seed)
    assert report.layer("key-policy").status == "unknown"
    assert _replica_key_errors(report, seed.replica_key_arn) == []


def _trust_with(sandbox: Sandbox, setup: SeedSetup, condition: dict[str, Any]) -> None:
    trust = copy.deepcopy(setup.documents["trust_policy"])
    trust["Statement"][0]["Condition"] = condition
    seed_clients(sandbox, setup)["iam"].update_assume_role_policy(RoleName=setup.role_name,
                                                                  PolicyDocument=json.dumps(trust))


def test_trust_conditions_on_what_s3_sends(sandbox: Sandbox, seed: SeedSetup) -> None:
    """tests/checks/test_trust_conditions.py: source account and bucket pass; an external ID never does."""
    _trust_with(sandbox, seed, {"StringEqualsIfExists": {"aws:SourceAccount": seed.source_account},
                                "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{seed.source_bucket}"}})
    assert _check(seed).layer("service-role").status == "pass"
    _trust_with(sandbox, seed, {"StringEquals": {"sts:ExternalId": "s3cr3t"}})
    report = _check(seed)
    assert "role-trust-condition-unmet" in _errors(report, "service-role") and report.verdict == "fail"
    _trust_with(sandbox, seed, {"StringEquals": {"aws:SourceAccount": seed.dest_account}})
    assert "role-trust-condition-unmet" in _errors(_check(seed), "service-role")


def test_a_negated_condition_on_a_missing_principal_tag_denies(sandbox: Sandbox, seed: SeedSetup) -> None:
    """tests/checks/test_policy_variables.py: untagged, the Deny applies; tagged (GetRole's Tags), it doesn't."""
    iam = seed_clients(sandbox, seed)["iam"]
    deny = {"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyTaggedAccount", "Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalTag/DestAccount}"}}}]}
    iam.put_role_policy(RoleName=seed.role_name, PolicyName="team-guard", PolicyDocument=json.dumps(deny))
    report = _check(seed)
    assert "role-policy-denies" in _errors(report, "service-role") and report.verdict == "fail"
    iam.tag_role(RoleName=seed.role_name, Tags=[{"Key": "DestAccount", "Value": seed.dest_account}])
    assert "role-policy-denies" not in _errors(_check(seed), "service-role")
