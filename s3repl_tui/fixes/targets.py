"""Which document a fix writes, and what the Snapshot read of it (the ``before`` of a change)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from s3repl_tui.checks import facts as checked
from s3repl_tui.fixes.facts import Facts
from s3repl_tui.fixes.jsondoc import Document, copy_document, iam_chars, statements
from s3repl_tui.fixes.merge import is_tool_statement
from s3repl_tui.fixes.model import DocumentKind, DocumentRef
from s3repl_tui.probes.snapshot import BucketSnapshot, Read, ReadError

TOOL_INLINE_POLICY = "S3ReplTuiReplication"


class Unplannable(LookupError):
    """The fix needs something the snapshot does not hold; the message says what, in one sentence."""


def _why(read: Read[Any] | None, what: str) -> str:
    error: ReadError | None = read.error if read is not None else None
    if error is None:
        return f"{what} was not read"
    return f"{what} could not be read ({error.code}: {error.message})"


@dataclass(frozen=True)
class Targets:
    facts: Facts
    include_optional: bool = False  # plan the opt-in changes too (plan.OPTIONAL_FIXES, grants)
    optional: list[str] = field(default_factory=list)  # opt-in changes the planners left out

    @property
    def _iam_region(self) -> str:
        return self.facts.source_region or "us-east-1"

    def _bucket(self, name: str) -> BucketSnapshot:
        bucket = self.facts.bucket(name)
        if bucket is None:
            raise Unplannable(f"bucket {name} was not read")
        return bucket

    def _bucket_account(self, bucket: BucketSnapshot) -> str:
        account = bucket.owner_account
        if account is None and bucket.name != self.facts.source.name:
            for rule in self.facts.rules_to(bucket.name):
                account = rule.account or account
        if account is None and bucket.name == self.facts.source.name:
            account = self.facts.source_account
        if account is None:
            raise Unplannable(f"the account that owns bucket {bucket.name} is not known")
        return str(account)

    def _bucket_ref(self, kind: DocumentKind, name: str) -> tuple[DocumentRef, BucketSnapshot]:
        bucket = self._bucket(name)
        region = checked.region_of(bucket)
        if region is None:
            raise Unplannable(_why(bucket.region, f"the region of bucket {name}"))
        ref = DocumentRef(kind, self._bucket_account(bucket), region, bucket.arn, name)
        return ref, bucket

    # One function per kind of document: the reference and the document as read -------------------

    def versioning(self, bucket_name: str) -> tuple[DocumentRef, Document | None]:
        ref, bucket = self._bucket_ref("bucket-versioning", bucket_name)
        if not bucket.versioning.is_ok:
            raise Unplannable(_why(bucket.versioning, f"the versioning of bucket {bucket_name}"))
        status = bucket.versioning.value
        return ref, ({"Status": status} if status else {})

    def bucket_policy(self, bucket_name: str) -> tuple[DocumentRef, Document | None]:
        ref, bucket = self._bucket_ref("bucket-policy", bucket_name)
        return ref, self._document(bucket.policy, f"the bucket policy of {bucket_name}")

    def notification(self) -> tuple[DocumentRef, Document]:
        """The source bucket's event notifications (GetBucketNotificationConfiguration answers {} for none)."""
        ref, bucket = self._bucket_ref("bucket-notification", self.facts.source.name)
        read = bucket.notification
        if read is None or not read.is_ok:
            raise Unplannable(_why(read, f"the event notifications of {bucket.name}"))
        return ref, copy_document(read.value) or {}

    def replication(self) -> tuple[DocumentRef, Document | None]:
        ref, bucket = self._bucket_ref("replication", self.facts.source.name)
        read = bucket.replication
        if read is None or not read.is_ok:
            raise Unplannable(_why(read, f"the replication configuration of {bucket.name}"))
        return ref, copy_document(read.value)

    def key_policy(self, key_arn: str) -> tuple[DocumentRef, Document | None]:
        key = self.facts.key(key_arn)
        if key is None:
            raise Unplannable(f"the key {key_arn} was not read")
        arn = self.facts.key_arn(key_arn) or key_arn
        region = key.region or checked.arn_region(arn)
        account = key.account or checked.arn_account(arn)
        if region is None or account is None:
            raise Unplannable(f"the account and region of key {key_arn} are not known")
        document = self._document(key.policy, f"the key policy of {arn}")
        if document is None:
            raise Unplannable(f"the key {arn} has no key policy to add to")
        return DocumentRef("key-policy", account, region, arn, arn), document

    def _role(self) -> tuple[str, str, str]:
        role = self.facts.snapshot.role
        if role is None:
            raise Unplannable("the configuration names no replication role")
        if not role.role.is_ok:
            raise Unplannable(_why(role.role, f"role {role.name}"))
        account = role.account or self.facts.source_account
        if account is None:
            raise Unplannable(f"the account of role {role.name} is not known")
        return role.name, account, self.facts.role_arn or role.arn

    def role_trust(self) -> tuple[DocumentRef, Document | None]:
        name, account, arn = self._role()
        role = self.facts.snapshot.role
        assert role is not None and role.role.value is not None
        document = role.role.value.get("AssumeRolePolicyDocument")
        ref = DocumentRef("role-trust", account, self._iam_region, arn, name)
        return ref, copy_document(document) if isinstance(document, dict) else None

    def role_inline(self) -> tuple[DocumentRef, Document | None, int]:
        """The inline policy the tool writes to (the one already holding a tool statement, else
        ``S3ReplTuiReplication``), its document, and the characters the role's other inline policies use."""
        name, account, arn = self._role()
        role = self.facts.snapshot.role
        assert role is not None
        if not role.inline_policies.is_ok or role.inline_policies.value is None:
            raise Unplannable(_why(role.inline_policies, f"the inline policies of role {name}"))
        policies = dict(role.inline_policies.value)
        owned = [n for n, doc in policies.items() if any(is_tool_statement(s) for s in statements(doc))]
        policy_name = owned[0] if owned else TOOL_INLINE_POLICY
        others = sum(iam_chars(doc) for n, doc in policies.items() if n != policy_name)
        ref = DocumentRef("role-inline-policy", account, self._iam_region, arn, name, policy_name)
        return ref, copy_document(policies.get(policy_name)), others

    @staticmethod
    def _document(read: Read[Document], what: str) -> Document | None:
        if read.is_absent:
            return None
        if not read.is_ok:
            raise Unplannable(_why(read, what))
        return copy_document(read.value)
