"""The Textual app: it shows what the core reads and judges, and triggers plans, writes and the canary.

All I/O runs in thread workers that post messages back; every worker error lands in
``on_worker_state_changed`` and is shown (notification, or a modal when nothing can go on), never
raised. Frequent progress (partial diagnoses, canary polls) is coalesced: a worker only stores the
newest value and posts one message if none is waiting, so the UI redraws at its own pace.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from s3repl_tui.canary import CanaryProgress, CanaryResult, first_failing_layer
from s3repl_tui.checks.model import LAYER_TITLES
from s3repl_tui.errors import NothingChanged, UserError
from s3repl_tui.fixes.model import ApplyResult, Plan, UndoResult
from s3repl_tui.plain_text import printable
from s3repl_tui.report_export import export_report
from s3repl_tui.report_text import verdict_detail
from s3repl_tui.scan import Scanner
from s3repl_tui.screens.backend import Backend, BucketChoice, Diagnosis, Identities
from s3repl_tui.screens.confirm import ConfirmScreen, UndoConfirmScreen, optional_lines, plan_question, undo_question
from s3repl_tui.screens.error import ErrorScreen
from s3repl_tui.screens.help import HelpScreen
from s3repl_tui.screens.main import MainScreen
from s3repl_tui.screens.scan import ScanScreen
from s3repl_tui.screens.start import SETUP_PREFIX, BucketPickerScreen
from s3repl_tui.widgets.findings import use_monochrome

T = TypeVar("T")

WORK_NAMES = {
    "connect": "connecting",
    "diagnose": "probing",
    "write": "changing AWS",
    "canary": "running the canary",
    "scan": "scanning",
}
DEFAULT_WATCH_SECONDS = 60  # w without tui --watch N
CANARY_STOP_SECONDS = 15.0  # at most this long to let a canary clean up when quitting
HELP_INTRO = (
    "s3repl-tui reads both accounts, judges the six layers replication needs, and fixes them. "
    "Every write asks first, shows its diff and the account it writes to, and can be undone with u."
)


class _Latest(Generic[T]):
    """Coalescing mailbox between a worker thread and the UI: only the newest value is kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: T | None = None
        self._waiting = False

    def offer(self, value: T) -> bool:
        """Store ``value``; True when the caller must post a message (none is waiting yet)."""
        with self._lock:
            self._value = value
            post, self._waiting = not self._waiting, True
            return post

    def take(self) -> T | None:
        with self._lock:
            value, self._value, self._waiting = self._value, None, False
            return value


@dataclass
class StartupTimings:
    """perf_counter seconds since the app object was made (see ``measure_startup``)."""

    created: float
    first_frame: float | None = None
    diagnosed: float | None = None

    @property
    def first_frame_seconds(self) -> float | None:
        return None if self.first_frame is None else self.first_frame - self.created

    @property
    def diagnosis_seconds(self) -> float | None:
        return None if self.diagnosed is None else self.diagnosed - self.created


