"""Fixes that change behaviour are opt-in (issue 12.8): the default plan (``fix``, the TUI's ``F``) holds
failure fixes only. Re-enabling a rule the owner disabled starts copying data, replication metrics cost
money (CloudWatch), and s3:ReplicateDelete is more than a rule without delete-marker replication needs
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html); each is
listed in ``Plan.optional`` and planned only with ``include_optional=True``.
"""

from __future__ import annotations

import json

from fault_helpers import open_connection

from s3repl_tui.fixes import plan_fixes
from s3repl_tui.sandbox import BREAKAGES, Sandbox, SeedSetup


def _plan(sandbox: Sandbox, setup: SeedSetup, **kwargs: object):  # type: ignore[no-untyped-def]
    from fixes import seeded

    return plan_fixes(*seeded.checked(open_connection(sandbox), setup), **kwargs)  # type: ignore[arg-type]


def test_metrics_and_replicate_delete_are_not_bundled_into_the_failure_fixes(sandbox: Sandbox, seed: SeedSetup) -> None:
    for name in ("versioning", "role-kms", "destination-policy", "rule"):
        BREAKAGES[name](sandbox, seed)

    plan = _plan(sandbox, seed)

    written = json.dumps([change.after for change in plan.changes])
    assert '"Metrics"' not in written
    assert "s3:ReplicateDelete" not in json.dumps(
        [c.after for c in plan.changes if c.ref.kind == "bucket-policy"])
    assert any("rule-enable-metrics" in line for line in plan.optional), plan.optional
    assert any(c.ref.kind == "replication" for c in plan.changes)  # the SSE-KMS opt-in stays automatic

    everything = _plan(sandbox, seed, include_optional=True)

    assert '"Metrics"' in json.dumps([change.after for change in everything.changes])
    assert not everything.optional


def test_fix_layer_rule_does_not_re_enable_a_rule_the_owner_disabled(sandbox: Sandbox, seed: SeedSetup) -> None:
    from fixes import seeded

    seeded.rule_disabled(sandbox, seed)

    plan = _plan(sandbox, seed, layer_ids=["rule"])

    assert all('"Disabled"' not in json.dumps(c.before) or "rule-enable" not in c.fix_ids for c in plan.changes)
    assert not any("rule-enable" in c.fix_ids for c in plan.changes)
    assert any("rule-enable:" in line for line in plan.optional), plan.optional
    opted = _plan(sandbox, seed, layer_ids=["rule"], include_optional=True)
    assert any("rule-enable" in c.fix_ids for c in opted.changes)
