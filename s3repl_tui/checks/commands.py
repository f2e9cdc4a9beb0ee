"""The ``aws …`` commands in a report's findings, completed with ``--profile`` and ``--region``.

The checks name a command by its resource only (``aws s3api get-bucket-versioning --bucket d``); the
person copying it needs it to run as the right account in the right region. Here, once per report, each
command gets the profile of the account that owns its resource (the destination's for its bucket, the
key's account for a KMS key ARN, the source's otherwise), a placeholder when that profile is unknown,
and that resource's region. Pure: the report and the snapshot in, a report out.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from s3repl_tui.checks.model import Finding, Report
from s3repl_tui.command_line import (
    DESTINATION_PROFILE_PLACEHOLDER,
    SOURCE_PROFILE_PLACEHOLDER,
    with_global_options,
)
from s3repl_tui.probes.snapshot import Snapshot

_BUCKET = re.compile(r"--bucket\s+(\S+)")
_KMS_ARN = re.compile(r"arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):")


class _Places:
    def __init__(self, report: Report, snapshot: Snapshot) -> None:
        source = report.source
        self.source_account = source.account or snapshot.source_identity.account
        self.source_region = source.region
        self.buckets = {ref.bucket: (ref.account, ref.region) for ref in (source, *report.destinations)}
        identities = [snapshot.source_identity, snapshot.dest_identity]
        self.profiles = {i.account: i.profile for i in reversed(identities) if i is not None and i.account}
        self.dest_given = snapshot.dest_identity is not None

    def _profile(self, account: str | None) -> tuple[str | None, str]:
        if account is not None and account == self.source_account:
            return self.profiles.get(account), SOURCE_PROFILE_PLACEHOLDER
        if account is not None and account in self.profiles:
            return self.profiles[account], DESTINATION_PROFILE_PLACEHOLDER
        return None, DESTINATION_PROFILE_PLACEHOLDER

    def complete(self, text: str) -> str:
        if "aws " not in text:
            return text
        account, region = self.source_account, self.source_region
        bucket = _BUCKET.search(text)
        key = _KMS_ARN.search(text)
        if bucket and bucket.group(1) in self.buckets:
            account, region = self.buckets[bucket.group(1)]
        elif key:
            region, account = key.group(1), key.group(2)
        profile, placeholder = self._profile(account)
        # A region that could not be read is left out rather than guessed (the AWS CLI's default applies).
        return with_global_options(text, profile, region, profile_placeholder=placeholder, region_placeholder=None)


def _finding(finding: Finding, places: _Places) -> Finding:
    evidence: dict[str, Any] = dict(finding.evidence)
    command = evidence.get("command")
    changed = False
    if isinstance(command, str) and command:
        evidence["command"] = places.complete(command)
        changed = evidence["command"] != command
    fix = finding.fix
    if fix is not None and fix.manual_steps:
        steps = places.complete(fix.manual_steps)
        if steps != fix.manual_steps:
            fix, changed = replace(fix, manual_steps=steps), True
    return replace(finding, evidence=evidence, fix=fix) if changed else finding


def complete_commands(report: Report, snapshot: Snapshot) -> Report:
    """``report`` with every finding's command carrying ``--profile`` and ``--region``."""
    places = _Places(report, snapshot)
    layers = tuple(replace(layer, findings=tuple(_finding(f, places) for f in layer.findings))
                   for layer in report.layers)
    return replace(report, layers=layers)
