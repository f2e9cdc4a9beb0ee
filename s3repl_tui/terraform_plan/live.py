"""What the plan does not hold, read live by the probe's own readers: buckets the plan does not
manage (the other account's destination, an existing source), a role named by ARN, keys it does not
create. Buckets and roles the plan creates are never read (they do not exist yet)."""

from __future__ import annotations

import functools

from s3repl_tui.aws.session import Connection
from s3repl_tui.probes.buckets import bucket_fact, read_source
from s3repl_tui.probes.destinations import read_destination
from s3repl_tui.probes.keys import want_key
from s3repl_tui.probes.role import read_managed_policy, read_role
from s3repl_tui.probes.run import ProbeRun
from s3repl_tui.probes.snapshot import CallStats, Identity
from s3repl_tui.probes.state import ProbeState
from s3repl_tui.terraform_plan.planned import PlannedSetup


def read_rest(connection: Connection, setup: PlannedSetup) -> tuple[ProbeState, tuple[Identity, Identity | None],
                                                                     CallStats]:
    run = ProbeRun(connection, setup.source_bucket)

    def begin() -> None:
        source = setup.buckets[setup.source_bucket]
        if not source.created:  # an existing bucket: what the plan does not set is as S3 answers now
            read_source(run)  # (its replication configuration is the plan's)
        for name, account in setup.destinations:
            planned = setup.buckets.get(name)
            if planned is not None and planned.created:
                region = planned.reads.get("region")
                run.settle(bucket_fact("region", name), region.value if region is not None else None)
                continue
            read_destination(run, name, account)
        if setup.role is None and setup.role_arn:
            read_role(run, setup.role_arn)
        _read_managed_policies(run, setup)
        if source.created:
            region = source.reads.get("region")
            run.settle(bucket_fact("region", source.name), region.value if region is not None else None)
        for reference, account, bucket, rank in setup.live_keys:
            want_key(run, reference, account, bucket, rank)
        connection.prove()

    with run.listening():
        run.submit(begin)
        run.wait(None)
    identities = tuple(session.identity() for session in connection.sessions)
    calls = CallStats(run.tracer.count, round(run.tracer.elapsed, 3))
    dest = identities[1] if len(identities) > 1 else None
    return run.state, (identities[0], dest), calls


def _read_managed_policies(run: ProbeRun, setup: PlannedSetup) -> None:
    """The managed policies (and boundary) of a planned role that the plan does not hold, read as the probe
    reads an existing role's: by the role's account, once per ARN, concurrently."""
    role = setup.role
    if role is None:
        return
    account = role.account or run.connection.source.account
    for arn in [*role.live_policies, *([role.live_boundary] if role.live_boundary else [])]:
        run.submit(functools.partial(read_managed_policy, run, arn, account))
