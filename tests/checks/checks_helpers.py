"""A healthy seed-like Snapshot, built by hand, that a test changes one input at a time.

The documents are the seed's own (``sandbox.scenarios``), so the unit tests judge exactly what the
functional tests build in the sandbox.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Finding, Report
from s3repl_tui.probes.snapshot import (
    BucketSnapshot,
    CallStats,
    Identity,
    KeySnapshot,
    Read,
    ReadError,
    RoleSnapshot,
    Snapshot,
)
from s3repl_tui.sandbox import scenarios

ACCOUNT_A = "123456789012"
ACCOUNT_B = "444455556666"
SRC, DST = "s3-repl-test-src", "s3-repl-test-dsc"
SRC_REGION, DST_REGION = "us-east-1", "us-west-2"
SRC_KEY = f"arn:aws:kms:{SRC_REGION}:{ACCOUNT_A}:key/11111111-2222-3333-4444-555555555555"
REPLICA_KEY = f"arn:aws:kms:{DST_REGION}:{ACCOUNT_B}:key/99999999-2222-3333-4444-555555555555"
ROLE_NAME = "s3crr_role_for_s3-repl-test-src"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_A}:role/service-role/{ROLE_NAME}"
MANAGED_ARN = f"arn:aws:iam::{ACCOUNT_A}:policy/service-role/s3crr_for_s3-repl-test-src_to_s3-repl-test-dsc"
INLINE = "kms-for-replication"


def failed(kind: str = "access-denied", operation: str = "s3:GetBucketPolicy", code: str = "AccessDenied") -> Read[Any]:
    return Read.failed(ReadError(kind, code, f"{code}.", operation, account=ACCOUNT_A,  # type: ignore[arg-type]
                                 command=f"aws {operation}"))


def no_credentials(operation: str = "s3:GetBucketPolicy") -> Read[Any]:
    return Read.failed(ReadError("no-credentials", "NoCredentialsForAccount", "No credentials.", operation,
                                 command=f"aws {operation} --profile destination"))


def key_meta(arn: str, **changes: Any) -> dict[str, Any]:
    meta = {"Arn": arn, "KeyId": arn.rsplit("/", 1)[-1], "AWSAccountId": arn.split(":")[4], "KeyState": "Enabled",
            "Enabled": True, "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT",
            "MultiRegion": False}
    meta.update(changes)
    return meta


def encryption(key: str | None, algorithm: str = "aws:kms", bucket_key: bool = False) -> dict[str, Any]:
    default: dict[str, Any] = {"SSEAlgorithm": algorithm}
    if key:
        default["KMSMasterKeyID"] = key
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": bucket_key}]}


@dataclass
class Seed:
    """Every input of the seed setup; tests change fields, then ``build()`` / ``report()``."""

    setup: scenarios.SeedSetup = field(default_factory=lambda: scenarios.SeedSetup(
        source_key_arn=SRC_KEY, replica_key_arn=REPLICA_KEY, managed_policy_arn=MANAGED_ARN))
    source_versioning: str = "Enabled"
    dest_versioning: str = "Enabled"
    source_encryption: dict[str, Any] = field(default_factory=lambda: encryption(SRC_KEY))
    dest_encryption: dict[str, Any] = field(default_factory=lambda: encryption(REPLICA_KEY))
    source_policy: dict[str, Any] | None = None
    source_object_lock: dict[str, Any] | None = None
    dest_object_lock: dict[str, Any] | None = None
    dest_payer: str = "BucketOwner"
    dest_exists: bool = True
    dest_owner: str = ACCOUNT_B
    role_exists: bool = True
    actual_role_arn: str = ROLE_ARN
    boundary: dict[str, Any] | None = None
    role_tags: list[dict[str, str]] | None = None  # GetRole's Tags
    keys_meta: dict[str, dict[str, Any]] = field(default_factory=lambda: {SRC_KEY: key_meta(SRC_KEY),
                                                                        REPLICA_KEY: key_meta(REPLICA_KEY)})
    # Any input replaced as a whole: "source.<field>", "dest.<field>", "role.<field>", "<key ref>.<field>".
    reads: dict[str, Read[Any]] = field(default_factory=dict)
    documents: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        s = self.setup
        self.documents = {
            "trust": scenarios._trust_policy(),
            "managed": scenarios._console_role_policy(s),
            "inline": scenarios._inline_kms_policy(s),
            "dest_policy": scenarios._dest_bucket_policy(s),
            "source_key_policy": scenarios._source_key_policy(s),
            "replica_key_policy": scenarios._replica_key_policy(s),
            "replication": scenarios._replication_configuration(s),
        }

    # -- shortcuts for the documents tests change most
    @property
    def rule(self) -> dict[str, Any]:
        rule: dict[str, Any] = self.documents["replication"]["Rules"][0]
        return rule

    def _read(self, name: str, default: Read[Any]) -> Read[Any]:
        return self.reads.get(name, default)

    def _bucket(self, prefix: str, name: str, owner: str, region: str, **values: Any) -> BucketSnapshot:
        def opt(value: Any, absent: str) -> Read[Any]:
            return Read.ok(value) if value is not None else Read.absent(absent)

        exists = values.pop("exists", True)
        return BucketSnapshot(
            name=name, owner_account=owner, read_as=owner,
            exists=self._read(f"{prefix}.exists", Read.ok(True) if exists else Read.absent("NoSuchBucket")),
            region=self._read(f"{prefix}.region", Read.ok(region)),
            versioning=self._read(f"{prefix}.versioning", Read.ok(values["versioning"])),
            encryption=self._read(f"{prefix}.encryption", opt(values["encryption"],
                                                              "ServerSideEncryptionConfigurationNotFoundError")),
            ownership=self._read(f"{prefix}.ownership", Read.ok("BucketOwnerEnforced")),
            object_lock=self._read(f"{prefix}.object_lock", opt(values["object_lock"],
                                                                "ObjectLockConfigurationNotFoundError")),
            policy=self._read(f"{prefix}.policy", opt(values["policy"], "NoSuchBucketPolicy")),
            request_payment=self._read(f"{prefix}.request_payment", Read.ok(values.get("payer", "BucketOwner"))),
            replication=self._read(f"{prefix}.replication", opt(values.get("replication"),
                                                                "ReplicationConfigurationNotFoundError"))
            if prefix == "source" else None,
            notification=self._read(f"{prefix}.notification", Read.ok({})) if prefix == "source" else None,
        )

    def _key(self, reference: str, policy: dict[str, Any]) -> KeySnapshot:
        meta = self.keys_meta.get(reference)
        arn = meta["Arn"] if meta else (reference if reference.startswith("arn:") and ":key/" in reference else None)
        parts = arn.split(":") if arn else []
        return KeySnapshot(
            reference=reference, arn=arn, region=parts[3] if parts else None, account=parts[4] if parts else None,
            metadata=self._read(f"{reference}.metadata", Read.ok(meta) if meta else Read.absent("NotFoundException")),
            policy=self._read(f"{reference}.policy", Read.ok(policy)),
            aliases=self._read(f"{reference}.aliases", Read.ok(())),
            grants=self._read(f"{reference}.grants", Read.ok(())),
        )

    def build(self) -> Snapshot:
        docs = copy.deepcopy(self.documents)
        source = self._bucket("source", SRC, ACCOUNT_A, SRC_REGION, versioning=self.source_versioning,
                              encryption=self.source_encryption, object_lock=self.source_object_lock,
                              policy=self.source_policy, replication=docs["replication"])
        dest = self._bucket("dest", DST, self.dest_owner, DST_REGION, versioning=self.dest_versioning,
                            encryption=self.dest_encryption, object_lock=self.dest_object_lock,
                            policy=docs["dest_policy"], payer=self.dest_payer, exists=self.dest_exists)
        written = (docs["replication"] or {}).get("Role") or ROLE_ARN
        role_doc = {"Arn": self.actual_role_arn, "RoleName": ROLE_NAME, "Path": "/service-role/",
                    "AssumeRolePolicyDocument": docs["trust"]}
        if self.role_tags is not None:
            role_doc["Tags"] = list(self.role_tags)
        if self.boundary is not None:
            role_doc["PermissionsBoundary"] = {"PermissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT_A}:policy/boundary"}
        role = RoleSnapshot(
            arn=written, name=written.rsplit("/", 1)[-1], account=ACCOUNT_A,
            role=self._read("role.role", Read.ok(role_doc) if self.role_exists else Read.absent("NoSuchEntity")),
            inline_policies=self._read("role.inline", Read.ok({INLINE: docs["inline"]} if docs["inline"] else {})),
            attached_policies=self._read("role.attached", Read.ok({MANAGED_ARN: docs["managed"]})),
            boundary=self._read("role.boundary", Read.ok(self.boundary) if self.boundary is not None
                                else Read.absent("NoPermissionsBoundary")),
        )
        keys = {}
        references = {SRC_KEY: docs["source_key_policy"], REPLICA_KEY: docs["replica_key_policy"]}
        for rule in (docs["replication"] or {}).get("Rules", []):
            ref = (rule.get("Destination", {}).get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
            if ref and ref not in references:
                references[ref] = docs["replica_key_policy"]
        for enc in (self.source_encryption, self.dest_encryption):
            for rule in (enc or {}).get("Rules", []):
                ref = rule.get("ApplyServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
                if ref and ref not in references:
                    references[ref] = docs["replica_key_policy"]
        for ref, policy in references.items():
            keys[ref] = self._key(ref, policy)
        return Snapshot(
            source_bucket=SRC,
            source_identity=Identity("source", "s3repl-source", ACCOUNT_A, f"arn:aws:iam::{ACCOUNT_A}:user/admin"),
            dest_identity=Identity("destination", "s3repl-dest", ACCOUNT_B, f"arn:aws:iam::{ACCOUNT_B}:role/admin"),
            endpoint_url=None, source=source, destinations={DST: dest},
            role=role if docs["replication"] and docs["replication"].get("Role") else None,
            keys=keys, calls=CallStats(23, 0.4),
        )

    def report(self) -> Report:
        return judge(self.build())


def codes(report: Report, layer: str | None = None) -> list[str]:
    findings = report.layer(layer).findings if layer else report.findings
    return [f.code for f in findings]


def find(report: Report, code: str) -> Finding:
    matches = [f for f in report.findings if f.code == code]
    assert matches, f"{code} not in {codes(report)}"
    return matches[0]


def errors(report: Report, layer: str) -> list[str]:
    return [f.code for f in report.layer(layer).findings if f.severity == "error" and not f.unknown]


Mutator = Callable[[Seed], None]


def warnings(report: Report, layer: str) -> list[str]:
    return [f.code for f in report.layer(layer).findings if f.severity == "warning" and not f.unknown]
