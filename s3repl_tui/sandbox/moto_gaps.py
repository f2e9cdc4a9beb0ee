"""Where moto 5.2 answers differently from S3, and the smallest patches that make it answer like S3.

Covered here (each has a test in tests/sandbox/test_moto_gaps.py that runs against the real moto):

* ``GetBucketReplication``: moto rebuilds the configuration from a fixed template (``Filter`` forced to
  ``{"Prefix": ""}``, ``DeleteMarkerReplication`` forced ``Disabled``, ``SourceSelectionCriteria`` and
  ``ExistingObjectReplication`` dropped). S3 returns the configuration as it was stored. We keep the XML
  body of ``PutBucketReplication`` and answer with it, adding the rule IDs S3 would have generated.

* ``GetBucketNotificationConfiguration``: moto stores ``EventBridgeConfiguration`` but never answers
  it; S3 answers it (as an empty element) while EventBridge delivery is on. We add it to the answer.

Gaps handled elsewhere: cross-account reads that AWS would deny are enforced by the sandbox's
middleware (``middleware.CrossAccountGuard``), because moto evaluates no policy at all.

Failure queues (SQS) need no patch: moto validates notification event names and accepts
``s3:Replication:OperationFailedReplication`` and ``s3:Replication:*`` in a ``QueueConfiguration``,
answers them back, and sends the queue S3's ``s3:TestEvent`` (tests/sandbox/test_sqs_failure_queue.py).
It never replicates, so it never sends a failure event: ``sandbox.observed.send_failure_events`` sends
the messages S3 would. Moto enforces no queue policy and no queue KMS key: a denied or KMS-encrypted
queue is a fault hook (tests/probes/test_sqs_events_probe.py). Receiving with ``VisibilityTimeout=0``
moto answers the same first messages every time, where SQS samples its servers; the peek counts each
message once either way.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from typing import Any

from moto.s3.responses import S3Response

_RAW_XML_KEY = "__s3repl_raw_xml__"
_S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_patch_lock = threading.Lock()
_patched = False


def _with_rule_ids(raw_xml: str, stored: dict[str, Any]) -> bytes:
    """The stored XML, with the IDs moto generated for rules that came without one (as S3 does)."""
    root = ET.fromstring(raw_xml)
    namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    ET.register_namespace("", namespace.strip("{}") or _S3_NS)
    stored_rules = stored.get("Rule", [])
    for rule_element, stored_rule in zip(root.findall(f"{namespace}Rule"), stored_rules, strict=False):
        if rule_element.find(f"{namespace}ID") is None and isinstance(stored_rule, dict):
            id_element = ET.Element(f"{namespace}ID")
            id_element.text = str(stored_rule.get("ID", ""))
            rule_element.insert(0, id_element)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(ET.tostring(root, encoding="utf-8"))


def apply() -> None:
    """Patch moto's S3 responses in this process (idempotent). The threaded server runs in-process."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        original_parse = S3Response._replication_config_from_xml
        original_get = S3Response.get_bucket_replication

        def parse_keeping_raw(self: S3Response, xml: str) -> dict[str, Any]:
            config: dict[str, Any] = original_parse(self, xml)
            text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
            config[_RAW_XML_KEY] = text
            return config

        def get_as_stored(self: S3Response) -> Any:
            replication = self.backend.get_bucket_replication(self.bucket_name)
            if not replication or _RAW_XML_KEY not in replication:
                return original_get(self)
            self.data["Action"] = "GetBucketReplication"
            body = _with_rule_ids(replication[_RAW_XML_KEY], replication)
            return 200, {"Content-Type": "application/xml"}, body

        original_notification = S3Response.get_bucket_notification

        def notification_with_eventbridge(self: S3Response) -> Any:
            configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
            if configuration is None or configuration.event_bridge is None:
                return original_notification(self)
            serialize = self.serialized

            def with_eventbridge(action_result: Any) -> Any:
                if isinstance(action_result.result, dict):
                    action_result.result["EventBridgeConfiguration"] = {}
                return serialize(action_result)

            self.serialized = with_eventbridge  # type: ignore[method-assign]
            try:
                return original_notification(self)
            finally:
                del self.serialized

        S3Response._replication_config_from_xml = parse_keeping_raw  # type: ignore[method-assign]
        S3Response.get_bucket_replication = get_as_stored  # type: ignore[method-assign]
        S3Response.get_bucket_notification = notification_with_eventbridge  # type: ignore[method-assign]
        _patched = True
