"""Every printed ``aws …`` command carries --profile and --region (issue 13, item 7)."""

from __future__ import annotations

import re

from s3repl_tui.aws import Connection
from s3repl_tui.checks import judge
from s3repl_tui.command_line import aws_command, with_global_options
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import BREAKAGES, Sandbox, SeedSetup


def test_commands_get_the_options_they_lack_and_keep_the_ones_they_have() -> None:
    chain = "aws kms cancel-key-deletion --key-id k && aws kms enable-key --key-id k"
    assert with_global_options(chain, "p", "eu-west-1") == (
        "aws kms cancel-key-deletion --key-id k --profile p --region eu-west-1 && "
        "aws kms enable-key --key-id k --profile p --region eu-west-1")
    kept = "aws s3api get-bucket-policy --bucket d --profile <destination-profile>"
    assert with_global_options(kept, "src", "us-west-2") == f"{kept} --region us-west-2"
    assert with_global_options("Restore it (aws s3api restore-object --bucket b ...), then", None, "r") == \
        "Restore it (aws s3api restore-object --bucket b --profile <source-profile> --region r ...), then"
    assert aws_command("s3control", "describe-job", "--job-id", "j 1", profile=None, region=None) == \
        "aws s3control describe-job --job-id 'j 1' --profile <source-profile> --region <region>"


def test_every_command_of_a_failing_check_names_its_profile_and_region(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    for breakage in BREAKAGES.values():
        breakage(sandbox, seed)
    report = judge(probe(connection, seed.source_bucket))
    commands = [f.evidence["command"] for layer in report.layers for f in layer.findings if f.evidence.get("command")]
    commands += [f.fix.manual_steps for layer in report.layers for f in layer.findings if f.fix and f.fix.manual_steps]
    invocations = [m for text in commands for m in re.findall(r"aws [a-z0-9]+ [^&;)]*", text)]
    assert invocations
    for command in invocations:
        assert " --profile " in command and " --region " in command, command
    versioning = next(c for c in commands if "get-bucket-versioning" in c)
    assert versioning.endswith(f"--bucket {seed.dest_bucket} --profile s3repl-dest --region {seed.dest_region}")


def test_an_exported_fix_without_a_profile_names_a_placeholder_for_its_account() -> None:
    from s3repl_tui.fixes import Change, Plan, export_plan
    from s3repl_tui.fixes.model import DocumentRef

    ref = DocumentRef("bucket-versioning", "444455556666", "us-west-2", "arn:aws:s3:::d", "d")
    change = Change("bucket-versioning:arn:aws:s3:::d", ("enable-destination-versioning",), "versioning", ref,
                    "enable versioning", {"Status": "Suspended"}, {"Status": "Enabled"})
    script = export_plan(Plan(changes=(change,)), "cli")
    assert "--profile '<profile-of-444455556666>'" in script and "--region us-west-2" in script