class S3ReplApp(App[None]):
    TITLE = "s3repl-tui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help", key_display="?", tooltip="Every key"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit s3repl-tui"),
        # As in k9s and lazygit (Textual's default only says "press ctrl+q"); priority: works in a filter box too.
        Binding("ctrl+c", "quit", "Quit", id="app.quit-ctrl-c", show=False, priority=True,
                tooltip="Quit s3repl-tui"),
        # The scan screen (screens/scan.py): s on the start screen opens it, escape comes back to it.
        Binding("s", "scan", "Scan all", id="app.scan", tooltip="Judge every bucket with replication at once"),
        Binding("escape", "back_to_scan", "Back to scan", id="app.back-to-scan",
                tooltip="Back to the table of every bucket"),
    ]

    class Connected(Message):
        def __init__(self, identities: Identities) -> None:
            super().__init__()
            self.identities = identities

    class BucketsListed(Message):
        def __init__(self, choices: tuple[BucketChoice, ...]) -> None:
            super().__init__()
            self.choices = choices

    class ReadFailed(Message):
        """A read thread (``_read``) failed."""

        def __init__(self, group: str, error: BaseException, generation: int | None = None) -> None:
            super().__init__()
            self.group = group
            self.error = error
            self.generation = generation

        def generation_stale(self, current: int) -> bool:
            return self.generation is not None and self.generation != current

    class DiagnosisChanged(Message):
        """The newest (partial or final) diagnosis waits in ``S3ReplApp._diagnoses``."""

    class PlanReady(Message):
        def __init__(self, plan: Plan, layer_ids: tuple[str, ...] | None) -> None:
            super().__init__()
            self.plan = plan
            self.layer_ids = layer_ids

    class FixesApplied(Message):
        def __init__(self, result: ApplyResult) -> None:
            super().__init__()
            self.result = result

    class UndoFinished(Message):
        def __init__(self, result: UndoResult) -> None:
            super().__init__()
            self.result = result

    class ActivityChanged(Message):
        """The newest line about a write in progress waits in ``S3ReplApp._activity``."""

    class CanaryChanged(Message):
        """The newest canary progress waits in ``S3ReplApp._canary_progress``."""

    class CanaryFinished(Message):
        def __init__(self, result: CanaryResult) -> None:
            super().__init__()
            self.result = result

    def __init__(
        self,
        backend: Backend,
        *,
        source_bucket: str | None = None,
        read_only: bool = False,
        export_dir: Path | None = None,
        spinners: bool = True,
        make_scanner: Callable[[], Scanner] | None = None,
        scan_first: bool = False,
        watch_seconds: int | None = None,
    ) -> None:
        super().__init__()
        self.make_scanner = make_scanner  # None: no scan screen (tests' fake backends)
        self.scan_first = scan_first and make_scanner is not None  # tui --scan
        self.watch_seconds = watch_seconds or DEFAULT_WATCH_SECONDS  # w: re-probe this often
        self.watch_from_start = watch_seconds is not None  # tui --watch N: watching from the first probe
        self.clock: Callable[[], str] = lambda: time.strftime("%H:%M:%S")  # "last probe" (snapshots fix it)
        use_monochrome(self.no_color)  # NO_COLOR: failures reversed, not only red
        self.timings = StartupTimings(created=time.perf_counter())
        self.backend = backend
        self.bucket = source_bucket
        self.read_only = read_only
        self.export_dir = export_dir or Path.cwd()
        self.spinners = spinners  # False freezes spinners (snapshot tests)
        self.identities: Identities | None = None
        self.diagnosis: Diagnosis | None = None
        self.probing = False
        self.busy: str | None = None  # "planning", "applying", "undoing": one write at a time
        self.canary_running = False
        self.last_canary: CanaryResult | None = None
        self.last_export: tuple[Path, Path] | None = None
        self.connection_error: UserError | None = None  # set while no connection could be made
        self.setup_requested: str | None = None  # a bucket picked to set replication up on (init)
        self._generation = 0  # bumps with every probe; older probes' messages are dropped
        self._diagnoses: _Latest[tuple[int, Diagnosis]] = _Latest()
        self._canary_progress: _Latest[CanaryProgress] = _Latest()
        self._activity: _Latest[str] = _Latest()
        self._after_fix = False  # the next final diagnosis follows an apply: say what is left
        self._readers: list[threading.Thread] = []
        self._stop_canary = threading.Event()
        self._canary_idle = threading.Event()
        self._canary_idle.set()
        if read_only:
            self.sub_title = "read-only"

    # -- start ---------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.bucket:
            self._show_bucket(self.bucket)
        elif self.scan_first and self.make_scanner is not None:
            self.push_screen(ScanScreen(self.make_scanner))  # it starts its own reads after its first frame
        else:
            self.push_screen(BucketPickerScreen(read_only=self.read_only), callback=self._bucket_picked)
        self.call_after_refresh(self._first_frame)

    def _first_frame(self) -> None:
        """Start the I/O only now: botocore's first clients are CPU-heavy (service models) and would
        hold the GIL while the first frame is being drawn."""
        self.timings.first_frame = time.perf_counter()
        if self.bucket:
            self.request_diagnosis()
        elif not self.scan_first:
            self._list_buckets()

    def _bucket_picked(self, bucket: str | None) -> None:
        if bucket and bucket.startswith(SETUP_PREFIX):
            # The setup wizard asks on the terminal: it runs once the app has given the terminal back.
            self.setup_requested = bucket.removeprefix(SETUP_PREFIX)
            self.exit()
        elif bucket:
            self.open_bucket(bucket)

    def open_bucket(self, bucket: str) -> None:
        self._show_bucket(bucket)
        self.request_diagnosis()

    def _show_bucket(self, bucket: str) -> None:
        self.bucket = bucket
        screen = MainScreen(bucket, spinners=self.spinners)
        if isinstance(self.screen, BucketPickerScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    @property
    def main_screen(self) -> MainScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)

    # -- workers (threads; they only post messages) ----------------------------------------------------

    def _read(self, group: str, work: Callable[[], None], generation: int | None = None) -> None:
        """Run a read-only job (connect, list buckets, probe) on a daemon thread of its own.

        Not a Textual thread worker: those run on asyncio's default executor, which ``App.run`` waits
        for when it closes, so quitting while probing would wait for the probe. Reads change nothing,
        so quitting abandons them at once; a newer request supersedes an older one (``_generation``) and
        messages from an abandoned read are dropped. Errors land where the workers' do."""

        def run() -> None:
            try:
                work()
            except Exception as error:  # every failure is shown, never raised on a dead thread
                self.post_message(self.ReadFailed(group, error, generation))

        thread = threading.Thread(target=run, name=f"s3repl-{group}", daemon=True)
        self._readers = [reader for reader in self._readers if reader.is_alive()] + [thread]
        thread.start()

    def start_scan(self, work: Callable[[], None]) -> None:
        """The scan screen's reads, on a read thread like the others (quitting abandons them)."""
        self._read("scan", work)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "scan":
            return self.make_scanner is not None and isinstance(self.screen, BucketPickerScreen)
        if action == "back_to_scan":
            return isinstance(self.screen, MainScreen) and any(isinstance(s, ScanScreen) for s in self.screen_stack)
        return True

    def action_scan(self) -> None:
        if self.make_scanner is not None and isinstance(self.screen, BucketPickerScreen):
            self.push_screen(ScanScreen(self.make_scanner))

    def action_back_to_scan(self) -> None:
        """Leave the layer walk for the scan table: that bucket's row shows the walk's last diagnosis."""
        if self.busy is not None or self.canary_running:
            self.notify(f"Wait: still {self.busy or 'running the canary'}.", timeout=4, markup=False)
            return
        if not self.check_action("back_to_scan", ()):
            return
        self.pop_screen()
        if isinstance(self.screen, ScanScreen):
            self.screen.update_from_walk()
        self._generation += 1  # the walk's probe, if still running, no longer lands anywhere
        self.bucket, self.diagnosis, self.probing = None, None, False

    @property
    def reads_in_flight(self) -> bool:
        """True while a read thread still runs (the command exits without waiting for it)."""
        return any(reader.is_alive() for reader in self._readers)

    def _list_buckets(self) -> None:
        def work() -> None:
            self.post_message(self.Connected(self.backend.connect()))
            self.post_message(self.BucketsListed(self.backend.list_buckets()))

        self._read("connect", work)

    def _diagnose(self, bucket: str, generation: int) -> None:
        def offer(diagnosis: Diagnosis) -> None:
            if generation == self._generation and self._diagnoses.offer((generation, diagnosis)):
                self.post_message(self.DiagnosisChanged())

        def work() -> None:
            if self.identities is None:
                self.post_message(self.Connected(self.backend.connect()))
            offer(self.backend.diagnose(bucket, offer))

        self._read("diagnose", work, generation)

    @work(thread=True, exit_on_error=False, group="write")
    def _plan(self, layer_ids: tuple[str, ...] | None) -> None:
        self.post_message(self.PlanReady(self.backend.plan(layer_ids), layer_ids))

    @work(thread=True, exit_on_error=False, group="write")
    def _apply(self, plan: Plan) -> None:
        def progress(message: str) -> None:
            if self._activity.offer(f"Applying {message}"):
                self.post_message(self.ActivityChanged())

        self.post_message(self.FixesApplied(self.backend.apply(plan, progress)))

    @work(thread=True, exit_on_error=False, group="write")
    def _undo(self) -> None:
        self.post_message(self.UndoFinished(self.backend.undo()))

    @work(thread=True, exit_on_error=False, group="canary", exclusive=True)
    def _canary(self) -> None:
        def progress(update: CanaryProgress) -> None:
            if self._canary_progress.offer(update):
                self.post_message(self.CanaryChanged())

        try:
            result = self.backend.canary(progress, self._stop_canary.is_set)
        finally:
            self._canary_idle.set()
        self.post_message(self.CanaryFinished(result))

    # -- the one place worker errors land -----------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self._failed(event.worker.group, event.worker.name, event.worker.error)

    @on(ReadFailed)
    def _read_failed(self, message: ReadFailed) -> None:
        if message.group == "diagnose" and message.generation_stale(self._generation):
            return
        self._failed(message.group, message.group, message.error)

    def _failed(self, group: str, name: str, error: BaseException | None) -> None:
        doing = WORK_NAMES.get(group, "working")
        if group == "write":
            self.busy = None
        elif group == "canary":
            self.canary_running = False
            if self.main_screen is not None:
                self.main_screen.show_canary_stopped(f"by an error: {_describe(error)}")
        elif group == "diagnose":
            self.probing = False
            if self.main_screen is not None:
                self.main_screen.show_probe_failed(_describe(error))
        elif group == "scan":
            for screen in self.screen_stack:
                if isinstance(screen, ScanScreen):
                    screen.show_failed(_describe(error))
            return  # the scan screen says why, and r tries again
        elif group == "connect":
            for screen in self.screen_stack:  # listing the buckets failed: no spinner left running
                if isinstance(screen, BucketPickerScreen):
                    screen.show_not_connected(_describe(error))
        self.log.error(f"worker {name!r} failed while {doing}", error)
        if group in ("connect", "diagnose") and self.identities is None:
            # Nothing works without a connection: say so where it cannot be missed.
            self.connection_error = error if isinstance(error, UserError) else UserError(_describe(error))
            message, hint = self.connection_error.message, self.connection_error.hint
            self.push_screen(ErrorScreen("Could not connect", message, hint), self._after_error)
            return
        title = "Nothing was changed" if isinstance(error, NothingChanged) else f"Error while {doing}"
        self.notify(_describe(error), title=title, severity="error", timeout=12, markup=False)

    def _after_error(self, retry: bool | None) -> None:
        picker = next((s for s in self.screen_stack if isinstance(s, BucketPickerScreen)), None)
        if not retry:
            if picker is not None and self.connection_error is not None:
                picker.show_not_connected(self.connection_error.message)  # no spinner left running
            return
        if self.bucket and self.main_screen is not None:
            self.request_diagnosis()
        else:
            self.retry_connect()

    def retry_connect(self) -> None:
        """Connect and list the buckets again (the start screen's r)."""
        for screen in self.screen_stack:
            if isinstance(screen, BucketPickerScreen):
                screen.show_connecting()
        self._list_buckets()

    # -- results -------------------------------------------------------------------------------------

    @on(Connected)
    def _connected(self, message: Connected) -> None:
        self.identities = message.identities
        self.connection_error = None
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen | BucketPickerScreen):
                screen.show_identities(message.identities)

    @on(BucketsListed)
    def _buckets_listed(self, message: BucketsListed) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, BucketPickerScreen):
                screen.show_buckets(message.choices)

    @on(DiagnosisChanged)
    def _diagnosis_changed(self, _message: DiagnosisChanged) -> None:
        newest = self._diagnoses.take()
        if newest is None or newest[0] != self._generation:
            return  # a stale probe's result
        diagnosis = newest[1]
        self.diagnosis = diagnosis
        self.probing = not diagnosis.final
        if self.main_screen is not None:
            self.main_screen.show_diagnosis(diagnosis, probing=self.probing)
        if diagnosis.final and self.timings.diagnosed is None:
            self.call_after_refresh(self._diagnosed)
        if diagnosis.final and self._after_fix:
            self._after_fix = False
            self._say_what_is_left(diagnosis)

    def _say_what_is_left(self, diagnosis: Diagnosis) -> None:
        """After a fix, a fix can reveal the next one (a new replica key needs the role's grant)."""
        if diagnosis.report.verdict == "pass":
            detail = verdict_detail(diagnosis.report)  # "every layer passes" or "pass with 1 warning"
            title = "All green" if detail == "every layer passes" else detail[0].upper() + detail[1:]
            self.notify(f"The check says: {detail}. c runs the canary.", title=title, timeout=6)
        elif diagnosis.plan is not None and not diagnosis.plan.empty:
            count = len(diagnosis.plan.changes)
            self.notify(f"The new setup needs {count} more automatic change{'s' if count != 1 else ''}: "
                        "press F again.", title="More to fix", severity="warning", timeout=10, markup=False)
        failing = first_failing_layer(diagnosis.report)
        if failing is not None and self.main_screen is not None:
            self.main_screen.select_layer(failing)  # show what is left, not the layer just fixed

    def _diagnosed(self) -> None:
        self.timings.diagnosed = time.perf_counter()

    @on(PlanReady)
    def _plan_ready(self, message: PlanReady) -> None:
        self.busy = None
        plan, layer_ids = message.plan, message.layer_ids
        if plan.empty:
            self.notify(_nothing_to_fix(plan, layer_ids), title="No automatic fix", timeout=10, markup=False)
            return
        title, body = plan_question(plan, self.identities)
        self.clear_notifications()  # nothing may cover the diff being asked about
        self.push_screen(ConfirmScreen(title, body), lambda yes: self._answered(plan, yes))

    def _answered(self, plan: Plan, yes: bool | None) -> None:
        if not yes:
            self.notify("Nothing was changed.", timeout=4)
            return
        self.busy = "applying"
        self._apply(plan)

    @on(FixesApplied)
    def _fixes_applied(self, message: FixesApplied) -> None:
        self.busy = None
        result = message.result
        if result.complete:
            count = len(result.applied)
            self.notify(f"Applied {count} change{'s' if count != 1 else ''}; probing again. u undoes them.",
                        title="Fixed", timeout=6, markup=False)
        else:
            self.notify(printable("\n".join(result.messages)), title="Some changes were not applied",
                        severity="warning", timeout=15, markup=False)
        self._after_fix = True
        self.request_diagnosis()

    @on(UndoFinished)
    def _undo_finished(self, message: UndoFinished) -> None:
        self.busy = None
        result = message.result
        if result.nothing_to_undo:
            self.notify("There is no applied fix set to undo.", timeout=6)
            return
        severity: SeverityLevel = "information" if result.complete else "warning"
        self.notify(printable("\n".join(result.messages)) or "Undone.", title="Undo", severity=severity, timeout=10,
                    markup=False)
        self.request_diagnosis()

    @on(ActivityChanged)
    def _activity_changed(self, _message: ActivityChanged) -> None:
        activity = self._activity.take()
        if activity is not None and self.busy is not None and self.main_screen is not None:
            self.main_screen.show_activity(activity)

    @on(CanaryChanged)
    def _canary_changed(self, _message: CanaryChanged) -> None:
        progress = self._canary_progress.take()
        if progress is not None and self.canary_running and self.main_screen is not None:
            self.main_screen.show_canary_progress(progress)

    @on(CanaryFinished)
    def _canary_finished(self, message: CanaryFinished) -> None:
        self.canary_running = False
        self._canary_progress.take()  # a late progress message must not overwrite the result
        result = self.last_canary = message.result
        if self.main_screen is not None:
            self.main_screen.show_canary_result(result)
        severity: SeverityLevel = "information" if result.outcome == "COMPLETED" else "error"
        self.notify(printable(result.message), title=f"Canary {result.outcome}", severity=severity, timeout=10,
                    markup=False)

    # -- requests from the screens (and the command palette) -------------------------------------------

    def refuse_write(self, what: str) -> None:
        self.notify(f"Read-only: {what.replace('_', ' ')} is disabled (started with --read-only).",
                    title="Nothing written", severity="warning", timeout=6, markup=False)

    def request_diagnosis(self) -> None:
        if not self.bucket:
            return
        self._generation += 1
        self.probing = True
        if not self.canary_running:
            # The diagnosis is about to change (re-probe, after a fix or an undo): an old canary result
            # would describe a setup that may no longer exist.
            self.last_canary = None
            if self.main_screen is not None:
                self.main_screen.clear_canary()
        if self.main_screen is not None:
            self.main_screen.show_diagnosis(self.diagnosis, probing=True)
        self._diagnose(self.bucket, self._generation)

    def _can_write(self, what: str) -> bool:
        if self.read_only:
            self.refuse_write(what)
            return False
        if self.busy is not None:
            self.notify(f"Wait: still {self.busy}.", timeout=4, markup=False)
            return False
        if self.probing or self.diagnosis is None or not self.diagnosis.final:
            self.notify("Wait for the probe to finish.", timeout=4)
            return False
        return True

    def request_fix(self, layer_ids: tuple[str, ...] | None) -> None:
        if self._can_write("fix" if layer_ids else "fix_all"):
            self.busy = "planning"
            self._plan(layer_ids)

    def request_undo(self) -> None:
        if not self._can_write("undo"):
            return
        try:
            preview = self.backend.undo_preview()
        except Exception as error:  # a damaged state directory: say so, never crash
            self.notify(_describe(error), title="Nothing was changed",
                        severity="error", timeout=10, markup=False)
            return
        if preview is None or not preview.documents:
            self.notify("There is no applied fix set to undo.", timeout=6)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.busy = "undoing"
                self._undo()
            else:
                self.notify("Nothing was changed.", timeout=4)

        title, body = undo_question(preview, self.identities)
        self.clear_notifications()  # nothing may cover the documents being asked about
        self.push_screen(UndoConfirmScreen(title, body), answered)

    def request_canary(self) -> None:
        if self.canary_running:
            self.notify("The canary is already running.", timeout=4)
            return
        if self._can_write("canary"):
            self.canary_running = True
            self._stop_canary.clear()
            self._canary_idle.clear()
            self._canary()

    async def action_quit(self) -> None:
        """Quit, but let a running canary stop and delete its test object first (its thread would
        otherwise outlive the app, and in the demo the sandbox it cleans up in)."""
        if self.busy in ("applying", "undoing"):
            self.notify(f"Wait: still {self.busy}. Quitting in the middle of a write could leave it half done; "
                        "quit once it has finished.", title="Not quitting yet", severity="warning", timeout=6,
                        markup=False)
            return
        if self.canary_running:
            self.notify("Stopping the canary and deleting its test object…", timeout=CANARY_STOP_SECONDS)
            self._stop_canary.set()
            await asyncio.to_thread(self._canary_idle.wait, CANARY_STOP_SECONDS)
        self.exit()

    def request_export(self) -> None:
        if self.diagnosis is None or not self.diagnosis.final:
            self.notify("Wait for the probe to finish: there is no report to export yet.", timeout=5)
            return
        try:
            written = export_report(self.diagnosis.report, self.export_dir)
        except OSError as error:
            self.notify(printable(f"Could not write the report: {error}"), severity="error", timeout=10, markup=False)
            return
        self.last_export = (written.markdown, written.json)
        self.notify(printable(f"{written.markdown}\n{written.json}"), title="Report saved", timeout=10, markup=False)

    # -- help and command palette -------------------------------------------------------------------------

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        palette = Binding("ctrl+p", "command_palette", "Command palette", tooltip="Search every command by name")
        quit_keys = Binding("q,ctrl+c", "quit", "Quit", tooltip="Quit s3repl-tui (a running probe is abandoned)")
        scan_keys = ("scan", "back_to_scan") if self.make_scanner is None else ()  # no scan screen: not listed
        own = [b for b in self.BINDINGS if isinstance(b, Binding) and b.action not in ("quit", *scan_keys)]
        bindings = [b for b in (*MainScreen.BINDINGS, palette, *own, quit_keys) if isinstance(b, Binding)]
        self.push_screen(HelpScreen(bindings, read_only=self.read_only, intro=HELP_INTRO))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, MainScreen):
            return
        for binding in _one_per_action(Binding.make_bindings(MainScreen.BINDINGS)):
            if not binding.description or not screen.check_action(binding.action, ()):
                continue
            callback = getattr(screen, f"action_{binding.action}")
            yield SystemCommand(binding.description, binding.tooltip, callback)


