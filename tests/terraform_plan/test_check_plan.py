"""check --terraform-plan on plan JSON: a healthy two-account setup passes, each breakage fails its layer,
what is known only after apply is unknown (never a pass), and bad input is one sentence, exit 2."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.checks.model import Report
from s3repl_tui.cli import main
from s3repl_tui.terraform_plan.check import check_plan
from s3repl_tui.terraform_plan.plan_file import parse
from s3repl_tui.terraform_plan.planned import planned_setup
from tests.terraform_plan.plans import ROLE_ARN, change, drop, healthy, planned, policy, role_policy_split

Plan = dict[str, Any]
REPLICATION = "aws_s3_bucket_replication_configuration.replication"


def _judge(plan: Plan, tmp_path: Path, source_bucket: str | None = None) -> Report:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return check_plan(path, source_bucket)


def _statuses(report: Report) -> dict[str, str]:
    return {layer.id: layer.status for layer in report.layers}


def _failing(report: Report) -> set[str]:
    return {layer.id for layer in report.layers if layer.status == "fail"}


def _codes(report: Report, layer: str) -> set[str]:
    return {finding.code for finding in report.layer(layer).findings}


def _both(plan: Plan, address: str, mutate: Callable[[dict[str, Any]], None]) -> Plan:
    """Change a resource's planned values where the plan holds them (change.after and planned_values)."""
    plan = copy.deepcopy(plan)
    mutate(change(plan, address)["after"])
    mutate(planned(plan, address))
    return plan


def _policy_of(plan: Plan, address: str) -> dict[str, Any]:
    return dict(json.loads(change(plan, address)["after"]["policy"]))


def _without_statement(plan: Plan, address: str, sid: str) -> Plan:
    document = _policy_of(plan, address)
    document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]
    return _both(plan, address, lambda values: values.update(policy=policy(document)))


def test_the_healthy_plan_passes_every_layer_judged_from_the_plan(tmp_path: Path) -> None:
    report = _judge(healthy(), tmp_path)
    assert report.verdict == "pass", [f.message for f in report.findings if f.severity != "info"]
    assert report.source.bucket == "tf-repl-source" and report.source.account == "111122223333"
    assert [(d.bucket, d.account, d.region) for d in report.destinations] == [
        ("tf-repl-destination", "444455556666", "us-west-2")]
    for layer in ("versioning", "key-policy", "service-role", "role-kms", "destination-policy", "rule"):
        notes = [f for f in report.layer(layer).findings if f.code == "from-terraform-plan"]
        assert notes and "Judged from the Terraform plan" in notes[0].message, layer
    assert "aws_s3_bucket_policy.destination" in next(
        f for f in report.layer("destination-policy").findings if f.code == "from-terraform-plan").evidence["planned"]


def test_the_role_known_only_after_apply_is_its_planned_role_at_the_arn_iam_gives_it(tmp_path: Path) -> None:
    """role = aws_iam_role.replication.arn: the account comes from data.aws_caller_identity of its provider."""
    report = _judge(healthy(), tmp_path)
    service_role = report.layer("service-role")
    assert service_role.status == "pass"
    assert "aws_iam_role.replication" in service_role.findings[0].evidence["planned"]
    # The destination bucket policy names the role by that ARN, and passes: it is the same ARN.
    assert report.layer("destination-policy").status == "pass"
    setup = planned_setup(parse(healthy()), None)
    assert setup.role_arn == ROLE_ARN and setup.role is not None and setup.role.arn == ROLE_ARN


def test_destination_versioning_off_fails_versioning(tmp_path: Path) -> None:
    plan = _both(healthy(), "aws_s3_bucket_versioning.destination",
                 lambda values: values.update(versioning_configuration=[{"status": "Suspended"}]))
    report = _judge(plan, tmp_path)
    assert report.verdict == "fail"
    assert _failing(report) == {"versioning"}


