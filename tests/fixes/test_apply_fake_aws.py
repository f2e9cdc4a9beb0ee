"""Surprises only a fake AWS can stage: a read-back that differs, a process interrupted mid-write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.fixes import apply_plan, undo_last
from s3repl_tui.fixes.model import Change, DocumentRef, Plan

from . import builders as b


class _Identity:
    arn = f"arn:aws:sts::{b.B}:assumed-role/admin/s"


class _RewritingS3:
    """Stores bucket policies, but drops the tool's statements on the way (a stand-in for any surprise)."""

    def __init__(self) -> None:
        self.policies: dict[str, str] = {}
        self.versioning: dict[str, str] = {}
        self.interrupt: str = ""  # "before" or "after" the versioning write lands: Ctrl-C mid-call
        self.error_after_write = False  # a 500 answered although the write landed

    def get_bucket_policy(self, Bucket: str) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        if Bucket not in self.policies:
            raise ClientError({"Error": {"Code": "NoSuchBucketPolicy", "Message": "none"}}, "GetBucketPolicy")
        return {"Policy": self.policies[Bucket]}

    def put_bucket_policy(self, Bucket: str, Policy: str) -> None:
        document = json.loads(Policy)
        document["Statement"] = [s for s in document["Statement"] if not s.get("Sid", "").startswith("S3ReplTui")]
        self.policies[Bucket] = json.dumps(document)

    def delete_bucket_policy(self, Bucket: str) -> None:
        self.policies.pop(Bucket)

    def get_bucket_versioning(self, Bucket: str) -> dict[str, Any]:
        return {"Status": self.versioning[Bucket]} if Bucket in self.versioning else {}

    def put_bucket_versioning(self, Bucket: str, VersioningConfiguration: dict[str, str]) -> None:
        if self.interrupt == "before":
            raise KeyboardInterrupt
        self.versioning[Bucket] = VersioningConfiguration["Status"]
        if self.error_after_write:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "InternalError", "Message": "oops"}}, "PutBucketVersioning")
        if self.interrupt == "after":
            self.interrupt = ""
            raise KeyboardInterrupt


class _Session:
    def __init__(self) -> None:
        self.s3 = _RewritingS3()

    def client(self, service: str, region: str | None = None) -> Any:
        assert service == "s3" and region == b.DST_REGION
        return self.s3

    def identity(self) -> _Identity:
        return _Identity()


class _Connection:
    def __init__(self) -> None:
        self.session = _Session()

    def for_account(self, account_id: str) -> _Session | None:
        return self.session if account_id == b.B else None


def test_a_read_back_that_differs_is_reported_stops_the_run_and_can_be_undone(tmp_path: Path) -> None:
    connection = _Connection()
    owner = {"Version": "2012-10-17", "Statement": [b.PLANTED_DENY]}
    connection.session.s3.policies[b.DST] = json.dumps(owner)
    grant = {"Sid": "S3ReplTuiReplicaWrites", "Effect": "Allow", "Principal": {"AWS": b.ROLE_ARN},
             "Action": ["s3:ReplicateObject"], "Resource": [f"arn:aws:s3:::{b.DST}/*"]}  # fmt: skip
    policy = DocumentRef("bucket-policy", b.B, b.DST_REGION, f"arn:aws:s3:::{b.DST}", b.DST)
    versioning = DocumentRef("bucket-versioning", b.B, b.DST_REGION, f"arn:aws:s3:::{b.DST}", b.DST)
    plan = Plan(
        (
            Change("p", (), "destination-policy", policy, "", owner, {**owner, "Statement": [b.PLANTED_DENY, grant]}),
            Change("v", (), "versioning", versioning, "", {}, {"Status": "Enabled"}),
        )
    )

    result = apply_plan(plan, connection, state_dir=tmp_path)

    assert [o.outcome for o in result.outcomes] == ["unverified", "skipped"]
    assert "reads back a different document" in result.outcomes[0].message
    assert result.backup_dir is not None and not result.complete
    assert connection.session.s3.versioning == {}  # nothing after the surprise was written

    undone = undo_last(connection, state_dir=tmp_path)

    assert [o.outcome for o in undone.outcomes] == ["restored"]  # it still was what AWS had read back
    assert json.loads(connection.session.s3.policies[b.DST]) == owner


@pytest.mark.parametrize(("moment", "outcome_message"), [("before", "never landed"), ("after", "restored from")])
def test_an_interrupted_write_stays_undoable(tmp_path: Path, moment: str, outcome_message: str) -> None:
    connection = _Connection()
    connection.session.s3.versioning[b.DST] = "Suspended"
    connection.session.s3.interrupt = moment
    ref = DocumentRef("bucket-versioning", b.B, b.DST_REGION, f"arn:aws:s3:::{b.DST}", b.DST)
    plan = Plan((Change("v", (), "versioning", ref, "", {"Status": "Suspended"}, {"Status": "Enabled"}),))

    with pytest.raises(KeyboardInterrupt):
        apply_plan(plan, connection, state_dir=tmp_path)
    connection.session.s3.interrupt = ""
    undone = undo_last(connection, state_dir=tmp_path)

    assert [o.outcome for o in undone.outcomes] == ["restored"]
    assert outcome_message in undone.outcomes[0].message
    assert connection.session.s3.versioning[b.DST] == "Suspended"


def test_an_error_answered_after_the_write_landed_is_not_called_nothing_changed(tmp_path: Path) -> None:
    connection = _Connection()
    connection.session.s3.versioning[b.DST] = "Suspended"
    connection.session.s3.error_after_write = True
    ref = DocumentRef("bucket-versioning", b.B, b.DST_REGION, f"arn:aws:s3:::{b.DST}", b.DST)
    plan = Plan((Change("v", (), "versioning", ref, "", {"Status": "Suspended"}, {"Status": "Enabled"}),))

    result = apply_plan(plan, connection, state_dir=tmp_path)

    assert [o.outcome for o in result.outcomes] == ["unverified"]
    assert "nothing changed" not in result.outcomes[0].message
    assert "reads as the fix wrote it" in result.outcomes[0].message
    connection.session.s3.error_after_write = False
    undone = undo_last(connection, state_dir=tmp_path)
    assert [o.outcome for o in undone.outcomes] == ["restored"]
    assert connection.session.s3.versioning[b.DST] == "Suspended"
