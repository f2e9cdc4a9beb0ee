"""A ``terraform show -json plan.tfplan`` document: its resource instances with their planned values,
what is known only after apply, and the references of their configuration expressions.

The format (Terraform's "JSON Output Format", format_version 1.x,
https://developer.hashicorp.com/terraform/internals/json-format):
  - ``resource_changes[]``: every managed resource instance, ``change.actions``, ``change.after`` (unknown
    values omitted) and ``change.after_unknown`` (same shape, ``true`` where known only after apply);
  - ``planned_values`` / ``prior_state``: ``root_module.resources[]`` and ``child_modules[]`` recursively
    (data sources read while planning, such as ``aws_caller_identity``, are there);
  - ``configuration``: ``root_module.resources[].expressions`` (``constant_value`` or ``references``,
    module-local addresses) and ``module_calls.<name>.module`` recursively; ``provider_config``.
Nothing here does I/O but ``load``; a bad file is one sentence (exit 2)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3repl_tui.errors import EXIT_USAGE, UserError

HINT = "Write it with `terraform plan -out plan.tfplan && terraform show -json plan.tfplan > plan.json`."


class PlanError(UserError):
    def __init__(self, message: str, hint: str = HINT) -> None:
        super().__init__(message, hint=hint, exit_code=EXIT_USAGE)


class _Unknown:
    """A value the plan says is known only after apply."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class Resource:
    """One resource instance as the plan leaves it."""

    address: str  # absolute: module.m.aws_s3_bucket.b[0]
    mode: str  # "managed" | "data"
    type: str
    name: str
    module: str  # "" or "module.m"
    actions: tuple[str, ...]  # ("create",), ("no-op",), ("update",), ("delete", "create"), ("read",)...
    after: Mapping[str, Any]
    after_unknown: Any
    expressions: Mapping[str, Any] = field(default_factory=dict)  # the configuration block, module-local
    provider_key: str = ""

    @property
    def created(self) -> bool:
        """The object does not exist yet: apply creates (or replaces) it."""
        return "create" in self.actions and "no-op" not in self.actions

    def get(self, *path: str | int) -> Any:
        """The planned value at ``path``; ``UNKNOWN`` when known only after apply, None when not set."""
        value: Any = self.after
        unknown: Any = self.after_unknown
        for step in path:
            if unknown is True:
                return UNKNOWN
            unknown = _step(unknown, step)
            value = _step(value, step)
        if unknown is True:
            return UNKNOWN
        return value

    def expression(self, *path: str | int) -> Mapping[str, Any]:
        node: Any = self.expressions
        for step in path:
            node = _step(node, step)
        return node if isinstance(node, Mapping) else {}

    def references(self, *path: str | int) -> tuple[str, ...]:
        """The absolute addresses the configuration expression at ``path`` refers to."""
        refs = self.expression(*path).get("references") or ()
        prefix = f"{self.module}." if self.module else ""
        return tuple(ref if ref.startswith(("var.", "local.", "each.", "count.")) else prefix + ref
                     for ref in refs if isinstance(ref, str))


def _step(node: Any, step: str | int) -> Any:
    if isinstance(step, int):
        return node[step] if isinstance(node, list) and 0 <= step < len(node) else None
    return node.get(step) if isinstance(node, Mapping) else None


@dataclass(frozen=True)
class Plan:
    path: str
    resources: Mapping[str, Resource]  # absolute address -> instance (deleted ones left out)
    providers: Mapping[str, Mapping[str, Any]]  # provider_config key -> its configuration
    variables: Mapping[str, Any]

    def of_type(self, kind: str) -> Iterator[Resource]:
        return (r for r in self.resources.values() if r.type == kind and r.mode == "managed")

    def data(self, kind: str) -> Iterator[Resource]:
        return (r for r in self.resources.values() if r.type == kind and r.mode == "data")

    def referenced(self, resource: Resource, *path: str | int) -> Resource | None:
        """The resource the expression at ``path`` names (``aws_iam_role.r.arn`` -> ``aws_iam_role.r``)."""
        for ref in resource.references(*path):
            found = self.resources.get(ref)
            if found is not None:
                return found
        for ref in resource.references(*path):  # a resource with count: aws_iam_role.r -> aws_iam_role.r[0]
            found = self.resources.get(f"{ref}[0]")
            if found is not None:
                return found
        return None

    def provider_value(self, resource: Resource, name: str) -> Any:
        """A provider argument (``region``) as configured: its constant, or the variable it names."""
        config = self.providers.get(resource.provider_key) or {}
        expression = (config.get("expressions") or {}).get(name)
        if isinstance(expression, list):  # a nested block (assume_role)
            expression = expression[0] if expression else None
        return self.constant(expression)

    def constant(self, expression: Any) -> Any:
        if not isinstance(expression, Mapping):
            return None
        if "constant_value" in expression:
            return expression["constant_value"]
        for ref in expression.get("references") or ():
            if isinstance(ref, str) and ref.startswith("var.") and ref[4:] in self.variables:
                return (self.variables[ref[4:]] or {}).get("value")
        return None


