"""The replication path as a picture: source bucket → role → destination bucket, with both keys,
each hop marked and coloured by the status of the findings that concern it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from s3repl_tui.checks.model import Finding, Report
from s3repl_tui.plain_text import printable_line
from s3repl_tui.screens.backend import ReplicationPath
from s3repl_tui.widgets.findings import PROBING_MARK, STATUS_MARK, STATUS_STYLE

Hop = Literal["source", "source-key", "rule", "role", "write", "destination", "replica-key"]
HopStatus = Literal["pass", "warn", "fail", "unknown", "probing"]
_RANK: dict[HopStatus, int] = {"probing": 0, "pass": 1, "warn": 2, "unknown": 3, "fail": 4}

# Where a layer's findings show when their resource names no hop of the picture.
LAYER_HOPS: dict[str, tuple[Hop, ...]] = {
    "versioning": ("source", "destination"),
    "key-policy": ("source-key", "replica-key"),
    "service-role": ("role",),
    "role-kms": ("role",),
    "destination-policy": ("write", "destination"),
    "rule": ("rule",),
    "source-policy": ("source",),
}
# Layers whose home hops are alternatives: a finding on one bucket (or key) marks only that one.
ONE_OF_HOPS = frozenset({"versioning", "key-policy"})


def _finding_status(finding: Finding) -> HopStatus:
    if finding.unknown:
        return "probing" if finding.evidence.get("pending") else "unknown"
    return {"error": "fail", "warning": "warn", "info": "pass"}[finding.severity]  # type: ignore[return-value]


@dataclass(frozen=True)
class _Resources:
    path: ReplicationPath

    def hop_of(self, resource: str | None) -> Hop | None:
        if not resource:
            return None
        path = self.path
        for bucket, hop in ((path.source_bucket, "source"), (path.destination_bucket, "destination")):
            if bucket and (resource == f"arn:aws:s3:::{bucket}" or resource.startswith(f"arn:aws:s3:::{bucket}/")):
                return hop  # type: ignore[return-value]
        named: tuple[tuple[str | None, Hop], ...] = (
            (path.role_arn, "role"),
            (path.source_key, "source-key"),
            (path.replica_key, "replica-key"),
        )
        return next((hop for arn, hop in named if arn and resource == arn), None)


def hop_statuses(report: Report | None, path: ReplicationPath) -> dict[Hop, HopStatus]:
    """Worst status of the findings on each hop; a hop is probing while its layers are."""
    statuses: dict[Hop, HopStatus] = {}
    if report is None:
        return dict.fromkeys(("source", "source-key", "rule", "role", "write", "destination", "replica-key"),
                             "probing")
    resources = _Resources(path)

    def worsen(hop: Hop, status: HopStatus) -> None:
        if _RANK[status] > _RANK[statuses.get(hop, "probing")]:
            statuses[hop] = status

    for layer in report.layers:
        home = LAYER_HOPS.get(layer.id, ())
        for hop in home:
            worsen(hop, "probing" if layer.pending else "pass")
        for finding in layer.findings:
            own = resources.hop_of(finding.resource)
            if own is not None and own in home and layer.id in ONE_OF_HOPS:
                hops: tuple[Hop, ...] = (own,)
            else:
                hops = home + ((own,) if own is not None and own not in home else ())
            for hop in hops:
                worsen(hop, _finding_status(finding))
    return statuses


def _short(text: str, width: int) -> str:
    text = printable_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _key_label(arn: str | None) -> str:
    if not arn:
        return "no KMS key"
    key_id = arn.rsplit("/", 1)[-1] if "/" in arn else arn.rsplit(":", 1)[-1]
    return f"key {key_id if key_id.startswith('alias') else _short(key_id, 9)}"


class FlowDiagram(Static):
    """Two lines inside a border; redrawn whenever the report changes."""

    DEFAULT_CSS = """
    FlowDiagram { height: auto; border: round $foreground 30%; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Replication path"
        self._report: Report | None = None
        self._path: ReplicationPath | None = None

    def show(self, report: Report | None, path: ReplicationPath | None) -> None:
        self._report, self._path = report, path
        self.update(self.picture())

    def on_resize(self) -> None:
        self.update(self.picture())

    def picture(self) -> RenderableType:
        """One line when the width allows (names whole: a long role name is never cut when it fits),
        names shortened to fit next, and the destination on a line of its own on narrow terminals."""
        path = self._path or ReplicationPath(source_bucket="?")
        statuses = hop_statuses(self._report, path)
        width = self.content_size.width or 200

        def part(hop: Hop, label: str) -> tuple[str, str]:
            status = statuses.get(hop, "probing")
            if status == "probing":
                return f"{PROBING_MARK} {label}", "dim"
            return f"{STATUS_MARK[status]} {label}", f"bold {STATUS_STYLE[status]}"

        def arrow(hop: Hop, label: str = "") -> tuple[str, str]:
            status = statuses.get(hop, "probing")
            style = "dim" if status == "probing" else STATUS_STYLE[status]
            middle = f" {part(hop, label)[0]} " if label else ""
            return f" ━━{middle}━━▶ ", style

        role_name = (path.role_arn or "no role").rsplit("/", 1)[-1]
        destination_name = path.destination_bucket or "?"

        def lead(role_cap: int, bucket_cap: int, rule_cap: int) -> Text:
            rule = f"rule {_short(path.rule_id, rule_cap)}" if path.rule_id else "rule"
            return Text.assemble(
                part("source", f"s3://{_short(path.source_bucket, bucket_cap)}"),
                arrow("rule", rule),
                part("role", f"role {_short(role_name, role_cap)}"),
            )

        def tail(bucket_cap: int) -> Text:
            return Text.assemble(arrow("write"), part("destination", f"s3://{_short(destination_name, bucket_cap)}"))

        longest = max(len(role_name), len(path.source_bucket), len(destination_name), len(path.rule_id or ""), 1)
        lines: list[Text] = []
        for cap in (longest, 40, 28, 20):
            first = lead(cap, cap, min(cap, 24))
            rest = tail(cap)
            if first.cell_len + rest.cell_len <= width:
                destination_at = first.cell_len + len(" ━━━━▶ ")
                first.append_text(rest)
                lines = [first]
                break
        else:
            # Narrow: the destination goes under the role, its arrow coming down from it.
            base = lead(1, 24, 14).cell_len - 1  # everything but the role's name
            first = lead(max(8, width - base), 24, 14)
            second = Text("  ").append_text(tail(max(8, width - 14)))
            destination_at = 2 + len(" ━━━━▶ ")
            lines = [first, second]
        keys = Text.assemble("  ", part("source-key", f"source {_key_label(path.source_key)}"))
        replica = Text(*part("replica-key", f"replica {_key_label(path.replica_key)}"))
        gap = destination_at + 2 - keys.cell_len
        if gap >= 2 and destination_at + 2 + replica.cell_len <= width:
            keys.append(" " * gap)
        else:
            keys.append("   ")
        keys.append_text(replica)
        return Group(*lines, keys)
