"""A fix plan as infrastructure code: Terraform (AWS provider v5) or CloudFormation templates.

A fix applied by hand is overwritten at the next ``terraform apply``; these exports say what to put into
the code instead. Every change becomes the block to add (or merge), for the account and region it
belongs to: one ``provider "aws"`` alias per account and region (``source``, ``destination``), one
CloudFormation template per account and region. A policy document is always the whole merged
document (``Change.after``): every statement of the owner is kept, the ones the fix adds are marked.

Terraform, resources and arguments of the AWS provider v5 (checked against the schema of 5.100.0):
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_versioning
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_policy
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role_policy
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key_policy
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_replication_configuration
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document
  (``&{...}`` in that data source becomes ``${...}``; a literal ``${`` is written ``$${`` in any HCL
  string, ``%{`` as ``%%{``.)
CloudFormation (JSON templates, so no YAML dependency; CloudFormation reads JSON and YAML alike):
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucketpolicy.html
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-rolepolicy.html
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-replicationrule.html
  (``Id`` not ``ID``, ``TagFilter``/``TagFilters`` not ``Tag``/``Tags``; no ExistingObjectReplication.)
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-serversideencryptionrule.html
  (``ServerSideEncryptionByDefault``, not the API's ``ApplyServerSideEncryptionByDefault``; cfn-lint's
  schema agrees, and the tests run it.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from s3repl_tui.errors import EXIT_USAGE, UserError
from s3repl_tui.fixes.jsondoc import Document, is_policy, statements
from s3repl_tui.fixes.model import Change, Plan
from s3repl_tui.fixes.placeholders import TOKEN

IAC_FORMATS = ("terraform", "cloudformation")
_SOURCE_SIDE_KINDS = frozenset({"replication", "role", "role-trust", "role-inline-policy"})
_BUCKET_KINDS = frozenset(
    {"bucket-versioning", "replication", "bucket-encryption", "ownership-controls", "bucket-notification"}
)
TOOL_SID = re.compile(r"^S3ReplTui")


class ExportUnsupported(UserError):
    """The plan holds something the chosen format cannot say: one sentence, exit 2, nothing printed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint="Export it with --export json or --export cli instead.", exit_code=EXIT_USAGE)


# Accounts and regions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a group of changes is applied: one account in one region (IAM: the source's region)."""

    side: str  # "source", "destination" or "account" (a plan that does not say)
    account: str
    region: str
    profile: str | None
    alias: str  # Terraform provider alias; also names the CloudFormation template


def _source_account(plan: Plan) -> str | None:
    for change in plan.changes:
        kind = change.ref.kind
        if kind in _SOURCE_SIDE_KINDS or (
            kind in _BUCKET_KINDS | {"bucket-policy"} and change.ref.name == plan.source_bucket
        ):
            return change.account
    return None


def targets(plan: Plan) -> dict[tuple[str, str], Target]:
    """One target per (account, region) of the plan's changes, in the order they first appear."""
    source = _source_account(plan)
    seen: dict[tuple[str, str], str | None] = {}
    for change in plan.changes:
        seen.setdefault((change.account, change.region), change.profile)
    sides = {key: ("source" if key[0] == source else "destination" if source else "account") for key in seen}
    result: dict[tuple[str, str], Target] = {}
    for key, profile in seen.items():
        side = sides[key]
        same_side = [other for other in seen if sides[other] == side]
        alias = side
        if side == "account":
            alias = f"account_{key[0]}"
        if len(same_side) > 1 and same_side[0] != key:
            alias = f"{alias}_{key[1].replace('-', '_')}"
        result[key] = Target(side, key[0], key[1], profile, alias)
    rank = {"source": 0, "destination": 1, "account": 2}
    return dict(sorted(result.items(), key=lambda item: rank[item[1].side]))  # stable: first seen first


