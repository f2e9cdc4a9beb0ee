"""``fix --export terraform``: one block per planned change, for the AWS provider's current resources,
with every merged document equal to what the plan writes (owner statements included)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from s3repl_tui.cli import main
from s3repl_tui.fixes import Plan, export_plan
from s3repl_tui.fixes.export_iac import Block, ExportUnsupported, Hcl
from s3repl_tui.fixes.jsondoc import contains, same_meaning, statements
from s3repl_tui.fixes.model import Change
from s3repl_tui.sandbox import BREAKAGES, DEST_ACCOUNT, SOURCE_ACCOUNT, Sandbox, build_seed

from . import builders as b
from . import iac_parse, iac_plans, seeded

RESOURCE_OF = {
    "bucket-versioning": "aws_s3_bucket_versioning",
    "bucket-policy": "aws_s3_bucket_policy",
    "key-policy": "aws_kms_key_policy",
    "role-inline-policy": "aws_iam_role_policy",
    "role-trust": "aws_iam_role",
    "replication": "aws_s3_bucket_replication_configuration",
    "role": "aws_iam_role",
    "kms-key": "aws_kms_key",
    "bucket-encryption": "aws_s3_bucket_server_side_encryption_configuration",
    "ownership-controls": "aws_s3_bucket_ownership_controls",
}
POLICY_ATTRIBUTE = {"role-trust": "assume_role_policy", "role": "assume_role_policy"}
TF_PLUGINS = Path(os.environ.get("S3REPL_TF_PLUGIN_DIR", "/opt/tf-plugins"))


def _policy(parsed: dict[str, Any], body: dict[str, Any], attribute: str) -> dict[str, Any]:
    value = body[attribute]
    if isinstance(value, tuple):  # a reference to the data source
        match = re.fullmatch(r"data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json", value[1])
        assert match, value
        return iac_parse.policy_from_data(parsed["data"][("aws_iam_policy_document", match.group(1))])
    loaded: dict[str, Any] = json.loads(value)  # a heredoc: the JSON as planned
    return loaded


def _block_of(parsed: dict[str, Any], change: Change, used: set[tuple[str, str]]) -> dict[str, Any]:
    """The resource block that writes ``change`` (matched by its target, never twice)."""
    kind = RESOURCE_OF[change.ref.kind]
    for key, body in parsed["resource"].items():
        if key[0] != kind or key in used:
            continue
        ref = change.ref
        name = {"bucket": ref.name, "key_id": ref.name}
        if ref.kind == "role-inline-policy":
            name |= {"role": ref.name, "name": ref.policy_name}
        elif ref.kind in ("role", "role-trust"):
            name |= {"name": ref.name}
        # A created role is named by reference (aws_iam_role.x.name): that matches too.
        matches = all(body[arg] == name[arg] or isinstance(body[arg], tuple) for arg in name if arg in body)
        if matches or change.ref.kind == "kms-key":
            used.add(key)
            return body
    raise AssertionError(f"no {kind} block for {change.ref.label}")


def _written(parsed: dict[str, Any], change: Change, body: dict[str, Any]) -> Any:
    """What the block tells AWS to store, in the API's shape."""
    kind = change.ref.kind
    if kind == "bucket-versioning":
        return {"Status": body["versioning_configuration"][0]["status"]}
    if kind == "replication":
        return iac_parse.replication_from_resource(body)
    if kind in ("bucket-encryption", "ownership-controls"):
        return iac_parse.rules_from_resource(body)
    if kind == "role":
        return _policy(parsed, body, "assume_role_policy")
    return _policy(parsed, body, POLICY_ATTRIBUTE.get(kind, "policy"))


def _expected(change: Change) -> Any:
    if change.ref.kind == "role":
        return change.after["AssumeRolePolicyDocument"]
    if change.ref.kind == "kms-key":
        return change.after["Policy"]
    return change.after


def assert_export_matches(plan: Plan, text: str) -> dict[str, Any]:
    parsed = iac_parse.load(text)
    used: set[tuple[str, str]] = set()
    for change in plan.changes:
        body = _block_of(parsed, change, used)
        written = _written(parsed, change, body)
        expected = _expected(change)
        assert same_meaning(written, expected), (change.ref.label, written, expected)
        if change.before is not None and statements(change.before):
            assert contains(written, change.before), f"{change.ref.label}: an owner statement was dropped"
    assert len(used) == len(plan.changes)
    return parsed


