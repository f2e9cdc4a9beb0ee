"""The whole report: the seed passes with warnings, unreadable inputs are never a pass, the verdict."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from checks_helpers import (
    ACCOUNT_A,
    ACCOUNT_B,
    DST,
    DST_REGION,
    REPLICA_KEY,
    ROLE_ARN,
    SRC,
    SRC_REGION,
    Seed,
    codes,
    failed,
    no_credentials,
)

from s3repl_tui.checks import fixes
from s3repl_tui.checks.model import LAYERS
from s3repl_tui.probes.snapshot import Read


def test_seed_setup_passes_with_warnings(seed: Seed) -> None:
    report = seed.report()
    assert report.verdict == "pass"
    statuses = {layer.id: layer.status for layer in report.layers}
    assert statuses == {"versioning": "pass", "key-policy": "pass", "service-role": "pass", "role-kms": "warn",
                        "destination-policy": "pass", "rule": "warn", "source-policy": "pass",
                        "monitoring": "pass"}
    # The seed's role has kms:Encrypt but not kms:GenerateDataKey on the replica key; metrics are off; its
    # owner override is redundant under the destination's BucketOwnerEnforced (an info note, S14).
    assert codes(report) == ["role-kms-replica-encrypt-partial", "rule-metrics-disabled", "rule-replica-encryption",
                             "rule-owner-override-unnecessary", "monitoring-metrics-off"]


def test_layers_in_contract_order_then_extras(seed: Seed) -> None:
    ids = [layer.id for layer in seed.report().layers]
    assert ids[:6] == [layer for layer, _ in LAYERS]
    assert ids[6:] == ["source-policy", "monitoring"]


def test_bucket_refs_and_calls(seed: Seed) -> None:
    report = seed.report()
    assert (report.source.bucket, report.source.account, report.source.region) == (SRC, ACCOUNT_A, SRC_REGION)
    assert report.source.rules == ("seed-rule",)
    [dest] = report.destinations
    assert (dest.bucket, dest.account, dest.region, dest.rules) == (DST, ACCOUNT_B, DST_REGION, ("seed-rule",))
    assert (report.call_count, report.wall_seconds) == (23, 0.4)


def test_json_contract(seed: Seed) -> None:
    seed.dest_versioning = "Suspended"
    document = json.loads(json.dumps(seed.report().to_json()))
    assert document["schema"] == 1 and document["verdict"] == "fail"
    finding = document["layers"][0]["findings"][0]
    assert set(finding) == {"code", "severity", "message", "resource", "aws_failure_reason", "evidence", "fix"}
    assert finding["fix"]["id"] == "enable-destination-versioning" and finding["fix"]["automatic"] is True


def test_only_source_credentials_is_never_a_pass(seed: Seed) -> None:
    for name in ("versioning", "encryption", "object_lock", "policy", "request_payment", "ownership"):
        seed.reads[f"dest.{name}"] = no_credentials(f"s3:Get{name}")
    for name in ("metadata", "policy", "aliases"):
        seed.reads[f"{REPLICA_KEY}.{name}"] = no_credentials("kms:DescribeKey")
    report = seed.report()
    assert report.verdict in ("unknown", "fail")
    for layer in ("versioning", "key-policy", "destination-policy"):
        assert report.layer(layer).status == "unknown", layer
    unknown = [f for f in report.findings if f.unknown]
    assert unknown and all(f.evidence.get("command") for f in unknown)
    assert all(f.severity == "warning" for f in unknown)


def test_unreadable_configuration_makes_every_permission_layer_unknown(seed: Seed) -> None:
    seed.reads["source.replication"] = failed(operation="s3:GetBucketReplication")
    report = seed.report()
    assert report.verdict == "unknown"
    for layer in ("key-policy", "service-role", "role-kms", "destination-policy", "rule", "source-policy"):
        assert report.layer(layer).status == "unknown", layer


def test_pending_inputs_are_pending_unknowns(seed: Seed) -> None:
    seed.reads["dest.versioning"] = Read.pending("s3:GetBucketVersioning")
    seed.reads["role.inline"] = Read.pending("iam:ListRolePolicies")
    report = seed.report()
    assert report.layer("versioning").pending and report.layer("versioning").status == "unknown"
    assert report.layer("service-role").pending and report.layer("role-kms").pending
    assert report.verdict == "unknown"


def test_fail_beats_unknown(seed: Seed) -> None:
    seed.dest_versioning = "Suspended"
    seed.reads["dest.policy"] = no_credentials()
    report = seed.report()
    assert report.layer("destination-policy").status == "unknown"
    assert report.verdict == "fail"


def _deny(seed: Seed, document: str, action: str) -> None:
    seed.documents[document]["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": action, "Resource": "*"})


MUTATIONS: dict[str, Callable[[Seed], None]] = {
    "dest-versioning": lambda s: setattr(s, "dest_versioning", "Suspended"),
    "source-versioning": lambda s: setattr(s, "source_versioning", ""),
    "no-inline": lambda s: s.documents.update(inline=None),
    "dest-policy-gone": lambda s: s.documents.update(dest_policy=None),
    "dest-policy-deny": lambda s: _deny(s, "dest_policy", "s3:ReplicateObject"),
    "key-policy-deny": lambda s: _deny(s, "replica_key_policy", "kms:*"),
    "rule-disabled": lambda s: s.rule.update(Status="Disabled"),
    "no-opt-in": lambda s: s.rule.pop("SourceSelectionCriteria"),
    "no-account": lambda s: s.rule["Destination"].pop("Account"),
    "wrong-account": lambda s: s.rule["Destination"].update(Account="999999999999"),
    "no-priority": lambda s: s.rule.pop("Priority"),
    "eor": lambda s: s.rule.update(ExistingObjectReplication={"Status": "Enabled"}),
    "role-path": lambda s: s.documents["replication"].update(Role=s.documents["replication"]["Role"].replace(
        "/service-role/", "/")),
    "no-role": lambda s: setattr(s, "role_exists", False),
    "no-dest": lambda s: setattr(s, "dest_exists", False),
    "object-lock": lambda s: setattr(s, "source_object_lock", {"ObjectLockEnabled": "Enabled"}),
    "requester-pays": lambda s: setattr(s, "dest_payer", "Requester"),
    "key-disabled": lambda s: s.keys_meta[REPLICA_KEY].update(KeyState="PendingDeletion", Enabled=False),
    "trust": lambda s: s.documents["trust"]["Statement"][0].update(Principal={"Service": "ec2.amazonaws.com"}),
    "stale": lambda s: s.documents["dest_policy"]["Statement"][0]["Principal"].update(AWS="AROAEXAMPLEEXAMPLE12"),
    "unreadable": lambda s: s.reads.update({"source.policy": no_credentials(), "dest.policy": no_credentials()}),
    "no-config": lambda s: s.documents.update(replication=None),
}


def _documented_fix_ids() -> set[str]:
    return set(re.findall(r"``([a-z][a-z0-9-]+)``", fixes.__doc__ or ""))


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_every_finding_is_complete(seed: Seed, mutation: str) -> None:
    """Stable kebab-case codes, one sentence, evidence; fixes documented, complete, with a way to apply them."""
    MUTATIONS[mutation](seed)
    report = seed.report()
    assert any(f.severity != "info" for f in report.findings)
    for finding in report.findings:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", finding.code), finding.code
        assert finding.message.endswith(".") and finding.evidence, finding.code
        if finding.unknown:
            assert finding.severity == "warning" and finding.evidence.get("command"), finding.code
        if finding.fix is not None:
            assert finding.fix.id in _documented_fix_ids(), finding.fix.id
            assert finding.fix.api, finding.code
            if finding.fix.automatic:
                assert finding.fix.params and finding.fix.account, finding.code
            else:
                assert finding.fix.manual_steps, finding.code


def test_a_snapshot_with_nothing_read_yet_is_pending_everywhere() -> None:
    from s3repl_tui.checks import judge
    from s3repl_tui.probes.assemble import assemble
    from s3repl_tui.probes.snapshot import CallStats
    from s3repl_tui.probes.state import BucketState, ProbeState

    state = ProbeState(SRC)
    state.buckets[SRC] = BucketState(SRC, is_source=True)
    report = judge(assemble(state, None, True, CallStats()))
    assert report.verdict == "unknown"
    assert all(layer.status == "unknown" and layer.pending for layer in report.layers)


@pytest.mark.parametrize(
    "break_input",
    [
        lambda s: s.reads.update({"source.replication": Read.ok([{"Rules": "not rules"}])}),
        lambda s: s.reads.update({"source.replication": Read.ok({"Role": ROLE_ARN, "Rules": [
            {"ID": "r", "Status": "Enabled", "Destination": ["arn:aws:s3:::d"]}]})}),
        lambda s: s.documents.update(dest_policy=["not", "a", "policy"]),
        lambda s: s.documents.update(inline=42),
    ],
    ids=["configuration-is-a-list", "destination-is-a-list", "bucket-policy-is-a-list", "inline-is-a-number"],
)
def test_inputs_of_a_shape_aws_never_answers_make_layers_unknown_not_a_crash(seed: Seed, break_input: Any) -> None:
    break_input(seed)
    report = seed.report()
    assert report.verdict != "pass"
    assert any(layer.status in ("unknown", "fail") for layer in report.layers)
