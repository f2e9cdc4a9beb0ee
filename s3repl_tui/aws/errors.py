"""Every failed AWS call is classified once, here, into the kinds a check can reason about."""

from __future__ import annotations

from botocore import exceptions as boto

from s3repl_tui.probes.snapshot import ErrorKind, ReadError

ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "AllAccessDisabled", "AuthorizationError", "Forbidden",
     "UnauthorizedOperation", "UnauthorizedAccess"}
)
NOT_FOUND_CODES = frozenset(
    {"NoSuchBucket", "NoSuchEntity", "NotFoundException", "NotFound", "NoSuchKey", "404"}
)
THROTTLED_CODES = frozenset(
    {"Throttling", "ThrottlingException", "ThrottledException", "SlowDown", "RequestLimitExceeded",
     "TooManyRequestsException", "RequestThrottled", "RequestThrottledException",
     "ProvisionedThroughputExceededException", "BandwidthLimitExceeded", "EC2ThrottledException"}
)
CREDENTIAL_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "InvalidAccessKeyId",
     "SignatureDoesNotMatch", "UnrecognizedClientException", "InvalidToken", "TokenRefreshRequired",
     "RequestExpired", "IncompleteSignature", "MissingAuthenticationToken", "AuthFailure",
     "InvalidSignatureException"}
)
_CREDENTIAL_ERRORS: tuple[type[Exception], ...] = (
    boto.NoCredentialsError, boto.PartialCredentialsError, boto.CredentialRetrievalError,
    boto.TokenRetrievalError, boto.NoAuthTokenError, boto.SSOError, boto.LoginError,
    boto.ProfileNotFound, boto.InvalidConfigError, boto.RefreshWithMFAUnsupportedError,
    boto.UnknownCredentialError,
)
# What botocore's standard retry mode retries as transient besides throttling: 500/502/503/504 and these
# codes (https://docs.aws.amazon.com/boto3/latest/guide/retries.html, "Standard retry mode").
TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError",
     "InternalFailure", "ServiceFailure", "ServiceUnavailable", "ServiceUnavailableException",
     "KMSInternalException", "TransactionInProgressException", "IDPCommunicationError"}
)
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
# HTTPClientError covers ReadTimeout and closed connections; builtin OSError covers DNS and sockets.
_NETWORK_ERRORS: tuple[type[Exception], ...] = (boto.ConnectionError, boto.HTTPClientError, OSError)


def error_code(error: BaseException) -> str:
    """AWS's error code for a ClientError ("NoSuchBucketPolicy"), else the exception's class name."""
    if isinstance(error, boto.ClientError):
        code = error.response.get("Error", {}).get("Code")
        if code:
            return str(code)
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return str(status) if status else "ClientError"
    return type(error).__name__


def _http_status(error: boto.ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _kind_of_status(status: int) -> ErrorKind:
    if status == 403:
        return "access-denied"
    if status == 404:
        return "not-found"
    if status == 429:
        return "throttled"
    return "other"


def is_transient(error: BaseException) -> bool:
    """Throttling or a server-side failure (5xx): AWS may answer the same call next time. Never a
    credential error, even from the AssumeRole a ``role_arn`` profile makes."""
    if not isinstance(error, boto.ClientError):
        return False
    code = error_code(error)
    if code in CREDENTIAL_CODES or code in ACCESS_DENIED_CODES:
        return False
    return code in THROTTLED_CODES or code in TRANSIENT_CODES or _http_status(error) in TRANSIENT_STATUSES


def error_kind(error: BaseException) -> ErrorKind:
    if isinstance(error, boto.ClientError):
        code = error_code(error)
        if error.operation_name.startswith("AssumeRole") and not is_transient(error):
            return "credentials"  # the profile's role_arn could not be assumed: a credential problem
        if code in CREDENTIAL_CODES:
            return "credentials"
        if code in ACCESS_DENIED_CODES:
            return "access-denied"
        if code in NOT_FOUND_CODES:
            return "not-found"
        if code in THROTTLED_CODES:
            return "throttled"
        return _kind_of_status(_http_status(error))
    if isinstance(error, _CREDENTIAL_ERRORS):
        return "credentials"
    if isinstance(error, _NETWORK_ERRORS):
        return "network"
    return "other"


def _message(kind: ErrorKind, code: str, operation: str, account: str | None, error: BaseException) -> str:
    who = f"account {account}" if account else "the credentials used"
    if kind == "access-denied":
        return f"{operation} was denied to {who} ({code})."
    if kind == "not-found":
        return f"{operation} answered {code}: the resource does not exist for {who}."
    if kind == "throttled":
        return f"{operation} was still throttled after retries ({code})."
    if kind == "network":
        return f"{operation} could not reach AWS ({_first_line(error)})."
    if kind == "credentials":
        return f"The credentials of {who} could not be used for {operation} ({code})."
    return f"{operation} failed: {code} ({_first_line(error)})."


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__).rstrip(".")


def classify(error: BaseException, operation: str, account: str | None, command: str = "") -> ReadError:
    """The one place an AWS failure becomes a ReadError: its kind, AWS's code and one sentence."""
    kind = error_kind(error)
    code = error_code(error)
    return ReadError(
        kind=kind,
        code=code,
        message=_message(kind, code, operation, account, error),
        operation=operation,
        account=account,
        command=command,
    )
