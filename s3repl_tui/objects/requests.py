"""The requests S3 makes to replicate one object, judged with the policy engine.

We reuse the checks' model of replication requests (``checks.requests``) on a view of the snapshot as
S3 sees it for this object: only the rules that apply to it, and the object's own encryption (its KMS
key and its Bucket Key setting, which decides whether the KMS encryption context is the object ARN or
the bucket ARN) in place of the bucket's default. The checks' stand-in object key under each rule's
prefix is then replaced with the object's real key, in resources and encryption contexts alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from s3repl_tui.checks import facts as check_facts
from s3repl_tui.checks.access import Access, Judgement, assess
from s3repl_tui.checks.requests import ReplicationRequest, build_requests, trust_request
from s3repl_tui.objects.facts import ObjectFacts
from s3repl_tui.objects.rules import RuleMatch
from s3repl_tui.policy import Request
from s3repl_tui.probes.snapshot import Document, KeySnapshot, Read, Snapshot

Decision = Literal["allow", "deny", "unknown"]
Blame = Literal["identity", "resource", "both", ""]
_ALGORITHMS = {"SSE-S3": "AES256", "SSE-KMS": "aws:kms", "DSSE-KMS": "aws:kms:dsse"}


@dataclass(frozen=True)
class JudgedRequest:
    item: ReplicationRequest
    decision: Decision
    blame: Blame  # which side denies (for a deny)
    explanation: str
    unreadable: tuple[tuple[str, str], ...] = ()  # (what could not be read, command to read it)

    @property
    def layer(self) -> str:
        """The report layer a person fixes this request in."""
        target = self.item.target
        if target == "trust":
            return "service-role"
        if target == "kms":
            return "key-policy" if self.blame == "resource" else "role-kms"
        if self.blame == "resource":
            return "source-policy" if target == "source" else "destination-policy"
        return "service-role"


def _object_encryption(facts: ObjectFacts) -> Read[Document]:
    """The object's encryption written as a bucket default, so the checks' requests use it."""
    algorithm = _ALGORITHMS.get(facts.encryption)
    if algorithm is None:  # unencrypted or SSE-C: no KMS request, no encryption header to match
        return Read.ok({"Rules": []})
    default: dict[str, Any] = {"SSEAlgorithm": algorithm}
    if facts.kms_key_id:
        default["KMSMasterKeyID"] = facts.kms_key_id
    return Read.ok({"Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": facts.bucket_key}]})


def object_view(
    snapshot: Snapshot, facts: ObjectFacts, rules: tuple[RuleMatch, ...], extra_keys: Mapping[str, KeySnapshot]
) -> Snapshot:
    """``snapshot`` as S3 sees it when it replicates this one object."""
    configuration = dict(snapshot.replication or {})
    configuration["Rules"] = [match.rule.raw for match in rules if match.applies]
    source = replace(
        snapshot.source, encryption=_object_encryption(facts), replication=Read.ok(configuration)
    )
    return replace(snapshot, source=source, keys={**snapshot.keys, **extra_keys})


def _specialise(value: Any, suffixes: tuple[str, ...], key: str) -> Any:
    if isinstance(value, str):
        for suffix in suffixes:
            if value.endswith(suffix):
                return value[: -len(suffix)] + "/" + key
    return value


def object_requests(view: Snapshot, key: str) -> tuple[ReplicationRequest, ...]:
    """Every request S3 makes for this object: the trust, then the checks' requests with its real key."""
    suffixes = tuple(f"/{rule.object_key}" for rule in check_facts.rule_facts(view.replication))
    made: dict[tuple[object, ...], ReplicationRequest] = {}
    role = check_facts.role_ref(view)
    items = ([trust_request(role)] if role is not None else []) + list(build_requests(view))
    for item in items:
        request = item.request
        context = {name: _specialise(value, suffixes, key) for name, value in request.context.items()}
        specific = replace(
            item,
            request=Request(request.principal, request.action, _specialise(request.resource, suffixes, key), context),
        )
        identity = (specific.target, specific.action, specific.request.resource, specific.key_ref)
        made.setdefault(identity, specific)  # several rules' requests become one for one object
    return tuple(made.values())


def _certain_deny(judgement: Judgement | None) -> bool:
    return judgement is not None and judgement.certain_deny


def _blame(access: Access, judgement: Judgement) -> Blame:
    result = judgement.result
    if result.decision == "explicit-deny":
        policy = result.denying[0].policy if result.denying else ""
        resource_side = policy.startswith(("bucket-policy:", "key-policy:", "trust-policy:", "resource"))
        return "resource" if resource_side else "identity"
    identity = bool({"identity", "boundary"} & set(result.missing))
    resource = "resource" in result.missing
    if identity and resource:
        return "both"
    return "resource" if resource else "identity"


def judge(access: Access) -> JudgedRequest:
    """One request's decision, from both sides together when both could be read, else from a side that
    alone decides (a resource policy that denies; the role's policies across accounts)."""
    item = access.item
    unreadable = tuple(
        # The probe's command names the owner's profile and region; the checks' is a bare fallback.
        (missing.what, (missing.read.error.command if missing.read.error else "") or missing.command)
        for side in (access.identity, access.resource)
        for missing in side.unreadable
    )
    if item.target == "trust":
        decisive = access.resource.judgement
        if decisive is None:
            return JudgedRequest(item, "unknown", "", "the trust policy could not be read", unreadable)
        if decisive.allowed:
            return JudgedRequest(item, "allow", "", decisive.result.reason)
        return JudgedRequest(item, "deny" if decisive.certain_deny else "unknown", "resource", decisive.result.reason)
    combined = access.combined
    if combined is not None:
        if combined.allowed:
            return JudgedRequest(item, "allow", "", combined.result.reason)
        decision: Decision = "deny" if combined.certain_deny else "unknown"
        return JudgedRequest(item, decision, _blame(access, combined), combined.result.reason)
    resource, identity = access.resource.judgement, access.identity.judgement
    if _certain_deny(resource) and resource is not None:
        return JudgedRequest(item, "deny", "resource", resource.result.reason, unreadable)
    role_account = check_facts.arn_account(item.request.principal)
    across = item.resource_account is not None and item.resource_account != role_account
    if identity is not None and _certain_deny(identity) and (across or identity.result.decision == "explicit-deny"):
        return JudgedRequest(item, "deny", "identity", identity.result.reason, unreadable)
    skipped = access.resource.skipped or access.identity.skipped
    why = skipped or "; ".join(what for what, _ in unreadable) or "the policies could not all be read"
    return JudgedRequest(item, "unknown", "", f"not judged: {why}", unreadable)


def judge_object(view: Snapshot, key: str) -> tuple[JudgedRequest, ...]:
    return tuple(judge(access) for access in assess(view, object_requests(view, key)))
