"""One botocore session per account, clients per (service, region), and the caller identity of each."""

from __future__ import annotations

import atexit
import gc
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from s3repl_tui.aws.connect_errors import open_error, profile_not_found
from s3repl_tui.aws.errors import classify
from s3repl_tui.aws.meter import CallListener, CallMeter
from s3repl_tui.aws.models import CoreSession
from s3repl_tui.aws.retries import RETRIES
from s3repl_tui.probes.snapshot import Identity

Side = Literal["source", "destination"]
# Without a region anywhere (profile, env, --region), start in us-east-1: S3, IAM and STS answer there
# for every bucket, and every bucket and key is then read in its own region.
FALLBACK_REGION = "us-east-1"
# Standard retries back off on throttling and transient errors; the timeouts keep a dead endpoint
# from hanging the probe. The pool is as wide as the probe's concurrency.
CLIENT_CONFIG = Config(retries=RETRIES, connect_timeout=5, read_timeout=20, max_pool_connections=32)
# GetCallerIdentity answers whether the credentials and the endpoint work at all: shorter timeouts, but
# the same retries as every call (a throttled STS is not a credential error).
IDENTITY_CONFIG = Config(retries=RETRIES, connect_timeout=3, read_timeout=10)
# Every client botocore makes on its own for a session, above all the STS client of the AssumeRole a
# ``role_arn`` + ``source_profile`` profile needs (AssumeRoleProvider creates it with the session's
# create_client, which merges the session's default client config), retries the same way; without it,
# that client would use the profile's retry_mode, legacy by default.
CREDENTIAL_CONFIG = Config(retries=RETRIES, connect_timeout=5, read_timeout=20)
# The clients a probe makes with each side's credentials: the role (IAM) is read in the source account;
# a destination-account role is read too, with a client made when it is needed.
WARM_SERVICES: dict[str, tuple[str, ...]] = {"source": ("s3", "iam", "kms"), "destination": ("s3", "kms")}
# A process that loaded botocore spends ~75 ms at exit in the interpreter's last garbage collection,
# walking botocore's models and our snapshots only to free memory the OS reclaims anyway. Freezing at
# exit (atexit runs before that collection) moves them out of its reach; it changes nothing else:
# reference counting still frees, files are still flushed and closed.
atexit.register(gc.freeze)


@dataclass(frozen=True)
class ConnectOptions:
    source_profile: str | None = None
    dest_profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None  # None: the profile's endpoint_url or AWS_ENDPOINT_URL, if any


class AccountSession:
    """One account's credentials. boto3 sessions are not thread-safe, so clients are made under a lock;
    the clients themselves are shared by every probe thread."""

    def __init__(
        self,
        side: Side,
        boto_session: Any,  # CoreSession, or a boto3.Session: client(), region_name, _session
        profile: str | None = None,
        endpoint_url: str | None = None,
        meter: CallMeter | None = None,
    ) -> None:
        self.side: Side = side
        self.profile = profile
        self.boto_session = boto_session
        self.endpoint_url = endpoint_url
        self.meter = meter or CallMeter()
        self._lock = threading.Lock()
        self._identity_lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._identity: Identity | None = None
        # Set once the first client every probe reads with (WARM_SERVICES[side][0], S3) is made: the
        # identity's STS client waits for it, as the other account's first client does.
        self._first_ready = threading.Event()
        self._warming = False  # warm_clients is on its way (Connection.start): the identity waits for it
        self._models_from: threading.Event | None = None

    @classmethod
    def from_profile(
        cls, side: Side, profile: str | None, options: ConnectOptions, meter: CallMeter | None = None
    ) -> AccountSession:
        """Raises botocore's ProfileNotFound for an unknown profile (Connection.open explains it)."""
        session = CoreSession(profile_name=profile, region_name=options.region)
        session._session.set_default_client_config(CREDENTIAL_CONFIG)  # before any credentials are resolved
        return cls(side, session, profile=profile, endpoint_url=options.endpoint_url, meter=meter)

    @property
    def region(self) -> str:
        return self.boto_session.region_name or FALLBACK_REGION

    def client(self, service: str, region: str | None = None) -> Any:
        """The client of ``service`` in ``region`` (default: the session's), made once."""
        key = (service, region or self.region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = self._make_client(service, key[1], CLIENT_CONFIG)
        return client

    def _make_client(self, service: str, region: str, config: Config) -> Any:
        # Caller holds self._lock. endpoint_url=None lets botocore apply profile/env endpoints.
        client = self.boto_session.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint_url,
            config=config,
        )
        self.meter.attach(client, self.side)
        return client

    def identity(self) -> Identity:
        """sts:GetCallerIdentity, asked once; a failure is kept in ``Identity.error``."""
        with self._identity_lock:
            if self._identity is None:
                self._identity = self._ask_identity()
            return self._identity

    def _ask_identity(self) -> Identity:
        try:
            # The probe's first reads (S3, 4 dependent round trips) wait longer than the identity (1, or
            # 2 with an AssumeRole): their client is made first, then STS's.
            if self._models_from is not None:
                self._models_from.wait(timeout=10)
            if self._warming:
                self._first_ready.wait(timeout=10)
            with self._lock:
                sts = self._make_client("sts", self.region, IDENTITY_CONFIG)
            answer = sts.get_caller_identity()
        except Exception as error:  # classified: a credential, profile, network or transient problem
            # The call that failed may be the AssumeRole the profile's credentials need first.
            failed = getattr(error, "operation_name", "") or "GetCallerIdentity"
            read_error = classify(error, f"sts:{failed}", None)
            return Identity(self.side, self.profile, None, None, error=read_error)
        return Identity(self.side, self.profile, str(answer["Account"]), str(answer["Arn"]))

    @property
    def account(self) -> str | None:
        return self.identity().account

    def warm_up(self) -> Identity:
        """Identity first (it proves the credentials), then the clients every probe needs, so their
        slow first creation (service models) happens before the probe's clock starts."""
        identity = self.identity()
        if identity.error is None:
            self.warm_clients()
        return identity

    def warm_clients(self) -> None:
        """Make the clients every probe needs, the first reads' first. Connection.start runs this beside
        the identity, which makes its STS client once the first reads' client is made: the CPU of
        building the others overlaps the round trips."""
        first, *others = WARM_SERVICES[self.side]
        try:
            if self._models_from is not None:
                self._models_from.wait(timeout=10)
            self.client(first)  # the first reads' client: the longest chain of calls starts with it
        finally:
            self._first_ready.set()
        for service in others:
            self.client(service)

    def share_models_with(self, other: AccountSession) -> None:
        """Load each botocore service model once per process, not once per account: both sessions use
        ``other``'s loader (its cache holds the parsed JSON). Call before either makes a client."""
        core = self.boto_session._session
        core.register_component("data_loader", other.boto_session._session.get_component("data_loader"))
        self._models_from = other._first_ready  # our first client waits for theirs: then the cache is warm


