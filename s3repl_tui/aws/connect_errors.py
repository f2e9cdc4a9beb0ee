"""What Connection.open tells a person whose credentials, profile or endpoint do not work."""

from __future__ import annotations

from botocore.exceptions import ProfileNotFound

from s3repl_tui.aws.errors import CREDENTIAL_CODES, TRANSIENT_CODES, TRANSIENT_STATUSES
from s3repl_tui.aws.retries import ATTEMPTS
from s3repl_tui.errors import EXIT_UNKNOWN, UserError
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


def _transient(error: ReadError) -> bool:
    return error.kind == "throttled" or error.code in TRANSIENT_CODES or error.code in {
        str(status) for status in TRANSIENT_STATUSES}


def _side(side: str, profile: str | None) -> str:
    return f"the {side} account (profile '{profile}')" if profile else f"the {side} account"


def open_error(side: str, profile: str | None, error: ReadError, endpoint_url: str | None) -> UserError:
    """One sentence and a hint for a failed GetCallerIdentity (or the AssumeRole before it) of one side.

    Throttling or a server error that outlasted the retries says nothing about the credentials: it is
    exit 3 (nothing failed, nothing could be judged), never the credential error's exit 2."""
    if _transient(error):
        return UserError(
            f"AWS did not answer {error.operation} for {_side(side, profile)} after {ATTEMPTS} attempts "
            f"({error.code}), so nothing was judged: try again in a minute.",
            hint="STS throttled or failed every attempt; run the command again, and if it keeps failing, "
            "look for an STS event in the AWS Health Dashboard.",
            exit_code=EXIT_UNKNOWN,
        )
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