def _identifier(text: str, taken: set[str]) -> str:
    """A Terraform name / CloudFormation logical id made of ``text``, unique among ``taken``."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_") or "x"
    if not re.match(r"[A-Za-z_]", base):
        base = f"r_{base}"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    taken.add(name)
    return name


def _tool_statement(statement: dict[str, Any]) -> bool:
    return isinstance(statement.get("Sid"), str) and bool(TOOL_SID.match(statement["Sid"]))


def _added_statements(change: Change) -> set[str]:
    """JSON of every statement of ``after`` that ``before`` does not hold as is: what the fix adds."""
    before = {json.dumps(s, sort_keys=True) for s in statements(change.before)}
    return {json.dumps(s, sort_keys=True) for s in statements(change.after)} - before


# Terraform ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """An HCL expression written as is (a reference such as ``data.aws_iam_policy_document.x.json``)."""

    text: str


@dataclass
class Block:
    """``type "label" ... { body }`` with attributes, nested blocks and comment lines, in order."""

    head: str
    items: list[tuple[str, Any]] = field(default_factory=list)  # ("attr", (name, value)) | ("block", Block) | ...

    def attr(self, name: str, value: Any) -> Block:
        self.items.append(("attr", (name, value)))
        return self

    def block(self, child: Block) -> Block:
        self.items.append(("block", child))
        return self

    def comment(self, text: str) -> Block:
        self.items.append(("comment", text))
        return self

    def heredoc(self, name: str, text: str) -> Block:
        self.items.append(("heredoc", (name, text)))
        return self


def _hcl_literal(text: str) -> str:
    """Escapes for a quoted HCL template: backslash escapes, and ``${`` / ``%{`` doubled so Terraform
    reads them as text (an owner's ``${aws:username}`` stays a policy variable for AWS)."""
    out: list[str] = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out).replace("${", "$${").replace("%{", "%%{")


def _heredoc_literal(text: str) -> str:
    """Heredocs take no backslash escapes, only the template sequences."""
    return text.replace("${", "$${").replace("%{", "%%{")


class Hcl:
    """Writes values and blocks as ``terraform fmt`` would leave them; placeholders become references."""

    def __init__(self, references: dict[str, str]) -> None:
        self.references = references  # placeholder name -> HCL expression ("aws_kms_key.source_key.arn")

    def _pieces(self, text: str, literal: Callable[[str], str]) -> str:
        pieces: list[str] = []
        last = 0
        for match in TOKEN.finditer(text):
            name = match.group(1)
            if name not in self.references:
                raise ExportUnsupported(f"The plan uses ${{{name}}}, but no change of it creates that key.")
            pieces.append(literal(text[last : match.start()]))
            pieces.append("${" + self.references[name] + "}")
            last = match.end()
        pieces.append(literal(text[last:]))
        return "".join(pieces)

    def string(self, text: str) -> str:
        match = TOKEN.fullmatch(text)
        if match and match.group(1) in self.references:
            return self.references[match.group(1)]
        return '"' + self._pieces(text, _hcl_literal) + '"'

    def value(self, value: Any) -> str:
        if isinstance(value, Raw):
            return value.text
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return json.dumps(value)
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, list):
            return "[" + ", ".join(self.value(item) for item in value) + "]"
        if isinstance(value, dict):
            if not value:
                return "{}"
            return "{ " + ", ".join(f"{self.string(str(k))} = {self.value(v)}" for k, v in value.items()) + " }"
        raise ExportUnsupported(f"The value {value!r} has no Terraform form.")

    def render(self, block: Block, indent: int = 0) -> list[str]:
        pad = "  " * indent
        if not block.items:
            return [f"{pad}{block.head} {{}}"]
        lines = [f"{pad}{block.head} {{"]
        group: list[tuple[str, str]] = []

        def flush() -> None:
            width = max((len(name) for name, _ in group), default=0)
            lines.extend(f"{pad}  {name.ljust(width)} = {text}" for name, text in group)
            group.clear()

        previous = ""
        for kind, item in block.items:
            if kind == "attr":
                name, value = item
                group.append((name, self.value(value)))
            else:
                flush()
                if kind == "block":
                    if previous and previous != "comment":
                        lines.append("")
                    lines.extend(self.render(item, indent + 1))
                elif kind == "comment":
                    if previous and previous != "comment":
                        lines.append("")
                    lines.append(f"{pad}  # {item}")
                else:
                    name, text = item
                    lines.append(f"{pad}  {name} = <<EOT")
                    lines.extend(self._pieces(line, _heredoc_literal) for line in text.splitlines())
                    lines.append("EOT")
            previous = kind
        flush()
        lines.append(f"{pad}}}")
        return lines


_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"}
)