def _one_per_action(bindings: Iterable[Binding]) -> list[Binding]:
    """``up,k`` expands to two bindings; help and palette list each action once."""
    seen: set[str] = set()
    unique = []
    for binding in bindings:
        if binding.action not in seen:
            seen.add(binding.action)
            unique.append(binding)
    return unique


def _describe(error: BaseException | None) -> str:
    if isinstance(error, UserError):
        return printable(str(error))
    if error is None:
        return "unknown error"
    return printable(f"{type(error).__name__}: {error}")


def _nothing_to_fix(plan: Plan, layer_ids: tuple[str, ...] | None) -> str:
    where = (
        " and ".join(LAYER_TITLES.get(layer, layer) for layer in layer_ids) if layer_ids else "any layer"
    )
    lines = [f"Nothing can be fixed automatically in {where}."]
    lines += [f"By hand: {finding.fix.summary}" for finding in plan.manual if finding.fix is not None]
    lines += list(plan.notes)
    lines += [line.plain for line in optional_lines(plan)]
    return printable("\n".join(lines))


async def _run_until_diagnosed(app: S3ReplApp, size: tuple[int, int], timeout: float) -> StartupTimings:
    async with app.run_test(size=size) as pilot:
        deadline = time.perf_counter() + timeout
        while app.timings.diagnosed is None and time.perf_counter() < deadline:
            await pilot.pause(0.01)
    return app.timings


def measure_startup(
    make_app: Callable[[], S3ReplApp], *, size: tuple[int, int] = (120, 40), timeout: float = 60.0
) -> StartupTimings:
    """Time to the first frame and to the full diagnosis, headless (``App.run_test``).

    Times count from the app object's creation; ``s3repl_tui.commands.demo.measure_demo_startup`` runs it
    on the demo's sandbox."""
    return asyncio.run(_run_until_diagnosed(make_app(), size, timeout))
