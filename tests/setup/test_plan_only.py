"""``init --plan-only``: the plan as JSON (applied here step by step with boto3) or as AWS CLI commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.cli import main
from s3repl_tui.commands import init as init_command
from s3repl_tui.sandbox import DEST_PROFILE, DEST_REGION, SOURCE_PROFILE, SOURCE_REGION, Sandbox

from .helpers import PROFILES, ROLE, SRC, absent, answers, make_buckets

PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(init_command, "make_prompter", lambda: None)


def _fill(value: Any, values: dict[str, str]) -> Any:
    """What a person's script does: put the ARNs created so far where the plan says ${NAME}."""
    text = json.dumps(value)
    return json.loads(PLACEHOLDER.sub(lambda match: values[match.group(1)], text))


def _dig(answer: Any, path: str) -> str:
    for part in path.split("."):
        answer = answer[part]
    return str(answer)


def apply_json_plan(sandbox: Sandbox, plan: dict[str, Any]) -> dict[str, str]:
    """Apply every step of the JSON plan with boto3, in order, as the plan names it."""
    created: dict[str, str] = {}
    for change in plan["changes"]:
        call = change["call"]
        client = sandbox.session(change["profile"]).client(call["service"], region_name=call["region"])
        answer = getattr(client, call["operation"])(**_fill(call["params"], created))
        if call.get("sets"):
            created[call["sets"]] = _dig(answer, call["output"])
    return created


def test_the_json_plan_applied_step_by_step_reaches_a_passing_check(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_buckets(sandbox)

    code = main(["init", *answers("sse-kms", "--rtc", "--delete-markers", "--plan-only", "--format", "json")])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    plan = json.loads(captured.out)
    assert plan["title"] == "s3repl-tui init plan" and "nothing was changed" in plan["notes"][0]
    assert made["s3_a"].get_bucket_versioning(Bucket=SRC).get("Status") is None  # plan-only wrote nothing
    assert absent(made["iam"].get_role, RoleName=ROLE)
    operations = [change["call"]["operation"] for change in plan["changes"]]
    assert operations == [
        "put_bucket_versioning",
        "put_bucket_versioning",
        "create_role",
        "create_key",
        "create_key",
        "put_bucket_encryption",
        "put_bucket_encryption",
        "put_role_policy",
        "put_bucket_policy",
        "put_bucket_replication",
    ]
    assert [c["creates"] for c in plan["changes"] if c["creates"]] == ["SOURCE_KEY_ARN", "REPLICA_KEY_ARN"]

    created = apply_json_plan(sandbox, plan)

    assert set(created) == {"SOURCE_KEY_ARN", "REPLICA_KEY_ARN"}
    assert main(["check", "--source-bucket", SRC, *PROFILES, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "pass"


def _run_with_fake_aws(script: str, tmp_path: Path) -> list[list[str]]:
    """Run the script in a real shell with an ``aws`` that records its arguments (and makes up key ARNs)."""
    fake = tmp_path / "bin" / "aws"
    fake.parent.mkdir()
    fake.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        "with open(sys.argv[0] + '.log', 'a') as log: log.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "if 'create-key' in sys.argv:\n"
        "    which = 'source' if any('source key' in word for word in sys.argv) else 'replica'\n"
        "    print('arn:aws:kms:made-up:000000000000:key/' + which)\n"
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env, check=True)
    return [json.loads(line) for line in (tmp_path / "bin" / "aws.log").read_text().splitlines()]


def test_the_cli_plan_has_one_command_per_step_with_its_account_profile_and_region(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_buckets(sandbox)
    assert main(["init", *answers("sse-kms", "--plan-only", "--format", "json")]) == 0
    steps = json.loads(capsys.readouterr().out)["changes"]

    assert main(["init", *answers("sse-kms", "--plan-only")]) == 0  # cli is the default format

    script = capsys.readouterr().out
    assert script.startswith("#!/bin/sh\n# s3repl-tui init plan")
    commands = _run_with_fake_aws(script, tmp_path)
    assert len(commands) == len(steps) == 10
    expected_profile = {SOURCE_REGION: SOURCE_PROFILE, DEST_REGION: DEST_PROFILE}
    for command, step in zip(commands, steps, strict=True):
        assert command[command.index("--profile") + 1] == step["profile"] == expected_profile[step["region"]]
        assert command[command.index("--region") + 1] == step["region"]
        assert command[1].replace("-", "_") == step["call"]["operation"]
    create_role, source_key, replica_key = commands[2], commands[3], commands[4]
    assert create_role[:2] == ["iam", "create-role"] and "/service-role/" in create_role
    assert source_key[:2] == ["kms", "create-key"] and source_key[-4:] == [
        "--query",
        "KeyMetadata.Arn",
        "--output",
        "text",
    ]
    # The key ARNs the shell captured reach the later documents.
    role_policy = json.loads(commands[7][commands[7].index("--policy-document") + 1])
    resources = [
        s["Resource"] for s in role_policy["Statement"] if s["Sid"] in ("S3ReplTuiSourceKey", "S3ReplTuiReplicaKey")
    ]
    made_up = "arn:aws:kms:made-up:000000000000:key/"
    assert resources == [[f"{made_up}source"], [f"{made_up}replica"]]
    assert source_key[:2] == replica_key[:2] == ["kms", "create-key"]


@pytest.mark.parametrize(("fmt", "marker"), [("terraform", 'provider "aws"'), ("cloudformation", '"templates"')])
def test_the_plan_exports_as_infrastructure_code(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], fmt: str, marker: str
) -> None:
    make_buckets(sandbox)
    assert main(["init", *answers("sse-kms", "--plan-only", "--format", fmt)]) == 0
    out = capsys.readouterr().out
    assert marker in out
    assert ("aws_s3_bucket_replication_configuration" if fmt == "terraform" else "ReplicationConfiguration") in out
