"""Reusable fault hooks for the sandbox middleware (``sandbox.middleware.fault_hooks``).

Every hook is a callable ``SandboxRequest -> FaultResponse | None``; the middleware runs them in order
and answers with the first fault one returns. The errors are shaped as each service's protocol answers
them (S3 REST-XML, KMS JSON, IAM/STS query XML), so botocore parses them into the same ``ClientError``
AWS would give, and its standard retry mode treats them as it treats AWS's.

Which calls fail is decided by a seeded hash of the call's *read key* (operation and resource) and of
how many times that read was sent, never by the order threads happen to run in: the same seed fails
the same attempts of the same reads on every run, whatever the concurrency.

    sandbox.middleware.fault_hooks.append(throttle(share=0.3, seed=7))
    sandbox.middleware.fault_hooks.append(deny("s3:GetBucketPolicy", resource="dst-bucket"))
    recorder = CallRecorder(); sandbox.middleware.fault_hooks.insert(0, recorder)  # reads done twice?

Transient hooks fail at most ``max_in_a_row`` consecutive attempts of one read (default 2, below
botocore's 4 attempts in standard mode), so a client with retries always gets through; pass
``max_in_a_row=None`` for faults that may outlast the retries.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from s3repl_tui.sandbox.middleware import FaultResponse, SandboxRequest

__all__ = [
    "S3_OPERATIONS",
    "AlwaysFail",
    "CallRecorder",
    "FailNth",
    "ReplayAfter",
    "Transient",
    "access_denied",
    "always",
    "api_operation",
    "aws_error",
    "connection_resets",
    "deny",
    "is_write",
    "latency_spikes",
    "matching",
    "read_key",
    "read_timeouts",
    "resource_of",
    "server_error",
    "server_errors",
    "stale_bucket_policy",
    "throttle",
    "throttling",
]

RequestTest = Callable[[SandboxRequest], bool]
MakeFault = Callable[[SandboxRequest], FaultResponse]

# The middleware names S3 operations by method and subresource; the probe and the AWS docs by API name.
S3_OPERATIONS: dict[str, str] = {
    "s3:GET bucket?location": "s3:GetBucketLocation",
    "s3:GET bucket?replication": "s3:GetBucketReplication",
    "s3:PUT bucket?replication": "s3:PutBucketReplication",
    "s3:DELETE bucket?replication": "s3:DeleteBucketReplication",
    "s3:GET bucket?encryption": "s3:GetBucketEncryption",
    "s3:PUT bucket?encryption": "s3:PutBucketEncryption",
    "s3:GET bucket?versioning": "s3:GetBucketVersioning",
    "s3:PUT bucket?versioning": "s3:PutBucketVersioning",
    "s3:GET bucket?ownershipControls": "s3:GetBucketOwnershipControls",
    "s3:GET bucket?object-lock": "s3:GetObjectLockConfiguration",
    "s3:GET bucket?policy": "s3:GetBucketPolicy",
    "s3:PUT bucket?policy": "s3:PutBucketPolicy",
    "s3:DELETE bucket?policy": "s3:DeleteBucketPolicy",
    "s3:GET bucket?requestPayment": "s3:GetBucketRequestPayment",
    "s3:GET bucket?notification": "s3:GetBucketNotificationConfiguration",
    "s3:GET bucket": "s3:ListObjects",
    "s3:GET bucket?list-type": "s3:ListObjectsV2",
    "s3:HEAD bucket": "s3:HeadBucket",
    "s3:GET object": "s3:GetObject",
    "s3:HEAD object": "s3:HeadObject",
    "s3:PUT object": "s3:PutObject",
    "s3:DELETE object": "s3:DeleteObject",
    "s3:GET": "s3:ListBuckets",
}
_IAM_RESOURCE_PARAMS = ("RoleName", "PolicyArn", "PolicyName", "VersionId", "UserName")
_QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}


def api_operation(request: SandboxRequest) -> str:
    """The API name of a request: ``s3:GetBucketPolicy``, ``kms:GetKeyPolicy``, ``iam:GetRole``."""
    if request.service == "s3" and request.operation.endswith(" /"):
        return "s3:ListBuckets"
    return S3_OPERATIONS.get(request.operation, request.operation)


def _query_params(request: SandboxRequest) -> dict[str, str]:
    text = request.body.decode("utf-8", "replace") if request.body else request.query
    return {k: v[0] for k, v in urllib.parse.parse_qs(text).items() if v}


def resource_of(request: SandboxRequest) -> str:
    """What a request is about: ``bucket`` or ``bucket/key`` for S3, the KeyId for KMS, the role,
    policy and version for IAM (``RoleName=r PolicyName=p``); empty when it names nothing."""
    if request.service == "s3":
        return urllib.parse.unquote(request.path.lstrip("/"))
    if request.service == "kms":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return ""
        return str(body.get("KeyId", "")) if isinstance(body, dict) else ""
    params = _query_params(request)
    return " ".join(f"{name}={params[name]}" for name in _IAM_RESOURCE_PARAMS if name in params)


def read_key(request: SandboxRequest) -> str:
    """One logical read or write: API operation and resource, e.g. ``s3:GetBucketPolicy dst``."""
    resource = resource_of(request)
    operation = api_operation(request)
    return f"{operation} {resource}" if resource else operation


# -- AWS-shaped answers -------------------------------------------------------------------------


def aws_error(service: str, status: int, code: str, message: str) -> FaultResponse:
    """An error as ``service``'s protocol carries it (S3 REST-XML, KMS JSON, IAM/STS query XML)."""
    message = message.replace("&", "&amp;").replace("<", "&lt;")
    if service == "s3":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            "<RequestId>S3REPLSANDBOXFAULT</RequestId></Error>"
        ).encode()
        return FaultResponse(status, body, (("Content-Type", "application/xml"),))
    if service in _QUERY_NAMESPACES:
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f'<ErrorResponse xmlns="{_QUERY_NAMESPACES[service]}"><Error><Type>{kind}</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>s3repl-sandbox-fault</RequestId></ErrorResponse>"
        ).encode()
        return FaultResponse(status, body, (("Content-Type", "text/xml"),))
    payload = json.dumps({"__type": code, "message": message}).encode()
    return FaultResponse(status, payload, (("Content-Type", "application/x-amz-json-1.1"),))


