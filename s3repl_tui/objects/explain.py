"""``explain_object``: read one object, find the rule that applies, judge what S3 does for it."""

from __future__ import annotations

from s3repl_tui.aws import Connection
from s3repl_tui.errors import UserError
from s3repl_tui.objects.facts import ObjectFacts, read_object
from s3repl_tui.objects.keys import known_key, read_key
from s3repl_tui.objects.model import ObjectDiagnosis
from s3repl_tui.objects.requests import judge_object, object_view
from s3repl_tui.objects.rules import match_rules
from s3repl_tui.objects.verdict import diagnose
from s3repl_tui.probes.snapshot import KeySnapshot, Snapshot


def _acls_enabled(snapshot: Snapshot) -> bool:
    """Under BucketOwnerEnforced the bucket owner owns every object: there is no object owner to compare."""
    ownership = snapshot.source.ownership
    return not (ownership.is_ok and ownership.value == "BucketOwnerEnforced")


def _object_key(connection: Connection, snapshot: Snapshot, facts: ObjectFacts) -> dict[str, KeySnapshot]:
    """The object's KMS key under its ARN, from the snapshot or read now (objects may name any key)."""
    if not facts.kms_encrypted or not facts.kms_key_id:
        return {}
    key = known_key(snapshot, facts.kms_key_id) or read_key(connection, facts.kms_key_id)
    return {facts.kms_key_id: key}


def explain_object(
    connection: Connection, snapshot: Snapshot, bucket: str, key: str, version_id: str | None = None,
    never_replicates: bool | None = None,
) -> ObjectDiagnosis:
    """Why ``s3://bucket/key`` did (not) replicate. ``snapshot`` is ``probe(connection, bucket)``.

    Raises UserError when there is no such object (or version), or it cannot be read."""
    if snapshot.source_bucket != bucket:
        raise UserError(f"The snapshot is of {snapshot.source_bucket}, not {bucket}.")
    region = snapshot.source.region.value if snapshot.source.region.is_ok else None
    s3 = connection.source.client("s3", region=region)
    facts = read_object(s3, bucket, key, version_id, _acls_enabled(snapshot))
    tags = dict(facts.tags.value) if facts.tags.is_ok and facts.tags.value is not None else None
    matches = match_rules(snapshot.replication, key, tags)
    view = object_view(snapshot, facts, matches, _object_key(connection, snapshot, facts))
    judged = judge_object(view, key) if any(m.applies for m in matches) else ()
    if never_replicates is None:  # a local endpoint (the sandbox, moto) sets no replication status
        from s3repl_tui.sandbox.emulation import is_sandbox_endpoint

        never_replicates = is_sandbox_endpoint(s3.meta.endpoint_url)
    diagnosis = diagnose(snapshot, view, facts, matches, judged, never_replicates)
    return with_profiles(diagnosis, snapshot, connection, region)


def with_profiles(
    diagnosis: ObjectDiagnosis, snapshot: Snapshot, connection: Connection, region: str | None
) -> ObjectDiagnosis:
    """Every ``aws …`` command in the diagnosis with the --profile and --region of the bucket it names."""
    import re
    from dataclasses import replace

    from s3repl_tui.command_line import DESTINATION_PROFILE_PLACEHOLDER, with_global_options

    dest_profile = connection.dest.profile if connection.dest is not None else None

    def complete(text: str) -> str:
        if "aws " not in text:
            return text
        named = re.search(r"--bucket\s+(\S+)", text)
        bucket = snapshot.destinations.get(named.group(1)) if named else None
        if bucket is not None:
            where = bucket.region.value if bucket.region.is_ok else None
            return with_global_options(text, dest_profile, where, profile_placeholder=DESTINATION_PROFILE_PLACEHOLDER)
        return with_global_options(text, connection.source.profile, region)

    causes = tuple(replace(c, message=complete(c.message), fix=complete(c.fix)) for c in diagnosis.causes)
    return replace(diagnosis, causes=causes, remedy=complete(diagnosis.remedy),
                   notes=tuple(complete(note) for note in diagnosis.notes))
