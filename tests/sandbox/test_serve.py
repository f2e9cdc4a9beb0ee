"""``python -m s3repl_tui.sandbox``: the sandbox in a process of its own, one line of JSON, a clean exit."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.cli import main as cli_main
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE

START_TIMEOUT = 60.0


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "s3repl_tui.sandbox", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _first_line(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
    assert ready, "the sandbox printed nothing in time"
    line = process.stdout.readline()
    assert line.endswith("\n"), f"no line: {line!r}; stderr: {process.stderr.read() if process.stderr else ''}"
    return dict(json.loads(line))


def _stop(process: subprocess.Popen[str], how: str) -> tuple[int, str, str]:
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    if how == "stdin":
        process.stdin.close()
    else:
        process.send_signal(signal.SIGTERM if how == "SIGTERM" else signal.SIGINT)
    returncode = process.wait(timeout=30)
    return returncode, process.stdout.read(), process.stderr.read()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def clean_aws_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_check_passes_on_the_seed_served_from_another_process(
    processes: list[subprocess.Popen[str]], clean_aws_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    process = _start("--seed")
    processes.append(process)
    info = _first_line(process)
    assert info["endpoint_url"].startswith("http://127.0.0.1:")
    assert (info["source_profile"], info["dest_profile"]) == (SOURCE_PROFILE, DEST_PROFILE)
    seed = info["seed"]
    assert seed["source_bucket"] and seed["dest_bucket"] and seed["role_arn"].startswith("arn:aws:iam::")
    config = Path(info["env"]["AWS_CONFIG_FILE"])
    assert info["endpoint_url"] in config.read_text(encoding="utf-8")

    for name, value in info["env"].items():
        clean_aws_env.setenv(name, value)
    code = cli_main(["check", "--source-bucket", seed["source_bucket"], "--source-profile", info["source_profile"],
                     "--dest-profile", info["dest_profile"], "--format", "json"])
    report = capsys.readouterr().out
    assert code == 0, report

    returncode, out, err = _stop(process, "SIGTERM")
    assert returncode == 0, err
    assert out == "" and "Traceback" not in err
    assert not config.parent.exists(), "the temporary directory outlived the sandbox"


@pytest.mark.parametrize("how", ["stdin", "SIGINT"])
def test_stops_cleanly_when_stdin_closes_or_on_ctrl_c(
    how: str, processes: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    directory = tmp_path / "sandbox"
    process = _start("--latency-ms", "5", "--dir", str(directory))
    processes.append(process)
    info = _first_line(process)
    assert info["seed"] is None and info["latency_ms"] == 5.0
    assert info["env"]["AWS_CONFIG_FILE"] == str(directory.resolve() / "config")

    returncode, _out, err = _stop(process, how)
    assert returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert (directory / "config").exists(), "--dir is the caller's: kept on exit"


def test_break_all_serves_the_readmes_failing_seed(
    processes: list[subprocess.Popen[str]], clean_aws_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    process = _start("--seed", "--break", "all")
    processes.append(process)
    info = _first_line(process)
    assert info["seed"]["broken"] == ["versioning", "role-kms", "destination-policy", "rule"]
    for name, value in info["env"].items():
        clean_aws_env.setenv(name, value)
    code = cli_main(["check", "--source-bucket", info["seed"]["source_bucket"], "--source-profile", SOURCE_PROFILE,
                     "--dest-profile", DEST_PROFILE, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    failing = {layer["id"] for layer in report["layers"] if layer["status"] == "fail"}
    assert {"versioning", "role-kms", "destination-policy", "rule"} <= failing
    assert _stop(process, "SIGTERM")[0] == 0


def test_break_needs_the_seed_and_a_known_layer() -> None:
    for args in (["--break", "all"], ["--seed", "--break", "nonsense"]):
        done = subprocess.run([sys.executable, "-m", "s3repl_tui.sandbox", *args], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "--seed" in done.stderr or "invalid choice" in done.stderr
