"""Decisions cached per (request, documents): a rule repeated 100 times asks the same questions.

Every rule of a configuration makes S3 send the same requests as the others whenever they share a role,
a destination and keys, and each request is judged up to three ways (role side, resource side, both)
plus once per doubtful condition key. Rules with distinct prefixes send distinct object ARNs (and KMS
encryption contexts), yet the policies usually cannot tell those apart. A decision is a pure function of:

- what is judged: the target (resource kind), the principal, the action, the resource account given;
- the documents with their names (compared by their JSON text);
- the resource, but only through what the evaluator asks of it: whether each Resource/NotResource
  pattern of the documents matches it, and the account of its ARN (used when no resource account is
  given) -- plus its text, which the one-sentence reason quotes;
- the request context, but only through the keys the documents' conditions name (the doubt logic asks
  whether they are present, the conditions read their values), and the keys known to be absent among
  those.

So the key holds exactly these (its *class*), and a cached decision for a request of the same class but
another resource is returned with the resource in its reason replaced (``_rebind``; a reason that does
not quote the cached resource exactly once is never rebound: that question is judged afresh). Documents
with policy variables (``${...}``), or that are not JSON objects, are keyed by the full resource and
context instead: a variable can read any key. Anything the classification cannot handle falls back to
that exact key.

Documents read from AWS are never changed afterwards (the checks build new ones, ``doubt.resolve``,
``grants.with_grants``), so what is derived from a document is computed once per document object; the
memo keeps a reference to each document it names, so an object id is never reused while its entry
exists. Every table is bounded and thread-safe (the TUI judges partial snapshots from worker threads).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from s3repl_tui.checks import doubt
from s3repl_tui.policy import NamedPolicy, PolicyError, Request, parse_arn
from s3repl_tui.policy.matching import Matcher
from s3repl_tui.policy.parse import parse_policy

MAX_DOCUMENTS = 4096  # documents, document sets, requests
MAX_CLASSES = 16384  # (document set, resource) -> class
MAX_DECISIONS = 8192

_lock = threading.Lock()
_memo_table: dict[Hashable, tuple[Any, Any]] = {}  # key -> (objects the key's ids name, value)
_classes: dict[Hashable, Hashable] = {}
_positions: dict[Hashable, tuple[int, ...]] = {}
_decisions: dict[Hashable, tuple[Any, str]] = {}  # key -> (judgement, the resource it was judged for)
_together: dict[Hashable, tuple[tuple[Any, ...], str]] = {}  # judge_together's answers
_stats = {"hits": 0, "misses": 0, "rebound": 0, "not_rebound": 0}
ENABLED = True  # False: every question is judged afresh (what the cache's tests compare against)
CLASSES = True  # False: requests are keyed by their full resource and context (the exact key)

T = TypeVar("T")
_MISSING = object()


def _remember(key: Hashable, holds: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per ``key`` (ids of the objects ``holds`` keeps alive, so ids are not reused)."""
    known = _memo_table.get(key)  # a dict read is atomic
    if known is not None:
        return known[1]
    computed = compute()
    with _lock:
        if len(_memo_table) >= MAX_DOCUMENTS:
            _memo_table.clear()
        _memo_table[key] = (holds, computed)
    return computed


def _json(value: Any) -> str:
    return json.dumps(value, default=repr)


@dataclass(frozen=True, slots=True)
class _Documents:
    """What the decision key needs of a set of documents."""

    key: Hashable  # names and JSON texts
    matchers: tuple[Matcher, ...]  # every Resource/NotResource pattern, in order
    condition_keys: frozenset[str]  # lower-cased: the keys a condition (or the doubt logic) reads
    exact: bool  # policy variables, or a document that is not a JSON object: key by full value


def _document_info(policy: NamedPolicy) -> _Documents:
    document = policy.document
    text = _json(document)
    key = (policy.name, text)
    if not isinstance(document, dict) or "${" in text:
        return _Documents(key, (), frozenset(), True)
    try:
        parsed = parse_policy(document)
    except PolicyError:
        return _Documents(key, (), frozenset(), True)
    matchers = tuple(m for statement in parsed.statements for m in (statement.resources or ()))
    keys = {test.key for statement in parsed.statements for test in statement.condition.tests}
    for statement in doubt.statements(document):
        keys |= doubt.condition_keys(statement)
    return _Documents(key, matchers, frozenset(keys), False)


def _policy_info(policy: NamedPolicy) -> _Documents:
    """Per (name, document object): the checks make a new NamedPolicy of the same document per request."""
    key = ("policy", policy.name, id(policy.document))
    return _remember(key, policy.document, lambda: _document_info(policy))  # type: ignore[no-any-return]


