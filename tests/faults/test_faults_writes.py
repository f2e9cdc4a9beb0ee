"""Writes that go wrong, on the demo's four-change fix set (versioning, role inline policy, destination
bucket policy, replication configuration), each change in turn:

* the write fails (AccessDenied, or a 500 on every attempt): the changes before it are applied, it is
  failed, the rest skipped; nothing else changed in AWS; undo restores every document as it was;
* someone changes the document between plan and apply: refused, their edit kept, undo leaves it alone;
* the write succeeds but the read-back answers the old document: reported as unverified, never as
  applied; undo restores.

tests/fixes covers the second write failing, an edit of the first document, and a read-back that
differs on a fake client; this covers every position, a 500 that outlasts the retries, and the stale
read-back through the real sandbox.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fault_helpers import open_connection

from s3repl_tui.aws import Connection
from s3repl_tui.checks import judge
from s3repl_tui.fixes import apply_plan, plan_fixes, undo_last
from s3repl_tui.fixes.model import Change, Plan
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import BREAKAGES, Sandbox, SeedSetup
from s3repl_tui.sandbox.faults import FailNth, access_denied, server_error, stale_bucket_policy

BROKEN = ("versioning", "role-kms", "destination-policy", "rule")
KINDS = ("bucket-versioning", "role-inline-policy", "bucket-policy", "replication")
DOCUMENT_OF_KIND = {"bucket-versioning": "dest-versioning", "bucket-policy": "dest-bucket-policy",
                    "replication": "replication"}


def _documents(sandbox: Sandbox, setup: SeedSetup) -> dict[str, Any]:
    from fixes import seeded  # tests/fixes: every document a fix may touch, as AWS answers now

    return seeded.read_documents(sandbox, setup)


def _document_name(change: Change) -> str:
    if change.ref.kind == "role-inline-policy":
        return f"inline:{change.ref.policy_name}"
    return DOCUMENT_OF_KIND[change.ref.kind]


@pytest.fixture
def broken(sandbox: Sandbox, seed: SeedSetup) -> SeedSetup:
    for name in BROKEN:
        BREAKAGES[name](sandbox, seed)
    return seed


def _plan(connection: Connection, setup: SeedSetup) -> Plan:
    snapshot = probe(connection, setup.source_bucket)
    plan = plan_fixes(snapshot, judge(snapshot))
    assert tuple(c.ref.kind for c in plan.changes) == KINDS  # the positions the tests below name
    return plan


def _outcomes(position: int, failed: str, total: int = len(KINDS)) -> list[str]:
    return ["applied"] * (position - 1) + [failed] + ["skipped"] * (total - position)


@pytest.mark.parametrize("fault", ["access-denied", "server-error"])
@pytest.mark.parametrize("position", range(1, len(KINDS) + 1), ids=lambda p: f"write-{p}-{KINDS[p - 1]}")
def test_a_failed_write_at_each_position_is_exact_loses_nothing_and_undoes(
    sandbox: Sandbox, broken: SeedSetup, tmp_path: Path, position: int, fault: str, fast_retries: None
) -> None:
    connection = open_connection(sandbox)
    plan = _plan(connection, broken)
    before = _documents(sandbox, broken)
    hook = FailNth(position, access_denied if fault == "access-denied" else server_error)
    sandbox.middleware.fault_hooks.append(hook)

    result = apply_plan(plan, connection, state_dir=tmp_path)

    assert [o.outcome for o in result.outcomes] == _outcomes(position, "failed")
    assert len(hook.seen) == position  # nothing was written after the failure
    assert hook.hits == (1 if fault == "access-denied" else 4)  # a 500 is retried, a denial is not
    message = result.outcomes[position - 1].message
    codes = ("AccessDenied",) if fault == "access-denied" else ("InternalError", "ServiceFailure")
    assert any(code in message for code in codes), message
    sandbox.middleware.fault_hooks.clear()
    during = _documents(sandbox, broken)
    touched = {_document_name(c) for c in plan.changes[: position - 1]}
    for name, document in before.items():
        if name not in touched:
            assert during.get(name) == document, f"{name} changed although no write touched it"
    for change in plan.changes[: position - 1]:
        assert during[_document_name(change)] is not None

    undone = undo_last(connection, state_dir=tmp_path)

    if position == 1:
        assert undone.nothing_to_undo
    else:
        assert undone.complete, [o.message for o in undone.outcomes]
    assert _documents(sandbox, broken) == before


def _someone_edits(sandbox: Sandbox, setup: SeedSetup, change: Change) -> Any:
    """Another person writes the change's document after the plan was made; returns what they wrote."""
    from fixes import seeded

    c = seeded.clients(sandbox, setup)
    kind = change.ref.kind
    if kind == "bucket-versioning":
        c["s3_b"].put_bucket_versioning(Bucket=setup.dest_bucket, VersioningConfiguration={"Status": "Enabled"})
        return {"Status": "Enabled"}
    if kind == "role-inline-policy":
        theirs = {"Version": "2012-10-17", "Statement": [
            {"Sid": "Theirs", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}
        c["iam"].put_role_policy(RoleName=setup.role_name, PolicyName=change.ref.policy_name,
                                 PolicyDocument=json.dumps(theirs))
        return theirs
    if kind == "bucket-policy":
        theirs = {"Version": "2012-10-17", "Statement": [
            {"Sid": "Theirs", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket",
             "Resource": f"arn:aws:s3:::{setup.dest_bucket}"}]}
        c["s3_b"].put_bucket_policy(Bucket=setup.dest_bucket, Policy=json.dumps(theirs))
        return theirs
    replication = c["s3_a"].get_bucket_replication(Bucket=setup.source_bucket)["ReplicationConfiguration"]
    theirs = copy.deepcopy(replication)
    theirs["Rules"][0]["Priority"] = 7
    c["s3_a"].put_bucket_replication(Bucket=setup.source_bucket, ReplicationConfiguration=theirs)
    return c["s3_a"].get_bucket_replication(Bucket=setup.source_bucket)["ReplicationConfiguration"]


@pytest.mark.parametrize("position", range(1, len(KINDS) + 1), ids=lambda p: f"edit-{p}-{KINDS[p - 1]}")
def test_a_document_changed_between_plan_and_apply_is_refused_at_each_position(
    sandbox: Sandbox, broken: SeedSetup, tmp_path: Path, position: int
) -> None:
    connection = open_connection(sandbox)
    plan = _plan(connection, broken)
    change = plan.changes[position - 1]
    theirs = _someone_edits(sandbox, broken, change)
    before = _documents(sandbox, broken)  # with their edit

    result = apply_plan(plan, connection, state_dir=tmp_path)

    assert [o.outcome for o in result.outcomes] == _outcomes(position, "refused")
    assert "changed since the plan was made" in result.outcomes[position - 1].message
    name = _document_name(change)
    assert _documents(sandbox, broken)[name] == theirs or (name == "dest-versioning" and theirs["Status"] == "Enabled")

    undone = undo_last(connection, state_dir=tmp_path)

    if position == 1:
        assert undone.nothing_to_undo
    else:
        assert undone.complete, [o.message for o in undone.outcomes]
    assert _documents(sandbox, broken) == before  # their edit is still there, ours are gone


def test_a_stale_read_back_is_unverified_never_applied_and_undo_restores(
    sandbox: Sandbox, broken: SeedSetup, tmp_path: Path
) -> None:
    connection = open_connection(sandbox)
    plan = _plan(connection, broken)
    before = _documents(sandbox, broken)
    position = KINDS.index("bucket-policy") + 1
    stale = stale_bucket_policy(broken.dest_bucket, before["dest-bucket-policy"], times=10)
    sandbox.middleware.fault_hooks.append(stale)

    result = apply_plan(plan, connection, state_dir=tmp_path)

    outcomes = [o.outcome for o in result.outcomes]
    assert stale.replayed >= 1
    assert outcomes[: position - 1] == ["applied"] * (position - 1)
    assert outcomes[position - 1] == "unverified", result.messages
    assert "applied" not in outcomes[position - 1:]
    sandbox.middleware.fault_hooks.clear()
    written = _documents(sandbox, broken)["dest-bucket-policy"]
    assert written == plan.changes[position - 1].after  # AWS holds what was written

    undone = undo_last(connection, state_dir=tmp_path)

    assert undone.complete, [o.message for o in undone.outcomes]
    assert _documents(sandbox, broken) == before
