"""``fix --export cloudformation``: one JSON template per account and region, each property holding the
whole merged document (CloudFormation replaces the document it manages)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.cli import main
from s3repl_tui.fixes import Plan, export_plan
from s3repl_tui.fixes.export_iac import ExportUnsupported
from s3repl_tui.fixes.jsondoc import contains, statements
from s3repl_tui.fixes.model import Change
from s3repl_tui.sandbox import BREAKAGES, Sandbox, build_seed

from . import builders as b
from . import iac_plans, seeded


def _template(exported: dict[str, Any], change: Change) -> dict[str, Any]:
    (entry,) = [t for t in exported["templates"] if (t["account"], t["region"]) == (change.account, change.region)]
    assert entry["profile"] == change.profile
    template: dict[str, Any] = entry["template"]
    return template


def _api_replication(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's replication names back to the API's (Id -> ID, TagFilter(s) -> Tag(s))."""
    back = copy.deepcopy(config)
    for rule in back["Rules"]:
        rule["ID"] = rule.pop("Id")
        flt = rule.get("Filter", {})
        if "TagFilter" in flt:
            flt["Tag"] = flt.pop("TagFilter")
        if "TagFilters" in flt.get("And", {}):
            flt["And"]["Tags"] = flt["And"].pop("TagFilters")
    return back


def _written(template: dict[str, Any], change: Change) -> Any:
    """The document the template gives the change's target, exactly as CloudFormation would send it."""
    ref = change.ref
    resources = template["Resources"]

    def of_type(kind: str, **properties: str) -> dict[str, Any]:
        found = [
            r["Properties"]
            for r in resources.values()
            if r["Type"] == kind and all(r["Properties"].get(k) == v for k, v in properties.items())
        ]
        assert len(found) == 1, (kind, properties, list(resources))
        return found[0]

    if ref.kind == "bucket-versioning":
        return of_type("AWS::S3::Bucket", BucketName=ref.name)["VersioningConfiguration"]
    if ref.kind == "replication":
        return _api_replication(of_type("AWS::S3::Bucket", BucketName=ref.name)["ReplicationConfiguration"])
    if ref.kind == "bucket-policy":
        return of_type("AWS::S3::BucketPolicy", Bucket=ref.name)["PolicyDocument"]
    if ref.kind == "role-inline-policy":
        return of_type("AWS::IAM::RolePolicy", RoleName=ref.name, PolicyName=ref.policy_name)["PolicyDocument"]
    if ref.kind == "role-trust":
        return of_type("AWS::IAM::Role", RoleName=ref.name)["AssumeRolePolicyDocument"]
    if ref.kind == "key-policy":
        policies = [r["Properties"]["KeyPolicy"] for r in resources.values() if r["Type"] == "AWS::KMS::Key"]
        (policy,) = [p for p in policies if p == change.after]
        return policy
    raise AssertionError(ref.kind)


@pytest.mark.parametrize("breakage", iac_plans.BROKEN)
def test_each_broken_setup_exports_templates_holding_every_merged_document(sandbox: Sandbox, breakage: str) -> None:
    plan = iac_plans.seeded_plan(sandbox, breakage)

    exported = json.loads(export_plan(plan, "cloudformation"))

    for change in plan.changes:
        written = _written(_template(exported, change), change)
        assert written == change.after, change.ref.label  # JSON as planned: nothing reordered, nothing dropped
        if change.before is not None and statements(change.before):
            assert contains(written, change.before)
    assert {(t["account"], t["region"]) for t in exported["templates"]} == {(c.account, c.region) for c in plan.changes}
    assert any("replaces the whole document" in note for note in exported["notes"])


