"""``s3repl-tui object``: text on stdout, exit 0 replicated, 1 failed or not replicated, 2 usage."""

from __future__ import annotations

import pytest
from object_helpers import set_replication_status, source_s3

from s3repl_tui.cli import main
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, build_seed

PROFILES = ["--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]


def run(bucket: str, key: str, *extra: str) -> int:
    return main(["object", "--source-bucket", bucket, "--key", key, *PROFILES, *extra])


def test_failed_object_names_reason_layer_and_fix(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    setup = build_seed(sandbox)
    BREAKAGES["role-kms"](sandbox, setup)
    source_s3(sandbox).put_object(Bucket=setup.source_bucket, Key="data/x", Body=b"1")
    set_replication_status(setup.source_bucket, "data/x", "FAILED")
    assert run(setup.source_bucket, "data/x") == 1
    out = capsys.readouterr().out
    assert "FAILED: Replication of s3://s3-repl-test-src/data/x FAILED." in out
    assert "AWS reason    SrcGetObjectNotPermitted" in out
    assert "layer         role-kms" in out
    assert f"s3repl-tui fix --source-bucket {setup.source_bucket} --layer role-kms" in out
    assert "--statuses FAILED" in out


def test_replicated_object_exits_zero(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    setup = build_seed(sandbox)
    source_s3(sandbox).put_object(Bucket=setup.source_bucket, Key="k", Body=b"1")
    set_replication_status(setup.source_bucket, "k", "COMPLETED")
    assert run(setup.source_bucket, "k") == 0
    assert "REPLICATED: s3://s3-repl-test-src/k replicated to s3-repl-test-dsc" in capsys.readouterr().out


def test_missing_key_is_one_sentence_and_exit_two(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    setup = build_seed(sandbox)
    assert run(setup.source_bucket, "nope") == 2
    captured = capsys.readouterr()
    assert "s3repl-tui: s3://s3-repl-test-src/nope does not exist." in captured.err
    assert "Traceback" not in captured.err
    assert run(setup.source_bucket, "nope", "--version-id", "not-a-version") == 2


def test_missing_bucket_is_a_usage_error(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    build_seed(sandbox)
    assert run("no-such-bucket-here", "k") == 2
    assert "does not exist" in capsys.readouterr().err


def test_json_output_when_the_cli_passes_format_json(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse
    import json

    from s3repl_tui.commands import object as object_command

    setup = build_seed(sandbox)
    BREAKAGES["destination-policy"](sandbox, setup)
    source_s3(sandbox).put_object(Bucket=setup.source_bucket, Key="k", Body=b"1")
    set_replication_status(setup.source_bucket, "k", "FAILED")
    args = argparse.Namespace(source_bucket=setup.source_bucket, key="k", version_id=None, format="json",
                              source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE, region=None, endpoint_url=None)
    assert object_command.run(args) == 1
    body = json.loads(capsys.readouterr().out)
    assert (body["aws_failure_reason"], body["layer"]) == ("DstPutObjectNotPermitted", "destination-policy")