def throttling(request: SandboxRequest) -> FaultResponse:
    """S3 ``SlowDown`` (503); KMS ``ThrottlingException`` (400); IAM/STS ``Throttling`` (400)."""
    if request.service == "s3":
        return aws_error("s3", 503, "SlowDown", "Please reduce your request rate.")
    code = "ThrottlingException" if request.service == "kms" else "Throttling"
    return aws_error(request.service, 400, code, "Rate exceeded")


def server_error(request: SandboxRequest) -> FaultResponse:
    """A 500: S3 ``InternalError``, KMS ``KMSInternalException``, IAM/STS ``ServiceFailure``."""
    code = {"s3": "InternalError", "kms": "KMSInternalException"}.get(request.service, "ServiceFailure")
    return aws_error(request.service, 500, code, "We encountered an internal error. Please try again.")


def access_denied(request: SandboxRequest) -> FaultResponse:
    """AccessDenied as each service says it (S3 and IAM 403, KMS 400 ``AccessDeniedException``)."""
    who = f"arn:aws:iam::{request.caller_account}:user/sandbox" if request.access_key else "anonymous"
    action = api_operation(request)
    message = f"User: {who} is not authorized to perform: {action} with an explicit deny"
    if request.service == "kms":
        return aws_error("kms", 400, "AccessDeniedException", message)
    return aws_error(request.service, 403, "AccessDenied", message if request.service != "s3" else "Access Denied")


def _drop(_request: SandboxRequest) -> FaultResponse:
    return FaultResponse(0, drop_connection=True)


# -- which requests ------------------------------------------------------------------------------


def matching(
    operation: str | Iterable[str] | None = None,
    *,
    resource: str | None = None,
    service: str | Iterable[str] | None = None,
    access_key: str | None = None,
    method: str | Iterable[str] | None = None,
) -> RequestTest:
    """A test of requests. ``operation`` is an API name (``s3:GetBucketPolicy``) or the middleware's
    own (``s3:GET bucket?policy``); ``resource`` must equal ``resource_of(request)`` or, for IAM,
    appear in it. Every given criterion must hold."""

    def as_set(value: str | Iterable[str] | None) -> frozenset[str] | None:
        if value is None:
            return None
        return frozenset([value]) if isinstance(value, str) else frozenset(value)

    operations, services, methods = as_set(operation), as_set(service), as_set(method)

    def test(request: SandboxRequest) -> bool:
        if operations is not None and not ({request.operation, api_operation(request)} & operations):
            return False
        if services is not None and request.service not in services:
            return False
        if methods is not None and request.method not in methods:
            return False
        if access_key is not None and request.access_key != access_key:
            return False
        if resource is not None:
            found = resource_of(request)
            if found != resource and not (request.service in _QUERY_NAMESPACES and f"={resource}" in found):
                return False
        return True

    return test


