"""Sessions, clients and Connection.open against the two-account sandbox."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from s3repl_tui.aws import AccountSession, Connection, ConnectOptions
from s3repl_tui.aws.session import WARM_SERVICES
from s3repl_tui.errors import EXIT_USAGE, UserError
from s3repl_tui.sandbox import DEST_ACCOUNT, DEST_PROFILE, SOURCE_ACCOUNT, SOURCE_PROFILE, Sandbox
from s3repl_tui.sandbox.middleware import FaultResponse, SandboxRequest

BOTH = ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE)


def _open_fails(options: ConnectOptions) -> UserError:
    with pytest.raises(UserError) as caught:
        Connection.open(options)
    error = caught.value
    assert error.exit_code == EXIT_USAGE
    assert error.message.count(". ") == 0 and error.message.endswith(".")  # one sentence
    assert error.hint
    return error


def test_open_proves_both_accounts(sandbox: Sandbox) -> None:
    connection = Connection.open(BOTH)

    assert connection.source.account == SOURCE_ACCOUNT
    assert connection.dest is not None and connection.dest.account == DEST_ACCOUNT
    assert connection.for_account(DEST_ACCOUNT) is connection.dest
    assert connection.for_account(SOURCE_ACCOUNT) is connection.source
    assert connection.for_account("999988887777") is None and connection.for_account(None) is None
    assert connection.call_count() == 2  # GetCallerIdentity, each side once (AssumeRole is botocore's)
    assert sandbox.middleware.calls["sts:GetCallerIdentity"] == 2


def test_clients_are_made_once_per_service_and_region(sandbox: Sandbox) -> None:
    session = Connection.open(BOTH).source

    s3 = session.client("s3")
    assert session.client("s3") is s3 and session.client("s3", "us-east-1") is s3
    assert session.client("s3", "us-west-2") is not s3
    assert session.client("s3", "us-west-2").meta.region_name == "us-west-2"
    config = s3.meta.config
    assert config.retries["mode"] == "standard" and config.retries["total_max_attempts"] == 4
    assert (config.connect_timeout, config.read_timeout) == (5, 20)
    assert s3.meta.endpoint_url == sandbox.endpoint_url  # the profile's endpoint_url


def test_an_account_session_can_wrap_any_boto3_session(sandbox: Sandbox) -> None:
    session = AccountSession("destination", sandbox.session(DEST_PROFILE))
    assert session.identity().account == DEST_ACCOUNT
    assert session.identity() is session.identity()  # asked once
    assert session.meter.count == 1


def test_calls_are_counted_from_many_threads(sandbox: Sandbox) -> None:
    connection = Connection.open(BOTH)
    assert connection.dest is not None
    clients = [connection.source.client("s3"), connection.dest.client("s3")]
    before = connection.call_count()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: clients[i % 2].list_buckets(), range(40)))
    assert connection.call_count() - before == 40


def test_an_unknown_profile_is_one_sentence(sandbox: Sandbox) -> None:
    error = _open_fails(ConnectOptions(source_profile="no-such-profile"))
    assert error.message == "The AWS profile 'no-such-profile' does not exist."
    error = _open_fails(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile="nor-this-one"))
    assert "'nor-this-one'" in error.message


def test_an_endpoint_that_refuses_connections(sandbox: Sandbox) -> None:
    started = time.monotonic()
    error = _open_fails(ConnectOptions(source_profile=SOURCE_PROFILE, endpoint_url="http://127.0.0.1:9"))
    assert error.message == (
        "Could not reach http://127.0.0.1:9 with the credentials of the source profile 's3repl-source'."
    )
    assert time.monotonic() - started < 5  # fail fast: one retry only


def test_no_credentials_at_all(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "config").write_text("")
    (tmp_path / "credentials").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    error = _open_fails(ConnectOptions(region="us-east-1", endpoint_url=sandbox.endpoint_url))
    assert error.message == "No AWS credentials were found for the source account."
    assert "--source-profile" in error.hint


def test_expired_credentials(sandbox: Sandbox) -> None:
    body = (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>"
        b"<Message>The security token included in the request is expired</Message></Error></ErrorResponse>"
    )

    def expire(request: SandboxRequest) -> FaultResponse | None:
        if request.operation == "sts:GetCallerIdentity":
            return FaultResponse(403, body, (("Content-Type", "text/xml"),))
        return None

    sandbox.middleware.fault_hooks.append(expire)
    error = _open_fails(ConnectOptions(source_profile=SOURCE_PROFILE))
    assert error.message == (
        "The credentials of the source profile 's3repl-source' are expired or invalid (ExpiredToken)."
    )


def test_aws_endpoint_url_is_honoured(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A profile without endpoint_url, and the endpoint in the environment."""
    (tmp_path / "config").write_text("[profile plain]\nregion = us-east-1\n")
    credentials = sandbox.credentials_file.read_text().replace(f"[{SOURCE_PROFILE}]", "[plain]")
    (tmp_path / "credentials").write_text(credentials)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", sandbox.endpoint_url)

    connection = Connection.open(ConnectOptions(source_profile="plain"))
    assert connection.source.account == SOURCE_ACCOUNT
    assert connection.dest is None


@pytest.mark.parametrize("attempt", range(5))
def test_open_asks_each_identity_once_though_it_warms_clients_at_the_same_time(sandbox: Sandbox, attempt: int) -> None:
    """Identity calls and client warm-ups run at once: still one AssumeRole (the credentials are resolved
    once per session) and one GetCallerIdentity per side, and every warmed client is there."""
    connection = Connection.open(BOTH)

    assert sandbox.middleware.calls["sts:AssumeRole"] == 1, dict(sandbox.middleware.calls)
    assert sandbox.middleware.calls["sts:GetCallerIdentity"] == 2
    for session in connection.sessions:
        assert {service for service, _region in session._clients} == set(WARM_SERVICES[session.side])
    assert WARM_SERVICES["source"] == ("s3", "iam", "kms")  # the role is read with the source's IAM


def test_both_accounts_share_one_copy_of_the_service_models(sandbox: Sandbox) -> None:
    connection = Connection.open(BOTH)

    assert connection.dest is not None
    loaders = {id(s.boto_session._session.get_component("data_loader")) for s in connection.sessions}
    assert len(loaders) == 1


def test_an_invalid_region_is_one_sentence_not_a_traceback_of_the_warm_up(sandbox: Sandbox) -> None:
    """Warming the clients runs beside the identity calls: its failure must not escape Connection.open."""
    with pytest.raises(UserError) as caught:
        Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, region="not a region!"))
    assert caught.value.message.endswith(".")