def test_destination_without_a_versioning_resource_is_a_new_bucket_never_versioned(tmp_path: Path) -> None:
    report = _judge(drop(healthy(), "aws_s3_bucket_versioning.destination"), tmp_path)
    assert _failing(report) == {"versioning"}


def test_role_without_kms_decrypt_fails_role_kms(tmp_path: Path) -> None:
    report = _judge(_without_statement(healthy(), "aws_iam_role_policy.replication", "DecryptSource"), tmp_path)
    assert report.verdict == "fail"
    assert _failing(report) == {"role-kms"}
    assert any("kms:Decrypt" in f.message for f in report.layer("role-kms").findings if f.severity == "error")


def test_missing_destination_bucket_policy_fails_destination_policy(tmp_path: Path) -> None:
    report = _judge(drop(healthy(), "aws_s3_bucket_policy.destination"), tmp_path)
    assert report.verdict == "fail"
    assert _failing(report) == {"destination-policy"}


def test_replica_key_policy_without_the_role_fails_key_policy(tmp_path: Path) -> None:
    report = _judge(_without_statement(healthy(), "aws_kms_key.replica", "ReplicationRole"), tmp_path)
    assert report.verdict == "fail"
    assert _failing(report) == {"key-policy"}


def test_a_separate_key_policy_resource_is_the_key_policy(tmp_path: Path) -> None:
    """aws_kms_key_policy replaces the key's own policy argument."""
    plan = copy.deepcopy(healthy())
    document = _policy_of(plan, "aws_kms_key.replica")
    document["Statement"] = document["Statement"][:1]
    plan["resource_changes"].append({
        "address": "aws_kms_key_policy.replica", "mode": "managed", "type": "aws_kms_key_policy", "name": "replica",
        "change": {"actions": ["create"], "before": None, "after": {"policy": policy(document)},
                   "after_unknown": {"id": True, "key_id": True}}})
    plan["configuration"]["root_module"]["resources"].append({
        "address": "aws_kms_key_policy.replica", "mode": "managed", "type": "aws_kms_key_policy", "name": "replica",
        "provider_config_key": "aws.destination",
        "expressions": {"key_id": {"references": ["aws_kms_key.replica.id", "aws_kms_key.replica"]}}})
    assert _failing(_judge(plan, tmp_path)) == {"key-policy"}


def test_rule_without_sse_kms_opt_in_fails_the_rule(tmp_path: Path) -> None:
    def no_opt_in(values: dict[str, Any]) -> None:
        values["rule"][0]["source_selection_criteria"] = []

    report = _judge(_both(healthy(), REPLICATION, no_opt_in), tmp_path)
    assert report.verdict == "fail"
    assert "rule" in _failing(report)


def _role_from_variable(plan: Plan) -> Plan:
    """role = var.replication_role_arn, a variable whose value is known only after apply (another module's)."""
    plan = copy.deepcopy(plan)
    config = next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == REPLICATION)
    config["expressions"]["role"] = {"references": ["var.replication_role_arn"]}
    return plan


def test_an_unknown_role_arn_is_unknown_never_pass(tmp_path: Path) -> None:
    report = _judge(_role_from_variable(healthy()), tmp_path)
    assert report.verdict == "unknown"
    statuses = _statuses(report)
    assert statuses["service-role"] == "unknown"
    assert statuses["rule"] == "unknown"
    assert "fail" not in statuses.values()
    assert "rule-role-known-after-apply" in _codes(report, "rule")


def test_an_unknown_role_arn_does_not_hide_a_failure_elsewhere(tmp_path: Path) -> None:
    plan = _both(_role_from_variable(healthy()), "aws_s3_bucket_versioning.destination",
                 lambda values: values.update(versioning_configuration=[{"status": "Suspended"}]))
    report = _judge(plan, tmp_path)
    assert report.verdict == "fail"
    assert _failing(report) == {"versioning"}