def _everything(_request: SandboxRequest) -> bool:
    return True


# -- hooks -------------------------------------------------------------------------------------


def _fraction(seed: int, key: str, attempt: int) -> float:
    digest = hashlib.blake2b(f"{seed}\0{key}\0{attempt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class Transient:
    """Fails a seeded share of the attempts of matching reads, at most ``max_in_a_row`` in a row per
    read (None: no limit). ``fault`` makes the answer; one that returns None after a side effect
    (a sleep) lets the request go on. ``injected`` counts the faults per read key."""

    def __init__(
        self,
        fault: Callable[[SandboxRequest], FaultResponse | None],
        share: float,
        *,
        seed: int = 0,
        when: RequestTest | None = None,
        max_in_a_row: int | None = 2,
    ) -> None:
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be between 0 and 1")
        self.fault = fault
        self.share = share
        self.seed = seed
        self.when = when or _everything
        self.max_in_a_row = max_in_a_row
        self.injected: Counter[str] = Counter()
        self._attempts: Counter[str] = Counter()
        self._in_a_row: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.injected.values())

    def _decide(self, key: str) -> bool:
        with self._lock:
            attempt = self._attempts[key]
            self._attempts[key] += 1
            limited = self.max_in_a_row is not None and self._in_a_row[key] >= self.max_in_a_row
            hit = not limited and _fraction(self.seed, key, attempt) < self.share
            if hit:
                self._in_a_row[key] += 1
                self.injected[key] += 1
            else:
                self._in_a_row[key] = 0
            return hit

    def __call__(self, request: SandboxRequest) -> FaultResponse | None:
        if not self.when(request) or not self._decide(read_key(request)):
            return None
        return self.fault(request)


class AlwaysFail:
    """Answers every matching request with ``fault`` (a failure that outlasts every retry)."""

    def __init__(self, fault: MakeFault, when: RequestTest) -> None:
        self.fault = fault
        self.when = when
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, request: SandboxRequest) -> FaultResponse | None:
        if not self.when(request):
            return None
        with self._lock:
            self.hits[read_key(request)] += 1
        return self.fault(request)


def throttle(share: float, *, seed: int = 0, when: RequestTest | None = None,
             max_in_a_row: int | None = 2) -> Transient:
    """Throttle a share of calls (S3 503 SlowDown, KMS/IAM 400 ThrottlingException/Throttling)."""
    return Transient(throttling, share, seed=seed, when=when, max_in_a_row=max_in_a_row)


def server_errors(share: float, *, seed: int = 0, when: RequestTest | None = None,
                  max_in_a_row: int | None = 2) -> Transient:
    """Answer a share of calls with a 500."""
    return Transient(server_error, share, seed=seed, when=when, max_in_a_row=max_in_a_row)


def connection_resets(share: float, *, seed: int = 0, when: RequestTest | None = None,
                      max_in_a_row: int | None = 2) -> Transient:
    """Close the connection of a share of calls without answering."""
    return Transient(_drop, share, seed=seed, when=when, max_in_a_row=max_in_a_row)


def _sleeper(seconds: float) -> Callable[[SandboxRequest], FaultResponse | None]:
    def sleep(_request: SandboxRequest) -> FaultResponse | None:
        time.sleep(seconds)
        return None  # then answer as usual: too late for a client whose read timeout is shorter

    return sleep


def read_timeouts(share: float, seconds: float, *, seed: int = 0, when: RequestTest | None = None,
                  max_in_a_row: int | None = 2) -> Transient:
    """Hold a share of calls ``seconds`` before answering: longer than the client's read timeout,
    the client gives up (``ReadTimeoutError``) and retries. Shorten the client's timeout in tests."""
    return Transient(_sleeper(seconds), share, seed=seed, when=when, max_in_a_row=max_in_a_row)


