"""SSE-S3 source objects into a destination whose default encryption is SSE-KMS (issue 11).

Replicas of encrypted objects keep the source object's encryption; the destination's default
encryption is not applied to them (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html),
and since 2023-01-05 S3 encrypts every new object with SSE-S3 at least (same page, "Important"). So
the role needs nothing on the destination's default key: no error, no warning, whatever that key's
policy or the role's KMS statements say, and whatever state the key is in. Only objects stored
unencrypted before 2023 would be encrypted with it: one info note says so.
"""

from __future__ import annotations

from checks_helpers import ACCOUNT_B, DST_REGION, Seed, encryption, key_meta

OTHER_KEY = f"arn:aws:kms:{DST_REGION}:{ACCOUNT_B}:key/77777777-2222-3333-4444-555555555555"


def _sse_s3_source_into_other_default_key(seed: Seed) -> None:
    seed.source_encryption = encryption(None, algorithm="AES256")
    seed.keys_meta[OTHER_KEY] = key_meta(OTHER_KEY)
    seed.dest_encryption = encryption(OTHER_KEY)
    seed.documents["inline"]["Statement"] = [s for s in seed.documents["inline"]["Statement"]
                                             if "kms:GenerateDataKey" not in str(s)]


def _non_info(seed: Seed, key: str) -> list[tuple[str, str, str]]:
    report = seed.report()
    return [(layer.id, f.code, f.severity) for layer in report.layers for f in layer.findings
            if f.severity != "info" and key in (f.resource or "")]


def test_no_requirement_on_the_destination_default_key(seed: Seed) -> None:
    _sse_s3_source_into_other_default_key(seed)
    assert _non_info(seed, OTHER_KEY) == []
    report = seed.report()
    assert report.layer("role-kms").status != "fail" and report.layer("key-policy").status != "fail"


def test_the_default_key_being_the_replica_key_adds_no_requirement(seed: Seed) -> None:
    """The seed's destination default key is its replica key: SSE-S3 objects need nothing of it."""
    seed.source_encryption = encryption(None, algorithm="AES256")
    seed.documents["inline"]["Statement"] = [
        {"Effect": "Allow", "Action": ["kms:Encrypt"], "Resource": seed.setup.replica_key_arn}]
    report = seed.report()
    assert not [f for f in report.layer("role-kms").findings if f.severity == "error"], [
        (f.code, f.message) for f in report.layer("role-kms").findings]


def test_a_disabled_or_unreadable_default_key_is_no_error(seed: Seed) -> None:
    _sse_s3_source_into_other_default_key(seed)
    seed.keys_meta[OTHER_KEY] = key_meta(OTHER_KEY, KeyState="Disabled", Enabled=False)
    assert _non_info(seed, OTHER_KEY) == []


def test_one_info_note_about_objects_stored_unencrypted_before_2023(seed: Seed) -> None:
    _sse_s3_source_into_other_default_key(seed)
    report = seed.report()
    notes = [f for f in report.findings if f.severity == "info" and OTHER_KEY in f.message]
    assert len(notes) == 1 and "2023" in notes[0].message and not notes[0].unknown
