"""Applying and undoing plans against the two-account sandbox."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from s3repl_tui.fixes import FixRejected, apply_plan, undo_last
from s3repl_tui.fixes import plan_fixes as plan_default
from s3repl_tui.fixes.backup import BackupSet
from s3repl_tui.fixes.jsondoc import contains, same_meaning
from s3repl_tui.fixes.merge import owner_statements
from s3repl_tui.fixes.model import Change, DocumentRef, Plan
from s3repl_tui.sandbox import BREAKAGES, DEST_ACCOUNT, SOURCE_ACCOUNT, Sandbox, build_seed

from . import seeded

# The planner with its opt-in changes too (tests/faults/test_faults_optional.py covers the default).
plan_fixes = functools.partial(plan_default, include_optional=True)


@pytest.mark.parametrize("breakage", sorted(seeded.ALL_BREAKAGES))
def test_every_breakage_is_fixed_and_no_owner_statement_is_lost(
    sandbox: Sandbox, tmp_path: Path, breakage: str
) -> None:
    setup = build_seed(sandbox)
    seeded.plant_unrelated_statements(sandbox, setup)
    seeded.ALL_BREAKAGES[breakage](sandbox, setup)
    before = seeded.read_documents(sandbox, setup)
    connection = seeded.connect()
    snapshot, report = seeded.checked(connection, setup)
    assert report.verdict == "fail"

    result = apply_plan(plan_fixes(snapshot, report), connection, state_dir=tmp_path)

    assert result.complete and result.applied, result.messages
    _, after_report = seeded.checked(connection, setup)
    assert after_report.verdict == "pass", [f.message for f in after_report.findings]
    # Every finding a fix was planned for is gone (a fixed layer may reveal new ones).
    planned = {(f.code, f.resource) for f in report.findings if f.fix and f.fix.automatic and f.severity != "info"}
    still_there = planned & {(f.code, f.resource) for f in after_report.findings}
    assert not still_there
    after = seeded.read_documents(sandbox, setup)
    for name, document in before.items():
        if name == "replication" or name.endswith("versioning") or document is None:
            continue
        kept = {"Statement": owner_statements(document)}
        assert contains(after[name], kept), f"an owner statement of {name} was lost"


# The demo's breakages (commands/demo.py), and the pair that used to need a second round: the rule lost
# its SSE-KMS opt-in and the role its KMS statement, so the key the rule fix names as replica key was
# never judged until the fix was applied.
ONE_ROUND = (("role-kms", "rule"), ("versioning", "role-kms", "destination-policy", "rule"))


@pytest.mark.parametrize("names", ONE_ROUND, ids=["+".join(names) for names in ONE_ROUND])
def test_one_round_of_fixes_is_enough(sandbox: Sandbox, tmp_path: Path, names: tuple[str, ...]) -> None:
    setup = build_seed(sandbox)
    for name in names:
        BREAKAGES[name](sandbox, setup)
    connection = seeded.connect()
    snapshot, report = seeded.checked(connection, setup)
    assert report.verdict == "fail"
    plan = plan_fixes(snapshot, report)
    assert not plan.manual and not plan.notes, (plan.notes, [f.code for f in plan.manual])

    result = apply_plan(plan, connection, state_dir=tmp_path)

    assert result.complete and result.applied, result.messages
    _, after = seeded.checked(connection, setup)
    assert after.verdict == "pass", [f.message for f in after.findings if f.severity != "info"]
    assert {layer.status for layer in after.layers if layer.id != "monitoring"} == {"pass"}, [
        f.message for f in after.findings
    ]
    # Metrics are on and nobody receives their failure events: an opt-in fix, not part of this round.
    warnings = {f.code for f in after.layer("monitoring").findings if f.severity != "info"}
    assert warnings <= {"monitoring-failure-events-unsubscribed"}
    replication = seeded.read_documents(sandbox, setup)["replication"]
    assert replication["Rules"][0]["Destination"]["EncryptionConfiguration"] == {
        "ReplicaKmsKeyID": setup.replica_key_arn}


def test_an_edit_between_plan_and_apply_is_refused_and_nothing_after_it_runs(sandbox: Sandbox, tmp_path: Path) -> None:
    setup = build_seed(sandbox)
    BREAKAGES["versioning"](sandbox, setup)
    BREAKAGES["destination-policy"](sandbox, setup)
    connection = seeded.connect()
    plan = plan_fixes(*seeded.checked(connection, setup))
    assert [c.ref.kind for c in plan.changes][:1] == ["bucket-versioning"]
    someone_else = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Theirs",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:DeleteBucket",
                "Resource": f"arn:aws:s3:::{setup.dest_bucket}",
            }
        ],
    }
    s3_b = seeded.clients(sandbox, setup)["s3_b"]
    s3_b.put_bucket_versioning(Bucket=setup.dest_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3_b.put_bucket_policy(Bucket=setup.dest_bucket, Policy=json.dumps(someone_else))

    result = apply_plan(plan, connection, state_dir=tmp_path)

    assert result.outcomes[0].outcome == "refused"
    assert "changed since the plan was made" in result.outcomes[0].message
    assert {o.outcome for o in result.outcomes[1:]} == {"skipped"}
    assert result.backup_dir is None  # nothing was written
    assert json.loads(s3_b.get_bucket_policy(Bucket=setup.dest_bucket)["Policy"]) == someone_else
    assert undo_last(connection, state_dir=tmp_path).nothing_to_undo


def test_a_failed_write_stops_the_run_reports_exactly_and_undo_restores_what_was_applied(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    setup = build_seed(sandbox)
    BREAKAGES["versioning"](sandbox, setup)
    BREAKAGES["destination-policy"](sandbox, setup)
    before = seeded.read_documents(sandbox, setup)
    connection = seeded.connect()
    plan = plan_fixes(*seeded.checked(connection, setup))
    assert len(plan.changes) >= 3
    writes = seeded.fail_nth_write(sandbox, 2)

    result = apply_plan(plan, connection, state_dir=tmp_path)

    assert [o.outcome for o in result.outcomes] == ["applied", "failed"] + ["skipped"] * (len(plan.changes) - 2)
    assert "AccessDenied" in result.outcomes[1].message
    assert len(writes) == 2  # nothing was attempted after the failure
    assert result.backup_dir is not None
    manifest = json.loads((result.backup_dir / "manifest.json").read_text())
    assert [c["status"] for c in manifest["changes"]] == [o.outcome for o in result.outcomes]
    middle = seeded.read_documents(sandbox, setup)
    assert middle["dest-versioning"] == {"Status": "Enabled"}
    assert same_meaning(middle["dest-bucket-policy"], before["dest-bucket-policy"])

    sandbox.middleware.fault_hooks.clear()
    undone = undo_last(connection, state_dir=tmp_path)

    assert undone.complete and [o.outcome for o in undone.outcomes] == ["restored"]
    assert seeded.read_documents(sandbox, setup) == before


def test_undo_restores_every_document_and_deletes_what_the_tool_created(sandbox: Sandbox, tmp_path: Path) -> None:
    setup = build_seed(sandbox)
    seeded.plant_unrelated_statements(sandbox, setup)
    for name in ("versioning", "role-kms", "destination-policy"):
        BREAKAGES[name](sandbox, setup)
    seeded.replica_key_without_grant(sandbox, setup)
    seeded.rule_override_without_account(sandbox, setup)
    before = seeded.read_documents(sandbox, setup)
    connection = seeded.connect()
    plan = plan_fixes(*seeded.checked(connection, setup))
    kinds = {c.ref.kind for c in plan.changes}
    assert {"bucket-versioning", "key-policy", "role-inline-policy", "bucket-policy", "replication"} <= kinds
    result = apply_plan(plan, connection, state_dir=tmp_path)
    assert result.complete

    undone = undo_last(connection, state_dir=tmp_path)

    assert undone.complete, undone.messages
    after = seeded.read_documents(sandbox, setup)
    assert after.keys() == before.keys()  # the inline policy the tool created is gone again
    for name, document in before.items():
        assert same_meaning(after[name], document), name
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    outcomes = [r["outcome"] for r in audit if r["action"] == "write"]
    assert outcomes == ["intent", "applied"] * len(plan.changes)  # an intent before each write, its outcome after
    undo_outcomes = [r["outcome"] for r in audit if r["action"] in ("restore", "delete")]
    assert undo_outcomes.count("intent") == sum(o in ("restored", "deleted") for o in undo_outcomes) > 0
    callers = {r["account"]: r["who"] for r in audit}
    assert callers == {
        SOURCE_ACCOUNT: "arn:aws:sts::123456789012:user/moto",
        DEST_ACCOUNT: "arn:aws:sts::444455556666:assumed-role/s3repl-sandbox-admin/s3repl-sandbox",
    }
    assert all(len(r["after_sha256"] or "") in (0, 64) and r["account"] and r["api"] for r in audit)
    assert any(r["api"] == "s3:DeleteBucketPolicy" for r in audit)
    backup = BackupSet.load(undone.set_dir)  # type: ignore[arg-type]
    assert {e.status for e in backup.entries} == {"undone"}
    assert undo_last(connection, state_dir=tmp_path).nothing_to_undo


def test_undo_refuses_a_document_changed_since_and_restores_the_others(sandbox: Sandbox, tmp_path: Path) -> None:
    setup = build_seed(sandbox)
    BREAKAGES["versioning"](sandbox, setup)
    BREAKAGES["destination-policy"](sandbox, setup)
    connection = seeded.connect()
    assert apply_plan(plan_fixes(*seeded.checked(connection, setup)), connection, state_dir=tmp_path).complete
    s3_b = seeded.clients(sandbox, setup)["s3_b"]
    edited = json.loads(s3_b.get_bucket_policy(Bucket=setup.dest_bucket)["Policy"])
    edited["Statement"].append(
        {
            "Sid": "AddedLater",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:DeleteBucket",
            "Resource": f"arn:aws:s3:::{setup.dest_bucket}",
        }
    )
    s3_b.put_bucket_policy(Bucket=setup.dest_bucket, Policy=json.dumps(edited))

    undone = undo_last(connection, state_dir=tmp_path)

    outcomes = {o.label: o.outcome for o in undone.outcomes}
    assert outcomes[f"bucket policy of {setup.dest_bucket}"] == "refused"
    assert outcomes[f"versioning of bucket {setup.dest_bucket}"] == "restored"
    assert not undone.complete
    assert json.loads(s3_b.get_bucket_policy(Bucket=setup.dest_bucket)["Policy"]) == edited


def test_versioning_that_was_never_enabled_stays_enabled_after_undo(sandbox: Sandbox, tmp_path: Path) -> None:
    setup = build_seed(sandbox)
    s3_b = seeded.clients(sandbox, setup)["s3_b"]
    s3_b.create_bucket(Bucket="fresh-bucket", CreateBucketConfiguration={"LocationConstraint": setup.dest_region})
    ref = DocumentRef("bucket-versioning", DEST_ACCOUNT, setup.dest_region, "arn:aws:s3:::fresh-bucket", "fresh-bucket")
    change = Change("v", ("enable-destination-versioning",), "versioning", ref, "enable", {}, {"Status": "Enabled"})
    connection = seeded.connect()
    assert apply_plan(Plan((change,)), connection, state_dir=tmp_path).complete

    undone = undo_last(connection, state_dir=tmp_path)

    assert [o.outcome for o in undone.outcomes] == ["kept"]
    assert "never-versioned" in undone.outcomes[0].message
    assert s3_b.get_bucket_versioning(Bucket="fresh-bucket")["Status"] == "Enabled"


def test_a_key_policy_without_the_admin_statement_is_refused_before_any_write(sandbox: Sandbox, tmp_path: Path) -> None:
    setup = build_seed(sandbox)
    kms_b = seeded.clients(sandbox, setup)["kms_b"]
    no_admin = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyUse",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{setup.source_account}:root"},
                "Action": ["kms:Encrypt", "kms:Decrypt"],
                "Resource": "*",
            }
        ],
    }
    kms_b.put_key_policy(KeyId=setup.replica_key_arn, PolicyName="default", Policy=json.dumps(no_admin))
    ref = DocumentRef("key-policy", DEST_ACCOUNT, setup.dest_region, setup.replica_key_arn, setup.replica_key_arn)
    grant = {
        "Sid": "S3ReplTuiReplicationRole",
        "Effect": "Allow",
        "Principal": {"AWS": setup.role_arn},
        "Action": ["kms:Encrypt"],
        "Resource": "*",
    }
    after = {**no_admin, "Statement": [*no_admin["Statement"], grant]}
    versioning = DocumentRef(
        "bucket-versioning", DEST_ACCOUNT, setup.dest_region, f"arn:aws:s3:::{setup.dest_bucket}", setup.dest_bucket
    )
    plan = Plan(
        (
            Change("v", (), "versioning", versioning, "", {"Status": "Enabled"}, {"Status": "Enabled"}),
            Change("k", (), "key-policy", ref, "", no_admin, after),
        )
    )

    with pytest.raises(FixRejected, match="lock you out"):
        apply_plan(plan, seeded.connect(), state_dir=tmp_path)

    audit, sets = tmp_path / "audit.jsonl", tmp_path / "fix-sets"
    assert not (audit.exists() and audit.read_text()) and not (sets.exists() and any(sets.iterdir()))
    assert json.loads(kms_b.get_key_policy(KeyId=setup.replica_key_arn, PolicyName="default")["Policy"]) == no_admin
