"""Sandbox helpers for the setup tests: two empty buckets, init's flags, reading what init wrote."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from s3repl_tui.sandbox import DEST_PROFILE, DEST_REGION, SOURCE_PROFILE, SOURCE_REGION, Sandbox

SRC = "wizard-src"
DST = "wizard-dst"
ROLE = f"s3repl-tui-{SRC}"
PROFILES = ["--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]


def clients(sandbox: Sandbox, region: str | None = None) -> dict[str, Any]:
    """Both accounts' clients, each in its bucket's Region (or all in ``region``)."""
    source, dest = sandbox.session(SOURCE_PROFILE), sandbox.session(DEST_PROFILE)
    return {
        "s3_a": source.client("s3", region_name=region or SOURCE_REGION),
        "s3_b": dest.client("s3", region_name=region or DEST_REGION),
        "kms_a": source.client("kms", region_name=region or SOURCE_REGION),
        "kms_b": dest.client("kms", region_name=region or DEST_REGION),
        "iam": source.client("iam"),
    }


def make_buckets(sandbox: Sandbox) -> dict[str, Any]:
    """Two empty, unversioned buckets in two accounts and two Regions: all a first-time user has."""
    made = clients(sandbox)
    made["s3_a"].create_bucket(Bucket=SRC)
    made["s3_b"].create_bucket(Bucket=DST, CreateBucketConfiguration={"LocationConstraint": DEST_REGION})
    return made


def answers(encryption: str, *extra: str) -> list[str]:
    flags = [*PROFILES, "--source-bucket", SRC, "--dest-bucket", DST, "--encryption", encryption]
    if encryption == "sse-kms" and "--source-key" not in extra:
        flags += ["--source-key", "new", "--replica-key", "new"]
    flags += ["--ownership", "override", "--no-rtc", "--metrics", "--no-delete-markers", "--no-replica-sync"]
    return [*flags, *extra]


def absent(call: Any, **params: Any) -> bool:
    try:
        call(**params)
    except ClientError:
        return True
    return False


def policy(document: Any) -> dict[str, Any]:
    return document if isinstance(document, dict) else json.loads(document)


def override(flags: list[str], extra: list[str]) -> list[str]:
    """``flags`` with ``extra`` given instead: a value replaces the flag's value, a switch its opposite."""
    result = list(flags)
    index = 0
    while index < len(extra):
        name = extra[index]
        if index + 1 < len(extra) and not extra[index + 1].startswith("--"):
            value = extra[index + 1]
            if name in result:
                result[result.index(name) + 1] = value
            else:
                result += [name, value]
            index += 2
            continue
        opposite = "--" + name[5:] if name.startswith("--no-") else "--no-" + name[2:]
        if opposite in result:
            result.remove(opposite)
        if name not in result:
            result.append(name)
        index += 1
    return result
