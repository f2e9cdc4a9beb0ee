"""Reading the Terraform export back, independently of how it was written: python-hcl2 parses the HCL,
these helpers undo HCL's string escapes and turn the blocks back into the JSON AWS would receive,
following the provider's documented rendering of ``data "aws_iam_policy_document"``
(https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document) and
the naming convention of ``aws_s3_bucket_replication_configuration`` (snake_case of the API's names)."""

from __future__ import annotations

import re
from typing import Any

import hcl2

_ESCAPE = re.compile(r'\\(["\\nrt])|\\u([0-9a-fA-F]{4})|\$\$\{|%%\{|\$\{([^}]*)\}')
_SIMPLE = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
REFERENCE_TO_PLACEHOLDER = {
    "aws_kms_key.source_key.arn": "SOURCE_KEY_ARN",
    "aws_kms_key.replica_key.arn": "REPLICA_KEY_ARN",
}


class Interpolation(AssertionError):
    """A ``${...}`` Terraform would evaluate, other than a created key's ARN."""


def _interpolated(expression: str) -> str:
    if expression not in REFERENCE_TO_PLACEHOLDER:
        raise Interpolation(f"Terraform would evaluate ${{{expression}}}")
    return "${" + REFERENCE_TO_PLACEHOLDER[expression] + "}"


def _replace(match: re.Match[str]) -> str:
    text = match.group(0)
    if match.group(1):
        return _SIMPLE[match.group(1)]
    if match.group(2):
        return chr(int(match.group(2), 16))
    if text == "$${":
        return "${"
    if text == "%%{":
        return "%{"
    return _interpolated(match.group(3))


def string(token: Any) -> Any:
    """The value Terraform gives a quoted string, a heredoc or a bare reference, as hcl2 hands it over."""
    if not isinstance(token, str):
        return token
    if token.startswith('"<<EOT\n') and token.endswith('\nEOT"'):
        body = token[len('"<<EOT\n') : -len('\nEOT"')]
        # Heredocs take no backslash escapes: only the template sequences.
        return re.sub(
            r"\$\$\{|%%\{|\$\{([^}]*)\}",
            lambda m: {"$${": "${", "%%{": "%{"}.get(m.group(0)) or _interpolated(m.group(1)),
            body,
        )
    if token.startswith('"') and token.endswith('"'):
        inner = token[1:-1]
        if "%{" in inner.replace("%%{", ""):
            raise Interpolation(f"Terraform would read a template directive in {token}")
        return _ESCAPE.sub(_replace, inner)
    if token.startswith("${") and token.endswith("}"):
        expression = token[2:-1]
        if expression in REFERENCE_TO_PLACEHOLDER:
            return _interpolated(expression)
        return ("ref", expression)
    return token


def value(raw: Any) -> Any:
    if isinstance(raw, list):
        return [value(item) for item in raw]
    if isinstance(raw, dict):
        return {string(key): value(item) for key, item in raw.items() if not str(key).startswith("__")}
    return string(raw)


def load(text: str) -> dict[str, Any]:
    """``{"provider": [...], "data": {(type, name): body}, "resource": {(type, name): body}}``."""
    parsed = hcl2.loads(text)
    result: dict[str, Any] = {"provider": [], "data": {}, "resource": {}}
    for entry in parsed.get("provider", []):
        for _name, body in entry.items():
            result["provider"].append(value(body))
    for kind in ("data", "resource"):
        for entry in parsed.get(kind, []):
            for type_token, named in entry.items():
                for name_token, body in named.items():
                    key = (string(type_token), string(name_token))
                    assert key not in result[kind], f"two blocks {key}"
                    result[kind][key] = value(body)
    return result


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def policy_from_data(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON the data source renders: Version, Id, and one statement per ``statement`` block."""
    document: dict[str, Any] = {"Version": body.get("version", "2012-10-17")}
    if "policy_id" in body:
        document["Id"] = body["policy_id"]
    statements = []
    for block in body.get("statement", []):
        statement: dict[str, Any] = {}
        if "sid" in block:
            statement["Sid"] = block["sid"]
        statement["Effect"] = block.get("effect", "Allow")
        for name, key in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            if name in block:
                statement[key] = _one_or_many(block[name])
        for name, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if name in block:
                principal: dict[str, Any] = {}
                for item in block[name]:
                    if item["type"] == "*":
                        principal = "*"  # type: ignore[assignment]
                        break
                    principal.setdefault(item["type"], []).extend(item["identifiers"])
                statement[key] = principal if principal == "*" else {k: _one_or_many(v) for k, v in principal.items()}
        if "condition" in block:
            condition: dict[str, dict[str, Any]] = {}
            for item in block["condition"]:
                condition.setdefault(item["test"], {})[item["variable"]] = _one_or_many(item["values"])
            statement["Condition"] = condition
        statements.append(statement)
    document["Statement"] = statements
    return document


_IRREGULAR = {
    "id": "ID",
    "replica_kms_key_id": "ReplicaKmsKeyID",
    "rule": "Rules",
    "sse_algorithm": "SSEAlgorithm",
    "kms_master_key_id": "KMSMasterKeyID",
}
_BLOCKS_ONCE = {
    "filter",
    "tag",
    "and",
    "destination",
    "source_selection_criteria",
    "sse_kms_encrypted_objects",
    "replica_modifications",
    "existing_object_replication",
    "delete_marker_replication",
    "access_control_translation",
    "encryption_configuration",
    "replication_time",
    "time",
    "metrics",
    "event_threshold",
    "versioning_configuration",
    "apply_server_side_encryption_by_default",
}


def api_name(name: str) -> str:
    return _IRREGULAR.get(name) or "".join(part.capitalize() for part in name.split("_"))


def api_value(body: Any, name: str = "") -> Any:
    """Blocks and arguments back to the S3 API's shape (``rule`` blocks -> ``Rules``, ``tags`` map -> list)."""
    if name == "tags" and isinstance(body, dict):
        return body
    if isinstance(body, dict):
        return {api_name(k): api_value(v, k) for k, v in body.items() if k != "provider"}
    if isinstance(body, list) and name in _BLOCKS_ONCE:
        assert len(body) == 1, f"{name} given more than once"
        return api_value(body[0], name)
    if isinstance(body, list):
        return [api_value(item, name) for item in body]
    return body


def rules_from_resource(body: dict[str, Any]) -> dict[str, Any]:
    """Default encryption and ownership controls: their ``rule`` blocks back to ``{"Rules": [...]}``."""
    return {"Rules": [api_value(rule, "rule") for rule in body.get("rule", [])]}


def replication_from_resource(body: dict[str, Any]) -> dict[str, Any]:
    config = {"Role": body["role"], "Rules": [api_value(rule, "rule") for rule in body.get("rule", [])]}
    for rule in config["Rules"]:
        and_filter = rule.get("Filter", {}).get("And")
        if and_filter and "Tags" in and_filter:
            and_filter["Tags"] = [{"Key": k, "Value": v} for k, v in and_filter["Tags"].items()]
    return config
