"""Issue 12.7: every value from AWS or the user is shown as plain text, in the CLI and in the TUI.

A rule id such as ``backup[/tmp]`` must not crash a renderer (Rich MarkupError), ``[link=…]`` must not
become a hyperlink, ``:smile:`` must not become an emoji, and an escape sequence (``\\x1b[31m``, an OSC 8
hyperlink, BEL) must never reach the terminal raw. Hostile strings are fed through every renderer: the
text report, the markdown export, and every screen of the app (main, detail, confirm, error, canary).
"""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from rich.console import Console
from textual.strip import Strip

from s3repl_tui.app import S3ReplApp
from s3repl_tui.canary import CanaryProgress, CanaryResult, ReplicaCheck
from s3repl_tui.checks.model import Report
from s3repl_tui.plain_text import plain, printable
from s3repl_tui.probes.snapshot import Identity
from s3repl_tui.report_export import report_markdown
from s3repl_tui.report_text import render
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.server import client
from s3repl_tui.screens.backend import Diagnosis, Identities, ReplicationPath
from s3repl_tui.screens.confirm import ConfirmScreen
from s3repl_tui.screens.detail import LayerDetailScreen
from s3repl_tui.screens.error import ErrorScreen

from .helpers import wait_diagnosed, wait_for
from .reports import IDENTITIES, PATH, SOURCE_BUCKET, FakeBackend, all_red, mixed, plan_for

HOSTILE = [
    "backup[/tmp]",
    "[link=https://evil.example]click[/link]",
    "[bold red]loud[/]",
    ":smile: :thumbs_up:",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;https://evil.example\x07osc\x1b]8;;\x07",
    "bell\x07\x08back",
    "\x9bC1 csi",
    "rtl\u202eoverride",
]
PAYLOAD = " ".join(HOSTILE)
CONTROL = {chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))} - {"\n"}
# Fields whose values are ours (ids, enums, numbers): left as they are so the report stays valid.
_KEEP = {"id", "code", "severity", "status", "layer", "api", "automatic", "unknown", "title", "final", "pending"}


def poison(value: Any, field: str = "") -> Any:
    """Every string that comes from AWS or the user, with the hostile payload appended."""
    if field in _KEEP:
        return value
    if isinstance(value, str):
        return f"{value} {PAYLOAD}"
    if isinstance(value, tuple):
        return tuple(poison(item, field) for item in value)
    if isinstance(value, list):
        return [poison(item, field) for item in value]
    if isinstance(value, dict):
        return {key: poison(item, key) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: poison(getattr(value, f.name), f.name) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value


def hostile_report() -> Report:
    report: Report = poison(mixed())
    return report


def _assert_plain(output: str) -> None:
    leaked = sorted({repr(c) for c in output if c in CONTROL})
    assert not leaked, f"control characters reached the output: {leaked}"
    assert "[link=https://evil.example]click[/link]" in output  # shown as typed, not a hyperlink
    assert "backup[/tmp]" in output
    assert ":smile:" in output and "😄" not in output and "👍" not in output
    assert "\\x1b[31mred" in output  # the escape spelled out


# -- text renderers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("terminal", [False, True])
def test_the_text_report_prints_hostile_values_as_typed(terminal: bool) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=400, force_terminal=terminal, color_system="truecolor" if terminal else None)
    render(hostile_report(), console)
    output = buffer.getvalue()
    if terminal:
        assert "\x1b]8;" not in output, "a hyperlink was emitted"
        output = _strip_sgr(output)
    _assert_plain(output)


