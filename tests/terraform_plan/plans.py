"""Plan JSON as `terraform show -json` writes it (format 1.2, AWS provider v5 schemas), for a two-account
setup: source account 111122223333 (us-east-1, provider aws.source), destination 444455556666 (us-west-2,
provider aws.destination). ``healthy()`` is the whole setup in one plan; the breakages change one thing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
HEALTHY = HERE / "healthy.json"
SOURCE, DEST = "111122223333", "444455556666"
ROLE_ARN = f"arn:aws:iam::{SOURCE}:role/s3-replication"


def healthy() -> dict[str, Any]:
    return json.loads(HEALTHY.read_text())


def change(plan: dict[str, Any], address: str) -> dict[str, Any]:
    return next(c for c in plan["resource_changes"] if c["address"] == address)["change"]


def planned(plan: dict[str, Any], address: str) -> dict[str, Any]:
    return next(r for r in plan["planned_values"]["root_module"]["resources"] if r["address"] == address)["values"]


def edit(plan: dict[str, Any], address: str, **values: Any) -> dict[str, Any]:
    """Set values of one resource in both places a plan holds them."""
    plan = copy.deepcopy(plan)
    change(plan, address)["after"].update(values)
    planned(plan, address).update(values)
    return plan


def drop(plan: dict[str, Any], address: str) -> dict[str, Any]:
    plan = copy.deepcopy(plan)
    plan["resource_changes"] = [c for c in plan["resource_changes"] if c["address"] != address]
    module = plan["planned_values"]["root_module"]
    module["resources"] = [r for r in module["resources"] if r["address"] != address]
    config = plan["configuration"]["root_module"]
    config["resources"] = [r for r in config["resources"] if r["address"] != address]
    return plan


def policy(document: dict[str, Any]) -> str:
    return json.dumps(document)
