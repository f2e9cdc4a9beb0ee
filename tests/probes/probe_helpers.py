"""Helpers of the probe tests: a connection to the sandbox, and every input of a snapshot by name."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.probes.snapshot import Read, Snapshot
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox
from s3repl_tui.sandbox.middleware import FaultHook, FaultResponse, SandboxRequest, error_response

# What reading the seed takes: 9 source bucket reads, 7 destination bucket reads (location first,
# no replication/notification), the role and its two policies, and two keys by ARN (the destination's
# default key is the rule's replica key: read once).
SEED_CALLS = Counter(
    {
        "s3:GET bucket?location": 2,
        "s3:GET bucket?replication": 1,
        "s3:GET bucket?notification": 1,
        "s3:GET bucket?encryption": 2,
        "s3:GET bucket?versioning": 2,
        "s3:GET bucket?ownershipControls": 2,
        "s3:GET bucket?object-lock": 2,
        "s3:GET bucket?policy": 2,
        "s3:GET bucket?requestPayment": 2,
        "iam:GetRole": 1,
        "iam:ListRolePolicies": 1,
        "iam:GetRolePolicy": 1,
        "iam:ListAttachedRolePolicies": 1,
        "iam:GetPolicy": 1,
        "iam:GetPolicyVersion": 1,
        "kms:DescribeKey": 2,
        "kms:GetKeyPolicy": 2,
        "kms:ListAliases": 2,
        "kms:ListGrants": 2,
    }
)


def open_connection(sandbox: Sandbox, dest: bool = True) -> Connection:
    """Both accounts (or the source only), with the sandbox's call counts zeroed afterwards."""
    connection = Connection.open(
        ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE if dest else None)
    )
    sandbox.middleware.reset_counts()
    return connection


def all_reads(snapshot: Snapshot) -> Iterator[tuple[str, Read[Any]]]:
    """Every input of a snapshot, named by where it sits."""
    buckets = {"source": snapshot.source, **{f"dest:{n}": b for n, b in snapshot.destinations.items()}}
    for label, bucket in buckets.items():
        for field in ("exists", "region", "versioning", "encryption", "ownership", "object_lock", "policy",
                      "request_payment", "replication", "notification"):
            read = getattr(bucket, field)
            if read is not None:
                yield f"{label}.{field}", read
    for reference, key in snapshot.keys.items():
        for field in ("metadata", "policy", "aliases", "grants"):
            yield f"key:{reference}.{field}", getattr(key, field)
    if snapshot.role is not None:
        for field in ("role", "inline_policies", "attached_policies", "boundary"):
            yield f"role.{field}", getattr(snapshot.role, field)


def errors(snapshot: Snapshot) -> dict[str, str]:
    """input -> error kind, for every input that could not be read."""
    return {name: read.error.kind for name, read in all_reads(snapshot) if read.error is not None}


def s3_denial(operation: str, bucket: str) -> FaultHook:
    """A fault hook answering AccessDenied to one S3 operation on one bucket, as S3 would."""

    def hook(request: SandboxRequest) -> FaultResponse | None:
        if request.operation == operation and request.bucket == bucket:
            return error_response(403, "s3", "AccessDenied", "Access Denied")
        return None

    return hook


def json_fault(operation: str, status: int, code: str) -> FaultHook:
    """A fault hook answering ``code`` to one JSON-protocol operation ("kms:GetKeyPolicy")."""

    def hook(request: SandboxRequest) -> FaultResponse | None:
        if request.operation == operation:
            return error_response(status, request.service, code, code)
        return None

    return hook


CHECK_FLAGS = ["--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]


def monitoring_layer(report: dict[str, Any]) -> dict[str, Any]:
    [layer] = [layer for layer in report["layers"] if layer["id"] == "monitoring"]
    return layer


def fix_then_check(source_bucket: str, capsys: Any, *check_flags: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``check``, ``fix --yes --layer destination-policy`` (which must pass: its own re-check knows the
    set it wrote), ``check`` again: the monitoring layer of the JSON report before and after."""
    from s3repl_tui.cli import main

    flags = ["--source-bucket", source_bucket, *CHECK_FLAGS]
    main(["check", *flags, *check_flags, "--format", "json"])
    before = monitoring_layer(json.loads(capsys.readouterr().out))
    assert main(["fix", "--yes", "--layer", "destination-policy", *flags]) == 0, capsys.readouterr().out
    capsys.readouterr()
    main(["check", *flags, *check_flags, "--format", "json"])
    return before, monitoring_layer(json.loads(capsys.readouterr().out))
