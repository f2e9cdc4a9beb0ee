"""``failed`` over a generated S3 Inventory report: rows per second and peak memory, against a plain
``gzip`` + ``csv.reader`` loop that only counts the rows (the floor any CSV reader in Python pays).

    python -m bench.inventory_bench                   # 10,000,000 rows (generated once, not timed)
    S3REPL_BENCH_INVENTORY_ROWS=200000 python -m bench.inventory_bench   # a quick run

Each measurement runs in a process of its own, so its peak RSS (``VmHWM``) is its own. The report
is written as S3 writes one: ``manifest.json`` and gzip CSV data files of up to 1,000,000 rows each,
keys URL-encoded. Memory flat: ``failed`` over the first data file alone is measured too, and its peak
compared to the whole report's (10x the rows).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.results import Results, ratio

ROWS_ENV = "S3REPL_BENCH_INVENTORY_ROWS"
DEFAULT_ROWS = 10_000_000
ROWS_PER_FILE = 1_000_000
SOURCE = "bench-source"
SCHEMA = ("Bucket", "Key", "Size", "LastModifiedDate", "ETag", "StorageClass", "ReplicationStatus")
CREATED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
RULES = {"Rules": [
    {"ID": "logs", "Priority": 3, "Status": "Enabled", "Filter": {"Prefix": "logs/"}},
    {"ID": "media", "Priority": 2, "Status": "Enabled", "Filter": {"Prefix": "media/"}},
    {"ID": "everything", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""}},
]}


def _status(i: int) -> str:
    if i % 1000 == 7:
        return "FAILED"
    if i % 100 == 3:
        return "PENDING"
    if i % 20 == 11:
        return ""
    return "COMPLETED"


def generate(folder: Path, rows: int) -> tuple[Path, Path]:
    """(manifest of the whole report, manifest of its first data file alone)."""
    tops = ("logs", "media", "data", "backups", "tmp")
    files = []
    base = time.mktime(CREATED.timetuple())
    for start in range(0, rows, ROWS_PER_FILE):
        path = folder / "data" / f"part-{start // ROWS_PER_FILE:04d}.csv.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=6) as handle:
            lines = []
            for i in range(start, min(rows, start + ROWS_PER_FILE)):
                modified = dt.datetime.fromtimestamp(base - (i % 1_000_000) * 3, dt.UTC)
                lines.append(f'"{SOURCE}","{tops[i % 5]}/2024/{i % 997:03d}/object%20{i:09d}.bin","{i % 4096}",'
                             f'"{modified:%Y-%m-%dT%H:%M:%S}.000Z","d41d8cd98f00b204e9800998ecf8427e","STANDARD",'
                             f'"{_status(i)}"\n')
                if len(lines) >= 10_000:
                    handle.write("".join(lines))
                    lines.clear()
            handle.write("".join(lines))
        body = path.read_bytes()
        files.append({"key": f"data/{path.name}", "size": len(body), "MD5checksum": hashlib.md5(body).hexdigest()})
    manifests = []
    for name, listed in (("manifest.json", files), ("first/manifest.json", files[:1])):
        manifest = folder / name
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps({
            "sourceBucket": SOURCE, "destinationBucket": "arn:aws:s3:::bench-inventory", "version": "2016-11-30",
            "creationTimestamp": str(int(CREATED.timestamp() * 1000)), "fileFormat": "CSV",
            "fileSchema": ", ".join(SCHEMA), "files": listed}))
        manifests.append(manifest)
    return manifests[0], manifests[1]


def _measure_baseline(manifest: Path) -> int:
    folder = manifest.parent
    count = 0
    for entry in json.loads(manifest.read_text())["files"]:
        path = folder / entry["key"] if (folder / entry["key"]).exists() else folder.parent / entry["key"]
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            for _ in csv.reader(handle):
                count += 1
    return count


def _measure_failed(manifest: Path, manifest_out: Path) -> int:
    from s3repl_tui.inventory import AgeBuckets, BatchManifestWriter, RuleMatcher, Tally, from_local, read_report

    located = from_local(manifest)
    tally = Tally(AgeBuckets(CREATED), RuleMatcher(RULES))
    with BatchManifestWriter(manifest_out, with_versions=False) as writer:
        tally.on_failed = writer.add
        read_report(located.manifest, located.open_file, tally)
    return tally.rows


def peak_rss_kib() -> int:
    """This process's peak resident set: VmHWM (Linux; ``ru_maxrss`` keeps the parent's peak across
    fork and exec, so it would report the bench's own), else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _child(what: str, manifest: Path, manifest_out: Path) -> None:
    if what == "failed":
        import s3repl_tui.inventory  # noqa: F401  (the imports are part of the start, not of the rows)
    before = peak_rss_kib()
    started = time.perf_counter()
    rows = _measure_baseline(manifest) if what == "baseline" else _measure_failed(manifest, manifest_out)
    seconds = time.perf_counter() - started
    peak = peak_rss_kib()
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_kib": peak, "start_kib": before}))


