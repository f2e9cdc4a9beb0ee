"""The decision cache (checks/decisions.py) answers identical questions once and never changes a report.

Each report is compared with the one judged with the cache off, on setups where rules share requests
and where they differ only by the object ARN their filter makes (a Deny on one rule's prefix must hit
that rule alone, however the cache was filled)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from checks_helpers import Seed

from s3repl_tui.checks import decisions, judge

DEST = "arn:aws:s3:::" + Seed().setup.dest_bucket


def _rules(seed: Seed, prefixes: list[str]) -> None:
    rule = seed.rule
    seed.documents["replication"]["Rules"] = [
        {**copy.deepcopy(rule), "ID": f"rule-{n}", "Priority": n, "Filter": {"Prefix": prefix}}
        for n, prefix in enumerate(prefixes)
    ]


def _deny_prefix(seed: Seed, prefix: str) -> None:
    policy = seed.documents["dest_policy"]
    policy["Statement"].append({"Sid": "FreezeOnePrefix", "Effect": "Deny", "Principal": "*",
                                "Action": "s3:ReplicateObject", "Resource": f"{DEST}/{prefix}*"})


def _drop_inline_kms(seed: Seed) -> None:
    seed.documents["inline"] = {"Version": "2012-10-17", "Statement": []}


VARIANTS: dict[str, Callable[[Seed], None]] = {
    "one rule": lambda seed: None,
    "ten rules, one prefix": lambda seed: _rules(seed, ["logs/"] * 10),
    "ten rules, ten prefixes": lambda seed: _rules(seed, [f"p{n}/" for n in range(10)]),
    "a Deny on one rule's prefix": lambda seed: (_rules(seed, [f"p{n}/" for n in range(5)]),
                                                 _deny_prefix(seed, "p3/")),
    "no KMS statement, many rules": lambda seed: (_rules(seed, [f"p{n}/" for n in range(5)]),
                                                  _drop_inline_kms(seed)),
}


def _report(seed: Seed) -> dict[str, Any]:
    report = judge(seed.build()).to_json()
    report.pop("calls", None)
    return report


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_cache_never_changes_a_report(monkeypatch: pytest.MonkeyPatch, variant: str) -> None:
    seed = Seed()
    VARIANTS[variant](seed)
    monkeypatch.setattr(decisions, "ENABLED", False)
    fresh = _report(seed)
    monkeypatch.setattr(decisions, "ENABLED", True)
    decisions.clear()

    assert _report(seed) == fresh  # cold cache
    assert _report(seed) == fresh  # every answer from the cache


def test_a_deny_on_one_prefix_fails_that_rule_alone_with_the_cache_warm() -> None:
    """Warm the cache with the setup without the Deny, then judge it with: other documents, new answers."""
    decisions.clear()
    seed = Seed()
    _rules(seed, [f"p{n}/" for n in range(5)])
    assert _report(seed)["verdict"] == "pass"
    _deny_prefix(seed, "p3/")

    report = judge(seed.build())

    assert report.verdict == "fail"
    failing = [f for layer in report.layers for f in layer.findings if f.severity == "error"]
    assert failing and all("p3/" in f.message or "FreezeOnePrefix" in str(f.evidence) for f in failing), failing


def test_rules_that_send_the_same_requests_are_judged_once() -> None:
    decisions.clear()
    one = Seed()
    _rules(one, ["logs/"])
    _report(one)
    asked_for_one = decisions.stats()["misses"]

    decisions.clear()
    ten = Seed()
    _rules(ten, ["logs/"] * 10)
    _report(ten)
    stats = decisions.stats()

    assert stats["misses"] == asked_for_one, stats
    assert stats["hits"] > 0
