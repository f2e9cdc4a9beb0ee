"""Time the policy engine on a replication-sized workload.

About 30 requests (every S3, KMS and STS call a cross-account SSE-KMS replication setup makes), each
judged against ~6 documents: the role's inline and managed policies, its permissions boundary, and the
bucket policy, key policy or trust policy. Prints microseconds per request with the engine's caches
warm, and a naive baseline measured in the same run: caches cleared and documents re-created before
every request, so every pattern is parsed and compiled again.

Run: ``python -m bench.policy_bench`` or ``python bench/policy_bench.py`` (``--rounds N``).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from dataclasses import dataclass
from typing import Any

from s3repl_tui.policy import NamedPolicy, Request, evaluate
from s3repl_tui.policy.matching import clear_caches as clear_pattern_caches
from s3repl_tui.policy.parse import clear_caches as clear_policy_caches

SRC, DST = "111122223333", "444455556666"
ROLE = f"arn:aws:iam::{SRC}:role/service-role/s3crr_role"
SRC_KEY = f"arn:aws:kms:us-east-1:{SRC}:key/1111aaaa-2222-3333-4444-555566667777"
DST_KEY = f"arn:aws:kms:us-west-2:{DST}:key/9999bbbb-2222-3333-4444-555566667777"


@dataclass(frozen=True)
class Case:
    request: Request
    options: dict[str, Any]


def _documents() -> dict[str, Any]:
    role_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::src-bucket"],
            },
            {
                "Effect": "Allow",
                "Action": [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                    "s3:GetObjectRetention",
                    "s3:GetObjectLegalHold",
                ],
                "Resource": ["arn:aws:s3:::src-bucket/*"],
            },
            {
                "Effect": "Allow",
                "Action": [
                    "s3:ReplicateObject",
                    "s3:ReplicateDelete",
                    "s3:ReplicateTags",
                    "s3:ObjectOwnerOverrideToBucketOwner",
                ],
                "Resource": "arn:aws:s3:::dst-bucket/*",
                "Condition": {
                    "StringLikeIfExists": {
                        "s3:x-amz-server-side-encryption": ["aws:kms", "AES256"],
                        "s3:x-amz-server-side-encryption-aws-kms-key-id": [DST_KEY],
                    }
                },
            },
        ],
    }
    role_kms = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": ["kms:Decrypt"],
                "Effect": "Allow",
                "Resource": [SRC_KEY],
                "Condition": {
                    "StringLike": {
                        "kms:ViaService": "s3.us-east-1.amazonaws.com",
                        "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::src-bucket/*"],
                    }
                },
            },
            {
                "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                "Effect": "Allow",
                "Resource": [DST_KEY],
                "Condition": {
                    "StringLike": {
                        "kms:ViaService": "s3.us-west-2.amazonaws.com",
                        "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::dst-bucket/*"],
                    }
                },
            },
        ],
    }
    managed = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Batch",
                "Effect": "Allow",
                "Action": ["s3:InitiateReplication", "s3:PutInventoryConfiguration"],
                "Resource": ["arn:aws:s3:::src-bucket", "arn:aws:s3:::src-bucket/*"],
            },
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
            {
                "Sid": "PassOwnRole",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": ROLE,
                "Condition": {"StringEquals": {"iam:PassedToService": "s3.amazonaws.com"}},
            },
        ],
    }
    read_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"],
                "Resource": "*",
            }
        ],
    }
    boundary = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "kms:*", "iam:PassRole"], "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:PutBucketPolicy", "Resource": "*"},
        ],
    }
    bucket_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Objects",
                "Effect": "Allow",
                "Principal": {"AWS": ROLE},
                "Action": [
                    "s3:ReplicateDelete",
                    "s3:ReplicateObject",
                    "s3:ReplicateTags",
                    "s3:ObjectOwnerOverrideToBucketOwner",
                ],
                "Resource": "arn:aws:s3:::dst-bucket/*",
            },
            {
                "Sid": "Bucket",
                "Effect": "Allow",
                "Principal": {"AWS": ROLE},
                "Action": ["s3:List*", "s3:GetBucketVersioning", "s3:PutBucketVersioning"],
                "Resource": "arn:aws:s3:::dst-bucket",
            },
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::dst-bucket", "arn:aws:s3:::dst-bucket/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    source_bucket_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::src-bucket", "arn:aws:s3:::src-bucket/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }

    def key_policy(account: str) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "Replication",
                    "Effect": "Allow",
                    "Principal": {"AWS": ROLE},
                    "Action": ["kms:Encrypt", "kms:GenerateDataKey*", "kms:Decrypt"],
                    "Resource": "*",
                    "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
                },
            ],
        }

    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": ["s3.amazonaws.com",
                                                                    "batchoperations.s3.amazonaws.com"]},
                       "Action": "sts:AssumeRole"}],
    }  # fmt: skip
    return {
        "identity": [NamedPolicy("inline:Replication", role_policy), NamedPolicy("inline:ReplicationKms", role_kms),
                     NamedPolicy(f"arn:aws:iam::{SRC}:policy/ReplicationExtras", managed),
                     NamedPolicy("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", read_only)],
        "boundary": boundary, "bucket": bucket_policy, "source_bucket": source_bucket_policy,
        "src_key": key_policy(SRC), "dst_key": key_policy(DST), "trust": trust,
    }  # fmt: skip


def build_workload() -> list[Case]:
    docs = _documents()
    common = {"identity_policies": docs["identity"], "permission_boundary": docs["boundary"]}
    tls = {"aws:SecureTransport": True}
    cases: list[Case] = []

    def add(action: str, resource: str, context: dict[str, Any], **options: Any) -> None:
        cases.append(Case(Request(ROLE, action, resource, {**tls, **context}), {**common, **options}))

    source = {"resource_policy": docs["source_bucket"], "resource_account": SRC}
    for action in ("s3:GetReplicationConfiguration", "s3:ListBucket", "s3:PutInventoryConfiguration"):
        add(action, "arn:aws:s3:::src-bucket", {}, **source)
    for action in ("s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging",
                   "s3:GetObjectRetention", "s3:GetObjectLegalHold", "s3:InitiateReplication",
                   "s3:GetObjectVersionAnnotationForReplication"):  # fmt: skip
        add(action, "arn:aws:s3:::src-bucket/photos/cat.jpg", {}, **source)
    destination = {"resource_policy": docs["bucket"], "resource_account": DST}
    encryption = {
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": DST_KEY,
    }
    replication = ("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags",
                   "s3:ObjectOwnerOverrideToBucketOwner", "s3:PutObjectRetention", "s3:PutObjectLegalHold",
                   "s3:ReplicateObjectAnnotation")  # fmt: skip
    for action in replication:
        add(action, "arn:aws:s3:::dst-bucket/photos/cat.jpg", encryption, **destination)
    for action in ("s3:ListBucket", "s3:GetBucketVersioning", "s3:PutBucketVersioning"):
        add(action, "arn:aws:s3:::dst-bucket", {}, **destination)
    src_kms = {"kms:ViaService": "s3.us-east-1.amazonaws.com",
               "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::src-bucket/photos/cat.jpg"}  # fmt: skip
    for action in ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"):
        add(action, SRC_KEY, src_kms, resource_policy=docs["src_key"], resource_kind="kms")
    dst_kms = {"kms:ViaService": "s3.us-west-2.amazonaws.com",
               "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::dst-bucket/photos/cat.jpg"}  # fmt: skip
    for action in ("kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom"):
        add(action, DST_KEY, dst_kms, resource_policy=docs["dst_key"], resource_kind="kms")
    add("iam:PassRole", ROLE, {"iam:PassedToService": "s3.amazonaws.com"}, resource_account=SRC)
    for service in ("s3.amazonaws.com", "batchoperations.s3.amazonaws.com"):
        cases.append(Case(Request(service, "sts:AssumeRole", ROLE),
                          {"resource_policy": docs["trust"], "resource_kind": "role-trust"}))  # fmt: skip
    return cases


def _time_cached(cases: list[Case], rounds: int) -> list[float]:
    for case in cases:  # warm the caches once
        evaluate(case.request, **case.options)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for case in cases:
            evaluate(case.request, **case.options)
        samples.append((time.perf_counter() - start) / len(cases) * 1e6)
    return samples


def _time_naive(cases: list[Case], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        elapsed = 0.0
        for case in cases:
            fresh = copy.deepcopy(case.options)  # new objects: nothing can be found by identity
            clear_policy_caches()
            clear_pattern_caches()
            start = time.perf_counter()
            evaluate(case.request, **fresh)
            elapsed += time.perf_counter() - start
        samples.append(elapsed / len(cases) * 1e6)
    return samples


def _samples(cases: list[Case], rounds: int) -> tuple[list[float], list[float]]:
    return _time_cached(cases, rounds), _time_naive(cases, max(1, rounds // 10))


def measure(rounds: int = 200) -> tuple[float, float]:
    """Median microseconds per request: (cached, naive), measured in the same run (used by ``bench``)."""
    cached, naive = _samples(build_workload(), rounds)
    return statistics.median(cached), statistics.median(naive)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the policy engine on a replication-sized workload.")
    parser.add_argument("--rounds", type=int, default=200, help="passes over the workload (default 200)")
    args = parser.parse_args(argv)
    cases = build_workload()
    documents = max(len(case.options.get("identity_policies", ())) + 2 for case in cases)
    allowed = sum(evaluate(case.request, **case.options).allowed for case in cases)
    cached, naive = _samples(cases, args.rounds)
    cached_us, naive_us = statistics.median(cached), statistics.median(naive)
    print(f"policy engine: {len(cases)} requests x up to {documents} documents ({allowed} allowed)")
    print(f"  cached (warm):            {cached_us:8.1f} us/request  (best {min(cached):.1f})")
    print(f"  naive (no caches, fresh): {naive_us:8.1f} us/request  (best {min(naive):.1f})")
    print(f"  speed-up: {naive_us / cached_us:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
