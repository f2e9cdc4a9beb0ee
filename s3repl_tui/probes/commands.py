"""The exact ``aws ...`` command a resource's owner can run to read what we could not."""

from __future__ import annotations

import re
import shlex

from botocore import xform_name

from s3repl_tui.aws.session import Connection

# Stands for a profile with the destination account's credentials, which we were not given.
DESTINATION_PROFILE_PLACEHOLDER = "<destination-profile>"
_CLI_SERVICE = {"s3": "s3api"}  # every other service has the same name in the CLI and in IAM actions
_PLACEHOLDER = re.compile(r"^<[A-Za-z0-9-]+>$")
_GLOBAL_OPTIONS = ("region", "endpoint_url", "profile")


def _value(text: str) -> str:
    return text if _PLACEHOLDER.match(text) else shlex.quote(text)


def cli_command(operation: str, **params: str | None) -> str:
    """``cli_command("s3:GetBucketPolicy", Bucket="d", profile="<destination-profile>")`` ->
    ``aws s3api get-bucket-policy --bucket d --profile <destination-profile>``.

    API parameters keep their API names (Bucket, KeyId, RoleName); ``region``, ``endpoint_url`` and
    ``profile`` become the CLI's global options, in that order, after them. None values are left out.
    """
    service, _, action = operation.partition(":")
    words = ["aws", _CLI_SERVICE.get(service, service), xform_name(action, "-")]
    for name, value in params.items():
        if value is not None and name not in _GLOBAL_OPTIONS:
            words += [f"--{xform_name(name, '-')}", _value(value)]
    for name in _GLOBAL_OPTIONS:
        value = params.get(name)
        if value is not None:
            words += [f"--{name.replace('_', '-')}", _value(value)]
    return " ".join(words)


def owner_profile(connection: Connection, account: str | None) -> str | None:
    """The profile to put in a command for a resource of ``account``: the profile of our session for it
    (None: its credentials come from the default chain, so no --profile), else the placeholder."""
    session = connection.for_account(account)
    if session is None:
        return DESTINATION_PROFILE_PLACEHOLDER
    return session.profile