def _strings(value: Any) -> list[str] | None:
    """A string or a non-empty list of strings, as a list; None when it is anything else."""
    items = value if isinstance(value, list) else [value]
    return list(items) if items and all(isinstance(i, str) for i in items) else None


def _expressible(document: Document) -> bool:
    """Whether ``data "aws_iam_policy_document"`` renders exactly this policy: a known Version (the data
    source writes 2012-10-17 when none is given), string values only, no ``&{`` (the data source would
    turn it into ``${``), no Sid twice and no element it does not know."""
    if set(document) - {"Version", "Id", "Statement"} or document.get("Version") not in ("2012-10-17", "2008-10-17"):
        return False
    if not isinstance(document.get("Statement"), list) or not document["Statement"]:
        return False
    if "&{" in json.dumps(document, ensure_ascii=False):
        return False
    if "Id" in document and not isinstance(document["Id"], str):
        return False
    sids = [st.get("Sid") for st in document["Statement"] if isinstance(st, dict) and "Sid" in st]
    if len(sids) != len(set(map(str, sids))):
        return False  # the data source refuses a Sid twice; the policy is still written as planned
    for statement in document["Statement"]:
        if not isinstance(statement, dict) or set(statement) - _STATEMENT_KEYS:
            return False
        if statement.get("Effect") not in ("Allow", "Deny") or statement.get("Sid", "x") in ("", None):
            return False
        if "Sid" in statement and not isinstance(statement["Sid"], str):
            return False
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if key in statement and _strings(statement[key]) is None:
                return False
        for key in ("Principal", "NotPrincipal"):
            principal = statement.get(key)
            if key in statement and principal != "*":
                if not isinstance(principal, dict) or not principal:
                    return False
                if any(_strings(values) is None for values in principal.values()):
                    return False
        if "Condition" in statement:
            condition = statement["Condition"]
            if not isinstance(condition, dict) or not condition:
                return False
            for tests in condition.values():
                if not isinstance(tests, dict) or not tests:
                    return False
                if any(_strings(values) is None for values in tests.values()):
                    return False
    return True


def _statement_block(statement: dict[str, Any]) -> Block:
    block = Block("statement")
    if "Sid" in statement:
        block.attr("sid", statement["Sid"])
    block.attr("effect", statement["Effect"])
    names = {"Action": "actions", "NotAction": "not_actions", "Resource": "resources", "NotResource": "not_resources"}
    for key, name in names.items():
        if key in statement:
            block.attr(name, _strings(statement[key]))
    for key, name in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        if key not in statement:
            continue
        principal = statement[key]
        # "Principal": "*" is type "*"; {"AWS": "*"} is type "AWS" (the data source's own note).
        pairs = [("*", ["*"])] if principal == "*" else [(kind, _strings(v) or []) for kind, v in principal.items()]
        for kind, identifiers in pairs:
            block.block(Block(name).attr("type", kind).attr("identifiers", identifiers))
    for operator, tests in statement.get("Condition", {}).items():
        for variable, values in tests.items():
            block.block(
                Block("condition").attr("test", operator).attr("variable", variable).attr("values", _strings(values))
            )
    return block


@dataclass
class TerraformOut:
    hcl: Hcl
    taken: set[str] = field(default_factory=set)
    blocks: list[tuple[list[str], Block]] = field(default_factory=list)  # (comment lines, block)


def _policy_value(out: TerraformOut, change: Change, document: Document, name: str, comments: list[str]) -> Raw | None:
    """The policy as ``data "aws_iam_policy_document"`` (returns its reference), or None: then the caller
    writes it as a heredoc, exactly as planned."""
    if not _expressible(document):
        return None
    added = _added_statements(change) if change.before is not None else set()
    data = Block(f'data "aws_iam_policy_document" "{name}"')
    data.attr("version", document["Version"])
    if "Id" in document:
        data.attr("policy_id", document["Id"])
    for statement in document["Statement"]:
        if change.before is None:
            words = "s3repl-tui adds this statement" if _tool_statement(statement) else "planned statement"
        elif json.dumps(statement, sort_keys=True) in added:
            words = "s3repl-tui adds or changes this statement: merge it into your document"
        else:
            words = "kept as the owner wrote it"
        data.comment(words)
        data.block(_statement_block(statement))
    out.blocks.append((comments, data))
    return Raw(f"data.aws_iam_policy_document.{name}.json")


