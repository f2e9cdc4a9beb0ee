"""One AWS read -> one Read: the value, AWS's "not configured" answer, or the classified error."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from typing import TypeVar

from botocore.exceptions import ClientError

from s3repl_tui.aws.errors import classify, error_code
from s3repl_tui.probes.snapshot import Read, ReadError

T = TypeVar("T")


def attempt(
    operation: str,
    call: Callable[[], T],
    *,
    account: str | Callable[[], str | None] | None,
    command: str | Callable[[], str],
    absent: Collection[str] = (),
) -> Read[T]:
    """Run ``call``; ``absent`` lists the error codes that mean "not configured" for this read.

    ``account`` and ``command`` may be functions, asked only when the read fails: a first read then
    goes out without waiting for the caller identity that names the account."""
    try:
        return Read.ok(call())
    except Exception as error:  # every failure, AWS's or a surprising answer, becomes a ReadError
        code = error_code(error)
        if isinstance(error, ClientError) and code in absent:
            return Read.absent(code)
        whose = account() if callable(account) else account
        how = command() if callable(command) else command
        return Read.failed(classify(error, operation, whose, how))


def not_attempted(operation: str, owner: str | None, command: str) -> Read[T]:
    """We hold no credentials of the account that owns the resource: never read it with others'."""
    whose = f"account {owner}" if owner else "the account that owns it"
    return Read.failed(
        ReadError(
            kind="no-credentials",
            code="NoCredentialsForAccount",
            message=f"{operation} needs credentials of {whose}; none were given (use --dest-profile).",
            operation=operation,
            account=None,
            command=command,
        )
    )


def skipped(cause: ReadError, operation: str, command: str) -> Read[T]:
    """Not read because a read it depends on failed (a missing bucket, a key that did not resolve):
    same reason, this input's operation and command, and no call spent on a known answer."""
    return Read.failed(dataclasses.replace(cause, operation=operation, command=command))
