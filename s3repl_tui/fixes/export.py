"""A plan as AWS CLI commands or as JSON, for changes that go through review or infrastructure as code.

A plan that creates a KMS key names its ARN with a placeholder (``${SOURCE_KEY_ARN}``, see
fixes.placeholders) until the key exists. The ``cli`` form captures the ARN in a shell variable of
that name (``SOURCE_KEY_ARN=$(aws kms create-key ... --query KeyMetadata.Arn --output text)``) and
later commands expand it; the ``json`` form gives every change the exact API ``call`` (service, boto3
operation, parameters) and, for a creating call, which ``output`` of the answer fills which placeholder.
"""

from __future__ import annotations

import json
import shlex
from typing import Any, Literal

from s3repl_tui.fixes import export_iac
from s3repl_tui.fixes.documents import write_call
from s3repl_tui.fixes.jsondoc import Document
from s3repl_tui.fixes.model import Change, Plan
from s3repl_tui.fixes.placeholders import TOKEN

ExportFormat = Literal["cli", "json", "terraform", "cloudformation"]
DEFAULT_TITLE = "s3repl-tui fix plan"


def export_plan(plan: Plan, fmt: str, *, title: str = DEFAULT_TITLE, preamble: tuple[str, ...] = ()) -> str:
    """``title`` heads the script; ``preamble`` lines follow it (as comments in ``cli``, as
    ``notes`` in ``json``)."""
    if fmt == "cli":
        return _as_cli(plan, title, preamble)
    if fmt == "json":
        return _as_json(plan, title, preamble)
    if fmt == "terraform":
        return export_iac.as_terraform(plan, title, preamble)
    if fmt == "cloudformation":
        return export_iac.as_cloudformation(plan, title, preamble)
    raise ValueError(f"unknown export format {fmt!r} (cli, json, terraform or cloudformation)")


def _shell_word(text: str) -> str:
    """``text`` quoted for sh (shlex.quote), with only the tool's placeholders (``placeholders.NAMES``) left
    for the shell to expand: an owner's ``${HOME}`` stays single-quoted text."""
    pieces: list[str] = []
    last = 0
    for match in TOKEN.finditer(text):
        if match.start() > last:
            pieces.append(shlex.quote(text[last : match.start()]))
        pieces.append(f'"${{{match.group(1)}}}"')
        last = match.end()
    if last < len(text) or not pieces:
        pieces.append(shlex.quote(text[last:]))
    return "".join(pieces)


def _document_argument(document: Document) -> str:
    # Pretty JSON in single quotes: readable, and shlex quoting survives any quote inside it.
    return _shell_word(json.dumps(document, indent=2, ensure_ascii=False))


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
    elif ref.kind == "role-trust":
        words = ["aws", "iam", "update-assume-role-policy", "--role-name", ref.name, "--policy-document", "@DOC"]
    else:
        words = _creating_or_setting_command(change)
    # Always a profile (issue 13): a placeholder naming the account when we were given none.
    words += ["--profile", change.profile or f"<profile-of-{ref.account or 'account'}>"]
    words += ["--region", ref.region]
    if change.endpoint_url:
        words += ["--endpoint-url", change.endpoint_url]
    if change.creates:
        words += ["--query", _QUERY[ref.kind], "--output", "text"]
    return words


_QUERY = {"kms-key": "KeyMetadata.Arn", "role": "Role.Arn"}


def _creating_or_setting_command(change: Change) -> list[str]:
    """The kinds ``s3repl-tui init`` writes: a new role or key, a bucket's encryption or ownership."""
    ref, after = change.ref, change.after
    if ref.kind == "role":
        words = ["aws", "iam", "create-role", "--role-name", str(after["RoleName"]), "--path", str(after["Path"])]
        words += ["--assume-role-policy-document", "@TRUST"]
        if after.get("Description"):
            words += ["--description", str(after["Description"])]
        return words
    if ref.kind == "kms-key":
        words = ["aws", "kms", "create-key", "--description", str(after.get("Description", ""))]
        words += ["--key-spec", str(after.get("KeySpec", "SYMMETRIC_DEFAULT"))]
        return [*words, "--key-usage", str(after.get("KeyUsage", "ENCRYPT_DECRYPT")), "--policy", "@POLICY"]
    if ref.kind == "bucket-encryption":
        return [
            "aws",
            "s3api",
            "put-bucket-encryption",
            "--bucket",
            ref.name,
            "--server-side-encryption-configuration",
            "@DOC",
        ]
    if ref.kind == "ownership-controls":
        return ["aws", "s3api", "put-bucket-ownership-controls", "--bucket", ref.name, "--ownership-controls", "@DOC"]
    if ref.kind == "bucket-notification":
        words = ["aws", "s3api", "put-bucket-notification-configuration", "--bucket", ref.name]
        return [*words, "--notification-configuration", "@DOC"]
    raise ValueError(f"no AWS CLI command for a {ref.kind}")


def _argument(word: str, change: Change) -> str:
    if word == "@DOC":
        return _document_argument(change.after)
    if word == "@TRUST":
        return _document_argument(change.after["AssumeRolePolicyDocument"])
    if word == "@POLICY":
        return _document_argument(change.after["Policy"])
    return _shell_word(word)


def _command_text(change: Change) -> str:
    parts = [_argument(word, change) for word in _command(change)]
    lines = _pair(parts)
    if change.creates:
        lines[0] = f"{change.creates}=$({lines[0]}"
        lines[-1] = f"{lines[-1]})"
    return " \\\n  ".join(lines)


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


def _as_cli(plan: Plan, title: str, preamble: tuple[str, ...]) -> str:
    out = [
        "#!/bin/sh",
        f"# {title}: run in this order; each command replaces the whole document.",
        *[f"# {line}" for line in preamble],
        "set -e",
        "",
    ]
    for number, change in enumerate(plan.changes, start=1):
        out.append(f"# {number}. [{change.layer}] {change.summary}")
        out.append(f"#    {change.api} on {change.resource} (account {change.account}, {change.region})")
        out.extend(f"#    note: {note}" for note in change.notes)
        out.append(_command_text(change))
        if change.creates:
            out.append(f'echo "{change.creates}=${{{change.creates}}}"')
        out.append("")
    if plan.manual:
        out.append("# Not automatic — a person must do these:")
        for finding in plan.manual:
            assert finding.fix is not None
            out.append(f"# - {finding.message}")
            steps = finding.fix.manual_steps or finding.fix.summary
            out.extend(f"#     {line}" for line in steps.splitlines())
    return "\n".join(out).rstrip() + "\n"


def _call_json(change: Change) -> dict[str, Any]:
    call = write_call(change.ref, change.after)
    body: dict[str, Any] = {
        "service": call.service,
        "operation": call.operation,
        "region": change.region,
        "params": call.params,
    }
    if change.creates:
        body["output"] = call.output
        body["sets"] = change.creates
    return body


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
        "creates": change.creates or None,
        "call": _call_json(change),
    }


def _as_json(plan: Plan, title: str, preamble: tuple[str, ...]) -> str:
    body = {
        "schema": 1,
        "title": title,
        "changes": [_change_json(change) for change in plan.changes],
        "manual": [
            finding.to_json() | {"manual_steps": finding.fix.manual_steps if finding.fix else ""}
            for finding in plan.manual
        ],
        "notes": [*preamble, *plan.notes],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