def load(path: Path) -> Plan:
    """Read and check a plan file: one sentence for what is not a JSON plan."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "it is not UTF-8 text"
        raise PlanError(f"Cannot read the Terraform plan {path}: {reason}.") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        hint = HINT if not text.startswith("tfplan") and "\x00" not in text[:512] else \
            "That is the binary plan; " + HINT[0].lower() + HINT[1:]
        raise PlanError(f"{path} is not JSON (line {error.lineno}, column {error.colno}).", hint) from None
    return parse(document, str(path))


def parse(document: Any, path: str = "plan.json") -> Plan:
    plan_like = isinstance(document, dict) and ("resource_changes" in document or "planned_values" in document)
    if isinstance(document, dict) and "values" in document and not plan_like:
        raise PlanError(f"{path} is a Terraform state in JSON, not a plan (it has values, no planned_values).")
    if not isinstance(document, dict) or "format_version" not in document or not plan_like:
        raise PlanError(f"{path} is not a Terraform plan in JSON (it has no format_version and planned_values).")
    version = str(document.get("format_version"))
    if not re.fullmatch(r"1(\.\d+)*", version):
        raise PlanError(f"{path} has format_version {version}; this version reads Terraform plans of format 1.x.")
    if document.get("errored") is True:
        raise PlanError(f"{path} is the plan of a `terraform plan` that failed (errored), so it is incomplete.",
                        hint="Fix the errors terraform plan reported, then plan again.")
    expressions, provider_keys = _configuration(document.get("configuration") or {})
    resources: dict[str, Resource] = {}
    for item in _module_resources((document.get("prior_state") or {}).get("values") or {}):
        if item.get("mode") == "data":
            resources[item["address"]] = _from_values(item, expressions, provider_keys)
    for item in _module_resources(document.get("planned_values") or {}):
        resources[item["address"]] = _from_values(item, expressions, provider_keys)
    for change in document.get("resource_changes") or ():
        if not isinstance(change, dict) or "address" not in change or change.get("deposed"):
            continue
        body = change.get("change") or {}
        actions = tuple(str(a) for a in body.get("actions") or ())
        if actions == ("delete",):
            resources.pop(change["address"], None)
            continue
        resources[change["address"]] = Resource(
            address=str(change["address"]),
            mode=str(change.get("mode", "managed")),
            type=str(change.get("type", "")),
            name=str(change.get("name", "")),
            module=str(change.get("module_address") or ""),
            actions=actions,
            after=body.get("after") or {},
            after_unknown=body.get("after_unknown") or {},
            expressions=expressions.get(_config_address(change), {}),
            provider_key=provider_keys.get(_config_address(change), ""),
        )
    providers = (document.get("configuration") or {}).get("provider_config") or {}
    return Plan(path, resources, providers, document.get("variables") or {})


def _module_resources(values: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    def walk(module: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        for item in module.get("resources") or ():
            if isinstance(item, dict) and "address" in item:
                yield item
        for child in module.get("child_modules") or ():
            if isinstance(child, Mapping):
                yield from walk(child)

    return walk(values.get("root_module") or {})


def _module_of(address: str) -> str:
    """``module.a.module.b.aws_x.y[0]`` -> ``module.a.module.b``."""
    base = re.sub(r"\[[^\]]*\]$", "", address)
    parts = base.split(".")
    local = 3 if len(parts) >= 3 and parts[-3] == "data" else 2
    return ".".join(parts[:-local])


def _config_address(item: Mapping[str, Any]) -> str:
    """Instance address -> configuration address (module instance keys and resource index dropped)."""
    address = str(item.get("address", ""))
    address = re.sub(r"\[[^\]]*\]", "", address)
    return address


def _from_values(item: Mapping[str, Any], expressions: Mapping[str, Any], providers: Mapping[str, str]) -> Resource:
    address = str(item["address"])
    mode = str(item.get("mode", "managed"))
    return Resource(
        address=address,
        mode=mode,
        type=str(item.get("type", "")),
        name=str(item.get("name", "")),
        module=_module_of(address),
        actions=("read",) if mode == "data" else ("no-op",),
        after=item.get("values") or {},
        after_unknown={},
        expressions=expressions.get(_config_address(item), {}),
        provider_key=providers.get(_config_address(item), ""),
    )


def _configuration(configuration: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Configuration address (module path without instance keys) -> expressions, and -> provider key."""
    expressions: dict[str, Any] = {}
    providers: dict[str, str] = {}

    def walk(module: Mapping[str, Any], prefix: str) -> None:
        for item in module.get("resources") or ():
            if not isinstance(item, Mapping) or "address" not in item:
                continue
            mode = "data." if item.get("mode") == "data" and not str(item["address"]).startswith("data.") else ""
            address = f"{prefix}{mode}{item['address']}"
            expressions[address] = item.get("expressions") or {}
            providers[address] = str(item.get("provider_config_key") or "")
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, Mapping):
                walk(call.get("module") or {}, f"{prefix}module.{name}.")

    walk(configuration.get("root_module") or {}, "")
    return expressions, providers
