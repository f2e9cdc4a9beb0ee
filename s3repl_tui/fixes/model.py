"""Values the fix planner hands around: which document, what changes in it, and what applying did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from s3repl_tui.checks.model import Finding
from s3repl_tui.fixes.jsondoc import Document, unified_diff
from s3repl_tui.fixes.placeholders import is_placeholder

DocumentKind = Literal[
    "bucket-versioning",
    "bucket-policy",
    "key-policy",
    "role-inline-policy",
    "role-trust",
    "replication",
    # Written by ``s3repl-tui init`` (first-time setup): resources it creates and bucket settings.
    "role",
    "kms-key",
    "bucket-encryption",
    "ownership-controls",
    # The source bucket's event notifications (monitoring: failure events delivered to EventBridge).
    "bucket-notification",
]

# The API that writes each kind of document (IAM-style action names, as in the report's fix hints).
WRITE_API: dict[DocumentKind, str] = {
    "bucket-versioning": "s3:PutBucketVersioning",
    "bucket-policy": "s3:PutBucketPolicy",
    "key-policy": "kms:PutKeyPolicy",
    "role-inline-policy": "iam:PutRolePolicy",
    "role-trust": "iam:UpdateAssumeRolePolicy",
    "replication": "s3:PutBucketReplication",
    "role": "iam:CreateRole",
    "kms-key": "kms:CreateKey",
    "bucket-encryption": "s3:PutBucketEncryption",
    "ownership-controls": "s3:PutBucketOwnershipControls",
    "bucket-notification": "s3:PutBucketNotificationConfiguration",
}

# Documents the tool may have created, and the API that removes them again (undo).
DELETE_API: dict[DocumentKind, str] = {
    "bucket-policy": "s3:DeleteBucketPolicy",
    "role-inline-policy": "iam:DeleteRolePolicy",
    "replication": "s3:DeleteBucketReplication",
    "role": "iam:DeleteRole",
    "kms-key": "kms:ScheduleKeyDeletion",  # KMS never deletes a key at once: 7 days at the least
    "bucket-encryption": "s3:DeleteBucketEncryption",
    "ownership-controls": "s3:DeleteBucketOwnershipControls",
}

# Kinds whose write creates a resource: a change of such a kind applies only where nothing exists yet.
CREATING_KINDS: frozenset[DocumentKind] = frozenset({"role", "kms-key"})


@dataclass(frozen=True)
class DocumentRef:
    """One document in one account: a bucket's versioning or policy, a key policy, a role's policy..."""

    kind: DocumentKind
    account: str
    region: str  # where the API is called (IAM: the region of the source bucket, IAM ignores it)
    resource: str  # ARN of the bucket, key or role (a key not created yet: its placeholder, "${NAME}")
    name: str  # bucket name, key ARN or role name
    policy_name: str = ""  # role-inline-policy only

    @property
    def api(self) -> str:
        return WRITE_API[self.kind]

    @property
    def label(self) -> str:
        """How a person names the document: 'bucket policy of s3-repl-test-dsc'."""
        return {
            "bucket-versioning": f"versioning of bucket {self.name}",
            "bucket-policy": f"bucket policy of {self.name}",
            "key-policy": f"key policy of {self.name}",
            "role-inline-policy": f"inline policy {self.policy_name} of role {self.name}",
            "role-trust": f"trust policy of role {self.name}",
            "replication": f"replication configuration of {self.name}",
            "role": f"role {self.name}",
            "kms-key": (f"new KMS key {self.name[2:-1]}" if is_placeholder(self.name) else f"KMS key {self.name}"),
            "bucket-encryption": f"default encryption of bucket {self.name}",
            "ownership-controls": f"object ownership of bucket {self.name}",
            "bucket-notification": f"event notifications of bucket {self.name}",
        }[self.kind]

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "account": self.account,
            "region": self.region,
            "resource": self.resource,
            "name": self.name,
            "policy_name": self.policy_name,
        }

    @staticmethod
    def from_json(raw: dict[str, Any]) -> DocumentRef:
        return DocumentRef(
            kind=raw["kind"],
            account=str(raw["account"]),
            region=str(raw["region"]),
            resource=str(raw["resource"]),
            name=str(raw["name"]),
            policy_name=str(raw.get("policy_name", "")),
        )


@dataclass(frozen=True)
class Change:
    """One write to one document; every finding that touches that document is folded into it."""

    id: str  # "bucket-policy:arn:aws:s3:::dst" — one change per document in a plan
    fix_ids: tuple[str, ...]
    layer: str  # the earliest layer among the findings it fixes
    ref: DocumentRef
    summary: str  # one line per fix, joined with "; "
    before: Document | None  # None: the document does not exist yet
    after: Document
    profile: str | None = None  # the AWS profile of the account, for exported commands
    endpoint_url: str | None = None
    # The role's other inline policies count against the same 10,240-character quota.
    sibling_inline_chars: int = 0
    notes: tuple[str, ...] = ()  # caveats a person should read before applying
    # A change that creates a resource (kind "kms-key") names the placeholder its ARN fills; later
    # changes of the plan use "${NAME}" and get the real ARN when applied (fixes.placeholders).
    creates: str = ""
    # The document names a principal created earlier in the same plan (a new role): IAM is eventually
    # consistent, so KMS and S3 may call it invalid for a few seconds; the write is then retried.
    new_principal: bool = False

    @property
    def account(self) -> str:
        return self.ref.account

    @property
    def region(self) -> str:
        return self.ref.region

    @property
    def api(self) -> str:
        return self.ref.api

    @property
    def resource(self) -> str:
        return self.ref.resource

    def diff(self) -> str:
        return unified_diff(self.before, self.after, f"{self.ref.label} (now)", f"{self.ref.label} (after fix)")


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...] = ()
    manual: tuple[Finding, ...] = ()  # findings a person must fix (their fix hint says how)
    # Findings with an automatic fix that could not be planned here, and why.
    notes: tuple[str, ...] = ()
    # Opt-in changes left out (they start copying data, cost money or grant more than the failure
    # needs): "<fix id>: <what> (<why it is opt-in>)". plan_fixes(include_optional=True) plans them.
    optional: tuple[str, ...] = ()
    # The source bucket whose setup the plan changes: apply_plan holds its lock (fixes.lock).
    source_bucket: str = ""

    @property
    def empty(self) -> bool:
        return not self.changes


Outcome = Literal["applied", "unverified", "failed", "refused", "skipped", "interrupted"]


@dataclass(frozen=True)
class ChangeOutcome:
    change_id: str
    label: str
    outcome: Outcome
    message: str
    # Set when the write landed but its backup manifest or audit record could not be written (the
    # state directory filled up or went away): the run stops after it.
    record_error: str = ""


@dataclass(frozen=True)
class ApplyResult:
    outcomes: tuple[ChangeOutcome, ...] = ()
    backup_dir: Path | None = None  # None: nothing was written, so nothing was backed up

    def _with(self, outcome: Outcome) -> tuple[ChangeOutcome, ...]:
        return tuple(o for o in self.outcomes if o.outcome == outcome)

    @property
    def applied(self) -> tuple[ChangeOutcome, ...]:
        """Written and read back as written."""
        return self._with("applied")

    @property
    def unverified(self) -> tuple[ChangeOutcome, ...]:
        """Written, but the read-back differs from what was written (undo can still restore it)."""
        return self._with("unverified")

    @property
    def failed(self) -> tuple[ChangeOutcome, ...]:
        return self._with("failed")

    @property
    def refused(self) -> tuple[ChangeOutcome, ...]:
        return self._with("refused")

    @property
    def skipped(self) -> tuple[ChangeOutcome, ...]:
        return self._with("skipped")

    @property
    def complete(self) -> bool:
        return all(o.outcome == "applied" for o in self.outcomes)

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(f"{o.outcome}: {o.label}: {o.message}" for o in self.outcomes)


UndoOutcomeKind = Literal["restored", "deleted", "kept", "refused", "failed"]


@dataclass(frozen=True)
class UndoOutcome:
    label: str
    outcome: UndoOutcomeKind
    message: str


@dataclass(frozen=True)
class UndoResult:
    set_dir: Path | None  # None: there was nothing to undo
    outcomes: tuple[UndoOutcome, ...] = ()
    skipped_sets: tuple[str, ...] = ()  # newer sets passed over: their manifest is damaged (one sentence each)
    dry_run: bool = False  # outcomes are what undo would do; nothing was written or recorded

    @property
    def nothing_to_undo(self) -> bool:
        return self.set_dir is None

    @property
    def complete(self) -> bool:
        return all(o.outcome in ("restored", "deleted", "kept") for o in self.outcomes)

    @property
    def messages(self) -> tuple[str, ...]:
        would = "would be " if self.dry_run else ""
        return tuple(f"{would}{o.outcome}: {o.label}: {o.message}" for o in self.outcomes)


ProgressCallback = Callable[[str], None]


class IdentityLike(Protocol):
    @property
    def arn(self) -> str | None: ...


class AccountSessionLike(Protocol):
    """What the fixes need of ``s3repl_tui.aws.AccountSession``."""

    def client(self, service: str, region: str | None = None) -> Any: ...

    def identity(self) -> IdentityLike: ...


class ConnectionLike(Protocol):
    """What the fixes need of ``s3repl_tui.aws.Connection``."""

    def for_account(self, account_id: str) -> Any: ...


@dataclass
class SessionCache:
    """One session and one caller ARN per account, looked up once per apply or undo."""

    connection: ConnectionLike
    _sessions: dict[str, AccountSessionLike | None] = field(default_factory=dict)
    _callers: dict[str, str] = field(default_factory=dict)

    def session(self, account: str) -> AccountSessionLike | None:
        """None: the connection holds no credentials of ``account``."""
        if account not in self._sessions:
            self._sessions[account] = self.connection.for_account(account)
        return self._sessions[account]

    def caller(self, account: str) -> str:
        """The ARN that writes in ``account`` (for the audit log); "unknown" if STS cannot say."""
        if account not in self._callers:
            session = self.session(account)
            arn: str | None = None
            if session is not None:
                try:
                    arn = session.identity().arn
                except Exception:  # the audit must not stop a restore; it records "unknown"
                    arn = None
            self._callers[account] = arn or "unknown"
        return self._callers[account]
