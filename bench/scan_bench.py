"""``scan`` against one ``check`` per bucket in sequence: N replicated buckets in the sandbox's source
account, a latency added to every AWS call; the calls the sandbox saw and the wall time of each.

    python -m bench.scan_bench                       # 200 buckets, 50 ms, scan with --concurrency 8
    python -m bench.scan_bench --buckets 40 --concurrency 8 16

Calls are counted on an in-process sandbox at 0 ms (it sees every request, the AssumeRole of the
destination profile included); the wall times are measured against a sandbox served from a process of
its own (bench/served.py: moto off the client's GIL, as AWS is). The sequential baseline is what a
script looping over ``s3repl-tui check --source-bucket B`` does, less the process start: per bucket a
new connection (GetCallerIdentity for both accounts and the destination profile's AssumeRole), the
probe and the judgement. The scan lists the buckets (ListBuckets), asks each one's
GetBucketReplication (the filter: a bucket without replication is not listed) and probes the
replicated ones on one shared connection. Each rule reuses the seed's role, so the verdicts are mostly
``fail`` (the role's policy covers the seed's bucket only): the reads are those of a real setup.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import botocore.session

from bench.results import Results, ratio
from bench.served import environment, served
from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import judge
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, build_seed
from s3repl_tui.scan import Scanner, open_accounts

OPTIONS = ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE)


def _client(env: dict[str, str], seed: SeedSetup) -> Any:
    core = botocore.session.Session()
    core.set_config_variable("config_file", env["AWS_CONFIG_FILE"])
    core.set_config_variable("credentials_file", env["AWS_SHARED_CREDENTIALS_FILE"])
    core.set_config_variable("profile", SOURCE_PROFILE)
    return boto3.Session(botocore_session=core).client("s3", region_name=seed.source_region)


def build(env: dict[str, str], seed: SeedSetup, count: int) -> list[str]:
    """``count`` replicated buckets in all (the seed's among them), made 16 at a time."""
    s3 = _client(env, seed)

    def make(number: int) -> str:
        name = f"scan-bench-{number:03d}"
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_replication(Bucket=name, ReplicationConfiguration=seed.documents["replication"])
        return name

    with ThreadPoolExecutor(max_workers=16) as pool:
        return [seed.source_bucket, *pool.map(make, range(1, count))]


def sequential(buckets: list[str]) -> tuple[float, dict[str, int]]:
    verdicts: dict[str, int] = {}
    started = time.perf_counter()
    for bucket in buckets:
        connection = Connection.open(OPTIONS)
        verdict = judge(probe(connection, bucket)).verdict
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        _close(connection)  # as the end of a `check` process would: its sockets are not kept open
    return time.perf_counter() - started, verdicts


def _close(connection: Connection) -> None:
    for session in connection.sessions:
        for client in list(session._clients.values()):
            client.close()


def scanned(concurrency: int) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    rows = Scanner(open_accounts([SOURCE_PROFILE], OPTIONS), concurrency=concurrency).run()
    wall = time.perf_counter() - started
    verdicts: dict[str, int] = {}
    for row in rows:
        verdicts[row.verdict] = verdicts.get(row.verdict, 0) + 1
    return wall, verdicts


def count_calls(buckets: int, concurrency: int) -> tuple[int, int]:
    """Requests the sandbox saw (AssumeRole included), in-process at 0 ms: (in sequence, scan)."""
    with Sandbox() as sandbox, environment(sandbox.env()):
        sandbox.reset()  # moto is one per process: make bench's earlier in-process sandbox left its resources
        seed = build_seed(sandbox)
        names = build(sandbox.env(), seed, buckets)
        sandbox.middleware.reset_counts()
        sequential(names)
        in_sequence = sum(sandbox.middleware.calls.values())
        sandbox.middleware.reset_counts()
        scanned(concurrency)
        return in_sequence, sum(sandbox.middleware.calls.values())


def bench_scan(results: Results, buckets: int, concurrency: int = 8, latency_ms: float = 50.0) -> None:
    """``make bench``'s rows: calls and wall time of scan against one check per bucket in sequence."""
    base_calls, scan_calls = count_calls(buckets, concurrency)
    results.add("scan", f"calls: check per bucket / scan ({buckets} buckets)", f"{base_calls} / {scan_calls}",
                f"scan makes {ratio(scan_calls, base_calls)} the calls")
    with served([latency_ms / 1000]) as servers:
        server = next(iter(servers.values()))
        with environment(server.env):
            names = build(server.env, server.seed, buckets)
            base_wall, base_verdicts = sequential(names)
            results.add("scan", f"check per bucket in sequence, {latency_ms:g} ms/call", f"{base_wall:.1f} s",
                        f"{len(names)} replicated buckets")
            wall, verdicts = scanned(concurrency)
            if verdicts != base_verdicts:
                raise AssertionError(f"scan's verdicts {verdicts} differ from check's {base_verdicts}")
            results.add("scan", f"scan --concurrency {concurrency}, {latency_ms:g} ms/call", f"{wall:.1f} s",
                        f"{ratio(base_wall, wall)} faster than check per bucket")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scan_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buckets", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8])
    parser.add_argument("--no-calls", action="store_true", help="skip counting the calls (in-process)")
    args = parser.parse_args(argv)
    if not args.no_calls:
        base_calls, scan_calls = count_calls(args.buckets, args.concurrency[0])
        print(f"calls (in-process sandbox, AssumeRole included): check per bucket {base_calls}, scan {scan_calls} "
              f"({scan_calls / base_calls:.2f}x)", flush=True)
    with served([args.latency_ms / 1000]) as servers:
        server = next(iter(servers.values()))
        with environment(server.env):
            buckets = build(server.env, server.seed, args.buckets)
            print(f"{len(buckets)} replicated buckets, {args.latency_ms:g} ms per AWS call (sandbox in its own "
                  f"process), {os.cpu_count()} CPUs", flush=True)
            base_wall, base_verdicts = sequential(buckets)
            print(f"check per bucket, in sequence: {base_wall:7.1f} s  {base_verdicts}", flush=True)
            for concurrency in args.concurrency:
                wall, verdicts = scanned(concurrency)
                assert verdicts == base_verdicts, (verdicts, base_verdicts)
                print(f"scan --concurrency {concurrency:<3d}:        {wall:7.1f} s  {verdicts}"
                      f"  -> {base_wall / wall:.1f}x faster", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