def _run_child(what: str, manifest: Path, manifest_out: Path) -> dict[str, float]:
    answer = subprocess.run([sys.executable, "-m", "bench.inventory_bench", "--child", what, str(manifest),
                             str(manifest_out)], check=True, capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1])
    result: dict[str, float] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


def bench_inventory(results: Results, rows: int | None = None) -> None:
    rows = rows or int(os.environ.get(ROWS_ENV, DEFAULT_ROWS))
    section = "failed (inventory)"
    with tempfile.TemporaryDirectory(prefix="s3repl-inventory-bench-") as directory:
        folder = Path(directory)
        started = time.perf_counter()
        whole, first = generate(folder, rows)
        size = sum(path.stat().st_size for path in (folder / "data").iterdir())
        results.note(f"inventory bench: generated {rows:,} rows ({size / 2**20:.0f} MiB gzip CSV, "
                     f"{max(1, -(-rows // ROWS_PER_FILE))} files) in {time.perf_counter() - started:.0f} s (not timed)")
        base = _run_child("baseline", whole, folder / "unused.csv")
        ours = _run_child("failed", whole, folder / "failed.csv")
        alone = _run_child("failed", first, folder / "failed-first.csv")
    base_rate, our_rate = base["rows"] / base["seconds"], ours["rows"] / ours["seconds"]
    results.add(section, f"gzip+csv.reader, count rows only ({rows:,} rows)", f"{base_rate:,.0f} rows/s",
                f"{base['seconds']:.1f} s; peak RSS {base['peak_kib'] / 1024:.0f} MiB; the floor")
    results.add(section, f"failed: status, prefix, age, rule counts + Batch manifest ({rows:,} rows)",
                f"{our_rate:,.0f} rows/s",
                f"{ours['seconds']:.1f} s; {ratio(ours['seconds'], base['seconds'])} the floor's time")
    results.add(section, f"failed: peak RSS, {int(ours['rows']):,} rows", f"{ours['peak_kib'] / 1024:.0f} MiB",
                f"{(ours['peak_kib'] - ours['start_kib']) / 1024:.0f} MiB above the process after its imports "
                f"({ours['start_kib'] / 1024:.0f} MiB)")
    results.add(section, f"failed: peak RSS, first data file alone ({int(alone['rows']):,} rows)",
                f"{alone['peak_kib'] / 1024:.0f} MiB",
                f"{ratio(ours['rows'], alone['rows'])} the rows, {ratio(ours['peak_kib'], alone['peak_kib'])} "
                "the memory: flat")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inventory_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, help=f"rows to generate (default ${ROWS_ENV} or {DEFAULT_ROWS:,})")
    parser.add_argument("--child", nargs=3, metavar=("WHAT", "MANIFEST", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0
    results = Results()
    bench_inventory(results, args.rows)
    print("\n" + results.table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
