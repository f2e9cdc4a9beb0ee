"""The baseline people use today: AWS's troubleshooting runbook, one ``aws`` process per read.

The AWS CLI v1 from PyPI pins its own botocore, so it lives in its own venv, ``bench/.venv-awscli``,
made on first use (``python -m venv`` + ``pip install awscli``). Without it the bench says why and
skips this baseline.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, SeedSetup

VENV = Path(__file__).resolve().parent / ".venv-awscli"
AWS = VENV / "bin" / "aws"


def ensure_awscli() -> tuple[Path | None, str]:
    """The ``aws`` executable of the bench's own venv (made now if missing), or None and why not."""
    if AWS.exists():
        return AWS, ""
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=120)
        subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "awscli"],
                       check=True, capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        last = detail.decode(errors="replace").strip().splitlines()[-1:] if detail else [str(error)]
        return None, f"could not install awscli into {VENV}: {' '.join(last)[:200]}"
    if not AWS.exists():
        return None, f"pip installed awscli but {AWS} is missing"
    return AWS, ""


def runbook(setup: SeedSetup) -> list[list[str]]:
    """The reads of AWS's "troubleshooting replication" article for the seed, each with its profile."""
    src, dst = ["--profile", SOURCE_PROFILE], ["--profile", DEST_PROFILE]
    role = setup.role_name
    return [
        ["s3api", "get-bucket-replication", "--bucket", setup.source_bucket, *src],
        ["s3api", "get-bucket-versioning", "--bucket", setup.source_bucket, *src],
        ["s3api", "get-bucket-versioning", "--bucket", setup.dest_bucket, *dst],
        ["s3api", "get-bucket-encryption", "--bucket", setup.source_bucket, *src],
        ["s3api", "get-bucket-encryption", "--bucket", setup.dest_bucket, *dst],
        ["s3api", "get-bucket-policy", "--bucket", setup.dest_bucket, *dst],
        ["kms", "describe-key", "--key-id", setup.source_key_arn, *src],
        ["kms", "get-key-policy", "--key-id", setup.source_key_arn, "--policy-name", "default", *src],
        ["kms", "describe-key", "--key-id", setup.replica_key_arn, *dst],
        ["kms", "get-key-policy", "--key-id", setup.replica_key_arn, "--policy-name", "default", *dst],
        ["iam", "get-role", "--role-name", role, *src],
        ["iam", "list-role-policies", "--role-name", role, *src],
        ["iam", "get-role-policy", "--role-name", role, "--policy-name", setup.inline_policy_name, *src],
        ["iam", "list-attached-role-policies", "--role-name", role, *src],
        ["iam", "get-policy", "--policy-arn", setup.managed_policy_arn, *src],
        ["iam", "get-policy-version", "--policy-arn", setup.managed_policy_arn, "--version-id", "v1", *src],
    ]


def run_runbook(aws: Path, setup: SeedSetup, env: dict[str, str]) -> float:
    """Wall seconds for every read of the runbook, one process after another (as a person runs them)."""
    started = time.perf_counter()
    for command in runbook(setup):
        result = subprocess.run([str(aws), *command, "--output", "json"], env=env, capture_output=True,
                                text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"aws {' '.join(command)} failed: {result.stderr.strip()[:300]}")
    return time.perf_counter() - started
