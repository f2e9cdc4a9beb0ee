"""``scan`` against one ``check`` per bucket in sequence: N replicated buckets in the sandbox's source
account, a latency added to every AWS call; the calls the sandbox saw and the wall time of each.

    python -m bench.scan_bench                       # 200 buckets, 50 ms, scan with --concurrency 8
    python -m bench.scan_bench --buckets 40 --concurrency 8 16

The sequential baseline is what a script looping over ``s3repl-tui check --source-bucket B`` does, less
the process start: per bucket a new connection (GetCallerIdentity for both accounts and the destination
profile's AssumeRole), the probe and the judgement. The scan lists the buckets (ListBuckets), asks each
one's GetBucketReplication (the filter: a bucket without replication is not listed) and probes the
replicated ones on one shared connection. Each rule reuses the seed's role, so the verdicts are mostly
``fail`` (the role's policy covers the seed's bucket only): the reads are those of a real setup.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import judge
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, build_seed
from s3repl_tui.scan import Scanner, open_accounts

OPTIONS = ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE)


def build(sandbox: Sandbox, seed: SeedSetup, count: int) -> list[str]:
    """``count`` replicated buckets in all (the seed's among them)."""
    s3: Any = sandbox.session(SOURCE_PROFILE).client("s3", region_name=seed.source_region)
    names = [seed.source_bucket]
    for number in range(1, count):
        name = f"scan-bench-{number:03d}"
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_replication(Bucket=name, ReplicationConfiguration=seed.documents["replication"])
        names.append(name)
    return names


def sequential(sandbox: Sandbox, buckets: list[str]) -> tuple[float, int, dict[str, int]]:
    sandbox.middleware.reset_counts()
    verdicts: dict[str, int] = {}
    started = time.perf_counter()
    for bucket in buckets:
        connection = Connection.open(OPTIONS)
        verdict = judge(probe(connection, bucket)).verdict
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    return time.perf_counter() - started, sum(sandbox.middleware.calls.values()), verdicts


def scanned(sandbox: Sandbox, concurrency: int) -> tuple[float, int, dict[str, int]]:
    sandbox.middleware.reset_counts()
    started = time.perf_counter()
    rows = Scanner(open_accounts([SOURCE_PROFILE], OPTIONS), concurrency=concurrency).run()
    wall = time.perf_counter() - started
    verdicts: dict[str, int] = {}
    for row in rows:
        verdicts[row.verdict] = verdicts.get(row.verdict, 0) + 1
    return wall, sum(sandbox.middleware.calls.values()), verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scan_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buckets", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8])
    args = parser.parse_args(argv)
    saved = dict(os.environ)
    with Sandbox() as sandbox:
        try:
            for name in [n for n in os.environ if n.startswith("AWS_")]:
                del os.environ[name]
            os.environ.update(sandbox.env())
            seed = build_seed(sandbox)
            buckets = build(sandbox, seed, args.buckets)
            sandbox.middleware.latency_seconds = args.latency_ms / 1000
            print(f"{len(buckets)} replicated buckets, {args.latency_ms:g} ms per AWS call, {os.cpu_count()} CPUs",
                  flush=True)
            base_wall, base_calls, base_verdicts = sequential(sandbox, buckets)
            print(f"check per bucket, in sequence: {base_wall:7.1f} s  {base_calls:6d} calls  {base_verdicts}",
                  flush=True)
            for concurrency in args.concurrency:
                wall, calls, verdicts = scanned(sandbox, concurrency)
                assert verdicts == base_verdicts, (verdicts, base_verdicts)
                print(f"scan --concurrency {concurrency:<3d}:        {wall:7.1f} s  {calls:6d} calls  {verdicts}"
                      f"  -> {base_wall / wall:.1f}x faster, {calls / base_calls:.2f}x the calls", flush=True)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
