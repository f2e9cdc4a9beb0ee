"""The setup plan from answers and what was read: pure, no AWS."""

from __future__ import annotations

from typing import Any

import pytest

from s3repl_tui.errors import UserError
from s3repl_tui.fixes.placeholders import names_in
from s3repl_tui.setup import Answers, SetupState, plan_setup
from s3repl_tui.setup.discover import AccountInfo, BucketInfo, KeyInfo, RoleInfo

A, B = "111122223333", "444455556666"
ROLE_ARN = f"arn:aws:iam::{A}:role/service-role/r"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1111"
ADMIN = {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "kms:*",
         "Resource": "*"}  # fmt: skip


def bucket(name: str, account: str = A, region: str = "us-east-1", **extra: Any) -> BucketInfo:
    values: dict[str, Any] = {"versioning": None, "encryption": None, "ownership": None, "policy": None,
                              "replication": None, "object_lock": False}  # fmt: skip
    return BucketInfo(name, account, region, **{**values, **extra})


def state(dest_account: str = A, **extra: Any) -> SetupState:
    source_side = AccountInfo("source", A, f"arn:aws:iam::{A}:user/me", "a", session=None)  # type: ignore[arg-type]
    dest_side = AccountInfo("destination", dest_account, "", "b", session=None)  # type: ignore[arg-type]
    values: dict[str, Any] = {
        "source": bucket("src"),
        "dest": bucket("dst", dest_account, "us-east-1" if dest_account == A else "us-west-2"),
        "role": RoleInfo("r", ROLE_ARN, exists=False),
    }
    return SetupState(source_side, dest_side, **{**values, **extra})


def answers(**values: Any) -> Any:
    base = {"source_bucket": "src", "dest_bucket": "dst", "encryption": "sse-s3", "ownership": "none", "rtc": False,
            "metrics": True, "delete_markers": False, "replica_sync": False, "role_name": "r"}  # fmt: skip
    return Answers(**{**base, **values}).validate().complete()


