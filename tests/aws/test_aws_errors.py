"""classify: every failure gets one kind, AWS's code, one sentence, and the command passed in."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from s3repl_tui.aws import classify
from s3repl_tui.aws.errors import is_transient


def _client_error(code: str, status: int = 400, operation: str = "GetBucketPolicy") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (_client_error("AccessDenied", 403), "access-denied", "AccessDenied"),
        (_client_error("AccessDeniedException"), "access-denied", "AccessDeniedException"),
        (_client_error("NoSuchBucket", 404), "not-found", "NoSuchBucket"),
        (_client_error("NoSuchEntity", 404), "not-found", "NoSuchEntity"),
        (_client_error("NotFoundException"), "not-found", "NotFoundException"),
        (_client_error("SlowDown", 503), "throttled", "SlowDown"),
        (_client_error("ThrottlingException"), "throttled", "ThrottlingException"),
        (_client_error("ExpiredToken", 403), "credentials", "ExpiredToken"),
        (_client_error("InvalidClientTokenId", 403), "credentials", "InvalidClientTokenId"),
        (_client_error("AccessDenied", 403, "AssumeRole"), "credentials", "AccessDenied"),
        (_client_error("ExpiredToken", 400, "AssumeRole"), "credentials", "ExpiredToken"),
        # A throttled or failing STS is not a credential problem: the role may well be assumable.
        (_client_error("Throttling", 400, "AssumeRole"), "throttled", "Throttling"),
        (_client_error("ServiceFailure", 500, "AssumeRole"), "other", "ServiceFailure"),
        (_client_error("ServiceUnavailable", 503, "GetCallerIdentity"), "other", "ServiceUnavailable"),
        (_client_error("SomethingNew", 403), "access-denied", "SomethingNew"),
        (_client_error("MalformedXML"), "other", "MalformedXML"),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "network", "EndpointConnectionError"),
        (ConnectTimeoutError(endpoint_url="http://x"), "network", "ConnectTimeoutError"),
        (ReadTimeoutError(endpoint_url="http://x"), "network", "ReadTimeoutError"),
        (ConnectionResetError("reset"), "network", "ConnectionResetError"),
        (NoCredentialsError(), "credentials", "NoCredentialsError"),
        (CredentialRetrievalError(provider="sso", error_msg="expired"), "credentials", "CredentialRetrievalError"),
        (KeyError("Policy"), "other", "KeyError"),
    ],
)
def test_kinds(error: Exception, kind: str, code: str) -> None:
    read_error = classify(error, "s3:GetBucketPolicy", "111122223333", command="aws s3api get-bucket-policy")
    assert (read_error.kind, read_error.code) == (kind, code)
    assert read_error.operation == "s3:GetBucketPolicy" and read_error.account == "111122223333"
    assert read_error.command == "aws s3api get-bucket-policy"
    assert read_error.message.endswith(".") and "\n" not in read_error.message


def test_the_message_names_the_operation_and_the_account() -> None:
    read_error = classify(_client_error("AccessDenied", 403), "s3:GetBucketPolicy", "111122223333")
    assert read_error.message == "s3:GetBucketPolicy was denied to account 111122223333 (AccessDenied)."


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (_client_error("Throttling", 400, "AssumeRole"), True),
        (_client_error("SlowDown", 503), True),
        (_client_error("ServiceFailure", 500, "GetCallerIdentity"), True),
        (_client_error("InternalError", 500), True),
        (_client_error("AccessDenied", 403, "AssumeRole"), False),
        (_client_error("ExpiredToken", 400, "GetCallerIdentity"), False),
        (_client_error("NoSuchBucket", 404), False),
        (NoCredentialsError(), False),
    ],
)
def test_transient_errors_are_throttling_and_server_errors(error: Exception, transient: bool) -> None:
    """What botocore's standard mode retries as throttling or transient (5xx): it may answer next time."""
    assert is_transient(error) is transient