def _set_policy(out: TerraformOut, block: Block, attribute: str, change: Change, document: Document, name: str) -> None:
    reference = _policy_value(out, change, document, name, [f"The whole {change.ref.label} after the fix."])
    if reference is not None:
        block.attr(attribute, reference)
    else:
        block.comment("the whole document, exactly as planned (the policy-document data source cannot say it)")
        block.heredoc(attribute, json.dumps(document, indent=2, ensure_ascii=False))


# The S3 replication configuration as the API names it -> the resource's blocks and arguments (the
# Terraform export writes with it; check --terraform-plan reads planned values back through it).
_STATUS = {"Status": ("status", None)}
REPLICATION_RULE_FIELDS: dict[str, tuple[str, Any]] = {
    "ID": ("id", None),
    "Priority": ("priority", None),
    "Prefix": ("prefix", None),
    "Status": ("status", None),
    "Filter": (
        "filter",
        {
            "Prefix": ("prefix", None),
            "Tag": ("tag", {"Key": ("key", None), "Value": ("value", None)}),
            "And": ("and", {"Prefix": ("prefix", None), "Tags": ("tags", "tag-map")}),
        },
    ),
    "SourceSelectionCriteria": (
        "source_selection_criteria",
        {
            "SseKmsEncryptedObjects": ("sse_kms_encrypted_objects", _STATUS),
            "ReplicaModifications": ("replica_modifications", _STATUS),
        },
    ),
    "ExistingObjectReplication": ("existing_object_replication", _STATUS),
    "DeleteMarkerReplication": ("delete_marker_replication", _STATUS),
    "Destination": (
        "destination",
        {
            "Bucket": ("bucket", None),
            "Account": ("account", None),
            "StorageClass": ("storage_class", None),
            "AccessControlTranslation": ("access_control_translation", {"Owner": ("owner", None)}),
            "EncryptionConfiguration": ("encryption_configuration", {"ReplicaKmsKeyID": ("replica_kms_key_id", None)}),
            "ReplicationTime": (
                "replication_time",
                {"Status": ("status", None), "Time": ("time", {"Minutes": ("minutes", None)})},
            ),
            "Metrics": (
                "metrics",
                {"Status": ("status", None), "EventThreshold": ("event_threshold", {"Minutes": ("minutes", None)})},
            ),
        },
    ),
}


def _fill(block: Block, value: dict[str, Any], spec: dict[str, tuple[str, Any]], where: str) -> Block:
    for key, item in value.items():
        if key not in spec:
            raise ExportUnsupported(
                f"The replication configuration has {where}{key}, which the Terraform export cannot express."
            )
        name, inner = spec[key]
        if inner is None:
            block.attr(name, item)
        elif inner == "tag-map":
            block.attr(name, {str(tag["Key"]): str(tag["Value"]) for tag in item})
        else:
            block.block(_fill(Block(name), item, inner, f"{where}{key}."))
    return block


def _replication_block(change: Change, bucket: str, provider: str) -> Block:
    config = change.after
    if set(config) - {"Role", "Rules"}:
        extra = sorted(set(config) - {"Role", "Rules"})[0]
        raise ExportUnsupported(
            f"The replication configuration has {extra}, which the Terraform export cannot express."
        )
    block = Block(f'resource "aws_s3_bucket_replication_configuration" "{bucket}"')
    block.attr("provider", Raw(f"aws.{provider}")).attr("bucket", change.ref.name).attr("role", config["Role"])
    for rule in config.get("Rules", []):
        block.block(_fill(Block("rule"), rule, REPLICATION_RULE_FIELDS, "Rules[]."))
    return block


def _only_eventbridge(label: str, after: Document) -> None:
    """The exports write EventBridge delivery; other subscriptions the owner has stay theirs to keep."""
    others = sorted(key for key, value in after.items() if key != "EventBridgeConfiguration" and value)
    if others:
        raise ExportUnsupported(
            f"The {label} also holds {', '.join(others)}, which this export does not write; "
            "add EventBridge delivery to the resource that manages them instead."
        )