@pytest.mark.parametrize("breakage", iac_plans.BROKEN)
def test_each_broken_setup_exports_one_block_per_change_with_the_merged_document(
    sandbox: Sandbox, breakage: str
) -> None:
    plan = iac_plans.seeded_plan(sandbox, breakage)

    parsed = assert_export_matches(plan, export_plan(plan, "terraform"))

    merged = [c for c in plan.changes if c.before is not None and statements(c.before)]
    assert bool(merged) == (breakage in ("key-policy", "service-role/trust"))  # owner statements kept: checked above

    aliases = {provider["alias"]: provider for provider in parsed["provider"]}
    for change in plan.changes:
        body = next(body for (kind, _), body in parsed["resource"].items() if kind == RESOURCE_OF[change.ref.kind])
        provider = aliases[body["provider"][1].removeprefix("aws.")]
        assert provider["allowed_account_ids"] == [change.account] and provider["region"] == change.region
    assert {p["allowed_account_ids"][0] for p in parsed["provider"]} <= {SOURCE_ACCOUNT, DEST_ACCOUNT}


def test_each_account_has_a_provider_alias_with_a_comment_naming_it(sandbox: Sandbox) -> None:
    plan = iac_plans.seeded_plan(sandbox, "destination-policy")
    text = export_plan(plan, "terraform")
    assert f'# source account {SOURCE_ACCOUNT}, region us-east-1, profile s3repl-source\nprovider "aws" {{' in text
    assert f'# destination account {DEST_ACCOUNT}, region us-west-2, profile s3repl-dest\nprovider "aws" {{' in text
    assert 'alias               = "source"' in text and 'alias               = "destination"' in text


def test_an_owners_policy_variable_and_template_sequences_are_escaped_for_hcl() -> None:
    before = iac_plans.owner_policy()
    before["Statement"] = before["Statement"][:1]
    plan = Plan((iac_plans.bucket_policy_change(before, iac_plans.owner_policy()),), source_bucket=b.SRC)

    text = export_plan(plan, "terraform")

    assert "home/$${aws:username}/*" in text and "%%{literal}" in text
    assert "${aws:" not in text.replace("$${aws:", "")
    parsed = assert_export_matches(plan, text)  # parsed back: the owner's ${aws:username} exactly
    data = parsed["data"][("aws_iam_policy_document", "dst_bucket_bucket_policy")]
    assert data["statement"][0]["resources"] == [f"arn:aws:s3:::{b.DST}/home/${{aws:username}}/*"]
    assert "# kept as the owner wrote it" in text and "# s3repl-tui adds or changes this statement" in text


def test_a_policy_the_data_source_cannot_render_is_written_as_planned() -> None:
    """A boolean condition value (the data source writes only strings) and a missing Version (it would
    add 2012-10-17): the exact JSON in a heredoc instead."""
    after = iac_plans.owner_policy()
    after["Statement"][0]["Condition"] = {"Bool": {"aws:SecureTransport": False}}
    del after["Version"]
    plan = Plan((iac_plans.bucket_policy_change(None, after),), source_bucket=b.SRC)

    text = export_plan(plan, "terraform")

    assert 'data "aws_iam_policy_document"' not in text and "  policy = <<EOT\n{" in text
    parsed = assert_export_matches(plan, text)
    assert json.loads(parsed["resource"][("aws_s3_bucket_policy", "dst_bucket_bucket_policy")]["policy"]) == after


def test_an_owner_policy_with_a_sid_twice_is_written_as_planned() -> None:
    after = iac_plans.owner_policy()
    after["Statement"].append({**after["Statement"][0], "Action": "s3:ListBucket"})
    plan = Plan((iac_plans.bucket_policy_change(None, after),), source_bucket=b.SRC)

    parsed = assert_export_matches(plan, export_plan(plan, "terraform"))

    assert not parsed["data"]
    assert json.loads(parsed["resource"][("aws_s3_bucket_policy", "dst_bucket_bucket_policy")]["policy"]) == after


