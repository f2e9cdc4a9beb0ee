"""Decisions cached per (request, documents): a rule repeated 100 times asks the same questions.

Every rule of a configuration makes S3 send the same requests as the others whenever they share a role,
a destination and keys (only the rule ids and filters differ), and each request is judged up to three
ways (role side, resource side, both) plus once per doubtful condition key. The decision is a pure
function of the request (principal, action, resource, context), what is being judged (its target and
the keys known to be absent) and the policy documents with their names, so identical questions are
answered once.

Documents are compared by content (their JSON text), which is computed once per document object: a
document read from AWS is never changed afterwards (the checks build new ones, ``doubt.resolve``,
``grants.with_grants``). The memo of document texts keeps a reference to each document it names, so an
object id is never reused while its entry exists. Both tables are bounded and thread-safe (the TUI judges
partial snapshots from worker threads).
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from s3repl_tui.policy import NamedPolicy, Request

MAX_DOCUMENTS = 4096  # documents and requests
MAX_DECISIONS = 2048

_lock = threading.Lock()
_texts: dict[int, tuple[Any, str]] = {}  # id(document) -> (document, its JSON text)
_decisions: dict[Hashable, Any] = {}
_stats = {"hits": 0, "misses": 0}
ENABLED = True  # False: every question is judged afresh (what the cache's tests compare against)

T = TypeVar("T")


def _memo(value: Any, compute: Callable[[Any], Any]) -> Any:
    """``compute(value)`` once per object (documents and requests are not changed once built)."""
    key = id(value)
    known = _texts.get(key)  # a dict read is atomic; the entry holds ``value``, so its id is not reused
    if known is not None and known[0] is value:
        return known[1]
    computed = compute(value)
    with _lock:
        if len(_texts) >= MAX_DOCUMENTS:
            _texts.clear()
        _texts[key] = (value, computed)
    return computed


def _json(value: Any) -> str:
    return json.dumps(value, default=repr)


def _text(document: Any) -> str:
    return str(_memo(document, _json))


def _policy_key(policy: NamedPolicy | None) -> tuple[str, str] | None:
    return None if policy is None else (policy.name, _text(policy.document))


def _request_key(request: Request) -> Hashable:
    context = json.dumps(sorted(request.context.items()), default=repr)
    return request.principal, request.action, request.resource, context


def request_key(request: Request) -> Hashable:
    """Everything of a request a decision depends on (its context by value)."""
    return _memo(request, _request_key)  # type: ignore[no-any-return]


def decision_key(target: str, request: Request, absent_keys: Any, identity: tuple[NamedPolicy, ...],
                 boundary: NamedPolicy | None, resource_policy: NamedPolicy | None,
                 resource_account: str | None) -> Hashable:
    return (target, request_key(request), tuple(sorted(absent_keys or ())),
            tuple(_policy_key(p) for p in identity), _policy_key(boundary), _policy_key(resource_policy),
            resource_account)


def cached_judgement(judge: Callable[..., T]) -> Callable[..., T]:
    """Wrap ``access.judge_request(item, identity, boundary, resource_policy, resource_account)``."""

    @functools.wraps(judge)
    def wrapper(item: Any, identity: tuple[NamedPolicy, ...], boundary: NamedPolicy | None,
                resource_policy: NamedPolicy | None, resource_account: str | None) -> T:
        if not ENABLED:
            return judge(item, identity, boundary, resource_policy, resource_account)
        key = decision_key(item.target, item.request, item.absent_keys, tuple(identity), boundary,
                           resource_policy, resource_account)
        with _lock:
            found = _decisions.get(key, _decisions)
        if found is not _decisions:
            with _lock:
                _stats["hits"] += 1
            return found  # type: ignore[no-any-return]
        judged = judge(item, identity, boundary, resource_policy, resource_account)
        with _lock:
            _stats["misses"] += 1
            if len(_decisions) >= MAX_DECISIONS:
                _decisions.clear()
            _decisions[key] = judged
        return judged

    return wrapper


def clear() -> None:
    with _lock:
        _texts.clear()
        _decisions.clear()
        _stats.update(hits=0, misses=0)


def stats() -> dict[str, int]:
    """Hits and misses since the last ``clear()`` (tests and the bench read them)."""
    with _lock:
        return dict(_stats)
