"""Sandbox -> probe -> judge: the seed passes, each breakage fails on its layer with its code, and
missing destination credentials are never a pass."""

from __future__ import annotations

import copy

import pytest

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Report
from s3repl_tui.fixes import plan_fixes
from s3repl_tui.probes import probe
from s3repl_tui.probes.snapshot import Snapshot
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, build_seed
from s3repl_tui.sandbox.scenarios import MORE_BREAKAGES

# breakage -> (layer that must fail, finding code that must be there, failure reason or None)
EXPECTED: dict[str, tuple[str, str, str | None]] = {
    "versioning": ("versioning", "destination-versioning-suspended", "DstBucketUnversioned"),
    "role-kms": ("role-kms", "role-kms-permission-missing", None),
    "destination-policy": ("destination-policy", "destination-policy-missing", "DstPutObjectNotPermitted"),
    "rule": ("rule", "rule-sse-kms-opt-in-missing", None),
    "service-role/trust-without-s3": ("service-role", "role-trust-missing-s3", "AssumeRoleNotPermitted"),
    "service-role/missing-get-object-version-for-replication":
        ("service-role", "role-permission-missing", "SrcGetObjectNotPermitted"),
    "service-role/deny-in-role-policy": ("service-role", "role-policy-denies", "DstPutObjectNotPermitted"),
    "service-role/boundary-without-replicate-object":
        ("service-role", "role-boundary-blocks", "DstPutObjectNotPermitted"),
    "key-policy/replica-key-without-source-account":
        ("key-policy", "key-policy-missing-grant", "DstPutObjectNotPermitted"),
    "key-policy/replica-key-disabled": ("key-policy", "key-not-enabled", "DstKmsKeyInvalidState"),
    "key-policy/replica-key-pending-deletion": ("key-policy", "key-pending-deletion", "DstKmsKeyInvalidState"),
    "role-kms/via-service-wrong-region": ("role-kms", "role-kms-condition-mismatch", None),
    "role-kms/bucket-key-with-object-context": ("role-kms", "role-kms-bucket-key-context", None),
    "destination-policy/denies-role": ("destination-policy", "destination-policy-denies", "DstPutObjectNotPermitted"),
    "destination-policy/role-without-path":
        ("destination-policy", "destination-policy-role-path-mismatch", "DstPutObjectNotPermitted"),
    "rule/role-without-path": ("rule", "rule-role-arn-mismatch", "AssumeRoleNotPermitted"),
    "rule/disabled": ("rule", "rule-disabled", None),
    "rule/owner-override-without-account": ("rule", "rule-owner-override-without-account", None),
    "rule/replica-key-in-wrong-region": ("rule", "rule-replica-key-wrong-region", "DstKmsKeyNotFound"),
    "rule/source-object-lock-without-destination":
        ("rule", "destination-object-lock-missing", "DstBucketObjectLockConfigMissing"),
    "source-policy/denies-outside-vpc-endpoint": ("source-policy", "source-policy-denies", "SrcGetObjectNotPermitted"),
}
ALL = {**BREAKAGES, **MORE_BREAKAGES}


@pytest.fixture
def sb(sandbox: Sandbox) -> Sandbox:
    """The shared sandbox (tests/conftest.py): empty, with the environment pointing at it."""
    return sandbox


@pytest.fixture
def setup(sb: Sandbox) -> SeedSetup:
    return build_seed(sb)


def check(setup: SeedSetup, dest_profile: str | None = DEST_PROFILE) -> Report:
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=dest_profile))
    return judge(probe(connection, setup.source_bucket))


def test_every_breakage_has_an_expectation() -> None:
    assert set(EXPECTED) == set(ALL)


def test_seed_passes(setup: SeedSetup) -> None:
    report = check(setup)
    assert report.verdict == "pass", [f.message for f in report.findings]
    assert all(f.severity != "error" for f in report.findings)
    warned = {f.code for f in report.findings if f.severity == "warning"}
    assert warned == {"role-kms-replica-encrypt-partial", "rule-metrics-disabled"}
    assert report.destinations[0].account == setup.dest_account


