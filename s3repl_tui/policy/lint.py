"""Finding mistakes in a policy document before (or instead of) asking AWS.

Every finding names the statement (index, Sid) it came from. Rules only report what can be shown
from the document alone: unknown actions (vendored catalog), malformed ARNs, unknown condition
operators, conditions that can never hold, stale unique-id principals, missing elements.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any, Literal

from .catalog import load_catalog
from .conditions import ConditionTest, parse_date, parse_number, suggest_operator
from .matching import Variable, parse_arn, tokenize, variable_names, wildcard_match
from .model import LintFinding, NamedPolicy, Severity
from .parse import KNOWN_STATEMENT_KEYS, VARIABLES_VERSION, ParsedStatement, load_document, parse_document
from .principals import ACCOUNT_ID, is_stale_unique_id

LintKind = Literal["identity", "boundary", "s3", "kms", "role-trust"]
_RESOURCE_POLICY_KINDS = ("s3", "kms", "role-trust")
_PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"})
# S3 resources that do carry a region and account in their ARN.
_S3_REGIONAL_PREFIXES = (
    "accesspoint/",
    "job/",
    "storage-lens/",
    "storagelensgroup/",
    "access-grants/",
    "async-request/",
)
# Keys AWS documents as single-valued: a set operator on them is a red flag
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
_SINGLE_VALUED_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOwner",
        "aws:SourceOrgID",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:PrincipalType",
        "aws:SecureTransport",
        "aws:SourceIp",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:userid",
        "aws:username",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:ViaAWSService",
        "aws:ResourceAccount",
        "kms:ViaService",
        "kms:CallerAccount",
        "kms:EncryptionContext:aws:s3:arn",
        "s3:x-amz-server-side-encryption",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:ResourceAccount",
    )
)


class _Report:
    def __init__(self, policy: str) -> None:
        self.policy = policy
        self.findings: list[LintFinding] = []

    def add(self, code: str, severity: Severity, message: str, statement: ParsedStatement | None = None) -> None:
        index = statement.index if statement is not None else None
        sid = statement.sid if statement is not None else None
        self.findings.append(LintFinding(code, severity, message, index, sid, self.policy))


def lint(document: object, kind: LintKind | None = None) -> list[LintFinding]:
    """Problems in ``document`` (a dict, JSON text or NamedPolicy).

    ``kind`` says where the document is used: "identity"/"boundary" (no Principal allowed) or a
    resource policy "s3"/"kms"/"role-trust" (Principal required). By default it is inferred from
    whether any statement has a Principal. Raises PolicyError only if it is not a JSON object.
    """
    label = document.name if isinstance(document, NamedPolicy) else "policy"
    raw = load_document(document)
    report = _Report(label)
    parsed = parse_document(raw)
    statements = parsed.statements
    if kind is None:
        kind = "s3" if any(statement.has_principal for statement in statements) else "identity"
    is_resource_policy = kind in _RESOURCE_POLICY_KINDS

    _lint_document(raw, report)
    sids = Counter(statement.sid for statement in statements if statement.sid is not None)
    for sid, count in sids.items():
        if count > 1:
            report.add("duplicate-sid", "warning", f'Sid "{sid}" is used by {count} statements; Sids must be unique.')
    for statement in statements:
        _lint_statement(statement, report, kind, is_resource_policy, parsed.variables)
    return report.findings


def _lint_document(raw: dict[str, Any], report: _Report) -> None:
    for key in raw:
        if key not in ("Version", "Statement", "Id"):
            report.add(
                "unknown-element",
                "error",
                f"Unknown top-level element {key!r} (expected Version, Id, Statement).",
            )
    version = raw.get("Version")
    if version is None:
        uses_variables = _contains_variable(raw.get("Statement"))
        report.add(
            "missing-version",
            "warning" if uses_variables else "info",
            'Version is missing, so AWS uses "2008-10-17", where policy variables like ${aws:username} are '
            'literal text; add "Version": "2012-10-17".',
        )
    elif version not in (VARIABLES_VERSION, "2008-10-17"):
        report.add("invalid-version", "error", f'Version {version!r} is not "2012-10-17" or "2008-10-17".')
    statement = raw.get("Statement")
    if statement is None:
        report.add("missing-statement", "error", "The policy has no Statement, so it allows and denies nothing.")
    elif not isinstance(statement, dict | list):
        report.add("invalid-statement", "error", "Statement must be an object or a list of objects.")


def _contains_variable(value: object, depth: int = 0) -> bool:
    """Does any string in a (possibly deeply nested) JSON value contain "${"?"""
    if isinstance(value, str):
        return "${" in value
    if depth > 20:  # policies are shallow; anything deeper is garbage we need not inspect
        return False
    if isinstance(value, dict):
        return any(_contains_variable(item, depth + 1) for item in value.values())
    if isinstance(value, list):
        return any(_contains_variable(item, depth + 1) for item in value)
    return False


def _lint_statement(
    statement: ParsedStatement, report: _Report, kind: str, is_resource_policy: bool, variables: bool
) -> None:
    raw = statement.raw
    if not raw:
        report.add("invalid-statement", "error", "The statement is not a JSON object.", statement)
        return
    for key in raw:
        if key not in KNOWN_STATEMENT_KEYS:
            report.add("unknown-element", "error", f"Unknown statement element {key!r}.", statement)
    if "Sid" in raw and not isinstance(raw["Sid"], str):
        report.add("invalid-sid", "error", "Sid must be a string.", statement)
    effect = raw.get("Effect")
    if effect is None:
        report.add("missing-effect", "error", "The statement has no Effect, so it never applies.", statement)
    elif effect not in ("Allow", "Deny"):
        report.add("invalid-effect", "error", f'Effect {effect!r} must be exactly "Allow" or "Deny".', statement)
    _lint_pairs(statement, report)
    _lint_actions(statement, report)
    _lint_resources(statement, report, kind)
    _lint_principal(statement, report, is_resource_policy)
    _lint_condition(statement, report, variables)


def _lint_pairs(statement: ParsedStatement, report: _Report) -> None:
    raw = statement.raw
    for positive, negative in (
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ):
        if positive in raw and negative in raw:
            report.add(
                f"{positive.lower()}-and-{negative.lower()}",
                "error",
                f"The statement has both {positive} and {negative}; AWS rejects it, so it never applies.",
                statement,
            )
    if "Action" not in raw and "NotAction" not in raw:
        report.add("missing-action", "error", "The statement has neither Action nor NotAction.", statement)


def _values(raw: object) -> list[object]:
    return raw if isinstance(raw, list) else [raw]


def _lint_actions(statement: ParsedStatement, report: _Report) -> None:
    raw = statement.raw
    element = "Action" if "Action" in raw else "NotAction"
    if element not in raw:
        return
    values = _values(raw[element])
    if not values:
        report.add("empty-action", "warning", f"{element} is an empty list.", statement)
    catalog = load_catalog()
    for value in values:
        if not isinstance(value, str):
            report.add(
                "invalid-action",
                "error",
                f"{element} values must be strings, not {type(value).__name__}.",
                statement,
            )
            continue
        action = value.strip()
        if action == "*":
            continue
        if ":" not in action:
            report.add(
                "action-without-service",
                "error",
                f'{element} {action!r} has no service prefix (write it as "service:Action").',
                statement,
            )
            continue
        if "*" in action or "?" in action:
            if catalog.pattern_matches_any(action) is False:
                report.add(
                    "unknown-action",
                    "error",
                    f"{element} pattern {action!r} matches no known action.",
                    statement,
                )
            continue
        known = catalog.is_known(action)
        if known is False:
            suggestion = catalog.suggest(action)
            hint = f" Did you mean {suggestion}?" if suggestion else ""
            report.add("unknown-action", "error", f"{element} {action!r} is not a known action.{hint}", statement)


def _arn_problem(value: str) -> str | None:
    """Why ``value`` is not a usable Resource ARN, or None."""
    if value == "*":
        return None
    arn = parse_arn(value)
    if arn is None:
        return 'is not an ARN (arn:partition:service:region:account:resource) or "*"'
    wild = ("*", "?", "${")
    if arn.partition not in _PARTITIONS and not any(w in arn.partition for w in wild):
        return f"has an unknown partition {arn.partition!r}"
    if arn.account and not ACCOUNT_ID.match(arn.account) and not any(w in arn.account for w in wild):
        return f"has an account field {arn.account!r} that is not a 12-digit account id"
    service = arn.service.lower()
    if service == "s3" and (arn.region or arn.account) and not arn.resource.startswith(_S3_REGIONAL_PREFIXES):
        return "is an S3 bucket/object ARN with a region or account (they look like arn:aws:s3:::bucket/key)"
    if (
        service == "kms"
        and not arn.resource.startswith(("key/", "alias/"))
        and not any(w in arn.resource for w in wild)
    ):
        return "is a KMS ARN whose resource is neither key/<id> nor alias/<name>"
    if service == "iam" and arn.region:
        return "is an IAM ARN with a region; IAM ARNs have an empty region field"
    return None


def _lint_resources(statement: ParsedStatement, report: _Report, kind: str) -> None:
    raw = statement.raw
    element = "Resource" if "Resource" in raw else "NotResource" if "NotResource" in raw else None
    if element is None:
        if kind in ("identity", "boundary", "s3"):
            report.add(
                "missing-resource",
                "error",
                "The statement has no Resource or NotResource, so it never applies.",
                statement,
            )
        return
    for value in _values(raw[element]):
        if not isinstance(value, str):
            report.add(
                "invalid-resource",
                "error",
                f"{element} values must be strings, not {type(value).__name__}.",
                statement,
            )
            continue
        problem = _arn_problem(value.strip())
        if problem:
            report.add("malformed-arn", "error", f"{element} {value!r} {problem}.", statement)
        head = value.split(":", 5)[:5]
        if any("${" in part for part in head) and len(value.split(":", 5)) == 6:
            report.add(
                "variable-outside-resource-part",
                "warning",
                f"{element} {value!r} uses a policy variable before the fifth colon; AWS only substitutes "
                "variables in the resource part of an ARN.",
                statement,
            )
    if kind == "kms" and raw.get(element) not in ("*", ["*"]):
        report.add(
            "kms-resource-not-star",
            "info",
            'In a key policy, "Resource": "*" means this key; other values are unusual.',
            statement,
        )


def _lint_principal(statement: ParsedStatement, report: _Report, is_resource_policy: bool) -> None:
    raw = statement.raw
    element = "Principal" if "Principal" in raw else "NotPrincipal" if "NotPrincipal" in raw else None
    if element is None:
        if is_resource_policy:
            report.add(
                "missing-principal",
                "error",
                "A resource policy statement needs a Principal or NotPrincipal.",
                statement,
            )
        return
    if not is_resource_policy:
        report.add(
            "principal-in-identity-policy",
            "error",
            f"Identity policies cannot have {element}; AWS rejects the statement.",
            statement,
        )
        return
    effect = raw.get("Effect")
    if element == "NotPrincipal":
        if effect == "Allow":
            report.add(
                "notprincipal-with-allow",
                "warning",
                "NotPrincipal with Allow grants everyone else, including anonymous users.",
                statement,
            )
        else:
            report.add(
                "notprincipal-with-deny",
                "warning",
                "NotPrincipal with Deny also denies any role or user that has a permissions boundary, and "
                'must list the session, role and account ARNs; prefer Principal "*" with ArnNotEquals on '
                "aws:PrincipalArn.",
                statement,
            )
    value = raw[element]
    if value == "*":
        if effect == "Allow" and element == "Principal" and not raw.get("Condition"):
            report.add(
                "public-allow",
                "warning",
                'Principal "*" with Allow and no Condition grants everyone.',
                statement,
            )
        return
    if not isinstance(value, dict) or not value:
        report.add(
            "invalid-principal",
            "error",
            f'{element} must be "*" or an object like {{"AWS": "<ARN>"}}.',
            statement,
        )
        return
    for principal_type, entries in value.items():
        if principal_type not in ("AWS", "Service", "Federated", "CanonicalUser"):
            report.add("invalid-principal", "error", f"Unknown principal type {principal_type!r}.", statement)
            continue
        for entry in _values(entries):
            if not isinstance(entry, str):
                report.add("invalid-principal", "error", f"{principal_type} principals must be strings.", statement)
            elif principal_type == "AWS":
                _lint_aws_principal(entry.strip(), statement, report)


def _lint_aws_principal(value: str, statement: ParsedStatement, report: _Report) -> None:
    if value == "*" or ACCOUNT_ID.match(value):
        return
    if is_stale_unique_id(value):
        report.add(
            "stale-principal",
            "error",
            f"Principal {value} is a unique id: AWS shows one when the role or user it named was deleted, "
            "and it matches no one, even a role re-created with the same name. Replace it with the ARN.",
            statement,
        )
        return
    arn = parse_arn(value)
    if arn is None or arn.service not in ("iam", "sts") or not (ACCOUNT_ID.match(arn.account)):
        report.add(
            "malformed-principal",
            "error",
            f'AWS principal {value!r} is not an account id, "*" or an IAM/STS ARN.',
            statement,
        )
        return
    if "*" in value or "?" in value:
        report.add(
            "wildcard-in-principal",
            "error",
            f"Principal {value!r} uses a wildcard; AWS does not match partial wildcards in Principal "
            '(use "*" with a Condition on aws:PrincipalArn).',
            statement,
        )


def _lint_condition(statement: ParsedStatement, report: _Report, variables: bool) -> None:
    condition = statement.condition
    for unknown in condition.unknown_operators:
        suggestion = suggest_operator(unknown)
        hint = f" Did you mean {suggestion}?" if suggestion else ""
        report.add(
            "unknown-condition-operator",
            "error",
            f"Condition operator {unknown!r} is unknown (operator names are case-sensitive), so the "
            f"statement never applies.{hint}",
            statement,
        )
    for problem in condition.problems:
        report.add("invalid-condition", "error", f"{problem}; the statement never applies.", statement)
    for test in condition.tests:
        operator = test.operator
        if operator.qualifier is not None and test.key in _SINGLE_VALUED_KEYS:
            report.add(
                "set-operator-on-single-valued-key",
                "warning",
                f"{operator.written} on single-valued key {test.key_as_written}: set operators are for "
                "multivalued keys and can make the statement broader than intended.",
                statement,
            )
        if operator.qualifier == "ForAllValues" and not operator.if_exists and statement.effect == "Allow":
            report.add(
                "forallvalues-allow",
                "warning",
                f"{operator.written} on {test.key_as_written} also matches when the key is absent from the request.",
                statement,
            )
        if not variables and any(variable_names(value) for value in test.values):
            report.add(
                "variables-without-version",
                "warning",
                f"{test.key_as_written} uses a policy variable, but without Version 2012-10-17 it is literal text.",
                statement,
            )
    for message in impossible_conditions(statement.condition.tests):
        report.add("impossible-condition", "warning", message, statement)


def _plain(test: ConditionTest) -> bool:
    """A test whose result on a present single value is a plain set/range check we can reason about."""
    operator = test.operator
    return operator.qualifier is None and not operator.if_exists


def _literal_values(test: ConditionTest) -> list[str] | None:
    values: list[str] = []
    for value in test.values:
        tokens = tokenize(value, True)
        texts: list[str] = []
        for token in tokens:
            if isinstance(token, Variable):
                return None
            texts.append(token.text)
        values.append("".join(texts))
    return values


def impossible_conditions(tests: tuple[ConditionTest, ...]) -> list[str]:
    """Combinations no single-valued request can satisfy (operators are ANDed)."""
    by_key: dict[str, list[ConditionTest]] = defaultdict(list)
    for test in tests:
        if _plain(test) or test.operator.base == "Null":
            by_key[test.key].append(test)
    messages: list[str] = []
    for key_tests in by_key.values():
        name = key_tests[0].key_as_written
        messages.extend(_impossible_strings(name, key_tests))
        messages.extend(_impossible_null(name, key_tests))
        messages.extend(_impossible_bool(name, key_tests))
        for family, parse in (("numeric", parse_number), ("date", parse_date)):
            message = _impossible_range(name, [t for t in key_tests if t.operator.info.family == family], parse)
            if message:
                messages.append(message)
    return messages


def _impossible_strings(name: str, tests: list[ConditionTest]) -> list[str]:
    messages: list[str] = []
    equals = [(t, _literal_values(t)) for t in tests if t.operator.base in ("StringEquals", "StringEqualsIgnoreCase")]
    for i, (first, first_values) in enumerate(equals):
        for second, second_values in equals[i + 1 :]:
            if first_values is None or second_values is None:
                continue
            fold = "IgnoreCase" in first.operator.base or "IgnoreCase" in second.operator.base
            a = {v.casefold() if fold else v for v in first_values}
            b = {v.casefold() if fold else v for v in second_values}
            if not a & b:
                messages.append(
                    f"{first.operator.written} and {second.operator.written} require {name} to equal "
                    f"{sorted(first_values)} and {sorted(second_values)} at once, which no single-valued request can."
                )
    negatives = [t for t in tests if t.operator.base in ("StringNotEquals", "StringNotLike")]
    for positive, values in equals:
        if values is None or "IgnoreCase" in positive.operator.base:
            continue
        for negative in negatives:
            excluded = _literal_values(negative)
            if excluded is None:
                continue
            glob = negative.operator.base == "StringNotLike"
            if all(any(wildcard_match(p, v) if glob else p == v for p in excluded) for v in values):
                messages.append(
                    f"{positive.operator.written} allows only values of {name} that "
                    f"{negative.operator.written} rules out, so the condition never holds."
                )
    return messages


def _impossible_null(name: str, tests: list[ConditionTest]) -> list[str]:
    must_be_absent = any(t.operator.base == "Null" and all(flag for flag in t.null_expects_absent) for t in tests)
    if not must_be_absent:
        return []
    needs_value = [t for t in tests if t.operator.base != "Null" and not t.operator.info.negated]
    return [
        f"Null requires {name} to be absent, but {t.operator.written} fails when it is absent." for t in needs_value
    ]


def _impossible_bool(name: str, tests: list[ConditionTest]) -> list[str]:
    wanted = [{v.lower() for v in t.values} for t in tests if t.operator.base == "Bool"]
    if len(wanted) > 1 and not set.intersection(*wanted):
        return [f"Bool conditions require {name} to be both true and false."]
    return []


def _impossible_range(name: str, tests: list[ConditionTest], parse: Callable[[str], float | None]) -> str | None:
    if not tests:
        return None
    low, low_strict = -math.inf, False
    high, high_strict = math.inf, False
    equal_sets: list[set[float]] = []
    for test in tests:
        numbers = [n for n in (parse(v) for v in test.values) if n is not None]
        if not numbers or test.operator.info.negated:
            continue
        comparison = test.operator.info.comparison
        if comparison in ("gt", "ge"):
            bound = min(numbers)  # ORed values: the loosest bound
            if bound > low or (bound == low and comparison == "gt"):
                low, low_strict = bound, comparison == "gt"
        elif comparison in ("lt", "le"):
            bound = max(numbers)
            if bound < high or (bound == high and comparison == "lt"):
                high, high_strict = bound, comparison == "lt"
        else:
            equal_sets.append(set(numbers))

    def inside(value: float) -> bool:
        above = value > low if low_strict else value >= low
        below = value < high if high_strict else value <= high
        return above and below

    empty_range = low > high or (low == high and (low_strict or high_strict))
    if equal_sets:
        candidates = set.intersection(*equal_sets)
        if not any(inside(value) for value in candidates):
            return f"The {tests[0].operator.info.family} conditions on {name} admit no value."
        return None
    if empty_range:
        return f"The {tests[0].operator.info.family} conditions on {name} admit no value."
    return None
