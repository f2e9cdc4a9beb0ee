"""Snapshot -> Report: every layer's findings, pure (no I/O, no AWS SDK, no UI).

``judge(snapshot)`` builds the requests S3 makes when it replicates (``requests``), judges each against
the role's and the resource's policies (``access``), and lets one module per layer turn what it owns
into findings. Layer order and ids are the JSON contract (design.md); ``source-policy`` follows them.
"""

from __future__ import annotations

from collections.abc import Callable

from s3repl_tui.checks import (
    destination_policy,
    facts,
    key_policy,
    monitoring,
    role_kms,
    rule,
    service_role,
    source_policy,
    versioning,
)
from s3repl_tui.checks.access import Access, assess
from s3repl_tui.checks.commands import complete_commands
from s3repl_tui.checks.model import EXTRA_LAYERS, LAYERS, BucketRef, Finding, LayerResult, Report
from s3repl_tui.checks.prerequisites import prerequisites
from s3repl_tui.checks.requests import build_requests
from s3repl_tui.probes.snapshot import Snapshot

__all__ = ["judge"]

Check = Callable[[Snapshot, tuple[Access, ...]], tuple[Finding, ...]]
_CHECKS: dict[str, Check] = {
    "versioning": lambda s, _: versioning.check(s),
    "key-policy": key_policy.check,
    "service-role": service_role.check,
    "role-kms": role_kms.check,
    "destination-policy": destination_policy.check,
    "rule": lambda s, _: rule.check(s),
    "source-policy": source_policy.check,
}


def _bucket_refs(snapshot: Snapshot) -> tuple[BucketRef, tuple[BucketRef, ...]]:
    source = snapshot.source
    rules = facts.rule_facts(snapshot.replication)
    enabled = tuple(r.id for r in rules if r.enabled)
    source_ref = BucketRef(source.name, source.owner_account, facts.region_of(source), enabled)
    by_destination: dict[str, list[str]] = {}
    accounts: dict[str, str | None] = {}
    for item in rules:
        if item.destination_bucket:
            by_destination.setdefault(item.destination_bucket, []).append(item.id)
            accounts.setdefault(item.destination_bucket, item.account)
    destinations = []
    for name, ids in by_destination.items():
        bucket = snapshot.destinations.get(name)
        account = (bucket.owner_account if bucket is not None else None) or accounts.get(name)
        region = facts.region_of(bucket) if bucket is not None else None
        destinations.append(BucketRef(name, account, region, tuple(ids)))
    return source_ref, tuple(destinations)


def judge(snapshot: Snapshot) -> Report:
    """The report for one snapshot (a partial one too: what is still being read is pending, not pass).

    AWS never answers documents of the wrong shape, but a check must not crash on one (or on a bug of
    ours): whatever cannot be judged makes its layer unknown, with the reason, never a pass."""
    try:
        accesses: tuple[Access, ...] | None = assess(snapshot, build_requests(snapshot))
        not_judged: Exception | None = None
    except Exception as error:
        accesses, not_judged = None, error
    layers: list[LayerResult] = []
    for layer_id, title in LAYERS + EXTRA_LAYERS:
        try:
            if accesses is None and layer_id in _NEEDS_ACCESS:
                raise not_judged or RuntimeError("no access decisions")
            if layer_id == "monitoring":  # judges the other layers against what S3 reports
                judged: tuple[Finding, ...] = monitoring.check(snapshot, layers)
            else:
                judged = _CHECKS[layer_id](snapshot, accesses or ())
            findings = tuple(prerequisites(snapshot, layer_id)) + judged
        except Exception as error:
            findings = (_could_not_judge(layer_id, error),)
        layers.append(LayerResult(layer_id, title, findings))
    try:
        source, destinations = _bucket_refs(snapshot)
    except Exception:
        source = BucketRef(snapshot.source.name, snapshot.source.owner_account, None)
        destinations = ()
    report = Report(source, destinations, tuple(layers), snapshot.calls.count, snapshot.calls.wall_seconds)
    try:  # every printed aws command carries --profile and --region (s3repl_tui/checks/commands.py)
        return complete_commands(report, snapshot)
    except Exception:  # a command we cannot complete is still better than no report
        return report


_NEEDS_ACCESS = frozenset({"key-policy", "service-role", "role-kms", "destination-policy", "source-policy"})


def _could_not_judge(layer_id: str, error: Exception) -> Finding:
    reason = str(error) or type(error).__name__
    return Finding(
        code=f"{layer_id}-not-judged",
        severity="warning",
        message=f"This layer could not be judged: an input has a shape AWS does not answer ({reason}).",
        evidence={"reason": f"{type(error).__name__}: {reason}"},
        unknown=True,
    )
