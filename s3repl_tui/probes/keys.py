"""Reads of the KMS keys replication uses: the source bucket's default key, every rule's replica key,
and each destination bucket's default key (it encrypts plaintext replicas, and becomes the replica key
of a rule the rule layer's fix opts in to SSE-KMS objects).

A key is read in its own region with its own account's credentials. A key ARN names both; an alias
name or a bare key id resolves in the account and region of whoever uses it (in real AWS an alias
resolves in the caller's account), so those wait for the bucket's region. DescribeKey is done once
per reference; the key policy, aliases and grants once per key ARN, however many references lead to it."""

from __future__ import annotations

import json
from typing import Any

from s3repl_tui.aws.arns import Arn, KeyReference
from s3repl_tui.probes.buckets import bucket_fact
from s3repl_tui.probes.commands import cli_command, owner_profile
from s3repl_tui.probes.reads import attempt, not_attempted, skipped
from s3repl_tui.probes.run import ProbeRun
from s3repl_tui.probes.snapshot import Read, ReadError
from s3repl_tui.probes.state import KEY_OPERATIONS, KeyState


def want_key(run: ProbeRun, reference: str, account: str | None, bucket: str, rank: tuple[int, int]) -> None:
    """Read the key ``reference`` as used for ``bucket`` by ``account`` (when it is not an ARN).
    ``rank`` orders the snapshot's keys however the reads finish: source key, then rule by rule."""
    with run.state.edit() as state:
        state.key_ranks[reference] = min(rank, state.key_ranks.get(reference, rank))
    parsed = KeyReference.parse(reference)
    if parsed.region is not None:
        _start_key(run, reference, parsed.account, parsed.region)
        return
    region_fact = bucket_fact("region", bucket)
    run.when([region_fact], lambda facts: _start_key(run, reference, account, facts[region_fact]))


def _command(run: ProbeRun, operation: str, key_id: str, region: str | None, account: str | None) -> str:
    extra = {"PolicyName": "default"} if operation == "kms:GetKeyPolicy" else {}
    return cli_command(
        operation, KeyId=key_id, **extra, region=region, endpoint_url=run.endpoint_url,
        profile=owner_profile(run.connection, account),
    )


def _put(run: ProbeRun, reference: str, field: str, read: Read[Any]) -> None:
    with run.state.edit() as state:
        state.keys[reference].reads[field] = read


def _start_key(run: ProbeRun, reference: str, account: str | None, region: str | None) -> None:
    if not run.claim(f"key:{reference}"):
        return
    parsed = KeyReference.parse(reference)
    with run.state.edit() as state:
        state.keys[reference] = KeyState(
            reference, reference if parsed.is_key_arn else None, region, account
        )
    session = run.connection.for_account(account)
    if session is None or region is None:
        for field, operation in KEY_OPERATIONS.items():
            command = _command(run, operation, reference, region, account)
            _put(run, reference, field, _unreadable(operation, account, region, command))
        return
    if parsed.is_key_arn:
        _read_key_material(run, reference)  # the ARN is enough for the policy: no need to wait
    kms = session.client("kms", region)

    def describe() -> None:
        command = _command(run, "kms:DescribeKey", reference, region, account)
        read = attempt(
            "kms:DescribeKey", lambda: dict(kms.describe_key(KeyId=reference)["KeyMetadata"]),
            account=session.account, command=command,
        )
        _put(run, reference, "metadata", read)
        if parsed.is_key_arn:
            return
        if read.value is not None:
            arn = str(read.value["Arn"])
            with run.state.edit() as state:
                state.keys[reference].resolved_arn = arn
            _read_key_material(run, arn)
        elif read.error is not None:
            for field in ("policy", "aliases", "grants"):
                operation = KEY_OPERATIONS[field]
                _put(run, reference, field, skipped(read.error, operation, command))

    run.submit(describe)


def _unreadable(operation: str, account: str | None, region: str | None, command: str) -> Read[Any]:
    if region is None:
        return Read.failed(
            ReadError(
                kind="other",
                code="UnknownKeyRegion",
                message="The key's region is unknown because its bucket's region could not be read.",
                operation=operation,
                command=command,
            )
        )
    return not_attempted(operation, account, command)


def _read_key_material(run: ProbeRun, key_arn: str) -> None:
    """GetKeyPolicy, ListAliases and ListGrants of one key ARN, once."""
    if not run.claim(f"key-material:{key_arn}"):
        return
    arn = Arn.parse(key_arn)
    account, region = (arn.account, arn.region) if arn else (None, None)
    session = run.connection.for_account(account)

    def put(field: str, read: Read[Any]) -> None:
        with run.state.edit() as state:
            state.key_material.setdefault(key_arn, {})[field] = read

    if session is None:
        for field in ("policy", "aliases", "grants"):
            operation = KEY_OPERATIONS[field]
            put(field, not_attempted(operation, account, _command(run, operation, key_arn, region, account)))
        return
    kms = session.client("kms", region)

    def policy() -> dict[str, Any]:
        return dict(json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]))

    def aliases() -> tuple[str, ...]:
        pages = kms.get_paginator("list_aliases").paginate(KeyId=key_arn)
        return tuple(str(a["AliasName"]) for page in pages for a in page.get("Aliases", []))

    def grants() -> tuple[dict[str, Any], ...]:
        # Grants count alongside the key policy (checks/grants.py); dates dropped, the rest as answered.
        pages = kms.get_paginator("list_grants").paginate(KeyId=key_arn)
        return tuple({k: v for k, v in grant.items() if k != "CreationDate"}
                     for page in pages for grant in page.get("Grants", []))

    for field, call in (("policy", policy), ("aliases", aliases), ("grants", grants)):
        operation = KEY_OPERATIONS[field]
        command = _command(run, operation, key_arn, region, account)

        def read_one(field: str = field, call: Any = call, operation: str = operation, command: str = command) -> None:
            put(field, attempt(operation, call, account=session.account, command=command))

        run.submit(read_one)
