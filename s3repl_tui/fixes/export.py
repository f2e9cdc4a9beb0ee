"""A plan as AWS CLI commands or as JSON, for changes that go through review or infrastructure as code."""

from __future__ import annotations

import json
import shlex
from typing import Any, Literal

from s3repl_tui.fixes.jsondoc import Document
from s3repl_tui.fixes.model import Change, Plan

ExportFormat = Literal["cli", "json"]


def export_plan(plan: Plan, fmt: str) -> str:
    if fmt == "cli":
        return _as_cli(plan)
    if fmt == "json":
        return _as_json(plan)
    raise ValueError(f"unknown export format {fmt!r} (cli or json)")


def _document_argument(document: Document) -> str:
    # Pretty JSON in single quotes: readable, and shlex quoting survives any quote inside it.
    return shlex.quote(json.dumps(document, indent=2, ensure_ascii=False))


def _command(change: Change) -> list[str]:
    ref, after = change.ref, change.after
    if ref.kind == "bucket-versioning":
        words = [
            "aws",
            "s3api",
            "put-bucket-versioning",
            "--bucket",
            ref.name,
            "--versioning-configuration",
            f"Status={after['Status']}",
        ]
    elif ref.kind == "bucket-policy":
        words = ["aws", "s3api", "put-bucket-policy", "--bucket", ref.name, "--policy", "@DOC"]
    elif ref.kind == "replication":
        words = ["aws", "s3api", "put-bucket-replication", "--bucket", ref.name, "--replication-configuration", "@DOC"]
    elif ref.kind == "key-policy":
        words = ["aws", "kms", "put-key-policy", "--key-id", ref.name, "--policy-name", "default", "--policy", "@DOC"]
    elif ref.kind == "role-inline-policy":
        words = [
            "aws",
            "iam",
            "put-role-policy",
            "--role-name",
            ref.name,
            "--policy-name",
            ref.policy_name,
            "--policy-document",
            "@DOC",
        ]
    else:
        words = ["aws", "iam", "update-assume-role-policy", "--role-name", ref.name, "--policy-document", "@DOC"]
    if change.profile:
        words += ["--profile", change.profile]
    words += ["--region", ref.region]
    if change.endpoint_url:
        words += ["--endpoint-url", change.endpoint_url]
    return words


def _command_text(change: Change) -> str:
    parts = [_document_argument(change.after) if w == "@DOC" else shlex.quote(w) for w in _command(change)]
    return " \\\n  ".join(_pair(parts))


def _pair(parts: list[str]) -> list[str]:
    """``aws s3api put-x`` on the first line, then one ``--flag value`` per line."""
    head = [" ".join(parts[:3])]
    rest = parts[3:]
    lines = []
    index = 0
    while index < len(rest):
        if index + 1 < len(rest) and not rest[index + 1].startswith("--"):
            lines.append(f"{rest[index]} {rest[index + 1]}")
            index += 2
        else:
            lines.append(rest[index])
            index += 1
    return head + lines


def _as_cli(plan: Plan) -> str:
    out = [
        "#!/bin/sh",
        "# s3repl-tui fix plan: run in this order; each command replaces the whole document.",
        "set -e",
        "",
    ]
    for number, change in enumerate(plan.changes, start=1):
        out.append(f"# {number}. [{change.layer}] {change.summary}")
        out.append(f"#    {change.api} on {change.resource} (account {change.account}, {change.region})")
        out.extend(f"#    note: {note}" for note in change.notes)
        out.append(_command_text(change))
        out.append("")
    if plan.manual:
        out.append("# Not automatic — a person must do these:")
        for finding in plan.manual:
            assert finding.fix is not None
            out.append(f"# - {finding.message}")
            steps = finding.fix.manual_steps or finding.fix.summary
            out.extend(f"#     {line}" for line in steps.splitlines())
    return "\n".join(out).rstrip() + "\n"


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "id": change.id,
        "fix_ids": list(change.fix_ids),
        "layer": change.layer,
        "summary": change.summary,
        "account": change.account,
        "region": change.region,
        "api": change.api,
        "resource": change.resource,
        "target": change.ref.to_json(),
        "profile": change.profile,
        "before": change.before,
        "after": change.after,
        "notes": list(change.notes),
    }


def _as_json(plan: Plan) -> str:
    body = {
        "schema": 1,
        "changes": [_change_json(change) for change in plan.changes],
        "manual": [
            finding.to_json() | {"manual_steps": finding.fix.manual_steps if finding.fix else ""}
            for finding in plan.manual
        ],
        "notes": list(plan.notes),
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
