"""``--source-bucket`` names a bucket the source profile cannot see, or is written as a URL or an ARN.

A missing bucket is a usage error, as ``object`` treats a missing key: one sentence naming the bucket
and the profile, exit 2, no report of unknown layers. ``s3://bucket`` and ``arn:aws:s3:::bucket`` mean
the bucket; anything else that is not a bucket name is refused in one sentence. Run as a person runs
it: a subprocess with the sandbox's environment.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from s3repl_tui.commands.source_bucket import normalise_source_bucket
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({k: v for k, v in os.environ.items() if k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                                                              "AWS_EC2_METADATA_DISABLED")})
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "400"
    return env


def _check(bucket: str, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ["check", "--source-bucket", bucket, "--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE,
            *extra]
    return subprocess.run([sys.executable, "-m", "s3repl_tui", *args], capture_output=True, text=True, env=_env(),
                          timeout=60, stdin=subprocess.DEVNULL)


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("s3repl-tui: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_a_bucket_that_does_not_exist_is_one_sentence_and_exit_2(sandbox: Sandbox, seed: SeedSetup) -> None:
    line = _one_error_line(_check("s3-repl-test-nowhere"))
    assert line == (f"s3repl-tui: The bucket s3-repl-test-nowhere does not exist or is not visible to profile "
                    f"{SOURCE_PROFILE}.")


def test_a_bucket_of_the_other_account_is_not_visible(sandbox: Sandbox, seed: SeedSetup) -> None:
    """The destination bucket exists, but the source profile's account gets AccessDenied on every read."""
    line = _one_error_line(_check(seed.dest_bucket))
    assert f"The bucket {seed.dest_bucket} does not exist or is not visible to profile {SOURCE_PROFILE}" in line


@pytest.mark.parametrize("written", ["s3://{b}", "s3://{b}/", "arn:aws:s3:::{b}"])
def test_urls_and_arns_name_the_bucket(sandbox: Sandbox, seed: SeedSetup, written: str) -> None:
    result = _check(written.format(b=seed.source_bucket), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert f'"bucket": "{seed.source_bucket}"' in result.stdout


@pytest.mark.parametrize("written", ["s3://b-ucket/prefix/", "arn:aws:s3:::b-ucket/key",
                                     "arn:aws:s3:us-east-1:123456789012:accesspoint/ap", "https://b-ucket",
                                     "my bucket", ""])
def test_what_is_not_a_bucket_is_refused(written: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        normalise_source_bucket(written)


def test_a_refused_bucket_exits_2_in_one_line() -> None:
    result = subprocess.run([sys.executable, "-m", "s3repl_tui", "check", "--source-bucket", "s3://b-ucket/key"],
                            capture_output=True, text=True, env=_env(), timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--source-bucket" in result.stderr and "s3://b-ucket/key" in result.stderr


@pytest.mark.parametrize(("written", "bucket"), [("s3://a.b-c", "a.b-c"), ("arn:aws-cn:s3:::cn-bucket", "cn-bucket"),
                                                 ("plain-bucket", "plain-bucket"), (" spaced ", "spaced")])
def test_normalised_names(written: str, bucket: str) -> None:
    assert normalise_source_bucket(written) == bucket


def test_a_bucket_without_replication_is_a_fail_that_points_at_init(sandbox: Sandbox, seed: SeedSetup) -> None:
    s3 = sandbox.session(SOURCE_PROFILE).client("s3", region_name=seed.source_region)
    s3.delete_bucket_replication(Bucket=seed.source_bucket)
    result = _check(seed.source_bucket, "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "fail"
    statuses = {layer["id"]: layer["status"] for layer in report["layers"]}
    assert statuses["rule"] == "fail" and "pass" not in statuses.values(), statuses
    errors = [f for layer in report["layers"] for f in layer["findings"] if f["severity"] == "error"]
    assert [f["code"] for f in errors] == ["replication-configuration-missing"]
    assert "s3repl-tui init" in errors[0]["message"]
