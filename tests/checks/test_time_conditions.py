"""Time conditions: ``aws:CurrentTime`` and ``aws:EpochTime`` are in every request
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-currenttime:
"This key is always included in the request context"), so every request the checks build carries
both, set to now. A Deny whose time condition matches now blocks replication wherever it is; one that
does not match changes nothing, and neither is a doubt (unknown)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from checks_helpers import DST, REPLICA_KEY, SRC, Seed, errors

from s3repl_tui.checks.requests import build_requests

PAST, FUTURE = "2001-01-01T00:00:00Z", "2999-01-01T00:00:00Z"


def _after(when: str, key: str = "aws:CurrentTime") -> dict[str, Any]:
    value = when if key == "aws:CurrentTime" else ("978307200" if when == PAST else "32472144000")
    return {"DateGreaterThan": {key: value}}


def test_every_request_carries_the_time(seed: Seed) -> None:
    before = time.time()
    items = build_requests(seed.build())
    assert items
    for item in items:
        context = item.request.context
        epoch = int(str(context["aws:EpochTime"]))
        assert before - 1 <= epoch <= time.time() + 1
        assert str(context["aws:CurrentTime"]).endswith("Z")
    assert len({item.request.context["aws:EpochTime"] for item in items}) == 1  # one "now" per judgement


@pytest.mark.parametrize("key", ["aws:CurrentTime", "aws:EpochTime"])
def test_trust_policy_deny_after_a_date_in_the_past_fails(seed: Seed, key: str) -> None:
    seed.documents["trust"]["Statement"].append(
        {"Effect": "Deny", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole",
         "Condition": _after(PAST, key)})
    report = seed.report()
    assert errors(report, "service-role"), [f.code for f in report.layer("service-role").findings]
    assert report.verdict == "fail"


def test_role_policy_deny_in_effect_fails(seed: Seed) -> None:
    seed.documents["inline"]["Statement"].append(
        {"Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*", "Condition": _after(PAST)})
    assert seed.report().verdict == "fail"


def test_bucket_policy_deny_in_effect_fails(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:ReplicateObject", "Resource": f"arn:aws:s3:::{DST}/*",
         "Condition": _after(PAST, "aws:EpochTime")})
    assert "destination-policy-denies" in errors(seed.report(), "destination-policy")


def test_key_policy_deny_in_effect_fails(seed: Seed) -> None:
    seed.documents["replica_key_policy"]["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": _after(PAST)})
    report = seed.report()
    assert any(f.resource == REPLICA_KEY for f in report.layer("key-policy").findings if f.severity == "error")


def test_deny_from_the_future_changes_nothing(seed: Seed) -> None:
    seed.source_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{SRC}/*",
         "Condition": _after(FUTURE)}]}
    report = seed.report()
    assert report.verdict == "pass", [(f.code, f.message) for f in report.findings if f.severity != "info"]