def test_a_created_key_is_an_aws_kms_key_and_later_changes_reference_its_arn() -> None:
    plan = iac_plans.created_key_plan()

    text = export_plan(plan, "terraform")

    parsed = assert_export_matches(plan, text)  # ${REPLICA_KEY_ARN} read back from aws_kms_key.replica_key.arn
    key = parsed["resource"][("aws_kms_key", "replica_key")]
    assert key["customer_master_key_spec"] == "SYMMETRIC_DEFAULT" and key["key_usage"] == "ENCRYPT_DECRYPT"
    assert "replica_kms_key_id = aws_kms_key.replica_key.arn" in text and not any(
        "${REPLICA_KEY_ARN}" in line for line in text.splitlines() if not line.startswith("#")
    )
    inline = next(body for (kind, _), body in parsed["resource"].items() if kind == "aws_iam_role_policy")
    assert inline["role"][1].startswith("aws_iam_role.")  # the policy waits for the role it belongs to


def test_a_replication_element_the_resource_cannot_express_is_refused_in_one_sentence() -> None:
    config = b.replication()
    config["Rules"][0]["Destination"]["Bucket2"] = "x"
    plan = Plan((iac_plans.replication_change(config),), source_bucket=b.SRC)
    with pytest.raises(ExportUnsupported) as raised:
        export_plan(plan, "terraform")
    assert (
        raised.value.message.endswith(".")
        and ". " not in raised.value.message
        and "Destination.Bucket2" in raised.value.message
    )
    assert raised.value.exit_code == 2 and "--export json" in raised.value.hint


def _terraform(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    return subprocess.run(
        ["terraform", *args], cwd=directory, env=env, capture_output=True, text=True, timeout=300, check=False
    )


needs_terraform = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
needs_provider = pytest.mark.skipif(
    shutil.which("terraform") is None or not (TF_PLUGINS / "registry.terraform.io/hashicorp/aws").is_dir(),
    reason="terraform or a local copy of the AWS provider (S3REPL_TF_PLUGIN_DIR) is missing",
)


@needs_terraform
def test_terraform_fmt_leaves_the_export_as_it_is_and_validate_accepts_it(sandbox: Sandbox, tmp_path: Path) -> None:
    plans = [iac_plans.seeded_plan(sandbox, "destination-policy"), iac_plans.created_key_plan()]
    for number, plan in enumerate(plans):
        directory = tmp_path / str(number)
        directory.mkdir()
        (directory / "main.tf").write_text(export_plan(plan, "terraform"))
        formatted = _terraform(directory, "fmt", "-check", "-diff")
        assert formatted.returncode == 0, formatted.stdout + formatted.stderr
        if not (TF_PLUGINS / "registry.terraform.io/hashicorp/aws").is_dir():
            continue  # validate needs the provider's schema
        init = _terraform(directory, "init", "-backend=false", "-input=false", f"-plugin-dir={TF_PLUGINS}")
        assert init.returncode == 0, init.stderr
        validated = _terraform(directory, "validate", "-no-color")
        assert validated.returncode == 0, validated.stdout + validated.stderr


@needs_provider
def test_the_provider_renders_every_policy_document_as_planned(sandbox: Sandbox, tmp_path: Path) -> None:
    """The real data source (no AWS call: a local apply of the data sources alone) renders each policy
    with the owner's statements and the policy variable intact."""
    before = iac_plans.owner_policy()
    before["Statement"] = before["Statement"][:1]
    hand = Plan((iac_plans.bucket_policy_change(before, iac_plans.owner_policy()),), source_bucket=b.SRC)
    names = ("destination-policy", "role-kms", "key-policy", "service-role/trust")
    plans = [iac_plans.seeded_plan(sandbox, name) for name in names] + [hand]
    config = [
        'provider "aws" {',
        '  region                      = "us-east-1"',
        '  access_key                  = "test"',
        '  secret_key                  = "test"',
        "  skip_credentials_validation = true",
        "  skip_requesting_account_id  = true",
        "  skip_metadata_api_check     = true",
        "}",
    ]
    expected: dict[str, dict[str, Any]] = {}
    for number, plan in enumerate(plans):
        text = export_plan(plan, "terraform")
        parsed = iac_parse.load(text)
        for change in plan.changes:
            body = _block_of(parsed, change, set())
            reference = body.get(POLICY_ATTRIBUTE.get(change.ref.kind, "policy"))
            if isinstance(reference, tuple):
                name = reference[1].split(".")[2]
                expected[f"p{number}_{name}"] = _expected(change)
        for data in re.findall(r'^data "aws_iam_policy_document" "[^"]+" \{\n.*?^\}\n', text, re.S | re.M):
            config.append(
                re.sub(r'^data "aws_iam_policy_document" "', f'data "aws_iam_policy_document" "p{number}_', data)
            )
    assert expected
    config += [f'output "{name}" {{\n  value = data.aws_iam_policy_document.{name}.json\n}}' for name in expected]
    (tmp_path / "main.tf").write_text("\n".join(config) + "\n")
    init = _terraform(tmp_path, "init", "-backend=false", "-input=false", f"-plugin-dir={TF_PLUGINS}")
    assert init.returncode == 0, init.stderr
    applied = _terraform(tmp_path, "apply", "-auto-approve", "-input=false", "-no-color")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    outputs = json.loads(_terraform(tmp_path, "output", "-json").stdout)
    for name, document in expected.items():
        assert same_meaning(json.loads(outputs[name]["value"]), document), name


def test_fix_export_terraform_on_the_command_line_writes_only_the_configuration(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    setup = build_seed(sandbox)
    BREAKAGES["destination-policy"](sandbox, setup)
    before = seeded.read_documents(sandbox, setup)
    out, err = tmp_path / "fix.tf", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        done = subprocess.run(
            [sys.executable, "-m", "s3repl_tui", "fix", "--export", "terraform", *seeded.cli_flags(setup)],
            stdout=stdout,
            stderr=stderr,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, err.read_text()
    parsed = iac_parse.load(out.read_text())
    assert ("aws_s3_bucket_policy", "s3_repl_test_dsc_bucket_policy") in parsed["resource"]
    assert seeded.read_documents(sandbox, setup) == before  # an export writes nothing


def test_an_unknown_export_format_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["fix", "--export", "pulumi", "--source-bucket", "b"])
    assert raised.value.code == 2
    assert "invalid choice: 'pulumi'" in capsys.readouterr().err


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40))
def test_any_owner_text_reads_back_from_its_hcl_string_as_written(text: str) -> None:
    """Quotes, backslashes, newlines, control characters, ``${``, ``%{`` and ``$${``: the quoted HCL
    string parses (python-hcl2) and unescapes to exactly the text.

    python-hcl2's grammar cannot read an escaped ``$${`` / ``%%{`` that no ``}`` follows (Terraform can:
    TRICKY below, evaluated by Terraform itself, carries ``${`` and ``%{`` unclosed)."""
    assume(not re.search(r"[$%]\{[^}]*$", text))
    written = Hcl({}).string(text)
    parsed = iac_parse.load(f'resource "x" "y" {{\n  value = {written}\n}}\n')
    assert parsed["resource"][("x", "y")]["value"] == text


