"""What setup reads before it plans: who the two accounts are, their buckets, usable KMS keys, and
every document the plan will merge into. Reads only; every failure is one sentence (UserError).

Both buckets are read with the credentials of the account that owns them (the destination with
``--dest-profile``, else with the source credentials, for same-account replication).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from s3repl_tui.aws import AccountSession, Connection
from s3repl_tui.aws.arns import Arn
from s3repl_tui.aws.errors import error_code, error_kind
from s3repl_tui.errors import EXIT_FAIL, UserError
from s3repl_tui.fixes.jsondoc import Document
from s3repl_tui.setup.answers import ROLE_PATH

Side = Literal["source", "destination"]
T = TypeVar("T")

_ABSENT = frozenset(
    {
        "NoSuchBucketPolicy",
        "ReplicationConfigurationNotFoundError",
        "ServerSideEncryptionConfigurationNotFoundError",
        "OwnershipControlsNotFoundError",
        "ObjectLockConfigurationNotFoundError",
        "NoSuchEntity",
    }
)
_FLAG = {"source": "--source-profile", "destination": "--dest-profile"}


@dataclass(frozen=True)
class AccountInfo:
    side: Side
    account: str
    caller_arn: str
    profile: str | None
    session: AccountSession = field(compare=False, repr=False)


@dataclass(frozen=True)
class BucketSummary:
    name: str
    region: str | None  # when ListBuckets says (newer S3 answers BucketRegion), else None


@dataclass(frozen=True)
class BucketInfo:
    name: str
    account: str
    region: str
    versioning: str | None  # "Enabled", "Suspended", or None (never enabled)
    encryption: Document | None  # {"Rules": [...]} as GetBucketEncryption answers, None: none set
    ownership: Document | None  # {"Rules": [{"ObjectOwnership": ...}]}, None: no controls
    policy: Document | None
    replication: Document | None
    object_lock: bool
    has_objects: bool | None = None  # None: not looked at

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"

    @property
    def _default_rule(self) -> dict[str, Any]:
        for rule in (self.encryption or {}).get("Rules", []):
            if isinstance(rule, dict) and rule.get("ApplyServerSideEncryptionByDefault"):
                return rule
        return {}

    @property
    def default_algorithm(self) -> str | None:
        value = self._default_rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
        return str(value) if value else None

    @property
    def default_kms_key(self) -> str | None:
        value = self._default_rule.get("ApplyServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
        return str(value) if value else None

    @property
    def bucket_key_enabled(self) -> bool:
        return bool(self._default_rule.get("BucketKeyEnabled"))

    @property
    def object_ownership(self) -> str | None:
        for rule in (self.ownership or {}).get("Rules", []):
            if isinstance(rule, dict) and rule.get("ObjectOwnership"):
                return str(rule["ObjectOwnership"])
        return None


@dataclass(frozen=True)
class KeyInfo:
    arn: str
    account: str
    region: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    policy: Document | None = None  # read for the key a person picked, None in listings

    @property
    def title(self) -> str:
        name = self.aliases[0] if self.aliases else (self.description or "(no alias)")
        return f"{name} — {self.arn.rsplit('/', 1)[-1]}"


@dataclass(frozen=True)
class RoleInfo:
    name: str
    arn: str
    exists: bool
    trust: Document | None = None
    inline: dict[str, Document] = field(default_factory=dict)


def region_of(location: str | None) -> str:
    """GetBucketLocation: None (or "") is us-east-1, the legacy "EU" is eu-west-1."""
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else location


def _policy(value: Any) -> Document:
    loaded = value if isinstance(value, dict) else json.loads(str(value))
    return loaded if isinstance(loaded, dict) else {}


class Discovery:
    """Cached reads of both accounts for the wizard and the planner."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._buckets: dict[Side, list[BucketSummary]] = {}
        self._sides: dict[Side, AccountInfo] = {}
        self._bucket_info: dict[tuple[Side, str], BucketInfo] = {}

    # Accounts --------------------------------------------------------------------------------------

    def side(self, side: Side) -> AccountInfo:
        if side not in self._sides:
            session = self.connection.source if side == "source" else (self.connection.dest or self.connection.source)
            identity = session.identity()
            if identity.account is None:  # Connection.open proved the credentials; this is defensive
                raise UserError(f"The {side} credentials could not be identified.", hint="Check the profile.")
            self._sides[side] = AccountInfo(side, identity.account, identity.arn or "", session.profile, session)
        return self._sides[side]

    @property
    def cross_account(self) -> bool:
        return self.side("source").account != self.side("destination").account

    def _read(self, side: Side, what: str, call: Callable[[], T], absent: T | None = None) -> T | None:
        """Run one read; AWS's "not configured" answers become ``absent``, other failures a UserError."""
        account = self.side(side).account
        try:
            return call()
        except ClientError as error:
            if error_code(error) in _ABSENT:
                return absent
            raise _read_error(side, account, what, error) from None
        except BotoCoreError as error:
            raise _read_error(side, account, what, error) from None

    # Buckets ---------------------------------------------------------------------------------------

    def list_buckets(self, side: Side) -> list[BucketSummary]:
        if side not in self._buckets:
            s3 = self.side(side).session.client("s3")
            answer = self._read(side, "its bucket list (s3:ListAllMyBuckets)", s3.list_buckets) or {}
            self._buckets[side] = sorted(
                (BucketSummary(str(b["Name"]), b.get("BucketRegion")) for b in answer.get("Buckets", [])),
                key=lambda b: b.name,
            )
        return self._buckets[side]

    def bucket(self, side: Side, name: str) -> BucketInfo:
        """Everything setup needs of one bucket, which must belong to the ``side``'s account (read once)."""
        if (side, name) not in self._bucket_info:
            self._bucket_info[(side, name)] = self._read_bucket(side, name)
        return self._bucket_info[(side, name)]

    def _read_bucket(self, side: Side, name: str) -> BucketInfo:
        info = self.side(side)
        if name not in {b.name for b in self.list_buckets(side)}:
            raise _not_owned(self, side, name)
        s3_home = info.session.client("s3")
        location = self._read(side, f"the location of bucket {name}", lambda: s3_home.get_bucket_location(Bucket=name))
        region = region_of((location or {}).get("LocationConstraint"))
        s3 = info.session.client("s3", region)

        def get(what: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
            return self._read(side, f"the {what} of bucket {name}", call)

        versioning = get("versioning", lambda: s3.get_bucket_versioning(Bucket=name)) or {}
        encryption = get("default encryption", lambda: s3.get_bucket_encryption(Bucket=name))
        ownership = get("ownership controls", lambda: s3.get_bucket_ownership_controls(Bucket=name))
        policy = get("bucket policy", lambda: s3.get_bucket_policy(Bucket=name))
        lock = get("Object Lock configuration", lambda: s3.get_object_lock_configuration(Bucket=name))
        replication = None
        has_objects = None
        if side == "source":
            replication = get("replication configuration", lambda: s3.get_bucket_replication(Bucket=name))
            try:  # only for a note about existing objects: a denial here must not stop the setup
                listing = s3.list_objects_v2(Bucket=name, MaxKeys=1)
                has_objects = bool(listing.get("KeyCount") or listing.get("Contents"))
            except (ClientError, BotoCoreError):
                has_objects = None
        lock_config = (lock or {}).get("ObjectLockConfiguration", {})
        return BucketInfo(
            name=name,
            account=info.account,
            region=region,
            versioning=versioning.get("Status"),
            encryption=dict(encryption["ServerSideEncryptionConfiguration"]) if encryption else None,
            ownership=dict(ownership["OwnershipControls"]) if ownership else None,
            policy=_policy(policy["Policy"]) if policy else None,
            replication=dict(replication["ReplicationConfiguration"]) if replication else None,
            object_lock=lock_config.get("ObjectLockEnabled") == "Enabled",
            has_objects=has_objects,
        )

    # Keys ------------------------------------------------------------------------------------------

    def list_keys(self, side: Side, region: str) -> list[KeyInfo]:
        """The keys S3 replication can use in ``region``: Enabled, customer managed, symmetric."""
        info = self.side(side)
        kms = info.session.client("kms", region)
        where = f"the KMS keys in {region}"
        key_ids: list[str] = []
        aliases: dict[str, list[str]] = {}

        def list_all() -> None:
            for page in kms.get_paginator("list_keys").paginate():
                key_ids.extend(str(k["KeyId"]) for k in page.get("Keys", []))
            for page in kms.get_paginator("list_aliases").paginate():
                for alias in page.get("Aliases", []):
                    name = str(alias.get("AliasName", ""))
                    if alias.get("TargetKeyId") and not name.startswith("alias/aws/"):
                        aliases.setdefault(str(alias["TargetKeyId"]), []).append(name)

        self._read(side, where, list_all)
        usable: list[KeyInfo] = []
        for key_id in key_ids:
            answer: dict[str, Any] = self._read(side, where, partial(kms.describe_key, KeyId=key_id)) or {}
            meta = answer.get("KeyMetadata", {})
            if _usable(meta) is None:
                usable.append(
                    KeyInfo(
                        str(meta["Arn"]),
                        info.account,
                        region,
                        str(meta.get("Description") or ""),
                        tuple(sorted(aliases.get(key_id, []))),
                    )
                )
        return sorted(usable, key=lambda k: (not k.aliases, k.title))

    def key(self, side: Side, arn: str, bucket: BucketInfo, words: str) -> KeyInfo:
        """A key a person named for ``bucket``: it must be usable there; its policy is read."""
        info = self.side(side)
        parsed = Arn.parse(arn)
        if parsed is None or parsed.service != "kms":
            raise UserError(f"The {words} {arn!r} is not a KMS key ARN.", hint="Copy the ARN from the KMS console.")
        if parsed.region != bucket.region:
            raise UserError(
                f"The {words} {arn} is in {parsed.region}, but bucket {bucket.name} is in {bucket.region}; "
                "S3 only uses a key of the bucket's own region.",
                hint=f"Pick a key in {bucket.region}, or 'new' to create one there.",
            )
        if parsed.account != info.account:
            raise UserError(
                f"The {words} {arn} belongs to account {parsed.account}, not to account {info.account}, which owns "
                f"bucket {bucket.name}; init only grants on keys of the bucket's account.",
                hint=f"Pick a key of account {info.account}, or 'new' to create one.",
            )
        kms = info.session.client("kms", bucket.region)
        meta = (self._read(side, f"the {words} {arn}", lambda: kms.describe_key(KeyId=arn)) or {}).get(
            "KeyMetadata", {}
        )
        problem = _usable(meta)
        if problem:
            raise UserError(f"The {words} {arn} {problem}.", hint="Pick another key, or 'new' to create one.")
        answer = self._read(
            side, f"the key policy of {arn}", lambda: kms.get_key_policy(KeyId=arn, PolicyName="default")
        )
        return KeyInfo(
            arn,
            info.account,
            bucket.region,
            str(meta.get("Description") or ""),
            policy=_policy((answer or {}).get("Policy", "{}")),
        )

    # The role --------------------------------------------------------------------------------------

    def role(self, name: str) -> RoleInfo:
        info = self.side("source")
        iam = info.session.client("iam")
        answer = self._read("source", f"role {name}", lambda: iam.get_role(RoleName=name))
        if not answer:
            return RoleInfo(name, f"arn:aws:iam::{info.account}:role{ROLE_PATH}{name}", exists=False)
        role = answer["Role"]
        inline: dict[str, Document] = {}

        def read_inline() -> None:
            for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
                for policy_name in page.get("PolicyNames", []):
                    document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
                    inline[str(policy_name)] = _policy(document)

        self._read("source", f"the inline policies of role {name}", read_inline)
        return RoleInfo(name, str(role["Arn"]), True, _policy(role["AssumeRolePolicyDocument"]), inline)


def _usable(meta: dict[str, Any]) -> str | None:
    """Why S3 replication cannot use this key (the end of a sentence), or None when it can."""
    if not meta:
        return "could not be described"
    state = meta.get("KeyState", "Enabled" if meta.get("Enabled", True) else "Disabled")
    if state != "Enabled":
        return f"is {state}, so S3 cannot use it"
    if meta.get("KeyManager") != "CUSTOMER":
        return "is an AWS managed key, whose policy can't be changed to let the replication role use it"
    spec = meta.get("KeySpec", meta.get("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"))
    if spec != "SYMMETRIC_DEFAULT" or meta.get("KeyUsage", "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
        return f"is {spec}; S3 only uses symmetric encryption keys (SYMMETRIC_DEFAULT)"
    return None


def _read_error(side: Side, account: str, what: str, error: BaseException) -> UserError:
    kind, code = error_kind(error), error_code(error)
    if kind == "access-denied":
        return UserError(
            f"Account {account} ({side} credentials) may not read {what} ({code}).",
            hint="init reads both buckets, their keys and the role before it plans; use credentials that may, "
            f"or pass {_FLAG[side]} with the profile of the account that owns it.",
            exit_code=EXIT_FAIL,
        )
    if kind == "not-found":
        return UserError(f"{what[0].upper()}{what[1:]} does not exist ({code}).", hint="Check the name.")
    return UserError(
        f"Reading {what} with the {side} credentials failed ({code}).",
        hint="Check the network, the endpoint and the credentials, then run init again.",
        exit_code=EXIT_FAIL,
    )


def _not_owned(discovery: Discovery, side: Side, name: str) -> UserError:
    account = discovery.side(side).account
    other: Side = "destination" if side == "source" else "source"
    if discovery.cross_account and name in {b.name for b in discovery.list_buckets(other)}:
        hint = (
            f"It belongs to account {discovery.side(other).account}, the {other} account: swap the buckets, "
            "or check the profiles."
        )
    elif side == "destination" and not discovery.cross_account:
        hint = "For a bucket of another account, pass --dest-profile with that account's credentials."
    else:
        hint = f"Check the name, or pass {_FLAG[side]} with the profile of the account that owns it."
    return UserError(f"Bucket {name} is not among the buckets of account {account} ({side} credentials).", hint=hint)
