"""The monitoring layer as numbers: per rule and destination whether metrics are on, the failures in
the window with a sparkline of them, the backlog, the latency against S3 RTC's threshold, the failure
reasons events reported (and the layer each blames), and when the probe last read them.

Everything comes from the monitoring findings' evidence (checks/monitoring.py): no AWS call here.
Marks and bars are characters, so the panel reads the same without colour (NO_COLOR)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from s3repl_tui.checks.model import LayerResult
from s3repl_tui.checks.monitoring import RTC_THRESHOLD_SECONDS, bars
from s3repl_tui.fixes.model import Plan
from s3repl_tui.plain_text import printable_line as _p
from s3repl_tui.widgets.findings import (
    STATUS_MARK,
    STATUS_STYLE,
    STATUS_WORD,
    emphasis,
    layer_body,
    layer_changes,
)
from s3repl_tui.widgets.layer_panel import status_panel_css

MONITORING = "monitoring"
_METRIC_CODES = ("monitoring-backlog", "monitoring-rtc-threshold-missed", "monitoring-no-datapoints")
_FAILURE_CODES = ("monitoring-failures-contradict", "monitoring-failures-observed")
INDENT = 2


@dataclass
class RuleNumbers:
    """What the panel shows of one rule and destination."""

    rule: str
    destination: str
    metrics: str = "on"  # "on", "off" or "unreadable"
    error: str = ""
    failures: float = 0.0
    contradicts: bool = False  # the failures contradict the check: the layer fails on them
    per_period: Sequence[float] = ()
    window_seconds: int = 0
    pending_operations: float | None = None
    pending_bytes: float | None = None
    max_latency: float | None = None
    rtc: bool = False
    rtc_threshold: int = RTC_THRESHOLD_SECONDS
    last_failure: str = ""


@dataclass
class EventReason:
    reason: str
    count: int
    layers: tuple[str, ...]
    severity: str
    last: str


@dataclass
class MonitoringNumbers:
    rules: list[RuleNumbers] = field(default_factory=list)
    reasons: list[EventReason] = field(default_factory=list)
    events_source: str = ""  # where the events were read ("" = none read)
    no_events: bool = False  # events were read and none failed
    unsubscribed: bool = False  # failure events are emitted but nobody receives them
    window_seconds: int = 0


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def numbers_of(layer: LayerResult) -> MonitoringNumbers:
    """The monitoring layer's findings read back into numbers, per rule and destination."""
    result = MonitoringNumbers()
    by_rule: dict[tuple[str, str], RuleNumbers] = {}

    def rule_of(evidence: Mapping[str, Any]) -> RuleNumbers:
        key = (str(evidence.get("rule", "")), str(evidence.get("destination") or ""))
        if key not in by_rule:
            by_rule[key] = RuleNumbers(*key)
            result.rules.append(by_rule[key])
        return by_rule[key]

    for finding in layer.findings:
        evidence, code = finding.evidence, finding.code
        if code == "monitoring-metrics-off":
            rule_of(evidence).metrics = "off"
        elif code == "monitoring-metrics-unreadable":
            numbers = rule_of(evidence)
            numbers.metrics, numbers.error = "unreadable", str(evidence.get("error") or "not read")
        elif "failure_reason" in evidence:  # from events (a contradiction shares its code with metrics')
            result.events_source = str(evidence.get("source") or "")
            result.reasons.append(EventReason(
                str(evidence["failure_reason"]), int(evidence.get("count") or 0),
                tuple(str(layer_id) for layer_id in evidence.get("layers") or ()), finding.severity,
                str(evidence.get("last") or ""),
            ))
        elif code in _METRIC_CODES or code in _FAILURE_CODES:
            numbers = rule_of(evidence)
            _fill(numbers, evidence)
            numbers.contradicts = numbers.contradicts or code == "monitoring-failures-contradict"
            result.window_seconds = result.window_seconds or numbers.window_seconds
        elif code == "monitoring-no-failure-events":
            result.events_source, result.no_events = str(evidence.get("source") or ""), True
        elif code == "monitoring-failure-events-unsubscribed":
            result.unsubscribed = True
    return result


def _fill(numbers: RuleNumbers, evidence: Mapping[str, Any]) -> None:
    numbers.failures = _number(evidence.get("failed_operations")) or 0.0
    numbers.per_period = [float(v) for v in evidence.get("failures_per_period") or () if isinstance(v, int | float)]
    numbers.window_seconds = int(evidence.get("window_seconds") or 0)
    numbers.rtc = bool(evidence.get("rtc"))
    numbers.rtc_threshold = int(evidence.get("rtc_threshold_seconds") or RTC_THRESHOLD_SECONDS)
    numbers.last_failure = str(evidence.get("last_failure") or numbers.last_failure)
    for name in ("pending_operations", "pending_bytes", "max_latency"):
        if name in evidence:
            setattr(numbers, name, _number(evidence[name]))


