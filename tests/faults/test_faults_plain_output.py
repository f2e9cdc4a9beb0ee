"""Issue 12.7 (the rest): ``init``, ``retry`` and ``object`` print what comes from AWS or the user (bucket
names, rule ids, keys, role and key names, messages) as plain text. An escape sequence (``\\x1b[2J``
clears the screen, an OSC 8 ``\\x1b]8;;…`` makes a hyperlink) is shown spelled out, never sent to the
terminal; Rich markup (``[link=…]``) and emoji codes (``:smile:``) are shown as typed.

Each hostile value goes in through a flag or through the sandbox's documents (a rule id, an object
key) and each command runs in-process against the sandbox (``s3repl_tui.cli.main``, output captured).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest

from s3repl_tui.cli import main
from s3repl_tui.commands import init as init_command
from s3repl_tui.plain_text import printable_line
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.middleware import FaultHook, FaultResponse, SandboxRequest

ESCAPES = ["\x1b[2J", "\x1b]8;;http://x\x1b\\"]
MARKUP = ["[link=http://x]y[/link]", ":smile:"]
HOSTILE = ESCAPES + MARKUP
PROFILES = ["--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(init_command, "make_prompter", lambda: None)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run one command; what reached stdout and stderr, checked for raw control sequences."""
    with contextlib.suppress(SystemExit):  # argparse's own usage errors
        main(argv)
    captured = capsys.readouterr()
    shown = captured.out + captured.err
    assert "\x1b" not in shown, f"a raw escape sequence reached the terminal: {shown!r}"
    assert "\x07" not in shown and "\x9b" not in shown and "\x9d" not in shown, repr(shown)
    assert "😄" not in shown, "an emoji code was rendered"
    assert "Traceback" not in shown, shown
    return shown


def _spelled(value: str) -> str:
    return printable_line(value)


# object ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_object_shows_a_missing_key_as_typed(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    shown = run(capsys, ["object", "--source-bucket", seed.source_bucket, "--key", f"k{value}", *PROFILES])
    assert _spelled(f"k{value}") in shown


