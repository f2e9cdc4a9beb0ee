"""AccessDenied on each read the probe makes on the seed, one at a time.

The layers that need the denied read turn ``unknown`` (never ``pass``) with the reason and the command
its owner can run; every other layer's findings are exactly those of the fault-free report, except the
``info`` notes INFO_ONLY names (an informational input: the note says it could not be read, nothing else
changes). The table below is checked against the reads the probe really makes, so a new read can't go
untested.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fault_helpers import check, layer_json, statuses, unknown_reasons

from s3repl_tui.aws import Connection
from s3repl_tui.checks.model import Report
from s3repl_tui.sandbox import Sandbox, SeedSetup
from s3repl_tui.sandbox.faults import CallRecorder, always, deny, matching, server_error

ROLE_LAYERS = {"service-role": "unknown", "role-kms": "unknown"}
RULE_LAYERS = ("key-policy", "service-role", "role-kms", "destination-policy", "rule", "source-policy", "monitoring")

# read ("operation@resource") -> {layer: status it must take}; every other layer is unchanged.
# An empty dict is a read no check needs on the seed; each says why, and stays in the table so that a
# check starting to need it (or the probe dropping it) shows up here.
EXPECTED: dict[str, dict[str, str]] = {
    # source bucket
    "s3:GetBucketReplication@source": dict.fromkeys(RULE_LAYERS, "unknown"),
    "s3:GetBucketEncryption@source": {"key-policy": "unknown", "role-kms": "unknown", "rule": "unknown",
                                      # "s3:ReplicateObject is allowed only while the SSE conditions hold"
                                      "service-role": "warn"},
    "s3:GetBucketVersioning@source": {"versioning": "unknown"},
    "s3:GetObjectLockConfiguration@source": {"service-role": "unknown", "rule": "unknown"},
    "s3:GetBucketPolicy@source": {"source-policy": "unknown"},
    # the rest is read with the profile's region client; no check on the seed conditions on the region
    "s3:GetBucketLocation@source": {},
    # only the info note source-acls-enabled (S9) uses it: see INFO_ONLY
    "s3:GetBucketOwnershipControls@source": {},
    "s3:GetBucketRequestPayment@source": {},  # only a cross-account *destination* may not be Requester Pays
    # monitoring information only (an info note, S1), and only when a rule enables metrics: the seed's doesn't
    "s3:GetBucketNotificationConfiguration@source": {},
    # destination bucket (read with the destination profile)
    "s3:GetBucketLocation@dest": {"rule": "unknown"},
    "s3:GetBucketVersioning@dest": {"versioning": "unknown"},
    "s3:GetBucketEncryption@dest": {"key-policy": "unknown", "role-kms": "unknown"},
    "s3:GetBucketPolicy@dest": {"destination-policy": "unknown"},
    "s3:GetBucketRequestPayment@dest": {"destination-policy": "unknown"},
    # only the info note on a redundant owner override (S14) uses it, and says nothing when it is unread
    "s3:GetBucketOwnershipControls@dest": {},
    "s3:GetObjectLockConfiguration@dest": {},  # the source has no Object Lock: the destination's doesn't matter
    # keys
    "kms:DescribeKey@source-key": {"key-policy": "unknown"},
    "kms:DescribeKey@replica-key": {"key-policy": "unknown"},
    "kms:GetKeyPolicy@source-key": {"key-policy": "unknown"},
    "kms:GetKeyPolicy@replica-key": {"key-policy": "unknown"},
    "kms:ListAliases@source-key": {},  # no policy on the seed conditions on kms:ResourceAliases
    "kms:ListAliases@replica-key": {},
    "kms:ListGrants@source-key": {},  # the key policies allow the role: grants add nothing here
    "kms:ListGrants@replica-key": {},
    # the role
    "iam:GetRole@role": ROLE_LAYERS,
    "iam:ListRolePolicies@role": ROLE_LAYERS,
    "iam:GetRolePolicy@role": ROLE_LAYERS,
    "iam:ListAttachedRolePolicies@role": ROLE_LAYERS,
    "iam:GetPolicy@managed": ROLE_LAYERS,
    "iam:GetPolicyVersion@managed": ROLE_LAYERS,
}
# read -> (layer, info finding it must show instead): reads only an ``info`` note needs. The layer's
# status and its non-info findings stay those of the fault-free report.
INFO_ONLY: dict[str, tuple[str, str]] = {
    "s3:GetBucketOwnershipControls@source": ("rule", "source-ownership-unreadable"),
}
DENIED_CODES = {"AccessDenied", "AccessDeniedException"}
KNOWN_GAPS: dict[str, str] = {}  # read -> why its expectation does not hold yet (strict xfail)


def _reads() -> list[object]:
    return [pytest.param(read, marks=pytest.mark.xfail(reason=KNOWN_GAPS[read], strict=True))
            if read in KNOWN_GAPS else read for read in sorted(EXPECTED)]


def _resource(setup: SeedSetup, name: str) -> str:
    return {
        "source": setup.source_bucket,
        "dest": setup.dest_bucket,
        "source-key": setup.source_key_arn,
        "replica-key": setup.replica_key_arn,
        "role": setup.role_name,
        "managed": setup.managed_policy_arn,
    }[name]


def _comparable(report: Report, layer_id: str, read: str) -> dict[str, Any]:
    """The layer as JSON; without its info findings when the denied read only feeds an info note."""
    layer = layer_json(report, layer_id)
    if INFO_ONLY.get(read, ("",))[0] == layer_id:
        layer["findings"] = [f for f in layer["findings"] if f["severity"] != "info"]
    for finding in layer["findings"]:  # a command's --region comes from the bucket's location, which may be the read
        command = finding.get("evidence", {}).get("command")
        if isinstance(command, str):
            finding["evidence"]["command"] = re.sub(r" --region \S+", "", command)
    return layer


def _baseline(connection: Connection, setup: SeedSetup) -> Report:
    report = check(connection, setup)
    assert report.verdict == "pass", statuses(report)
    return report


def test_the_table_names_every_read_the_probe_makes_on_the_seed(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    recorder = CallRecorder()
    sandbox.middleware.fault_hooks.append(recorder)
    _baseline(connection, seed)

    names = {v: k for k, v in {n: _resource(seed, n) for n in
                               ("source", "dest", "source-key", "replica-key", "managed")}.items()}
    made = set()
    for key in recorder.calls:
        operation, _, resource = key.partition(" ")
        if operation.startswith("iam:"):
            target = "managed" if "PolicyArn=" in resource else "role"
        else:
            target = names[resource]
        made.add(f"{operation}@{target}")
    assert made == set(EXPECTED)
    assert recorder.repeated() == {}  # and none of them twice


@pytest.mark.parametrize("read", _reads())
def test_a_denied_read_makes_its_layers_unknown_and_leaves_the_others_alone(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup, read: str
) -> None:
    baseline = _baseline(connection, seed)
    operation, _, target = read.partition("@")
    resource = None if operation.startswith("iam:") else _resource(seed, target)
    hook = deny(operation, resource=resource)
    sandbox.middleware.fault_hooks.append(hook)

    report = check(connection, seed)

    assert sum(hook.hits.values()) == 1, hook.hits  # denied once, not retried, not read again
    expected = {**statuses(baseline), **EXPECTED[read]}
    assert statuses(report) == expected
    for layer in report.layers:
        if layer.id not in EXPECTED[read]:
            assert _comparable(report, layer.id, read) == _comparable(baseline, layer.id, read), layer.id
        elif layer.status == "unknown":
            reasons = unknown_reasons(report, layer.id)
            assert reasons, layer.id
            assert any(r.get("error") in DENIED_CODES and r.get("kind") == "access-denied" for r in reasons)
            assert all(r.get("command", "").startswith("aws ") for r in reasons if r.get("kind") != "pending")
    if read in INFO_ONLY:
        layer_id, code = INFO_ONLY[read]
        note = [f for f in report.layer(layer_id).findings if f.code == code]
        assert note and note[0].severity == "info" and not note[0].unknown, [f.code for f in report.findings]
        assert note[0].evidence.get("error") in DENIED_CODES and note[0].evidence["command"].startswith("aws ")
    if EXPECTED[read]:
        assert report.verdict == "unknown"
    elif read not in INFO_ONLY:
        ids = [layer.id for layer in report.layers]  # equal but for a command's --region (the denied read)
        assert [_comparable(report, i, read) for i in ids] == [_comparable(baseline, i, read) for i in ids]
    else:
        assert report.verdict == baseline.verdict


def test_a_persistent_failure_on_the_destination_policy_is_unknown_never_pass(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    """Not a denial: a 500 on every attempt. The layer can't be judged, so the verdict isn't pass."""
    hook = always(server_error, matching("s3:GetBucketPolicy", resource=seed.dest_bucket))
    sandbox.middleware.fault_hooks.append(hook)
    report = check(connection, seed)

    assert sum(hook.hits.values()) == 4  # botocore's standard mode: 1 + 3 retries
    assert report.layer("destination-policy").status == "unknown"
    assert report.verdict == "unknown"
    reason = unknown_reasons(report, "destination-policy")[0]
    assert reason["error"] == "InternalError" and reason["operation"] == "s3:GetBucketPolicy"
