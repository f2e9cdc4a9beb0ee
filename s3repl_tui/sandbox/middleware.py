"""WSGI middleware between boto3 and moto: call counting, added latency, injected faults, and the
cross-account denials AWS would give where moto (which evaluates no policy) answers anyway."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from moto.iam.models import get_account_id_from
from moto.s3.models import s3_backends

from s3repl_tui.sandbox.batch_jobs import BatchJobs

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")
_QUERY_ACTION = re.compile(r"(?:^|&)Action=([A-Za-z]+)")
_KMS_ARN_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:kms:[^:]*:(\d{12}):")


@dataclass(frozen=True)
class SandboxRequest:
    """What the middleware knows of one request."""

    method: str
    path: str
    query: str
    service: str
    region: str
    access_key: str
    operation: str  # "kms:GetKeyPolicy", "s3:GET /bucket?policy", ...
    body: bytes

    @property
    def caller_account(self) -> str:
        return get_account_id_from(self.access_key)

    @property
    def bucket(self) -> str | None:
        if self.service != "s3":
            return None
        first = self.path.lstrip("/").split("/", 1)[0]
        return first or None


@dataclass(frozen=True)
class FaultResponse:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    drop_connection: bool = False  # close the socket without answering (a connection reset)


FaultHook = Callable[[SandboxRequest], FaultResponse | None]


def _operation_name(
    service: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes
) -> str:
    if path.startswith("/v20180820/"):  # s3control (signed as s3): Batch Operations jobs and the like
        return f"s3control:{method} {'/'.join(path.split('/')[:3])}"
    target = headers.get("HTTP_X_AMZ_TARGET", "")
    if target:  # JSON protocol (kms)
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    action = _QUERY_ACTION.search(query) or _QUERY_ACTION.search(body.decode("latin-1"))
    if service != "s3" and action:  # query protocol (iam, sts)
        return f"{service}:{action.group(1)}"
    if service == "s3":
        subresource = query.split("=", 1)[0].split("&", 1)[0]
        depth = "object" if "/" in path.lstrip("/") else "bucket"
        return f"s3:{method} {depth}" + (f"?{subresource}" if subresource else "")
    return f"{service}:{method}"


def error_response(status: int, service: str, code: str, message: str) -> FaultResponse:
    if service == "s3":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>"
        ).encode()
        return FaultResponse(status, body, (("Content-Type", "application/xml"),))
    payload = json.dumps({"__type": code, "message": message}).encode()
    return FaultResponse(status, payload, (("Content-Type", "application/x-amz-json-1.1"),))


def cross_account_denial(request: SandboxRequest) -> FaultResponse | None:
    """AWS denies a caller from another account unless a resource policy grants it; moto never does.

    The sandbox takes the common case (no grant): S3 bucket requests and KMS requests on a key ARN of
    another account answer AccessDenied, as AWS would. (moto answers a foreign KMS key NotFound.)
    """
    if not request.access_key:
        return None
    if request.service == "s3" and request.bucket:
        owner = s3_backends.bucket_accounts.get(request.bucket)
        if owner and owner[1] != request.caller_account:
            return error_response(403, "s3", "AccessDenied", "Access Denied")
    if request.service == "kms":
        try:
            key_id = str(json.loads(request.body or b"{}").get("KeyId", ""))
        except (ValueError, AttributeError):
            return None
        match = _KMS_ARN_ACCOUNT.match(key_id)
        if match and match.group(1) != request.caller_account:
            message = f"User in account {request.caller_account} is not authorized to use {key_id}"
            return error_response(400, "kms", "AccessDeniedException", message)
    return None


class SandboxMiddleware:
    """Wraps moto's WSGI app. Settings can change while the server runs (tests, benchmarks, demo)."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.latency_seconds = 0.0
        self.cross_account_guard = True
        self.fault_hooks: list[FaultHook] = []
        self.calls: Counter[str] = Counter()
        self.batch_jobs = BatchJobs()  # moto has no S3 Batch Operations: the sandbox's stand-in answers

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()

    def _describe(self, environ: dict[str, Any]) -> SandboxRequest:
        match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        access_key, region, service = match.groups() if match else ("", "", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        query = environ.get("QUERY_STRING", "")
        headers = {k: v for k, v in environ.items() if k.startswith("HTTP_")}
        operation = _operation_name(service, method, path, query, headers, body)
        return SandboxRequest(method, path, query, service, region, access_key, operation, body)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self._app(environ, start_response)
        request = self._describe(environ)
        with self._lock:
            self.calls[request.operation] += 1
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        for hook in [*self.fault_hooks, *([cross_account_denial] if self.cross_account_guard else [])]:
            fault = hook(request)
            if fault is None:
                continue
            if fault.drop_connection:
                raise ConnectionResetError("sandbox: injected connection reset")
            start_response(f"{fault.status} Injected", list(fault.headers))
            return [fault.body]
        if self.batch_jobs.handles(request.path):
            account = environ.get("HTTP_X_AMZ_ACCOUNT_ID", "") or request.caller_account
            status, body = self.batch_jobs.answer(request.method, request.path, request.query, account, request.body)
            start_response(f"{status} {'OK' if status == 200 else 'Error'}", [("Content-Type", "application/xml")])
            return [body]
        return self._app(environ, start_response)
