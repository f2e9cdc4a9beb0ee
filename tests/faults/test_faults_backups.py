"""Damaged backups and undo that gets stuck (issue 12.3 and 12.4).

A truncated manifest or before-file must not crash ``undo`` or stop it halfway; a before-file whose
hash differs from the one recorded when it was taken is refused, never written; a document that
existed before the fix is never deleted, whatever the manifest says. A restore that lands while AWS
answers an error is read again rather than refused forever; a set with refused entries is marked and
no longer blocks the sets before it (``undo --list``, ``undo --set ID``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_aws import OWNER_DENY, FakeConnection, grant_plan, new_policy_plan, owner_policy, versioning_plan

from s3repl_tui.fixes import apply_plan, undo_last
from s3repl_tui.fixes.backup import MANIFEST, BackupSet
from s3repl_tui.fixes.undo import undo_set


def _applied(connection: FakeConnection, state: Path, *buckets: str) -> Path:
    result = apply_plan(grant_plan(connection, *buckets), connection, state_dir=state)
    assert result.complete and result.backup_dir is not None
    return result.backup_dir


def _manifest(directory: Path) -> dict[str, object]:
    loaded = json.loads((directory / MANIFEST).read_text())
    assert isinstance(loaded, dict)
    return loaded


def _save(directory: Path, manifest: dict[str, object]) -> None:
    (directory / MANIFEST).write_text(json.dumps(manifest))


def _has_grant(connection: FakeConnection, bucket: str) -> bool:
    policy = connection.s3.policy(bucket)
    return policy is not None and any(s.get("Sid") == "S3ReplTuiReplicaWrites" for s in policy["Statement"])


def test_a_truncated_manifest_is_reported_and_the_set_before_it_is_undone(tmp_path: Path) -> None:
    connection = FakeConnection()
    older = _applied(connection, tmp_path, "first")
    newer = _applied(connection, tmp_path, "second")
    text = (newer / MANIFEST).read_text()
    (newer / MANIFEST).write_text(text[: len(text) // 2])

    result = undo_last(connection, state_dir=tmp_path)

    assert result.set_dir == older
    assert [o.outcome for o in result.outcomes] == ["restored"]
    assert connection.s3.policy("first") == owner_policy()
    assert _has_grant(connection, "second")  # nobody can prove what the damaged set wrote: left alone
    assert len(result.skipped_sets) == 1 and newer.name in result.skipped_sets[0]
    assert "damaged" in result.skipped_sets[0]


@pytest.mark.parametrize("damage", ["truncated", "not-json-object", "missing", "edited"])
def test_a_damaged_before_file_is_refused_and_the_other_entries_are_restored(tmp_path: Path, damage: str) -> None:
    connection = FakeConnection()
    directory = _applied(connection, tmp_path, "first", "second")
    before_file = directory / str(_manifest(directory)["changes"][1]["before_file"])  # type: ignore[index]
    if damage == "truncated":
        before_file.write_text(before_file.read_text()[:20])
    elif damage == "not-json-object":
        before_file.write_text("null\n")
    elif damage == "missing":
        before_file.unlink()
    else:  # valid JSON, but not what was backed up: an owner's Deny quietly dropped
        before_file.write_text(json.dumps({"Version": "2012-10-17", "Statement": []}))

    result = undo_last(connection, state_dir=tmp_path)

    assert [(o.label.split()[-1], o.outcome) for o in result.outcomes] == [("second", "refused"), ("first", "restored")]
    assert "backup" in result.outcomes[0].message
    assert result.outcomes[0].message.count(". ") == 0  # one sentence
    assert _has_grant(connection, "second")  # never written from a damaged backup
    assert OWNER_DENY in connection.s3.policy("second")["Statement"]
    assert connection.s3.policy("first") == owner_policy()


@pytest.mark.parametrize("lie", ["existed-false", "before-file-null", "both"])
def test_a_document_that_existed_before_is_never_deleted_whatever_the_manifest_says(tmp_path: Path, lie: str) -> None:
    connection = FakeConnection()
    directory = _applied(connection, tmp_path, "only")
    manifest = _manifest(directory)
    entry = manifest["changes"][0]  # type: ignore[index]
    assert entry["before_sha256"]
    if lie in ("existed-false", "both"):
        entry["existed"] = False
    if lie in ("before-file-null", "both"):
        entry["before_file"] = None
    _save(directory, manifest)

    result = undo_last(connection, state_dir=tmp_path)

    if lie == "existed-false":  # the backup is still there and matches its hash: restored from it
        assert [o.outcome for o in result.outcomes] == ["restored"]
        assert connection.s3.policy("only") == owner_policy()
    else:
        assert [o.outcome for o in result.outcomes] == ["refused"]
        assert connection.s3.policy("only") is not None and _has_grant(connection, "only")


def test_an_entry_the_manifest_lost_its_fields_for_is_refused_and_the_others_carry_on(tmp_path: Path) -> None:
    connection = FakeConnection()
    directory = _applied(connection, tmp_path, "first", "second")
    manifest = _manifest(directory)
    del manifest["changes"][1]["ref"]  # type: ignore[index]
    _save(directory, manifest)

    result = undo_last(connection, state_dir=tmp_path)

    assert [o.outcome for o in result.outcomes] == ["refused", "restored"]
    assert "manifest" in result.outcomes[0].message
    assert connection.s3.policy("first") == owner_policy()


def test_a_created_document_is_still_deleted_by_undo(tmp_path: Path) -> None:
    """The guard above must not stop the ordinary case: what the tool created, undo deletes."""
    connection = FakeConnection()
    assert apply_plan(new_policy_plan("fresh"), connection, state_dir=tmp_path).complete

    result = undo_last(connection, state_dir=tmp_path)

    assert [o.outcome for o in result.outcomes] == ["deleted"]
    assert connection.s3.policy("fresh") is None


def test_a_restore_that_lands_while_aws_answers_an_error_is_read_again_not_stuck(tmp_path: Path) -> None:
    connection = FakeConnection()
    connection.s3.versioning["bucket"] = "Suspended"
    plan = versioning_plan("bucket", {"Status": "Suspended"})
    assert apply_plan(plan, connection, state_dir=tmp_path).complete
    connection.s3.fail_after_landing = True

    result = undo_last(connection, state_dir=tmp_path)

    assert [o.outcome for o in result.outcomes] == ["restored"]
    assert "error" in result.outcomes[0].message
    assert connection.s3.versioning["bucket"] == "Suspended"
    assert undo_last(connection, state_dir=tmp_path).nothing_to_undo


def test_a_document_already_back_as_it_was_counts_as_restored(tmp_path: Path) -> None:
    """An earlier undo landed but its answer was lost (the process died): the next undo finishes it."""
    connection = FakeConnection()
    _applied(connection, tmp_path, "first")
    connection.s3.policies["first"] = json.dumps(owner_policy())  # restored, the manifest never heard

    result = undo_last(connection, state_dir=tmp_path)

    assert [o.outcome for o in result.outcomes] == ["restored"]
    assert connection.s3.writes == 1  # the fix's write only: nothing written again
    assert undo_last(connection, state_dir=tmp_path).nothing_to_undo


def test_a_set_with_a_refused_entry_is_marked_and_no_longer_blocks_older_sets(tmp_path: Path) -> None:
    connection = FakeConnection()
    older = _applied(connection, tmp_path, "first")
    newer = _applied(connection, tmp_path, "second")
    edited = {"Version": "2012-10-17", "Statement": [OWNER_DENY, {**OWNER_DENY, "Sid": "Theirs"}]}
    connection.s3.policies["second"] = json.dumps(edited)  # someone edited it since the fix

    first = undo_last(connection, state_dir=tmp_path)
    assert first.set_dir == newer and [o.outcome for o in first.outcomes] == ["refused"]
    assert BackupSet.load(newer).blocked

    second = undo_last(connection, state_dir=tmp_path)
    assert second.set_dir == older and [o.outcome for o in second.outcomes] == ["restored"]
    assert connection.s3.policy("second") == edited  # their edit kept

    # Asked for by name, the marked set is tried again (here: still refused, still untouched).
    again = undo_set(connection, BackupSet.load(newer), state_dir=tmp_path)
    assert [o.outcome for o in again.outcomes] == ["refused"]
    assert connection.s3.policy("second") == edited


def test_a_refusal_for_missing_credentials_does_not_mark_the_set(tmp_path: Path) -> None:
    """Passing the profile and running undo again must retry this set, not skip to an older one."""
    connection = FakeConnection()
    directory = _applied(connection, tmp_path, "first")

    class _NoCredentials(FakeConnection):
        def for_account(self, account_id: str) -> None:
            return None

    result = undo_last(_NoCredentials(), state_dir=tmp_path)

    assert [o.outcome for o in result.outcomes] == ["refused"]
    assert not BackupSet.load(directory).blocked
    assert undo_last(connection, state_dir=tmp_path).set_dir == directory


def test_undo_dry_run_says_what_it_would_do_and_writes_nothing(tmp_path: Path) -> None:
    connection = FakeConnection()
    directory = _applied(connection, tmp_path, "first", "second")
    connection.s3.policies["second"] = json.dumps(owner_policy() | {"Id": "edited"})
    writes = connection.s3.writes

    preview = undo_last(connection, state_dir=tmp_path, dry_run=True)

    assert preview.dry_run and [o.outcome for o in preview.outcomes] == ["refused", "restored"]
    assert all(m.startswith("would be ") for m in preview.messages)
    assert connection.s3.writes == writes
    assert all(entry["status"] == "applied" for entry in _manifest(directory)["changes"])  # type: ignore[union-attr]
    assert not BackupSet.load(directory).blocked
    assert _has_grant(connection, "first")