def fit(values: Sequence[float], width: int) -> list[float]:
    """At most ``width`` values: consecutive periods summed into ``width`` runs (failures add up)."""
    if width <= 0 or not values:
        return []
    count = len(values)
    if count <= width:
        return list(values)
    return [sum(values[index * count // width:(index + 1) * count // width]) for index in range(width)]


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200 or seconds % 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


def size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"  # pragma: no cover - the loop returns at GiB


def _bar_style() -> str:
    return "bold" if STATUS_STYLE.monochrome else "bold red"


class Sparkline:
    """Failures per period, oldest left, fitted to the width it is given; a time axis below it."""

    def __init__(self, per_period: Sequence[float], window_seconds: int) -> None:
        self.per_period = per_period
        self.window_seconds = window_seconds

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        values = fit(self.per_period, max(8, options.max_width))
        line = Text()
        for value, bar in zip(values, bars(values), strict=True):
            line.append(bar, _bar_style() if value > 0 else "dim")
        yield line
        left, right = f"{duration(self.window_seconds)} ago" if self.window_seconds else "", "now"
        gap = max(1, len(values) - len(left) - len(right))
        yield Text(left + " " * gap + right, style="dim")


def _rule_lines(numbers: RuleNumbers, writable: bool) -> Iterator[RenderableType]:
    """One rule and destination's numbers (indented under the rule's line by the caller)."""
    if numbers.metrics == "off":
        how = "on the Replication rule layer, f" if writable else "the Replication rule layer's fix"
        yield Text("metrics off — nothing observed", style=emphasis("warn"))
        yield Text(f"turn them on (opt-in, billed by CloudWatch): {how}", style="dim")
        return
    if numbers.metrics == "unreadable":
        yield Text(f"metrics unreadable ({_p(numbers.error)}) — nothing observed", style=emphasis("unknown"))
        return
    yield Text(f"metrics on · RTC {'on' if numbers.rtc else 'off'}")
    window = f" in {duration(numbers.window_seconds)}" if numbers.window_seconds else ""
    if numbers.failures > 0:  # the most visible line: bold and the failure style (reverse without colour)
        mark = "✗" if numbers.contradicts else "!"
        yield Text(f"{mark} {numbers.failures:g} failed operations{window}", style=emphasis("fail"))
    else:
        yield Text(f"✓ 0 failed operations{window}", style=STATUS_STYLE["pass"])
    if numbers.per_period:
        yield Sparkline(numbers.per_period, numbers.window_seconds)
    if numbers.pending_operations is None:
        yield Text("pending — (no datapoint)")
    else:
        yield Text(f"pending {numbers.pending_operations:g} ops, {size(numbers.pending_bytes or 0)}")
    threshold = duration(numbers.rtc_threshold)
    if numbers.max_latency is None:
        yield Text(f"latency — (RTC {threshold})")
    elif numbers.rtc and numbers.max_latency > numbers.rtc_threshold:
        yield Text(f"✗ latency {duration(numbers.max_latency)} > RTC {threshold}", style=emphasis("fail"))
    else:
        yield Text(f"latency max {duration(numbers.max_latency)} / RTC {threshold}")


def _reason_line(reason: EventReason) -> Text:
    blamed = ", ".join(reason.layers) if reason.layers else "the object"
    mark, style = {"error": ("✗", emphasis("fail")), "warning": ("!", emphasis("warn"))}.get(
        reason.severity, ("i", "bold"))
    return Text.assemble((f"{mark} {reason.count} {_p(reason.reason)}", style), f" → {_p(blamed)}")


def _indented(lines: Iterable[RenderableType]) -> Padding:
    return Padding(Group(*lines), (0, 0, 0, INDENT))


def _event_lines(numbers: MonitoringNumbers, writable: bool) -> Iterator[RenderableType]:
    if numbers.reasons or numbers.no_events:
        yield Text.assemble(("failure events", "bold"), f" ({_p(numbers.events_source or 'read')})")
        lines: list[RenderableType] = [_reason_line(reason) for reason in numbers.reasons]
        if numbers.no_events:
            lines.append(Text("✓ none failed in the window", style=STATUS_STYLE["pass"]))
        yield _indented(lines)
    if numbers.unsubscribed:
        yield Text("failure events: nobody receives them", style="bold")
        how = "f: deliver them to EventBridge (opt-in)" if writable else "the fix delivers them to EventBridge"
        yield _indented([Text(how, style="dim")])


def monitoring_summary(layer: LayerResult, probed: str = "", *, writable: bool = True) -> RenderableType:
    """The numbers of the monitoring layer (the panel and the detail screen show it above the findings)."""
    numbers = numbers_of(layer)
    window = f"last {duration(numbers.window_seconds)} · " if numbers.window_seconds else ""
    parts: list[RenderableType] = [
        Text.assemble((window, "bold"), (f"probed {probed}" if probed else "not probed yet", "dim"))
    ]
    for rule in numbers.rules:
        parts.append(Text.assemble(("rule ", "bold"), (_p(rule.rule), "bold"), " → ",
                                   _p(rule.destination or "?")))
        parts.append(_indented(_rule_lines(rule, writable)))
    if not numbers.rules:
        parts.append(Text("no enabled rule to observe", style="dim"))
    parts += list(_event_lines(numbers, writable))
    return Group(*parts)


class MonitoringPanel(VerticalScroll):
    """The main screen's panel while the monitoring layer is selected: its numbers, then its findings."""

    DEFAULT_CSS = status_panel_css("MonitoringPanel")

    def compose(self) -> ComposeResult:
        yield Static(id="monitoring-body")

    def show(
        self, layer: LayerResult | None, plan: Plan | None, *, probing: bool, probed: str = "", writable: bool = True
    ) -> None:
        body = self.query_one("#monitoring-body", Static)
        self.remove_class("-pass", "-warn", "-fail", "-unknown", "-probing")
        if layer is None or (layer.pending and probing):
            self.add_class("-probing")
            self.border_title = "… Monitoring — probing"
            body.update(Text("Probing: the numbers fill in as the metrics are read.", style="dim"))
            return
        status = layer.status
        self.add_class(f"-{status}")
        self.border_title = f"{STATUS_MARK[status]} {layer.title} — {STATUS_WORD[status]}"
        self.border_subtitle = "enter: full detail"
        findings = layer_body(layer, layer_changes(layer, plan), full=False, writable=writable)
        body.update(Group(monitoring_summary(layer, probed, writable=writable), Text(""), findings))
