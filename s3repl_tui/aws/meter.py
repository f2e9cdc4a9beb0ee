"""Counts the AWS requests our clients send, and tells listeners (the probe's tracer) about each one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# (side, operation): ("source", "s3:GetBucketPolicy"). Called on the thread that sends the request.
CallListener = Callable[[str, str], None]


class CallMeter:
    """Thread-safe; one per connection. Hooked on botocore's ``before-send``, so a retry counts too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._listeners: list[CallListener] = []

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def add_listener(self, listener: CallListener) -> Callable[[], None]:
        """Register ``listener``; returns the function that unregisters it."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def attach(self, client: Any, side: str) -> None:
        """Count every request ``client`` sends, as made by ``side``."""

        def before_send(event_name: str = "", **_: Any) -> None:
            # event_name is "before-send.<service-id>.<Operation>"; a non-None return would stand in
            # for the HTTP response, so this handler must return None.
            _event, service, operation = [*event_name.split(".", 2), "", ""][:3]
            self._note(side, f"{service}:{operation}")

        client.meta.events.register("before-send", before_send)

    def _note(self, side: str, operation: str) -> None:
        with self._lock:
            self._count += 1
            listeners = tuple(self._listeners)
        for listener in listeners:
            listener(side, operation)