class Connection:
    """The source account's session and, with --dest-profile, the destination account's."""

    def __init__(self, source: AccountSession, dest: AccountSession | None, options: ConnectOptions) -> None:
        self.source = source
        self.dest = dest
        self.options = options
        self._proving: tuple[list[Future[Identity]], list[Future[None]]] | None = None
        self._proved = threading.Lock()

    @classmethod
    def open(cls, options: ConnectOptions) -> Connection:
        """Both sessions, with credentials proven by GetCallerIdentity (concurrently); else UserError."""
        connection = cls.start(options)
        connection.prove()
        return connection

    @classmethod
    def start(cls, options: ConnectOptions) -> Connection:
        """Both sessions, their GetCallerIdentity (and the destination's AssumeRole) and client warm-ups
        on the wire, without waiting for them: a probe's first reads need no account id, so they go out
        beside the identity calls. ``prove()`` waits for them and raises what ``open`` raises; an unknown
        profile raises at once."""
        connection = cls._sessions(options)
        # Every identity call and every client warm-up at once: the round trips (and the destination's
        # AssumeRole) overlap each other and the CPU of loading service models.
        pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="s3repl-open")
        try:
            for session in connection.sessions:
                session._warming = True
            asked = [pool.submit(session.identity) for session in connection.sessions]
            warmed = [pool.submit(session.warm_clients) for session in connection.sessions]
        finally:
            pool.shutdown(wait=False)  # the threads end with their tasks
        connection._proving = (asked, warmed)
        return connection

    def prove(self) -> None:
        """Wait for the identities ``start`` asked for; UserError (one sentence) if one failed."""
        with self._proved:
            proving, self._proving = self._proving, None
            if proving is None:
                return
            asked, warmed = proving
            identities = [future.result() for future in asked]
            for future in warmed:
                # Wait, but never raise: a failed warm-up only costs time; the probe makes that client
                # again and classifies its error (a bad region fails the identity call too).
                future.exception()
            for session, identity in zip(self.sessions, identities, strict=True):
                if identity.error is not None:
                    self._proving = proving  # every later prove() says the same
                    raise open_error(session.side, session.profile, identity.error, self.options.endpoint_url)

    @classmethod
    def _sessions(cls, options: ConnectOptions) -> Connection:
        meter = CallMeter()
        try:
            source = AccountSession.from_profile("source", options.source_profile, options, meter)
            dest = (
                AccountSession.from_profile("destination", options.dest_profile, options, meter)
                if options.dest_profile
                else None
            )
        except ProfileNotFound as error:
            raise profile_not_found(error) from None
        if dest is not None:
            dest.share_models_with(source)
        return cls(source, dest, options)

    @property
    def sessions(self) -> tuple[AccountSession, ...]:
        return (self.source,) if self.dest is None else (self.source, self.dest)

    def for_account(self, account: str | None) -> AccountSession | None:
        """The session whose credentials belong to ``account`` (source first when both do)."""
        if account is None:
            return None
        return next((s for s in self.sessions if s.account == account), None)

    def _meters(self) -> list[CallMeter]:
        return list({id(s.meter): s.meter for s in self.sessions}.values())

    def call_count(self) -> int:
        """AWS requests sent through this connection's clients so far (retries included)."""
        return sum(meter.count for meter in self._meters())

    def add_call_listener(self, listener: CallListener) -> Callable[[], None]:
        """``listener(side, operation)`` for every request; returns the function that removes it."""
        removers = [meter.add_listener(listener) for meter in self._meters()]

        def remove() -> None:
            for remover in removers:
                remover()

        return remove
