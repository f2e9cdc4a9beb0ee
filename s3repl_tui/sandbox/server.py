"""The embedded two-account AWS stand-in: moto's server on loopback, with an AWS config file whose
profiles reach account A directly and account B through ``role_arn`` + ``source_profile``."""

from __future__ import annotations

import shutil
import tempfile
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
import botocore.session
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from s3repl_tui.sandbox import moto_gaps
from s3repl_tui.sandbox.middleware import SandboxMiddleware

SOURCE_ACCOUNT = "123456789012"  # moto's default account: every static key lands here
DEST_ACCOUNT = "444455556666"
SOURCE_PROFILE = "s3repl-source"
DEST_PROFILE = "s3repl-dest"
SOURCE_REGION = "us-east-1"
DEST_REGION = "us-west-2"
DEST_ADMIN_ROLE = f"arn:aws:iam::{DEST_ACCOUNT}:role/s3repl-sandbox-admin"
# Fake static keys: moto accepts any; they are planted so leak tests can look for them.
SANDBOX_ACCESS_KEY = "AKIAS3REPLSANDBOX000"
SANDBOX_SECRET_KEY = "s3repl/sandbox/secret/not-a-real-key/000000"


class _QuietHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The sandbox serves the product, not a console: no access log on the terminal."""


class _Server(ThreadedMotoServer):
    """moto's threaded server with our middleware in front of its WSGI app."""

    def __init__(self, middleware_holder: list[SandboxMiddleware]) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self._holder = middleware_holder

    def _server_entry(self) -> None:
        middleware = SandboxMiddleware(DomainDispatcherApplication(create_backend_app))
        self._holder.append(middleware)
        self._server = make_server(
            self._ip_address, self._port, middleware, True, request_handler=_QuietHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


class Sandbox:
    """Start with ``with Sandbox() as sandbox:``; ``sandbox.session(SOURCE_PROFILE)`` gives boto3 sessions.

    moto keeps its state in module globals, so one process holds one sandbox's worth of AWS; ``reset()``
    empties it between tests.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._owns_directory = directory is None
        self.directory = directory or Path(tempfile.mkdtemp(prefix="s3repl-sandbox-"))
        self._holder: list[SandboxMiddleware] = []
        self._server: _Server | None = None
        self.endpoint_url = ""

    @property
    def config_file(self) -> Path:
        return self.directory / "config"

    @property
    def credentials_file(self) -> Path:
        return self.directory / "credentials"

    @property
    def middleware(self) -> SandboxMiddleware:
        if not self._holder:
            raise RuntimeError("the sandbox is not started")
        return self._holder[0]

    def start(self) -> Sandbox:
        moto_gaps.apply()
        self._server = _Server(self._holder)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._write_profiles()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _write_profiles(self) -> None:
        s3_style = "s3 =\n    addressing_style = path\n"
        self.config_file.write_text(
            f"[profile {SOURCE_PROFILE}]\nregion = {SOURCE_REGION}\nendpoint_url = {self.endpoint_url}\n"
            f"{s3_style}\n"
            f"[profile {DEST_PROFILE}]\nregion = {DEST_REGION}\nendpoint_url = {self.endpoint_url}\n"
            f"role_arn = {DEST_ADMIN_ROLE}\nsource_profile = {SOURCE_PROFILE}\n"
            f"role_session_name = s3repl-sandbox\n{s3_style}",
            encoding="utf-8",
        )
        self.credentials_file.write_text(
            f"[{SOURCE_PROFILE}]\naws_access_key_id = {SANDBOX_ACCESS_KEY}\n"
            f"aws_secret_access_key = {SANDBOX_SECRET_KEY}\n",
            encoding="utf-8",
        )
        self.credentials_file.chmod(0o600)

    def env(self) -> dict[str, str]:
        """Environment variables that point the AWS CLI, boto3 and s3repl-tui at this sandbox."""
        return {
            "AWS_CONFIG_FILE": str(self.config_file),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file),
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def session(self, profile: str) -> boto3.Session:
        """A boto3 session for one of the sandbox's profiles, through boto3's own credential chain."""
        core = botocore.session.Session()
        core.set_config_variable("config_file", str(self.config_file))
        core.set_config_variable("credentials_file", str(self.credentials_file))
        core.set_config_variable("profile", profile)
        return boto3.Session(botocore_session=core)

    def reset(self) -> None:
        """Forget every resource (moto's reset), keep the server and the settings of the middleware."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass
        self.middleware.reset_counts()
        self.middleware.batch_jobs.reset()


def client(session: boto3.Session, service: str, region: str | None = None) -> Any:
    """A client of a sandbox session (region defaults to the profile's)."""
    return session.client(service, region_name=region)  # type: ignore[call-overload]
