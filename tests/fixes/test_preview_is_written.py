"""Issue 13.13: what a finding shows as the statement its fix adds is exactly what the plan writes.

A finding's ``evidence["missing"]`` (the TUI's and the report's "Missing statement (the fix adds it)")
and its hint's ``params["statements"]`` must be, statement for statement, what the planned change adds
to the document: the same Sid, actions, resources and conditions, the same JSON shapes. Tried on every
broken setup of the demo (``sandbox.BREAKAGES``) and the fix tests' breakages, plus the finer sandbox
variants whose fixes add statements.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from s3repl_tui.checks.model import Finding
from s3repl_tui.fixes import plan_fixes
from s3repl_tui.fixes.jsondoc import statements
from s3repl_tui.fixes.model import Plan
from s3repl_tui.sandbox import Sandbox, SeedSetup, build_seed, scenarios

from . import seeded


def prefix_rule_without_grants(sandbox: Sandbox, setup: SeedSetup) -> None:
    """A rule for one prefix, and nothing granted anywhere: the statements are scoped to the prefix
    (``logs/*``) and both keys need theirs."""
    c = seeded.clients(sandbox, setup)
    replication = copy.deepcopy(setup.documents["replication"])
    replication["Rules"][0]["Filter"] = {"Prefix": "logs/"}
    c["s3_a"].put_bucket_replication(Bucket=setup.source_bucket, ReplicationConfiguration=replication)
    c["iam"].detach_role_policy(RoleName=setup.role_name, PolicyArn=setup.managed_policy_arn)
    c["iam"].delete_role_policy(RoleName=setup.role_name, PolicyName=setup.inline_policy_name)
    c["s3_b"].delete_bucket_policy(Bucket=setup.dest_bucket)
    policy = copy.deepcopy(setup.documents["replica_key_policy"])
    policy["Statement"] = policy["Statement"][:1]
    c["kms_b"].put_key_policy(KeyId=setup.replica_key_arn, PolicyName="default", Policy=json.dumps(policy))


STATEMENT_BREAKAGES = {
    "prefix-rule-without-grants": prefix_rule_without_grants,
    **seeded.ALL_BREAKAGES,
    **{
        name: scenarios.MORE_BREAKAGES[name]
        for name in (
            "service-role/trust-without-s3",
            "service-role/missing-get-object-version-for-replication",
            "key-policy/replica-key-without-source-account",
            "role-kms/via-service-wrong-region",
            "role-kms/bucket-key-with-object-context",
            "destination-policy/role-without-path",
            "rule/source-object-lock-without-destination",
        )
    },
}


# A disabled rule asks nothing of any policy (the fix enables the rule, an opt-in).
NO_STATEMENT_NEEDED = {"rule/disabled"}


def _key(statement: Any) -> str:
    return json.dumps(statement, sort_keys=True)


def previewed(finding: Finding) -> list[Any]:
    """The statements a finding says its fix adds."""
    missing = finding.evidence.get("missing")
    if missing is None:
        return []
    return list(missing) if isinstance(missing, list) else [missing]


def added(plan: Plan) -> list[Any]:
    """The statements the plan's changes add to the documents as read."""
    found = []
    for change in plan.changes:
        if not isinstance(change.after, dict) or "Statement" not in change.after:
            continue
        before = {_key(s) for s in statements(change.before)}
        found += [s for s in statements(change.after) if _key(s) not in before]
    return found


@pytest.mark.parametrize("breakage", sorted(STATEMENT_BREAKAGES))
def test_the_statements_a_finding_shows_are_the_ones_the_plan_writes(sandbox: Sandbox, breakage: str) -> None:
    setup = build_seed(sandbox)
    STATEMENT_BREAKAGES[breakage](sandbox, setup)
    snapshot, report = seeded.checked(seeded.connect(), setup)
    plan = plan_fixes(snapshot, report)
    manual = {id(f) for f in plan.manual}
    planned = [f for f in report.findings if f.fix is not None and f.fix.automatic and f.fix.id in
               {i for c in plan.changes for i in c.fix_ids} and id(f) not in manual]
    shown = [s for f in planned for s in previewed(f)]
    written = added(plan)
    assert bool(shown) == (breakage not in NO_STATEMENT_NEEDED), "the breakage should need a statement"
    assert {_key(s) for s in shown} == {_key(s) for s in written}, f"shown:\n{json.dumps(shown, indent=1)}\nwritten:\n{json.dumps(written, indent=1)}"
    for finding in planned:
        if previewed(finding):
            assert finding.fix is not None
            assert [_key(s) for s in finding.fix.params["statements"]] == [_key(s) for s in previewed(finding)]


def test_a_statement_already_written_by_the_tool_is_shown_as_written(sandbox: Sandbox) -> None:
    """The demo's destination policy fix names the Sid the plan writes, never another."""
    setup = build_seed(sandbox)
    scenarios.BREAKAGES["destination-policy"](sandbox, setup)
    snapshot, report = seeded.checked(seeded.connect(), setup)
    finding = next(f for f in report.findings if f.fix is not None and f.fix.id == "amend-destination-bucket-policy")
    change = next(c for c in plan_fixes(snapshot, report).changes if "amend-destination-bucket-policy" in c.fix_ids)
    (sid,) = {s["Sid"] for s in statements(change.after)}
    assert [s["Sid"] for s in previewed(finding)] == [sid]