def latency_spikes(share: float, seconds: float, *, seed: int = 0, when: RequestTest | None = None) -> Transient:
    """Delay a share of calls by ``seconds`` (then answer normally)."""
    return Transient(_sleeper(seconds), share, seed=seed, when=when, max_in_a_row=None)


def always(fault: MakeFault, when: RequestTest) -> AlwaysFail:
    """``fault`` on every matching call: e.g. ``always(server_error, matching("s3:GetBucketPolicy"))``."""
    return AlwaysFail(fault, when)


def deny(operation: str, *, resource: str | None = None) -> AlwaysFail:
    """AccessDenied on one operation (API name), optionally on one resource only."""
    return AlwaysFail(access_denied, matching(operation, resource=resource))


def is_write(request: SandboxRequest) -> bool:
    """A request that changes something: S3 PUT/POST/DELETE, IAM/KMS actions that aren't reads."""
    if request.service == "s3":
        return request.method in ("PUT", "POST", "DELETE")
    action = api_operation(request).split(":", 1)[-1]
    return not action.startswith(_READ_PREFIXES)


_READ_PREFIXES = ("Get", "List", "Describe", "Head", "Receive", "Simulate", "Generate", "Decrypt", "Encrypt",
                  "ReEncrypt",
                  "Sign", "Verify", "AssumeRole")


class FailNth:
    """Every attempt of the ``n``-th distinct request (by ``read_key``) matching ``when`` (default: every
    write) gets ``fault``; ``seen`` lists the distinct keys in the order they came."""

    def __init__(self, n: int, fault: MakeFault = access_denied, when: RequestTest = is_write) -> None:
        self.n = n
        self.fault = fault
        self.when = when
        self.seen: list[str] = []
        self.hits = 0
        self._lock = threading.Lock()

    def __call__(self, request: SandboxRequest) -> FaultResponse | None:
        if not self.when(request):
            return None
        key = read_key(request)
        with self._lock:
            if key not in self.seen:
                self.seen.append(key)
            if self.seen.index(key) + 1 != self.n:
                return None
            self.hits += 1
        return self.fault(request)


class CallRecorder:
    """Never answers; counts every request by ``read_key`` (operation + resource). Put it first in
    ``fault_hooks`` so it sees the requests the other hooks answer too."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, request: SandboxRequest) -> FaultResponse | None:
        with self._lock:
            self.calls[read_key(request)] += 1
        return None

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())

    def repeated(self) -> dict[str, int]:
        """Every read key sent more than once, with its count."""
        with self._lock:
            return {key: count for key, count in self.calls.items() if count > 1}

    def by_operation(self) -> Counter[str]:
        with self._lock:
            counts: Counter[str] = Counter()
            for key, count in self.calls.items():
                counts[key.split(" ", 1)[0]] += count
            return counts


@dataclass
class ReplayAfter:
    """After a request matching ``trigger`` has gone through, the next ``times`` requests matching
    ``target`` get ``response``: e.g. the GET after a PUT answers the old document (a stale read)."""

    trigger: RequestTest
    target: RequestTest
    response: FaultResponse
    times: int = 1
    armed: bool = False
    replayed: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, request: SandboxRequest) -> FaultResponse | None:
        with self._lock:
            if self.armed and self.replayed < self.times and self.target(request):
                self.replayed += 1
                return self.response
            if self.trigger(request):
                self.armed = True
        return None


def stale_bucket_policy(bucket: str, old_policy: dict[str, object] | None, times: int = 1) -> ReplayAfter:
    """The ``times`` GetBucketPolicy after a PutBucketPolicy on ``bucket`` answer ``old_policy``
    (None: ``NoSuchBucketPolicy``), as an eventually consistent read could."""
    if old_policy is None:
        response = aws_error("s3", 404, "NoSuchBucketPolicy", "The bucket policy does not exist")
    else:
        response = FaultResponse(200, json.dumps(old_policy).encode(), (("Content-Type", "application/json"),))
    return ReplayAfter(
        trigger=matching("s3:PutBucketPolicy", resource=bucket),
        target=matching("s3:GetBucketPolicy", resource=bucket),
        response=response,
        times=times,
    )

