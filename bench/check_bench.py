"""``check`` on the sandbox: probe+judge wall time against the critical path, against the same reads
one after another (``MAX_WORKERS=1``) and against the AWS CLI runbook; calls made and reads done twice;
and the scale setup (10 rules, 10 destinations, 3 accounts) against the seed's 1 rule.

The check timings run against sandboxes served from processes of their own (bench/served.py), so the
probe's process spends its CPU on the probe alone, as against AWS; the in-process ratios are kept for
comparison. Calls are counted (and the scale setup built) on the in-process sandbox."""

from __future__ import annotations

import functools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import awscli_runbook
from bench.results import Results, ms, ratio
from bench.scale_setup import build_scale
from bench.served import ServedSandbox, environment
from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import decisions, judge
from s3repl_tui.probes import run as probe_run
from s3repl_tui.probes import traced_probe
from s3repl_tui.probes.snapshot import Read, Snapshot
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, build_seed
from s3repl_tui.sandbox.faults import CallRecorder

LATENCIES = (0.0, 0.05)


@dataclass(frozen=True)
class Run:
    wall: float  # probe + judge, seconds
    depth: int  # longest chain of dependent calls
    calls: int  # requests the sandbox saw
    repeated: dict[str, int]  # read keys sent more than once
    by_account: Counter[str]
    verdict: str


@contextmanager
def workers(count: int) -> Iterator[None]:
    saved = probe_run.MAX_WORKERS
    probe_run.MAX_WORKERS = count
    try:
        yield
    finally:
        probe_run.MAX_WORKERS = saved


def connect() -> Connection:
    return Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))


def measure(sandbox: Sandbox, connection: Connection, bucket: str, accounts: dict[str, str] | None = None) -> Run:
    recorder = CallRecorder()
    sandbox.middleware.fault_hooks[:] = [recorder]
    started = time.perf_counter()
    snapshot, trace = traced_probe(connection, bucket)
    report = judge(snapshot)
    wall = time.perf_counter() - started
    sandbox.middleware.fault_hooks.clear()
    by_account: Counter[str] = Counter()
    for key, count in recorder.calls.items():
        by_account[_account_of(key, accounts or {})] += count
    return Run(wall, trace.depth, recorder.total, recorder.repeated(), by_account, report.verdict)


def _account_of(read_key: str, buckets: dict[str, str]) -> str:
    operation, _, resource = read_key.partition(" ")
    if resource.startswith("arn:aws:kms:"):
        return resource.split(":")[4]
    if operation.startswith("iam:"):
        return "iam (source)"
    return buckets.get(resource.split("/", 1)[0], "other")


def _median(runs: list[Run]) -> float:
    return statistics.median(r.wall for r in runs)


def measure_served(connection: Connection, bucket: str) -> Run:
    """``measure`` against a sandbox in another process: the calls are the trace's (no recorder there)."""
    started = time.perf_counter()
    snapshot, trace = traced_probe(connection, bucket)
    report = judge(snapshot)
    wall = time.perf_counter() - started
    return Run(wall, trace.depth, len(trace.calls), {}, Counter(), report.verdict)


