"""Which replication rule applies to one object: its filter (V1 ``Prefix``, V2 ``Filter.Prefix|Tag|And``;
every tag of an ``And`` must match), its status, and priority (among enabled rules to the same
destination, the highest ``Priority`` wins and its settings apply).

Pure: rules as ``checks.facts.rule_facts`` normalises them, a key and its tags in; the decision out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from s3repl_tui.checks.facts import RuleFacts, rule_facts
from s3repl_tui.probes.snapshot import Document


@dataclass(frozen=True)
class RuleMatch:
    """One rule judged against one object."""

    rule: RuleFacts
    filter_matches: bool  # the key's prefix and every tag match
    reasons: tuple[str, ...]  # why the filter does not match (empty when it does)
    shadowed_by: str | None = None  # label of the higher-priority rule to the same destination

    @property
    def applies(self) -> bool:
        """This rule replicates the object (enabled, matching, not shadowed)."""
        return self.rule.enabled and self.filter_matches and self.shadowed_by is None

    @property
    def destination(self) -> str:
        return self.rule.destination_bucket or self.rule.destination_arn

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule.id,
            "destination": self.destination,
            "priority": self.rule.priority,
            "enabled": self.rule.enabled,
            "prefix": self.rule.prefix,
            "tags": dict(self.rule.tags),
            "filter_matches": self.filter_matches,
            "applies": self.applies,
            "shadowed_by": self.shadowed_by,
            "reasons": list(self.reasons),
        }


def _mismatches(rule: RuleFacts, key: str, tags: Mapping[str, str] | None) -> list[str]:
    reasons = []
    if not key.startswith(rule.prefix):
        reasons.append(f"the key does not start with the prefix {rule.prefix!r} (prefixes are case-sensitive)")
    for name, value in rule.tags:
        if tags is None:
            reasons.append(f"the object's tags could not be read to compare with {name}={value}")
        elif name not in tags:
            reasons.append(f"the object has no tag {name}={value}")
        elif tags[name] != value:
            reasons.append(f"the object's tag {name}={tags[name]} is not {name}={value}")
    return reasons


def match_rules(
    configuration: Document | None, key: str, tags: Mapping[str, str] | None
) -> tuple[RuleMatch, ...]:
    """Every rule of ``configuration`` judged for ``key`` with ``tags`` (None: tags unknown)."""
    drafts = []
    for rule in rule_facts(configuration):
        reasons = _mismatches(rule, key, tags)
        drafts.append(RuleMatch(rule, not reasons, tuple(reasons)))
    return _resolve_priorities(drafts)


def _resolve_priorities(drafts: Sequence[RuleMatch]) -> tuple[RuleMatch, ...]:
    """Only the highest-priority applying rule per destination replicates the object (catalog S16)."""
    winners: dict[str, RuleMatch] = {}
    for match in drafts:
        if not match.applies:
            continue
        best = winners.get(match.destination)
        if best is None or (match.rule.priority or 0) > (best.rule.priority or 0):
            winners[match.destination] = match
    resolved = []
    for match in drafts:
        winner = winners.get(match.destination)
        if match.applies and winner is not None and winner is not match:
            match = RuleMatch(match.rule, match.filter_matches, match.reasons, shadowed_by=winner.rule.label)
        resolved.append(match)
    return tuple(resolved)


def applying(matches: Sequence[RuleMatch]) -> tuple[RuleMatch, ...]:
    return tuple(match for match in matches if match.applies)