def _notification_block(label: str, name: str, provider: Raw, bucket: str, after: Document) -> Block:
    # registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_notification
    _only_eventbridge(label, after)
    block = Block(f'resource "aws_s3_bucket_notification" "{name}"').attr("provider", provider)
    return block.attr("bucket", bucket).attr("eventbridge", True)


def _terraform_change(out: TerraformOut, change: Change, target: Target, created_roles: dict[str, str]) -> None:
    ref, after = change.ref, change.after
    name = _identifier(
        f"{ref.name if ref.kind != 'key-policy' else 'key_' + ref.name.rsplit('/', 1)[-1]}_{ref.kind}", out.taken
    )
    if ref.kind == "kms-key":
        name = change.creates.lower().removesuffix("_arn") if change.creates else name
    provider = Raw(f"aws.{target.alias}")
    comments = [f"{change.summary} [{change.layer}]", f"{change.api} on {change.resource}"]
    comments += [f"note: {note}" for note in change.notes]
    if ref.kind == "bucket-versioning":
        block = (
            Block(f'resource "aws_s3_bucket_versioning" "{name}"').attr("provider", provider).attr("bucket", ref.name)
        )
        block.block(Block("versioning_configuration").attr("status", after["Status"]))
    elif ref.kind == "bucket-policy":
        block = Block(f'resource "aws_s3_bucket_policy" "{name}"').attr("provider", provider).attr("bucket", ref.name)
        _set_policy(out, block, "policy", change, after, name)
        comments.append("aws_s3_bucket_policy replaces the whole policy: this is the merged document.")
    elif ref.kind == "key-policy":
        block = Block(f'resource "aws_kms_key_policy" "{name}"').attr("provider", provider).attr("key_id", ref.name)
        _set_policy(out, block, "policy", change, after, name)
        comments.append("aws_kms_key_policy replaces the whole key policy (or set policy of your aws_kms_key to it).")
    elif ref.kind == "role-inline-policy":
        block = Block(f'resource "aws_iam_role_policy" "{name}"').attr("provider", provider)
        block.attr("name", ref.policy_name)
        role = created_roles.get(ref.name)
        block.attr("role", Raw(f"aws_iam_role.{role}.name") if role else ref.name)
        _set_policy(out, block, "policy", change, after, name)
    elif ref.kind == "role-trust":
        block = Block(f'resource "aws_iam_role" "{name}"').attr("provider", provider).attr("name", ref.name)
        _set_policy(out, block, "assume_role_policy", change, after, name)
        comments.append("Set assume_role_policy of the aws_iam_role that manages this role; its other arguments stay.")
    elif ref.kind == "role":
        block = Block(f'resource "aws_iam_role" "{name}"').attr("provider", provider)
        block.attr("name", after["RoleName"]).attr("path", after.get("Path", "/"))
        if after.get("Description"):
            block.attr("description", after["Description"])
        _set_policy(out, block, "assume_role_policy", change, after["AssumeRolePolicyDocument"], f"{name}_trust")
        created_roles[ref.name] = name
    elif ref.kind == "kms-key":
        block = Block(f'resource "aws_kms_key" "{name}"').attr("provider", provider)
        block.attr("description", after.get("Description", ""))
        block.attr("key_usage", after.get("KeyUsage", "ENCRYPT_DECRYPT"))
        block.attr("customer_master_key_spec", after.get("KeySpec", "SYMMETRIC_DEFAULT"))
        _set_policy(out, block, "policy", change, after["Policy"], f"{name}_policy")
    elif ref.kind == "replication":
        block = _replication_block(change, name, target.alias)
        comments.append("aws_s3_bucket_replication_configuration replaces the whole configuration: every rule is here.")
    elif ref.kind == "bucket-encryption":
        block = Block(f'resource "aws_s3_bucket_server_side_encryption_configuration" "{name}"')
        block.attr("provider", provider).attr("bucket", ref.name)
        for rule in after.get("Rules", []):
            default = rule.get("ApplyServerSideEncryptionByDefault", {})
            inner = Block("apply_server_side_encryption_by_default").attr("sse_algorithm", default["SSEAlgorithm"])
            if "KMSMasterKeyID" in default:
                inner.attr("kms_master_key_id", default["KMSMasterKeyID"])
            rule_block = Block("rule")
            if "BucketKeyEnabled" in rule:
                rule_block.attr("bucket_key_enabled", bool(rule["BucketKeyEnabled"]))
            block.block(rule_block.block(inner))
    elif ref.kind == "ownership-controls":
        block = (
            Block(f'resource "aws_s3_bucket_ownership_controls" "{name}"')
            .attr("provider", provider)
            .attr("bucket", ref.name)
        )
        for rule in after.get("Rules", []):
            block.block(Block("rule").attr("object_ownership", rule["ObjectOwnership"]))
    elif ref.kind == "bucket-notification":
        block = _notification_block(ref.label, name, provider, ref.name, after)
        comments.append("aws_s3_bucket_notification replaces the whole notification configuration.")
    else:
        raise ExportUnsupported(f"A change of the {ref.label} has no Terraform form.")
    out.blocks.append((comments, block))


