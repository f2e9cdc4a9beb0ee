"""Counting inventory rows by replication status: overall, by prefix, by age, by rule. Bounded memory:
counters only, at most ``MAX_PREFIXES`` distinct prefixes (the rest are counted together),
``MAX_RULE_STARTS`` remembered rule lookups and ``MAX_EXAMPLES`` FAILED keys kept to show. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from s3repl_tui.inventory.rules import RuleMatcher

STATUSES = ("FAILED", "PENDING", "COMPLETED", "REPLICA", "NONE")
OTHER = "OTHER"
AGE_BUCKETS = ("<1h", "<24h", "<7d", "older")
NO_DATE = "no date"
MAX_PREFIXES = 10_000
MAX_EXAMPLES = 10
MAX_RULE_STARTS = 100_000  # key starts whose rule is remembered
OTHER_PREFIXES = "(other prefixes)"


def zero_counts() -> dict[str, int]:
    return dict.fromkeys((*STATUSES, OTHER), 0)


_STATUS_OF = {"": "NONE", **{name: name for name in STATUSES}}


def status_of(value: str) -> str:
    """An inventory's ReplicationStatus value: empty is NONE (not eligible); unknown values are OTHER."""
    known = _STATUS_OF.get(value)
    if known is not None:
        return known
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
    url_encoded_keys: bool = False  # CSV reports URL-encode keys; Parquet and ORC do not
    _rule_cache: dict[str, str] = field(default_factory=dict, repr=False)
    _decoded_prefixes: dict[str, str] = field(default_factory=dict, repr=False)
    _longest_rule_prefix: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self._longest_rule_prefix = max((len(rule.prefix) for rule in self.matcher.rules), default=0)

    def add(self, bucket: str, key: str, version_id: str | None, status: str,
            modified: str | dt.datetime | None = None, delete_marker: bool = False) -> None:
        """One inventory row; ``status`` is one of STATUSES or OTHER (``status_of``). With
        ``url_encoded_keys``, ``key`` is as the CSV holds it: only what is counted of it is decoded
        (its prefix, the start a rule prefix can match; the whole key for a FAILED row)."""
        self.rows += 1
        self.statuses[status] += 1
        encoded = self.url_encoded_keys and ("%" in key or "+" in key)
        if encoded and ("%2F" in key or "%2f" in key):  # a slash written encoded: decode it all first
            key, encoded = unquote_plus(key), False
        prefix = prefix_of(key, self.prefix_depth)
        if encoded and prefix != TOP_LEVEL:
            prefix = self._decoded_prefix(prefix)
        counts = self.by_prefix.get(prefix)
        if counts is None:
            if len(self.by_prefix) >= MAX_PREFIXES:
                prefix = OTHER_PREFIXES
            counts = self.by_prefix.get(prefix)
            if counts is None:
                counts = self.by_prefix[prefix] = zero_counts()
        counts[status] += 1
        if self.has_dates:
            age = self.ages.of(modified)
            ages = self.by_age.get(age)
            if ages is None:
                ages = self.by_age[age] = zero_counts()
            ages[status] += 1
        rule = self._rule(key, encoded)
        rules = self.by_rule.get(rule)
        if rules is None:
            rules = self.by_rule[rule] = zero_counts()
        rules[status] += 1
        if status == "FAILED":
            decoded = unquote_plus(key) if encoded else key
            if len(self.failed_examples) < MAX_EXAMPLES:
                self.failed_examples.append(decoded)
            if self.on_failed is not None and not delete_marker:
                self.on_failed(Row(bucket, decoded, version_id))

    def _decoded_prefix(self, raw: str) -> str:
        decoded = self._decoded_prefixes.get(raw)
        if decoded is None:
            decoded = unquote_plus(raw)
            if len(self._decoded_prefixes) < MAX_PREFIXES:
                self._decoded_prefixes[raw] = decoded
        return decoded

    def _rule(self, key: str, encoded: bool) -> str:
        """The rule of ``key``. It depends on the key's first ``longest rule prefix`` characters only, so
        it is remembered for them (when they are not URL-encoded, or the key is not)."""
        start = key[: self._longest_rule_prefix]
        if encoded and ("%" in start or "+" in start):
            return self.matcher.rule_for(unquote_plus(key))
        cached = self._rule_cache.get(start)
        if cached is None:
            cached = self.matcher.rule_for(start)
            if len(self._rule_cache) < MAX_RULE_STARTS:
                self._rule_cache[start] = cached
        return cached

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
