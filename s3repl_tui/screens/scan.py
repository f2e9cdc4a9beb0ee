"""Every replicated bucket of the account at once (``s3repl-tui tui --scan``, or ``s`` on the start
screen): a table of bucket, destinations, verdict and failing layers, filled in as each bucket is judged
(``s3repl_tui.scan``, the engine of ``s3repl-tui scan``). Enter opens the usual layer walk of the
highlighted bucket; escape there comes back here, with that bucket's row updated from the walk's
diagnosis. "Observed failures" is the monitoring layer's count of failed replication operations (CloudWatch, the
last 24 h); "-" when the rules' metrics are off or could not be read.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.widgets.data_table import RowDoesNotExist

from s3repl_tui.plain_text import printable_line as _p
from s3repl_tui.scan import Progress, Scanner, ScanRow, row_from_report, sort_rows
from s3repl_tui.widgets.findings import emphasis

if TYPE_CHECKING:
    from s3repl_tui.app import S3ReplApp

MARKS = {"pass": "✓ pass", "fail": "✗ fail", "unknown": "? unknown"}
# What is wrong comes before where it replicates to: at 80 columns the rest scrolls sideways.
COLUMNS = (("verdict", "Verdict"), ("bucket", "Bucket"), ("layers", "Failing layers"),
           ("observed", "Observed failures"), ("destinations", "Destinations"), ("account", "Account"),
           ("region", "Region"))


def destinations_cell(row: ScanRow) -> str:
    return ", ".join(_p(d.bucket) for d in row.destinations) or "-"


def layers_cell(row: ScanRow) -> str:
    if row.verdict == "fail":
        return ", ".join(row.failing_layers)
    if row.error:
        return f"unknown: {_p(row.error)}"
    if row.unknown_layers:
        return "unknown: " + ", ".join(u.id for u in row.unknown_layers)
    return "-"


def observed_cell(row: ScanRow) -> str:
    """Failed operations S3 reported in the probe's window (the monitoring layer); "-": not observed."""
    return "-" if row.observed_failures is None else f"{row.observed_failures:g}"


class _Mailbox:
    """Rows and the newest progress from the scan thread; one message waits at most (coalesced)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[ScanRow] = []
        self._progress: Progress | None = None
        self._done = False
        self._waiting = False

    def offer(self, row: ScanRow | None = None, progress: Progress | None = None, done: bool = False) -> bool:
        with self._lock:
            if row is not None:
                self._rows.append(row)
            self._progress = progress or self._progress
            self._done = self._done or done
            post, self._waiting = not self._waiting, True
            return post

    def take(self) -> tuple[list[ScanRow], Progress | None, bool]:
        with self._lock:
            rows, self._rows, self._waiting = self._rows, [], False
            return rows, self._progress, self._done


class ScanTable(DataTable[Text]):
    """The table's own enter (not a priority binding on the screen): a key typed right after an arrow
    then opens the row the arrow moved to, in the order they were typed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="scan.open", tooltip="Walk the layers of the highlighted bucket"),
    ]


class ScanScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rescan", "Scan again", id="scan.again", tooltip="List and judge every bucket again"),
        Binding("escape", "leave", "Back", id="scan.back", tooltip="Back to the start screen's bucket list"),
        Binding("k", "cursor('up')", show=False),
        Binding("j", "cursor('down')", show=False),
    ]
    DEFAULT_CSS = """
    ScanScreen #scan-status { padding: 1 1 0 1; height: auto; }
    ScanScreen #scan-table { height: 1fr; border: round $accent; }
    """

    class Changed(Message):
        """Rows or progress wait in the screen's mailbox."""

    def __init__(self, make_scanner: Callable[[], Scanner]) -> None:
        super().__init__()
        self.make_scanner = make_scanner
        self.rows: dict[str, ScanRow] = {}
        self.progress: Progress | None = None
        self.scanning = False
        self.failed: str | None = None
        self._mailbox = _Mailbox()
        self._run = 0  # bumps with every scan: rows of an abandoned one are dropped

    @property
    def s3repl(self) -> S3ReplApp:
        from s3repl_tui.app import S3ReplApp

        assert isinstance(self.app, S3ReplApp)
        return self.app

    def compose(self) -> ComposeResult:
        yield Static(Text("Listing the buckets…", style="bold"), id="scan-status")
        table = ScanTable(id="scan-table", cursor_type="row", zebra_stripes=False)
        table.border_title = "Buckets with replication"
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "scan"
        self.query_one(DataTable).focus()
        self.call_after_refresh(self.start)  # the first frame first: botocore's clients are CPU-heavy

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rescan":
            return not self.scanning
        if action == "leave":  # opened with s from the start screen: escape goes back to it
            return self.app.screen_stack.index(self) > 1 if self in self.app.screen_stack else False
        return True

    # -- the scan (a read thread of the app: quitting abandons it) ------------------------------------

    def start(self) -> None:
        self._run += 1
        run, mailbox = self._run, _Mailbox()
        self._mailbox = mailbox
        self.rows.clear()
        self.progress, self.failed, self.scanning = None, None, True
        self.query_one(DataTable).clear()
        self._show_status()
        self.refresh_bindings()

        def post(row: ScanRow | None = None, progress: Progress | None = None, done: bool = False) -> None:
            if run == self._run and mailbox.offer(row, progress, done):
                self.post_message(self.Changed())

        def work() -> None:
            try:
                self.make_scanner().run(on_row=lambda row: post(row=row),
                                        on_progress=lambda progress: post(progress=progress))
            finally:
                post(done=True)

        self.s3repl.start_scan(work)

    def on_scan_screen_changed(self, _message: Changed) -> None:
        rows, progress, done = self._mailbox.take()
        for row in rows:
            self._put(row)
        self.progress = progress or self.progress
        if done and self.scanning:
            self.scanning = False
            self._sort()
            self.refresh_bindings()
        self._show_status()

    def show_failed(self, reason: str) -> None:
        """The scan stopped (credentials, the bucket list): say why; r tries again."""
        self.failed, self.scanning = reason, False
        self._show_status()
        self.refresh_bindings()

    def _show_status(self) -> None:
        status = self.query_one("#scan-status", Static)
        counts = {v: sum(1 for r in self.rows.values() if r.verdict == v) for v in ("fail", "unknown", "pass")}
        line = Text()
        if self.failed:
            line.append("Scan stopped: ", style="bold").append(self.failed).append("\nPress r to try again.")
        elif self.progress is None:
            line.append("Listing the buckets…" if self.scanning else "", style="bold")
        else:
            doing = "Scanning: checked" if self.scanning else "Checked"
            line.append(f"{doing} {self.progress.checked} of {self.progress.total} buckets", style="bold")
            if self.rows:
                line.append(f"  ·  {len(self.rows)} with replication: ")
                line.append(f"{counts['fail']} fail", style=emphasis("fail") if counts["fail"] else "")
                line.append(f", {counts['unknown']} unknown, {counts['pass']} pass")
            elif not self.scanning:
                line.append("  ·  none has a replication configuration")
        if self.rows and not self.scanning and not self.failed:
            line.append("\nEnter walks the layers of the highlighted bucket.", style="dim")
        status.update(line)

    # -- the table ---------------------------------------------------------------------------------

    def _cells(self, row: ScanRow) -> tuple[Text, ...]:
        verdict = Text(MARKS[row.verdict], style=emphasis(row.verdict))
        return (verdict, Text(_p(row.bucket)), Text(layers_cell(row)), Text(observed_cell(row)),
                Text(destinations_cell(row)), Text(row.account or "?"), Text(row.region or "?"))

    def _put(self, row: ScanRow) -> None:
        table = self.query_one(DataTable)
        known = row.bucket in self.rows
        self.rows[row.bucket] = row
        cells = self._cells(row)
        if known:
            for (key, _label), cell in zip(COLUMNS, cells, strict=True):
                table.update_cell(row.bucket, key, cell, update_width=True)
        else:
            table.add_row(*cells, key=row.bucket)

    def _sort(self) -> None:
        """Failing first, then unknown, then passing (the CLI's order), once every row is in."""
        table = self.query_one(DataTable)
        # A row the person moved to stays highlighted; else the first row: the worst bucket.
        highlighted = self.highlighted_bucket if table.cursor_row > 0 else None
        table.clear()
        for row in sort_rows(self.rows.values()):
            table.add_row(*self._cells(row), key=row.bucket)
        if highlighted is not None:
            self._highlight(highlighted)
        else:
            table.move_cursor(row=0)

    def _highlight(self, bucket: str) -> None:
        table = self.query_one(DataTable)
        with contextlib.suppress(RowDoesNotExist):
            table.move_cursor(row=table.get_row_index(bucket))

    @property
    def highlighted_bucket(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.rows or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None

    def update_from_walk(self) -> None:
        """Back from a bucket's layer walk: its row shows the walk's final diagnosis (after a fix too)."""
        diagnosis = self.s3repl.diagnosis
        if diagnosis is None or not diagnosis.final:
            return
        before = self.rows.get(diagnosis.report.source.bucket)
        if before is not None:
            self._put(row_from_report(diagnosis.report, before.profile))
            self._show_status()

    # -- actions -----------------------------------------------------------------------------------

    def action_open(self) -> None:
        bucket = self.highlighted_bucket
        if bucket is not None:
            self.s3repl.open_bucket(bucket)

    def action_leave(self) -> None:
        if self.check_action("leave", ()):
            self._run += 1  # the scan's rows no longer land anywhere
            self.app.pop_screen()

    def action_rescan(self) -> None:
        self.start()

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        getattr(table, f"action_cursor_{direction}")()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.s3repl.open_bucket(str(event.row_key.value))