def _connected(connect_with: Callable[[ConnectOptions], Connection], bucket: str) -> float:
    """Wall seconds from connecting to the verdict: sessions, identities, probe and judge."""
    started = time.perf_counter()
    connection = connect_with(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    snapshot, _trace = traced_probe(connection, bucket)
    judge(snapshot)
    return time.perf_counter() - started


def _first_and_again(runs: int, measure_one: Callable[[Connection], Run]) -> tuple[list[Run], list[Run], Connection]:
    cold: list[Run] = []
    connection = None
    for _ in range(runs):
        connection = connect()  # as `check` does: open (not timed), then one probe
        cold.append(measure_one(connection))
    assert connection is not None
    warm = [measure_one(connection) for _ in range(runs)]
    return cold, warm, connection


def bench_check(results: Results, sandbox: Sandbox, seed: SeedSetup, servers: dict[float, ServedSandbox],
                runs: int) -> dict[float, float]:
    """Timed against ``servers`` (a sandbox process per latency; the client alone in this process); the
    calls counted in-process. Returns the cold concurrent wall time per latency (for the CLI comparison)."""
    section = "check (seed)"
    cold_by_latency: dict[float, float] = {}
    for latency in LATENCIES:
        server = servers[latency]
        label = server.label
        bucket = server.seed.source_bucket
        with environment(server.env):
            cold, warm, connection = _first_and_again(runs, functools.partial(measure_served, bucket=bucket))
            with workers(1):
                sequential = [measure_served(connection, bucket) for _ in range(runs)]
        depth, calls = cold[0].depth, cold[0].calls
        critical = depth * latency
        cold_by_latency[latency] = _median(cold)
        where = "sandbox in its own process"
        results.add(section, f"{label}: probe+judge, first probe of a connection", ms(_median(cold)),
                    f"median of {runs}; verdict {cold[0].verdict}; {where}")
        results.add(section, f"{label}: probe+judge, again on the same connection", ms(_median(warm)),
                    f"median of {runs}; {where}")
        results.add(section, f"{label}: critical path ({depth} dependent calls x latency)", ms(critical),
                    f"{calls} calls in all (probes.traced_probe)")
        if latency:
            results.add(section, f"{label}: first probe / critical path", ratio(_median(cold), critical),
                        f"goal <= 1.5x; {where}")
            results.add(section, f"{label}: again / critical path", ratio(_median(warm), critical),
                        f"goal <= 1.5x; {where}")
        results.add(section, f"{label}: same reads one after another (MAX_WORKERS=1)", ms(_median(sequential)),
                    f"{ratio(_median(sequential), _median(warm))} the concurrent probe's time; {where}")
        if latency:
            with environment(server.env):
                opened = [_connected(Connection.open, bucket) for _ in range(runs)]
                started = [_connected(Connection.start, bucket) for _ in range(runs)]
            results.add(section, f"{label}: Connection.open, then probe+judge", ms(statistics.median(opened)),
                        f"median of {runs}; identities proven before the first read; {where}")
            results.add(section, f"{label}: Connection.start, probe+judge (as `check` runs)",
                        ms(statistics.median(started)),
                        f"{ratio(statistics.median(opened), statistics.median(started))} faster: the first reads go "
                        f"out beside GetCallerIdentity and the destination's AssumeRole; {where}")
    # For comparison: moto in this process, its ~3 ms of CPU a request under the probe's GIL.
    for latency in LATENCIES:
        if not latency:
            continue
        sandbox.middleware.latency_seconds = latency
        label = f"{latency * 1000:.0f} ms/call, in-process moto"
        cold, warm, _connection = _first_and_again(runs, lambda c: measure(sandbox, c, seed.source_bucket))
        critical = cold[0].depth * latency
        note = f"median of {runs}; moto's CPU shares this process's GIL (not the goal's measure)"
        results.add(section, f"{label}: first probe / critical path", ratio(_median(cold), critical),
                    f"{ms(_median(cold))}; {note}")
        results.add(section, f"{label}: again / critical path", ratio(_median(warm), critical),
                    f"{ms(_median(warm))}; {note}")
    sandbox.middleware.latency_seconds = 0.0
    run = measure(sandbox, connect(), seed.source_bucket)
    results.add(section, "AWS calls made by one check (after sts:GetCallerIdentity x2)", str(run.calls),
                f"trace depth {run.depth}; counted by the in-process sandbox")
    repeated = ", ".join(f"{k} x{v}" for k, v in sorted(run.repeated.items())) or "none"
    results.add(section, "reads done twice (operation + resource)", str(len(run.repeated)), repeated)
    return cold_by_latency


def bench_awscli(results: Results, sandbox: Sandbox, seed: SeedSetup, runs: int,
                 ours: dict[float, float]) -> None:
    section = "AWS CLI runbook"
    aws, why = awscli_runbook.ensure_awscli()
    if aws is None:
        results.add(section, "AWS CLI runbook", "skipped", why)
        return
    home = tempfile.mkdtemp(prefix="s3repl-bench-home-")  # AWS CLI v1 caches assumed roles in ~/.aws/cli/cache
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | sandbox.env() | {"HOME": home}
    commands = len(awscli_runbook.runbook(seed))
    for latency in LATENCIES:
        sandbox.middleware.latency_seconds = latency
        sandbox.middleware.reset_counts()
        walls = [awscli_runbook.run_runbook(aws, seed, env) for _ in range(runs)]
        calls = sum(sandbox.middleware.calls.values()) / runs
        wall = statistics.median(walls)
        label = f"{latency * 1000:.0f} ms/call"
        results.add(section, f"{label}: {commands} `aws` processes, one per read", ms(wall),
                    f"median of {runs}; {calls:.1f} AWS calls a run (the CLI caches the assumed role)")
        results.add(section, f"{label}: runbook / check's first probe", ratio(wall, ours[latency]),
                    "in-process probe+judge; the runbook reads 16 inputs; check reads 28 and judges them")
        wholes = [_check_process(seed, env) for _ in range(runs)]
        whole = statistics.median(w[0] for w in wholes)
        results.add(section, f"{label}: `s3repl-tui check` as a new process, same sandbox", ms(whole),
                    f"median of {runs}; exit {sorted({w[1] for w in wholes})}; CPU (user+sys) "
                    f"{ms(statistics.median(w[2] for w in wholes))}; import, credentials, probe, judge and the "
                    "text report")
        results.add(section, f"{label}: runbook / `s3repl-tui check`, whole processes", ratio(wall, whole),
                    "goal >= 30x at 50 ms/call" if latency else "")
        floors = [_floor_process(seed, env) for _ in range(runs)]
        floor = statistics.median(f[0] for f in floors)
        results.add(section, f"{label}: floor: a new python process, import botocore, one S3 client, "
                    "4 dependent calls", ms(floor),
                    f"median of {runs}; CPU {ms(statistics.median(f[2] for f in floors))}; the least a botocore "
                    "process needs for check's critical path, before any other client or read")
        results.add(section, f"{label}: runbook / floor", ratio(wall, floor),
                    "the best whole-process ratio any botocore process reaches on this machine" +
                    ("; check is at " + ratio(whole, floor) + " the floor" if latency else ""))
        if latency:
            results.note(
                f"At {label}, 30x the runbook ({ms(wall)}) would be a whole `check` process of {ms(wall / 30)}, "
                f"below the floor of {ms(floor)} (CPU {ms(statistics.median(f[2] for f in floors))}): a new "
                "Python process that imports botocore, makes one S3 client and sends check's 4 dependent calls, "
                "and nothing else. The AWS CLI pays its start-up once per read but reads one thing; check's "
                f"floor is its import of botocore plus the critical path, so >= 30x is out of reach for a "
                f"botocore-based process here; check's whole process is {ratio(whole, floor)} that floor "
                f"({ms(whole)}, CPU {ms(statistics.median(w[2] for w in wholes))}).")
    sandbox.middleware.latency_seconds = 0.0


def _timed_child(command: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Wall seconds, exit code and CPU seconds (user + sys) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, env=env | {"NO_COLOR": "1"}, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, result.returncode, cpu


def _check_process(seed: SeedSetup, env: dict[str, str]) -> tuple[float, int, float]:
    """Wall seconds, exit code and CPU seconds of ``s3repl-tui check`` run as a person runs it (the console
    script)."""
    command = [str(Path(sys.executable).parent / "s3repl-tui"), "check", "--source-bucket", seed.source_bucket,
               "--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]
    return _timed_child(command, env)


# check's critical path and nothing else: 4 dependent S3 reads with the source's credentials.
_FLOOR = """
import botocore.session
client = botocore.session.Session(profile={profile!r}).create_client("s3")
for _ in range(4):
    client.get_bucket_location(Bucket={bucket!r})
"""


def _floor_process(seed: SeedSetup, env: dict[str, str]) -> tuple[float, int, float]:
    code = _FLOOR.format(profile=SOURCE_PROFILE, bucket=seed.source_bucket)
    return _timed_child([sys.executable, "-c", code], env)


def bench_scale(results: Results, sandbox: Sandbox, runs: int) -> None:
    section = "scale"
    sandbox.reset()
    seed = build_seed(sandbox)
    with tempfile.TemporaryDirectory(prefix="s3repl-bench-") as directory:
        single: dict[float, list[Run]] = {}
        for latency in LATENCIES:
            sandbox.middleware.latency_seconds = latency
            single[latency] = [measure(sandbox, connect(), seed.source_bucket) for _ in range(runs)]
        scale = build_scale(sandbox, seed, Path(directory))
        accounts = dict(scale.destinations) | {seed.source_bucket: seed.source_account}
        many: dict[float, list[Run]] = {}
        with environment({**sandbox.env(), "AWS_CONFIG_FILE": str(scale.config_file)}):
            for latency in LATENCIES:
                sandbox.middleware.latency_seconds = latency
                many[latency] = [measure(sandbox, connect(), seed.source_bucket, accounts) for _ in range(runs)]
    sandbox.middleware.latency_seconds = 0.0
    destinations = len(scale.destinations)
    one, ten = single[0.0][0], many[0.0][0]
    per_account = Counter(scale.destinations.values())
    readable = sum(n for account, n in per_account.items() if account in (seed.source_account, seed.dest_account))
    results.add(section, "1 rule -> 1 destination: calls", str(one.calls), f"depth {one.depth}")
    results.add(section, f"{destinations} rules -> {destinations} destinations (3 accounts): calls", str(ten.calls),
                f"depth {ten.depth}; reads done twice: {len(ten.repeated)}; verdict {ten.verdict}")
    added = readable - 1
    results.add(section, "calls per added destination (bucket + its replica key)",
                f"{(ten.calls - one.calls) / added:.1f}" if added > 0 else "n/a",
                f"({ten.calls} - {one.calls}) / {added} readable destinations added; per account {dict(per_account)}")
    results.add(section, "calls by account of the resource (10 rules)",
                ", ".join(f"{k}: {v}" for k, v in sorted(ten.by_account.items())),
                "the third account's buckets are not read: check takes two profiles")
    for latency in LATENCIES:
        label = f"{latency * 1000:.0f} ms/call"
        a, b = _median(single[latency]), _median(many[latency])
        results.add(section, f"{label}: wall 1 rule / 10 rules", f"{ms(a)} / {ms(b)}",
                    f"{ratio(b, a)} for {destinations}x the destinations; median of {runs}; in-process moto")


def _time_judge(snapshot: Snapshot, runs: int, fresh: bool = True) -> tuple[float, float]:
    """Median wall and CPU seconds (this thread's) of ``judge(snapshot)``; ``fresh``: caches cleared first."""
    walls, cpus = [], []
    for _ in range(runs):
        if fresh:
            decisions.clear()  # every run judges afresh, as a new `check` process does
        started, cpu = time.perf_counter(), time.thread_time()
        judge(snapshot)
        walls.append(time.perf_counter() - started)
        cpus.append(time.thread_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def bench_judge_rules(results: Results, sandbox: Sandbox, seed: SeedSetup, runs: int) -> None:
    """judge alone on the seed's snapshot with its one rule repeated (S3 allows up to 1,000 rules)."""
    import copy
    import dataclasses

    section = "judge vs rules"
    runs = max(runs, 5)  # milliseconds on a shared machine: a few more samples
    snapshot, _trace = traced_probe(connect(), seed.source_bucket)
    configuration = snapshot.replication or {}
    rule = configuration["Rules"][0]
    previous: tuple[int, float] | None = None
    for count in (1, 10, 50, 100):
        rules = [{**copy.deepcopy(rule), "ID": f"rule-{n}", "Priority": n, "Filter": {"Prefix": f"p{n}/"}}
                 for n in range(count)]
        source = dataclasses.replace(snapshot.source, replication=Read.ok({**configuration, "Rules": rules}))
        bigger = dataclasses.replace(snapshot, source=source)
        wall, cpu = _time_judge(bigger, runs)
        asked = decisions.stats()
        note = (f"median of {runs}; CPU {ms(cpu)}; decisions judged {asked['misses']}, answered from the cache "
                f"{asked['hits']} ({asked['rebound']} for another object of the same class)")
        if previous is not None:
            note += f"; {ratio(wall, previous[1])} for {count / previous[0]:.0f}x the rules"
        if count == 100:
            note += "; goal < 50 ms"
        results.add(section, f"judge, {count} rule(s) to one destination", ms(wall), note)
        previous = (count, wall)
    # The same 100 rules keyed by each request's full resource and context (the cache before classes).
    saved_classes, decisions.CLASSES = decisions.CLASSES, False
    try:
        wall, cpu = _time_judge(bigger, runs)
    finally:
        decisions.CLASSES = saved_classes
    results.add(section, f"judge, {count} rules, decisions keyed by the full request", ms(wall),
                f"median of {runs}; CPU {ms(cpu)}; decisions judged {decisions.stats()['misses']}: distinct "
                "prefixes send distinct object requests")
    # And with the decision cache off: what the cache saves.
    saved, decisions.ENABLED = decisions.ENABLED, False
    try:
        wall, cpu = _time_judge(bigger, runs)
    finally:
        decisions.ENABLED = saved
    results.add(section, f"judge, {count} rules, decision cache off", ms(wall), f"median of {runs}; CPU {ms(cpu)}")
    shared = [{**copy.deepcopy(rule), "ID": f"rule-{n}", "Priority": n} for n in range(100)]
    source = dataclasses.replace(snapshot.source, replication=Read.ok({**configuration, "Rules": shared}))
    same = dataclasses.replace(snapshot, source=source)
    wall, cpu = _time_judge(same, runs)
    asked = decisions.stats()
    results.add(section, "judge, 100 rules with one filter to one destination", ms(wall),
                f"median of {runs}; CPU {ms(cpu)}; decisions judged {asked['misses']}, from the cache {asked['hits']}")