def test_a_bucket_policy_known_only_after_apply_is_unknown(tmp_path: Path) -> None:
    plan = copy.deepcopy(healthy())
    for values in (change(plan, "aws_s3_bucket_policy.destination")["after"],
                   planned(plan, "aws_s3_bucket_policy.destination")):
        values.pop("policy")
    change(plan, "aws_s3_bucket_policy.destination")["after_unknown"]["policy"] = True
    report = _judge(plan, tmp_path)
    assert report.verdict == "unknown"
    assert _statuses(report)["destination-policy"] == "unknown"
    assert any("terraform apply" in str(f.evidence.get("reason")) for f in report.layer("destination-policy").findings)


def test_a_destination_outside_the_plan_is_unknown_without_credentials(tmp_path: Path) -> None:
    plan = healthy()
    for address in ("aws_s3_bucket.destination", "aws_s3_bucket_versioning.destination",
                    "aws_s3_bucket_policy.destination", "aws_s3_bucket_server_side_encryption_configuration.destination",
                    "aws_kms_key.replica"):
        plan = drop(plan, address)

    def literal_destination(values: dict[str, Any]) -> None:
        values["rule"][0]["destination"][0]["bucket"] = "arn:aws:s3:::tf-repl-destination"
        values["rule"][0]["destination"][0]["encryption_configuration"] = [
            {"replica_kms_key_id": "arn:aws:kms:us-west-2:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]

    plan = _both(plan, REPLICATION, literal_destination)
    unknown = change(plan, REPLICATION)["after_unknown"]["rule"][0]["destination"][0]
    unknown.pop("bucket")
    unknown["encryption_configuration"] = [{}]
    report = _judge(plan, tmp_path)
    assert report.verdict == "unknown"
    statuses = _statuses(report)
    assert statuses["versioning"] == statuses["destination-policy"] == "unknown"
    note = next(f for f in report.layer("destination-policy").findings if f.code == "from-terraform-plan")
    assert note.evidence["not_in_plan"] == ["s3://tf-repl-destination"]


# The command line ------------------------------------------------------------------------------


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(healthy()))
    bad.write_text(json.dumps(drop(healthy(), "aws_s3_bucket_policy.destination")))
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(_role_from_variable(healthy())))
    code, out, _ = _run(["check", "--terraform-plan", str(good), "--format", "json"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["schema"] == 1 and report["verdict"] == "pass"
    assert [layer["id"] for layer in report["layers"]][:6] == [
        "versioning", "key-policy", "service-role", "role-kms", "destination-policy", "rule"]
    assert _run(["check", "--terraform-plan", str(bad)], capsys)[0] == 1
    code, out, _ = _run(["check", "--terraform-plan", str(unknown)], capsys)
    assert code == 3 and "Verdict: UNKNOWN" in out


def _one_sentence(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("s3repl-tui: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not JSON (line 1, column 2)"),
        (json.dumps({"values": {"root_module": {}}, "format_version": "1.0"}), "is a Terraform state in JSON, not a plan"),
        (json.dumps({"resource_changes": []}), "is not a Terraform plan in JSON"),
        (json.dumps([1, 2]), "is not a Terraform plan in JSON"),
        (json.dumps({"format_version": "2.0", "planned_values": {}}), "format_version 2.0"),
        (json.dumps(drop(healthy(), REPLICATION)), "plans no aws_s3_bucket_replication_configuration"),
        (json.dumps({**healthy(), "errored": True}), "that failed (errored)"),
    ],
    ids=["not-json", "state-not-plan", "no-format-version", "not-an-object", "future-format", "no-replication",
         "errored"],
)
def test_bad_input_is_one_sentence_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str,
                                              expected: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    code, out, err = _run(["check", "--terraform-plan", str(path)], capsys)
    assert code == 2 and out == ""
    assert expected in _one_sentence(err)


def _two_sources() -> Plan:
    plan = copy.deepcopy(healthy())
    for section in (plan["resource_changes"], plan["planned_values"]["root_module"]["resources"],
                    plan["configuration"]["root_module"]["resources"]):
        for item in list(section):
            if item["address"] in (REPLICATION, "aws_s3_bucket.source"):
                twin = copy.deepcopy(item)
                twin["address"] = item["address"] + "_2"
                twin["name"] = item["name"] + "_2"
                section.append(twin)
    for values in (change(plan, "aws_s3_bucket.source_2")["after"], planned(plan, "aws_s3_bucket.source_2")):
        values["bucket"] = "tf-repl-other"
    config = next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == REPLICATION + "_2")
    config["expressions"]["bucket"] = {"references": ["aws_s3_bucket.source_2.id", "aws_s3_bucket.source_2"]}
    return plan


