"""Which AWS calls a probe made, and which had to wait for which: the dependency structure a benchmark
needs. A call's ``depth`` is the number of calls on its longest chain of dependencies, itself included
(every call made after another on the same task, or in a task started from its result, waits for it).
With a latency of L per call the probe cannot finish before ``depth * L``; a concurrent probe
finishes close to that."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TracedCall:
    operation: str  # "s3:GetBucketReplication"
    side: str  # "source" | "destination": whose credentials
    depth: int  # 1 for a call that waited for no other
    after: int | None  # index (in ProbeTrace.calls) of the call it waited for last, None at depth 1
    started: float  # seconds since the probe started


@dataclass(frozen=True)
class ProbeTrace:
    calls: tuple[TracedCall, ...]
    wall_seconds: float

    @property
    def depth(self) -> int:
        """The longest chain of dependent calls (0 when no call was made)."""
        return max((call.depth for call in self.calls), default=0)

    def longest_chain(self) -> tuple[TracedCall, ...]:
        """One chain of ``depth`` calls, first call first."""
        if not self.calls:
            return ()
        index: int | None = max(range(len(self.calls)), key=lambda i: self.calls[i].depth)
        chain: list[TracedCall] = []
        while index is not None:
            chain.append(self.calls[index])
            index = self.calls[index].after
        return tuple(reversed(chain))


@dataclass(frozen=True)
class ChainPosition:
    """Where a task starts: after how many dependent calls, the last of them being ``last``."""

    depth: int = 0
    last: int | None = None


START = ChainPosition()


class Tracer:
    """Follows each task's chain position on its thread; a connection listener feeds it the calls."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._calls: list[TracedCall] = []
        self._started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._calls)

    def position(self) -> ChainPosition:
        """The current thread's position (START outside a task)."""
        position: ChainPosition | None = getattr(self._local, "position", None)
        return position or START

    def run_at(self, position: ChainPosition, task: Callable[[], None]) -> None:
        self._local.position = position
        try:
            task()
        finally:
            self._local.position = None

    def note(self, side: str, operation: str) -> None:
        """A request was sent. Requests from threads not running one of our tasks are not ours."""
        position: ChainPosition | None = getattr(self._local, "position", None)
        if position is None:
            return
        with self._lock:
            self._calls.append(
                TracedCall(operation, side, position.depth + 1, position.last, self.elapsed)
            )
            index = len(self._calls) - 1
        self._local.position = ChainPosition(position.depth + 1, index)

    def finish(self) -> ProbeTrace:
        with self._lock:
            return ProbeTrace(tuple(self._calls), self.elapsed)
