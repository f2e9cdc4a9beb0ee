"""Whether an endpoint is the local sandbox, and what the sandbox does not emulate.

Pure: no moto, no boto3, so the CLI and the TUI can ask it cheaply. The sandbox (moto) stores
configurations and objects but never replicates: no object gets a ``ReplicationStatus`` and no
replica is written. A conclusion drawn from replication results there (NOT_REPLICATED, "existed
before the configuration") says nothing about the setup, so the product says what is not emulated
instead of drawing it.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

NOT_EMULATED = (
    "the sandbox (moto) stores the configuration but never replicates: no object gets a replication "
    "status and no replica is written"
)
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def is_sandbox_endpoint(url: str | None) -> bool:
    """True for an endpoint on this machine's loopback (``http://127.0.0.1:PORT``, ``localhost``, ``[::1]``).

    Real AWS is never on loopback; a local endpoint is the sandbox or another emulator (moto,
    LocalStack), and none of them replicates. ``None``/empty (AWS itself) is False.
    """
    if not url:
        return False
    text = url.strip()
    if "://" not in text:
        text = f"http://{text}"
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return False
    if not host:
        return False
    host = host.lower().rstrip(".")
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
