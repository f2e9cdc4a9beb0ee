"""Which replication rule an inventoried key falls under, judged from its key alone.

S3 applies the enabled rule with the highest ``Priority`` whose filter matches the object. An inventory
row has the key but not the tags, so a rule whose filter names tags cannot be judged: when such a rule
is the first candidate by prefix, the key's rule is "rule unknown (tag filter)". Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NO_RULE = "no rule (not eligible)"
TAG_RULE = "rule unknown (tag filter)"
NO_CONFIGURATION = "no replication configuration"


@dataclass(frozen=True)
class RulePrefix:
    rule_id: str
    prefix: str
    has_tags: bool


def _filter(rule: Mapping[str, Any]) -> tuple[str, bool]:
    """(prefix, whether tags also decide) of a rule, V2 ``Filter`` or the V1 rule-level ``Prefix``."""
    if "Filter" not in rule:
        return str(rule.get("Prefix", "")), False
    flt: Mapping[str, Any] = rule.get("Filter") or {}
    if "And" in flt:
        both: Mapping[str, Any] = flt["And"] or {}
        return str(both.get("Prefix", "")), bool(both.get("Tags"))
    if "Tag" in flt:
        return "", True
    return str(flt.get("Prefix", "")), False


def rule_prefixes(configuration: Mapping[str, Any]) -> tuple[RulePrefix, ...]:
    """The enabled rules, highest priority first (rules without one keep their order)."""
    rules: Sequence[Mapping[str, Any]] = configuration.get("Rules") or []
    enabled = [(index, rule) for index, rule in enumerate(rules) if rule.get("Status") == "Enabled"]
    enabled.sort(key=lambda item: (-int(item[1].get("Priority", 0) or 0), item[0]))
    made = []
    for index, rule in enabled:
        prefix, has_tags = _filter(rule)
        made.append(RulePrefix(str(rule.get("ID") or f"rule #{index + 1}"), prefix, has_tags))
    return tuple(made)


class RuleMatcher:
    """``matcher.rule_for(key)``: the rule id, ``NO_RULE`` or ``TAG_RULE``; memoised per prefix shape."""

    def __init__(self, configuration: Mapping[str, Any] | None) -> None:
        self.rules = rule_prefixes(configuration) if configuration is not None else ()
        self.configured = configuration is not None

    def rule_for(self, key: str) -> str:
        if not self.configured:
            return NO_CONFIGURATION
        for rule in self.rules:
            if key.startswith(rule.prefix):
                return TAG_RULE if rule.has_tags else rule.rule_id
        return NO_RULE
