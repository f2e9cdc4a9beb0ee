"""What the planner needs to know about a setup, taken from a Snapshot (no I/O).

``checks.statements.SetupFacts`` holds the facts the statements are built from (rules, buckets, keys,
resources and conditions, least privilege); the planner's view adds who owns what and where. Every
fact can be missing (a read failed, the rule names no key...): callers get None and say which fix
could not be planned instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from s3repl_tui.checks import facts as checked
from s3repl_tui.checks.facts import RuleFacts
from s3repl_tui.checks.statements import SetupFacts
from s3repl_tui.probes.snapshot import BucketSnapshot, KeySnapshot


@dataclass(frozen=True)
class Facts(SetupFacts):
    @property
    def source_account(self) -> str | None:
        return self.source.owner_account or self.snapshot.source_identity.account

    @property
    def source_region(self) -> str | None:
        return checked.region_of(self.source)

    def rule(self, rule_id: str | None) -> RuleFacts | None:
        return next((rule for rule in self.rules if rule_id is None or rule.id == rule_id), None)

    def destination(self, name: str | None) -> BucketSnapshot | None:
        return self.snapshot.destinations.get(name) if name else None

    def key(self, reference: str | None) -> KeySnapshot | None:
        """The key read for a reference as written, or for its resolved ARN."""
        if not reference:
            return None
        found = checked.key_snapshot(self.snapshot, reference)
        return found or next((k for k in self.snapshot.keys.values() if reference == k.arn), None)

    def replica_key_reference(self, destination: str) -> str | None:
        """The ReplicaKmsKeyID of the rules to ``destination``, else the destination's default key."""
        return self._replica_key_reference(destination)

    def profile_for(self, account: str) -> str | None:
        for identity in (self.snapshot.source_identity, self.snapshot.dest_identity):
            if identity is not None and identity.account == account:
                return identity.profile
        return None
