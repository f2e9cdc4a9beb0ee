"""Answers and what was read -> ONE plan (``fixes.Plan``) that ``fixes.apply_plan`` applies safely.

Pure: no I/O. One change per document, in the order AWS needs them: versioning on both buckets, the
role (S3 must exist as a principal before key and bucket policies name it), the keys (a new key is
created with its policy; an existing key's policy gets the role's statement merged in), the buckets'
default encryption, the role's permission policy (it names the keys), the destination bucket policy
(cross-account), ownership controls, and last the replication configuration.

Existing documents are merged, never replaced: statements the owner wrote stay as written; only
statements with the tool's ``S3ReplTui`` Sid are added. A document that already says what is needed
gets no change.
"""

from __future__ import annotations

from dataclasses import dataclass

from s3repl_tui.errors import EXIT_FAIL, UserError
from s3repl_tui.fixes.jsondoc import Document, iam_chars, same_meaning, statements
from s3repl_tui.fixes.merge import add_grant, is_tool_statement
from s3repl_tui.fixes.model import Change, DocumentKind, DocumentRef, Plan
from s3repl_tui.fixes.placeholders import REPLICA_KEY_ARN, SOURCE_KEY_ARN, token
from s3repl_tui.fixes.targets import TOOL_INLINE_POLICY
from s3repl_tui.setup import documents as docs
from s3repl_tui.setup.answers import NEW_KEY, ROLE_PATH, SetupAnswers
from s3repl_tui.setup.discover import AccountInfo, BucketInfo, KeyInfo, RoleInfo

SOURCE_KEY = SOURCE_KEY_ARN  # the placeholders init fills with the ARNs of keys it creates
REPLICA_KEY = REPLICA_KEY_ARN
FIX_ID = "init"


@dataclass(frozen=True)
class SetupState:
    """Everything read before planning."""

    source_side: AccountInfo
    dest_side: AccountInfo
    source: BucketInfo
    dest: BucketInfo
    role: RoleInfo
    source_key: KeyInfo | None = None  # the existing key picked for the source bucket
    replica_key: KeyInfo | None = None
    endpoint_url: str | None = None

    @property
    def cross_account(self) -> bool:
        return self.source_side.account != self.dest_side.account


def refuse_existing_replication(source: BucketInfo, flags: str = "") -> None:
    if source.replication is None:
        return
    rules = len(source.replication.get("Rules", []))
    raise UserError(
        f"Bucket {source.name} already has a replication configuration ({rules} rule(s)); init only sets up "
        "replication where there is none, and never replaces one.",
        hint=f"Diagnose it with `s3repl-tui check --source-bucket {source.name}{flags}` and repair it with "
        f"`s3repl-tui fix --source-bucket {source.name}{flags}`.",
        exit_code=EXIT_FAIL,
    )


def check_feasible(state: SetupState, answers: SetupAnswers) -> None:
    """What would make the setup fail however it is written: one sentence each (UserError)."""
    refuse_existing_replication(state.source)
    if not answers.kms:
        for bucket in (state.source, state.dest):
            if bucket.default_algorithm and bucket.default_algorithm.startswith("aws:kms"):
                raise UserError(
                    f"Bucket {bucket.name} encrypts new objects with SSE-KMS by default ({bucket.default_kms_key}), "
                    "so an SSE-S3 setup would leave its objects unreplicated or unwritable.",
                    hint="Choose --encryption sse-kms and pick that key (or another) for it.",
                )
    if state.source.object_lock and not state.dest.object_lock:
        raise UserError(
            f"Bucket {state.source.name} uses Object Lock but {state.dest.name} does not, so S3 would fail every "
            "object (DstBucketObjectLockConfigMissing).",
            hint="Pick a destination bucket created with Object Lock enabled.",
        )
    if state.role.exists and not state.role.arn.startswith(f"arn:aws:iam::{state.source_side.account}:"):
        raise UserError(f"Role {state.role.arn} is not in the source account.", hint="Pick another role name.")