def test_a_created_key_is_referenced_by_getatt_in_its_template_and_by_a_parameter_elsewhere() -> None:
    plan = iac_plans.created_key_plan()

    exported = json.loads(export_plan(plan, "cloudformation"))

    by_account = {t["account"]: t["template"] for t in exported["templates"]}
    destination, source = by_account[b.B], by_account[b.A]
    assert destination["Resources"]["ReplicaKey"]["Type"] == "AWS::KMS::Key"
    assert destination["Resources"]["ReplicaKey"]["Properties"]["KeyPolicy"] == plan.changes[0].after["Policy"]
    assert destination["Outputs"]["ReplicaKeyArn"]["Value"] == {"Fn::GetAtt": ["ReplicaKey", "Arn"]}
    assert source["Parameters"]["ReplicaKeyArn"]["Type"] == "String"
    bucket = next(r for r in source["Resources"].values() if r["Type"] == "AWS::S3::Bucket")
    rule = bucket["Properties"]["ReplicationConfiguration"]["Rules"][0]
    assert rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] == {"Ref": "ReplicaKeyArn"}
    assert "${REPLICA_KEY_ARN}" not in json.dumps([t["template"]["Resources"] for t in exported["templates"]])
    dst_bucket = next(r for r in destination["Resources"].values() if r["Type"] == "AWS::S3::Bucket")["Properties"]
    (default,) = dst_bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert default["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": ["ReplicaKey", "Arn"]}
    assert default["BucketKeyEnabled"] is True
    assert dst_bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def test_an_owners_policy_variable_stays_plain_text_in_the_template() -> None:
    """CloudFormation expands ${} only inside Fn::Sub: the owner's document goes in as it is."""
    plan = Plan((iac_plans.bucket_policy_change(None, iac_plans.owner_policy()),), source_bucket=b.SRC)
    exported = json.loads(export_plan(plan, "cloudformation"))
    (policy,) = [r for r in exported["templates"][0]["template"]["Resources"].values()]
    assert policy["Properties"]["PolicyDocument"] == iac_plans.owner_policy()
    assert "Fn::Sub" not in json.dumps(exported)


def test_existing_object_replication_is_refused_in_one_sentence() -> None:
    config = b.replication(ExistingObjectReplication={"Status": "Enabled"})
    plan = Plan((iac_plans.replication_change(config),), source_bucket=b.SRC)
    with pytest.raises(ExportUnsupported) as raised:
        export_plan(plan, "cloudformation")
    message = raised.value.message
    assert message.endswith(".") and ". " not in message and "ExistingObjectReplication" in message
    assert export_plan(plan, "terraform")  # Terraform has existing_object_replication


# A dev dependency: in the virtual environment beside the interpreter, on PATH otherwise.
CFN_LINT = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which("cfn-lint")


@pytest.mark.skipif(CFN_LINT is None, reason="cfn-lint is not installed")
def test_cfn_lint_accepts_every_template(sandbox: Sandbox, tmp_path: Path) -> None:
    plans = [iac_plans.seeded_plan(sandbox, "destination-policy"), iac_plans.created_key_plan()]
    paths = []
    for number, plan in enumerate(plans):
        for index, entry in enumerate(json.loads(export_plan(plan, "cloudformation"))["templates"]):
            path = tmp_path / f"plan{number}-{index}.json"
            path.write_text(json.dumps(entry["template"], indent=2))
            paths.append(str(path))
    linted = subprocess.run(
        [str(CFN_LINT), "--regions", "us-east-1", "us-west-2", "--", *paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_fix_export_cloudformation_on_the_command_line_prints_one_json_document(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    setup = build_seed(sandbox)
    BREAKAGES["versioning"](sandbox, setup)
    out = tmp_path / "fix.json"
    with out.open("w") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "s3repl_tui", "fix", "--export", "cloudformation", *seeded.cli_flags(setup)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    exported = json.loads(out.read_text())
    buckets = [
        r["Properties"]
        for t in exported["templates"]
        for r in t["template"]["Resources"].values()
        if r["Type"] == "AWS::S3::Bucket"
    ]
    assert {"BucketName": setup.dest_bucket, "VersioningConfiguration": {"Status": "Enabled"}} in buckets


def test_a_plan_cloudformation_cannot_express_is_one_sentence_and_exit_2(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """The owner's rule replicates existing objects (AWS::S3::Bucket has no such property): the fix of
    the rule keeps it, so the template could not hold the merged configuration; nothing is printed."""
    setup = build_seed(sandbox)
    BREAKAGES["rule"](sandbox, setup)
    s3 = seeded.clients(sandbox, setup)["s3_a"]
    config = s3.get_bucket_replication(Bucket=setup.source_bucket)["ReplicationConfiguration"]
    config["Rules"][0]["ExistingObjectReplication"] = {"Status": "Enabled"}
    s3.put_bucket_replication(Bucket=setup.source_bucket, ReplicationConfiguration=config)

    code = main(["fix", "--export", "cloudformation", *seeded.cli_flags(setup)])

    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    first, hint = err.strip().splitlines()
    assert first.startswith("s3repl-tui: CloudFormation cannot express ExistingObjectReplication") and first.endswith(
        "."
    )
    assert hint.startswith("hint: ") and "Traceback" not in err