def _combine(policies: tuple[NamedPolicy | None, ...]) -> _Documents:
    infos = [None if p is None else _policy_info(p) for p in policies]
    present = [info for info in infos if info is not None]
    return _Documents(
        tuple(None if info is None else info.key for info in infos),
        tuple(m for info in present for m in info.matchers),
        frozenset(k for info in present for k in info.condition_keys),
        any(info.exact for info in present),
    )


def _documents_info(identity: tuple[NamedPolicy, ...], boundary: NamedPolicy | None,
                    resource_policy: NamedPolicy | None) -> _Documents:
    policies = (*identity, None, boundary, resource_policy)  # None: where the identity policies end
    key = ("documents", *map(id, policies))
    return _remember(key, policies, lambda: _combine(policies))  # type: ignore[no-any-return]


def _tag(value: Any) -> Hashable:
    """A context value by type and value (``True`` and ``1`` are equal in Python, not to the evaluator)."""
    return value if type(value) is str else (type(value).__name__, _json(value))


def _context_class(request: Request, keys: frozenset[str]) -> tuple[tuple[str, Hashable], ...]:
    """(key, value) of the request's context keys that ``keys`` (lower-cased) names, in the context's order.

    Which positions those are depends only on the context's key names, shared by many requests: found
    once per (key names, keys)."""
    context = request.context
    names = tuple(context)
    memo_key = (names, keys)
    picks = _positions.get(memo_key)
    if picks is None:
        picks = tuple(i for i, name in enumerate(names) if str(name).lower() in keys)
        with _lock:
            if len(_positions) >= MAX_DOCUMENTS:
                _positions.clear()
            _positions[memo_key] = picks
    if not picks:
        return ()
    values = tuple(context.values())
    return tuple((names[i], _tag(values[i])) for i in picks)


def _resource_class(documents: _Documents, resource: str) -> Hashable:
    """What the evaluator asks of a resource: each pattern's match, and the account of its ARN."""
    key = (documents.key, resource)
    found = _classes.get(key, _MISSING)
    if found is not _MISSING:
        return found
    arn = parse_arn(resource)
    computed = (arn.account if arn is not None else None,
                tuple(matcher.matches(resource, {}) for matcher in documents.matchers))
    with _lock:
        if len(_classes) >= MAX_CLASSES:
            _classes.clear()
        _classes[key] = computed
    return computed


def _exact_request_key(request: Request) -> Hashable:
    def compute() -> Hashable:
        return request.resource, json.dumps(sorted(request.context.items()), default=repr)

    return _remember(("request", id(request)), request, compute)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=256)
def _absent(keys: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted({str(k).lower() for k in keys}))


def request_class(request: Request, absent_keys: Any, documents: _Documents) -> Hashable:
    """Everything of a request (and the keys it is known not to carry) a decision on ``documents`` reads."""
    absent = _absent(frozenset(absent_keys or ()))
    if documents.exact or not CLASSES or not request.resource:
        return "exact", _exact_request_key(request), absent
    keys = documents.condition_keys
    return ("class", _resource_class(documents, request.resource), _context_class(request, keys),
            tuple(k for k in absent if k in keys))


def decision_key(target: str, request: Request, absent_keys: Any, identity: tuple[NamedPolicy, ...],
                 boundary: NamedPolicy | None, resource_policy: NamedPolicy | None,
                 resource_account: str | None) -> Hashable:
    documents = _documents_info(identity, boundary, resource_policy)
    return (target, request.principal, request.action, resource_account, documents.key,
            request_class(request, absent_keys, documents))


def _rebind(judged: Any, judged_for: str, resource: str) -> Any:
    """The cached judgement for ``resource``: only the reason quotes the resource (``evaluate``'s
    ``_Words``: ``c.resource or '*'``); None when the quote is not found exactly once."""
    if judged_for == resource:
        return judged
    result = judged.result
    reason = result.reason
    at = reason.find(judged_for)
    if not judged_for or at < 0 or reason.rfind(judged_for) != at:
        return None
    rebound = reason[:at] + resource + reason[at + len(judged_for):]
    return _replace(judged, "result", _replace(result, "reason", rebound))


_PLAIN: dict[type, bool] = {}  # type -> fields live in a plain __dict__ and no __post_init__ checks them


def _replace(value: Any, name: str, new: Any) -> Any:
    """``dataclasses.replace(value, name=new)`` for the frozen (non-slots) dataclasses of a judgement,
    without re-running ``__init__``: the fields are copied as they are and the changed one set."""
    kind = type(value)
    plain = _PLAIN.get(kind)
    if plain is None:
        plain = _PLAIN[kind] = hasattr(value, "__dict__") and not hasattr(kind, "__post_init__")
    if not plain:
        return dataclasses.replace(value, **{name: new})
    copied: Any = object.__new__(kind)
    fields = copied.__dict__
    fields.update(value.__dict__)
    fields[name] = new
    return copied


