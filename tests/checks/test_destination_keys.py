"""The destination's default SSE-KMS key, on both sides of the key (role-kms, key-policy):

(a) a rule the rule layer opts in to SSE-KMS objects gets that key as its replica key: the permissions
    it will need are judged now, so that one round of fixes is enough;
(b) replicas of encrypted objects keep their encryption: the default key is no requirement (issue 11).
"""

from __future__ import annotations

from typing import Any

from checks_helpers import (
    ACCOUNT_A,
    ACCOUNT_B,
    DST,
    DST_REGION,
    REPLICA_KEY,
    ROLE_ARN,
    SRC_KEY,
    Seed,
    encryption,
    errors,
    find,
    key_meta,
    warnings,
)

from s3repl_tui.checks.model import Finding, Report
from s3repl_tui.fixes import plan_fixes
from s3repl_tui.probes.snapshot import Read

# Another key of the destination account, in the destination's region.
OTHER_KEY = f"arn:aws:kms:{DST_REGION}:{ACCOUNT_B}:key/77777777-2222-3333-4444-555555555555"
ENCRYPT_PAIR = {"kms:Encrypt", "kms:GenerateDataKey"}


def _inline(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _drop_opt_in(seed: Seed) -> None:
    """BREAKAGES["rule"]: no SourceSelectionCriteria, no EncryptionConfiguration."""
    seed.rule.pop("SourceSelectionCriteria")
    seed.rule["Destination"].pop("EncryptionConfiguration")


def _admin_only(seed: Seed) -> dict[str, Any]:
    """The destination key's policy with only its owner's admin statement (delegates to account B)."""
    statements = seed.documents["replica_key_policy"]["Statement"]
    return {**seed.documents["replica_key_policy"], "Statement": statements[:1]}


def _on(report: Report, layer: str, resource: str) -> list[Finding]:
    return [f for f in report.layer(layer).findings if f.resource == resource and not f.unknown]


def _with_other_default_key(seed: Seed, **options: Any) -> None:
    seed.keys_meta[OTHER_KEY] = key_meta(OTHER_KEY)
    seed.dest_encryption = encryption(OTHER_KEY, **options)


# (a) the replica key a rule will have once the rule layer's fix opts it in -------------------------


def test_a_rule_without_opt_in_is_judged_for_the_key_its_fix_names(seed: Seed) -> None:
    _drop_opt_in(seed)
    seed.documents["inline"] = _inline({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": SRC_KEY})
    report = seed.report()

    opt_in = find(report, "rule-sse-kms-opt-in-missing")
    assert opt_in.fix is not None and opt_in.fix.params["replica_kms_key_id"] == REPLICA_KEY
    [finding] = _on(report, "role-kms", REPLICA_KEY)
    assert (finding.code, finding.severity) == ("role-kms-permission-missing", "error")
    assert finding.aws_failure_reason == "DstPutObjectNotPermitted"
    assert "destination's default key" in finding.message and "opts in to SSE-KMS objects" in finding.message
    assert "replica key" in finding.message
    fix = finding.fix
    assert fix is not None and fix.id == "add-role-kms-permissions" and fix.automatic and fix.account == ACCOUNT_A
    assert set(fix.params["actions"]) >= ENCRYPT_PAIR and fix.params["key_arn"] == REPLICA_KEY
    assert fix.params["context"]["kms:ViaService"] == f"s3.{DST_REGION}.amazonaws.com"
    assert fix.params["context"]["kms:EncryptionContext:aws:s3:arn"].startswith(f"arn:aws:s3:::{DST}/")


def test_the_seed_role_with_the_rule_broken_is_only_partial_on_the_intended_key(seed: Seed) -> None:
    """kms:Encrypt alone on the replica key to be: the same warning as on a replica key."""
    _drop_opt_in(seed)
    report = seed.report()
    assert report.layer("role-kms").status == "warn"
    assert warnings(report, "role-kms") == ["role-kms-replica-encrypt-partial"]
    assert "destination's default key" in find(report, "role-kms-replica-encrypt-partial").message


def test_the_intended_key_policy_must_let_the_cross_account_role_in(seed: Seed) -> None:
    _drop_opt_in(seed)
    seed.documents["replica_key_policy"] = _admin_only(seed)
    report = seed.report()

    [finding] = _on(report, "key-policy", REPLICA_KEY)
    assert (finding.code, finding.severity) == ("key-policy-missing-grant", "error")
    assert "opts in to SSE-KMS objects" in finding.message
    fix = finding.fix
    assert fix is not None and fix.id == "add-key-policy-statement" and fix.automatic
    assert (fix.account, fix.params["principal"], fix.params["region"]) == (ACCOUNT_B, ROLE_ARN, DST_REGION)
    assert set(fix.params["actions"]) >= ENCRYPT_PAIR


def test_a_rule_that_opts_in_without_a_key_is_judged_for_the_default_key(seed: Seed) -> None:
    seed.rule["Destination"].pop("EncryptionConfiguration")
    seed.documents["inline"] = _inline({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": SRC_KEY})
    report = seed.report()
    assert "rule-replica-key-missing" in errors(report, "rule")
    assert [f.code for f in _on(report, "role-kms", REPLICA_KEY)] == ["role-kms-permission-missing"]


def test_a_destination_bucket_key_needs_decrypt_on_the_intended_key(seed: Seed) -> None:
    _drop_opt_in(seed)
    seed.dest_encryption = encryption(REPLICA_KEY, bucket_key=True)
    seed.documents["inline"] = _inline(
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": SRC_KEY},
        {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"], "Resource": REPLICA_KEY})
    report = seed.report()
    [finding] = _on(report, "role-kms", REPLICA_KEY)
    assert finding.severity == "error" and finding.fix is not None and finding.fix.params["actions"] == ["kms:Decrypt"]
    assert finding.evidence["request"]["context"]["kms:EncryptionContext:aws:s3:arn"] == f"arn:aws:s3:::{DST}"


def test_without_a_kms_default_on_the_destination_no_key_is_intended(seed: Seed) -> None:
    _drop_opt_in(seed)
    seed.dest_encryption = encryption(None, algorithm="AES256")
    seed.documents["inline"] = _inline({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": SRC_KEY})
    report = seed.report()
    opt_in = find(report, "rule-sse-kms-opt-in-missing")
    assert opt_in.fix is not None and not opt_in.fix.automatic  # a person picks the key
    assert _on(report, "role-kms", REPLICA_KEY) == [] and _on(report, "key-policy", REPLICA_KEY) == []


def test_one_round_of_planned_fixes_leaves_nothing_to_fix(seed: Seed) -> None:
    """The demo's complaint: the rule lost its opt-in and the role its KMS statement, and the replica key
    doesn't let the role in. Every planned change, applied to the documents as read, makes it pass."""
    _drop_opt_in(seed)
    seed.documents["inline"] = None
    seed.documents["replica_key_policy"] = _admin_only(seed)
    snapshot = seed.build()
    report = seed.report()
    assert report.verdict == "fail"

    plan = plan_fixes(snapshot, report)
    assert not plan.manual, [f.code for f in plan.manual]
    inline: dict[str, Any] = {}
    for change in plan.changes:
        if change.ref.kind == "role-inline-policy":
            inline[change.ref.policy_name] = change.after
        elif change.ref.kind == "key-policy":
            assert change.ref.name == REPLICA_KEY
            seed.documents["replica_key_policy"] = change.after
        elif change.ref.kind == "replication":
            seed.documents["replication"] = change.after
        else:
            raise AssertionError(change.ref.kind)
    seed.reads["role.inline"] = Read.ok(inline)

    after = seed.report()
    assert after.verdict == "pass", [(f.code, f.message) for f in after.findings if f.severity != "info"]
    assert seed.rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] == REPLICA_KEY


# (b) the destination's default key encrypts no replica of an encrypted object --------------------
# Replicas keep the source object's encryption, and every object is encrypted since 2023-01-05
# (replication-config-for-kms-objects): the default key is no requirement, on either side of the key.
# More in test_sse_s3_source.py.


def test_an_sse_kms_source_needs_nothing_of_another_default_key(seed: Seed) -> None:
    _with_other_default_key(seed)
    report = seed.report()
    assert [f.severity for f in _on(report, "role-kms", OTHER_KEY)] == ["info"]
    assert _on(report, "key-policy", OTHER_KEY) == []


def test_an_sse_s3_source_needs_nothing_of_a_default_key_that_lets_nobody_in(seed: Seed) -> None:
    seed.source_encryption = encryption(None, algorithm="AES256")
    _with_other_default_key(seed, algorithm="aws:kms:dsse", bucket_key=True)
    seed.reads[f"{OTHER_KEY}.policy"] = Read.ok(_admin_only(seed))
    report = seed.report()
    assert [f.severity for f in _on(report, "role-kms", OTHER_KEY)] == ["info"]
    assert _on(report, "key-policy", OTHER_KEY) == []
    assert all(OTHER_KEY not in str(change.after) for change in plan_fixes(seed.build(), report).changes)