def _strip_sgr(output: str) -> str:
    """Rich's own colours (CSI … m) removed, so only what came from the values is left to inspect."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", output)


def test_the_markdown_export_spells_escape_sequences_out() -> None:
    output = report_markdown(hostile_report())
    leaked = sorted({repr(c) for c in output if c in CONTROL})
    assert not leaked
    assert "backup[/tmp]" in output


def test_printable_spells_out_every_control_character() -> None:
    assert printable("a\x1b[31mb\x07c\u202e") == "a\\x1b[31mb\\x07c\\u202e"
    assert printable("line\nnext\ttab") == "line\nnext\ttab"
    assert plain("[b]x[/b] :smile:").plain == "[b]x[/b] :smile:"


# -- the app ----------------------------------------------------------------------------------------


class HostileBackend(FakeBackend):
    def connect(self) -> Identities:
        self.calls.append("connect")
        hostile: Identities = poison(IDENTITIES)
        return hostile

    def diagnose(self, bucket: str, on_update: Callable[[Diagnosis], None]) -> Diagnosis:
        report = self.report
        path: ReplicationPath = poison(PATH)
        return Diagnosis(report, path, poison(plan_for(report)), final=True)

    def canary(self, on_progress: Callable[[CanaryProgress], None], should_stop: Callable[[], bool]) -> CanaryResult:
        return CanaryResult(
            "FAILED", SOURCE_BUCKET, f"canary {PAYLOAD}", "v1", "FAILED", 1.0, False, f"failed {PAYLOAD}",
            replica_checks=(ReplicaCheck("replica", False, f"detail {PAYLOAD}"),),
        )


def screen_text(app: S3ReplApp) -> str:
    strips: list[Strip] = app.screen._compositor.render_strips()
    for strip in strips:
        for segment in strip:
            assert segment.style is None or not segment.style.link, f"a hyperlink on screen: {segment}"
    return "\n".join(strip.text for strip in strips)


def _assert_on_screen(text: str, *needles: str) -> None:
    leaked = sorted({repr(c) for c in text if c in CONTROL})
    assert not leaked, f"control characters on screen: {leaked}"
    for needle in needles:
        assert needle in text, f"{needle!r} not on screen"
    assert "😄" not in text


async def test_every_screen_shows_hostile_values_as_typed() -> None:
    app = S3ReplApp(HostileBackend([hostile_report()]), source_bucket=SOURCE_BUCKET, spinners=False)
    async with app.run_test(size=(400, 60)) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.pause(0.1)
        _assert_on_screen(screen_text(app), "backup[/tmp]", "[link=https://evil.example]", ":smile:")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LayerDetailScreen))
        await pilot.pause(0.1)
        _assert_on_screen(screen_text(app), "backup[/tmp]", "\\x1b[31mred")
        await pilot.press("escape", "F")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause(0.1)
        _assert_on_screen(screen_text(app), "backup[/tmp]")
        await pilot.press("n")
        await pilot.press("c")
        await wait_for(pilot, lambda: app.last_canary is not None, what="the canary")
        await pilot.pause(0.1)
        _assert_on_screen(screen_text(app), "failed backup[/tmp]")
        app.push_screen(ErrorScreen(f"title {PAYLOAD}", f"message {PAYLOAD}", f"hint {PAYLOAD}"))
        await pilot.pause(0.1)
        _assert_on_screen(screen_text(app), "message backup[/tmp]", "hint backup[/tmp]")


async def test_a_hostile_error_and_a_hostile_notification_stay_plain() -> None:
    app = S3ReplApp(FakeBackend([all_red()], fail_diagnosis=RuntimeError(f"boom {PAYLOAD}")),
                    source_bucket=SOURCE_BUCKET, spinners=False)
    async with app.run_test(size=(400, 60)) as pilot:
        await wait_for(pilot, lambda: bool(app._notifications), what="the error's notification")
        await pilot.pause(0.3)
        text = screen_text(app)
        _assert_on_screen(text, "The probe stopped: RuntimeError: boom backup[/tmp]")
        assert "[link=https://evil.example]" in text


def test_identity_fields_are_plain() -> None:
    identity = Identity("source", f"p {PAYLOAD}", "1", f"arn {PAYLOAD}")
    assert printable(identity.arn).count("\\x1b") >= 1


# -- the CLI, as a person runs it -------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({k: v for k, v in os.environ.items() if k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                                                              "AWS_EC2_METADATA_DISABLED")})
    env["COLUMNS"] = "400"
    return env


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "s3repl_tui", *args, "--source-profile", SOURCE_PROFILE,
                           "--dest-profile", DEST_PROFILE], capture_output=True, text=True, env=_env(),
                          timeout=90, stdin=subprocess.DEVNULL)


def test_check_prints_a_bracketed_rule_id_as_typed(sandbox: Sandbox, seed: SeedSetup) -> None:
    s3 = client(sandbox.session(SOURCE_PROFILE), "s3", seed.source_region)
    configuration = s3.get_bucket_replication(Bucket=seed.source_bucket)["ReplicationConfiguration"]
    configuration["Rules"][0]["ID"] = "backup[/tmp] [link=https://evil.example]x[/link] :smile:"
    s3.put_bucket_replication(Bucket=seed.source_bucket, ReplicationConfiguration=configuration)

    result = _run("check", "--source-bucket", seed.source_bucket)

    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    assert "backup[/tmp] [link=https://evil.example]x[/link] :smile:" in result.stdout
    assert "😄" not in result.stdout


def test_object_never_echoes_a_raw_escape_sequence_from_the_key(sandbox: Sandbox, seed: SeedSetup) -> None:
    key = "report\x1b[2J\x1b]8;;https://evil.example\x07[/tmp]:smile:.csv"

    result = _run("object", "--source-bucket", seed.source_bucket, "--key", key)

    assert "Traceback" not in result.stderr, result.stderr
    output = result.stdout + result.stderr
    assert "\x1b[2J" not in output and "\x1b]8" not in output and "\x07" not in output
    assert "\\x1b[2J" in output  # the key is named, its escape spelled out
