"""Requests of one class share a decision (checks/decisions.py), and a shared decision is always the one a
cold evaluation gives.

Every ``judge_request`` call of a judgement is checked against the same call judged afresh (the cache's
own answer, rebound to the request's resource, must equal it field by field, reason included), over
setups built to tell rules apart: prefix-specific Allows and Denies, NotResource, conditions on the
object's encryption context, policy variables, prefixes that contain wildcards or each other, doubtful
keys, and a statement that quotes the resource it is judged for (its reason cannot be rebound)."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from checks_helpers import ACCOUNT_A, DST, REPLICA_KEY, ROLE_ARN, Seed, encryption

from s3repl_tui.checks import access, decisions, judge

DEST_ARN = f"arn:aws:s3:::{DST}"
Mutation = Callable[[Seed], None]


def _rules(seed: Seed, prefixes: list[str]) -> None:
    rule = seed.rule
    seed.documents["replication"]["Rules"] = [
        {**copy.deepcopy(rule), "ID": f"rule-{n}", "Priority": n, "Filter": {"Prefix": prefix}}
        for n, prefix in enumerate(prefixes)
    ]


def _dest_statement(statement: dict[str, Any]) -> Mutation:
    return lambda seed: seed.documents["dest_policy"]["Statement"].append(statement)


def _role_statement(statement: dict[str, Any]) -> Mutation:
    return lambda seed: seed.documents["inline"]["Statement"].append(statement)


def _replica_key_statement(statement: dict[str, Any]) -> Mutation:
    return lambda seed: seed.documents["replica_key_policy"]["Statement"].append(statement)


def _only_prefix_allowed(seed: Seed) -> None:
    """The role may write replicas under p1/ only: its managed policy's object statement is narrowed."""
    for statement in seed.documents["managed"]["Statement"]:
        resources = statement.get("Resource")
        if isinstance(resources, list) and any(str(r).startswith(DEST_ARN + "/") for r in resources):
            statement["Resource"] = [f"{DEST_ARN}/p1/*"]
        elif isinstance(resources, str) and resources.startswith(DEST_ARN + "/"):
            statement["Resource"] = f"{DEST_ARN}/p1/*"


def _tagged_role(seed: Seed) -> None:
    seed.role_tags = [{"Key": "team", "Value": "p2"}]


