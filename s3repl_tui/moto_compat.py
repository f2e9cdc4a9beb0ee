"""Reading the replication configuration from a plain moto server.

moto 5.2's ``GetBucketReplication`` answers a fixed template (``Filter`` forced to ``{"Prefix": ""}``,
``DeleteMarkerReplication`` forced ``Disabled``, ``SourceSelectionCriteria`` dropped), so a healthy
SSE-KMS setup would look like one without the KMS opt-in. Our sandbox patches that (sandbox/moto_gaps);
a moto server we did not start does not. When the endpoint is not AWS and the answer has exactly that
template's shape, we ask moto's own state API for the configuration as stored, and parse it with
botocore's S3 parser so it has the shape boto3 would have given. On AWS this never runs.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.parse
import urllib.request
from typing import Any

import botocore.session
from botocore.parsers import RestXMLParser

_TEMPLATE_KEYS = {"ID", "Priority", "Status", "DeleteMarkerReplication", "Filter", "Destination"}


def looks_like_moto_template(configuration: dict[str, Any]) -> bool:
    """True when every rule has the exact shape moto's lossy answer gives."""
    rules = configuration.get("Rules") or []
    return bool(rules) and all(
        set(rule) == _TEMPLATE_KEYS
        and rule.get("Filter") == {"Prefix": ""}
        and rule.get("DeleteMarkerReplication") == {"Status": "Disabled"}
        for rule in rules
    )


def _to_xml(value: Any, tag: str) -> str:
    if isinstance(value, list):
        return "".join(_to_xml(item, tag) for item in value)
    if isinstance(value, dict):
        inner = "".join(_to_xml(child, name) for name, child in value.items() if not name.startswith("@"))
        return f"<{tag}>{inner}</{tag}>"
    if value is None:  # xmltodict's reading of an empty element, e.g. <Prefix></Prefix>
        return f"<{tag}></{tag}>"
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<{tag}>{text}</{tag}>"


def _parse_replication_xml(xml: str) -> dict[str, Any]:
    model = botocore.session.get_session().get_service_model("s3")
    shape = model.operation_model("GetBucketReplication").output_shape
    assert shape is not None  # botocore's S3 model defines it
    response = {"body": xml.encode(), "headers": {}, "status_code": 200}
    parsed: dict[str, Any] = RestXMLParser().parse(response, shape)
    configuration: dict[str, Any] = parsed.get("ReplicationConfiguration", {})
    return configuration


def stored_configuration(endpoint_url: str, bucket: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """The configuration moto stored for ``bucket``, or None when the endpoint has no moto state API."""
    try:
        with urllib.request.urlopen(f"{endpoint_url.rstrip('/')}/moto-api/data.json", timeout=timeout) as answer:
            state = json.load(answer)
    except (OSError, ValueError):
        return None
    for stored_bucket in state.get("s3", {}).get("FakeBucket", []):
        if stored_bucket.get("name") == bucket and isinstance(stored_bucket.get("replication"), dict):
            stored = {k: v for k, v in stored_bucket["replication"].items() if not k.startswith("__")}
            return _parse_replication_xml(_to_xml(stored, "ReplicationConfiguration"))
    return None


def could_be_moto(endpoint_url: str) -> bool:
    """Only a local stand-in is asked for moto's state: loopback, or a bare host name (a container's).
    AWS, a VPC endpoint or a proxy in front of AWS never gets the extra request."""
    host = (urllib.parse.urlsplit(endpoint_url).hostname or "").lower()
    if host == "localhost" or ("." not in host and host):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def as_stored(configuration: dict[str, Any], endpoint_url: str, bucket: str) -> dict[str, Any]:
    """``configuration`` as GetBucketReplication answered it, or, from a plain moto server whose answer has
    its lossy template's shape, the configuration moto stored. Every reader of the configuration (the
    probe, the fixes' re-read and read-back) goes through here."""
    if not could_be_moto(endpoint_url) or not looks_like_moto_template(configuration):
        return configuration
    stored = stored_configuration(endpoint_url, bucket)
    return stored if stored is not None else configuration
