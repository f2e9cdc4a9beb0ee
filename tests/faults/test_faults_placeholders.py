"""``${NAME}`` written by the owner is text, not a placeholder (issue 12.6).

Only the tool's own names (``placeholders.NAMES``) are placeholders; an owner's
``${HOME}`` in a resource or Sid is applied as written and, in ``fix --export cli``, single-quoted so
the shell never expands it (a silently changed Deny).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from fault_helpers import open_connection

from s3repl_tui.fixes import apply_plan, export_plan
from s3repl_tui.fixes.model import Change, DocumentRef, Plan
from s3repl_tui.sandbox import DEST_ACCOUNT, Sandbox, SeedSetup

OWNER_DENY = {
    "Sid": "OwnersDeny${HOME}",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:DeleteObject",
    "Resource": "arn:aws:s3:::PLACE/${HOME}/*",
}


def _change(setup: SeedSetup) -> Change:
    owner = json.loads(json.dumps(OWNER_DENY).replace("PLACE", setup.dest_bucket))
    before = {"Version": "2012-10-17", "Statement": [owner]}
    grant = {"Sid": "S3ReplTuiReplicaWrites", "Effect": "Allow", "Principal": {"AWS": setup.role_arn},
             "Action": ["s3:ReplicateObject"], "Resource": [f"arn:aws:s3:::{setup.dest_bucket}/*"]}
    after = {**before, "Statement": [owner, grant]}
    ref = DocumentRef("bucket-policy", DEST_ACCOUNT, setup.dest_region, f"arn:aws:s3:::{setup.dest_bucket}",
                      setup.dest_bucket)
    return Change("p", ("amend-destination-bucket-policy",), "destination-policy", ref, "amend", before, after)


def test_an_owner_dollar_brace_is_applied_as_written(sandbox: Sandbox, seed: SeedSetup, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fixes import seeded

    change = _change(seed)
    s3_b = seeded.clients(sandbox, seed)["s3_b"]
    s3_b.put_bucket_policy(Bucket=seed.dest_bucket, Policy=json.dumps(change.before))

    result = apply_plan(Plan((change,)), open_connection(sandbox), state_dir=tmp_path)

    assert result.complete, result.messages
    stored = json.loads(s3_b.get_bucket_policy(Bucket=seed.dest_bucket)["Policy"])
    assert f"arn:aws:s3:::{seed.dest_bucket}/${{HOME}}/*" in json.dumps(stored)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_cli_export_never_lets_the_shell_expand_an_owner_value(seed: SeedSetup) -> None:
    script = export_plan(Plan((_change(seed),)), "cli")
    shell = "aws() { printf '%s\\n' \"$@\"; }\nHOME=/expanded\n" + script
    out = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, check=True).stdout

    assert "/expanded" not in out
    assert f"arn:aws:s3:::{seed.dest_bucket}/${{HOME}}/*" in out and "OwnersDeny${HOME}" in out