def _provider_block(target: Target) -> Block:
    block = Block('provider "aws"').attr("alias", target.alias).attr("region", target.region)
    if target.profile:
        block.attr("profile", target.profile)
    block.attr("allowed_account_ids", [target.account])
    return block


def _comment_lines(lines: Iterable[str]) -> list[str]:
    return [f"# {line}".rstrip() for text in lines for line in text.splitlines()]


def as_terraform(plan: Plan, title: str, preamble: tuple[str, ...]) -> str:
    where = targets(plan)
    references = {
        change.creates: f"aws_kms_key.{change.creates.lower().removesuffix('_arn')}.arn"
        for change in plan.changes
        if change.ref.kind == "kms-key" and change.creates
    }
    out = TerraformOut(Hcl(references), taken=set())
    created_roles: dict[str, str] = {}  # role name -> name of its aws_iam_role resource
    for change in plan.changes:
        _terraform_change(out, change, where[(change.account, change.region)], created_roles)
    lines = _comment_lines(
        [
            f"{title}: Terraform (AWS provider v5). Put these blocks into your configuration.",
            "Each resource replaces the whole document it manages, so every document here is the merged one:",
            "the owner's statements are kept, the ones the fix adds are marked.",
            *preamble,
            *[f"note: {note}" for note in plan.notes],
        ]
    )
    lines.append("")
    for target in where.values():
        profile = f", profile {target.profile}" if target.profile else ""
        side = "" if target.side == "account" else f"{target.side} "
        lines.append(f"# {side}account {target.account}, region {target.region}{profile}")
        lines.extend(out.hcl.render(_provider_block(target)))
        lines.append("")
    number = 0
    for comments, block in out.blocks:
        if block.head.startswith("resource"):
            number += 1
            comments = [f"{number}. {comments[0]}", *comments[1:]] if comments else comments
        lines.extend(_comment_lines(comments))
        lines.extend(out.hcl.render(block))
        lines.append("")
    if plan.manual:
        lines.append("# Not automatic — a person must do these:")
        for finding in plan.manual:
            steps = (finding.fix.manual_steps or finding.fix.summary) if finding.fix else ""
            lines.extend(_comment_lines([f"- {finding.message}", *[f"    {s}" for s in steps.splitlines()]]))
    return "\n".join(lines).rstrip() + "\n"


# CloudFormation -----------------------------------------------------------------------------------

_CFN_RULE_RENAMES = {"ID": "Id"}
_CFN_FILTER_RENAMES = {"Tag": "TagFilter"}
_CFN_AND_RENAMES = {"Tags": "TagFilters"}


def _cfn_replication(config: Document) -> Document:
    rules = []
    for rule in config.get("Rules", []):
        if "ExistingObjectReplication" in rule:
            raise ExportUnsupported(
                "CloudFormation cannot express ExistingObjectReplication of a replication rule "
                "(AWS::S3::Bucket ReplicationRule has no such property)."
            )
        converted = {_CFN_RULE_RENAMES.get(key, key): value for key, value in rule.items()}
        if isinstance(rule.get("Filter"), dict):
            flt = {_CFN_FILTER_RENAMES.get(key, key): value for key, value in rule["Filter"].items()}
            if isinstance(flt.get("And"), dict):
                flt["And"] = {_CFN_AND_RENAMES.get(key, key): value for key, value in flt["And"].items()}
            converted["Filter"] = flt
        rules.append(converted)
    extra = set(config) - {"Role", "Rules"}
    if extra:
        raise ExportUnsupported(f"CloudFormation cannot express {sorted(extra)[0]} of a replication configuration.")
    return {"Role": config["Role"], "Rules": rules}