def cached_judgement(judge: Callable[..., T]) -> Callable[..., T]:
    """Wrap ``access.judge_request(item, identity, boundary, resource_policy, resource_account)``."""

    @functools.wraps(judge)
    def wrapper(item: Any, identity: tuple[NamedPolicy, ...], boundary: NamedPolicy | None,
                resource_policy: NamedPolicy | None, resource_account: str | None) -> T:
        if not ENABLED:
            return judge(item, identity, boundary, resource_policy, resource_account)
        request = item.request
        key = decision_key(item.target, request, item.absent_keys, tuple(identity), boundary, resource_policy,
                           resource_account)
        found = _decisions.get(key)
        if found is not None:
            answer = _rebind(found[0], found[1], request.resource)
            if answer is not None:
                with _lock:
                    _stats["hits"] += 1
                    _stats["rebound"] += found[1] != request.resource
                return answer  # type: ignore[no-any-return]
            with _lock:
                _stats["not_rebound"] += 1
        judged = judge(item, identity, boundary, resource_policy, resource_account)
        with _lock:
            _stats["misses"] += 1
            if len(_decisions) >= MAX_DECISIONS:
                _decisions.clear()
            _decisions.setdefault(key, (judged, request.resource))
        return judged

    return wrapper


# (identity policies, boundary, resource policy, resource account) of one judge_request, or None: not asked
Call = tuple[tuple[NamedPolicy, ...], NamedPolicy | None, NamedPolicy | None, str | None] | None


def _calls_info(calls: tuple[Call, ...]) -> tuple[Hashable, _Documents]:
    """Each call's (documents, resource account), and the documents of all calls together: found once per
    calls object (``assess`` hands the same one to every request of one shape: every rule's requests to
    one bucket or key)."""

    def compute() -> tuple[Hashable, _Documents]:
        asked: list[Hashable] = []
        policies: list[NamedPolicy | None] = []
        for call in calls:
            if call is None:
                asked.append(None)
                continue
            identity, boundary, resource_policy, account = call
            asked.append((_documents_info(tuple(identity), boundary, resource_policy).key, account))
            policies += [*identity, None, boundary, resource_policy, None]
        return tuple(asked), _combine(tuple(policies))

    # The identity policies come as a tuple (immutable), so the calls object stands for its contents
    # while the memo holds it; a list could change: no memo.
    if any(call is not None and type(call[0]) is not tuple for call in calls):
        return compute()
    return _remember(("calls", id(calls)), calls, compute)  # type: ignore[no-any-return]


def judge_together(judge: Callable[..., T], item: Any, calls: tuple[Call, ...]) -> tuple[T | None, ...]:
    """``judge(item, *call)`` for each call (None where not asked), answered as one question.

    A request is judged up to three ways (role side, resource side, both): its class is found once, over
    the documents of all its calls together (a finer class than each call's own, so as sound), and the
    key holds each call's documents and resource account. A miss asks ``judge`` (the cached
    ``judge_request``) call by call, in order."""
    if not ENABLED:
        return tuple(None if call is None else judge(item, *call) for call in calls)
    request = item.request
    asked, union = _calls_info(calls)
    key = ("together", item.target, request.principal, request.action, asked,
           request_class(request, item.absent_keys, union))
    found = _together.get(key)
    if found is not None:
        judged, judged_for = found
        resource = request.resource
        if judged_for == resource:
            rebound: list[Any] | None = list(judged)
        else:
            rebound = []
            for j in judged:
                answer = None if j is None else _rebind(j, judged_for, resource)
                if answer is None and j is not None:
                    rebound = None  # a reason that can't be rebound: judged call by call
                    break
                rebound.append(answer)
        if rebound is not None:
            count = len(judged) - judged.count(None)
            with _lock:
                _stats["hits"] += count
                _stats["rebound"] += count if judged_for != resource else 0
            return tuple(rebound)
    answers = tuple(None if call is None else judge(item, *call) for call in calls)
    with _lock:
        if len(_together) >= MAX_DECISIONS:
            _together.clear()
        _together.setdefault(key, (answers, request.resource))
    return answers


def clear() -> None:
    with _lock:
        _memo_table.clear()
        _classes.clear()
        _positions.clear()
        _decisions.clear()
        _together.clear()
        _stats.update(hits=0, misses=0, rebound=0, not_rebound=0)


def stats() -> dict[str, int]:
    """Since ``clear()``: hits (``rebound``: of which for another resource of the same class), misses, and
    ``not_rebound``: decisions of the same class judged afresh because their reason could not be rebound."""
    with _lock:
        return dict(_stats)
