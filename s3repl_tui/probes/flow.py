"""The probe: read every input of a replication setup concurrently into one Snapshot."""

from __future__ import annotations

import functools
from collections.abc import Callable

from s3repl_tui.aws.arns import Arn, bucket_name
from s3repl_tui.aws.session import Connection
from s3repl_tui.probes.assemble import bucket_snapshot
from s3repl_tui.probes.buckets import bucket_fact, read_source
from s3repl_tui.probes.destinations import read_destination
from s3repl_tui.probes.keys import want_key
from s3repl_tui.probes.monitoring import read_rule_metrics
from s3repl_tui.probes.role import read_role
from s3repl_tui.probes.run import Facts, ProbeRun
from s3repl_tui.probes.snapshot import DEFAULT_WINDOW_SECONDS, Document, Read, Snapshot
from s3repl_tui.probes.sqs_events import read_failure_queues
from s3repl_tui.probes.trace import ProbeTrace


def probe(
    connection: Connection,
    source_bucket: str,
    on_update: Callable[[Snapshot], None] | None = None,
    *,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
) -> Snapshot:
    """Everything the checks need about ``source_bucket``'s replication. ``on_update`` receives partial
    snapshots (unread inputs ``Read.pending``) at most every ~50 ms, then the final one, always from
    the calling thread. ``window_seconds``: how far back the replication metrics are read."""
    return traced_probe(connection, source_bucket, on_update, window_seconds=window_seconds)[0]


def traced_probe(
    connection: Connection,
    source_bucket: str,
    on_update: Callable[[Snapshot], None] | None = None,
    *,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
) -> tuple[Snapshot, ProbeTrace]:
    """``probe``, and the trace of its calls (see probes/trace.py): what a benchmark compares with."""
    run = ProbeRun(connection, source_bucket)
    run.state.window_seconds = window_seconds
    with run.listening():
        run.submit(lambda: _begin(run))
        return run.wait(on_update)


def _begin(run: ProbeRun) -> None:
    source = run.source_bucket
    # The first reads go out beside the caller identities (Connection.start), and their follow-ups
    # start as soon as they answer: only what names an account waits for its identity.
    read_source(run)
    run.when([bucket_fact("replication", source)], lambda facts: _follow_rules(run, facts))
    run.when([bucket_fact("encryption", source)], lambda facts: _follow_source_key(run, facts))
    read_failure_queues(run)  # the failure events on the queues the source's notifications name
    run.connection.prove()  # credentials that do not work: the probe raises that one sentence
    identities = [session.identity() for session in run.connection.sessions]
    with run.state.edit() as state:
        state.source_identity = identities[0]
        state.dest_identity = identities[1] if len(identities) > 1 else None


def _follow_source_key(run: ProbeRun, _facts: Facts) -> None:
    with run.state.view() as state:
        key = bucket_snapshot(state.buckets[run.source_bucket]).default_kms_key
    if key:
        want_key(run, key, run.connection.source.account, run.source_bucket, rank=(0, 0))


def _follow_rules(run: ProbeRun, facts: Facts) -> None:
    read: Read[Document] = facts[bucket_fact("replication", run.source_bucket)]
    if read.value is None:
        return
    configuration = read.value
    role = configuration.get("Role")
    role_arn = Arn.parse(role) if isinstance(role, str) else None
    if isinstance(role, str) and role:
        read_role(run, role)
    # S3 acts as the role: an alias or key id in a rule resolves in the role's account.
    requester = role_arn.account if role_arn and role_arn.account else run.connection.source.account
    for number, rule in enumerate(configuration.get("Rules", [])):
        destination = rule.get("Destination") or {}
        target = destination.get("Bucket")
        if not isinstance(target, str) or not target:
            continue
        bucket = bucket_name(target)
        read_destination(run, bucket, destination.get("Account"))
        read_rule_metrics(run, rule, bucket)  # once the destination's Region is known
        replica_key = (destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
        if replica_key:
            want_key(run, str(replica_key), requester, bucket, rank=(1, number))
        if run.claim(f"default-key:{bucket}"):
            fact = bucket_fact("encryption", bucket)
            run.when([fact], functools.partial(_follow_destination_key, run, bucket, number))


def _follow_destination_key(run: ProbeRun, bucket: str, number: int, facts: Facts) -> None:
    """The destination's default SSE-KMS key: S3 encrypts plaintext replicas with it, and the rule
    layer proposes it as the replica key of a rule that doesn't opt in. Like a bucket's key, a key id
    or alias resolves in the bucket owner's account, in the bucket's region."""
    read: Read[Document] = facts[bucket_fact("encryption", bucket)]
    if not read.is_ok:
        return
    with run.state.view() as state:
        found = state.buckets[bucket]
        key = bucket_snapshot(found).default_kms_key
        owner = found.owner_account or found.read_as
    if key:
        want_key(run, key, owner, bucket, rank=(2, number))
