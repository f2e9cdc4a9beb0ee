"""No cached decision outlives its documents: two setups that differ in one document only, judged in
turn with the caches warm (decisions, document and call memos, the normalised rules), each get the
report judged with every cache off -- and the two reports differ.

Some changes keep every pattern and condition key (only the documents' text tells the setups apart);
others deny one rule of many by its resource or its encryption context alone, so a request class (or a
merge of requests) that dropped the resource or the context would hand that rule another rule's allow."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from checks_helpers import Seed

from s3repl_tui.checks import decisions, judge

RULES = 20


def _many_rules(seed: Seed) -> None:
    rule = seed.rule
    seed.documents["replication"]["Rules"] = [
        {**copy.deepcopy(rule), "ID": f"rule-{n}", "Priority": n, "Filter": {"Prefix": f"p{n}/"}}
        for n in range(RULES)
    ]


def _deny(document: dict[str, Any], action: str, principal: Any = None) -> None:
    statement: dict[str, Any] = {"Sid": "StaleCheck", "Effect": "Deny", "Action": action, "Resource": "*"}
    if principal is not None:
        statement["Principal"] = principal
    document["Statement"].append(statement)


def _disable_last_rule(seed: Seed) -> None:
    seed.documents["replication"]["Rules"][-1]["Status"] = "Disabled"


def _other_principal(seed: Seed) -> None:
    """Same statements, patterns and condition keys: only the documents' text tells the setups apart."""
    seed.documents["dest_policy"]["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::123456789012:role/other"}


# One rule of many denied: its requests differ from the others' only in the resource, or in the context.
LAST = RULES - 1


def _deny_last_rule_objects(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"].append({
        "Sid": "StaleCheck", "Effect": "Deny", "Principal": "*", "Action": "s3:ReplicateObject",
        "Resource": f"arn:aws:s3:::{seed.setup.dest_bucket}/p{LAST}/*"})


def _deny_last_rule_encryption_context(seed: Seed) -> None:
    seed.documents["replica_key_policy"]["Statement"].append({
        "Sid": "StaleCheck", "Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
        "Condition": {"StringLike": {
            "kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{seed.setup.dest_bucket}/p{LAST}/*"}}})


CHANGES: dict[str, Callable[[Seed], None]] = {
    "destination bucket policy denies ReplicateObject":
        lambda seed: _deny(seed.documents["dest_policy"], "s3:ReplicateObject", "*"),
    "replica key policy denies Encrypt":
        lambda seed: _deny(seed.documents["replica_key_policy"], "kms:Encrypt", "*"),
    "source key policy denies Decrypt":
        lambda seed: _deny(seed.documents["source_key_policy"], "kms:Decrypt", "*"),
    "trust policy denies AssumeRole":
        lambda seed: _deny(seed.documents["trust"], "sts:AssumeRole", {"Service": "s3.amazonaws.com"}),
    "inline policy denies every KMS call": lambda seed: _deny(seed.documents["inline"], "kms:*"),
    "managed policy denies reading source objects":
        lambda seed: _deny(seed.documents["managed"], "s3:GetObjectVersionForReplication"),
    "one rule of the configuration disabled": _disable_last_rule,
    "destination bucket policy names another role": _other_principal,
    "destination bucket policy denies one rule's prefix": _deny_last_rule_objects,
    "replica key policy denies one rule's encryption context": _deny_last_rule_encryption_context,
}


def _report(seed: Seed) -> dict[str, Any]:
    report = judge(seed.build()).to_json()
    report.pop("calls", None)
    return report


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_setups_judged_in_turn_never_get_each_others_decisions(monkeypatch: pytest.MonkeyPatch,
                                                                change: str) -> None:
    before, after = Seed(), Seed()
    _many_rules(before)
    _many_rules(after)
    CHANGES[change](after)
    monkeypatch.setattr(decisions, "ENABLED", False)
    expected = {"before": _report(before), "after": _report(after)}
    monkeypatch.setattr(decisions, "ENABLED", True)
    decisions.clear()
    assert expected["before"] != expected["after"], "the change must change the report"

    for name in ("before", "after", "before", "after"):  # each judgement finds the other's answers cached
        assert _report(before if name == "before" else after) == expected[name], name