def _logical_id(text: str, taken: set[str]) -> str:
    base = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part) or "Resource"
    if not base[0].isalpha():
        base = f"R{base}"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}{number}", number + 1
    taken.add(name)
    return name


@dataclass
class Template:
    target: Target
    resources: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    buckets: dict[str, str] = field(default_factory=dict)  # bucket name -> logical id of its AWS::S3::Bucket
    taken: set[str] = field(default_factory=set)


def _logical_key(creates: str) -> str:
    return "".join(part.capitalize() for part in creates.lower().removesuffix("_arn").split("_"))


def _cfn_value(value: Any, template: Template, creators: dict[str, Target]) -> Any:
    """``value`` with every placeholder of a created key as ``Fn::GetAtt`` (same template) or a
    parameter (the key is created in another account's template: pass its output in)."""
    if isinstance(value, dict):
        return {key: _cfn_value(item, template, creators) for key, item in value.items()}
    if isinstance(value, list):
        return [_cfn_value(item, template, creators) for item in value]
    if not isinstance(value, str) or not TOKEN.search(value):
        return value
    parts: list[Any] = []
    last = 0
    for match in TOKEN.finditer(value):
        name = match.group(1)
        logical = _logical_key(name)
        if name not in creators:
            raise ExportUnsupported(f"The plan uses ${{{name}}}, but no change of it creates that key.")
        if creators[name] == template.target:
            reference: Any = {"Fn::GetAtt": [logical, "Arn"]}
        else:
            parameter = f"{logical}Arn"
            creator = creators[name]
            template.parameters[parameter] = {
                "Type": "String",
                "Description": f"Output {parameter} of the template for account {creator.account} ({creator.region})",
            }
            reference = {"Ref": parameter}
        if match.start() > last:
            parts.append(value[last : match.start()])
        parts.append(reference)
        last = match.end()
    if last < len(value):
        parts.append(value[last:])
    return parts[0] if len(parts) == 1 else {"Fn::Join": ["", parts]}


def _cfn_bucket(template: Template, bucket: str) -> dict[str, Any]:
    if bucket not in template.buckets:
        logical = _logical_id(f"{bucket} bucket", template.taken)
        template.buckets[bucket] = logical
        template.resources[logical] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}}
        template.notes.append(
            f"{logical}: merge these properties into the AWS::S3::Bucket of {bucket} (a bucket CloudFormation "
            "does not manage yet must be imported into the stack, not created)."
        )
    properties: dict[str, Any] = template.resources[template.buckets[bucket]]["Properties"]
    return properties


