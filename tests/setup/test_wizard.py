"""``s3repl-tui init`` driven through questionary's pipe input, from two empty buckets to a passing check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from s3repl_tui.cli import main
from s3repl_tui.commands import init as init_command
from s3repl_tui.sandbox import DEST_ACCOUNT, Sandbox
from s3repl_tui.setup import QuestionaryPrompter

from .helpers import DST, PROFILES, ROLE, SRC, absent, clients, make_buckets, policy

DOWN, ENTER, CLEAR = "j", "\r", "\x15"  # Ctrl-U clears the line before the cursor


def type_keys(pipe: Any, *keys: str) -> None:
    pipe.send_text("".join(keys))


@pytest.fixture
def keyboard(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The wizard's terminal: keys sent to the pipe are what a person would type."""
    with create_pipe_input() as pipe:
        prompter = QuestionaryPrompter(input=pipe, output=DummyOutput())
        monkeypatch.setattr(init_command, "make_prompter", lambda: prompter)
        yield pipe


def test_wizard_with_sse_kms_and_new_keys_ends_with_a_passing_check_and_undo_removes_it(
    sandbox: Sandbox, keyboard: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_buckets(sandbox)
    type_keys(
        keyboard,
        ENTER,  # source bucket: the only one of the source account
        ENTER,  # destination bucket: the only one of the destination account
        DOWN + ENTER,  # encryption: SSE-KMS
        ENTER,  # source key: create a new one
        ENTER,  # replica key: create a new one
        "n",  # no S3 Bucket Keys
        ENTER,  # ownership: BucketOwnerEnforced (the default)
        "n",  # no Replication Time Control
        "y",  # metrics and failure events
        "y",  # delete marker replication
        "n",  # no replica modification sync
        ENTER,  # role name: the default
        "y",  # apply
    )

    code = main(["init", *PROFILES, "--emulate-replication"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "Cross-account setup: source account 123456789012, destination account 444455556666." in out
    assert "11 change(s) to apply" in out and "11 of 11 change(s) applied." in out
    assert "The check after setup says: pass." in out
    assert "The canary replicated to s3://wizard-dst" in out and "(replication emulated)" in out
    config = made["s3_a"].get_bucket_replication(Bucket=SRC)["ReplicationConfiguration"]
    rule = config["Rules"][0]
    assert rule["DeleteMarkerReplication"] == {"Status": "Enabled"} and rule["Filter"] == {"Prefix": ""}
    assert rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    assert rule["Destination"]["Metrics"] == {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    assert "AccessControlTranslation" not in rule["Destination"]
    replica_key = rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"]
    assert replica_key.startswith(f"arn:aws:kms:us-west-2:{DEST_ACCOUNT}:key/")
    owned = made["s3_b"].get_bucket_ownership_controls(Bucket=DST)["OwnershipControls"]["Rules"]
    assert owned == [{"ObjectOwnership": "BucketOwnerEnforced"}]

    assert main(["undo", "--yes", *PROFILES]) == 0

    out = capsys.readouterr().out
    assert "deleted: role s3repl-tui-wizard-src" in out and "scheduled for deletion in 7 days" in out
    iam, kms_b = made["iam"], clients(sandbox)["kms_b"]
    assert absent(iam.get_role, RoleName=ROLE)
    assert absent(made["s3_a"].get_bucket_replication, Bucket=SRC)
    assert absent(made["s3_b"].get_bucket_policy, Bucket=DST)
    assert absent(made["s3_b"].get_bucket_ownership_controls, Bucket=DST)
    assert kms_b.describe_key(KeyId=replica_key)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert "kept: versioning of bucket wizard-src" in out  # S3 cannot un-version a bucket: reported


def test_wizard_with_sse_s3_and_owner_override_ends_with_a_passing_check(
    sandbox: Sandbox, keyboard: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_buckets(sandbox)
    type_keys(
        keyboard,
        ENTER,  # source bucket
        ENTER,  # destination bucket
        ENTER,  # SSE-S3 (the default: the source has no SSE-KMS default encryption)
        DOWN + ENTER,  # ownership: owner override
        "y",  # RTC, which turns metrics on without asking
        "n",  # no delete marker replication
        "y",  # replica modification sync
        CLEAR + "custom-replication-role" + ENTER,  # the field starts with the default name
        "y",  # apply
    )

    code = main(["init", *PROFILES, "--no-canary"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "Replication metrics are on: RTC needs them." in out
    assert "The check after setup says: pass." in out
    rule = made["s3_a"].get_bucket_replication(Bucket=SRC)["ReplicationConfiguration"]["Rules"][0]
    destination = rule["Destination"]
    assert destination["AccessControlTranslation"] == {"Owner": "Destination"}
    assert destination["Account"] == DEST_ACCOUNT
    assert destination["ReplicationTime"] == {"Status": "Enabled", "Time": {"Minutes": 15}}
    assert destination["Metrics"]["Status"] == "Enabled" and "EncryptionConfiguration" not in destination
    assert rule["SourceSelectionCriteria"]["ReplicaModifications"] == {"Status": "Enabled"}
    bucket_policy = policy(made["s3_b"].get_bucket_policy(Bucket=DST)["Policy"])
    (statement,) = bucket_policy["Statement"]
    assert "s3:ObjectOwnerOverrideToBucketOwner" in statement["Action"]
    assert statement["Principal"]["AWS"].endswith(":role/service-role/custom-replication-role")
    assert rule["SourceSelectionCriteria"]["SseKmsEncryptedObjects"] == {"Status": "Disabled"}


def test_declining_the_confirmation_changes_nothing(
    sandbox: Sandbox, keyboard: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_buckets(sandbox)
    keyboard.send_text(ENTER + "n" + "n" + "n" + "n" + ENTER + ENTER)  # ownership, 4 questions, role, then No

    code = main(["init", *PROFILES, "--source-bucket", SRC, "--dest-bucket", DST, "--encryption", "sse-s3"])

    assert code == 1
    assert "Nothing was changed." in capsys.readouterr().out
    assert made["s3_a"].get_bucket_versioning(Bucket=SRC).get("Status") is None
    assert absent(made["iam"].get_role, RoleName=ROLE)


def test_input_that_ends_early_is_one_sentence(
    sandbox: Sandbox, keyboard: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    make_buckets(sandbox)
    keyboard.send_text(ENTER)
    keyboard.close()

    code = main(["init", *PROFILES])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("s3repl-tui: The input ended before every question was answered") and "Traceback" not in err


def test_wizard_lists_usable_keys_and_asks_again_after_a_key_in_the_wrong_region(
    sandbox: Sandbox, keyboard: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_buckets(sandbox)
    mine = made["kms_a"].create_key(Description="orders")["KeyMetadata"]["Arn"]
    made["kms_a"].create_alias(AliasName="alias/orders", TargetKeyId=mine)
    disabled = made["kms_a"].create_key(Description="retired")["KeyMetadata"]
    made["kms_a"].disable_key(KeyId=disabled["KeyId"])  # not offered: S3 cannot use it
    elsewhere = clients(sandbox, "us-west-2")["kms_a"].create_key()["KeyMetadata"]["Arn"]
    type_keys(
        keyboard,
        ENTER,  # source bucket
        ENTER,  # destination bucket
        DOWN + ENTER,  # SSE-KMS
        DOWN + DOWN + ENTER,  # source key: "Enter a key ARN" (after "new" and alias/orders)
        elsewhere + ENTER,  # a key of the source account, but in us-west-2
        DOWN + ENTER,  # asked again: alias/orders
        ENTER,  # replica key: a new one
        "n",  # no S3 Bucket Keys
        ENTER,  # ownership: BucketOwnerEnforced
        "n",
        "y",
        "n",
        "n",
        ENTER,  # role name
        "y",  # apply
    )

    code = main(["init", *PROFILES, "--no-canary"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert f"The source key {elsewhere} is in us-west-2, but bucket wizard-src is in us-east-1" in out
    default = made["s3_a"].get_bucket_encryption(Bucket=SRC)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert default["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == mine
    key_policy = policy(made["kms_a"].get_key_policy(KeyId=mine, PolicyName="default")["Policy"])
    assert key_policy["Statement"][-1]["Sid"] == "S3ReplTuiReplicationRole"
    assert "The check after setup says: pass." in out
