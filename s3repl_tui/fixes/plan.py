"""From findings to a plan: one change per document, in the order replication needs the layers.

Each automatic fix id maps to a planner that names the document it edits and how. Edits of the same
document (say the role's inline policy, from the service-role and the role-kms layers) are folded
into one change, applied one after the other to the document as read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from s3repl_tui.checks import statements as shared
from s3repl_tui.checks.model import LAYERS, Finding, FixHint, Report
from s3repl_tui.fixes import grants, rules
from s3repl_tui.fixes.facts import Facts
from s3repl_tui.fixes.jsondoc import Document, same_meaning, statements
from s3repl_tui.fixes.merge import add_grant
from s3repl_tui.fixes.model import Change, DocumentRef, Plan
from s3repl_tui.fixes.targets import Targets, Unplannable
from s3repl_tui.probes.snapshot import Snapshot

Transform = Callable[[Document | None], Document]


@dataclass(frozen=True)
class Edit:
    ref: DocumentRef
    before: Document | None
    transform: Transform
    summary: str
    sibling_inline_chars: int = 0
    note: str = ""


Planner = Callable[[Targets, FixHint], list[Edit]]


def _param(hint: FixHint, *names: str) -> Any:
    for name in names:
        value = hint.params.get(name)
        if value not in (None, ""):
            return value
    return None


def _grant_all(items: list[grants.Grant]) -> Transform:
    def transform(document: Document | None) -> Document:
        result = document
        for grant in items:
            result = add_grant(result, grant)
        return result if result is not None else {}

    return transform


def _statements(targets: Targets, hint: FixHint, params: Mapping[str, Any] | None = None) -> list[grants.Grant]:
    """What the fix adds, from the code that built what its finding shows (``checks.statements``)."""
    try:
        return grants.fix_statements(targets.facts, hint.id, hint.params if params is None else params)
    except grants.MissingFact as missing:
        raise Unplannable(f"{missing} is not known") from missing


# One planner per fix id (checks/fixes.py documents the ids and their params) -----------------------


def _enable_versioning(targets: Targets, hint: FixHint) -> list[Edit]:
    name = str(_param(hint, "bucket") or targets.facts.source.name)
    ref, before = targets.versioning(name)
    note = "" if before else "S3 cannot return a bucket to never-versioned: undo leaves it Enabled."
    return [Edit(ref, before, lambda _d: {"Status": "Enabled"}, f"enable versioning on {name}", note=note)]


def _trust(targets: Targets, hint: FixHint) -> list[Edit]:
    ref, before = targets.role_trust()
    return [Edit(ref, before, _grant_all(_statements(targets, hint)), "let s3.amazonaws.com assume the role")]


def _role_inline(targets: Targets, items: list[grants.Grant], summary: str) -> list[Edit]:
    ref, before, others = targets.role_inline()
    return [Edit(ref, before, _grant_all(items), summary, sibling_inline_chars=others)]


def _role_s3(targets: Targets, hint: FixHint) -> list[Edit]:
    items = _statements(targets, hint)
    names = ", ".join(dict.fromkeys(action for item in items for action in item["Action"]))
    return _role_inline(targets, items, f"allow the role {names}")


def _role_kms(targets: Targets, hint: FixHint) -> list[Edit]:
    items = _statements(targets, hint)
    key_arn = items[0]["Resource"][0]
    bucket = _key_bucket(targets, hint)
    names = ", ".join(items[0]["Action"])
    return _role_inline(targets, items, f"allow the role {names} on {key_arn} for {bucket}")


def _key_bucket(targets: Targets, hint: FixHint) -> str:
    try:
        return shared.key_bucket(targets.facts, hint.params)[1]
    except grants.MissingFact as missing:
        raise Unplannable(f"{missing} is not known") from missing


def _key_policy(targets: Targets, hint: FixHint) -> list[Edit]:
    items = _statements(targets, hint)
    key_arn = str(_param(hint, "key_arn"))
    ref, before = targets.key_policy(key_arn)
    names = ", ".join(items[0]["Action"])
    bucket = _key_bucket(targets, hint)
    return [Edit(ref, before, _grant_all(items), f"let the replication role {names} with this key for {bucket}")]


def _without_unneeded_delete(targets: Targets, destination: str, actions: Any) -> Any:
    """s3:ReplicateDelete only replicates delete markers: without delete-marker replication it is more
    than the failing request needs, an opt-in (Plan.optional)."""
    if targets.include_optional or any(r.replicates_delete_markers for r in targets.facts.rules_to(destination)):
        return actions
    wanted = list(actions) if actions else ["s3:ReplicateObject", "s3:ReplicateDelete"]
    kept = [a for a in wanted if str(a).lower() != "s3:replicatedelete"]
    if len(kept) < len(wanted):
        targets.optional.append(
            f"{DELETE_GRANT}: also allow s3:ReplicateDelete on {destination} (only delete-marker replication, "
            "which is off, needs it)"
        )
    return kept


DELETE_GRANT = "grant-replicate-delete"


def _destination_policy(targets: Targets, hint: FixHint) -> list[Edit]:
    edits = []
    facts = targets.facts
    for destination in shared.fix_destinations(facts, hint.params):
        ref, before = targets.bucket_policy(destination)
        actions = _without_unneeded_delete(targets, destination, _param(hint, "actions"))
        if actions == []:
            continue
        items = _statements(targets, hint, {**hint.params, "bucket": destination, "actions": actions})
        verb = "create" if before is None else "amend"
        edits.append(Edit(ref, before, _grant_all(items), f"{verb} the bucket policy of {destination} for the role"))
    return edits


def _stale_principal(targets: Targets, hint: FixHint) -> list[Edit]:
    """The owner's statement names a deleted role by its unique id and matches no one. It is left as
    written; a copy naming the role by ARN restores what it meant to allow."""
    bucket = str(_param(hint, "bucket") or "")
    ref, before = targets.bucket_policy(bucket)
    stale, principal = _param(hint, "stale_principal"), _param(hint, "principal")
    index, sid = _param(hint, "index"), _param(hint, "sid")
    found = statements(before)
    if not isinstance(index, int) or not 0 <= index < len(found) or not stale or not principal:
        raise Unplannable("the statement with the stale principal is not where the finding says")
    statement = found[index]
    if (sid and statement.get("Sid") != sid) or stale not in json.dumps(statement.get("Principal")):
        raise Unplannable("the statement with the stale principal is not where the finding says")
    if statement.get("Effect") != "Allow":
        raise Unplannable("the stale principal is in a Deny, which the tool never edits")
    items = _statements(targets, hint, {**hint.params, "stale_statement": statement})
    return [Edit(ref, before, _grant_all(items), f"restate the statement that names {stale} for {principal}")]


def _rule_edit(summary: str, edit: Callable[[Targets, FixHint, Document | None], Document]) -> Planner:
    def planner(targets: Targets, hint: FixHint) -> list[Edit]:
        ref, before = targets.replication()
        rule_id = _param(hint, "rule_id")
        where = f" (rule {rule_id})" if rule_id else ""

        def transform(document: Document | None) -> Document:
            try:
                return edit(targets, hint, document)
            except rules.RuleNotFound as missing:
                raise Unplannable(str(missing)) from missing

        transform(before)  # an unknown rule fails while planning, not while folding
        return [Edit(ref, before, transform, summary + where)]

    return planner


def _sse_kms(targets: Targets, hint: FixHint, config: Document | None) -> Document:
    facts = targets.facts
    rule = facts.rule(_param(hint, "rule_id"))
    reference = _param(hint, "replica_kms_key_id")
    if reference is None and rule is not None and rule.destination_bucket:
        # The replica key is the one the destination bucket already encrypts with by default.
        bucket = facts.destination(rule.destination_bucket)
        reference = bucket.default_kms_key if bucket is not None else None
    key_arn = facts.key_arn(reference)
    if key_arn is None:
        raise Unplannable("the replica key (the destination bucket's default SSE-KMS key) is not known as an ARN")
    return rules.enable_sse_kms(config, _param(hint, "rule_id"), key_arn)


def _role_arn(targets: Targets, hint: FixHint, config: Document | None) -> Document:
    arn = _param(hint, "role_arn") or targets.facts.role_arn
    if not arn:
        raise Unplannable("the role's real ARN is not known")
    return rules.set_role(config, str(arn))


def _account(targets: Targets, hint: FixHint, config: Document | None) -> Document:
    account = _param(hint, "destination_account")
    rule = targets.facts.rule(_param(hint, "rule_id"))
    if account is None and rule is not None:
        bucket = targets.facts.destination(rule.destination_bucket)
        account = bucket.owner_account if bucket is not None else None
    if account is None:
        raise Unplannable("the account that owns the destination bucket is not known")
    return rules.set_destination_account(config, _param(hint, "rule_id"), str(account))


def _failure_events(targets: Targets, hint: FixHint) -> list[Edit]:
    ref, before = targets.notification()
    # PutBucketNotificationConfiguration replaces the whole configuration: every subscription is kept.
    return [Edit(ref, before, lambda current: {**(current or {}), "EventBridgeConfiguration": {}},
                 f"deliver the event notifications of {ref.name} to EventBridge")]


PLANNERS: dict[str, Planner] = {
    "enable-source-versioning": _enable_versioning,
    "enable-destination-versioning": _enable_versioning,
    "add-trust-s3-principal": _trust,
    "add-role-s3-permissions": _role_s3,
    "add-role-kms-permissions": _role_kms,
    "add-key-policy-statement": _key_policy,
    "amend-destination-bucket-policy": _destination_policy,
    "replace-stale-principal": _stale_principal,
    "rule-add-sse-kms-opt-in": _rule_edit(
        "replicate SSE-KMS objects, encrypting replicas with the replica key", _sse_kms
    ),
    "rule-enable": _rule_edit("enable the rule", lambda t, h, c: rules.enable_rule(c, _param(h, "rule_id"))),
    "rule-set-role-arn": _rule_edit("name the role by its exact ARN", _role_arn),
    "rule-set-destination-account": _rule_edit("set the destination account for the owner override", _account),
    "subscribe-failure-events-eventbridge": _failure_events,
    "rule-enable-metrics": _rule_edit(
        "enable replication metrics", lambda t, h, c: rules.enable_metrics(c, _param(h, "rule_id"))
    ),
}


# Fix ids that change behaviour rather than repair a failure: opt-in, never planned by default.
OPTIONAL_FIXES: dict[str, str] = {
    "rule-enable": "starts replicating the objects of a rule the owner disabled",
    "rule-enable-metrics": "replication metrics are billed as CloudWatch metrics",
    "subscribe-failure-events-eventbridge": "sends every event of the bucket to EventBridge, where rules you add "
    "match them (matched events are billed)",
}


def _layer_order(layer: str) -> int:
    order = [layer_id for layer_id, _ in LAYERS]
    return order.index(layer) if layer in order else len(order)


def _fixable(report: Report, layer_ids: Iterable[str] | None) -> list[tuple[str, Finding]]:
    wanted = set(layer_ids) if layer_ids else None
    return [
        (layer.id, finding)
        for layer in sorted(report.layers, key=lambda layer: _layer_order(layer.id))
        if wanted is None or layer.id in wanted
        for finding in layer.findings
        # Info findings are advice; unknown ones could not be judged, so there is nothing to fix yet.
        if finding.fix is not None and not finding.unknown and finding.severity in ("error", "warning")
    ]


@dataclass
class _Pending:
    ref: DocumentRef
    before: Document | None
    after: Document | None
    layer: str
    fix_ids: list[str]
    summaries: list[str]
    notes: list[str]
    sibling_inline_chars: int


def plan_fixes(
    snapshot: Snapshot, report: Report, layer_ids: Iterable[str] | None = None, *, include_optional: bool = False
) -> Plan:
    """The changes that fix every automatic finding (of ``layer_ids`` only, if given): failure fixes
    only, unless ``include_optional``; what was left out is listed in ``Plan.optional``."""
    targets = Targets(Facts(snapshot), include_optional)
    optional: list[str] = targets.optional
    pending: dict[str, _Pending] = {}
    manual: list[Finding] = []
    notes: list[str] = []
    for layer, finding in _fixable(report, layer_ids):
        hint = finding.fix
        assert hint is not None
        if hint.automatic and hint.id in OPTIONAL_FIXES and not include_optional:
            optional.append(f"{hint.id}: {hint.summary.rstrip('.')} ({OPTIONAL_FIXES[hint.id]})")
            continue
        planner = PLANNERS.get(hint.id) if hint.automatic else None
        if planner is None:
            if not any(_same_manual_fix(finding, listed) for listed in manual):
                manual.append(finding)
            if hint.automatic:
                notes.append(f"{hint.id}: this version cannot apply it automatically; {hint.summary}")
            continue
        try:
            for edit in planner(targets, hint):
                _fold(pending, edit, layer, hint.id)
        except Unplannable as why:
            manual.append(finding)
            notes.append(f"{hint.id}: not planned, {why}.")
    changes = []
    for key, item in pending.items():
        if item.after is None or (item.before is not None and same_meaning(item.before, item.after)):
            notes.append(f"{' '.join(item.fix_ids)}: the {item.ref.label} already allows it; nothing to change.")
            continue
        facts = targets.facts
        changes.append(
            Change(
                id=key,
                fix_ids=tuple(dict.fromkeys(item.fix_ids)),
                layer=item.layer,
                ref=item.ref,
                summary="; ".join(dict.fromkeys(item.summaries)),
                before=item.before,
                after=item.after,
                profile=facts.profile_for(item.ref.account),
                endpoint_url=snapshot.endpoint_url,
                sibling_inline_chars=item.sibling_inline_chars,
                notes=tuple(dict.fromkeys(n for n in item.notes if n)),
            )
        )
    changes.sort(key=lambda change: _layer_order(change.layer))  # stable: finding order within a layer
    optional_fixes = tuple(dict.fromkeys(optional))
    return Plan(tuple(changes), tuple(manual), tuple(notes), optional_fixes, source_bucket=snapshot.source_bucket)


def _same_manual_fix(finding: Finding, listed: Finding) -> bool:
    """Two layers that fail over one cause (a missing destination bucket: rule and versioning) ask a
    person for the same manual fix: list it once."""
    first, second = finding.fix, listed.fix
    return (first is not None and second is not None and not first.automatic and first.id == second.id
            and first.manual_steps == second.manual_steps and dict(first.params) == dict(second.params))


def _fold(pending: dict[str, _Pending], edit: Edit, layer: str, fix_id: str) -> None:
    key = f"{edit.ref.kind}:{edit.ref.resource}" + (f":{edit.ref.policy_name}" if edit.ref.policy_name else "")
    item = pending.get(key)
    if item is None:
        item = pending[key] = _Pending(edit.ref, edit.before, None, layer, [], [], [], edit.sibling_inline_chars)
    item.after = edit.transform(item.after if item.after is not None else item.before)
    item.fix_ids.append(fix_id)
    item.summaries.append(edit.summary)
    item.notes.append(edit.note)
    if _layer_order(layer) < _layer_order(item.layer):
        item.layer = layer