def _cfn_change(template: Template, change: Change, creators: dict[str, Target]) -> None:
    ref, after = change.ref, change.after
    taken = template.taken
    what = f"{change.summary} ({change.api} on {change.resource})"
    if ref.kind in _BUCKET_KINDS:
        properties = _cfn_bucket(template, ref.name)
        if ref.kind == "bucket-versioning":
            properties["VersioningConfiguration"] = {"Status": after["Status"]}
        elif ref.kind == "replication":
            properties["ReplicationConfiguration"] = _cfn_replication(after)
        elif ref.kind == "bucket-encryption":
            # CloudFormation names it ServerSideEncryptionByDefault (the API: ApplyServerSideEncryptionByDefault).
            rules = [
                {
                    ("ServerSideEncryptionByDefault" if k == "ApplyServerSideEncryptionByDefault" else k): v
                    for k, v in r.items()
                }
                for r in after.get("Rules", [])
            ]
            properties["BucketEncryption"] = {"ServerSideEncryptionConfiguration": rules}
        elif ref.kind == "bucket-notification":
            _only_eventbridge(ref.label, after)
            properties["NotificationConfiguration"] = {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
        else:
            properties["OwnershipControls"] = {"Rules": after.get("Rules", [])}
        template.notes.append(f"{template.buckets[ref.name]}: {what}.")
        return
    if ref.kind == "bucket-policy":
        logical = _logical_id(f"{ref.name} bucket policy", taken)
        resource: dict[str, Any] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": ref.name, "PolicyDocument": after},
        }
    elif ref.kind == "key-policy":
        logical = _logical_id(f"key {ref.name.rsplit('/', 1)[-1]}", taken)
        resource = {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": after}}
        what += "; merge KeyPolicy into the AWS::KMS::Key that manages this key (alone, this would create a new key)"
    elif ref.kind == "kms-key":
        logical = _logical_key(change.creates) if change.creates else _logical_id("new key", taken)
        taken.add(logical)
        properties = {
            "Description": after.get("Description", ""),
            "KeySpec": after.get("KeySpec", "SYMMETRIC_DEFAULT"),
            "KeyUsage": after.get("KeyUsage", "ENCRYPT_DECRYPT"),
            "KeyPolicy": after["Policy"],
        }
        resource = {"Type": "AWS::KMS::Key", "Properties": properties}
        if change.creates:
            template.outputs[f"{logical}Arn"] = {"Value": {"Fn::GetAtt": [logical, "Arn"]}}
    elif ref.kind == "role-inline-policy":
        logical = _logical_id(f"{ref.name} {ref.policy_name}", taken)
        properties = {"PolicyName": ref.policy_name, "RoleName": ref.name, "PolicyDocument": after}
        resource = {"Type": "AWS::IAM::RolePolicy", "Properties": properties}
    elif ref.kind == "role-trust":
        logical = _logical_id(f"{ref.name} role", taken)
        resource = {"Type": "AWS::IAM::Role", "Properties": {"RoleName": ref.name, "AssumeRolePolicyDocument": after}}
        what += "; merge AssumeRolePolicyDocument into the AWS::IAM::Role that manages this role"
    elif ref.kind == "role":
        logical = _logical_id(f"{after['RoleName']} role", taken)
        properties = {
            "RoleName": after["RoleName"],
            "Path": after.get("Path", "/"),
            "AssumeRolePolicyDocument": after["AssumeRolePolicyDocument"],
        }
        if after.get("Description"):
            properties["Description"] = after["Description"]
        resource = {"Type": "AWS::IAM::Role", "Properties": properties}
    else:
        raise ExportUnsupported(f"A change of the {ref.label} has no CloudFormation form.")
    template.resources[logical] = resource
    template.notes.append(f"{logical}: {what}.")


def as_cloudformation(plan: Plan, title: str, preamble: tuple[str, ...]) -> str:
    where = targets(plan)
    templates = {key: Template(target) for key, target in where.items()}
    creators = {c.creates: where[(c.account, c.region)] for c in plan.changes if c.ref.kind == "kms-key" and c.creates}
    for change in plan.changes:
        _cfn_change(templates[(change.account, change.region)], change, creators)
    body: dict[str, Any] = {
        "title": f"{title}: CloudFormation, one template per account and region",
        "notes": [
            "Each property replaces the whole document it holds (bucket policy, key policy, role policy, "
            "replication configuration): every document here is the merged one, owner's statements included.",
            *preamble,
            *plan.notes,
        ],
        "templates": [],
        "manual": [f.message + (f" — {f.fix.manual_steps or f.fix.summary}" if f.fix else "") for f in plan.manual],
    }
    for template in templates.values():
        target = template.target
        rendered: dict[str, Any] = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"s3repl-tui fix for the {target.side} account {target.account} in {target.region}"[:1024],
            "Metadata": {"s3repl-tui": {"account": target.account, "region": target.region, "changes": template.notes}},
        }
        resources = {k: _cfn_value(v, template, creators) for k, v in template.resources.items()}
        if template.parameters:  # filled while the placeholders above were resolved
            rendered["Parameters"] = template.parameters
        rendered["Resources"] = resources
        if template.outputs:
            rendered["Outputs"] = template.outputs
        body["templates"].append(
            {
                "side": target.side,
                "account": target.account,
                "region": target.region,
                "profile": target.profile,
                "template": rendered,
            }
        )
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def policy_documents(change: Change) -> list[Document]:
    """The policy documents a change writes (for callers and tests)."""
    after = change.after
    if change.ref.kind == "kms-key":
        return [after["Policy"]]
    if change.ref.kind == "role":
        return [after["AssumeRolePolicyDocument"]]
    return [after] if is_policy(after) else []