def test_several_source_buckets_need_source_bucket(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_two_sources()))
    code, _, err = _run(["check", "--terraform-plan", str(path)], capsys)
    assert code == 2
    assert "several buckets (tf-repl-other, tf-repl-source); choose one with --source-bucket" in _one_sentence(err)
    code, out, _ = _run(["check", "--terraform-plan", str(path), "--source-bucket", "tf-repl-source"], capsys)
    assert code == 0 and "s3://tf-repl-source" in out
    code, _, err = _run(["check", "--terraform-plan", str(path), "--source-bucket", "elsewhere"], capsys)
    assert code == 2 and "no replication configuration for elsewhere" in _one_sentence(err)


def test_missing_file_and_missing_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["check", "--terraform-plan", str(tmp_path / "absent.json")], capsys)
    assert code == 2 and "Cannot read the Terraform plan" in _one_sentence(err)
    code, _, err = _run(["check"], capsys)
    assert code == 2 and "check needs --source-bucket" in _one_sentence(err)


def test_monitoring_before_apply_judges_the_planned_notifications(tmp_path: Path) -> None:
    report = _judge(healthy(), tmp_path)
    assert "monitoring-before-apply" in _codes(report, "monitoring")
    assert "monitoring-metrics-off" not in _codes(report, "monitoring")
    without = _judge(drop(healthy(), "aws_s3_bucket_notification.source"), tmp_path)
    assert without.layer("monitoring").status == "warn"  # failure events nobody receives, on a new bucket


def test_a_planned_managed_policy_attached_to_the_role_is_judged_from_the_plan(tmp_path: Path) -> None:
    report = _judge(role_policy_split(healthy(), None), tmp_path)
    assert report.verdict == "pass", [f.message for f in report.findings if f.severity != "info"]
    note = report.layer("service-role").findings[0]
    assert "aws_iam_role_policy_attachment.replication_s3" in note.evidence["planned"]
    assert "arn:aws:iam::111122223333:policy/replication-s3" in note.evidence["planned"]  # the ARN IAM gives it
    without = _judge(drop(role_policy_split(healthy(), None), "aws_iam_role_policy_attachment.replication_s3"), tmp_path)
    assert _failing(without) == {"service-role"}


def test_a_managed_policy_outside_the_plan_is_unknown_without_credentials(tmp_path: Path) -> None:
    plan = role_policy_split(healthy(), "arn:aws:iam::111122223333:policy/existing-replication")
    report = _judge(plan, tmp_path)
    assert report.verdict == "unknown"
    assert _statuses(report)["service-role"] == "unknown"
    assert "fail" not in _statuses(report).values()


def _in_module(plan: Plan, name: str) -> Plan:
    """The same setup written as a module: instance addresses under module.<name>, module-local references."""
    plan = copy.deepcopy(plan)
    prefix = f"module.{name}"
    for item in plan["resource_changes"]:
        item["address"] = f"{prefix}.{item['address']}"
        item["module_address"] = prefix
    for section in (plan["planned_values"], plan["prior_state"]["values"]):
        resources = section["root_module"].pop("resources")
        for item in resources:
            item["address"] = f"{prefix}.{item['address']}"
        section["root_module"]["child_modules"] = [{"address": prefix, "resources": resources}]
    config = plan["configuration"]["root_module"]
    plan["configuration"]["root_module"] = {"module_calls": {name: {"source": f"./{name}", "module": config}}}
    return plan


