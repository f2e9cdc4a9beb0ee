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


def add_resource(plan: dict[str, Any], kind: str, name: str, values: dict[str, Any], unknown: dict[str, Any],
                 expressions: dict[str, Any], provider_key: str = "aws.source") -> dict[str, Any]:
    """A resource the plan creates, in resource_changes, planned_values and the configuration."""
    plan = copy.deepcopy(plan)
    address = f"{kind}.{name}"
    head = {"address": address, "mode": "managed", "type": kind, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws"}
    plan["resource_changes"].append({**head, "change": {"actions": ["create"], "before": None, "after": values,
                                                        "after_unknown": unknown}})
    plan["planned_values"]["root_module"]["resources"].append({**head, "schema_version": 0, "values": values})
    plan["configuration"]["root_module"]["resources"].append(
        {**head, "provider_config_key": provider_key, "expressions": expressions})
    return plan


def role_policy_split(plan: dict[str, Any], policy_arn: str | None) -> dict[str, Any]:
    """The role's S3 statements moved out of its inline policy into a managed policy: a planned
    aws_iam_policy (``policy_arn`` None) or an existing one attached by ARN."""
    inline = json.loads(change(plan, "aws_iam_role_policy.replication")["after"]["policy"])
    s3 = [s for s in inline["Statement"] if not any(str(a).startswith("kms:") for a in _actions(s))]
    kms = [s for s in inline["Statement"] if s not in s3]
    text = policy({"Version": "2012-10-17", "Statement": kms})
    plan = edit(plan, "aws_iam_role_policy.replication", policy=text)
    next(r for r in plan["configuration"]["root_module"]["resources"]
         if r["address"] == "aws_iam_role_policy.replication")["expressions"]["policy"] = {"constant_value": text}
    attach_expressions: dict[str, Any] = {"role": {"references": ["aws_iam_role.replication.name",
                                                                  "aws_iam_role.replication"]}}
    if policy_arn is None:
        document = policy({"Version": "2012-10-17", "Statement": s3})
        plan = add_resource(plan, "aws_iam_policy", "replication_s3", {"name": "replication-s3", "path": "/",
                            "policy": document, "description": None, "tags": None},
                            {"arn": True, "id": True, "policy_id": True, "tags_all": True},
                            {"name": {"constant_value": "replication-s3"}, "policy": {"constant_value": document}})
        attach_expressions["policy_arn"] = {"references": ["aws_iam_policy.replication_s3.arn",
                                                           "aws_iam_policy.replication_s3"]}
        values: dict[str, Any] = {}
        unknown = {"id": True, "policy_arn": True, "role": True}
    else:
        attach_expressions["policy_arn"] = {"constant_value": policy_arn}
        values = {"policy_arn": policy_arn}
        unknown = {"id": True, "role": True}
    return add_resource(plan, "aws_iam_role_policy_attachment", "replication_s3", values, unknown, attach_expressions)


def _actions(statement: dict[str, Any]) -> list[Any]:
    actions = statement.get("Action", [])
    return actions if isinstance(actions, list) else [actions]
