"""Whose credentials read a destination bucket.

The rule's ``Destination.Account`` names the owner. Without it, ListBuckets of each session (one call
per account, started only when a rule needs it) finds the owner. With the owner still unknown, the
destination credentials try first, then the source's. An owner we hold no credentials for is never
read with another account's credentials: every input says so, with the command its owner can run."""

from __future__ import annotations

from s3repl_tui.probes.buckets import DESTINATION_LATER, bucket_command, bucket_fact, locate
from s3repl_tui.probes.reads import attempt, not_attempted
from s3repl_tui.probes.run import Facts, ProbeRun
from s3repl_tui.probes.state import BUCKET_OPERATIONS, BucketState


def _listing_fact(side: str) -> str:
    return f"listing:{side}"


def read_destination(run: ProbeRun, bucket: str, account: str | None) -> None:
    """Start reading destination ``bucket``; ``account`` is the rule's Destination.Account, if any."""
    with run.state.edit() as state:
        if bucket in state.destination_names:
            return
        state.destination_names.append(bucket)
        if bucket == run.source_bucket:
            return  # already read as the source
        state.buckets[bucket] = BucketState(bucket, is_source=False)
    if account:
        _read_owned(run, bucket, account)
        return
    sessions = run.connection.sessions
    for session in sessions:
        _list_buckets_once(run, session.side)
    run.when([_listing_fact(s.side) for s in sessions], lambda facts: _read_listed(run, bucket, facts))


def _read_owned(run: ProbeRun, bucket: str, owner: str) -> None:
    session = run.connection.for_account(owner)
    with run.state.edit() as state:
        state.buckets[bucket].owner_account = owner
    if session is not None:
        run.submit(lambda: locate(run, bucket, [session], owner, DESTINATION_LATER))
        return
    with run.state.edit() as state:
        reads = state.buckets[bucket].reads
        for field, operation in BUCKET_OPERATIONS.items():
            reads[field] = not_attempted(operation, owner, bucket_command(run, operation, bucket, owner))
    run.settle(bucket_fact("region", bucket), None)


def _list_buckets_once(run: ProbeRun, side: str) -> None:
    if not run.claim(_listing_fact(side)):
        return
    session = run.connection.source if side == "source" else run.connection.dest
    assert session is not None

    def list_buckets() -> None:
        def names() -> frozenset[str]:
            pages = session.client("s3").get_paginator("list_buckets").paginate()
            return frozenset(b["Name"] for page in pages for b in page.get("Buckets", []))

        read = attempt("s3:ListBuckets", names, account=session.account, command="")
        run.settle(_listing_fact(side), read.value if read.is_ok else None)

    run.submit(list_buckets)


def _read_listed(run: ProbeRun, bucket: str, listings: Facts) -> None:
    for session in run.connection.sessions:
        owned = listings[_listing_fact(session.side)]
        if owned is not None and bucket in owned and session.account:
            _read_owned(run, bucket, session.account)
            return
    # Unknown owner (not ours, or ListBuckets denied): whoever is allowed to read it, destination first.
    candidates = [s for s in (run.connection.dest, run.connection.source) if s is not None]
    locate(run, bucket, candidates, None, DESTINATION_LATER)