TRICKY = [
    "home/${aws:username}/*",
    "%{if x}y%{endif}",
    "$${already} $$ %% %%{ $",
    'a "quoted" \\ back\\slash \\n not a newline',
    "line\nbreak\ttab\r\x01\x7f",
    "ünïcödé ✓ 𝄞",
    "ends with $",
    "ends with %",
    "${",
    "%{",
    "x %{ y",
]


@needs_terraform
def test_terraform_reads_each_escaped_string_as_the_owner_wrote_it(tmp_path: Path) -> None:
    """Terraform itself (no provider needed: outputs only) evaluates each escaped string."""
    hcl = Hcl({})
    config = [f'output "s{n}" {{\n  value = {hcl.string(text)}\n}}' for n, text in enumerate(TRICKY)]
    # A heredoc (a policy the data source cannot render) takes the same template escapes, no backslash ones.
    document = json.dumps({"Resource": TRICKY}, indent=2, ensure_ascii=False)
    config += hcl.render(Block('output "heredoc"').heredoc("value", document))
    (tmp_path / "main.tf").write_text("\n".join(config) + "\n")
    applied = _terraform(tmp_path, "apply", "-auto-approve", "-input=false", "-no-color")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    outputs = json.loads(_terraform(tmp_path, "output", "-json").stdout)
    assert [outputs[f"s{n}"]["value"] for n in range(len(TRICKY))] == TRICKY
    assert json.loads(outputs["heredoc"]["value"]) == {"Resource": TRICKY}