def test_one_existing_key_for_both_buckets_gets_one_key_policy_change_with_both_grants() -> None:
    key = KeyInfo(KEY, A, "us-east-1", policy={"Version": "2012-10-17", "Statement": [ADMIN]})
    setup = state(source_key=key, replica_key=key)

    plan = plan_setup(setup, answers(encryption="sse-kms", source_key=KEY, replica_key=KEY))

    kinds = [change.ref.kind for change in plan.changes]
    assert kinds == ["bucket-versioning", "bucket-versioning", "role", "key-policy", "bucket-encryption",
                     "bucket-encryption", "role-inline-policy", "replication"]  # fmt: skip
    key_policy = plan.changes[3].after
    assert key_policy["Statement"][0] == ADMIN  # the owner's statement stays first, as written
    grants = key_policy["Statement"][1:]
    contexts = [g["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] for g in grants]
    assert contexts == [["arn:aws:s3:::src/*"], ["arn:aws:s3:::dst/*"]]
    assert all(g["Principal"] == {"AWS": ROLE_ARN} and g["Resource"] == "*" for g in grants)
    assert plan.changes[3].new_principal  # names the role created by change 3: retried while IAM propagates
    rule = plan.changes[-1].after["Rules"][0]
    assert "Account" not in rule["Destination"] and "AccessControlTranslation" not in rule["Destination"]
    assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": KEY}


def test_an_existing_role_is_merged_into_its_trust_and_its_tool_policy() -> None:
    ec2_trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip
    tool = {"Version": "2012-10-17", "Statement": [
        {"Sid": "S3ReplTuiSourceBucket", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": ["arn:aws:s3:::src"]}]}  # fmt: skip
    role = RoleInfo("r", ROLE_ARN, exists=True, trust=ec2_trust, inline={"other": {"Statement": []}, "mine": tool})

    plan = plan_setup(state(role=role), answers())

    trust, inline = plan.changes[2], plan.changes[3]
    assert trust.ref.kind == "role-trust" and trust.after["Statement"][0] == ec2_trust["Statement"][0]
    assert trust.after["Statement"][1]["Principal"] == {"Service": "s3.amazonaws.com"}
    assert inline.ref.policy_name == "mine" and inline.sibling_inline_chars > 0
    source_bucket = inline.after["Statement"][0]
    assert source_bucket["Action"] == ["s3:ListBucket", "s3:GetReplicationConfiguration"]  # widened, not copied
    assert not any(change.new_principal for change in plan.changes)  # the role exists already


def test_cross_account_new_keys_use_placeholders_and_the_destination_policy_names_the_role() -> None:
    dest = bucket("dst", B, "us-west-2", versioning="Enabled", policy={"Version": "2012-10-17", "Statement": []})

    plan = plan_setup(state(B, dest=dest), answers(encryption="sse-kms", source_key="new", replica_key="new",
                                                   ownership="override", rtc=True))  # fmt: skip

    kinds = [change.ref.kind for change in plan.changes]
    assert kinds == ["bucket-versioning", "role", "kms-key", "kms-key", "bucket-encryption", "bucket-encryption",
                     "role-inline-policy", "bucket-policy", "replication"]  # fmt: skip
    new_keys = [change for change in plan.changes if change.ref.kind == "kms-key"]
    assert [(k.creates, k.account, k.region) for k in new_keys] == [
        ("SOURCE_KEY_ARN", A, "us-east-1"), ("REPLICA_KEY_ARN", B, "us-west-2")]  # fmt: skip
    assert names_in(plan.changes[-1].after) == {"REPLICA_KEY_ARN"}
    replica_key_policy = new_keys[1].after["Policy"]["Statement"]
    assert replica_key_policy[0]["Principal"] == {"AWS": f"arn:aws:iam::{B}:root"}  # the key's own account decides
    assert replica_key_policy[1]["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-west-2.amazonaws.com"}
    bucket_policy = plan.changes[7].after["Statement"][0]
    assert bucket_policy["Principal"] == {"AWS": ROLE_ARN}
    assert bucket_policy["Action"] == [
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
        "s3:ObjectOwnerOverrideToBucketOwner",
    ]
    destination = plan.changes[-1].after["Rules"][0]["Destination"]
    assert destination["Account"] == B and destination["AccessControlTranslation"] == {"Owner": "Destination"}
    assert destination["Metrics"] == {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    assert destination["ReplicationTime"] == {"Status": "Enabled", "Time": {"Minutes": 15}}
    rule = plan.changes[-1].after["Rules"][0]
    assert rule["Priority"] == 1 and rule["Filter"] == {"Prefix": ""} and "DeleteMarkerReplication" in rule
    assert any("failure events" in note and "subscription" in note for note in plan.notes)


def test_documents_that_already_say_it_get_no_change() -> None:
    encryption = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY},
                             "BucketKeyEnabled": False}]}  # fmt: skip
    key = KeyInfo(KEY, A, "us-east-1", policy={"Version": "2012-10-17", "Statement": [ADMIN]})
    source = bucket("src", versioning="Enabled", encryption=encryption)
    dest = bucket("dst", versioning="Enabled", encryption=encryption,
                  ownership={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})  # fmt: skip

    plan = plan_setup(state(source=source, dest=dest, source_key=key, replica_key=key),
                      answers(encryption="sse-kms", source_key=KEY, replica_key=KEY, ownership="enforced"))  # fmt: skip

    assert [change.ref.kind for change in plan.changes] == ["role", "key-policy", "role-inline-policy", "replication"]


@pytest.mark.parametrize(
    ("setup", "choice", "start"),
    [
        (state(source=bucket("src", encryption={"Rules": [{"ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}}]})), {}, "Bucket src encrypts new objects with SSE-KMS"),
        (state(source=bucket("src", object_lock=True)), {}, "Bucket src uses Object Lock but dst does not"),
        (state(source=bucket("src", replication={"Role": ROLE_ARN, "Rules": [{}]})), {},
         "Bucket src already has a replication configuration (1 rule(s))"),
    ],
)  # fmt: skip
def test_setups_that_cannot_work_are_refused_with_one_sentence(setup: SetupState, choice: dict[str, Any],
                                                               start: str) -> None:  # fmt: skip
    with pytest.raises(UserError) as refused:
        plan_setup(setup, answers(**choice))
    assert refused.value.message.startswith(start) and refused.value.hint


def test_replica_sync_without_sse_kms_still_names_sse_kms_objects() -> None:
    plan = plan_setup(state(), answers(replica_sync=True, metrics=False))

    rule = plan.changes[-1].after["Rules"][0]
    assert rule["SourceSelectionCriteria"] == {
        "ReplicaModifications": {"Status": "Enabled"},
        "SseKmsEncryptedObjects": {"Status": "Disabled"},  # S3 requires it whenever the element is present
    }
    assert "Metrics" not in rule["Destination"]
    assert any("two-way replication" in note for note in plan.notes)


def test_apply_refuses_a_plan_whose_placeholder_no_earlier_change_creates(tmp_path: Any) -> None:
    from s3repl_tui.fixes import FixRejected, apply_plan
    from s3repl_tui.fixes.model import Change, DocumentRef, Plan

    class NoAws:
        def for_account(self, account_id: str) -> Any:
            raise AssertionError("nothing may reach AWS")

    ref = DocumentRef("bucket-encryption", A, "us-east-1", "arn:aws:s3:::src", "src")
    orphan = Change("e", ("init",), "key-policy", ref, "encrypt", None,
                    {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                                       "KMSMasterKeyID": "${SOURCE_KEY_ARN}"}}]})  # fmt: skip

    with pytest.raises(FixRejected, match=r"uses \$\{SOURCE_KEY_ARN\}, which no earlier change of the plan creates"):
        apply_plan(Plan((orphan,)), NoAws(), state_dir=tmp_path)