def test_resources_in_a_child_module_are_followed_by_their_module_local_references(tmp_path: Path) -> None:
    report = _judge(_in_module(healthy(), "replication"), tmp_path)
    assert report.verdict == "pass", [f.message for f in report.findings if f.severity != "info"]
    assert report.source.account == "111122223333"
    note = report.layer("rule").findings[0]
    assert note.evidence["planned"] == ["module.replication.aws_s3_bucket_replication_configuration.replication"]
    broken = _in_module(drop(healthy(), "aws_s3_bucket_policy.destination"), "replication")
    assert _failing(_judge(broken, tmp_path)) == {"destination-policy"}


def test_a_replica_key_known_only_after_apply_leaves_the_key_layers_unknown(tmp_path: Path) -> None:
    """replica_kms_key_id from another module's output: not in the plan, so no layer it feeds may pass, and
    the rule is not failed for a key it merely cannot see yet."""
    plan = copy.deepcopy(healthy())
    config = next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == REPLICATION)
    config["expressions"]["rule"][0]["destination"][0]["encryption_configuration"][0]["replica_kms_key_id"] = {
        "references": ["module.keys.replica_arn", "module.keys"]}
    change(plan, REPLICATION)["after_unknown"]["rule"][0]["destination"][0]["encryption_configuration"] = [
        {"replica_kms_key_id": True}]
    report = _judge(plan, tmp_path)
    statuses = _statuses(report)
    assert report.verdict == "unknown"
    assert statuses["key-policy"] == statuses["role-kms"] == statuses["rule"] == "unknown"
    assert "rule-part-known-after-apply" in _codes(report, "key-policy")
    assert not any(f.severity == "error" for f in report.layer("rule").findings)


DEST_ENCRYPTION = "aws_s3_bucket_server_side_encryption_configuration.destination"


def _encryption_unknown(plan: Plan, whole_block: bool) -> Plan:
    """The destination's default encryption known only after apply: its algorithm, or its whole rule block."""
    plan = copy.deepcopy(plan)
    body = change(plan, DEST_ENCRYPTION)
    for values in (body["after"], planned(plan, DEST_ENCRYPTION)):
        if whole_block:
            values.pop("rule")
        else:
            values["rule"][0]["apply_server_side_encryption_by_default"][0].pop("sse_algorithm")
    body["after_unknown"]["rule"] = True if whole_block else [
        {"apply_server_side_encryption_by_default": [{"sse_algorithm": True, "kms_master_key_id": True}]}]
    return plan


@pytest.mark.parametrize("whole_block", [False, True], ids=["algorithm", "rule-block"])
def test_a_default_encryption_known_only_after_apply_is_unknown(tmp_path: Path, whole_block: bool) -> None:
    report = _judge(_encryption_unknown(healthy(), whole_block), tmp_path)
    statuses = _statuses(report)
    assert report.verdict == "unknown"
    assert statuses["key-policy"] == statuses["role-kms"] == "unknown"


def test_replication_rules_known_only_after_apply_are_unknown_not_a_traceback(tmp_path: Path) -> None:
    plan = copy.deepcopy(healthy())
    body = change(plan, REPLICATION)
    for values in (body["after"], planned(plan, REPLICATION)):
        values.pop("rule")
    body["after_unknown"]["rule"] = True
    report = _judge(plan, tmp_path)
    assert report.verdict == "unknown"
    assert _statuses(report)["rule"] == "unknown"
    assert "rule-part-known-after-apply" in _codes(report, "role-kms")
