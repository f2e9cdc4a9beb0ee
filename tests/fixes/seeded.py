"""Sandbox helpers for the fix tests: more breakages, unrelated statements planted in every policy,
every document read back, and a fault hook that fails the Nth write."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Report
from s3repl_tui.probes import probe
from s3repl_tui.probes.snapshot import Snapshot
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, scenarios
from s3repl_tui.sandbox.middleware import FaultResponse, SandboxRequest

Document = dict[str, Any]
Breakage = Callable[[Sandbox, SeedSetup], None]


_clients: dict[int, tuple[SeedSetup, dict[str, Any]]] = {}


def clients(sandbox: Sandbox, setup: SeedSetup) -> dict[str, Any]:
    """boto3 clients of both accounts, made once per test (a new client loads its service model).
    Not shared between tests: ``reset()`` forgets the destination account's assumed-role keys."""
    cached = _clients.get(id(sandbox))
    if cached is None or cached[0] is not setup:
        _clients[id(sandbox)] = (setup, _make_clients(sandbox, setup))
    return _clients[id(sandbox)][1]


def _make_clients(sandbox: Sandbox, setup: SeedSetup) -> dict[str, Any]:
    return scenarios.seed_clients(sandbox, setup)


# Breakages beyond the sandbox's own, one layer each --------------------------------------------


def _put_replication(sandbox: Sandbox, setup: SeedSetup, change: Callable[[Document], None]) -> None:
    config = copy.deepcopy(setup.documents["replication"])
    change(config)
    clients(sandbox, setup)["s3_a"].put_bucket_replication(Bucket=setup.source_bucket, ReplicationConfiguration=config)


def trust_without_s3(sandbox: Sandbox, setup: SeedSetup) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "batchoperations.s3.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    clients(sandbox, setup)["iam"].update_assume_role_policy(RoleName=setup.role_name, PolicyDocument=json.dumps(trust))


def role_without_s3_permissions(sandbox: Sandbox, setup: SeedSetup) -> None:
    clients(sandbox, setup)["iam"].detach_role_policy(RoleName=setup.role_name, PolicyArn=setup.managed_policy_arn)


def replica_key_without_grant(sandbox: Sandbox, setup: SeedSetup) -> None:
    policy = copy.deepcopy(setup.documents["replica_key_policy"])
    policy["Statement"] = policy["Statement"][:1]  # only the key owner's admin statement
    clients(sandbox, setup)["kms_b"].put_key_policy(
        KeyId=setup.replica_key_arn, PolicyName="default", Policy=json.dumps(policy)
    )


def rule_disabled(sandbox: Sandbox, setup: SeedSetup) -> None:
    _put_replication(sandbox, setup, lambda config: config["Rules"][0].update(Status="Disabled"))


def rule_role_without_path(sandbox: Sandbox, setup: SeedSetup) -> None:
    _put_replication(sandbox, setup, lambda config: config.update(Role=setup.role_arn.replace("/service-role/", "/")))


def rule_override_without_account(sandbox: Sandbox, setup: SeedSetup) -> None:
    _put_replication(sandbox, setup, lambda config: config["Rules"][0]["Destination"].pop("Account"))


ALL_BREAKAGES: dict[str, Breakage] = {
    **BREAKAGES,
    "service-role/trust": trust_without_s3,
    "service-role/permissions": role_without_s3_permissions,
    "key-policy": replica_key_without_grant,
    "rule/disabled": rule_disabled,
    "rule/role-path": rule_role_without_path,
    "rule/account": rule_override_without_account,
}


# Statements no fix may touch ----------------------------------------------------------------------