@dataclass
class _Builder:
    state: SetupState
    answers: SetupAnswers

    def __post_init__(self) -> None:
        self.changes: list[Change] = []
        self.notes: list[str] = []

    @property
    def role_arn(self) -> str:
        return self.state.role.arn

    def add(
        self,
        layer: str,
        ref: DocumentRef,
        summary: str,
        before: Document | None,
        after: Document,
        *,
        notes: tuple[str, ...] = (),
        creates: str = "",
        sibling_inline_chars: int = 0,
        names_role: bool = False,
    ) -> None:
        if before is not None and same_meaning(before, after):
            return
        side = self.state.source_side if ref.account == self.state.source_side.account else self.state.dest_side
        self.changes.append(
            Change(
                id=f"{ref.kind}:{ref.resource}" + (f":{ref.policy_name}" if ref.policy_name else ""),
                fix_ids=(FIX_ID,),
                layer=layer,
                ref=ref,
                summary=summary,
                before=before,
                after=after,
                profile=side.profile,
                endpoint_url=self.state.endpoint_url,
                sibling_inline_chars=sibling_inline_chars,
                notes=notes,
                creates=creates,
                new_principal=names_role and not self.state.role.exists,
            )
        )

    def bucket_ref(self, kind: DocumentKind, bucket: BucketInfo) -> DocumentRef:
        return DocumentRef(kind, bucket.account, bucket.region, bucket.arn, bucket.name)

    # One method per kind of document, in the order they are applied ------------------------------

    def versioning(self, bucket: BucketInfo) -> None:
        if bucket.versioning == "Enabled":
            return
        before = {"Status": bucket.versioning} if bucket.versioning else {}
        note = "S3 cannot return a bucket to never-versioned: undo leaves it Enabled." if not before else ""
        self.add(
            "versioning",
            self.bucket_ref("bucket-versioning", bucket),
            f"enable versioning on {bucket.name}",
            before,
            {"Status": "Enabled"},
            notes=(note,) if note else (),
        )

    def role(self) -> None:
        role, src, dst = self.state.role, self.answers.source_bucket, self.answers.dest_bucket
        account, region = self.state.source_side.account, self.state.source.region
        if not role.exists:
            ref = DocumentRef("role", account, region, role.arn, role.name)
            self.add(
                "service-role",
                ref,
                f"create the replication role {role.name}, which only S3 may assume",
                None,
                docs.role_document(role.name, ROLE_PATH, src, dst),
            )
            return
        if _trusts_s3(role.trust):
            return
        ref = DocumentRef("role-trust", account, region, role.arn, role.name)
        self.add(
            "service-role",
            ref,
            "let s3.amazonaws.com assume the role",
            role.trust,
            add_grant(role.trust, docs.trust_policy()["Statement"][0]),
        )

    def key(self, which: str) -> str | None:
        """Create or grant one key; returns how later documents name it (ARN or placeholder)."""
        answers, state = self.answers, self.state
        source = which == "source"
        choice = answers.source_key if source else answers.replica_key
        if not choice:
            return None
        bucket = state.source if source else state.dest
        grant = (docs.source_key_grant if source else docs.replica_key_grant)(
            self.role_arn, bucket.name, bucket.region, answers.bucket_key
        )
        if choice == NEW_KEY:
            placeholder = SOURCE_KEY_ARN if source else REPLICA_KEY_ARN
            words = "source" if source else "replica"
            description = f"S3 replication {words} key for {bucket.name} (s3repl-tui init)"
            ref = DocumentRef("kms-key", bucket.account, bucket.region, token(placeholder), token(placeholder))
            self.add(
                "key-policy",
                ref,
                f"create a customer managed key in account {bucket.account} ({bucket.region}) for {bucket.name}, "
                f"usable by the replication role only through S3 on {bucket.name}",
                None,
                docs.new_key_document(bucket.account, description, [grant]),
                creates=placeholder,
                names_role=True,
                notes=(
                    "undo schedules the key's deletion (7 days, the minimum); encrypt nothing else with it "
                    "before you are sure.",
                ),
            )
            return token(placeholder)
        key = state.source_key if source else state.replica_key
        assert key is not None and key.arn == choice
        if not source and state.source_key is not None and state.source_key.arn == key.arn:
            return key.arn  # one key for both buckets: its policy change was planned with the source's
        before = key.policy
        after = add_grant(before, grant)
        if source and answers.replica_key == key.arn:  # the same key encrypts the replicas too
            after = add_grant(
                after, docs.replica_key_grant(self.role_arn, state.dest.name, state.dest.region, answers.bucket_key)
            )
        ref = DocumentRef("key-policy", key.account, key.region, key.arn, key.arn)
        self.add(
            "key-policy",
            ref,
            f"let the replication role use {key.arn} through S3 on {bucket.name}",
            before,
            after,
            names_role=True,
        )
        return key.arn

    def encryption(self, bucket: BucketInfo, key: str | None) -> None:
        if key is None:
            return
        after = docs.encryption_document(key, self.answers.bucket_key)
        if bucket.encryption is not None and _same_default(bucket.encryption, key, self.answers.bucket_key):
            return
        words = "with" if self.answers.bucket_key else "without"
        self.add(
            "key-policy",
            self.bucket_ref("bucket-encryption", bucket),
            f"encrypt new objects in {bucket.name} with SSE-KMS by default ({words} an S3 Bucket Key)",
            bucket.encryption,
            after,
        )

    def role_policy(self, source_key: str | None, replica_key: str | None) -> None:
        state, role = self.state, self.state.role
        items = docs.role_grants(
            self.answers,
            source_region=state.source.region,
            dest_region=state.dest.region,
            source_key=source_key,
            replica_key=replica_key,
            source_object_lock=state.source.object_lock,
        )
        owned = [name for name, doc in role.inline.items() if any(is_tool_statement(s) for s in statements(doc))]
        policy_name = owned[0] if owned else TOOL_INLINE_POLICY
        before = role.inline.get(policy_name)
        after = before
        for item in items:
            after = add_grant(after, item)
        assert after is not None
        others = sum(iam_chars(doc) for name, doc in role.inline.items() if name != policy_name)
        ref = DocumentRef(
            "role-inline-policy", state.source_side.account, state.source.region, role.arn, role.name, policy_name
        )
        kms = (
            " and the KMS keys (kms:ViaService and encryption context limited to the two buckets)"
            if (source_key or replica_key)
            else ""
        )
        self.add(
            "service-role",
            ref,
            f"allow the role exactly what replication needs on the two buckets{kms}",
            before,
            after,
            sibling_inline_chars=others,
        )

    def destination_policy(self) -> None:
        if not self.state.cross_account:
            return
        dest = self.state.dest
        grant = docs.destination_policy_grant(self.role_arn, dest.name, self.answers.ownership == "override")
        verb = "create" if dest.policy is None else "amend"
        self.add(
            "destination-policy",
            self.bucket_ref("bucket-policy", dest),
            f"{verb} the bucket policy of {dest.name}: the role may write replicas",
            dest.policy,
            add_grant(dest.policy, grant),
            names_role=True,
        )

    def ownership(self) -> None:
        dest = self.state.dest
        if self.answers.ownership != "enforced" or dest.object_ownership == "BucketOwnerEnforced":
            return
        self.add(
            "rule",
            self.bucket_ref("ownership-controls", dest),
            f"make the owner of {dest.name} own every object (BucketOwnerEnforced: ACLs off, no owner override needed)",
            dest.ownership,
            docs.OWNER_ENFORCED,
            notes=("S3 refuses BucketOwnerEnforced while the bucket's ACL grants access to others.",),
        )

    def replication(self, replica_key: str | None) -> None:
        source = self.state.source
        after = docs.replication_document(self.answers, self.role_arn, self.state.dest_side.account, replica_key)
        self.add(
            "rule",
            self.bucket_ref("replication", source),
            f"replicate every new object of {source.name} to {self.answers.dest_bucket}",
            None,
            after,
        )


