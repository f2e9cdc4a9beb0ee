"""The s3control client of a Batch Replication job, reachable on a custom endpoint too.

s3control puts the account id in front of the host (``123456789012.s3-control.us-east-1.amazonaws.com``):
both the model's ``hostPrefix`` ``{AccountId}.`` and, since endpoint rulesets, the ruleset itself
(``{url#scheme}://{AccountId}.{url#authority}`` when ``Endpoint`` is set). On a custom endpoint
(``--endpoint-url``, a profile's ``endpoint_url``, ``AWS_ENDPOINT_URL``: the sandbox, an emulator, a proxy)
that host does not exist (``123456789012.127.0.0.1``). There the client is made with
``Config(inject_host_prefix=False)`` and the prefix the ruleset adds is taken off before the request is
signed; the account still travels in ``x-amz-account-id``. On AWS's own endpoints nothing changes.
(botocore Config docs: inject_host_prefix; s3control endpoint-rule-set-1.json.)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from botocore.config import Config

from s3repl_tui.aws.session import CLIENT_CONFIG, AccountSession

AWS_DNS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".c2s.ic.gov", ".sc2s.sgov.gov")


def is_custom_endpoint(url: str | None) -> bool:
    """An endpoint that is not one of AWS's own host names (``None``: AWS's default endpoint)."""
    if not url:
        return False
    host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower().rstrip(".")
    return not host.endswith(AWS_DNS_SUFFIXES)


def without_account_prefix(url: str, account: str) -> str:
    """``http://123456789012.127.0.0.1:5000/v20180820/jobs`` → ``http://127.0.0.1:5000/v20180820/jobs``."""
    parts = urlsplit(url)
    prefix = f"{account}."
    if not account or not parts.netloc.startswith(prefix):
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc[len(prefix):]))


def _drop_prefix(params: dict[str, Any], **_: Any) -> None:
    headers = params.get("headers") or {}
    account = headers.get("x-amz-account-id", "")
    account = account.decode() if isinstance(account, bytes) else str(account)
    params["url"] = without_account_prefix(str(params.get("url", "")), account)


def s3control_client(session: AccountSession, region: str) -> Any:
    """``session``'s s3control client in ``region``; on a custom endpoint, one that keeps the host as given."""
    client = session.client("s3control", region=region)
    if not is_custom_endpoint(client.meta.endpoint_url):
        return client
    plain = session.boto_session.client(
        "s3control",
        region_name=region,
        endpoint_url=session.endpoint_url,
        config=CLIENT_CONFIG.merge(Config(inject_host_prefix=False)),
    )
    plain.meta.events.register("before-call.s3-control", _drop_prefix)
    session.meter.attach(plain, session.side)
    return plain
