"""Planning from hand-built Snapshots and Findings: least privilege, one change per document, merge only."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

from s3repl_tui.fixes import plan_fixes as plan_default
from s3repl_tui.fixes.jsondoc import statements
from s3repl_tui.fixes.merge import owner_statements, tool_statements
from s3repl_tui.probes.snapshot import Read

from . import builders as b

# The planner with its opt-in changes too (tests/faults/test_faults_optional.py covers the default).
plan_fixes = functools.partial(plan_default, include_optional=True)


def only(plan: Any) -> Any:
    assert len(plan.changes) == 1, plan
    return plan.changes[0]


def test_destination_versioning_is_enabled_in_the_destination_account_and_region() -> None:
    snap = b.snapshot(dest=b.bucket(b.DST, b.B, b.DST_REGION, b.DST_KEY, versioning=Read.ok("Suspended")))
    plan = plan_fixes(snap, b.report(("versioning", b.finding("enable-destination-versioning", bucket=b.DST))))
    change = only(plan)
    assert (change.account, change.region, change.api) == (b.B, b.DST_REGION, "s3:PutBucketVersioning")
    assert change.resource == f"arn:aws:s3:::{b.DST}"
    assert (change.before, change.after) == ({"Status": "Suspended"}, {"Status": "Enabled"})
    assert change.profile == "dst-profile"
    assert '-  "Status": "Suspended"' in change.diff() and '+  "Status": "Enabled"' in change.diff()


def test_never_versioned_bucket_carries_a_note_that_undo_cannot_unversion_it() -> None:
    snap = b.snapshot(dest=b.bucket(b.DST, b.B, b.DST_REGION, b.DST_KEY, versioning=Read.ok("")))
    change = only(plan_fixes(snap, b.report(("versioning", b.finding("enable-destination-versioning", bucket=b.DST)))))
    assert change.before == {} and any("never-versioned" in note for note in change.notes)


def test_role_kms_statements_are_least_privilege_with_documented_conditions() -> None:
    plan = plan_fixes(
        b.snapshot(),
        b.report(
            ("role-kms", b.finding("add-role-kms-permissions", key_arn=b.SRC_KEY, actions=["kms:Decrypt"])),
            (
                "role-kms",
                b.finding(
                    "add-role-kms-permissions", key_arn=b.DST_KEY, actions=["kms:Encrypt", "kms:GenerateDataKey"]
                ),
            ),
        ),
    )
    change = only(plan)  # both findings touch the role's inline policy: one change
    assert change.api == "iam:PutRolePolicy" and change.account == b.A
    assert change.ref.policy_name == "S3ReplTuiReplication" and change.before is None
    assert change.fix_ids == ("add-role-kms-permissions",)
    source, replica = statements(change.after)
    assert source == {
        "Sid": "S3ReplTuiSourceKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [b.SRC_KEY],
        "Condition": {
            "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{b.SRC}/*"]},
        },
    }
    assert replica["Action"] == ["kms:Encrypt", "kms:GenerateDataKey"] and replica["Resource"] == [b.DST_KEY]
    assert replica["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-west-2.amazonaws.com"}


def test_bucket_key_turns_the_encryption_context_into_the_bucket_arn_per_bucket() -> None:
    dest = b.bucket(b.DST, b.B, b.DST_REGION, b.DST_KEY, encryption=Read.ok(b.encryption(b.DST_KEY, bucket_key=True)))
    plan = plan_fixes(
        b.snapshot(dest=dest),
        b.report(
            ("role-kms", b.finding("add-role-kms-permissions", key_arn=b.SRC_KEY)),
            ("role-kms", b.finding("add-role-kms-permissions", key_arn=b.DST_KEY)),
        ),
    )
    source, replica = statements(only(plan).after)
    assert source["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == [f"arn:aws:s3:::{b.SRC}/*"]
    assert replica["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == [f"arn:aws:s3:::{b.DST}"]


def test_rule_prefixes_scope_object_resources() -> None:
    config = b.replication(Filter={"Prefix": "logs/"})
    plan = plan_fixes(
        b.snapshot(config=config),
        b.report(
            (
                "destination-policy",
                b.finding("amend-destination-bucket-policy", bucket=b.DST, principal=b.ROLE_ARN, create=True),
            )
        ),
    )
    (statement,) = statements(only(plan).after)
    assert statement["Resource"] == [f"arn:aws:s3:::{b.DST}/logs/*"]


def test_destination_policy_is_created_for_the_role_with_owner_override() -> None:
    plan = plan_fixes(
        b.snapshot(),
        b.report(
            (
                "destination-policy",
                b.finding("amend-destination-bucket-policy", bucket=b.DST, principal=b.ROLE_ARN, create=True),
            )
        ),
    )
    change = only(plan)
    assert change.before is None and change.api == "s3:PutBucketPolicy" and change.account == b.B
    assert change.after == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S3ReplTuiReplicaWrites",
                "Effect": "Allow",
                "Principal": {"AWS": b.ROLE_ARN},
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ObjectOwnerOverrideToBucketOwner"],
                "Resource": [f"arn:aws:s3:::{b.DST}/*"],
            }
        ],
    }
    assert "(does not exist)" in change.diff()


def test_amending_a_policy_keeps_the_owners_deny() -> None:
    owner = {"Version": "2012-10-17", "Statement": [b.PLANTED_DENY]}
    dest = b.bucket(b.DST, b.B, b.DST_REGION, b.DST_KEY, policy=Read.ok(owner))
    plan = plan_fixes(
        b.snapshot(dest=dest),
        b.report(
            (
                "destination-policy",
                b.finding("amend-destination-bucket-policy", bucket=b.DST, actions=["s3:ReplicateObject"]),
            )
        ),
    )
    after = only(plan).after
    assert owner_statements(after) == [b.PLANTED_DENY]
    assert [s["Action"] for s in tool_statements(after)] == [["s3:ReplicateObject"]]


def test_key_policy_statement_names_the_role_and_keeps_the_admin_statement() -> None:
    plan = plan_fixes(
        b.snapshot(),
        b.report(
            (
                "key-policy",
                b.finding(
                    "add-key-policy-statement",
                    key_arn=b.DST_KEY,
                    principal=b.ROLE_ARN,
                    actions=["kms:Encrypt", "kms:GenerateDataKey"],
                ),
            )
        ),
    )
    change = only(plan)
    assert (change.api, change.account, change.region, change.resource) == (
        "kms:PutKeyPolicy",
        b.B,
        b.DST_REGION,
        b.DST_KEY,
    )
    admin, added = statements(change.after)
    assert admin == b.key_policy(b.B)["Statement"][0]
    assert added["Principal"] == {"AWS": b.ROLE_ARN} and added["Resource"] == "*"
    assert added["Sid"].startswith("S3ReplTui")
    assert "kms:*" not in str(added) and '"*"' not in str(added["Principal"])


def test_findings_of_two_layers_on_one_document_become_one_change() -> None:
    plan = plan_fixes(
        b.snapshot(),
        b.report(
            (
                "service-role",
                b.finding(
                    "add-role-s3-permissions", actions=["s3:ReplicateObject"], resources=[f"arn:aws:s3:::{b.DST}/*"]
                ),
            ),
            ("role-kms", b.finding("add-role-kms-permissions", key_arn=b.SRC_KEY, actions=["kms:Decrypt"])),
        ),
    )
    change = only(plan)
    assert change.fix_ids == ("add-role-s3-permissions", "add-role-kms-permissions")
    assert change.layer == "service-role"
    assert [s["Sid"] for s in statements(change.after)] == ["S3ReplTuiDestinationObjects", "S3ReplTuiSourceKey"]


def test_role_fixes_go_into_the_inline_policy_that_already_holds_a_tool_statement() -> None:
    existing = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S3ReplTuiSourceBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{b.SRC}"],
            }
        ],
    }
    other = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    role = b.role(inline={"team-owned": other, "earlier-fix": existing})
    plan = plan_fixes(
        b.snapshot(role_snapshot=role),
        b.report(
            (
                "service-role",
                b.finding(
                    "add-role-s3-permissions",
                    actions=["s3:GetReplicationConfiguration"],
                    resources=[f"arn:aws:s3:::{b.SRC}"],
                ),
            )
        ),
    )
    change = only(plan)
    assert change.ref.policy_name == "earlier-fix"
    assert statements(change.after)[0]["Action"] == ["s3:ListBucket", "s3:GetReplicationConfiguration"]
    assert change.sibling_inline_chars > 0  # team-owned counts against the role's inline quota


def test_trust_gets_the_s3_service_statement_added() -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    plan = plan_fixes(
        b.snapshot(role_snapshot=b.role(trust=trust)), b.report(("service-role", b.finding("add-trust-s3-principal")))
    )
    change = only(plan)
    assert change.api == "iam:UpdateAssumeRolePolicy"
    assert statements(change.after)[0] == trust["Statement"][0]
    assert statements(change.after)[1]["Principal"] == {"Service": "s3.amazonaws.com"}


def test_rule_fixes_fold_into_one_replication_change_and_leave_other_rules_alone() -> None:
    config = b.replication(Status="Disabled", SourceSelectionCriteria={"ReplicaModifications": {"Status": "Enabled"}})
    config["Rules"][0]["Destination"].pop("EncryptionConfiguration")
    config["Rules"][0]["Destination"].pop("Account")
    other = {
        "ID": "other",
        "Priority": 5,
        "Filter": {"Tag": {"Key": "k", "Value": "v"}},
        "Status": "Enabled",
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": "arn:aws:s3:::elsewhere", "StorageClass": "GLACIER_IR"},
    }
    config["Rules"].append(other)
    plan = plan_fixes(
        b.snapshot(config=config),
        b.report(
            ("rule", b.finding("rule-enable", rule_id="rule-1")),
            ("rule", b.finding("rule-add-sse-kms-opt-in", rule_id="rule-1", replica_kms_key_id=b.DST_KEY)),
            ("rule", b.finding("rule-set-destination-account", rule_id="rule-1", destination_account=b.B)),
            ("rule", b.finding("rule-enable-metrics", rule_id="rule-1")),
        ),
    )
    change = only(plan)
    assert change.api == "s3:PutBucketReplication" and change.account == b.A and change.region == b.SRC_REGION
    rule, untouched = change.after["Rules"]
    assert untouched == other
    assert rule["Status"] == "Enabled"
    assert rule["SourceSelectionCriteria"] == {
        "ReplicaModifications": {"Status": "Enabled"},
        "SseKmsEncryptedObjects": {"Status": "Enabled"},
    }
    assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": b.DST_KEY}
    assert rule["Destination"]["Account"] == b.B
    assert rule["Destination"]["Metrics"] == {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    assert rule["Priority"] == 0 and rule["DeleteMarkerReplication"] == {"Status": "Disabled"}


def test_sse_kms_opt_in_takes_the_destination_default_key_when_the_hint_names_none() -> None:
    config = b.replication()
    config["Rules"][0].pop("SourceSelectionCriteria")
    config["Rules"][0]["Destination"].pop("EncryptionConfiguration")
    change = only(
        plan_fixes(
            b.snapshot(config=config), b.report(("rule", b.finding("rule-add-sse-kms-opt-in", rule_id="rule-1")))
        )
    )
    assert change.after["Rules"][0]["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] == b.DST_KEY


def test_metrics_drop_a_disabled_rtc_so_status_stays_consistent() -> None:
    config = b.replication()
    config["Rules"][0]["Destination"]["ReplicationTime"] = {"Status": "Disabled", "Time": {"Minutes": 15}}
    change = only(
        plan_fixes(b.snapshot(config=config), b.report(("rule", b.finding("rule-enable-metrics", rule_id="rule-1"))))
    )
    assert "ReplicationTime" not in change.after["Rules"][0]["Destination"]


def test_wrong_role_path_is_corrected_to_the_real_arn() -> None:
    config = b.replication()
    config["Role"] = f"arn:aws:iam::{b.A}:role/{b.ROLE_NAME}"
    change = only(
        plan_fixes(b.snapshot(config=config), b.report(("rule", b.finding("rule-set-role-arn", role_arn=b.ROLE_ARN))))
    )
    assert change.after["Role"] == b.ROLE_ARN and change.after["Rules"] == config["Rules"]


def test_manual_unknown_and_info_findings_are_never_planned() -> None:
    manual = b.finding("remove-deny-statement", automatic=False)
    unknown = replace(b.finding("enable-destination-versioning", bucket=b.DST), unknown=True)
    info = b.finding("rule-enable-metrics", severity="info", rule_id="rule-1")
    plan = plan_fixes(b.snapshot(), b.report(("destination-policy", manual), ("versioning", unknown), ("rule", info)))
    assert plan.changes == () and plan.manual == (manual,)


def test_one_manual_fix_asked_by_two_layers_is_listed_once() -> None:
    """A missing destination fails the versioning and the rule layer with the same manual fix."""
    versioning = b.finding("create-destination-bucket", automatic=False, bucket=b.DST)
    rule = b.finding("create-destination-bucket", automatic=False, bucket=b.DST)
    other = b.finding("create-destination-bucket", automatic=False, bucket="another-bucket")
    plan = plan_fixes(b.snapshot(), b.report(("versioning", versioning), ("rule", rule), ("rule", other)))
    assert plan.manual == (versioning, other)


def test_layer_filter_plans_only_those_layers() -> None:
    snap = b.snapshot(dest=b.bucket(b.DST, b.B, b.DST_REGION, b.DST_KEY, versioning=Read.ok("Suspended")))
    report = b.report(
        ("versioning", b.finding("enable-destination-versioning", bucket=b.DST)),
        ("rule", b.finding("rule-enable-metrics", rule_id="rule-1")),
    )
    assert [c.layer for c in plan_fixes(snap, report, ["rule"]).changes] == ["rule"]
    assert [c.layer for c in plan_fixes(snap, report).changes] == ["versioning", "rule"]


def test_a_fix_whose_document_could_not_be_read_becomes_manual_with_the_reason() -> None:
    from s3repl_tui.probes.snapshot import ReadError

    error = ReadError("access-denied", "AccessDenied", "Access Denied", "s3:GetBucketPolicy", b.A)
    dest = b.bucket(b.DST, b.B, b.DST_REGION, b.DST_KEY, policy=Read.failed(error))
    found = b.finding("amend-destination-bucket-policy", bucket=b.DST)
    plan = plan_fixes(b.snapshot(dest=dest), b.report(("destination-policy", found)))
    assert plan.changes == () and plan.manual == (found,)
    assert "AccessDenied" in plan.notes[0]


def test_a_grant_that_is_already_there_plans_nothing() -> None:
    owner = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Mine",
                "Effect": "Allow",
                "Principal": {"AWS": b.ROLE_ARN},
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ObjectOwnerOverrideToBucketOwner"],
                "Resource": [f"arn:aws:s3:::{b.DST}/*"],
            }
        ],
    }
    dest = b.bucket(b.DST, b.B, b.DST_REGION, b.DST_KEY, policy=Read.ok(owner))
    plan = plan_fixes(
        b.snapshot(dest=dest),
        b.report(("destination-policy", b.finding("amend-destination-bucket-policy", bucket=b.DST))),
    )
    assert plan.changes == () and "nothing to change" in plan.notes[0]


def test_stale_principal_is_restated_for_the_role_and_the_stale_statement_kept() -> None:
    stale = {
        "Sid": "Old",
        "Effect": "Allow",
        "Principal": {"AWS": "AROAEXAMPLEEXAMPLE1234"},
        "Action": ["s3:ReplicateObject"],
        "Resource": f"arn:aws:s3:::{b.DST}/*",
    }
    dest = b.bucket(
        b.DST, b.B, b.DST_REGION, b.DST_KEY, policy=Read.ok({"Version": "2012-10-17", "Statement": [stale]})
    )
    found = b.finding(
        "replace-stale-principal",
        bucket=b.DST,
        stale_principal="AROAEXAMPLEEXAMPLE1234",
        principal=b.ROLE_ARN,
        sid="Old",
        index=0,
    )
    change = only(plan_fixes(b.snapshot(dest=dest), b.report(("destination-policy", found))))
    kept, restated = statements(change.after)
    assert kept == stale
    assert restated["Principal"] == {"AWS": b.ROLE_ARN} and restated["Action"] == ["s3:ReplicateObject"]


def test_every_automatic_fix_id_the_checks_document_has_a_planner() -> None:
    """The checks document their fix ids (checks/fixes.py); an automatic one without a planner would
    silently become manual."""
    import re

    from s3repl_tui.checks import fixes as hints
    from s3repl_tui.fixes import AUTOMATIC_FIX_IDS

    doc = hints.__doc__ or ""
    automatic = doc[doc.index("Automatic:") : doc.index("Manual")]
    documented = set(re.findall(r"``([a-z0-9-]+)``", automatic)) - {"params", "automatic"}
    assert len(documented) >= 10
    assert documented <= AUTOMATIC_FIX_IDS