def _trusts_s3(trust: Document | None) -> bool:
    for statement in statements(trust):
        if statement.get("Effect") != "Allow" or statement.get("Condition"):
            continue
        principal = statement.get("Principal")
        services = principal.get("Service") if isinstance(principal, dict) else None
        services = services if isinstance(services, list) else [services]
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if "s3.amazonaws.com" in services and any(str(a).lower() in ("sts:assumerole", "sts:*", "*") for a in actions):
            return True
    return False


def _same_default(encryption: Document, key: str, bucket_key: bool) -> bool:
    for rule in encryption.get("Rules", []):
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm") == "aws:kms" and default.get("KMSMasterKeyID") == key:
            return bool(rule.get("BucketKeyEnabled")) == bucket_key
    return False


def plan_setup(state: SetupState, answers: SetupAnswers) -> Plan:
    """The one plan that sets replication up from ``state`` as ``answers`` say."""
    check_feasible(state, answers)
    build = _Builder(state, answers)
    build.versioning(state.source)
    build.versioning(state.dest)
    build.role()
    source_key = build.key("source")
    replica_key = build.key("replica")
    build.encryption(state.source, source_key)
    build.encryption(state.dest, replica_key)
    build.role_policy(source_key, replica_key)
    build.destination_policy()
    build.ownership()
    build.replication(replica_key)
    return Plan(tuple(build.changes), (), tuple(_notes(state, answers)), source_bucket=state.source.name)


def _notes(state: SetupState, answers: SetupAnswers) -> list[str]:
    notes: list[str] = []
    if answers.metrics:
        notes.append(
            "Replication metrics are on, so S3 emits failure events (s3:Replication:OperationFailedReplication), "
            f"but only to a subscription: add an event notification on {state.source.name} (SNS, SQS, Lambda or "
            "EventBridge) for s3:Replication:* events; init does not create one."
        )
    if answers.rtc:
        notes.append(
            "Replication Time Control replicates 99.99% of new objects within 15 minutes and costs extra per GB."
        )
    if answers.replica_sync:
        notes.append(
            "Replica modification sync only matters when replicas are changed and replicated back "
            f"(two-way replication); set up {state.dest.name} -> {state.source.name} to use it fully."
        )
    if state.source.has_objects:
        notes.append(
            f"Objects already in {state.source.name} are not replicated by a new rule; copy them with "
            f"`s3repl-tui retry --source-bucket {state.source.name}` (S3 Batch Replication)."
        )
    if answers.ownership == "override" and not state.cross_account:
        notes.append("Owner override changes nothing when both buckets belong to the same account.")
    return notes