MUTATIONS: dict[str, Mutation] = {
    "deny one prefix": _dest_statement({"Sid": "FreezeP3", "Effect": "Deny", "Principal": "*",
                                        "Action": "s3:ReplicateObject", "Resource": f"{DEST_ARN}/p3/*"}),
    "deny all but one prefix (NotResource)": _dest_statement({
        "Sid": "OnlyP0", "Effect": "Deny", "Principal": "*", "Action": "s3:Replicate*",
        "NotResource": [DEST_ARN, f"{DEST_ARN}/p0/*"]}),
    "role allows one prefix": _only_prefix_allowed,
    "a wildcard prefix pattern": _dest_statement({"Sid": "Star", "Effect": "Deny", "Principal": "*",
                                                  "Action": "s3:ReplicateTags", "Resource": f"{DEST_ARN}/p?/*"}),
    "encryption context on one prefix": _replica_key_statement({
        "Sid": "NoP2", "Effect": "Deny", "Principal": {"AWS": ROLE_ARN}, "Action": "kms:*", "Resource": "*",
        "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"{DEST_ARN}/p2/*"}}}),
    "policy variable in a Resource": _role_statement({
        "Sid": "ByTeam", "Effect": "Deny", "Action": "s3:ReplicateObject",
        "Resource": f"{DEST_ARN}/${{aws:PrincipalTag/team}}/*"}),
    "tagged role": _tagged_role,
    "doubtful key on one prefix": _dest_statement({
        "Sid": "Vpce", "Effect": "Deny", "Principal": "*", "Action": "s3:ReplicateDelete",
        "Resource": f"{DEST_ARN}/p1/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}),
    "doubtful allow": _dest_statement({
        "Sid": "OrgOnly", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"},
        "Action": "s3:ReplicateObject", "Resource": f"{DEST_ARN}/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}}),
    "a Sid that quotes the resource": _dest_statement({
        "Sid": f"{DEST_ARN}/p1/s3repl-probe-object", "Effect": "Deny", "Principal": "*",
        "Action": "s3:ReplicateObject", "Resource": f"{DEST_ARN}/p1/*"}),
    "bucket key on the destination": lambda seed: setattr(seed, "dest_encryption",
                                                          encryption(REPLICA_KEY, bucket_key=True)),
    "no destination policy": lambda seed: seed.documents.update(
        dest_policy={"Version": "2012-10-17", "Statement": []}),
}
PREFIXES = ["", "p0/", "p1/", "p1/deeper/", "p2/", "p3/", "p?/", "p*/", "P1/", "logs/", "p10/"]


@pytest.fixture
def checked_judgements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every judge_request and judge_together call answers as a cold evaluation does (counts the calls)."""
    cached = access.judge_request
    cold = cached.__wrapped__  # type: ignore[attr-defined]
    calls = [0]

    def both(*args: Any) -> Any:
        answer = cached(*args)
        fresh = cold(*args)
        assert answer == fresh, (args[0].request, answer, fresh)
        calls[0] += 1
        return answer

    together = decisions.judge_together

    def both_together(judge: Any, item: Any, calls: Any) -> Any:
        answers = together(judge, item, calls)
        fresh = tuple(None if call is None else cold(item, *call) for call in calls)
        assert answers == fresh, (item.request, answers, fresh)
        calls_checked[0] += 1
        return answers

    calls_checked = calls
    monkeypatch.setattr(access, "judge_request", both)
    monkeypatch.setattr(decisions, "judge_together", both_together)
    decisions.clear()
    yield calls
    decisions.clear()


def _report(seed: Seed) -> dict[str, Any]:
    report = judge(seed.build()).to_json()
    report.pop("calls", None)
    return report


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_every_answer_equals_a_cold_evaluation(checked_judgements: list[int], mutation: str) -> None:
    seed = Seed()
    _rules(seed, PREFIXES)
    MUTATIONS[mutation](seed)

    first = _report(seed)  # cold cache, then warm: both checked call by call
    assert _report(seed) == first
    assert checked_judgements[0] > 0


@pytest.mark.parametrize("round_", range(12))
def test_random_setups_judge_as_without_the_cache(monkeypatch: pytest.MonkeyPatch, checked_judgements: list[int],
                                                  round_: int) -> None:
    """Property-style: random prefixes and mutations, judged with the cache filled in any order."""
    pick = random.Random(1600 + round_)
    seed = Seed()
    _rules(seed, pick.sample(PREFIXES, pick.randint(1, len(PREFIXES))))
    for name in pick.sample(sorted(MUTATIONS), pick.randint(1, 4)):
        MUTATIONS[name](seed)
    cached = _report(seed)
    monkeypatch.setattr(decisions, "ENABLED", False)
    assert _report(seed) == cached


def test_rules_with_distinct_prefixes_share_their_decisions() -> None:
    """Policies that cannot tell the prefixes apart: 50 rules ask no more questions than one."""
    decisions.clear()
    one = Seed()
    _rules(one, ["p0/"])
    _report(one)
    asked_for_one = decisions.stats()["misses"]

    decisions.clear()
    many = Seed()
    _rules(many, [f"p{n}/" for n in range(50)])
    _report(many)
    stats = decisions.stats()

    assert stats["misses"] == asked_for_one, stats
    assert stats["rebound"] > 0


def test_a_pattern_that_tells_prefixes_apart_splits_the_class() -> None:
    decisions.clear()
    seed = Seed()
    _rules(seed, [f"p{n}/" for n in range(5)])
    _report(seed)
    shared = decisions.stats()["misses"]

    decisions.clear()
    MUTATIONS["deny one prefix"](seed)
    report = judge(seed.build())

    assert decisions.stats()["misses"] > shared
    errors = [f for f in report.findings if f.severity == "error"]
    assert errors and all("rule-3" in str(f.evidence) or "p3/" in f.message for f in errors), errors


def test_a_reason_that_quotes_the_resource_twice_is_judged_afresh(checked_judgements: list[int]) -> None:
    """The Sid quotes p1's object ARN: p1's reason can't be rebound from p0's, nor p0's from p1's."""
    seed = Seed()
    _rules(seed, ["p1/", "p0/"])
    MUTATIONS["a Sid that quotes the resource"](seed)
    seed.documents["dest_policy"]["Statement"][-1]["Resource"] = f"{DEST_ARN}/*"

    report = judge(seed.build())

    assert decisions.stats()["not_rebound"] > 0
    denied = [f for f in report.findings if f.code == "destination-policy-denies"]
    assert denied and {"p1/", "p0/"} <= {part for f in denied for part in ("p1/", "p0/") if part in f.message}
    assert checked_judgements[0] > 0
