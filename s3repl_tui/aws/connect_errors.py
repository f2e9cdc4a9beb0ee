"""What Connection.open tells a person whose credentials, profile or endpoint do not work."""

from __future__ import annotations

from botocore.exceptions import ProfileNotFound

from s3repl_tui.aws.errors import CREDENTIAL_CODES
from s3repl_tui.errors import UserError
from s3repl_tui.probes.snapshot import ReadError

_FLAG = {"source": "--source-profile", "destination": "--dest-profile"}


def profile_not_found(error: ProfileNotFound) -> UserError:
    profile = error.kwargs.get("profile", "")
    return UserError(
        f"The AWS profile '{profile}' does not exist.",
        hint="List the profiles with `aws configure list-profiles`, or check AWS_PROFILE and AWS_CONFIG_FILE.",
    )


def _whose(side: str, profile: str | None) -> str:
    return f"credentials of the {side} profile '{profile}'" if profile else f"default {side} credentials"


def open_error(side: str, profile: str | None, error: ReadError, endpoint_url: str | None) -> UserError:
    """One sentence and a hint for a failed GetCallerIdentity of one side."""
    whose = _whose(side, profile)
    if error.code == "ProfileNotFound":
        return UserError(
            f"The {whose} come from a profile that does not exist.",
            hint="Check its source_profile setting; `aws configure list-profiles` lists the profiles.",
        )
    if error.code in ("NoCredentialsError", "PartialCredentialsError"):
        return UserError(
            f"No AWS credentials were found for the {side} account.",
            hint=f"Pass {_FLAG[side]}, set AWS_PROFILE, or run `aws configure`.",
        )
    if error.code in CREDENTIAL_CODES:
        login = f"`aws sso login --profile {profile}`" if profile else "`aws sso login`"
        return UserError(
            f"The {whose} are expired or invalid ({error.code}).",
            hint=f"Refresh them (for IAM Identity Center: {login}) and run the command again.",
        )
    if error.kind == "credentials":
        return UserError(
            f"The {whose} could not be used ({error.code}).",
            hint="Check the profile's role_arn/source_profile, SSO login or credential_process.",
        )
    if error.kind == "network":
        where = endpoint_url or "the configured AWS endpoint"
        return UserError(
            f"Could not reach {where} with the {whose}.",
            hint="Check --endpoint-url, the profile's endpoint_url or AWS_ENDPOINT_URL, and the network.",
        )
    return UserError(
        f"Could not verify the {whose}: {error.message}",
        hint="sts:GetCallerIdentity must succeed; check the credentials and the endpoint.",
    )
