"""Credentials and endpoints that don't work: ``check`` says so in one sentence (and a hint), exits 2,
and never shows a traceback. Run as a person runs it: a subprocess, with the sandbox's environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fault_helpers import cli_flags

from s3repl_tui.sandbox import SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.faults import always, aws_error, matching, throttle
from s3repl_tui.sandbox.middleware import FaultResponse, SandboxRequest

EXPIRED_KEY = "AKIAS3REPLEXPIRED000"
EXPIRED_SECRET = "expired/secret/not-a-real-key/0000000000"
EXPIRED_TOKEN = "IQoJb3JpZ2luX2VjEXPIREDs3repltokenNOTREAL"
NAMES = SeedSetup()  # bucket names only: these runs stop before reading anything
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z(`]|\s*$)")


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({k: v for k, v in os.environ.items() if k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                                                              "AWS_EC2_METADATA_DISABLED")})
    env.update(overrides)
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "400"  # one line per message, however long
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "s3repl_tui", "check", *args], capture_output=True, text=True,
                          env=env, timeout=60, stdin=subprocess.DEVNULL)


def _assert_one_sentence(result: subprocess.CompletedProcess[str], *fragments: str, exit_code: int = 2) -> str:
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("s3repl-tui: ")]
    assert len(errors) == 1, lines
    assert all(line.startswith(("s3repl-tui: ", "hint: ")) for line in lines), lines
    message = errors[0].removeprefix("s3repl-tui: ")
    assert len(_SENTENCE_END.findall(message)) == 1, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def _expired_profiles(sandbox: Sandbox, tmp_path: Path) -> dict[str, str]:
    """The sandbox's config plus two profiles whose keys the sandbox treats as expired."""
    config = tmp_path / "config"
    credentials = tmp_path / "credentials"
    config.write_text(sandbox.config_file.read_text() + (
        f"\n[profile expired]\nregion = us-east-1\nendpoint_url = {sandbox.endpoint_url}\n"
        f"\n[profile dest-via-expired]\nregion = us-west-2\nendpoint_url = {sandbox.endpoint_url}\n"
        "role_arn = arn:aws:iam::444455556666:role/s3repl-sandbox-admin\nsource_profile = expired\n"))
    credentials.write_text(sandbox.credentials_file.read_text() + (
        f"\n[expired]\naws_access_key_id = {EXPIRED_KEY}\naws_secret_access_key = {EXPIRED_SECRET}\n"
        f"aws_session_token = {EXPIRED_TOKEN}\n"))
    return {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}


def _expired(request: SandboxRequest) -> FaultResponse:
    return aws_error(request.service, 403, "ExpiredToken", "The security token included in the request is expired")


def test_a_profile_that_does_not_exist(sandbox: Sandbox) -> None:
    result = _run(["--source-bucket", NAMES.source_bucket, "--source-profile", "no-such-profile"], _env())
    _assert_one_sentence(result, "'no-such-profile'", "does not exist")


def test_a_destination_profile_that_does_not_exist(sandbox: Sandbox) -> None:
    result = _run(["--source-bucket", NAMES.source_bucket, "--source-profile", SOURCE_PROFILE,
                   "--dest-profile", "nope-dest"], _env())
    _assert_one_sentence(result, "'nope-dest'", "does not exist")


def test_no_credentials_at_all(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("")
    env = _env(AWS_CONFIG_FILE=str(tmp_path / "empty"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "empty"),
               AWS_EC2_METADATA_DISABLED="true", HOME=str(tmp_path))
    result = _run(["--source-bucket", NAMES.source_bucket, "--endpoint-url", sandbox.endpoint_url], env)
    _assert_one_sentence(result, "No AWS credentials were found")


@pytest.mark.parametrize("profiles", [("expired", None), (SOURCE_PROFILE, "dest-via-expired")],
                         ids=["source-expired", "dest-role-from-expired-keys"])
def test_expired_credentials(
    sandbox: Sandbox, tmp_path: Path, profiles: tuple[str, str | None]
) -> None:
    sandbox.middleware.fault_hooks.append(always(_expired, matching(access_key=EXPIRED_KEY)))
    source, dest = profiles
    args = ["--source-bucket", NAMES.source_bucket, "--source-profile", source]
    args += ["--dest-profile", dest] if dest else []

    result = _run(args, _env(**_expired_profiles(sandbox, tmp_path)))

    message = _assert_one_sentence(result, "expired or invalid")
    assert "ExpiredToken" in message
    assert f"'{dest or source}'" in message  # names the profile to refresh


def test_an_endpoint_that_refuses_connections(sandbox: Sandbox) -> None:
    args = [*cli_flags(NAMES), "--endpoint-url", "http://127.0.0.1:9"]
    _assert_one_sentence(_run(args, _env()), "Could not reach http://127.0.0.1:9")


def test_a_throttled_identity_check_is_one_sentence_too(sandbox: Sandbox) -> None:
    """Throttled through every retry: not a credential error (exit 2) but nothing judged (exit 3)."""
    sandbox.middleware.fault_hooks.append(
        throttle(1.0, max_in_a_row=None, when=matching("sts:GetCallerIdentity")))
    message = _assert_one_sentence(_run(cli_flags(NAMES), _env()), "did not answer", "Throttling", "try again",
                                   exit_code=3)
    assert "credential" not in message


def test_the_same_command_works_without_the_faults(sandbox: Sandbox, seed: SeedSetup) -> None:
    """The harness above can tell success from failure: the healthy seed passes with exit 0."""
    result = _run([*cli_flags(seed), "--format", "json"], _env())
    assert (result.returncode, result.stderr.strip()) == (0, ""), result.stderr
    assert '"verdict": "pass"' in result.stdout