def plant_unrelated_statements(sandbox: Sandbox, setup: SeedSetup) -> None:
    """One owner statement more in every policy (Deny ones included) and one more inline policy."""
    c = clients(sandbox, setup)
    src, dst = setup.source_bucket, setup.dest_bucket
    for s3, bucket in ((c["s3_a"], src), (c["s3_b"], dst)):
        try:
            policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        except ClientError:
            policy = {"Version": "2012-10-17", "Statement": []}
        policy["Statement"].append(
            {
                "Sid": "OwnersKeepTheBucket",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:DeleteBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
            }
        )
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    for kms, key, account in (
        (c["kms_a"], setup.source_key_arn, setup.source_account),
        (c["kms_b"], setup.replica_key_arn, setup.dest_account),
    ):
        policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
        policy["Statement"].append(
            {
                "Sid": "AuditorsDescribe",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:role/auditor"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
            }
        )
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(policy))
    iam = c["iam"]
    trust = iam.get_role(RoleName=setup.role_name)["Role"]["AssumeRolePolicyDocument"]
    trust["Statement"].append(
        {
            "Sid": "BatchJobs",
            "Effect": "Allow",
            "Principal": {"Service": "batchoperations.s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    iam.update_assume_role_policy(RoleName=setup.role_name, PolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName=setup.role_name,
        PolicyName="team-notes",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ReadTeamNotes",
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::team-notes/*",
                    }
                ],
            }
        ),
    )


def read_documents(sandbox: Sandbox, setup: SeedSetup) -> dict[str, Document | None]:
    """Every document a fix may touch (None: absent), as AWS answers now."""
    c = clients(sandbox, setup)

    def attempt(read: Callable[[], Any]) -> Any:
        try:
            return read()
        except ClientError:
            return None

    iam = c["iam"]
    policy_names = iam.list_role_policies(RoleName=setup.role_name)["PolicyNames"]
    managed = iam.get_policy(PolicyArn=setup.managed_policy_arn)["Policy"]["DefaultVersionId"]
    documents: dict[str, Document | None] = {
        f"inline:{name}": iam.get_role_policy(RoleName=setup.role_name, PolicyName=name)["PolicyDocument"]
        for name in policy_names
    }
    documents.update(
        {
            "managed": iam.get_policy_version(PolicyArn=setup.managed_policy_arn, VersionId=managed)["PolicyVersion"][
                "Document"
            ],
            "trust": iam.get_role(RoleName=setup.role_name)["Role"]["AssumeRolePolicyDocument"],
            "source-bucket-policy": attempt(
                lambda: json.loads(c["s3_a"].get_bucket_policy(Bucket=setup.source_bucket)["Policy"])
            ),
            "dest-bucket-policy": attempt(
                lambda: json.loads(c["s3_b"].get_bucket_policy(Bucket=setup.dest_bucket)["Policy"])
            ),
            "source-key-policy": json.loads(
                c["kms_a"].get_key_policy(KeyId=setup.source_key_arn, PolicyName="default")["Policy"]
            ),
            "replica-key-policy": json.loads(
                c["kms_b"].get_key_policy(KeyId=setup.replica_key_arn, PolicyName="default")["Policy"]
            ),
            "replication": c["s3_a"].get_bucket_replication(Bucket=setup.source_bucket)["ReplicationConfiguration"],
            "source-versioning": {"Status": c["s3_a"].get_bucket_versioning(Bucket=setup.source_bucket).get("Status")},
            "dest-versioning": {"Status": c["s3_b"].get_bucket_versioning(Bucket=setup.dest_bucket).get("Status")},
        }
    )
    return documents


# Connection, snapshot and report, as the fix command builds them ----------------------------------


def connect() -> Connection:
    return Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))


def checked(connection: Connection, setup: SeedSetup) -> tuple[Snapshot, Report]:
    snapshot = probe(connection, setup.source_bucket)
    return snapshot, judge(snapshot)


def cli_flags(setup: SeedSetup) -> list[str]:
    return ["--source-bucket", setup.source_bucket, "--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]


# Faults -----------------------------------------------------------------------------------------

WRITE_OPERATIONS = {"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePolicy", "kms:PutKeyPolicy"}


def is_write(request: SandboxRequest) -> bool:
    return request.operation in WRITE_OPERATIONS or (request.service == "s3" and request.method in ("PUT", "DELETE"))


def access_denied(service: str) -> FaultResponse:
    if service == "kms":
        body = json.dumps({"__type": "AccessDeniedException", "message": "injected"}).encode()
        return FaultResponse(400, body, (("Content-Type", "application/x-amz-json-1.1"),))
    if service == "s3":
        body = b"<Error><Code>AccessDenied</Code><Message>injected</Message></Error>"
    else:
        body = b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>injected</Message></Error></ErrorResponse>"
    return FaultResponse(403, body, (("Content-Type", "text/xml"),))


def fail_nth_write(sandbox: Sandbox, n: int) -> list[str]:
    """Fail the ``n``-th write from now with AccessDenied; returns the operations written so far."""
    seen: list[str] = []

    def hook(request: SandboxRequest) -> FaultResponse | None:
        if not is_write(request):
            return None
        seen.append(request.operation)
        return access_denied(request.service) if len(seen) == n else None

    sandbox.middleware.fault_hooks.append(hook)
    return seen
