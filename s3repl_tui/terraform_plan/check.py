"""``check --terraform-plan``: the Snapshot the live probe would build, from a Terraform plan, and the
report of the same engine.

Planned values fill the probe's state; what the plan does not hold (the other account's bucket, an
existing key or role) is read live with the probe's own readers when credentials were given, otherwise
it is ``no-credentials`` (unknown). Every layer judged from planned values says so in an info finding."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from s3repl_tui.aws.arns import Arn, role_name
from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Finding, LayerResult, Report
from s3repl_tui.probes.assemble import assemble
from s3repl_tui.probes.commands import cli_command
from s3repl_tui.probes.reads import not_attempted
from s3repl_tui.probes.snapshot import CallStats, Identity, Read, Snapshot
from s3repl_tui.probes.state import (
    BUCKET_OPERATIONS,
    KEY_OPERATIONS,
    ROLE_OPERATIONS,
    SOURCE_ONLY_OPERATIONS,
    BucketState,
    KeyState,
    ProbeState,
    RoleState,
)
from s3repl_tui.terraform_plan.plan_file import load
from s3repl_tui.terraform_plan.planned import (
    KNOWN_AFTER_APPLY,
    ROLE_PLACEHOLDER,
    PlannedRole,
    PlannedSetup,
    after_apply,
    planned_setup,
)

# Which planned inputs each layer is judged on.
_LAYER_INPUTS = {
    "versioning": ("versioning",),
    "key-policy": ("keys", "encryption"),
    "service-role": ("role", "object_lock"),
    "role-kms": ("role", "keys", "encryption"),
    "destination-policy": ("destination-policy", "ownership"),
    "rule": ("replication",),
    "source-policy": ("source-policy",),
    "monitoring": ("notification",),
}
_PRINCIPAL_LAYERS = frozenset({"key-policy", "destination-policy", "source-policy"})
# The layers judged on the replication configuration's rules: a part of them known only after apply (left
# out of the document) leaves each unknown, never a pass on the rest.
_RULE_LAYERS = frozenset({"versioning", "key-policy", "service-role", "role-kms", "destination-policy", "rule"})


def _overlay(state: ProbeState, setup: PlannedSetup) -> None:
    """Planned values over whatever was read live: the plan is what the setup will be."""
    for name, planned in setup.buckets.items():
        bucket = state.buckets.setdefault(name, BucketState(name, is_source=name == setup.source_bucket))
        bucket.reads.update(planned.reads)
        bucket.owner_account = planned.owner_account or bucket.owner_account
        if planned.resource is not None:
            bucket.read_as = bucket.read_as or planned.owner_account
        if name != setup.source_bucket and name not in state.destination_names:
            state.destination_names.append(name)
    for name, bucket in state.buckets.items():
        operations = {**BUCKET_OPERATIONS, **(SOURCE_ONLY_OPERATIONS if bucket.is_source else {})}
        for field_name, operation in operations.items():
            if field_name not in bucket.reads:
                command = cli_command(operation, Bucket=name)
                bucket.reads[field_name] = not_attempted(operation, bucket.owner_account, command)
    role = setup.role
    if role is not None:
        state.role = RoleState(role.arn, role.name, role.account, reads=_role_reads(state, role))
    elif setup.role_arn is None:
        state.role = RoleState(ROLE_PLACEHOLDER, ROLE_PLACEHOLDER, None, reads={
            name: after_apply("The replication role", operation, setup.replication_address)
            for name, operation in ROLE_OPERATIONS.items()})
    elif state.role is None or state.role.arn != setup.role_arn:
        parsed = Arn.parse(setup.role_arn)
        name = role_name(setup.role_arn) or ""
        state.role = RoleState(setup.role_arn, name, parsed.account if parsed else None, reads={
            field_name: not_attempted(operation, parsed.account if parsed else None,
                                      cli_command("iam:GetRole", RoleName=name))
            for field_name, operation in ROLE_OPERATIONS.items()})
    if role is None and setup.added_inline and state.role is not None and state.role.inline_names is not None:
        # The plan adds (or replaces) inline policies of a role it does not manage: as they will be.
        state.role.inline_names = tuple(dict.fromkeys((*state.role.inline_names, *setup.added_inline)))
        state.role.inline.update(setup.added_inline)
    for reference, key in setup.keys.items():
        state.keys[reference] = KeyState(reference, key.arn, key.region, key.account, key.arn, dict(key.reads))
    for number, reference in enumerate(setup.keys):
        state.key_ranks.setdefault(reference, (number, 0))
    for reference, account, _bucket, rank in setup.live_keys:
        state.key_ranks.setdefault(reference, rank)
        if reference not in state.keys:
            state.keys[reference] = KeyState(reference, None, None, account, reads={
                name: not_attempted(operation, account, cli_command(operation, KeyId=reference))
                for name, operation in KEY_OPERATIONS.items()})


def _managed(state: ProbeState, arn: str, account: str | None) -> Read[Any]:
    """A managed policy the plan does not hold: as read live, else not read."""
    return state.managed_policies.get(arn) or not_attempted(
        "iam:GetPolicyVersion", account, cli_command("iam:GetPolicy", PolicyArn=arn))


def _role_reads(state: ProbeState, role: PlannedRole) -> dict[str, Read[Any]]:
    reads = dict(role.reads)
    if "attached_policies" not in reads:
        documents = dict(role.planned_policies)
        for arn in role.live_policies:
            read = _managed(state, arn, role.account)
            if read.error is not None:
                reads["attached_policies"] = Read.failed(read.error)
                break
            documents[arn] = read.value
        else:
            reads["attached_policies"] = Read.ok(documents)
    if role.live_boundary is not None:
        reads["boundary"] = _managed(state, role.live_boundary, role.account)
    return reads


def snapshot_from_plan(setup: PlannedSetup, live: Any = None) -> Snapshot:
    """The Snapshot of the planned setup. ``live``: a ``(ProbeState, identities, calls)`` of what the
    probe read of the rest, or None (no credentials: the rest is unknown)."""
    if live is None:
        state = ProbeState(setup.source_bucket)
        state.buckets[setup.source_bucket] = BucketState(setup.source_bucket, is_source=True)
        source = setup.buckets[setup.source_bucket].owner_account
        identities: tuple[Identity, Identity | None] = (Identity("source", None, source, None), None)
        calls = CallStats()
    else:
        state, identities, calls = live
    _overlay(state, setup)
    state.source_identity, state.dest_identity = identities
    return assemble(state, None, identities[1] is not None, calls)


def _inputs(setup: PlannedSetup) -> dict[str, list[str]]:
    source = setup.buckets[setup.source_bucket]
    found: dict[str, list[str]] = {"replication": [setup.replication_address]}

    def add(kind: str, address: str | None) -> None:
        if address and address not in found.setdefault(kind, []):
            found[kind].append(address)

    for bucket in setup.buckets.values():
        add("versioning", bucket.addresses.get("versioning"))
        add("encryption", bucket.addresses.get("encryption"))
        add("object_lock", bucket.addresses.get("object_lock"))
        if bucket.name != setup.source_bucket:
            add("destination-policy", bucket.addresses.get("policy"))
            add("ownership", bucket.addresses.get("ownership"))
    add("source-policy", source.addresses.get("policy"))
    add("notification", source.addresses.get("notification"))
    for address in setup.role.addresses if setup.role is not None else setup.added_addresses:
        add("role", address)
    for key in setup.keys.values():
        add("keys", key.address)
    return found


def _live_inputs(setup: PlannedSetup) -> dict[str, list[str]]:
    live: dict[str, list[str]] = {}
    for bucket in setup.buckets.values():
        if not bucket.created:  # an existing bucket: what the plan does not set is read
            what = f"s3://{bucket.name}"
            kind = "destination-policy" if bucket.name != setup.source_bucket else "source-policy"
            for layer_kind in ("versioning", kind, "encryption"):
                live.setdefault(layer_kind, []).append(what)
    if setup.role is None and setup.role_arn:
        live.setdefault("role", []).append(setup.role_arn)
    for reference, *_ in setup.live_keys:
        live.setdefault("keys", []).append(reference)
    return live


def annotate(report: Report, setup: PlannedSetup, plan_path: str, read_live: bool) -> Report:
    """Each layer says what it was judged on from the plan; with the role's ARN known only after apply, a
    policy that names roles cannot fail it yet (unknown instead)."""
    planned, live = _inputs(setup), _live_inputs(setup)
    rule_unknown = setup.rule_unknown
    layers: list[LayerResult] = []
    for layer in report.layers:
        kinds = _LAYER_INPUTS.get(layer.id, ())
        addresses = [a for kind in kinds for a in planned.get(kind, ())]
        elsewhere = [a for kind in kinds for a in live.get(kind, ())]
        findings = [_known_after_apply(f) for f in layer.findings]
        if setup.role_unknown and layer.id in _PRINCIPAL_LAYERS:
            findings = [_not_yet(f) for f in findings]
        if layer.id == "monitoring":
            findings = [_before_apply(f) for f in findings]
        if rule_unknown and layer.id == "rule":
            findings = [_not_yet_rule(f) for f in findings]
        if rule_unknown and layer.id in _RULE_LAYERS:
            findings.append(Finding(
                "rule-part-known-after-apply", "warning",
                f"Part of the replication rules is known only after `terraform apply` ({', '.join(rule_unknown)}), "
                "so this layer cannot be judged from the plan yet; write those values or reference resources of "
                "the plan.", None, None, {"terraform_plan": plan_path, "known_after_apply": rule_unknown},
                unknown=True))
        if setup.role_unknown and layer.id == "rule":
            findings.append(Finding(
                "rule-role-known-after-apply", "warning",
                "The configuration's Role is known only after `terraform apply`, so which role S3 assumes cannot "
                "be judged from the plan; reference an aws_iam_role of the plan or write its ARN.",
                None, None, {"terraform_plan": plan_path, "known_after_apply": setup.unknown}, unknown=True))
        if addresses or elsewhere:
            dedup = list(dict.fromkeys(addresses))
            message = (f"Judged from the Terraform plan {plan_path}: {', '.join(dedup)}" if dedup
                       else f"Nothing of this layer is in the Terraform plan {plan_path}")
            if elsewhere:
                how = ("read live where credentials allow" if read_live
                       else "not in the plan (no credentials to read them)")
                message += f"; {how}: {', '.join(dict.fromkeys(elsewhere))}"
            evidence: dict[str, Any] = {"terraform_plan": plan_path, "planned": dedup}
            if elsewhere:
                evidence["read_live" if read_live else "not_in_plan"] = list(dict.fromkeys(elsewhere))
            findings.insert(0, Finding("from-terraform-plan", "info", message + ".", None, None, evidence))
        layers.append(dataclasses.replace(layer, findings=tuple(findings)))
    return dataclasses.replace(report, layers=tuple(layers))


def _known_after_apply(finding: Finding) -> Finding:
    """An input known only after apply has no owner to ask and no command to run yet."""
    if finding.evidence.get("error") != KNOWN_AFTER_APPLY:
        return finding
    message = finding.message.replace("ask its owner to run the command in the evidence",
                                      "check again after `terraform apply`")
    evidence = {k: v for k, v in finding.evidence.items() if k != "command"}
    return dataclasses.replace(finding, message=message, evidence=evidence)


def _before_apply(finding: Finding) -> Finding:
    """No metrics are read for a planned setup: it replicates nothing yet, whatever its metrics will be."""
    if finding.code != "monitoring-metrics-off":
        return finding
    rule = finding.evidence.get("rule")
    return dataclasses.replace(
        finding, code="monitoring-before-apply",
        message=f"Nothing is observed before `terraform apply`: S3 reports on rule '{rule}' once it replicates.",
        evidence={k: v for k, v in finding.evidence.items() if k != "metrics"})


def _not_yet(finding: Finding) -> Finding:
    if finding.severity != "error" or finding.unknown:
        return finding
    where = finding.resource or "this policy"
    message = (f"Not judged before apply: the replication role's ARN is known only then, so whether {where} "
               "allows the role cannot be judged yet.")
    evidence = {**finding.evidence, "known_after_apply": "the replication role's ARN", "judged_now": finding.message}
    return dataclasses.replace(finding, severity="warning", message=message, evidence=evidence, unknown=True,
                               fix=None)


def _not_yet_rule(finding: Finding) -> Finding:
    """A rule error judged on rules with parts left out (known only after apply) may be the gap itself."""
    if finding.severity != "error" or finding.unknown:
        return finding
    evidence = {**finding.evidence, "judged_now": finding.message}
    return dataclasses.replace(finding, severity="warning", evidence=evidence, unknown=True, fix=None,
                               message="Not judged before apply: " + finding.message)


def check_plan(path: Path, source_bucket: str | None, connection: Any = None) -> Report:
    """Judge the setup a plan file describes; ``connection``: read what it lacks live (or None)."""
    plan = load(path)
    source_account = connection.source.account if connection is not None else None
    setup = planned_setup(plan, source_bucket, source_account)
    live = None
    if connection is not None:
        from s3repl_tui.terraform_plan.live import read_rest

        live = read_rest(connection, setup)
    report = judge(snapshot_from_plan(setup, live))
    return annotate(report, setup, str(path), connection is not None)
