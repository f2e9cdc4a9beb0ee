"""``s3repl-tui init`` without a terminal: every answer from flags, every bad answer one sentence."""

from __future__ import annotations

import json

import pytest

from s3repl_tui.cli import main
from s3repl_tui.commands import init as init_command
from s3repl_tui.sandbox import DEST_ACCOUNT, SOURCE_ACCOUNT, Sandbox, build_seed

from .helpers import DST, PROFILES, ROLE, SRC, absent, answers, make_buckets, override, policy


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(init_command, "make_prompter", lambda: None)


def test_flags_with_new_keys_and_bucket_keys_end_with_a_passing_check(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_buckets(sandbox)

    code = main(["init", *answers("sse-kms", "--bucket-key", "--yes", "--no-canary")])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "The check after setup says: pass." in out
    assert main(["check", "--source-bucket", SRC, *PROFILES, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "pass"
    role_policy = policy(
        made["iam"].get_role_policy(RoleName=ROLE, PolicyName="S3ReplTuiReplication")["PolicyDocument"]
    )
    by_sid = {statement["Sid"]: statement for statement in role_policy["Statement"]}
    replica = by_sid["S3ReplTuiReplicaKey"]
    # With an S3 Bucket Key, S3 sends the bucket ARN as encryption context, never bucket/*.
    assert replica["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{DST}"]},
    }
    assert replica["Action"] == ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
    assert by_sid["S3ReplTuiSourceKey"]["Action"] == ["kms:Decrypt"]
    assert "s3:ObjectOwnerOverrideToBucketOwner" in by_sid["S3ReplTuiDestinationObjects"]["Action"]
    encryption = made["s3_b"].get_bucket_encryption(Bucket=DST)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["BucketKeyEnabled"] is True
    assert encryption["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == replica["Resource"][0]


def test_existing_keys_and_policies_are_merged_never_replaced(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_buckets(sandbox)
    owner_statement = {
        "Sid": "AuditorsRead",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DEST_ACCOUNT}:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{DST}/*",
    }
    made["s3_b"].put_bucket_policy(
        Bucket=DST, Policy=json.dumps({"Version": "2012-10-17", "Statement": [owner_statement]})
    )
    keys = {}
    for side, account in (("kms_a", SOURCE_ACCOUNT), ("kms_b", DEST_ACCOUNT)):
        admin = {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                 "Action": "kms:*", "Resource": "*"}  # fmt: skip
        key = made[side].create_key(Policy=json.dumps({"Version": "2012-10-17", "Statement": [admin]}))
        keys[side] = key["KeyMetadata"]["Arn"]
    flags = ["--source-key", keys["kms_a"], "--replica-key", keys["kms_b"], "--yes", "--no-canary"]

    code = main(["init", *answers("sse-kms", *flags)])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "amend the bucket policy of wizard-dst" in out
    statements = policy(made["s3_b"].get_bucket_policy(Bucket=DST)["Policy"])["Statement"]
    assert statements[0] == owner_statement and statements[1]["Sid"] == "S3ReplTuiReplicaWrites"
    for side in ("kms_a", "kms_b"):
        key_policy = policy(made[side].get_key_policy(KeyId=keys[side], PolicyName="default")["Policy"])
        assert [s["Sid"] for s in key_policy["Statement"]] == ["Admins", "S3ReplTuiReplicationRole"]

    assert main(["undo", "--yes", *PROFILES]) == 0  # restores the owner's documents exactly
    capsys.readouterr()
    assert policy(made["s3_b"].get_bucket_policy(Bucket=DST)["Policy"])["Statement"] == [owner_statement]
    key_policy = policy(made["kms_b"].get_key_policy(KeyId=keys["kms_b"], PolicyName="default")["Policy"])
    assert [s["Sid"] for s in key_policy["Statement"]] == ["Admins"]
    assert made["kms_b"].describe_key(KeyId=keys["kms_b"])["KeyMetadata"]["KeyState"] == "Enabled"


def test_missing_answers_are_named_in_one_sentence(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["init", *PROFILES, "--source-bucket", SRC, "--encryption", "sse-kms", "--rtc"])

    err = capsys.readouterr().err
    assert code == 2
    first = err.splitlines()[0]
    assert first == (
        "s3repl-tui: Without a terminal every answer must be a flag, and these are missing: --dest-bucket, "
        "--source-key, --replica-key, --ownership, --delete-markers/--no-delete-markers, "
        "--replica-sync/--no-replica-sync, --yes (or --plan-only)."
    )
    assert err.splitlines()[1].startswith("hint: ") and "Traceback" not in err


def test_a_source_that_already_replicates_is_refused(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    seed = build_seed(sandbox)
    flags = answers("sse-s3", "--yes")
    flags[flags.index("--source-bucket") + 1] = seed.source_bucket
    flags[flags.index("--dest-bucket") + 1] = seed.dest_bucket

    code = main(["init", *flags])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"s3repl-tui: Bucket {seed.source_bucket} already has a replication configuration")
    assert f"s3repl-tui check --source-bucket {seed.source_bucket}" in err and "s3repl-tui fix" in err


@pytest.mark.parametrize(
    ("extra", "sentence"),
    [
        (["--dest-bucket", SRC], "The source and the destination are the same bucket (wizard-src)."),
        (["--source-key", "alias/mine"], "--source-key 'alias/mine' is neither 'new' nor a full KMS key ARN."),
        (["--rtc", "--no-metrics"], "Replication Time Control needs replication metrics, but --no-metrics was given."),
        (["--format", "json"], "--format only applies with --plan-only."),
        (["--role-name", "no spaces allowed"], "The role name 'no spaces allowed' is not valid in IAM."),
        (["--dest-bucket", "nobody-owns-this"],
         "Bucket nobody-owns-this is not among the buckets of account 444455556666 (destination credentials)."),
        (["--source-key", "arn:aws:kms:us-west-2:123456789012:key/1234abcd-0000-0000-0000-000000000000",
          "--replica-key", "new"], "The source key arn:aws:kms:us-west-2:123456789012:key/1234abcd-0000-0000-0000-"
         "000000000000 is in us-west-2, but bucket wizard-src is in us-east-1; S3 only uses a key of the bucket's "
         "own region."),
    ],
)  # fmt: skip
def test_a_bad_answer_is_one_sentence_and_changes_nothing(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], extra: list[str], sentence: str
) -> None:
    made = make_buckets(sandbox)
    flags = override(answers("sse-kms" if "--source-key" in extra else "sse-s3", "--yes"), extra)

    code = main(["init", *flags])

    err = capsys.readouterr().err
    assert code == 2, err
    assert err.splitlines()[0] == f"s3repl-tui: {sentence}" and "Traceback" not in err
    assert made["s3_a"].get_bucket_versioning(Bucket=SRC).get("Status") is None
    assert absent(made["iam"].get_role, RoleName=ROLE)


def test_in_the_sandbox_the_canary_says_it_is_not_emulated_instead_of_failing(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """moto never replicates: a real canary there would conclude NOT_REPLICATED about a working setup."""
    make_buckets(sandbox)

    code = main(["init", *answers("sse-kms", "--yes")])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "The check after setup says: pass." in out
    assert "NOT_REPLICATED whatever the setup" in out and "--emulate-replication" in out
    assert "S3 set no replication status on the canary" not in out