@pytest.mark.parametrize("value", HOSTILE)
def test_object_shows_an_existing_key_as_typed(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    key = f"dir/{value}.txt"
    sandbox.session(SOURCE_PROFILE).client("s3", region_name=seed.source_region).put_object(
        Bucket=seed.source_bucket, Key=key, Body=b"x"
    )
    shown = run(capsys, ["object", "--source-bucket", seed.source_bucket, "--key", key, *PROFILES])
    assert _spelled(key) in shown


@pytest.mark.parametrize("value", HOSTILE)
def test_object_shows_a_version_id_and_a_bucket_as_typed(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    run(capsys, ["object", "--source-bucket", seed.source_bucket, "--key", "a.txt", "--version-id", value,
                 *PROFILES])
    run(capsys, ["object", "--source-bucket", f"b{value}", "--key", "a.txt", *PROFILES])


# retry ----------------------------------------------------------------------------------------------


def _rename_rule(sandbox: Sandbox, seed: SeedSetup, rule_id: str, role: str | None = None) -> None:
    """S3 speaks XML 1.0, which cannot carry ESC: a rule id or role from AWS holds markup at worst."""
    replication = json.loads(json.dumps(seed.documents["replication"]))
    replication["Rules"][0]["ID"] = rule_id.replace("\x1b", "")
    if role is not None:
        replication["Role"] = role.replace("\x1b", "")
    sandbox.session(SOURCE_PROFILE).client("s3", region_name=seed.source_region).put_bucket_replication(
        Bucket=seed.source_bucket, ReplicationConfiguration=replication
    )


def _retry(seed: SeedSetup, *extra: str) -> list[str]:
    return ["retry", "--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE, *extra]


@pytest.mark.parametrize("value", HOSTILE)
def test_retry_shows_the_statuses_asked_for_as_typed(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    shown = run(capsys, _retry(seed, "--statuses", f"FAILED,{value}", "--yes"))
    assert _spelled(value.upper()) in shown


@pytest.mark.parametrize("value", HOSTILE)
def test_retry_says_a_bad_report_bucket_in_one_sentence(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    shown = run(capsys, _retry(seed, "--report-bucket", f"r{value}", "--yes"))
    assert "s3repl-tui: " in shown and _spelled(f"r{value}") in shown


@pytest.mark.parametrize("value", MARKUP)
def test_retry_runs_a_job_over_a_rule_and_keys_named_with_markup(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    _rename_rule(sandbox, seed, f"rule{value}")
    s3 = sandbox.session(SOURCE_PROFILE).client("s3", region_name=seed.source_region)
    s3.put_object(Bucket=seed.source_bucket, Key=f"o{value}", Body=b"x")
    shown = run(capsys, _retry(seed, "--yes"))
    assert "Created job" in shown
    assert "[y/N]" not in shown  # --yes asks nothing


@pytest.mark.parametrize("value", MARKUP)
def test_retry_names_a_role_written_with_markup_as_typed(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    role = f"arn:aws:iam::{seed.source_account}:role/r{value}"
    _rename_rule(sandbox, seed, "rule", role=role)
    shown = run(capsys, _retry(seed, "--yes"))
    assert role in shown


def test_retry_without_a_terminal_prints_its_plan_plainly(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --yes and without a terminal nothing is created; the plan printed first stays plain."""
    _rename_rule(sandbox, seed, "rule[link=http://x]y[/link]:smile:")
    shown = run(capsys, _retry(seed))
    assert "Batch Replication for s3://" in shown and "pass --yes" in shown


# init -----------------------------------------------------------------------------------------------

FRESH_SOURCE, FRESH_DEST = "plain-src", "plain-dst"


def _fresh_buckets(sandbox: Sandbox) -> None:
    source = sandbox.session(SOURCE_PROFILE).client("s3", region_name="us-east-1")
    source.create_bucket(Bucket=FRESH_SOURCE)
    dest = sandbox.session(DEST_PROFILE).client("s3", region_name="us-west-2")
    dest.create_bucket(Bucket=FRESH_DEST, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})


def _init(*switches: str, source: str = FRESH_SOURCE, dest: str = FRESH_DEST, **answers: str) -> list[str]:
    """init's flags, every answer given (``answers``: ``role_name=...`` for ``--role-name``...)."""
    given = {"source_bucket": source, "dest_bucket": dest, "source_key": "new", "replica_key": "new", **answers}
    argv = ["init", *PROFILES, "--encryption", "sse-kms", "--ownership", "override", "--no-rtc", "--no-metrics",
            "--no-delete-markers", "--no-replica-sync", "--no-canary", *switches]
    for name, value in given.items():
        argv += ["--" + name.replace("_", "-"), value]
    return argv


def _kms_refuses(message: str) -> FaultHook:
    """KMS (a JSON protocol, which can carry ESC) refuses CreateKey with ``message``."""

    def hook(request: SandboxRequest) -> FaultResponse | None:
        if request.operation != "kms:CreateKey":
            return None
        body = json.dumps({"__type": "AccessDeniedException", "message": message}).encode()
        return FaultResponse(400, body, (("Content-Type", "application/x-amz-json-1.1"),))

    return hook


@pytest.mark.parametrize("value", HOSTILE)
def test_init_shows_what_aws_answered_as_typed(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    _fresh_buckets(sandbox)
    sandbox.middleware.fault_hooks.append(_kms_refuses(f"not you{value}"))
    shown = run(capsys, _init("--yes"))
    # (the message as describe_error words it: without a trailing colon or full stop)
    assert "AccessDeniedException" in shown and _spelled(f"not you{value}".rstrip(":.")) in shown
    assert "The setup is incomplete" in shown


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("flag", ["--source-bucket", "--dest-bucket", "--source-key", "--replica-key",
                                  "--role-name"])
def test_init_shows_every_answer_as_typed(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], value: str, flag: str
) -> None:
    _fresh_buckets(sandbox)
    hostile = f"arn:aws:kms:us-east-1:123456789012:key/{value}" if flag.endswith("-key") else f"x{value}"
    run(capsys, _init("--plan-only", **{flag[2:].replace("-", "_"): hostile}))


def test_init_plan_only_prints_the_plan_plainly(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    _fresh_buckets(sandbox)
    shown = run(capsys, _init("--plan-only"))
    assert "s3repl-tui init plan" in shown


@pytest.mark.parametrize("value", MARKUP)
def test_init_refuses_a_bucket_that_replicates_under_a_rule_named_with_markup(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    _rename_rule(sandbox, seed, f"rule{value}")
    shown = run(capsys, _init("--yes", source=seed.source_bucket, dest=seed.dest_bucket))
    assert "already has a replication configuration" in shown
