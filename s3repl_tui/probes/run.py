"""The probe's scheduler: every read is a task on a thread pool, started the moment what it needs is
known. Tasks publish *facts* ("the replication configuration", "the region of bucket d"); ``when``
starts a follow-up as soon as all the facts it needs are settled, at the chain position of the latest
of them, so the trace shows true dependencies."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from s3repl_tui.aws.session import Connection
from s3repl_tui.probes.assemble import assemble
from s3repl_tui.probes.snapshot import CallStats, Snapshot
from s3repl_tui.probes.state import BucketState, ProbeState
from s3repl_tui.probes.trace import ChainPosition, ProbeTrace, Tracer

MAX_WORKERS = 32  # the widest level of the seed's read graph is ~15 reads; real setups have more rules
UPDATE_INTERVAL = 0.05  # seconds between partial snapshots

Facts = dict[str, Any]


@dataclass
class _Waiter:
    facts: tuple[str, ...]
    then: Callable[[Facts], None]


class ProbeRun:
    def __init__(self, connection: Connection, source_bucket: str) -> None:
        self.connection = connection
        self.source_bucket = source_bucket
        self.state = ProbeState(source_bucket)
        self.state.buckets[source_bucket] = BucketState(source_bucket, is_source=True)
        self.tracer = Tracer()
        self._pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="s3repl-probe")
        self._lock = threading.Lock()
        self._outstanding = 0
        self._idle = threading.Event()
        self._idle.set()
        self._claimed: set[str] = set()
        self._facts: dict[str, tuple[Any, ChainPosition]] = {}
        self._waiters: list[_Waiter] = []
        self._crash: BaseException | None = None

    @property
    def endpoint_url(self) -> str | None:
        """Given with --endpoint-url: then the commands we print need it too."""
        return self.connection.options.endpoint_url

    def claim(self, name: str) -> bool:
        """True the first time only: how every read is done once however many inputs refer to it."""
        with self._lock:
            if name in self._claimed:
                return False
            self._claimed.add(name)
            return True

    def submit(self, task: Callable[[], None], position: ChainPosition | None = None) -> None:
        """Run ``task`` on the pool; its calls follow the current task's calls (or ``position``)."""
        start = position or self.tracer.position()
        with self._lock:
            self._outstanding += 1
            self._idle.clear()
        self._pool.submit(self._run, task, start)

    def _run(self, task: Callable[[], None], position: ChainPosition) -> None:
        try:
            self.tracer.run_at(position, task)
        except BaseException as error:  # a bug: kept, and raised by wait() once the others are done
            with self._lock:
                self._crash = self._crash or error
        finally:
            with self._lock:
                self._outstanding -= 1
                if self._outstanding == 0:
                    self._idle.set()

    def settle(self, fact: str, value: Any) -> None:
        """Publish a fact; follow-ups waiting only for settled facts start now."""
        with self._lock:
            self._facts[fact] = (value, self.tracer.position())
            ready = [w for w in self._waiters if all(f in self._facts for f in w.facts)]
            self._waiters = [w for w in self._waiters if w not in ready]
        for waiter in ready:
            self._start(waiter)

    def when(self, facts: Sequence[str], then: Callable[[Facts], None]) -> None:
        waiter = _Waiter(tuple(facts), then)
        with self._lock:
            if not all(f in self._facts for f in waiter.facts):
                self._waiters.append(waiter)
                return
        self._start(waiter)

    def _start(self, waiter: _Waiter) -> None:
        with self._lock:
            settled = {f: self._facts[f] for f in waiter.facts}
        latest = max((position for _, position in settled.values()), key=lambda p: p.depth)
        values = {f: value for f, (value, _) in settled.items()}
        self.submit(lambda: waiter.then(values), latest)

    @contextmanager
    def listening(self) -> Iterator[None]:
        remove = self.connection.add_call_listener(self.tracer.note)
        try:
            yield
        finally:
            remove()

    def snapshot(self) -> Snapshot:
        calls = CallStats(self.tracer.count, round(self.tracer.elapsed, 3))
        with self.state.view() as state:
            state.changed = False
            return assemble(state, self.endpoint_url, self.connection.dest is not None, calls)

    def wait(self, on_update: Callable[[Snapshot], None] | None) -> tuple[Snapshot, ProbeTrace]:
        """Block until every task is done, calling ``on_update`` from this thread only."""
        try:
            while not self._idle.wait(UPDATE_INTERVAL):
                if on_update is not None and self.state.changed:
                    on_update(self.snapshot())
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)  # on an interrupt, start nothing new
        if self._crash is not None:
            raise self._crash
        final = self.snapshot()
        if on_update is not None:
            on_update(final)
        return final, self.tracer.finish()
