"""Counting inventory rows by replication status: overall, by prefix, by age, by rule. Bounded memory:
counters only, at most ``MAX_PREFIXES`` distinct prefixes (the rest are counted together) and
``MAX_EXAMPLES`` FAILED keys kept to show. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from s3repl_tui.inventory.rules import RuleMatcher

STATUSES = ("FAILED", "PENDING", "COMPLETED", "REPLICA", "NONE")
OTHER = "OTHER"
AGE_BUCKETS = ("<1h", "<24h", "<7d", "older")
NO_DATE = "no date"
MAX_PREFIXES = 10_000
MAX_EXAMPLES = 10
OTHER_PREFIXES = "(other prefixes)"


def zero_counts() -> dict[str, int]:
    return dict.fromkeys((*STATUSES, OTHER), 0)


def status_of(value: str) -> str:
    """An inventory's ReplicationStatus value: empty is NONE (not eligible); unknown values are OTHER."""
    text = value.strip().upper()
    if not text:
        return "NONE"
    return text if text in STATUSES else OTHER


TOP_LEVEL = "(top level)"


class AgeBuckets:
    """Ages back from ``reference``. S3 writes CSV dates as ``2024-05-01T12:00:00.000Z``, which sort as
    they read: a CSV date is bucketed by comparing text, without parsing it (10 million rows)."""

    def __init__(self, reference: dt.datetime) -> None:
        self.reference = reference.astimezone(dt.UTC)
        self.limits = tuple((self.reference - dt.timedelta(seconds=s), label)
                            for s, label in ((3600, "<1h"), (86400, "<24h"), (7 * 86400, "<7d")))
        self.text_limits = tuple((moment.strftime("%Y-%m-%dT%H:%M:%S"), label) for moment, label in self.limits)

    def of(self, modified: str | dt.datetime | None) -> str:
        if modified is None or modified == "":
            return NO_DATE
        if isinstance(modified, str):
            stamp = modified[:19]
            for limit, label in self.text_limits:
                if stamp > limit:
                    return label
            return "older"
        moment = modified if modified.tzinfo else modified.replace(tzinfo=dt.UTC)
        for limit_moment, label in self.limits:
            if moment > limit_moment:
                return label
        return "older"


def prefix_of(key: str, depth: int) -> str:
    """The first ``depth`` path segments with their slash (``logs/2024/``); a key with fewer
    segments counts under its folder, a key without a slash under ``(top level)``."""
    end = -1
    for _ in range(depth):
        found = key.find("/", end + 1)
        if found < 0:
            break
        end = found
    return key[: end + 1] if end >= 0 else TOP_LEVEL


@dataclass(frozen=True)
class Row:
    """A FAILED row, as the Batch manifest writer receives it."""

    bucket: str
    key: str
    version_id: str | None


@dataclass
class Tally:
    ages: AgeBuckets  # ages are measured back from the inventory's creation
    matcher: RuleMatcher
    prefix_depth: int = 1
    has_dates: bool = False
    rows: int = 0
    statuses: dict[str, int] = field(default_factory=zero_counts)
    by_prefix: dict[str, dict[str, int]] = field(default_factory=dict)
    by_age: dict[str, dict[str, int]] = field(default_factory=dict)
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    failed_examples: list[str] = field(default_factory=list)
    on_failed: Callable[[Row], None] | None = None  # each FAILED row as it is read (the Batch manifest)
    _rule_cache: dict[str, str] = field(default_factory=dict, repr=False)
    _longest_rule_prefix: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self._longest_rule_prefix = max((len(rule.prefix) for rule in self.matcher.rules), default=0)

    def add(self, bucket: str, key: str, version_id: str | None, status: str,
            modified: str | dt.datetime | None = None, delete_marker: bool = False) -> None:
        """One inventory row; ``status`` is one of STATUSES or OTHER (``status_of``)."""
        self.rows += 1
        self.statuses[status] += 1
        prefix = prefix_of(key, self.prefix_depth)
        counts = self.by_prefix.get(prefix)
        if counts is None:
            prefix = prefix if len(self.by_prefix) < MAX_PREFIXES else OTHER_PREFIXES
            counts = self.by_prefix.setdefault(prefix, zero_counts())
        counts[status] += 1
        if self.has_dates:
            self.by_age.setdefault(self.ages.of(modified), zero_counts())[status] += 1
        rule = self._rule(key, prefix)
        self.by_rule.setdefault(rule, zero_counts())[status] += 1
        if status == "FAILED":
            if len(self.failed_examples) < MAX_EXAMPLES:
                self.failed_examples.append(key)
            if self.on_failed is not None and not delete_marker:
                self.on_failed(Row(bucket, key, version_id))

    def _rule(self, key: str, prefix: str) -> str:
        # Keys under one counted prefix share their rule when no rule prefix is longer than that prefix.
        if prefix != OTHER_PREFIXES and len(prefix) >= self._longest_rule_prefix and key.startswith(prefix):
            cached = self._rule_cache.get(prefix)
            if cached is None:
                cached = self._rule_cache[prefix] = self.matcher.rule_for(key)
            return cached
        return self.matcher.rule_for(key)

    @property
    def failed(self) -> int:
        return self.statuses["FAILED"]

    def to_json(self) -> dict[str, Any]:
        def ordered(groups: dict[str, dict[str, int]], name: str) -> list[dict[str, Any]]:
            items = sorted(groups.items(), key=lambda item: (-item[1]["FAILED"], -item[1]["PENDING"], item[0]))
            return [{name: label, "statuses": counts} for label, counts in items]

        ages = None
        if self.has_dates:
            ages = [{"age": label, "statuses": self.by_age.get(label, zero_counts())}
                    for label in (*AGE_BUCKETS, NO_DATE) if label in self.by_age or label != NO_DATE]
        return {
            "rows": self.rows,
            "statuses": self.statuses,
            "prefix_depth": self.prefix_depth,
            "by_prefix": ordered(self.by_prefix, "prefix"),
            "prefixes_capped": OTHER_PREFIXES in self.by_prefix,
            "by_age": ages,
            "by_rule": ordered(self.by_rule, "rule"),
            "failed_examples": list(self.failed_examples),
        }