# Breakages applied together touch different layers and don't hide each other (a disabled rule hides
# everything else, so it runs alone); together they keep the run short: the seed takes ~3 s to build
# and probe. Each group must fail exactly the layers its breakages name.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("versioning", "service-role/trust-without-s3", "source-policy/denies-outside-vpc-endpoint"),
    ("role-kms", "destination-policy/denies-role", "rule/owner-override-without-account"),
    ("destination-policy", "service-role/deny-in-role-policy", "key-policy/replica-key-disabled"),
    ("rule", "service-role/missing-get-object-version-for-replication", "destination-policy/role-without-path"),
    ("service-role/boundary-without-replicate-object", "rule/source-object-lock-without-destination",
     "key-policy/replica-key-without-source-account"),
    ("key-policy/replica-key-pending-deletion", "rule/role-without-path", "role-kms/via-service-wrong-region"),
    ("role-kms/bucket-key-with-object-context", "rule/replica-key-in-wrong-region"),
    ("rule/disabled",),
)


def test_every_breakage_is_grouped_once() -> None:
    grouped = [name for names in GROUPS for name in names]
    assert sorted(grouped) == sorted(EXPECTED)


@pytest.mark.parametrize("names", GROUPS, ids=["+".join(names) for names in GROUPS])
def test_breakages_fail_on_their_layers(sb: Sandbox, setup: SeedSetup, names: tuple[str, ...]) -> None:
    for name in names:
        ALL[name](sb, setup)
    report = check(setup)
    assert report.verdict == "fail"
    failing = {layer.id for layer in report.layers if layer.status == "fail"}
    assert failing == {EXPECTED[name][0] for name in names}, [(f.code, f.message) for f in report.findings]
    for name in names:
        layer, code, reason = EXPECTED[name]
        found = [f for f in report.layer(layer).findings if f.code == code]
        assert found, (name, [f.code for f in report.layer(layer).findings])
        assert found[0].aws_failure_reason == reason, name
        assert found[0].severity == "error" and found[0].fix is not None, name


def test_partial_snapshots_are_judged_and_never_pass_early(setup: SeedSetup) -> None:
    partial: list[Snapshot] = []
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    final = probe(connection, setup.source_bucket, on_update=partial.append)
    reports = [judge(snapshot) for snapshot in partial]
    assert reports and reports[0].verdict == "unknown"
    for report in reports:
        if any(layer.pending for layer in report.layers):
            assert report.verdict != "pass"
    assert judge(final).verdict == "pass"


def test_only_source_credentials_is_never_a_pass(setup: SeedSetup) -> None:
    report = check(setup, dest_profile=None)
    assert report.verdict in ("unknown", "fail")
    for layer in ("versioning", "destination-policy", "key-policy"):
        assert report.layer(layer).status in ("unknown", "fail"), layer
    unknown = [f for f in report.findings if f.unknown]
    assert unknown and all(f.evidence.get("command") for f in unknown)


def test_only_source_credentials_still_fails_what_the_source_shows(sb: Sandbox, setup: SeedSetup) -> None:
    BREAKAGES["rule"](sb, setup)
    report = check(setup, dest_profile=None)
    assert report.verdict == "fail" and report.layer("rule").status == "fail"


def test_a_missing_destination_bucket_leaves_no_layer_green(sb: Sandbox, setup: SeedSetup) -> None:
    """The rule names a bucket that does not exist: versioning fails with the rule layer's
    DstBucketNotFound, the destination policy is unknown (nothing to judge), the fix is manual, once."""
    gone = "s3-repl-test-gone"
    replication = copy.deepcopy(setup.documents["replication"])
    replication["Rules"][0]["Destination"]["Bucket"] = f"arn:aws:s3:::{gone}"
    s3 = sb.session(SOURCE_PROFILE).client("s3", region_name=setup.source_region)
    s3.put_bucket_replication(Bucket=setup.source_bucket, ReplicationConfiguration=replication)
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    snapshot = probe(connection, setup.source_bucket)
    report = judge(snapshot)

    assert snapshot.destinations[gone].exists.is_absent
    assert report.verdict == "fail"
    for layer in ("versioning", "rule"):
        assert report.layer(layer).status == "fail", layer
        [finding] = [f for f in report.layer(layer).findings if f.code == "destination-bucket-not-found"]
        assert finding.aws_failure_reason == "DstBucketNotFound"
        assert finding.fix is not None and finding.fix.id == "create-destination-bucket"
    assert report.layer("destination-policy").status == "unknown"
    assert [f.code for f in report.layer("destination-policy").findings] == ["destination-policy-bucket-not-found"]
    plan = plan_fixes(snapshot, report)
    assert [f.fix.id for f in plan.manual if f.fix].count("create-destination-bucket") == 1
