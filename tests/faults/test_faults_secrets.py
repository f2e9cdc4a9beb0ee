"""No access key, secret key or session token ever appears in what s3repl-tui prints or keeps.

The planted values: the sandbox's static keys (the source profile) and every key, secret and session
token moto's STS handed out for the destination profile's role (read back from moto, which runs in
this process). ``check`` (text and JSON), ``fix`` (dry run, exports, apply), ``undo`` and a failing
run are executed as a person runs them; their stdout, stderr and every file of the state directory
(backups, manifests, the audit log) are searched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fault_helpers import cli_flags
from moto.sts.models import sts_backends

from s3repl_tui.sandbox import BREAKAGES, DEST_ACCOUNT, Sandbox, SeedSetup
from s3repl_tui.sandbox.faults import always, aws_error, matching
from s3repl_tui.sandbox.server import SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY


def _assumed_role_secrets() -> set[str]:
    found: set[str] = set()
    for account in (DEST_ACCOUNT,):
        for role in sts_backends[account]["global"].assumed_roles:
            found.update({role.access_key_id, role.secret_access_key, role.session_token})
    return {value for value in found if value}


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-m", "s3repl_tui", *args], capture_output=True, text=True, env=env,
                            timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in result.stderr, result.stderr
    return f"$ {' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_no_secret_in_output_reports_backups_or_the_audit_log(
    sandbox: Sandbox, seed: SeedSetup, tmp_path: Path
) -> None:
    for name in ("versioning", "destination-policy"):
        BREAKAGES[name](sandbox, seed)
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | sandbox.env()
    env |= {"XDG_STATE_HOME": str(state), "NO_COLOR": "1", "COLUMNS": "200"}
    flags = cli_flags(seed)

    outputs = [
        _run(["check", *flags, "--format", "json"], env),
        _run(["check", *flags], env),
        _run(["fix", *flags, "--dry-run"], env),
        _run(["fix", *flags, "--export", "cli"], env),
        _run(["fix", *flags, "--export", "json"], env),
        _run(["fix", *flags, "--yes"], env),
        _run(["undo", "--source-profile", flags[3], "--dest-profile", flags[5], "--yes"], env),
        # with the keys in the environment instead of a profile, and a denied read in the report
        _run(["check", "--source-bucket", seed.source_bucket, "--format", "json"],
             env | {"AWS_ACCESS_KEY_ID": SANDBOX_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SANDBOX_SECRET_KEY,
                    "AWS_ENDPOINT_URL": sandbox.endpoint_url, "AWS_REGION": "us-east-1",
                    "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}),
    ]
    sandbox.middleware.fault_hooks.append(always(
        lambda r: aws_error("sts", 403, "SignatureDoesNotMatch", "The request signature we calculated does not "
                            f"match the signature you provided. AWSAccessKeyId: {SANDBOX_ACCESS_KEY}"),
        matching("sts:GetCallerIdentity")))
    # a credential error whose AWS message names the key (as S3's SignatureDoesNotMatch does)
    outputs.append(_run(["check", *flags], env))
    kept = {str(path): path.read_text(errors="replace") for path in state.rglob("*") if path.is_file()}

    secrets = {SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY} | _assumed_role_secrets()
    assert len(secrets) >= 5, "no assumed-role credentials were planted: the search would prove little"
    assert any("audit" in name for name in kept) and any("manifest" in name for name in kept), sorted(kept)
    assert any("applied" in text or "restored" in text for text in kept.values())  # fix and undo did run
    assert '"verdict": "fail"' in outputs[0]
    for secret in sorted(secrets):
        for text in outputs:
            assert secret not in text, f"a secret leaked in: {text[:200]}"
        for name, text in kept.items():
            assert secret not in text, f"a secret leaked into {name}"
